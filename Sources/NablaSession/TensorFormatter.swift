import NablaTensor

/// Writes tensors for people: scalars bare, vectors on one line, higher ranks under a shape
/// header with aligned columns, large tensors elided NumPy-style.
public struct TensorFormatter {
  public var precision: Int
  /// Tensors with more elements than this show the first and last three entries per axis.
  public var elisionThreshold = 1000
  static let edge = 3

  public init(precision: Int = 4) {
    self.precision = precision
  }

  /// - Parameter scale: the magnitude of what `t` was computed from (`RoundOffScale`), so
  ///   round-off relative to it prints as 0.
  /// - Parameter width: the line width to fit: columns close up to one space when that fits,
  ///   a long vector continues on the next lines, and a matrix still wider goes in column
  ///   blocks (`ColumnBlocks`), never cut inside a number.
  public func format(_ t: Tensor, scale: Double = 0, width lineWidth: Int = Int.max) -> String {
    let style = NumberStyle(for: t.data, precision: precision, scale: scale)
    if t.rank == 0 { return style.format(t.data.first ?? 0) }
    if t.count == 0 { return t.rank == 1 ? "[]" : Tensor.describe(t.shape) + " (empty)" }
    let elide = t.count > elisionThreshold
    let visible = t.shape.map { visibleIndices($0, elide: elide) }
    // One width for the whole tensor, from the entries shown.
    var width = 1
    let strides = t.strides
    forEachVisible(visible) { index in
      guard !index.contains(-1) else { return }
      let offset = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
      width = Swift.max(width, style.format(t.data[offset]).count)
    }
    func cell(_ index: [Int]) -> String {
      let offset = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
      return pad(style.format(t.data[offset]), width)
    }
    // NumPy's single space when two would not fit the line.
    let columns = visible[t.rank - 1].count
    let brackets = t.rank == 1 ? 2 : 0
    let separator = columns * width + (columns - 1) * 2 + brackets > lineWidth ? " " : "  "
    if t.rank == 1 {
      let cells = visible[0].map { $0 < 0 ? pad("…", width) : cell([$0]) }
      let perLine = Swift.max(1, (lineWidth - brackets + separator.count) / (width + separator.count))
      guard cells.count > perLine else { return "[" + cells.joined(separator: separator) + "]" }
      // A vector wider than the line continues under its first entry, as NumPy wraps it.
      let lines = stride(from: 0, to: cells.count, by: perLine).map { start in
        cells[start..<Swift.min(start + perLine, cells.count)].joined(separator: separator)
      }
      return "[" + lines.joined(separator: "\n ") + "]"
    }
    var lines = [Tensor.describe(t.shape)]
    let leading = Array(visible.dropLast(2))
    var first = true
    forEachVisible(leading) { prefix in
      if t.rank > 2 {
        if !first { lines.append("") }
        if prefix.contains(-1) {
          lines.append("…")
          return
        }
        lines.append("[" + (prefix.map(String.init) + [":", ":"]).joined(separator: ", ") + "]")
      }
      first = false
      var rows: [String] = []
      for i in visible[t.rank - 2] {
        if i < 0 {
          rows.append(pad("⋮", width))
          continue
        }
        rows.append(row(visible[t.rank - 1], width: width, separator: separator) { cell(prefix + [i, $0]) })
      }
      // Each matrix's rows in column blocks of their own, headers left whole: the work stays
      // linear in what is printed, whatever the rank.
      if rows.first.map({ $0.count > lineWidth }) == true { rows = ColumnBlocks.blocks(rows, width: lineWidth) }
      lines.append(contentsOf: rows)
    }
    return lines.joined(separator: "\n")
  }

  func row(_ indices: [Int], width: Int, separator: String, _ cell: (Int) -> String) -> String {
    indices.map { $0 < 0 ? pad("…", width) : cell($0) }.joined(separator: separator)
  }

  /// 0..<n, or its first and last three with -1 marking the gap.
  func visibleIndices(_ n: Int, elide: Bool) -> [Int] {
    if !elide || n <= 2 * TensorFormatter.edge { return Array(0..<n) }
    return Array(0..<TensorFormatter.edge) + [-1] + Array((n - TensorFormatter.edge)..<n)
  }

  /// Calls `body` for each combination of visible indices; a -1 anywhere marks an elided block,
  /// reported once.
  func forEachVisible(_ axes: [[Int]], _ body: ([Int]) -> Void) {
    if axes.isEmpty {
      body([])
      return
    }
    if axes.contains(where: \.isEmpty) { return }
    // Only axes with more than one visible index move: a tensor with thousands of size-1 axes
    // costs what its entries cost, not entries × rank.
    let moving = axes.indices.filter { axes[$0].count > 1 }
    var index = axes.map { $0[0] }
    var counters = [Int](repeating: 0, count: axes.count)
    var gaps = index.filter { $0 == -1 }.count
    while true {
      if gaps <= 1 { body(index) }
      var k = moving.count - 1
      while k >= 0 {
        let axis = moving[k]
        if index[axis] == -1 { gaps -= 1 }
        counters[axis] += 1
        if counters[axis] < axes[axis].count {
          index[axis] = axes[axis][counters[axis]]
          if index[axis] == -1 { gaps += 1 }
          break
        }
        counters[axis] = 0
        index[axis] = axes[axis][0]
        if index[axis] == -1 { gaps += 1 }
        k -= 1
      }
      if k < 0 { return }
    }
  }

}

/// Right-aligns `s` in `width` characters.
func pad(_ s: String, _ width: Int) -> String {
  let n = s.count
  return n >= width ? s : String(repeating: " ", count: width - n) + s
}

/// Left-aligns `s` in `width` characters.
func padRight(_ s: String, _ width: Int) -> String {
  let n = s.count
  return n >= width ? s : s + String(repeating: " ", count: width - n)
}
