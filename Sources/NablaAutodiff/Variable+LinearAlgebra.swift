import NablaTensor

/// Linear algebra in NumPy's and PyTorch's signatures, over the factorization primitives
/// (Primitives/Decompositions.swift) and, for the rest, as composites whose derivatives come
/// from the table.
extension Variable {
  /// x with A x = b: b a vector (exactly rank 1, NumPy 2's rule) or a matrix [..., n, k].
  public static func solve(_ a: Variable, _ b: Variable) throws -> Variable {
    if b.rank == 1 {
      let x = try Primitive.solve.apply(a, b.reshaped([b.shape[0], 1]))
      return try x.reshaped(Array(x.shape.dropLast()))
    }
    return try Primitive.solve.apply(a, b)
  }

  /// Eigenvalues (ascending) and eigenvectors (columns) of the symmetric part of A.
  public func eigh() throws -> (values: Variable, vectors: Variable) {
    (try Primitive.eigvalsh.apply(self), try Primitive.eigenvectors.apply(self))
  }

  /// The thin SVD A = U diag(S) Vt.
  public func svd() throws -> (u: Variable, s: Variable, vt: Variable) {
    (try Primitive.svdU.apply(self), try Primitive.svdvals.apply(self), try Primitive.svdVt.apply(self))
  }

  /// The reduced QR decomposition.
  public func qr() throws -> (q: Variable, r: Variable) {
    (try Primitive.qrQ.apply(self), try Primitive.qrR.apply(self))
  }

  /// sign(det A) (a constant: its derivative is 0 wherever it is defined) and log |det A|.
  public func slogdet() throws -> (sign: Variable, logAbs: Variable) {
    (.constant(try value.logAbsDeterminant().sign), try Primitive.logAbsDet.apply(self))
  }

  /// A^k for a whole k by repeated squaring (k < 0 powers the inverse, k = 0 is I).
  public func matrixPower(_ k: Int) throws -> Variable {
    guard rank >= 2, shape[rank - 1] == shape[rank - 2] else {
      throw ShapeError(operation: "matrix_power", shapes: [shape], rule: "needs square matrices")
    }
    let n = shape[rank - 1]
    if k == 0 { return try Variable.constant(Tensor.eye(rows: n, cols: n)).broadcast(to: shape) }
    var base = k < 0 ? try Primitive.inv.apply(self) : self
    var e = k.magnitude
    var result: Variable? = nil
    while e > 0 {
      if e & 1 == 1 { result = try result.map { try Variable.batchedMatmul($0, base) } ?? base }
      e >>= 1
      if e > 0 { base = try Variable.batchedMatmul(base, base) }
    }
    return result ?? base
  }

  /// The Kronecker product: A's axes interleaved with B's, as NumPy's kron.
  public static func kron(_ a: Variable, _ b: Variable) throws -> Variable {
    let r = Swift.max(a.rank, b.rank)
    let sa = [Int](repeating: 1, count: r - a.rank) + a.shape
    let sb = [Int](repeating: 1, count: r - b.rank) + b.shape
    let ai = try a.reshaped(sa.flatMap { [$0, 1] })
    let bi = try b.reshaped(sb.flatMap { [1, $0] })
    return try (ai * bi).reshaped(zip(sa, sb).map { $0 * $1 })
  }

  /// Σ over `axesA` of a against `axesB` of b (NumPy's tensordot), as one matrix product.
  public static func tensordot(_ a: Variable, _ b: Variable, axesA: [Int], axesB: [Int]) throws -> Variable {
    let ra = try axesA.map { try Tensor.normalizeAxis($0, rank: a.rank, operation: "tensordot") }
    let rb = try axesB.map { try Tensor.normalizeAxis($0, rank: b.rank, operation: "tensordot") }
    guard ra.count == rb.count, Set(ra).count == ra.count, Set(rb).count == rb.count else {
      throw ShapeError(
        operation: "tensordot", shapes: [a.shape, b.shape], rule: "needs as many distinct axes of a as of b")
    }
    for (i, j) in zip(ra, rb) where a.shape[i] != b.shape[j] {
      throw ShapeError(
        operation: "tensordot", shapes: [a.shape, b.shape],
        rule: "axis \(i) of a has size \(a.shape[i]) but axis \(j) of b has size \(b.shape[j])")
    }
    let freeA = (0..<a.rank).filter { !ra.contains($0) }
    let freeB = (0..<b.rank).filter { !rb.contains($0) }
    let contracted = ra.reduce(1) { $0 * a.shape[$1] }
    let rowsA = freeA.reduce(1) { $0 * a.shape[$1] }
    let colsB = freeB.reduce(1) { $0 * b.shape[$1] }
    let a2 = try a.permuted(freeA + ra).reshaped([rowsA, contracted])
    let b2 = try b.permuted(rb + freeB).reshaped([contracted, colsB])
    return try Variable.batchedMatmul(a2, b2).reshaped(freeA.map { a.shape[$0] } + freeB.map { b.shape[$0] })
  }

  /// u × v along `axis` (size 3, broadcasting), as NumPy's cross.
  public static func cross(_ u: Variable, _ v: Variable, axis: Int = -1) throws -> Variable {
    let au = try Tensor.normalizeAxis(axis, rank: Swift.max(u.rank, 1), operation: "cross")
    let av = try Tensor.normalizeAxis(axis, rank: Swift.max(v.rank, 1), operation: "cross")
    guard u.rank >= 1, v.rank >= 1, u.shape[au] == 3, v.shape[av] == 3 else {
      throw ShapeError(operation: "cross", shapes: [u.shape, v.shape], rule: "both need size 3 along axis \(axis)")
    }
    // Move the axis last and take the components.
    let mu = try u.permuted((0..<u.rank).filter { $0 != au } + [au])
    let mv = try v.permuted((0..<v.rank).filter { $0 != av } + [av])
    func component(_ x: Variable, _ i: Int) throws -> Variable {
      try x.indexed([IndexItem](repeating: .slice(start: nil, stop: nil, step: nil), count: x.rank - 1) + [.single(i)])
    }
    let (u0, u1, u2) = (try component(mu, 0), try component(mu, 1), try component(mu, 2))
    let (v0, v1, v2) = (try component(mv, 0), try component(mv, 1), try component(mv, 2))
    let parts = [try u1 * v2 - u2 * v1, try u2 * v0 - u0 * v2, try u0 * v1 - u1 * v0]
    let common = try Broadcasting.shape(parts[0].shape, parts[1].shape, operation: "cross")
    // NumPy's axis names the result's axis too.
    return try Variable.stack(parts.map { try $0.broadcast(to: common) }, axis: axis)
  }

  /// The sum of the `offset` diagonal of each matrix in the last two axes.
  public func trace(offset: Int) throws -> Variable {
    guard rank >= 2 else { throw ShapeError(operation: "trace", shapes: [shape], rule: "trace needs a matrix") }
    let (m, n) = (shape[rank - 2], shape[rank - 1])
    // Read the diagonal (a gather, so an inf elsewhere cannot turn the sum into inf·0 = nan).
    let rows = (0..<m).filter { $0 + offset >= 0 && $0 + offset < n }
    let all = [IndexItem](repeating: .slice(start: nil, stop: nil, step: nil), count: rank - 2)
    let diagonal = try indexed(all + [.array(rows), .array(rows.map { $0 + offset })])
    return try diagonal.sum(axes: [rank - 2])
  }
}

/// The order of a norm, as NumPy's `ord`.
public enum NormOrder: Equatable, Sendable {
  case p(Double)
  case frobenius, nuclear

  /// NumPy's default: 2 for vectors, Frobenius for matrices.
  static let euclidean = NormOrder.p(2)
}

extension Variable {
  /// NumPy's `norm(x, ord, axis)`: a vector norm over one axis (or all of x when it is a
  /// vector, or when no order is given), a matrix norm over two axes (or all of a matrix).
  public func norm(order: NormOrder, axes: [Int]?, keepdims: Bool) throws -> Variable {
    // In the order given: a matrix norm over axes [1, 0] is the norm of the transpose.
    let resolved = try axes.map { try $0.map { try Tensor.normalizeAxis($0, rank: rank, operation: "norm") } }
    if let resolved, resolved.count > 2 || Set(resolved).count != resolved.count {
      throw ShapeError(
        operation: "norm", shapes: [shape],
        rule: "an order needs one axis (a vector norm) or two distinct axes (a matrix norm)")
    }
    let matrixAxes: [Int]? =
      resolved?.count == 2 ? resolved : (resolved == nil && rank == 2 ? [0, 1] : nil)
    if let pair = matrixAxes {
      let moved = try permuted((0..<rank).filter { !pair.contains($0) } + pair)
      var y = try moved.matrixNorm(order)
      if keepdims { y = try y.reshaped(value.reducedShape(axes: pair.sorted(), keepdims: true)) }
      return y
    }
    guard resolved != nil || rank <= 1 else {
      throw ShapeError(
        operation: "norm", shapes: [shape],
        rule: "an order needs a vector, a matrix, or axis: naming one axis (vector norm) or two (matrix norm)")
    }
    let over = resolved ?? Array(0..<rank)
    guard case .p(let p) = order else {
      throw ShapeError(operation: "norm", shapes: [shape], rule: "\"fro\" and \"nuc\" are matrix norms")
    }
    return try vectorNorm(p, axes: over, keepdims: keepdims)
  }

  func vectorNorm(_ p: Double, axes: [Int], keepdims: Bool) throws -> Variable {
    switch p {
    case 2: return try norm(axes: axes, keepdims: keepdims)
    case .infinity: return try Variable.abs(self).max(axes: axes, keepdims: keepdims)
    case -.infinity: return try Variable.abs(self).min(axes: axes, keepdims: keepdims)
    case 0: return .constant(try value.map { $0 != 0 ? 1 : 0 }.reduce(axes: axes, keepdims: keepdims, kind: .sum))
    case 1: return try Variable.abs(self).sum(axes: axes, keepdims: keepdims)
    case ..<0:
      // (Σ|x|^p)^(1/p) with p < 0 is 0 where a slice holds a 0 (|0|^p = inf), and constant there.
      let zero = mask(self) { $0 == 0 ? 1 : 0 }
      let safe = try Variable.`where`(zero, .constant(1), self)
      let norm = try Primitive.root(p).apply(Variable.pow(Variable.abs(safe), p).sum(axes: axes, keepdims: keepdims))
      let sliceHasZero = try zero.max(axes: axes, keepdims: keepdims)
      return try Variable.`where`(sliceHasZero, .constant(0), norm)
    default:
      // (Σ|x|^p)^(1/p). Entries at 0 count 0 with derivative 0 (|x|^p has an infinite slope
      // there for p < 1), and the root has derivative 0 at 0, as PyTorch's norm.
      let zero = mask(self) { $0 == 0 ? 1 : 0 }
      let powered = try Variable.pow(Variable.abs(self) + zero, p) * (1 - zero)
      return try Primitive.root(p).apply(powered.sum(axes: axes, keepdims: keepdims))
    }
  }

  /// A matrix norm over the last two axes.
  func matrixNorm(_ order: NormOrder) throws -> Variable {
    let (rows, cols) = (rank - 2, rank - 1)
    switch order {
    case .frobenius: return try norm(axes: [rows, cols])
    case .nuclear: return try Primitive.svdvals.apply(self).sum(axes: [rank - 2])
    case .p(2): return try Primitive.svdvals.apply(self).max(axes: [rank - 2])
    case .p(-2): return try Primitive.svdvals.apply(self).min(axes: [rank - 2])
    case .p(1): return try Variable.abs(self).sum(axes: [rows]).max(axes: [rank - 2])
    case .p(-1): return try Variable.abs(self).sum(axes: [rows]).min(axes: [rank - 2])
    case .p(.infinity): return try Variable.abs(self).sum(axes: [cols]).max(axes: [rank - 2])
    case .p(-.infinity): return try Variable.abs(self).sum(axes: [cols]).min(axes: [rank - 2])
    case .p(let p):
      throw ShapeError(
        operation: "norm", shapes: [shape],
        rule: "a matrix norm's order is \"fro\", \"nuc\", 1, -1, 2, -2, inf or -inf, not \(p)")
    }
  }
}

extension Primitive {
  /// s^(1/p) for s ≥ 0, the last step of a p-norm; its derivative at 0 is taken as 0 (as
  /// PyTorch's norm), and so is every higher one there (a constant mask).
  public static func root(_ p: Double) -> Primitive {
    Primitive(
      .root, domain: .positive, attribute: .number(p), forward: { $0[0].map { Math.pow($0, 1 / p) } },
      vjps: [
        { a in
          let zero = mask(a.y) { $0 == 0 ? 1 : 0 }
          return try a.g * (1 / p) * (1 - zero) / Variable.pow(a.y + zero, p - 1)
        }
      ])
  }
}
