import NablaAutodiff
import NablaTensor

/// Selection, order and cumulation (NumPy and PyTorch names and signatures). Values read at
/// indices are differentiable (the gradient goes back to the entries read); indices and orders
/// (`argsort`, topk's second result) are constants.
extension Builtins {
  /// `split(x, [2, 5], axis: 0)`: the pieces of x between the cut points along `axis` (0 unless
  /// given), as NumPy's `split`; `split(x, 3)` makes 3 equal pieces. The parameter names are those
  /// of the builtin that routes here (`x` and `indices` by default).
  public static func splitTensor(_ c: BuiltinCall, tensor: String = "x", cuts: String = "indices") throws -> Value {
    let x = try c.tensor(tensor)
    let axis = try c.optionalInteger("axis") ?? 0
    let spec = try c.tensor(cuts)
    let pieces: [Variable]
    switch spec.rank {
    case 0: pieces = try x.split(into: c.integer(cuts), axis: axis)
    case 1: pieces = try x.split(at: c.integers(cuts), axis: axis)
    default:
      throw c.fail(
        "'\(cuts)' must be a number of pieces or a vector of cut points, not shape \(Tensor.describe(spec.shape))",
        argument: cuts)
    }
    return .list(pieces.map { Value.tensor($0) })
  }

  static let selectionIndices = Parameter("indices", .tensor)
  static let selectionAxisLast = Parameter("axis", .integer, default: .value(.scalar(-1)))
  static let selectionOptionalAxis = Parameter("axis", .integer, default: .absent)

  static let selection: [Builtin] = [
    Builtin(
      "where", [Parameter("condition", .tensor), Parameter("a", .tensor), Parameter("b", .tensor)],
      category: "Selection",
      doc: "a where condition is nonzero, b elsewhere (broadcast); the gradient reaches only the branch taken.",
      example: "where([1, -2, 3] > 0, [1, -2, 3], 0)"
    ) { c in
      .tensor(try Variable.`where`(c.tensor("condition"), c.tensor("a"), c.tensor("b")))
    },
    Builtin(
      "gather", [x, selectionIndices, selectionAxisLast], category: "Selection",
      doc: "x[..., indices[..., j, ...], ...] along axis (NumPy take_along_axis); indices have x's rank.",
      example: "gather([10, 20, 30; 40, 50, 60], [2; 0], axis: 1)"
    ) { c in
      .tensor(try c.tensor("x").takeAlongAxis(c.tensor("indices"), axis: c.integer("axis")))
    },
    Builtin(
      "take", [x, selectionIndices, selectionOptionalAxis], category: "Selection",
      doc: "Elements of flattened x at indices, in their shape (with axis:, whole slices along it), as NumPy.",
      example: "take([10, 20, 30], [2, 0, 2])"
    ) { c in
      .tensor(try c.tensor("x").take(c.tensor("indices"), axis: c.optionalInteger("axis")))
    },
    Builtin(
      "scatter_add", [x, selectionIndices, Parameter("values", .tensor)], category: "Selection",
      doc: "x with values added into the rows indices names, repeats accumulating (NumPy np.add.at), as a new value.",
      example: "scatter_add(zeros(3), [0, 2, 0], [1, 2, 3])"
    ) { c in
      .tensor(try c.tensor("x").scatterAdd(c.tensor("indices"), c.tensor("values")))
    },
    Builtin(
      "cumsum", [x, selectionOptionalAxis], category: "Selection",
      doc: "Running sum along axis (of the flattened x without one).", example: "cumsum([1, 2, 3, 4])"
    ) { c in
      .tensor(try c.tensor("x").cumsum(axis: c.optionalInteger("axis")))
    },
    Builtin(
      "cumprod", [x, selectionOptionalAxis], category: "Selection",
      doc: "Running product along axis (of the flattened x without one); its gradient is exact at zeros.",
      example: "cumprod([1, 2, 3, 4])"
    ) { c in
      .tensor(try c.tensor("x").cumprod(axis: c.optionalInteger("axis")))
    },
    Builtin(
      "sort",
      [x, selectionAxisLast, Parameter("descending", .bool, default: .value(.scalar(0)), namedOnly: true)],
      category: "Selection",
      doc: "Sorted along axis, stably (NaN last); the gradient goes back to each value's original position.",
      example: "sort([3, 1, 2])"
    ) { c in
      .tensor(try c.tensor("x").sort(axis: c.integer("axis"), descending: c.bool("descending")))
    },
    Builtin(
      "argsort",
      [x, selectionAxisLast, Parameter("descending", .bool, default: .value(.scalar(0)), namedOnly: true)],
      category: "Selection",
      doc: "The positions that sort x along axis (stable: ties keep their order).", example: "argsort([3, 1, 2])"
    ) { c in
      .tensor(try c.tensor("x").argsort(axis: c.integer("axis"), descending: c.bool("descending")).value)
    },
    Builtin(
      "topk",
      [
        x, Parameter("k", .integer), selectionAxisLast,
        Parameter("largest", .bool, default: .value(.scalar(1)), namedOnly: true),
      ],
      category: "Selection",
      doc: "[values, indices] of the k largest along axis, largest first, ties to the lower index.",
      example: "topk([1, 5, 3, 5], 2)"
    ) { c in
      let input = try c.tensor("x")
      let (values, indices) = try input.topk(c.integer("k"), axis: c.integer("axis"), largest: c.bool("largest"))
      return .list([.tensor(values), .tensor(indices.value)])
    },
    Builtin(
      "median", [x, axis, keepdims], category: "Selection",
      doc: "Middle value (mean of the two middle ones for an even count), over axis: if given; ½ gradient to each.",
      example: "median([3, 1, 4, 2])"
    ) { c in
      .tensor(try c.tensor("x").median(axes: c.axes(), keepdims: c.bool("keepdims")))
    },
    Builtin(
      "triu", [x, Parameter("k", .integer, default: .value(.scalar(0)))], category: "Selection",
      doc: "Upper triangle of the last two axes (column − row ≥ k), zeros elsewhere.", example: "triu(ones(3, 3))"
    ) { c in
      .tensor(try c.tensor("x").triu(c.integer("k")))
    },
    Builtin(
      "tril", [x, Parameter("k", .integer, default: .value(.scalar(0)))], category: "Selection",
      doc: "Lower triangle of the last two axes (column − row ≤ k), zeros elsewhere.", example: "tril(ones(3, 3), -1)"
    ) { c in
      .tensor(try c.tensor("x").tril(c.integer("k")))
    },
    Builtin(
      "roll", [x, Parameter("shift", .tensor), Parameter("axis", .tensor, default: .absent)], category: "Selection",
      doc: "Elements shifted along axis, wrapping around (flattened without axis:); shift and axis may be vectors.",
      example: "roll([1, 2, 3, 4], 1)"
    ) { c in
      .tensor(try c.tensor("x").roll(c.integers("shift"), axes: c.axes()))
    },
    Builtin(
      "flip", [x, axis], category: "Selection",
      doc: "The order of elements reversed along axis (every axis without one).", example: "flip([1, 2, 3])"
    ) { c in
      .tensor(try c.tensor("x").flip(axes: c.axes()))
    },
    Builtin(
      "rot90",
      [x, Parameter("k", .integer, default: .value(.scalar(1))), Parameter("axes", .tensor, default: .absent)],
      category: "Selection",
      doc: "Rotated by 90° k times, counterclockwise, in the plane of axes (the first two unless given), as NumPy.",
      example: "rot90([1, 2; 3, 4])"
    ) { c in
      let input = try c.tensor("x")
      guard let axes = try c.axes("axes") else { return .tensor(try input.rot90(c.integer("k"))) }
      guard axes.count == 2 else {
        throw c.fail("'axes' must be two axes, got \(axes.count)", argument: "axes")
      }
      return .tensor(try input.rot90(c.integer("k"), axes: (axes[0], axes[1])))
    },
    Builtin(
      "tile", [x, Parameter("reps", .tensor)], category: "Selection",
      doc: "x repeated reps[i] times along axis i (NumPy tile).", example: "tile([1, 2], [2, 2])"
    ) { c in
      .tensor(try c.tensor("x").tile(c.integers("reps")))
    },
    Builtin(
      "repeat", [x, Parameter("repeats", .tensor), selectionOptionalAxis], category: "Selection",
      doc: "Each entry along axis repeated in place, one count or one per entry (the flattened x without axis:).",
      example: "repeat([1, 2], 2)"
    ) { c in
      .tensor(try c.tensor("x").repeated(c.integers("repeats"), axis: c.optionalInteger("axis")))
    },
    Builtin(
      "pad", [x, Parameter("width", .tensor), Parameter("value", .tensor, default: .value(.scalar(0)))],
      category: "Selection",
      doc: "x with value added around it: width is n (every side), [before, after] (every axis) or one row per axis.",
      example: "pad([1, 2; 3, 4], 1)"
    ) { c in
      let input = try c.tensor("x")
      let width = try c.tensor("width")
      let table: Tensor
      do {
        guard width.rank <= 2 else { throw ShapeError(operation: "pad", shapes: [width.shape], rule: "rank > 2") }
        table = try width.value.broadcast(to: [input.rank, 2])
      } catch is ShapeError {
        throw c.fail(
          "'width' must be n, [before, after], or one [before, after] row per axis (\(input.rank) rows), "
            + "not shape \(Tensor.describe(width.shape))",
          argument: "width")
      }
      var widths: [(Int, Int)] = []
      for d in 0..<input.rank {
        let (before, after) = (table.data[2 * d], table.data[2 * d + 1])
        guard let b = Int(exactly: before), let a = Int(exactly: after), b >= 0, a >= 0, b < 1 << 40, a < 1 << 40
        else {
          throw c.fail(
            "pad widths must be whole numbers ≥ 0, got \(before) and \(after) for axis \(d)", argument: "width")
        }
        widths.append((b, a))
      }
      return .tensor(try input.pad(widths, value: c.tensor("value")))
    },
  ]
}
