/// Wide tables cut into column blocks that fit a width, as NumPy and Julia print wide arrays:
/// each block keeps the row labels, and a cut only falls where every line has a space, so no
/// number or label is ever split.
public enum ColumnBlocks {
  /// `lines` with every run of two or more lines that is wider than `width` cut into blocks
  /// separated by a blank line; a single long line is broken between words.
  public static func wrap(_ lines: [String], width: Int) -> [String] {
    let width = max(width, 8)
    var result: [String] = []
    var run: [String] = []
    func flush() {
      if run.count >= 2, run.contains(where: { $0.count > width }) {
        result.append(contentsOf: blocks(run, width: width))
      } else {
        for line in run { result.append(contentsOf: words(line, width: width)) }
      }
      run = []
    }
    for line in lines {
      if line.allSatisfy({ $0 == " " }) {
        flush()
        result.append(line)
      } else {
        run.append(line)
      }
    }
    flush()
    return result
  }

  /// `line` broken between words into lines of at most `width` characters (a longer word stays
  /// whole).
  public static func words(_ line: String, width: Int) -> [String] {
    guard line.count > width else { return [line] }
    var lines: [String] = []
    var current = ""
    for word in line.split(separator: " ", omittingEmptySubsequences: false) {
      if !current.isEmpty, current.count + 1 + word.count > width {
        lines.append(current)
        current = String(word)
      } else {
        current += (current.isEmpty ? "" : " ") + word
      }
    }
    lines.append(current)
    return lines
  }

  /// One table's lines as column blocks. Lines with fewer than three fields (a title such as
  /// `∂p/∂x` or `[3, 9]`) are shown once, above the first block.
  static func blocks(_ table: [String], width: Int) -> [String] {
    let isRow = table.map { $0.split(separator: " ").count >= 3 }
    let rows = zip(table, isRow).filter(\.1).map { Array($0.0) }
    let titles = zip(table, isRow).filter { !$0.1 }.map(\.0)
    let length = rows.map(\.count).max() ?? 0
    // A gap is a position where every line has a space (or has ended).
    let gap = (0..<length).map { c in rows.allSatisfy { c >= $0.count || $0[c] == " " } }
    // Row labels: the first column, when some line has a letter or bracket there (p[0], x[1]).
    var labelEnd = 0
    if let start = gap.firstIndex(of: false), let end = gap[start...].firstIndex(of: true) {
      let labelled = rows.contains { row in row[start..<min(end, row.count)].contains { $0.isLetter || $0 == "[" } }
      if labelled { labelEnd = end }
    }
    let room = max(width - (labelEnd > 0 ? labelEnd + 2 : 0), 1)
    var cuts: [Range<Int>] = []
    var start = labelEnd
    while start < length {
      // Past the spaces of the gap, then as far as fits, back to the last gap.
      while start < length && gap[start] { start += 1 }
      guard start < length else { break }
      var end = min(start + room, length)
      if end < length, !gap[end] {
        if let last = gap[start..<end].lastIndex(of: true), last > start { end = last }
      }
      cuts.append(start..<end)
      start = end
    }
    var out = titles
    // Without row labels the blocks say which columns they hold (0-based, as indices are).
    var firstColumn = 0
    for (k, cut) in cuts.enumerated() {
      if k > 0 { out.append("") }
      if labelEnd == 0, let sample = rows.first {
        let fields = String(sample[Swift.min(cut.lowerBound, sample.count)..<Swift.min(cut.upperBound, sample.count)])
          .split(separator: " ").count
        out.append(fields == 1 ? "column \(firstColumn)" : "columns \(firstColumn)–\(firstColumn + fields - 1)")
        firstColumn += fields
      }
      for row in rows {
        let label = String(row[0..<min(labelEnd, row.count)])
        let part = cut.lowerBound < row.count ? String(row[cut.lowerBound..<min(cut.upperBound, row.count)]) : ""
        // Two spaces between the labels and the first column of every block.
        let line = labelEnd > 0 ? label + "  " + part : part
        out.append(String(line.reversed().drop(while: { $0 == " " }).reversed()))
      }
    }
    return out
  }
}
