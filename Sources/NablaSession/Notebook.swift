import NablaLanguage

/// A `.nabla` notebook: prose comments, statements, and below each statement the output it
/// recorded on `#> ` lines. The model keeps every line as it was, so `--update` can replace the
/// recorded outputs and leave every other byte alone.
public struct Notebook {
  public enum Cell: Equatable {
    /// Comment and blank lines (indices into `lines`).
    case prose(Range<Int>)
    /// A statement's source lines and the `#> ` lines recorded below it.
    case statement(code: Range<Int>, output: Range<Int>)
  }

  public let lines: [String]
  public let cells: [Cell]
  /// Each line's bytes as they are in the file, and the line ending after it ("\n", "\r\n", or
  /// nothing at the end): `--update` writes these back, so a BOM, mixed line endings, a lone CR
  /// and bytes that are not UTF-8 all survive.
  let rawLines: [ArraySlice<UInt8>]
  let endings: [ArraySlice<UInt8>]

  public static let outputPrefix = "#>"

  /// Whether the file ended with a newline.
  public var endsWithNewline: Bool { !(endings.last?.isEmpty ?? true) }

  /// Whether the file's lines end with CRLF (the ending given to output lines it did not have).
  public var usesCRLF: Bool { endings.contains { $0.count == 2 } }

  public init(text: String) { self.init(bytes: Array(text.utf8)) }

  public init(bytes: [UInt8]) {
    var rawLines: [ArraySlice<UInt8>] = []
    var endings: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
      let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      var contentEnd = newline
      if newline < bytes.count, contentEnd > start, bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
      rawLines.append(bytes[start..<contentEnd])
      endings.append(bytes[contentEnd..<Swift.min(newline + 1, bytes.count)])
      start = newline + 1
    }
    self.rawLines = rawLines
    self.endings = endings
    // Parsed as text: invalid UTF-8 shows as U+FFFD (in prose, where it changes nothing), and
    // a byte-order mark at the start is not part of the first line.
    var lines = rawLines.map { String(decoding: $0, as: UTF8.self) }
    if let first = lines.first, first.unicodeScalars.first == "\u{FEFF}" {
      lines[0] = String(String.UnicodeScalarView(first.unicodeScalars.dropFirst()))
    }
    self.lines = lines
    var cells: [Cell] = []
    var i = 0
    func isOutput(_ k: Int) -> Bool { k < lines.count && Notebook.isOutputLine(lines[k]) }
    func isProse(_ k: Int) -> Bool {
      let t = lines[k].trimmingSpaces()
      return t.isEmpty || (t.hasPrefix("#") && !Notebook.isOutputLine(lines[k]))
    }
    while i < lines.count {
      if isProse(i) || isOutput(i) {
        // Stray output lines with no statement above are kept with the prose.
        let start = i
        while i < lines.count && (isProse(i) || isOutput(i)) { i += 1 }
        cells.append(.prose(start..<i))
        continue
      }
      // A statement: lines until it parses (or the input runs out).
      let start = i
      var code = lines[i]
      i += 1
      while i < lines.count && !isOutput(i) && Notebook.isIncomplete(code) {
        code += "\n" + lines[i]
        i += 1
      }
      let outputStart = i
      while isOutput(i) { i += 1 }
      cells.append(.statement(code: start..<outputStart, output: outputStart..<i))
    }
    self.cells = cells
  }

  static func isOutputLine(_ line: String) -> Bool {
    line == outputPrefix || line.hasPrefix(outputPrefix + " ")
  }

  static func isIncomplete(_ code: String) -> Bool {
    do {
      _ = try Parser.parse(code)
      return false
    } catch {
      return error.isIncomplete
    }
  }

  /// The text of a cell's code lines.
  public func code(_ range: Range<Int>) -> String { lines[range].joined(separator: "\n") }

  /// The recorded output lines, without their `#> ` prefix.
  public func recorded(_ range: Range<Int>) -> [String] {
    lines[range].map { $0 == Notebook.outputPrefix ? "" : String($0.dropFirst(Notebook.outputPrefix.count + 1)) }
  }

  /// Output lines as they are recorded in a notebook.
  public static func record(_ output: [String]) -> [String] {
    output.map { $0.isEmpty ? outputPrefix : outputPrefix + " " + $0 }
  }

  /// The notebook's bytes with each statement's recorded output replaced by
  /// `fresh[cellIndex]`; every other byte kept as it was (new output lines take the line
  /// ending of the statement above them).
  public func updated(with fresh: [Int: [String]]) -> [UInt8] {
    var out: [UInt8] = []
    let defaultEnding: [UInt8] = usesCRLF ? [13, 10] : [10]
    for (k, cell) in cells.enumerated() {
      switch cell {
      case .prose(let r):
        for i in r { out.append(contentsOf: rawLines[i] + endings[i]) }
      case .statement(let code, let output):
        for i in code { out.append(contentsOf: rawLines[i] + endings[i]) }
        guard let new = fresh[k] else {
          for i in output { out.append(contentsOf: rawLines[i] + endings[i]) }
          continue
        }
        let last = code.upperBound - 1
        let ending = endings[last].isEmpty ? defaultEnding : Array(endings[last])
        // The file's last line has no ending: one goes before new output, none after it.
        let atEnd = output.isEmpty ? endings[last].isEmpty : endings[output.upperBound - 1].isEmpty
        if endings[last].isEmpty && !new.isEmpty { out.append(contentsOf: ending) }
        for (n, recorded) in Notebook.record(new).enumerated() {
          out.append(contentsOf: Array(recorded.utf8))
          if !(atEnd && n == new.count - 1) { out.append(contentsOf: ending) }
        }
      }
    }
    return out
  }
}

/// Whether a fresh output matches a recorded one: text equal, numbers equal to the precision
/// they were printed with (so a last digit that rounds the other way is not a difference).
public enum OutputComparison {
  public static func matches(_ recorded: [String], _ fresh: [String]) -> Bool {
    guard recorded.count == fresh.count else { return false }
    return zip(recorded, fresh).allSatisfy { lineMatches($0, $1) }
  }

  public static func lineMatches(_ a: String, _ b: String) -> Bool {
    if a == b { return true }
    // `:time`'s report differs on every run; that it is there is what a notebook records.
    if a.hasPrefix("time: ") && b.hasPrefix("time: ") { return true }
    let ta = a.split(whereSeparator: { $0 == " " || $0 == "[" || $0 == "]" || $0 == "," })
    let tb = b.split(whereSeparator: { $0 == " " || $0 == "[" || $0 == "]" || $0 == "," })
    guard ta.count == tb.count else { return false }
    for (x, y) in zip(ta, tb) where x != y {
      guard let u = Double(x), let v = Double(y) else { return false }
      // Round-off-sized numbers (gradcheck's errors, residues) differ between machines.
      if abs(u) < 1e-9 && abs(v) < 1e-9 { continue }
      // Each printed number is within half a unit of its last digit of the value it shows
      // (a whole number printed without decimals is exact), so two prints of one value differ
      // by at most the sum: "0.2312" against "0.2313" passes, "0.24" or "7.4" against 7 fails.
      let tolerance = (roundingError(String(x)) + roundingError(String(y))) * 1.0001
      if abs(u - v) > tolerance { return false }
    }
    return true
  }

  /// How far a printed number may be from the value it shows: half a unit in its last digit,
  /// or 0 for a whole number printed without a decimal point or exponent.
  static func roundingError(_ text: String) -> Double {
    if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return 0 }
    return unit(text) / 2
  }

  /// The value of one unit in the last printed digit of a number written as text.
  static func unit(_ text: String) -> Double {
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      mantissa = text[..<e]
      exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    let decimals = mantissa.firstIndex(of: ".").map { mantissa.distance(from: $0, to: mantissa.endIndex) - 1 } ?? 0
    return NumberStyle.power10(exponent - decimals)
  }
}
