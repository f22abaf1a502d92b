import NablaAutodiff
import NablaTensor

extension Builtins {
  static let x = Parameter("x", .tensor)
  static let axis0 = Parameter("axis", .integer, default: .value(.scalar(0)), namedOnly: false)

  static let shape: [Builtin] = [
    Builtin(
      "shape", [x], category: "Shape", doc: "The shape of x as a vector (also x.shape).", example: "shape(eye(3))"
    ) { c in
      let shape = try c.tensor("x").shape
      // Shown as the contract writes shapes, [150, 4]; the value is the vector.
      c.interpreter.present(.text(Tensor.describe(shape)), for: c)
      return .tensor(Tensor(vector: shape.map(Double.init)))
    },
    Builtin("numel", [x], category: "Shape", doc: "The number of elements of x.", example: "numel(zeros(2, 3))") { c in
      .scalar(Double(try c.tensor("x").value.count))
    },
    Builtin(
      "len", [Parameter("x", .any)], category: "Shape", doc: "The length of a list, or of a tensor's first axis.",
      example: "len([ones(2), zeros(3)])"
    ) { c in
      switch try c.value("x") {
      case .list(let items): return .scalar(Double(items.count))
      case .tensor(let t) where t.rank >= 1: return .scalar(Double(t.shape[0]))
      case .string(let s): return .scalar(Double(s.count))
      case let other: throw c.fail("'x' must be a list or a tensor of rank ≥ 1, got \(other.typeName)", argument: "x")
      }
    },
    Builtin(
      "reshape", [x, Parameter("shape", .dimensions, variadic: true)], category: "Shape",
      doc: "The same elements in a new shape; one size may be -1 (inferred).", example: "reshape(arange(6), 2, 3)"
    ) { c in
      let t = try c.tensor("x")
      let shape = try Tensor.inferShape(c.dimensions("shape", allowInferred: true), count: t.value.count, from: t.shape)
      return .tensor(try t.reshaped(shape))
    },
    Builtin(
      "flatten", [x], category: "Shape", doc: "The elements of x as a vector, row-major.",
      example: "flatten([1, 2; 3, 4])"
    ) { c in
      .tensor(try c.tensor("x").flattened())
    },
    Builtin(
      "transpose", [x, Parameter("axes", .tensor, default: .absent)], category: "Shape",
      doc: "Axes reversed (a matrix's transpose), or permuted as given by axes.", example: "transpose([1, 2; 3, 4])"
    ) { c in
      let t = try c.tensor("x")
      guard let axes = try c.axes("axes") else { return .tensor(try t.permuted(Array((0..<t.rank).reversed()))) }
      let resolved = try axes.map { try Tensor.normalizeAxis($0, rank: t.rank, operation: "transpose") }
      return .tensor(try t.permuted(resolved))
    },
    Builtin(
      "squeeze", [x, Parameter("axis", .integer, default: .absent)], category: "Shape",
      doc: "Removes size-1 axes (all, or the one given).", example: "squeeze(zeros(1, 3, 1))"
    ) { c in .tensor(try c.tensor("x").squeezed(axis: c.optionalInteger("axis"))) },
    Builtin(
      "unsqueeze", [x, Parameter("axis", .integer)], category: "Shape",
      doc: "Inserts a size-1 axis at axis.", example: "unsqueeze([1, 2, 3], 0)"
    ) { c in .tensor(try c.tensor("x").unsqueezed(axis: c.integer("axis"))) },
    Builtin(
      "nonzero", [x], category: "Shape",
      doc: "The flat indices of the non-zero entries (NumPy's flatnonzero), to select with x[nonzero(mask)].",
      example: "nonzero([0, 3, 0, 5])"
    ) { c in
      .tensor(
        Tensor(vector: try c.tensor("x").value.data.enumerated().filter { $0.element != 0 }.map { Double($0.offset) }))
    },
    Builtin(
      "concat", [Parameter("tensors", .list), axis0], category: "Shape",
      doc: "Joins tensors along an existing axis.", example: "concat([ones(2), zeros(3)], axis: 0)"
    ) { c in .tensor(try Variable.concat(c.tensors("tensors"), axis: c.integer("axis"))) },
    Builtin(
      "stack", [Parameter("tensors", .list), axis0], category: "Shape",
      doc: "Joins same-shaped tensors along a new axis.", example: "stack([ones(2), zeros(2)])"
    ) { c in .tensor(try Variable.stack(c.tensors("tensors"), axis: c.integer("axis"))) },
  ]
}
