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

  /// ∂y/∂x with shape `y.shape ++ x.shape`, one reverse pass per entry of `y`.
  public static func jacobian(of y: Variable, withRespectTo x: Variable, createGraph: Bool = false) throws -> (
    jacobian: Variable, dependsOn: Bool
  ) {
    let outCount = y.value.count
    let inCount = x.value.count
    guard let total = Tensor.elementCount(y.shape + x.shape), total <= 50_000_000 else {
      throw DifferentiationError(
        "the Jacobian would have shape \(Tensor.describe(y.shape + x.shape)), too large to build; use vjp or jvp")
    }
    var rows: [Variable] = []
    var depends = false
    for i in 0..<outCount {
      var seed = Tensor(repeating: 0, shape: y.shape)
      seed.data[i] = 1
      let result = try ReverseMode.gradients(
        of: y, withRespectTo: [x], seed: .constant(seed), createGraph: createGraph)
      depends = depends || result.dependsOn[0]
      rows.append(try result.values[0].reshaped([inCount]))
    }
    if outCount == 0 {
      return (.constant(Tensor(repeating: 0, shape: y.shape + x.shape)), false)
    }
    let stacked = try Variable.stack(rows, axis: 0)
    return (try stacked.reshaped(y.shape + x.shape), depends)
  }
}
