import NablaTensor

/// Sorting and order statistics: each reads its input in a computed order (one gather), so the
/// gradient goes back to each value's original position.
extension Variable {
  /// Sorted along `axis` (nil flattens first), stably: equal values keep their order. Ascending
  /// puts NaN last, descending first (NaN counts as the largest, as PyTorch). The gradient goes
  /// back to each value's original position.
  public func sort(axis: Int? = -1, descending: Bool = false) throws -> Variable {
    guard let axis else { return try flattened().sort(axis: 0, descending: descending) }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: "sort")
    let order = SortedSelection.offsets(value, axis: ax, keep: shape[ax], descending: descending)
    return try gathered(order.offsets, shape: shape)
  }

  /// The positions that sort x along `axis` (stable, as `sort`), as a constant of whole numbers.
  public func argsort(axis: Int? = -1, descending: Bool = false) throws -> Variable {
    guard let axis else { return try flattened().argsort(axis: 0, descending: descending) }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: "argsort")
    let order = SortedSelection.offsets(value, axis: ax, keep: shape[ax], descending: descending)
    return .constant(Tensor(uncheckedShape: shape, data: order.positions))
  }

  /// PyTorch `topk`: the k largest values along `axis` (last by default), largest first, with their
  /// positions (a constant); ties go to the lower position first, NaN counts as the largest.
  /// `largest: false` gives the k smallest, smallest first.
  public func topk(_ k: Int, axis: Int = -1, largest: Bool = true) throws -> (values: Variable, indices: Variable) {
    let op = "topk"
    guard rank >= 1 else {
      throw ShapeError(operation: op, shapes: [shape], rule: "x is a scalar; topk needs at least one axis")
    }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    let n = shape[ax]
    guard k >= 0, k <= n else {
      throw ShapeError(
        operation: op, shapes: [shape], rule: "k = \(k) must be between 0 and \(n), the size of axis \(ax)")
    }
    var result = shape
    result[ax] = k
    let order = SortedSelection.offsets(value, axis: ax, keep: k, descending: largest)
    let values = try gathered(order.offsets, shape: result)
    return (values, Variable.constant(Tensor(uncheckedShape: result, data: order.positions)))
  }

  /// NumPy `median` over `axes` (nil: all): the middle value, or the mean of the two middle values
  /// for an even count; NaN where a slice holds NaN. The gradient goes to the middle entries of the
  /// stably sorted slice (1, or ½ each): with ties, to the tied entries in their original order.
  public func median(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
    let op = "median"
    let resolved = try SelectionIndexing.resolvedAxes(axes ?? Array(0..<rank), shape, op)
    let kept = (0..<rank).filter { !resolved.contains($0) }
    var n = 1
    for a in resolved {
      let (p, overflow) = n.multipliedReportingOverflow(by: shape[a])
      guard !overflow else { throw ShapeError(operation: op, shapes: [shape], rule: "the reduced axes are too large") }
      n = p
    }
    guard n > 0 else {
      throw ShapeError(operation: op, shapes: [shape], rule: "the median of an empty axis is undefined")
    }
    let keptShape = kept.map { shape[$0] }
    let moved = try permuted(kept + resolved).reshaped(keptShape + [n])
    let sorted = try moved.sort(axis: -1)
    let all = [IndexItem](repeating: .slice(start: nil, stop: nil, step: nil), count: kept.count)
    let (low, high) = ((n - 1) / 2, n / 2)
    var m = try sorted.indexed(all + [.single(low)])
    if high != low { m = try (m + sorted.indexed(all + [.single(high)])) * 0.5 }
    if value.data.contains(where: \.isNaN) {
      // Ascending order puts NaN last: a slice holds NaN when its last sorted entry is NaN.
      let last = try sorted.value.gather(IndexPlan(shape: sorted.shape, items: all + [.single(n - 1)]))
      let nan = Variable.constant(last.map { $0.isNaN ? 1 : 0 })
      m = try Variable.`where`(nan, Variable.constant(Double.nan), m)
    }
    return try m.reshaped(value.reducedShape(axes: resolved, keepdims: keepdims))
  }

}

/// The stable order of the slices along an axis.
enum SortedSelection {
  /// Stable order along `axis` of each slice of `x`, the first `keep` positions of it: the flat
  /// offsets that read them (for a result whose axis has size `keep`) and the positions along the
  /// axis. Ascending puts NaN last; descending puts it first; equal values keep their order.
  static func offsets(_ x: Tensor, axis: Int, keep: Int, descending: Bool) -> (
    offsets: [Int], positions: [Double]
  ) {
    let shape = x.shape
    let n = shape[axis]
    guard x.count > 0, keep > 0, keep <= n else { return ([], []) }
    // Not empty: every size is ≥ 1 and these products are at most x's count.
    let inner = shape[(axis + 1)...].reduce(1, *)
    let outer = x.count / (n * inner)
    let total = outer * keep * inner
    var offsets = [Int](repeating: 0, count: total)
    var positions = [Double](repeating: 0, count: total)
    let data = x.data
    var order = [Int](repeating: 0, count: n)
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * n * inner + i
        for j in 0..<n { order[j] = j }
        order.sort { p, q in
          let (a, b) = (data[base + p * inner], data[base + q * inner])
          if descending {
            if a > b || (a.isNaN && !b.isNaN) { return true }
            if b > a || (b.isNaN && !a.isNaN) { return false }
          } else {
            if a < b || (b.isNaN && !a.isNaN) { return true }
            if b < a || (a.isNaN && !b.isNaN) { return false }
          }
          return p < q
        }
        let out = o * keep * inner + i
        for j in 0..<keep {
          offsets[out + j * inner] = base + order[j] * inner
          positions[out + j * inner] = Double(order[j])
        }
      }
    }
    return (offsets, positions)
  }
}
