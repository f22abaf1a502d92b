import NablaTensor

/// Reductions and composites written in primitives: they need no derivative code of their own.
extension Variable {
  public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let resolved = try value.resolveAxes(axes, operation: "sum")
    return try Primitive.sum(axes: resolved, keepdims: keepdims).apply(self)
  }

  public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let resolved = try value.resolveAxes(axes, operation: "mean")
    let n = resolved.reduce(1) { $0 * shape[$1] }
    return try sum(axes: resolved, keepdims: keepdims) / Double(n)
  }

  public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    try extreme(axes: axes, keepdims: keepdims, largest: true)
  }

  public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    try extreme(axes: axes, keepdims: keepdims, largest: false)
  }

  private func extreme(axes: [Int]?, keepdims: Bool, largest: Bool) throws -> Variable {
    let name = largest ? "max" : "min"
    let resolved = try value.resolveAxes(axes, operation: name)
    for a in resolved where shape[a] == 0 {
      throw ShapeError(operation: name, shapes: [shape], rule: "axis \(a) is empty")
    }
    return try Primitive.extreme(axes: resolved, keepdims: keepdims, largest: largest).apply(self)
  }

  /// Product over axes: the reduced axes are moved last and flattened into one.
  public func prod(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let resolved = try value.resolveAxes(axes, operation: "prod")
    let kept = (0..<rank).filter { !resolved.contains($0) }
    let moved = try permuted(kept + resolved)
    let n = resolved.reduce(1) { $0 * shape[$1] }
    let flat = try moved.reshaped(kept.map { shape[$0] } + [n])
    let p = try Primitive.prodLast.apply(flat)
    return try p.reshaped(value.reducedShape(axes: resolved, keepdims: keepdims))
  }

  /// Euclidean (Frobenius) norm. Its gradient at 0 is taken as 0, as PyTorch does.
  public func norm(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let squared = try (self * self).sum(axes: axes, keepdims: keepdims)
    return try Primitive.norm.apply(squared)
  }

  /// Variance with `ddof` (0 divides by n, as NumPy does).
  public func variance(axes: [Int]? = nil, keepdims: Bool = false, ddof: Int = 0) throws -> Variable {
    let resolved = try value.resolveAxes(axes, operation: "var")
    let n = resolved.reduce(1) { $0 * shape[$1] }
    let centered = try self - mean(axes: resolved, keepdims: true)
    return try (centered * centered).sum(axes: resolved, keepdims: keepdims) / Double(n - ddof)
  }

  public func standardDeviation(axes: [Int]? = nil, keepdims: Bool = false, ddof: Int = 0) throws -> Variable {
    try Variable.sqrt(variance(axes: axes, keepdims: keepdims, ddof: ddof))
  }

  /// log Σ exp, stable: the shift by the (constant) maximum cancels exactly, so the
  /// derivative is the softmax whatever the shift.
  public func logsumexp(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let resolved = try value.resolveAxes(axes, operation: "logsumexp")
    let m = try value.reduce(axes: resolved, keepdims: true, kind: .max).map { $0.isFinite ? $0 : 0 }
    let shift = Variable.constant(m)
    let lse = try Variable.log(Variable.exp(self - shift).sum(axes: resolved, keepdims: true)) + shift
    return keepdims ? lse : try lse.reshaped(value.reducedShape(axes: resolved, keepdims: false))
  }

  public func softmax(axis: Int = -1) throws -> Variable {
    let a = try Tensor.normalizeAxis(axis, rank: Swift.max(rank, 1), operation: "softmax")
    if rank == 0 { return try self / self }
    return try Primitive.softmax(axis: a).apply(self)
  }

  public func logSoftmax(axis: Int = -1) throws -> Variable {
    let a = try Tensor.normalizeAxis(axis, rank: Swift.max(rank, 1), operation: "log_softmax")
    if rank == 0 { return try self - self }
    return try self - logsumexp(axes: [a], keepdims: true)
  }

  /// The textbook cross-entropy −Σ target · log p, on probabilities.
  public static func crossEntropy(_ p: Variable, _ target: Variable) throws -> Variable {
    try -(target * log(p)).sum()
  }

  /// NumPy `matmul`: vectors are promoted to matrices and the added axis removed afterwards.
  public static func matmul(_ a: Variable, _ b: Variable) throws -> Variable {
    guard a.rank >= 1, b.rank >= 1 else {
      throw ShapeError(
        operation: "@", shapes: [a.shape, b.shape], rule: "@ needs tensors of rank ≥ 1; use * for scalars")
    }
    let a2 = a.rank == 1 ? try a.reshaped([1, a.shape[0]]) : a
    let b2 = b.rank == 1 ? try b.reshaped([b.shape[0], 1]) : b
    let product: Variable
    do {
      product = try batchedMatmul(a2, b2)
    } catch let error as ShapeError {
      throw ShapeError(operation: "@", shapes: [a.shape, b.shape], rule: error.rule)
    }
    var s = product.shape
    if b.rank == 1 { s.removeLast() }
    if a.rank == 1 { s.remove(at: s.count - (b.rank == 1 ? 1 : 2)) }
    return try product.reshaped(s)
  }

  static func batchedMatmul(_ a: Variable, _ b: Variable) throws -> Variable {
    try Primitive.matmul.apply(a, b)
  }

  /// op(a) op(b) for operands of rank ≥ 2, transposes read in place.
  static func product(_ a: Variable, _ b: Variable, _ transposeA: Bool, _ transposeB: Bool) throws -> Variable {
    if !transposeA && !transposeB { return try Primitive.matmul.apply(a, b) }
    return try Primitive.matmul(transposeA: transposeA, transposeB: transposeB).apply(a, b)
  }

  public static func dot(_ a: Variable, _ b: Variable) throws -> Variable {
    guard a.rank == 1, b.rank == 1, a.shape == b.shape else {
      throw ShapeError(operation: "dot", shapes: [a.shape, b.shape], rule: "dot needs two vectors of the same length")
    }
    return try matmul(a, b)
  }

  public static func outer(_ a: Variable, _ b: Variable) throws -> Variable {
    try a.flattened().reshaped([a.value.count, 1]) * b.flattened().reshaped([1, b.value.count])
  }

  /// The sum of the main diagonal of a matrix.
  public func trace() throws -> Variable { try trace(offset: 0) }

  /// `diag(v)`: a vector becomes a diagonal matrix; a matrix gives its diagonal.
  public func diag() throws -> Variable {
    switch rank {
    case 1:
      let n = shape[0]
      let plan = try IndexPlan(shape: [n, n], items: [.array(Array(0..<n)), .array(Array(0..<n))])
      return try Primitive.scatterAdd(plan).apply(self)
    case 2:
      let n = Swift.min(shape[0], shape[1])
      return try indexed([.array(Array(0..<n)), .array(Array(0..<n))])
    default:
      throw ShapeError(operation: "diag", shapes: [shape], rule: "diag needs a vector or a matrix")
    }
  }
}

extension Primitive {
  /// sqrt of a sum of squares. At 0 its derivative is taken as 0 rather than NaN (as PyTorch's
  /// masked division does), and so is every higher derivative there: the rule is multiplied by a
  /// constant 0 where the norm is 0.
  public static let norm = Primitive(
    .norm, domain: .positive,
    forward: { $0[0].map { $0.squareRoot() } },
    vjps: [
      { a in
        let zero = mask(a.y) { $0 == 0 ? 1 : 0 }
        return try a.g * 0.5 * (1 - zero) / (a.y + zero)
      }
    ])
}
