import NablaAutodiff
import NablaTensor

/// Reads a recorded computation (the graph of a `Variable`) back as a formula: one case per
/// primitive kind, so the derivative rules of the primitive table, traced with the backward pass
/// recorded, become the formula of the derivative. Values with a name stay names.
public struct FormulaLifter {
  /// Names by identity: session variables, the variable differentiated against, the seed.
  public var names: [ObjectIdentifier: String]
  /// Names of constants by value (a one-hot T made inside a loss is the session's T).
  public var constantNames: [Formula.Constant: String] = [:]
  var memo: [ObjectIdentifier: Formula] = [:]
  /// Nodes read so far; a history longer than `limit` has no readable formula.
  var visited = 0
  public let limit: Int

  public struct TooLong: Error {}

  public init(names: [ObjectIdentifier: String], limit: Int = 2000) {
    self.names = names
    self.limit = limit
  }

  /// The formula of `v`, or `TooLong` for a history too long to be read as one formula.
  public mutating func lift(_ v: Variable) throws -> Formula {
    let id = ObjectIdentifier(v)
    if let name = names[id] { return .symbol(name, v.shape) }
    if let known = memo[id] { return known }
    visited += 1
    guard visited <= limit else { throw TooLong() }
    let f = try liftNode(v)
    // Shared values repeat in a tree: a history whose formula would be huge has none to show.
    guard f.nodeCount <= limit else { throw TooLong() }
    memo[id] = f
    return f
  }

  /// A leaf's value as a formula: a number when every entry is the same.
  static func constant(_ t: Tensor) -> Formula {
    if let first = t.data.first, t.data.allSatisfy({ $0 == first }) { return Formula(.number(first), shape: t.shape) }
    if t.rank == 2, t.shape[0] == t.shape[1], t == Tensor.eye(rows: t.shape[0], cols: t.shape[0]) {
      return Formula(.identity, shape: t.shape)
    }
    if t.count == 0 { return Formula(.number(0), shape: t.shape) }
    return Formula(.constant(.init(t)), shape: t.shape)
  }

  mutating func liftNode(_ v: Variable) throws -> Formula {
    guard let p = v.primitive else {
      if v.value.count > 1, let name = constantNames[Formula.Constant(v.value)] { return .symbol(name, v.shape) }
      return Self.constant(v.value)
    }
    let xs = try v.inputs.map { try lift($0) }
    let shape = v.shape
    func f(_ k: Formula.Kind) -> Formula { Formula(k, shape: shape) }
    func call(_ name: String? = nil) -> Formula { f(.call(name ?? p.name, xs)) }
    guard let a = xs.first else { return call() }
    let b = xs.count > 1 ? xs[1] : a
    switch p.kind {
    case .neg: return f(.product([.number(-1), a]))
    case .add: return f(.sum([a, b]))
    case .sub: return f(.sum([a, f(.product([.number(-1), b]))]))
    case .mul: return f(.product([a, b]))
    case .div: return f(.product([a, Formula(.power(b, -1), shape: b.shape)]))
    case .pow:
      if let k = Self.number(b) { return f(.power(a, k)) }
      return f(.powerOf(a, b))
    case .sqrt, .norm: return f(.power(a, 0.5))
    case .rsqrt: return f(.power(a, -0.5))
    case .reciprocal: return f(.power(a, -1))
    case .exp, .log, .sin, .cos, .tan, .tanh, .sigmoid, .softplus, .abs, .relu, .log1p, .expm1, .log2, .log10,
      .exp2, .sinh, .cosh, .asin, .acos, .atan, .asinh, .acosh, .atanh, .erf, .erfc, .erfinv, .lgamma, .cbrt,
      .sinc, .floor, .ceil, .round, .trunc:
      return f(.function(p.name, a))
    case .softmax:
      if case .axis(let axis) = p.attribute, axis == v.rank - 1 { return f(.function("softmax", a)) }
      return call()
    case .sign: return f(.sign(a))
    case .isPositive: return f(.indicator(a, .positive))
    case .isZero: return f(.indicator(a, .zero))
    case .leakyRelu:
      if case .number(let slope) = p.attribute { return f(.call("leaky_relu", [a, .number(slope)])) }
      return call()
    case .sum:
      if case .axes(let axes) = p.attribute { return f(.total(a, axes: axes)) }
      return call()
    case .sumToShape:
      return f(.total(a, axes: Self.summedAxes(from: a.shape, to: shape)))
    case .reshape: return f(.reshape(a))
    case .broadcast: return f(.broadcast(a))
    case .transpose:
      if case .permutation(let perm) = p.attribute, perm.count >= 2,
        perm == Array(0..<(perm.count - 2)) + [perm.count - 1, perm.count - 2]
      {
        return f(.transpose(a))
      }
      if case .permutation(let perm) = p.attribute, perm == Array(0..<perm.count) { return a }
      return call("permute")
    case .matmul: return f(.matmul(a, b))
    case .matmulNT: return f(.matmul(a, Self.transposed(b)))
    case .matmulTN: return f(.matmul(Self.transposed(a), b))
    case .matmulTT: return f(.matmul(Self.transposed(a), Self.transposed(b)))
    case .linear:
      let product = f(.matmul(a, Self.transposed(b)))
      return xs.count > 2 ? f(.sum([product, xs[2]])) : product
    case .inv: return f(.inverse(a))
    case .det: return f(.determinant(a))
    case .logAbsDet: return f(.function("log|det|", a))
    case .scatterAdd:
      if case .plan(let plan) = p.attribute, Self.isDiagonalEmbedding(plan) { return f(.diag(a)) }
      return call()
    case .index:
      guard case .plan(let plan) = p.attribute else { return call() }
      if Self.isDiagonalRead(plan) { return f(.call("diagonal", [a])) }
      // x[k]: one whole slice along the first axis.
      if let k = Self.sliceRead(plan) { return f(.call("slice", [a, .number(Double(k))])) }
      // Other reads keep their offsets, so two different ones never compare equal.
      return f(.call("index", [a, Self.constant(Tensor(vector: plan.offsets.map(Double.init)))]))
    case .derivative: return a
    case .im2col:
      guard case .window(let w) = p.attribute else { return call() }
      return f(.call("im2col", [a] + Self.windowNumbers(w)))
    case .conv2d:
      // The lowering the primitive computes: reshape(W₂ · im2col(x)) + b, W₂ = w as [O, C·kh·kw].
      guard case .window(let w) = p.attribute, v.rank >= 3 else { return call() }
      let lead = Array(shape.dropLast(3))
      let filters = shape[shape.count - 3]
      let lowered = Formula(.call("im2col", [a] + Self.windowNumbers(w)), shape: lead + [w.patchSize, w.positions])
      let product = Formula(
        .matmul(Formula(.reshape(b), shape: [filters, w.patchSize]), lowered), shape: lead + [filters, w.positions])
      let y = f(.reshape(product))
      guard xs.count > 2 else { return y }
      return f(.sum([y, Formula(.reshape(xs[2]), shape: [filters, 1, 1])]))
    case .avgpool2d:
      // The builtin's square window, as its call writes it: avgpool2d(x, k, stride:, padding:).
      guard case .window(let w) = p.attribute, w.kernelHeight == w.kernelWidth else { return call() }
      return f(.call("avgpool2d", [a] + [w.kernelHeight, w.stride, w.padding].map { .number(Double($0)) }))
    case .max, .min, .prod, .root, .cumsum, .cumprod, .softmaxCrossEntropy, .concat, .col2im, .avgpool2dTranspose,
      .solve, .solveTriangular, .cholesky, .eigvalsh, .eigenvectors, .svdvals, .svdU, .svdVt, .qrQ, .qrR, .pinv,
      .polygamma, .nanToNum, .atan2, .hypot, .mod, .floorDivide, .maximum, .minimum, .deg2rad, .rad2deg:
      return call()
    }
  }

  /// im2col's window as the numbers its call takes: kh, kw, stride, padding.
  static func windowNumbers(_ w: WindowGeometry) -> [Formula] {
    [w.kernelHeight, w.kernelWidth, w.stride, w.padding].map { Formula.number(Double($0)) }
  }

  static func number(_ f: Formula) -> Double? {
    if case .number(let v) = f.kind { return v }
    return nil
  }

  static func transposed(_ f: Formula) -> Formula {
    guard f.shape.count >= 2 else { return f }
    var s = f.shape
    s.swapAt(s.count - 1, s.count - 2)
    return Formula(.transpose(f), shape: s)
  }

  /// The axes `sum_to_shape` adds up when it reduces `from` to `to` (NumPy broadcasting undone).
  static func summedAxes(from: [Int], to: [Int]) -> [Int] {
    let lead = from.count - to.count
    return (0..<from.count).filter { i in i < lead || (to[i - lead] == 1 && from[i] != 1) }
  }

  /// A vector placed on the diagonal of a square matrix (`diag(v)`).
  static func isDiagonalEmbedding(_ plan: IndexPlan) -> Bool {
    guard plan.shape.count == 1, plan.sourceShape.count == 2, plan.sourceShape[0] == plan.sourceShape[1] else {
      return false
    }
    let n = plan.shape[0]
    return plan.sourceShape[0] == n && plan.offsets == (0..<n).map { $0 * n + $0 }
  }

  /// k when the plan reads x[k] (a whole slice along the first axis), else nil.
  static func sliceRead(_ plan: IndexPlan) -> Int? {
    guard let first = plan.sourceShape.first, first > 0, plan.shape == Array(plan.sourceShape.dropFirst()) else {
      return nil
    }
    let size = plan.shape.reduce(1, *)
    guard size > 0, let start = plan.offsets.first, start % size == 0, plan.offsets == Array(start..<(start + size))
    else { return nil }
    return start / size
  }

  /// The diagonal of a square matrix read as a vector.
  static func isDiagonalRead(_ plan: IndexPlan) -> Bool { isDiagonalEmbedding(plan) }
}
