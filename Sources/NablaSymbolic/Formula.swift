import NablaTensor

/// A derivative (or any value) written as a formula in matrix notation: what `derive` shows,
/// checks and prints. Each node knows its shape, so printing can tell a row from a column and
/// the Jacobian extraction can tell a matrix from a vector.
public struct Formula: Hashable, Sendable {
  public indirect enum Kind: Hashable, Sendable {
    /// A value with a name: a session variable, the variable differentiated against, or the
    /// cotangent seed Ḡ of a Jacobian.
    case symbol(String)
    /// A number, broadcast to the formula's shape.
    case number(Double)
    /// A tensor of numbers with no name (printed as a literal when small).
    case constant(Constant)
    /// The identity matrix of the formula's shape.
    case identity
    /// Elementwise sum (with broadcasting).
    case sum([Formula])
    /// Elementwise (Hadamard) product ⊙, with broadcasting; numbers are coefficients.
    case product([Formula])
    /// Elementwise power with a constant exponent (−1 is ⊘).
    case power(Formula, Double)
    /// Elementwise power with a formula as exponent.
    case powerOf(Formula, Formula)
    /// A function applied elementwise (exp, log, tanh, σ …) or along an axis (softmax).
    case function(String, Formula)
    /// Matrix product (juxtaposition), NumPy's matmul semantics on the shapes.
    case matmul(Formula, Formula)
    /// Transpose of the last two axes (a vector is its own transpose).
    case transpose(Formula)
    /// A different shape for the same numbers in row-major order (a vector as a row or column).
    case reshape(Formula)
    /// The same numbers repeated to a larger shape (NumPy broadcasting).
    case broadcast(Formula)
    /// Σ over some axes (all of them when `axes` lists every axis).
    case total(Formula, axes: [Int])
    /// diag(v): a vector as a diagonal matrix.
    case diag(Formula)
    /// 1{f > 0} or 1{f = 0}, elementwise.
    case indicator(Formula, Test)
    /// sign(f), elementwise.
    case sign(Formula)
    case inverse(Formula)
    case determinant(Formula)
    /// Any other operation, written as a call: `name(arguments)`.
    case call(String, [Formula])
  }

  public enum Test: String, Hashable, Sendable {
    case positive = ">"
    case zero = "="
  }

  /// A tensor compared and hashed by value.
  public struct Constant: Hashable, Sendable {
    public let value: Tensor
    public init(_ value: Tensor) { self.value = value }
    public static func == (a: Constant, b: Constant) -> Bool {
      a.value.shape == b.value.shape && a.value.data == b.value.data
    }
    public func hash(into h: inout Hasher) {
      h.combine(value.shape)
      for v in value.data.prefix(16) { h.combine(v) }
    }
  }

  public let kind: Kind
  public let shape: [Int]
  /// The number of nodes, kept as the formula is built: a formula is a tree, and a shared value
  /// used twice counts twice, so a long history can make a formula exponentially large; callers
  /// check this before going on.
  public let nodeCount: Int

  public init(_ kind: Kind, shape: [Int]) {
    self.kind = kind
    self.shape = shape
    var n = 1
    switch kind {
    case .symbol, .number, .constant, .identity: break
    case .sum(let xs), .product(let xs), .call(_, let xs):
      for x in xs { n = Swift.min(n + x.nodeCount, Int.max / 4) }
    case .power(let a, _), .function(_, let a), .transpose(let a), .reshape(let a), .broadcast(let a),
      .total(let a, _), .diag(let a), .indicator(let a, _), .sign(let a), .inverse(let a), .determinant(let a):
      n = Swift.min(n + a.nodeCount, Int.max / 4)
    case .powerOf(let a, let b), .matmul(let a, let b): n = Swift.min(n + a.nodeCount + b.nodeCount, Int.max / 4)
    }
    self.nodeCount = n
    // The hash from this node's own data and its children's hashes: hashing never walks a tree.
    var h = Hasher()
    h.combine(shape)
    switch kind {
    case .symbol(let name):
      h.combine(0)
      h.combine(name)
    case .number(let v):
      h.combine(1)
      h.combine(v)
    case .constant(let c):
      h.combine(2)
      h.combine(c)
    case .identity: h.combine(3)
    case .sum: h.combine(4)
    case .product: h.combine(5)
    case .power(_, let k):
      h.combine(6)
      h.combine(k)
    case .powerOf: h.combine(7)
    case .function(let name, _):
      h.combine(8)
      h.combine(name)
    case .matmul: h.combine(9)
    case .transpose: h.combine(10)
    case .reshape: h.combine(11)
    case .broadcast: h.combine(12)
    case .total(_, let axes):
      h.combine(13)
      h.combine(axes)
    case .diag: h.combine(14)
    case .indicator(_, let t):
      h.combine(15)
      h.combine(t)
    case .sign: h.combine(16)
    case .inverse: h.combine(17)
    case .determinant: h.combine(18)
    case .call(let name, _):
      h.combine(19)
      h.combine(name)
    }
    for child in Formula.children(of: kind) { h.combine(child.cachedHash) }
    cachedHash = h.finalize()
  }

  let cachedHash: Int

  public static func == (a: Formula, b: Formula) -> Bool {
    a.cachedHash == b.cachedHash && a.nodeCount == b.nodeCount && a.shape == b.shape && a.kind == b.kind
  }

  public func hash(into h: inout Hasher) { h.combine(cachedHash) }

  public static func symbol(_ name: String, _ shape: [Int]) -> Formula { Formula(.symbol(name), shape: shape) }
  public static func number(_ v: Double) -> Formula { Formula(.number(v), shape: []) }

  public var isScalar: Bool { shape.isEmpty || shape.allSatisfy { $0 == 1 } }
  public var isVector: Bool { shape.count == 1 }

  /// The number this formula is, if it is one.
  public var numberValue: Double? {
    if case .number(let v) = kind { return v }
    return nil
  }

  /// The subformulas, in order.
  public var children: [Formula] { Formula.children(of: kind) }

  static func children(of kind: Kind) -> [Formula] {
    switch kind {
    case .symbol, .number, .constant, .identity: return []
    case .sum(let xs), .product(let xs), .call(_, let xs): return xs
    case .power(let a, _), .function(_, let a), .transpose(let a), .reshape(let a), .broadcast(let a),
      .total(let a, _), .diag(let a), .indicator(let a, _), .sign(let a), .inverse(let a), .determinant(let a):
      return [a]
    case .powerOf(let a, let b), .matmul(let a, let b): return [a, b]
    }
  }

  /// The same formula with the symbol `from` written `to`.
  public func renaming(_ from: String, to: String) -> Formula {
    if case .symbol(let s) = kind, s == from { return .symbol(to, shape) }
    return mapChildren { $0.renaming(from, to: to) }
  }

  /// Whether `symbol` occurs anywhere in the formula.
  public func contains(symbol name: String) -> Bool {
    if case .symbol(let s) = kind, s == name { return true }
    return children.contains { $0.contains(symbol: name) }
  }

  /// The same formula with each child replaced by `transform(child)`.
  public func mapChildren(_ transform: (Formula) throws -> Formula) rethrows -> Formula {
    let k: Kind
    switch kind {
    case .symbol, .number, .constant, .identity: return self
    case .sum(let xs): k = .sum(try xs.map(transform))
    case .product(let xs): k = .product(try xs.map(transform))
    case .call(let n, let xs): k = .call(n, try xs.map(transform))
    case .power(let a, let p): k = .power(try transform(a), p)
    case .powerOf(let a, let b): k = .powerOf(try transform(a), try transform(b))
    case .function(let n, let a): k = .function(n, try transform(a))
    case .matmul(let a, let b): k = .matmul(try transform(a), try transform(b))
    case .transpose(let a): k = .transpose(try transform(a))
    case .reshape(let a): k = .reshape(try transform(a))
    case .broadcast(let a): k = .broadcast(try transform(a))
    case .total(let a, let axes): k = .total(try transform(a), axes: axes)
    case .diag(let a): k = .diag(try transform(a))
    case .indicator(let a, let t): k = .indicator(try transform(a), t)
    case .sign(let a): k = .sign(try transform(a))
    case .inverse(let a): k = .inverse(try transform(a))
    case .determinant(let a): k = .determinant(try transform(a))
    }
    return Formula(k, shape: shape)
  }

}
