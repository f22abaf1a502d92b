extension Tensor {
  /// The same data under a new shape with the same element count.
  public func reshaped(_ newShape: [Int]) throws(ShapeError) -> Tensor {
    guard Tensor.elementCount(newShape) == count, newShape.allSatisfy({ $0 >= 0 }) else {
      throw ShapeError(
        operation: "reshape", shapes: [shape, newShape],
        rule:
          "\(count) elements cannot take shape \(Tensor.describe(newShape)) (\(Tensor.elementCount(newShape).map(String.init) ?? "too many") elements)"
      )
    }
    return Tensor(uncheckedShape: newShape, data: data)
  }

  /// Resolves a requested shape that may hold one `-1` (inferred) against `count` elements.
  public static func inferShape(_ requested: [Int], count: Int, from shape: [Int]) throws(ShapeError) -> [Int] {
    var result = requested
    let unknown = requested.indices.filter { requested[$0] == -1 }
    guard unknown.count <= 1, requested.allSatisfy({ $0 >= -1 }) else {
      throw ShapeError(
        operation: "reshape", shapes: [shape, requested],
        rule: "only one size may be -1 and sizes must not be negative")
    }
    if let u = unknown.first {
      let known = requested.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
      guard known > 0, count % known == 0 else {
        throw ShapeError(
          operation: "reshape", shapes: [shape, requested],
          rule: "\(count) elements do not divide into \(Tensor.describe(requested))")
      }
      result[u] = count / known
    }
    guard Tensor.elementCount(result) == count else {
      throw ShapeError(
        operation: "reshape", shapes: [shape, requested],
        rule: "\(count) elements cannot take shape \(Tensor.describe(requested))")
    }
    return result
  }

  /// Axes permuted: result axis i is source axis `permutation[i]`.
  public func permuted(_ permutation: [Int]) throws(ShapeError) -> Tensor {
    guard permutation.count == rank, Set(permutation) == Set(0..<rank) else {
      throw ShapeError(
        operation: "transpose", shapes: [shape],
        rule: "axes \(Tensor.describe(permutation)) are not a permutation of 0..<\(rank)")
    }
    if permutation == Array(0..<rank) { return self }
    let newShape = permutation.map { shape[$0] }
    let srcStrides = strides
    let readStrides = permutation.map { srcStrides[$0] }
    var out = [Double](repeating: 0, count: count)
    if rank == 2 {
      let (r, c) = (newShape[0], newShape[1])
      let (s0, s1) = (readStrides[0], readStrides[1])
      data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          for i in 0..<r { for j in 0..<c { dst[i * c + j] = src[i * s0 + j * s1] } }
        }
      }
    } else {
      data.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          Broadcasting.forEachPair(outShape: newShape, stridesA: readStrides, stridesB: readStrides) { a, _, o in
            dst[o] = src[a]
          }
        }
      }
    }
    return Tensor(uncheckedShape: newShape, data: out)
  }

  /// The permutation that swaps the last two axes (identity for rank < 2).
  public static func swapLastTwo(rank: Int) -> [Int] {
    var p = Array(0..<rank)
    if rank >= 2 { p.swapAt(rank - 1, rank - 2) }
    return p
  }

  /// Joins tensors along an existing axis.
  public static func concatenate(_ parts: [Tensor], axis: Int) throws(ShapeError) -> Tensor {
    guard let first = parts.first else {
      throw ShapeError(operation: "concat", shapes: [], rule: "needs at least one tensor")
    }
    guard first.rank > 0 else {
      throw ShapeError(
        operation: "concat", shapes: parts.map(\.shape), rule: "scalars cannot be concatenated; use stack")
    }
    let a = try normalizeAxis(axis, rank: first.rank, operation: "concat")
    for (k, p) in parts.enumerated() {
      var s1 = p.shape
      var s0 = first.shape
      guard s1.count == s0.count else {
        throw ShapeError(
          operation: "concat", shapes: parts.map(\.shape),
          rule: "item \(k) has rank \(p.rank), item 0 has rank \(first.rank)")
      }
      s1[a] = 0
      s0[a] = 0
      guard s0 == s1 else {
        throw ShapeError(
          operation: "concat", shapes: parts.map(\.shape), rule: "item \(k) differs from item 0 outside axis \(a)")
      }
    }
    let outer = first.shape[..<a].reduce(1, *)
    let inner = first.shape[(a + 1)...].reduce(1, *)
    var outShape = first.shape
    outShape[a] = parts.reduce(0) { $0 + $1.shape[a] }
    var out: [Double] = []
    out.reserveCapacity(outShape.reduce(1, *))
    for o in 0..<outer {
      for p in parts {
        let chunk = p.shape[a] * inner
        out.append(contentsOf: p.data[(o * chunk)..<((o + 1) * chunk)])
      }
    }
    return Tensor(uncheckedShape: outShape, data: out)
  }

  /// Elements at flat `offsets`, arranged in `shape`. Offsets must be in range (checked by `IndexPlan`).
  public func gather(offsets: [Int], shape outShape: [Int]) -> Tensor {
    Tensor(uncheckedShape: outShape, data: offsets.map { data[$0] })
  }

  /// A zero tensor of `shape` with this tensor's elements added at flat `offsets`: the adjoint of `gather`.
  public func scatterAdd(offsets: [Int], shape outShape: [Int]) -> Tensor {
    var out = [Double](repeating: 0, count: Tensor.elementCount(outShape) ?? 0)
    for (i, o) in offsets.enumerated() { out[o] += data[i] }
    return Tensor(uncheckedShape: outShape, data: out)
  }
}
