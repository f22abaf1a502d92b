import NablaLanguage

/// Shows an error the same way everywhere (REPL, `-e`, notebooks): the message, the line with
/// a caret under the offending range, and the notes and suggestion.
public struct DiagnosticRenderer {
  public var color: Bool

  public init(color: Bool) {
    self.color = color
  }

  /// A character as an error shows it: control and invisible format characters escaped
  /// (`\u{0}`), so the line is visible whole and nothing in it ends the output.
  static func visible(_ c: Unicode.Scalar) -> String {
    guard c != "\t", c.value < 0x20 || c.value == 0x7F || c.properties.generalCategory == .format else {
      return String(c)
    }
    return "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
  }

  func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

  /// - Parameter lineOffset: added to line numbers, for text that started on a later line of a file.
  public func render(_ d: Diagnostic, source: SourceText, lineOffset: Int = 0) -> String {
    var lines = [paint("error:", "1;31") + " " + d.message]
    if let range = d.range {
      let lineNumber = range.start.line
      lines[0] += " (line \(lineNumber + lineOffset), column \(range.start.column))"
      let text = Array(source.line(lineNumber).unicodeScalars)
      if !text.isEmpty {
        let gutter = String(lineNumber + lineOffset)
        let blank = String(repeating: " ", count: gutter.count)
        lines.append("\(gutter) | " + text.map(DiagnosticRenderer.visible).joined())
        // The caret sits under the range as shown: an escaped control character is wider.
        let before = text.prefix(range.start.column - 1)
        let leading = before.map {
          $0 == "\t" ? "\t" : String(repeating: " ", count: DiagnosticRenderer.visible($0).count)
        }
        let end = range.end.line == range.start.line ? range.end.column - 1 : range.start.column
        let covered = text[
          Swift.min(range.start.column - 1, text.count)..<Swift.min(Swift.max(end, range.start.column), text.count)]
        let length = Swift.max(1, covered.map { DiagnosticRenderer.visible($0).count }.reduce(0, +))
        lines.append(
          "\(blank) | " + leading.joined()
            + paint("^" + String(repeating: "~", count: Swift.max(0, length - 1)), "1;31"))
      }
    }
    if let s = d.suggestion { lines.append("did you mean \(s)?") }
    lines.append(contentsOf: d.notes)
    return lines.joined(separator: "\n")
  }
}
