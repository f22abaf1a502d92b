extension Tensor {
  /// The same data under a new shape with the same element count.
  public func reshaped(_ newShape: [Int]) throws(ShapeError) -> Tensor {
    try Tensor.checkExtent(newShape, operation: "reshape")
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
    // The only rank-2 permutation left is the swap.
    if rank == 2 {
      return Tensor(uncheckedShape: newShape, data: Tensor.transposed(data, rows: shape[0], cols: shape[1]))
    }
    let srcStrides = strides
    let readStrides = permutation.map { srcStrides[$0] }
    var out = [Double](repeating: 0, count: count)
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        Broadcasting.forEachPair(outShape: newShape, stridesA: readStrides, stridesB: readStrides) { a, _, o in
          dst[o] = src[a]
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

  /// The leading axes in front of `trailing`, when this tensor's shape ends with it.
  func leadingAxes(before trailing: [Int], operation: String) throws(ShapeError) -> [Int] {
    guard rank >= trailing.count, Array(shape.suffix(trailing.count)) == trailing else {
      throw ShapeError(
        operation: operation, shapes: [shape, trailing], rule: "the shape must end with \(Tensor.describe(trailing))")
    }
    return Array(shape.prefix(rank - trailing.count))
  }

  /// The elements a plan selects, arranged in its shape; leading axes in front of the plan's
  /// source shape are kept as a batch.
  public func gather(_ plan: IndexPlan) throws(ShapeError) -> Tensor {
    let batch = try leadingAxes(before: plan.sourceShape, operation: "index")
    let stride = plan.sourceShape.reduce(1, *)
    let (batchCount, n) = (batch.reduce(1, *), plan.offsets.count)
    let out = [Double](unsafeUninitializedCapacity: batchCount * n) { po, initialized in
      defer { initialized = batchCount * n }
      guard var to = po.baseAddress else { return }
      data.withUnsafeBufferPointer { pd in
        plan.offsets.withUnsafeBufferPointer { offsets in
          for b in 0..<batchCount {
            let base = b * stride
            for o in offsets {
              // A wrong plan reads 0 rather than outside the tensor.
              to.initialize(to: UInt(bitPattern: o) < UInt(stride) ? pd[base + o] : 0)
              to += 1
            }
          }
        }
      }
    }
    return Tensor(uncheckedShape: batch + plan.shape, data: out)
  }

  /// A zero tensor of the plan's source shape with this tensor's elements added where the plan
  /// reads: the adjoint of `gather`. Leading axes are kept as a batch.
  public func scatterAdd(_ plan: IndexPlan) throws(ShapeError) -> Tensor {
    let batch = try leadingAxes(before: plan.shape, operation: "scatter")
    let stride = plan.sourceShape.reduce(1, *)
    let batchCount = batch.reduce(1, *)
    let total = batchCount * stride
    // Units of work: each batch entry's blocks of the plan (one block unless the plan has more).
    // A unit adds only into its own part of the output, so parts of units run side by side.
    let blocks = plan.blocks
    let (unitOffsets, unitSize) = (plan.offsets.count / blocks, stride / blocks)
    let units = batchCount * blocks
    let parts = CoreSplit.parts(elements: total, units: units)
    let out = [Double](unsafeUninitializedCapacity: total) { po, initialized in
      defer { initialized = total }
      guard let to = po.baseAddress else { return }
      data.withUnsafeBufferPointer { pd in
        plan.offsets.withUnsafeBufferPointer { offsets in
          guard let values = pd.baseAddress, let read = offsets.baseAddress, batchCount * offsets.count <= pd.count
          else {
            to.initialize(repeating: 0, count: total)
            return
          }
          CoreSplit.forEachPart(units: units, parts: parts) { range in
            // Zeroed lazily, a block at a time, just ahead of the furthest entry added to: for
            // a plan that moves forward (a max pool's), zeroing and adding then meet each cache
            // line once, where zeroing everything first was a pass of its own over memory.
            // Every entry is zeroed before anything is added to it, so the sums are the same,
            // bit for bit.
            var zeroed = range.lowerBound * unitSize
            let end = range.upperBound * unitSize
            for unit in range {
              let (b, k) = unit.quotientAndRemainder(dividingBy: blocks)
              let (start, low) = (b * stride, k * unitSize)
              var from = values + b * offsets.count + k * unitOffsets
              // One unsigned comparison per offset keeps a wrong plan from writing outside its
              // unit (the array's own checks cost several times more).
              for o in UnsafeBufferPointer(start: read + k * unitOffsets, count: unitOffsets) {
                if UInt(bitPattern: o &- low) < UInt(unitSize) {
                  let at = start + o
                  if at >= zeroed {
                    let next = Swift.min(Swift.max(at + 1, zeroed + 512), end)
                    (to + zeroed).initialize(repeating: 0, count: next - zeroed)
                    zeroed = next
                  }
                  to[at] += from.pointee
                }
                from += 1
              }
            }
            if zeroed < end { (to + zeroed).initialize(repeating: 0, count: end - zeroed) }
          }
        }
      }
    }
    return Tensor(uncheckedShape: batch + plan.sourceShape, data: out)
  }
}
