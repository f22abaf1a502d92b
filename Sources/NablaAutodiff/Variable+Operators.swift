import NablaTensor

/// Arithmetic on variables. Each operator applies one primitive from the table.
extension Variable {
  public static func + (a: Variable, b: Variable) throws -> Variable { try Primitive.add.apply(a, b) }
  public static func - (a: Variable, b: Variable) throws -> Variable { try Primitive.sub.apply(a, b) }
  public static func * (a: Variable, b: Variable) throws -> Variable { try Primitive.mul.apply(a, b) }
  public static func / (a: Variable, b: Variable) throws -> Variable { try Primitive.div.apply(a, b) }
  public static prefix func - (a: Variable) throws -> Variable { try Primitive.neg.apply(a) }

  public static func + (a: Variable, b: Double) throws -> Variable { try a + .constant(b) }
  public static func - (a: Variable, b: Double) throws -> Variable { try a - .constant(b) }
  public static func * (a: Variable, b: Double) throws -> Variable { try a * .constant(b) }
  public static func / (a: Variable, b: Double) throws -> Variable { try a / .constant(b) }
  public static func + (a: Double, b: Variable) throws -> Variable { try .constant(a) + b }
  public static func - (a: Double, b: Variable) throws -> Variable { try .constant(a) - b }
  public static func * (a: Double, b: Variable) throws -> Variable { try .constant(a) * b }
  public static func / (a: Double, b: Variable) throws -> Variable { try .constant(a) / b }

  /// An elementwise comparison as a constant 0/1 tensor (comparisons are not differentiable).
  public static func compare(_ a: Variable, _ b: Variable, symbol: String, _ test: @escaping (Double, Double) -> Bool)
    throws -> Variable
  {
    .boolean(try Tensor.zip(a.value, b.value, operation: symbol) { test($0, $1) ? 1 : 0 })
  }
}

/// Elementwise functions.
extension Variable {
  public static func exp(_ x: Variable) throws -> Variable { try Primitive.exp.apply(x) }
  public static func log(_ x: Variable) throws -> Variable { try Primitive.log.apply(x) }
  public static func sqrt(_ x: Variable) throws -> Variable { try Primitive.sqrt.apply(x) }
  public static func abs(_ x: Variable) throws -> Variable { try Primitive.abs.apply(x) }
  public static func sin(_ x: Variable) throws -> Variable { try Primitive.sin.apply(x) }
  public static func cos(_ x: Variable) throws -> Variable { try Primitive.cos.apply(x) }
  public static func tan(_ x: Variable) throws -> Variable { try Primitive.tan.apply(x) }
  public static func tanh(_ x: Variable) throws -> Variable { try Primitive.tanh.apply(x) }
  public static func sigmoid(_ x: Variable) throws -> Variable { try Primitive.sigmoid.apply(x) }
  public static func relu(_ x: Variable) throws -> Variable { try Primitive.relu.apply(x) }
  public static func softplus(_ x: Variable) throws -> Variable { try Primitive.softplus.apply(x) }
  public static func sign(_ x: Variable) throws -> Variable { try Primitive.sign.apply(x) }
  public static func leakyRelu(_ x: Variable, slope: Double) throws -> Variable {
    try Primitive.leakyRelu(slope: slope).apply(x)
  }
  public static func pow(_ a: Variable, _ b: Variable) throws -> Variable { try Primitive.pow.apply(a, b) }
  public static func pow(_ a: Variable, _ b: Double) throws -> Variable { try Primitive.pow.apply(a, .constant(b)) }
  public static func maximum(_ a: Variable, _ b: Variable) throws -> Variable { try Primitive.maximum.apply(a, b) }
  public static func minimum(_ a: Variable, _ b: Variable) throws -> Variable { try Primitive.minimum.apply(a, b) }
  /// `clip(x, lo, hi)` = minimum(maximum(x, lo), hi).
  public static func clip(_ x: Variable, _ lo: Variable, _ hi: Variable) throws -> Variable {
    try minimum(maximum(x, lo), hi)
  }
}

/// Shape and layout.
extension Variable {
  public func reshaped(_ shape: [Int]) throws -> Variable {
    if shape == self.shape { return self }
    return try Primitive.reshape(shape).apply(self)
  }

  public func permuted(_ permutation: [Int]) throws -> Variable {
    if permutation == Array(0..<rank) { return self }
    return try Primitive.transpose(permutation).apply(self)
  }

  /// Swaps the last two axes (`x'`, `x.T`); a vector or scalar is returned unchanged.
  public func transposedLastTwo() throws -> Variable {
    try permuted(Tensor.swapLastTwo(rank: rank))
  }

  public func broadcast(to shape: [Int]) throws -> Variable {
    if shape == self.shape { return self }
    return try Primitive.broadcast(to: shape).apply(self)
  }

  public func summed(toShape shape: [Int]) throws -> Variable {
    if shape == self.shape { return self }
    return try Primitive.sum(toShape: shape).apply(self)
  }

  /// A cotangent of shape `batch ++ s`, where `s` was broadcast from `shape`, summed back to
  /// `batch ++ shape`. With no batch this is `summed(toShape:)`; with one, the broadcast axes are
  /// found after the batch axes rather than at the front.
  func unbroadcast(to shape: [Int], batch: [Int]) throws -> Variable {
    let target = batch + shape
    if self.shape == target { return self }
    if batch.isEmpty { return try summed(toShape: shape) }
    let added = Swift.max(0, rank - batch.count - shape.count)
    return try summed(toShape: batch + [Int](repeating: 1, count: added) + shape).reshaped(target)
  }

  /// A batched value of shape `batch ++ s`, with `s` broadcastable to `shape`, broadcast to
  /// `batch ++ shape`.
  func rebroadcast(to shape: [Int], batch: [Int]) throws -> Variable {
    if batch.isEmpty { return try broadcast(to: shape) }
    let inner = Array(self.shape.suffix(rank - batch.count))
    let padded = batch + [Int](repeating: 1, count: Swift.max(0, shape.count - inner.count)) + inner
    return try reshaped(padded).broadcast(to: batch + shape)
  }

  /// Inserts a size-1 axis at `axis` (negative counts from the end of the result).
  public func unsqueezed(axis: Int) throws -> Variable {
    let a = try Tensor.normalizeAxis(axis, rank: rank + 1, operation: "unsqueeze")
    var s = shape
    s.insert(1, at: a)
    return try reshaped(s)
  }

  /// Removes size-1 axes: the given one, or all of them.
  public func squeezed(axis: Int? = nil) throws -> Variable {
    var s = shape
    if let axis {
      let a = try Tensor.normalizeAxis(axis, rank: rank, operation: "squeeze")
      guard s[a] == 1 else {
        throw ShapeError(operation: "squeeze", shapes: [shape], rule: "axis \(axis) has size \(s[a]), not 1")
      }
      s.remove(at: a)
    } else {
      s.removeAll { $0 == 1 }
    }
    return try reshaped(s)
  }

  public func flattened() throws -> Variable { try reshaped([value.count]) }

  /// NumPy indexing (`x[0, 1:3]`, `x[[0, 2]]`) as a gather.
  public func indexed(_ items: [IndexItem]) throws -> Variable {
    try Primitive.gather(IndexPlan(shape: shape, items: items)).apply(self)
  }

  public static func concat(_ parts: [Variable], axis: Int) throws -> Variable {
    guard let first = parts.first else {
      throw ShapeError(operation: "concat", shapes: [], rule: "needs at least one tensor")
    }
    guard first.rank > 0 else {
      throw ShapeError(
        operation: "concat", shapes: parts.map(\.shape), rule: "scalars cannot be concatenated; use stack")
    }
    let a = try Tensor.normalizeAxis(axis, rank: first.rank, operation: "concat")
    let sizes = parts.map { $0.rank > a ? $0.shape[a] : 0 }
    return try Primitive.concat(axis: a, sizes: sizes).apply(parts)
  }

  /// Joins same-shaped tensors along a new axis.
  public static func stack(_ parts: [Variable], axis: Int) throws -> Variable {
    guard let first = parts.first else {
      throw ShapeError(operation: "stack", shapes: [], rule: "needs at least one tensor")
    }
    for (k, p) in parts.enumerated() where p.shape != first.shape {
      throw ShapeError(
        operation: "stack", shapes: parts.map(\.shape),
        rule: "item \(k) has shape \(Tensor.describe(p.shape)), item 0 has \(Tensor.describe(first.shape))")
    }
    let a = try Tensor.normalizeAxis(axis, rank: first.rank + 1, operation: "stack")
    if first.rank == 0 && a == 0 {
      // Fast path for vectors of scalars: one primitive instead of n reshapes.
      return try Primitive.concat(axis: 0, sizes: Array(repeating: 1, count: parts.count))
        .apply(parts.map { try $0.reshaped([1]) })
    }
    return try concat(parts.map { try $0.unsqueezed(axis: a) }, axis: a)
  }
}
