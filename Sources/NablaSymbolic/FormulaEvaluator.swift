import NablaAutodiff
import NablaTensor

/// Computes a formula's value from its own tree (names bound to values), with the same
/// differentiable operations as the language: how `derive` proves a formula equals the autodiff
/// value before showing it.
public struct FormulaEvaluator {
  public var bindings: [String: Variable]

  public init(bindings: [String: Variable]) { self.bindings = bindings }

  public struct Unbound: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "the formula names \(name), which has no value here" }
  }

  public func evaluate(_ f: Formula) throws -> Variable {
    switch f.kind {
    case .symbol(let name):
      guard let v = bindings[name] else { throw Unbound(name: name) }
      return v
    case .number(let v): return .constant(Tensor(repeating: v, shape: f.shape))
    case .constant(let c): return .constant(c.value)
    case .identity:
      let n = f.shape.last ?? 0
      return .constant(Tensor.eye(rows: n, cols: n))
    case .sum(let terms):
      guard let first = terms.first else { return .constant(Tensor(repeating: 0, shape: f.shape)) }
      var total = try evaluate(first)
      for t in terms.dropFirst() { total = try total + evaluate(t) }
      return try fit(total, f.shape)
    case .product(let factors):
      guard let first = factors.first else { return .constant(Tensor(repeating: 1, shape: f.shape)) }
      var total = try evaluate(first)
      for t in factors.dropFirst() { total = try total * evaluate(t) }
      return try fit(total, f.shape)
    case .power(let a, let k): return try Variable.pow(evaluate(a), k)
    case .powerOf(let a, let b): return try Variable.pow(evaluate(a), evaluate(b))
    case .function(let name, let a): return try function(name, evaluate(a))
    case .matmul(let a, let b): return try Variable.matmul(evaluate(a), evaluate(b))
    case .transpose(let a): return try evaluate(a).transposedLastTwo()
    case .reshape(let a): return try evaluate(a).reshaped(f.shape)
    case .broadcast(let a): return try evaluate(a).broadcast(to: f.shape)
    case .total(let a, let axes):
      let s = try evaluate(a).sum(axes: axes, keepdims: false)
      return try s.reshaped(f.shape)
    case .diag(let a): return try evaluate(a).diag()
    case .indicator(let a, let test):
      let v = try evaluate(a)
      return try test == .positive ? Primitive.isPositive.apply(v) : Primitive.isZero.apply(v)
    case .sign(let a): return try Primitive.sign.apply(evaluate(a))
    case .inverse(let a): return try Primitive.inv.apply(evaluate(a))
    case .determinant(let a): return try Primitive.det.apply(evaluate(a))
    case .call(let name, let args):
      let xs = try args.map { try evaluate($0) }
      switch (name, xs.count) {
      case ("leaky_relu", 2):
        guard let slope = xs[1].value.scalarValue else { throw Unbound(name: name) }
        return try Variable.leakyRelu(xs[0], slope: slope)
      case ("diagonal", 1): return try xs[0].diag()
      case ("slice", 2):
        guard let k = xs[1].value.scalarValue.flatMap({ Int(exactly: $0) }) else { throw Unbound(name: name) }
        return try xs[0].indexed([.single(k)])
      case ("maximum", 2): return try Variable.maximum(xs[0], xs[1])
      case ("minimum", 2): return try Variable.minimum(xs[0], xs[1])
      case ("outer", 2): return try Variable.outer(xs[0], xs[1])
      case ("im2col", 5):
        let n = xs[1...].compactMap { $0.value.scalarValue.flatMap { Int(exactly: $0) } }
        guard n.count == 4 else { throw Unbound(name: name) }
        return try xs[0].im2col(kernelHeight: n[0], kernelWidth: n[1], stride: n[2], padding: n[3])
      case ("avgpool2d", 4):
        let n = xs[1...].compactMap { $0.value.scalarValue.flatMap { Int(exactly: $0) } }
        guard n.count == 3 else { throw Unbound(name: name) }
        return try xs[0].avgpool2d(kernel: n[0], stride: n[1], padding: n[2])
      default: throw Unbound(name: name)
      }
    }
  }

  /// A broadcast result at the formula's shape (a sum of a scalar and a vector is a vector).
  func fit(_ v: Variable, _ shape: [Int]) throws -> Variable {
    v.shape == shape ? v : try v.broadcast(to: shape)
  }

  func function(_ name: String, _ x: Variable) throws -> Variable {
    let p: Primitive
    switch name {
    case "exp": p = .exp
    case "log": p = .log
    case "sin": p = .sin
    case "cos": p = .cos
    case "tan": p = .tan
    case "tanh": p = .tanh
    case "sigmoid": p = .sigmoid
    case "softplus": p = .softplus
    case "abs": p = .abs
    case "relu": p = .relu
    case "log1p": p = .log1p
    case "expm1": p = .expm1
    case "sinh": p = .sinh
    case "cosh": p = .cosh
    case "softmax": return try x.softmax()
    case "logsumexp": return try x.logsumexp()
    case "log|det|": return try x.slogdet().logAbs
    default: throw Unbound(name: name)
    }
    return try p.apply(x)
  }
}
