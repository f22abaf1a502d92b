import NablaTensor

/// A request for a derivative that cannot be answered as asked.
public struct DifferentiationError: Error, Equatable, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The derivative operations the language exposes, over the reverse pass.
public enum Differentiation {
  /// ∂e/∂x for each target, for a scalar (one-element) `e`.
  public static func gradient(of e: Variable, withRespectTo targets: [Variable], createGraph: Bool = false) throws
    -> Gradients
  {
    guard e.value.count == 1 else {
      throw DifferentiationError(
        "grad needs a scalar to differentiate, but this value has shape \(Tensor.describe(e.shape)); use jacobian for the full derivative or vjp for a vector-Jacobian product"
      )
    }
    return try ReverseMode.gradients(of: e, withRespectTo: targets, createGraph: createGraph)
  }

  /// ∂y/∂x with shape `y.shape ++ x.shape`: reverse passes seeded with rows of the identity,
  /// many rows per pass (as leading batch axes), so a Jacobian costs a few passes, not one per
  /// entry of y.
  public static func jacobian(
    of y: Variable, withRespectTo x: Variable, createGraph: Bool = false
  ) throws -> (jacobian: Variable, dependsOn: Bool) {
    let outCount = y.value.count
    let inCount = x.value.count
    guard let total = Tensor.elementCount(y.shape + x.shape), total <= 50_000_000 else {
      throw DifferentiationError(
        "the Jacobian would have shape \(Tensor.describe(y.shape + x.shape)), too large to build; use vjp or jvp")
    }
    if outCount == 0 || inCount == 0 {
      return (.constant(Tensor(repeating: 0, shape: y.shape + x.shape)), false)
    }
    // Rows per pass: keep each batched cotangent to a few million numbers.
    let largest = max(ReverseMode.largestValue(from: y), 1)
    let rowsPerPass = max(1, min(outCount, 4_000_000 / largest))
    var blocks: [Variable] = []
    var depends = false
    var start = 0
    while start < outCount {
      let rows = min(rowsPerPass, outCount - start)
      let seed = Tensor.oneHotRows(rows, start: start, shape: y.shape)
      let result = try ReverseMode.gradients(
        of: y, withRespectTo: [x], seed: .constant(seed), createGraph: createGraph)
      depends = depends || result.dependsOn[0]
      blocks.append(try result.values[0].reshaped([rows, inCount]))
      start += rows
    }
    let joined = blocks.count == 1 ? blocks[0] : try Variable.concat(blocks, axis: 0)
    return (try joined.reshaped(y.shape + x.shape), depends)
  }
}

extension Differentiation {
  /// ∂²e/∂x² with shape `x.shape ++ x.shape`: the Jacobian of the recorded gradient.
  public static func hessian(of e: Variable, withRespectTo x: Variable, createGraph: Bool = false) throws -> (
    hessian: Variable, dependsOn: Bool
  ) {
    guard let total = Tensor.elementCount(x.shape + x.shape), total <= 50_000_000 else {
      throw DifferentiationError(
        "the Hessian would have shape \(Tensor.describe(x.shape + x.shape)), too large to build; use jvp or vjp of the gradient"
      )
    }
    let g = try gradient(of: e, withRespectTo: [x], createGraph: true)
    guard g.dependsOn[0] else { return (.constant(Tensor(repeating: 0, shape: x.shape + x.shape)), false) }
    let (h, _) = try jacobian(of: g.values[0], withRespectTo: x, createGraph: createGraph)
    return (h, true)
  }

  /// uᵀ J for y = f(x): one reverse pass seeded with `u` (shape of y); the result has x's shape.
  public static func vjp(of y: Variable, withRespectTo x: Variable, cotangent u: Variable, createGraph: Bool = false)
    throws -> Gradients
  {
    guard u.shape == y.shape else {
      throw DifferentiationError(
        "u has shape \(Tensor.describe(u.shape)) but f(x0) has shape \(Tensor.describe(y.shape)); u must match the output"
      )
    }
    return try ReverseMode.gradients(of: y, withRespectTo: [x], seed: u, createGraph: createGraph)
  }

  /// J v for y = f(x), without building J: forward mode derived from reverse mode by
  /// transposition. g(u) = uᵀJ is linear in u, so J v = ∇ᵤ⟨g(u), v⟩. Two reverse passes over
  /// the graph (the first recorded), whatever the sizes of x and y.
  public static func jvp(of y: Variable, withRespectTo x: Variable, tangent v: Variable, createGraph: Bool = false)
    throws -> Gradients
  {
    guard v.shape == x.shape else {
      throw DifferentiationError(
        "v has shape \(Tensor.describe(v.shape)) but x0 has shape \(Tensor.describe(x.shape)); v must match the input"
      )
    }
    let u = Variable(Tensor(repeating: 0, shape: y.shape))
    let g = try ReverseMode.gradients(of: y, withRespectTo: [x], seed: u, createGraph: true)
    guard g.dependsOn[0] else {
      return Gradients(values: [.constant(Tensor(repeating: 0, shape: y.shape))], dependsOn: [false])
    }
    let inner = try (g.values[0] * v).sum()
    return try ReverseMode.gradients(of: inner, withRespectTo: [u], createGraph: createGraph)
  }
}
