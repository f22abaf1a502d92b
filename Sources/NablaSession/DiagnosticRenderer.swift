import NablaLanguage

/// Shows an error the same way everywhere (REPL, `-e`, notebooks): the message, the line with
/// a caret under the offending range, and the notes and suggestion.
public struct DiagnosticRenderer {
  public var color: Bool

  public init(color: Bool) {
    self.color = color
  }

  func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

  /// - Parameter lineOffset: added to line numbers, for text that started on a later line of a file.
  public func render(_ d: Diagnostic, source: SourceText, lineOffset: Int = 0) -> String {
    var lines = [paint("error:", "1;31") + " " + d.message]
    if let range = d.range {
      let lineNumber = range.start.line
      lines[0] += " (line \(lineNumber + lineOffset), column \(range.start.column))"
      let text = source.line(lineNumber)
      if !text.isEmpty {
        let gutter = String(lineNumber + lineOffset)
        let blank = String(repeating: " ", count: gutter.count)
        lines.append("\(gutter) | \(text)")
        let length = range.end.line == range.start.line ? Swift.max(1, range.end.column - range.start.column) : 1
        let leading = String(text.unicodeScalars.prefix(range.start.column - 1).map { $0 == "\t" ? "\t" : " " })
        lines.append(
          "\(blank) | " + leading + paint("^" + String(repeating: "~", count: Swift.max(0, length - 1)), "1;31"))
      }
    }
    if let s = d.suggestion { lines.append("did you mean \(s)?") }
    lines.append(contentsOf: d.notes)
    return lines.joined(separator: "\n")
  }
}
