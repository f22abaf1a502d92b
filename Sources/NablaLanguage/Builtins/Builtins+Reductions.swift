import NablaAutodiff
import NablaTensor

extension Builtins {
  static let axis = Parameter("axis", .tensor, default: .absent)
  static let keepdims = Parameter("keepdims", .bool, default: .value(.scalar(0)), namedOnly: true)

  static func reduction(
    _ name: String, doc: String, example: String, extra: [Parameter] = [],
    _ f: @escaping (Variable, [Int]?, Bool, BuiltinCall) throws -> Variable
  ) -> Builtin {
    Builtin(name, [x, axis, keepdims] + extra, category: "Reductions", doc: doc, example: example) { c in
      let input = try c.tensor("x")
      // max(a, b) as in Python or MATLAB: here the second argument is an axis.
      if name == "max" || name == "min", c.has("axis"), let axis = try? c.tensor("axis"),
        axis.value.data.contains(where: { $0 != $0.rounded() || $0 >= Double(input.rank) || $0 < -Double(input.rank) })
      {
        let elementwise = name == "max" ? "maximum" : "minimum"
        throw c.fail(
          "\(name)(x, axis) reduces x along an axis, and \(c.text("axis") ?? "that") is not an axis of x (rank \(input.rank)); for the elementwise \(name == "max" ? "larger" : "smaller") of two tensors use \(elementwise)(a, b)",
          argument: "axis")
      }
      return .tensor(try f(input, c.axes(), c.bool("keepdims"), c))
    }
  }

  static let ddof = Parameter("ddof", .integer, default: .value(.scalar(0)), namedOnly: true)

  /// `all`/`any`: whether every (some) entry is nonzero, as a mask (not differentiable).
  static func truth(_ x: Variable, _ axes: [Int]?, _ keepdims: Bool, every: Bool) throws -> Variable {
    // Of nothing, every entry is true and none is, as in NumPy.
    if x.value.count == 0 && axes == nil { return .boolean(Tensor(scalar: every ? 1 : 0)) }
    let nonzero = Variable.constant(x.value.map { $0 != 0 ? 1 : 0 })
    let reduced =
      every ? try nonzero.min(axes: axes, keepdims: keepdims) : try nonzero.max(axes: axes, keepdims: keepdims)
    return .boolean(reduced.value)
  }

  static let reductions: [Builtin] = [
    reduction("sum", doc: "Sum of the elements (over axis: if given).", example: "sum([1, 2; 3, 4], axis: 0)") {
      _ = $3
      return try $0.sum(axes: $1, keepdims: $2)
    },
    reduction("mean", doc: "Mean of the elements.", example: "mean([1, 2, 3, 4])") { x, axes, keep, _ in
      try x.mean(axes: axes, keepdims: keep)
    },
    reduction("max", doc: "Largest element (ties share the gradient).", example: "max([1, 5, 3])") {
      _ = $3
      return try $0.max(axes: $1, keepdims: $2)
    },
    reduction("min", doc: "Smallest element (ties share the gradient).", example: "min([1, 5, 3])") {
      _ = $3
      return try $0.min(axes: $1, keepdims: $2)
    },
    reduction("all", doc: "1 when every element is nonzero (true), else 0; a mask.", example: "all([1, 2, 3] > 0)") {
      x, axes, keep, _ in try truth(x, axes, keep, every: true)
    },
    reduction("any", doc: "1 when some element is nonzero (true), else 0; a mask.", example: "any([1, -2, 3] < 0)") {
      x, axes, keep, _ in try truth(x, axes, keep, every: false)
    },
    reduction("prod", doc: "Product of the elements.", example: "prod([1, 2, 3, 4])") { x, axes, keep, _ in
      try x.prod(axes: axes, keepdims: keep)
    },
    reduction(
      "norm",
      doc:
        "Euclidean norm (Frobenius for a matrix); ord: 1, 3, inf, -inf, 0 for vectors, \"fro\", \"nuc\", 1, 2, inf… for matrices, as NumPy; gradient 0 at 0.",
      example: "norm([3, 4])", extra: [Parameter("ord", .any, default: .absent, namedOnly: true)]
    ) { x, axes, keepdims, c in
      guard c.has("ord") else { return try x.norm(axes: axes, keepdims: keepdims) }
      let order: NormOrder
      switch try c.value("ord") {
      case .string("fro"): order = .frobenius
      case .string("nuc"): order = .nuclear
      case .tensor(let t) where t.value.count == 1 && !t.value.data[0].isNaN: order = .p(t.value.data[0])
      default: throw c.fail("ord must be a number (inf and -inf too), \"fro\" or \"nuc\"", argument: "ord")
      }
      return try matrixCall(c) { try x.norm(order: order, axes: axes, keepdims: keepdims) }
    },
    reduction(
      "var", doc: "Variance, dividing by n (ddof: 1 divides by n − 1).", example: "var([1, 2, 3, 4])", extra: [ddof]
    ) {
      try $0.variance(axes: $1, keepdims: $2, ddof: $3.integer("ddof"))
    },
    reduction(
      "std", doc: "Standard deviation, dividing by n (ddof: 1 divides by n − 1).", example: "std([1, 2, 3, 4])",
      extra: [ddof]
    ) {
      try $0.standardDeviation(axes: $1, keepdims: $2, ddof: $3.integer("ddof"))
    },
    reduction("logsumexp", doc: "log(sum(exp(x))), computed without overflow.", example: "logsumexp([1000, 1000])") {
      _ = $3
      return try $0.logsumexp(axes: $1, keepdims: $2)
    },
    Builtin(
      "argmax", [x, Parameter("axis", .integer, default: .absent), keepdims], category: "Reductions",
      doc: "Index of the largest element (flat index without axis:); first on ties.", example: "argmax([1, 5, 3])"
    ) { c in
      .tensor(
        try c.tensor("x").value.argExtreme(axis: c.optionalInteger("axis"), keepdims: c.bool("keepdims"), largest: true)
      )
    },
    Builtin(
      "argmin", [x, Parameter("axis", .integer, default: .absent), keepdims], category: "Reductions",
      doc: "Index of the smallest element (flat index without axis:); first on ties.", example: "argmin([1, 5, 3])"
    ) { c in
      .tensor(
        try c.tensor("x").value.argExtreme(
          axis: c.optionalInteger("axis"), keepdims: c.bool("keepdims"), largest: false))
    },
  ]
}
