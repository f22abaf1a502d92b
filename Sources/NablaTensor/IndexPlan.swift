/// One item between the brackets of `x[...]`.
public enum IndexItem: Sendable, Equatable {
  /// `x[2]`, `x[-1]`: removes the axis.
  case single(Int)
  /// `x[1:3]`, `x[::2]`, `x[:]`.
  case slice(start: Int?, stop: Int?, step: Int?)
  /// `x[[0, 2]]`: integer-array (advanced) indexing.
  case array([Int])
}

/// Which flat elements an indexing expression reads, and the shape they form (NumPy semantics).
///
/// Every indexing form lowers to a gather of flat offsets, so one differentiable primitive
/// (gather, with scatter-add as its adjoint) covers them all.
public struct IndexPlan: Sendable, Equatable {
  public let offsets: [Int]
  public let shape: [Int]
  /// The shape of the tensor the plan reads from.
  public let sourceShape: [Int]
  /// How many equal blocks the plan falls into, the j-th block of offsets reading only from the
  /// j-th equal part of the source (a max pool's plan, one block per image plane): its scatter
  /// then splits over the cores, each part writing only its own blocks. 1 claims nothing.
  public let blocks: Int

  /// A plan from offsets the caller has checked against the source shape, and, when `blocks`
  /// is more than 1, against that block structure (an offset outside its block is dropped by
  /// the scatter, as an offset outside the source is).
  public init(unchecked offsets: [Int], shape: [Int], sourceShape: [Int], blocks: Int = 1) {
    self.offsets = offsets
    self.shape = shape
    self.sourceShape = sourceShape
    let sourceCount = sourceShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
    let divides =
      blocks > 1 && blocks <= offsets.count && offsets.count % blocks == 0 && sourceCount > 0
      && sourceCount % blocks == 0
    self.blocks = divides ? blocks : 1
    assert(holdsBlocks(), "an index plan's offsets leave their blocks")
  }

  /// Whether every offset lies in its block's part of the source (checked in debug builds: a
  /// scatter drops an offset outside its block, which a gather still reads).
  public func holdsBlocks() -> Bool {
    guard blocks > 1 else { return true }
    let (perBlock, size) = (offsets.count / blocks, sourceShape.reduce(1, *) / blocks)
    return offsets.indices.allSatisfy { k in
      (k / perBlock) * size <= offsets[k] && offsets[k] < (k / perBlock + 1) * size
    }
  }

  private enum Selector {
    case fixed(Int)
    case range([Int])
    case advanced([Int])
  }

  public init(shape source: [Int], items: [IndexItem]) throws(ShapeError) {
    guard items.count <= source.count else {
      throw ShapeError(
        operation: "index", shapes: [source],
        rule: "\(items.count) indices for a tensor of rank \(source.count)")
    }
    let hasArray = items.contains { if case .array = $0 { return true } else { return false } }
    var selectors: [Selector] = []
    for (axis, size) in source.enumerated() {
      let item = axis < items.count ? items[axis] : .slice(start: nil, stop: nil, step: nil)
      switch item {
      case .single(let i):
        let r = try IndexPlan.resolve(i, axis: axis, size: size)
        selectors.append(hasArray ? .advanced([r]) : .fixed(r))
      case .array(let list):
        var resolved: [Int] = []
        resolved.reserveCapacity(list.count)
        for i in list { resolved.append(try IndexPlan.resolve(i, axis: axis, size: size)) }
        selectors.append(.advanced(resolved))
      case .slice(let start, let stop, let step):
        selectors.append(
          .range(try IndexPlan.slicePositions(start: start, stop: stop, step: step, size: size, axis: axis)))
      }
    }
    try Tensor.checkSize(source, operation: "index")
    let strides = Tensor.strides(for: source)
    // The advanced group: arrays broadcast against each other (length 1 stretches).
    let advancedAxes = selectors.indices.filter {
      if case .advanced = selectors[$0] { return true } else { return false }
    }
    var groupLength = 1
    for axis in advancedAxes {
      if case .advanced(let list) = selectors[axis], list.count != 1 {
        guard groupLength == 1 || groupLength == list.count else {
          throw ShapeError(
            operation: "index", shapes: [source],
            rule: "index arrays of lengths \(groupLength) and \(list.count) do not broadcast together")
        }
        groupLength = list.count
      }
    }
    var groupOffsets = [Int](repeating: 0, count: advancedAxes.isEmpty ? 0 : groupLength)
    for axis in advancedAxes {
      if case .advanced(let list) = selectors[axis] {
        for k in 0..<groupLength { groupOffsets[k] += list[list.count == 1 ? 0 : k] * strides[axis] }
      }
    }
    let contiguous: Bool = {
      guard let first = advancedAxes.first, let last = advancedAxes.last else { return true }
      return last - first + 1 == advancedAxes.count
    }()
    // Output axes, each a list of offset contributions.
    var dims: [[Int]] = []
    var base = 0
    var placedGroup = false
    if !advancedAxes.isEmpty && !contiguous {
      dims.append(groupOffsets)
      placedGroup = true
    }
    for (axis, selector) in selectors.enumerated() {
      switch selector {
      case .fixed(let i): base += i * strides[axis]
      case .range(let positions): dims.append(positions.map { $0 * strides[axis] })
      case .advanced:
        if !placedGroup {
          dims.append(groupOffsets)
          placedGroup = true
        }
      }
    }
    try Tensor.checkSize(dims.map(\.count), operation: "index")
    self.offsets = IndexPlan.sums(of: dims, base: base)
    self.shape = dims.map(\.count)
    self.sourceShape = source
    self.blocks = 1
  }

  /// base + one entry from each table, for every choice, row-major (the last table varies
  /// fastest): the flat offsets of a selection that is separable along its axes. The caller has
  /// checked that the result's size is within the element limit.
  public static func sums(of tables: [[Int]], base: Int = 0) -> [Int] {
    var offsets = [base]
    for table in tables {
      var next: [Int] = []
      next.reserveCapacity(offsets.count * table.count)
      for o in offsets { for t in table { next.append(o + t) } }
      offsets = next
    }
    return offsets
  }

  static func resolve(_ i: Int, axis: Int, size: Int) throws(ShapeError) -> Int {
    let r = i < 0 ? i + size : i
    guard r >= 0, r < size else {
      throw ShapeError(
        operation: "index", shapes: [],
        rule: "index \(i) is out of bounds for axis \(axis) with size \(size)")
    }
    return r
  }

  static func slicePositions(start: Int?, stop: Int?, step: Int?, size: Int, axis: Int) throws(ShapeError) -> [Int] {
    let step = step ?? 1
    guard step != 0 else {
      throw ShapeError(operation: "index", shapes: [], rule: "slice step cannot be zero (axis \(axis))")
    }
    func clamp(_ v: Int?, _ defaultValue: Int, low: Int, high: Int) -> Int {
      guard let v else { return defaultValue }
      let r = v < 0 ? v + size : v
      return Swift.min(Swift.max(r, low), high)
    }
    var positions: [Int] = []
    if step > 0 {
      var i = clamp(start, 0, low: 0, high: size)
      let end = clamp(stop, size, low: 0, high: size)
      while i < end {
        positions.append(i)
        i += step
      }
    } else {
      var i = clamp(start, size - 1, low: -1, high: size - 1)
      let end = clamp(stop, -1, low: -1, high: size - 1)
      while i > end {
        positions.append(i)
        i += step
      }
    }
    return positions
  }
}
