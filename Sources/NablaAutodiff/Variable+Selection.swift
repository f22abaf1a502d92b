import NablaTensor

/// Selection, order and cumulation, as NumPy and PyTorch name them. Almost every operation here
/// reads elements of its input at computed flat offsets: one `gather` with an `IndexPlan`, whose
/// VJP (a scatter-add, batched) sends each cotangent entry back to the element it was read from,
/// duplicates accumulating. No rule of their own is needed and every derivative order follows.
/// Only `cumsum` and `cumprod` are primitives of their own (Primitives/Cumulative.swift).
///
/// Every input is checked (axes, indices, counts) and a violation is a `ShapeError` that names the
/// operation, the shapes and what is wrong; offsets are computed only after the result's size is
/// known to be within `Tensor.maximumElements`, so no index arithmetic can overflow.
extension Variable {
  // MARK: Choosing between tensors

  /// `where(condition, a, b)`: a where the condition is nonzero (NaN counts as true, as in NumPy),
  /// b elsewhere, all three broadcast together. The condition is a constant. The result is read
  /// from the two branches, so an inf or NaN in the branch not taken never reaches the value
  /// or the gradient: each entry's gradient goes to the branch it came from.
  public static func `where`(_ condition: Variable, _ a: Variable, _ b: Variable) throws -> Variable {
    let op = "where"
    let shape = try Broadcasting.shape(
      Broadcasting.shape(condition.shape, a.shape, operation: op), b.shape, operation: op)
    try Tensor.checkSize(shape, operation: op)
    let mask = try condition.value.broadcast(to: shape)
    // One source holding a then b, each read at its broadcast strides: no broadcast copies.
    let source = try Variable.concat([a.flattened(), b.flattened()], axis: 0)
    var offsets = [Int](repeating: 0, count: mask.count)
    Broadcasting.forEachPair(
      outShape: shape, stridesA: Broadcasting.strides(of: a.shape, broadcastTo: shape),
      stridesB: Broadcasting.strides(of: b.shape, broadcastTo: shape)
    ) { i, j, k in offsets[k] = mask.data[k] != 0 ? i : a.value.count + j }
    return try source.gathered(offsets, shape: shape)
  }

  // MARK: Reading at indices

  /// NumPy `take_along_axis(x, indices, axis)` (PyTorch `gather`): `out[..., j, ...] =
  /// x[..., indices[..., j, ...], ...]` along `axis`. `indices` has x's rank; the other axes
  /// broadcast against x's. Negative indices count from the end. With `axis` nil, x is flattened
  /// and `indices` must be a vector.
  public func takeAlongAxis(_ indices: Variable, axis: Int?) throws -> Variable {
    let op = "gather"
    let shapes = [shape, indices.shape]
    guard let axis else {
      guard indices.rank == 1 else {
        throw ShapeError(
          operation: op, shapes: shapes,
          rule: "without an axis x is flattened, so the indices must be a vector, not rank \(indices.rank)")
      }
      return try flattened().takeAlongAxis(indices, axis: 0)
    }
    guard rank >= 1 else {
      throw ShapeError(operation: op, shapes: shapes, rule: "x is a scalar; it has no axis to gather along")
    }
    guard indices.rank == rank else {
      throw ShapeError(
        operation: op, shapes: shapes,
        rule: "the indices must have x's rank \(rank), not \(indices.rank) (use unsqueeze to add axes)")
    }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    var result: [Int] = []
    for d in 0..<rank {
      let (p, q) = (shape[d], indices.shape[d])
      if d == ax {
        result.append(q)
      } else if p == q || p == 1 || q == 1 {
        result.append(p == 1 ? q : p)
      } else {
        throw ShapeError(
          operation: op, shapes: shapes,
          rule: "axis \(d) has size \(p) in x and \(q) in the indices, which do not broadcast (equal or one of them 1)")
      }
    }
    try Tensor.checkSize(result, operation: op)
    let picks = try SelectionIndexing.resolvedIndices(indices.value, size: shape[ax], axis: ax, op, shapes)
    let xStrides = Tensor.strides(for: shape)
    let iStrides = Tensor.strides(for: indices.shape)
    let (xShape, iShape) = (shape, indices.shape)
    let offsets = SelectionIndexing.offsetsByIndex(result) { (index: [Int]) -> Int in
      var source = 0
      var at = 0
      for d in 0..<index.count {
        if iShape[d] != 1 { at += index[d] * iStrides[d] }
        if d != ax && xShape[d] != 1 { source += index[d] * xStrides[d] }
      }
      return source + picks[at] * xStrides[ax]
    }
    return try gathered(offsets, shape: result)
  }

  /// NumPy `take(x, indices)`: the elements of flattened x at `indices` (negative from the end),
  /// in the indices' shape. With `axis`, whole slices along that axis: the result has shape
  /// `x.shape[..<axis] ++ indices.shape ++ x.shape[axis+1...]`.
  public func take(_ indices: Variable, axis: Int? = nil) throws -> Variable {
    let op = "take"
    let shapes = [shape, indices.shape]
    guard let axis else {
      let picks = try SelectionIndexing.resolvedIndices(indices.value, size: value.count, axis: nil, op, shapes)
      return try gathered(picks, shape: indices.shape)
    }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    let n = shape[ax]
    let picks = try SelectionIndexing.resolvedIndices(indices.value, size: n, axis: ax, op, shapes)
    let result = Array(shape[..<ax]) + indices.shape + Array(shape[(ax + 1)...])
    try Tensor.checkSize(result, operation: op)
    guard let total = Tensor.elementCount(result), total > 0 else { return try gathered([], shape: result) }
    // The result is not empty, so neither is x along any axis: these products are at most x's count.
    let outer = shape[..<ax].reduce(1, *)
    let inner = shape[(ax + 1)...].reduce(1, *)
    var offsets: [Int] = []
    offsets.reserveCapacity(total)
    for o in 0..<outer {
      for p in picks {
        let base = (o * n + p) * inner
        for i in 0..<inner { offsets.append(base + i) }
      }
    }
    return try gathered(offsets, shape: result)
  }

  /// NumPy `np.add.at(x, indices, values)` on the first axis, as a new value: x plus `values`
  /// added into the rows `indices` names, repeated indices accumulating. `values` broadcasts to
  /// `indices.shape ++ x.shape[1...]`. Differentiable in x (identity) and in values (the rows read).
  public func scatterAdd(_ indices: Variable, _ values: Variable) throws -> Variable {
    let op = "scatter_add"
    let shapes = [shape, indices.shape, values.shape]
    guard rank >= 1 else {
      throw ShapeError(operation: op, shapes: shapes, rule: "x is a scalar; it has no rows to add into")
    }
    let rows = shape[0]
    let rowShape = Array(shape.dropFirst())
    let picks = try SelectionIndexing.resolvedIndices(indices.value, size: rows, axis: 0, op, shapes)
    let target = indices.shape + rowShape
    try Tensor.checkSize(target, operation: op)
    guard (try? Broadcasting.shape(values.shape, target, operation: op)) == target else {
      throw ShapeError(
        operation: op, shapes: shapes,
        rule: "the values must broadcast to x[indices], of shape \(Tensor.describe(target))")
    }
    var offsets: [Int] = []
    if let total = Tensor.elementCount(target), total > 0 {
      // Not empty: every row size is ≥ 1 and a row is at most x's count.
      let inner = rowShape.reduce(1, *)
      offsets.reserveCapacity(total)
      for p in picks {
        for i in 0..<inner { offsets.append(p * inner + i) }
      }
    }
    let plan = IndexPlan(unchecked: offsets, shape: target, sourceShape: shape)
    return try self + Primitive.scatterAdd(plan).apply(values.broadcast(to: target))
  }

  // MARK: Running sums and products

  /// Running sum along `axis` (NumPy `cumsum`; nil flattens first, as NumPy's default).
  public func cumsum(axis: Int? = nil) throws -> Variable {
    guard let axis else { return try flattened().cumsum(axis: 0) }
    let a = try Tensor.normalizeAxis(axis, rank: rank, operation: "cumsum")
    return try Primitive.cumsum(axis: a).apply(self)
  }

  /// Running product along `axis` (NumPy `cumprod`; nil flattens first). Its gradient is exact at
  /// zeros, to every order.
  public func cumprod(axis: Int? = nil) throws -> Variable {
    guard let axis else { return try flattened().cumprod(axis: 0) }
    let a = try Tensor.normalizeAxis(axis, rank: rank, operation: "cumprod")
    return try Primitive.cumprod(axis: a).apply(self)
  }

  // MARK: Triangles

  /// The upper triangle of the last two axes: entries with column − row ≥ k, zeros elsewhere
  /// (NumPy `triu`; k > 0 above the diagonal, k < 0 below). Exact zeros, even next to inf or NaN.
  public func triu(_ k: Int = 0) throws -> Variable { try triangle(k, upper: true) }

  /// The lower triangle of the last two axes: entries with column − row ≤ k (NumPy `tril`).
  public func tril(_ k: Int = 0) throws -> Variable { try triangle(k, upper: false) }

  private func triangle(_ k: Int, upper: Bool) throws -> Variable {
    let op = upper ? "triu" : "tril"
    guard rank >= 2 else {
      throw ShapeError(
        operation: op, shapes: [shape], rule: "needs a matrix (or a stack of them): rank ≥ 2, not \(rank)")
    }
    if value.count == 0 { return self }
    let (m, n) = (shape[rank - 2], shape[rank - 1])
    let keep = Tensor.triangle(rows: m, cols: n, offset: k, upper: upper)
    return try Variable.`where`(.constant(keep), self, .constant(0))
  }

  // MARK: Moving elements

  /// NumPy `roll`: elements shifted by `shift` along `axis`, those pushed off the end coming back at
  /// the start; nil rolls the flattened tensor and restores the shape.
  public func roll(_ shift: Int, axis: Int? = nil) throws -> Variable {
    try roll([shift], axes: axis.map { [$0] })
  }

  /// NumPy `roll` with several shifts and axes (paired; a single one of either is repeated, and
  /// shifts of a repeated axis add up).
  public func roll(_ shifts: [Int], axes: [Int]?) throws -> Variable {
    let op = "roll"
    guard let axes else {
      guard shifts.count == 1 else {
        throw ShapeError(
          operation: op, shapes: [shape],
          rule: "without an axis the flattened tensor is rolled, so give one shift, not \(shifts.count)")
      }
      return try flattened().roll(shifts, axes: [0]).reshaped(shape)
    }
    let pairs =
      shifts.count == axes.count || (shifts.count == 1 && !axes.isEmpty) || (axes.count == 1 && !shifts.isEmpty)
    guard pairs else {
      throw ShapeError(
        operation: op, shapes: [shape], rule: "\(shifts.count) shifts and \(axes.count) axes do not pair up")
    }
    var total = [Int](repeating: 0, count: rank)
    for k in 0..<Swift.max(shifts.count, axes.count) {
      let a = try Tensor.normalizeAxis(axes[axes.count == 1 ? 0 : k], rank: rank, operation: op)
      let n = shape[a]
      guard n > 0 else { continue }
      // Each term is in 0..<n, so no sum here can overflow.
      let s = shifts[shifts.count == 1 ? 0 : k] % n
      total[a] = (total[a] + (s < 0 ? s + n : s)) % n
    }
    if value.count == 0 || total.allSatisfy({ $0 == 0 }) { return self }
    let strides = value.strides
    let tables = (0..<rank).map { d -> [Int] in
      let (n, s, step) = (shape[d], total[d], strides[d])
      return (0..<n).map { i in ((i - s + n) % n) * step }
    }
    return try gathered(IndexPlan.sums(of: tables), shape: shape)
  }

  /// NumPy `flip`: the order of elements reversed along `axes` (nil: every axis).
  public func flip(axes: [Int]? = nil) throws -> Variable {
    let flipped = try SelectionIndexing.resolvedAxes(axes ?? Array(0..<rank), shape, "flip")
    if value.count == 0 { return try gathered([], shape: shape) }
    let strides = value.strides
    let tables = (0..<rank).map { d -> [Int] in
      let (n, step) = (shape[d], strides[d])
      return flipped.contains(d) ? (0..<n).map { (n - 1 - $0) * step } : (0..<n).map { $0 * step }
    }
    return try gathered(IndexPlan.sums(of: tables), shape: shape)
  }

  /// NumPy `rot90(x, k, axes)`: rotated by 90° k times in the plane of `axes` (the first two by
  /// default), counterclockwise from the first axis towards the second (k may be negative).
  public func rot90(_ k: Int = 1, axes: (Int, Int) = (0, 1)) throws -> Variable {
    let op = "rot90"
    guard rank >= 2 else {
      throw ShapeError(operation: op, shapes: [shape], rule: "needs at least two axes to rotate in, not \(rank)")
    }
    let first = try Tensor.normalizeAxis(axes.0, rank: rank, operation: op)
    let second = try Tensor.normalizeAxis(axes.1, rank: rank, operation: op)
    guard first != second else {
      throw ShapeError(operation: op, shapes: [shape], rule: "the two axes \(axes.0) and \(axes.1) must differ")
    }
    let turns = ((k % 4) + 4) % 4
    if turns == 0 { return self }
    if turns == 2 { return try flip(axes: [first, second]) }
    var swap = Array(0..<rank)
    swap.swapAt(first, second)
    if turns == 1 { return try flip(axes: [second]).permuted(swap) }
    return try permuted(swap).flip(axes: [second])
  }

  /// NumPy `tile(x, reps)`: x repeated `reps[i]` times along axis i. Shorter `reps` are padded
  /// with 1s in front; a shorter x gets size-1 axes in front.
  public func tile(_ reps: [Int]) throws -> Variable {
    let op = "tile"
    for r in reps where r < 0 {
      throw ShapeError(operation: op, shapes: [shape], rule: "reps must be ≥ 0, got \(r)")
    }
    guard reps.count <= rank + 32 else {
      throw ShapeError(
        operation: op, shapes: [shape], rule: "\(reps.count) reps would make a tensor of rank \(reps.count)")
    }
    let d = Swift.max(rank, reps.count)
    let source = [Int](repeating: 1, count: d - rank) + shape
    let counts = [Int](repeating: 1, count: d - reps.count) + reps
    var result: [Int] = []
    for (s, r) in zip(source, counts) {
      let (p, overflow) = s.multipliedReportingOverflow(by: r)
      guard !overflow else {
        throw ShapeError(operation: op, shapes: [shape], rule: "reps \(reps) give a result too large to index")
      }
      result.append(p)
    }
    try Tensor.checkSize(result, operation: op)
    let x = try reshaped(source)
    guard let total = Tensor.elementCount(result), total > 0 else {
      return try x.gathered([], shape: result)
    }
    let strides = Tensor.strides(for: source)
    let tables = (0..<d).map { a -> [Int] in
      let (n, step) = (source[a], strides[a])
      return (0..<result[a]).map { ($0 % n) * step }
    }
    return try x.gathered(IndexPlan.sums(of: tables), shape: result)
  }

  /// NumPy `repeat(x, repeats, axis)`: each element (slice) along `axis` repeated in place,
  /// `repeats` one count for all or one per entry of the axis; nil repeats the flattened tensor.
  public func repeated(_ repeats: [Int], axis: Int? = nil) throws -> Variable {
    let op = "repeat"
    guard let axis else { return try flattened().repeated(repeats, axis: 0) }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    let n = shape[ax]
    guard repeats.count == 1 || repeats.count == n else {
      throw ShapeError(
        operation: op, shapes: [shape],
        rule: "\(repeats.count) repeat counts for axis \(ax) of size \(n); give one, or one per entry")
    }
    for r in repeats where r < 0 {
      throw ShapeError(operation: op, shapes: [shape], rule: "repeat counts must be ≥ 0, got \(r)")
    }
    var length = 0
    for j in 0..<n {
      let (s, overflow) = length.addingReportingOverflow(repeats[repeats.count == 1 ? 0 : j])
      guard !overflow, s <= Tensor.maximumElements else {
        throw ShapeError(
          operation: op, shapes: [shape], rule: "the repeated axis would exceed \(Tensor.maximumElements) entries")
      }
      length = s
    }
    var result = shape
    result[ax] = length
    try Tensor.checkSize(result, operation: op)
    guard let total = Tensor.elementCount(result), total > 0 else { return try gathered([], shape: result) }
    let strides = value.strides
    let tables = (0..<rank).map { d -> [Int] in
      guard d == ax else { return (0..<shape[d]).map { $0 * strides[d] } }
      var positions: [Int] = []
      positions.reserveCapacity(length)
      for j in 0..<n {
        for _ in 0..<repeats[repeats.count == 1 ? 0 : j] { positions.append(j * strides[d]) }
      }
      return positions
    }
    return try gathered(IndexPlan.sums(of: tables), shape: result)
  }

  /// NumPy `pad(x, widths, constant_values: value)`: `widths[i]` = (before, after) entries of
  /// `value` added along axis i. The padding value may be a tracked scalar: its gradient is the
  /// sum of the cotangent over the padded entries.
  public func pad(_ widths: [(Int, Int)], value fill: Variable) throws -> Variable {
    let op = "pad"
    guard widths.count == rank else {
      throw ShapeError(
        operation: op, shapes: [shape], rule: "needs one (before, after) pair per axis: \(rank), got \(widths.count)")
    }
    guard fill.value.count == 1 else {
      throw ShapeError(operation: op, shapes: [shape, fill.shape], rule: "the padding value must be one number")
    }
    var result: [Int] = []
    for (d, (before, after)) in widths.enumerated() {
      guard before >= 0, after >= 0 else {
        throw ShapeError(
          operation: op, shapes: [shape], rule: "pad widths must be ≥ 0, got (\(before), \(after)) for axis \(d)")
      }
      let (s, o1) = shape[d].addingReportingOverflow(before)
      let (t, o2) = s.addingReportingOverflow(after)
      guard !o1, !o2 else {
        throw ShapeError(operation: op, shapes: [shape], rule: "pad widths too large for axis \(d)")
      }
      result.append(t)
    }
    try Tensor.checkSize(result, operation: op)
    let count = value.count
    // The source: x's elements, then the padding value at offset `count`.
    let source = try Variable.concat([flattened(), fill.reshaped([1])], axis: 0)
    guard let total = Tensor.elementCount(result), total > 0 else { return try source.gathered([], shape: result) }
    let strides = value.strides
    // -1 marks a padded position along an axis; a padded position on any axis reads the value.
    var offsets = [0]
    for d in 0..<rank {
      let (before, size, step) = (widths[d].0, shape[d], strides[d])
      let table = (0..<result[d]).map { i -> Int in
        let s = i - before
        return s >= 0 && s < size ? s * step : -1
      }
      var next: [Int] = []
      next.reserveCapacity(offsets.count * table.count)
      for o in offsets {
        for t in table { next.append(o < 0 || t < 0 ? -1 : o + t) }
      }
      offsets = next
    }
    return try source.gathered(offsets.map { $0 < 0 ? count : $0 }, shape: result)
  }

  /// `pad` with a constant padding value.
  public func pad(_ widths: [(Int, Int)], value fill: Double = 0) throws -> Variable {
    try pad(widths, value: .constant(fill))
  }

  // MARK: Splitting

  /// NumPy `split(x, cuts, axis)`: the pieces between the cut points, `x[:c0], x[c0:c1], …, x[cn:]`
  /// along `axis`, with Python's slice rules (negative cuts count from the end, cuts past the end
  /// give empty pieces).
  public func split(at cuts: [Int], axis: Int = 0) throws -> [Variable] {
    let op = "split"
    guard rank >= 1 else {
      throw ShapeError(operation: op, shapes: [shape], rule: "x is a scalar; it has no axis to split")
    }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    let n = shape[ax]
    let all = [IndexItem](repeating: .slice(start: nil, stop: nil, step: nil), count: ax)
    let points: [Int?] = [nil] + cuts.map { Optional($0) } + [nil]
    // Cuts out of order give overlapping pieces (as NumPy): their total size is bounded here.
    let perSlice = n == 0 ? 0 : value.count / n
    var total = 0
    for k in 0..<(points.count - 1) {
      let start = SelectionIndexing.clampedCut(points[k], n, default: 0)
      let stop = SelectionIndexing.clampedCut(points[k + 1], n, default: n)
      let (size, o1) = Swift.max(stop - start, 0).multipliedReportingOverflow(by: perSlice)
      let (sum, o2) = total.addingReportingOverflow(size)
      guard !o1, !o2, sum <= Tensor.maximumElements else {
        throw ShapeError(
          operation: op, shapes: [shape],
          rule: "the pieces would hold more than \(Tensor.maximumElements) elements in all")
      }
      total = sum
    }
    var pieces: [Variable] = []
    for k in 0..<(points.count - 1) {
      let start = SelectionIndexing.clampedCut(points[k], n, default: 0)
      let stop = SelectionIndexing.clampedCut(points[k + 1], n, default: n)
      pieces.append(try indexed(all + [.slice(start: start, stop: Swift.max(start, stop), step: 1)]))
    }
    return pieces
  }

  /// NumPy `split(x, sections, axis)`: `sections` equal pieces along `axis`.
  public func split(into sections: Int, axis: Int = 0) throws -> [Variable] {
    let op = "split"
    guard rank >= 1 else {
      throw ShapeError(operation: op, shapes: [shape], rule: "x is a scalar; it has no axis to split")
    }
    let ax = try Tensor.normalizeAxis(axis, rank: rank, operation: op)
    let n = shape[ax]
    // An empty axis splits into any number of empty pieces, within reason.
    guard sections > 0, sections <= (n == 0 ? 1 << 20 : n), n % Swift.max(sections, 1) == 0 else {
      throw ShapeError(
        operation: op, shapes: [shape],
        rule: "axis \(ax) of size \(n) does not split into \(sections) equal pieces (give cut points as a vector)")
    }
    let size = n / sections
    return try split(at: (1..<sections).map { $0 * size }, axis: ax)
  }

  // MARK: Helpers

  /// The elements at flat `offsets` of this value, in `shape`: one gather.
  func gathered(_ offsets: [Int], shape result: [Int]) throws -> Variable {
    try Primitive.gather(IndexPlan(unchecked: offsets, shape: result, sourceShape: shape)).apply(self)
  }

}

/// The index arithmetic of the selection operations.
enum SelectionIndexing {
  /// A Python slice bound resolved against a size n: negative counts from the end, then clamped to
  /// 0...n (without overflow: a negative bound is at least Int.min, and adding n ≥ 0 stays in range).
  static func clampedCut(_ bound: Int?, _ n: Int, default value: Int) -> Int {
    guard let bound else { return value }
    let r = bound < 0 ? bound + n : bound
    return Swift.min(Swift.max(r, 0), n)
  }

  /// Distinct axes resolved against `shape`, in the order given.
  static func resolvedAxes(_ axes: [Int], _ shape: [Int], _ op: String) throws -> [Int] {
    var out: [Int] = []
    for axis in axes {
      let a = try Tensor.normalizeAxis(axis, rank: shape.count, operation: op)
      guard !out.contains(a) else {
        throw ShapeError(operation: op, shapes: [shape], rule: "axis \(axis) is repeated")
      }
      out.append(a)
    }
    return out
  }

  /// A number as messages show it: whole numbers without a decimal point.
  static func describeNumber(_ v: Double) -> String {
    if v.isFinite, v.rounded() == v, Swift.abs(v) < 1e15 { return String(Int(v)) }
    return String(v)
  }

  /// Indices given as numbers, each a whole number in −n..<n, resolved to 0..<n.
  static func resolvedIndices(_ t: Tensor, size n: Int, axis: Int?, _ op: String, _ shapes: [[Int]]) throws -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(t.count)
    let place = axis.map { "axis \($0) with size \(n)" } ?? "\(n) elements"
    for v in t.data {
      guard v.isFinite, v.rounded() == v else {
        throw ShapeError(
          operation: op, shapes: shapes, rule: "index \(SelectionIndexing.describeNumber(v)) is not a whole number")
      }
      guard let i = Int(exactly: v), i >= -n, i < n else {
        throw ShapeError(
          operation: op, shapes: shapes,
          rule: "index \(SelectionIndexing.describeNumber(v)) is out of range for \(place)")
      }
      out.append(i < 0 ? i + n : i)
    }
    return out
  }

  /// `source(index)` for every multi-index of `shape`, row-major. The caller has checked the size.
  static func offsetsByIndex(_ shape: [Int], _ source: ([Int]) -> Int) -> [Int] {
    guard let count = Tensor.elementCount(shape), count > 0 else { return [] }
    var out: [Int] = []
    out.reserveCapacity(count)
    var index = [Int](repeating: 0, count: shape.count)
    for _ in 0..<count {
      out.append(source(index))
      var a = shape.count - 1
      while a >= 0 {
        index[a] += 1
        if index[a] < shape[a] { break }
        index[a] = 0
        a -= 1
      }
    }
    return out
  }
}
