/// A notebook's prose as Markdown that renders as the author wrote it, in pandoc and on GitHub.
///
/// Prose in a notebook is plain text: `p*`, `2*3*4`, `x_1`, `<item>`, `|x|` and `e^x` mean
/// themselves, so every character Markdown would read as markup is escaped. Line breaks are kept
/// where they carry meaning: list items (`- `, `* `, `1. `) each start a line, an indented line
/// (a formula set out on its own) keeps its line and indentation, and a `## ` line becomes a
/// heading. Balanced backticks stay code spans, as the author meant them.
public enum MarkdownProse {
  /// Characters that are markup somewhere in pandoc's or CommonMark's Markdown.
  static let special: Set<Character> = [
    "\\", "*", "_", "<", ">", "|", "[", "]", "$", "^", "~", "@", "&", "#", "`", "{", "}",
  ]

  /// One line of prose with every markup character escaped (code spans kept when balanced).
  /// Quotes, `--` and `...` are escaped too: pandoc's smart punctuation would make `f'(x)` a
  /// closing quote and `--check` an en dash.
  public static func escaped(_ text: String) -> String {
    let characters = Array(text)
    let keepCode = characters.filter { $0 == "`" }.count % 2 == 0
    var out = ""
    var inCode = false
    for (k, ch) in characters.enumerated() {
      let neighbours = (k > 0 ? characters[k - 1] : " ", k + 1 < characters.count ? characters[k + 1] : " ")
      let smart =
        ch == "'" || ch == "\"" || (ch == "-" && (neighbours.0 == "-" || neighbours.1 == "-"))
        || (ch == "." && (neighbours.0 == "." || neighbours.1 == "."))
      if ch == "`" && keepCode {
        inCode.toggle()
        out.append(ch)
      } else if inCode {
        out.append(ch)
      } else if special.contains(ch) || smart {
        out += "\\" + String(ch)
      } else {
        out.append(ch)
      }
    }
    return out
  }

  /// Whether a prose line is a list item, and its marker's length (`- `, `* `, `+ `, `12. `, `3) `).
  static func listMarker(_ line: Substring) -> Int? {
    if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " { return 2 }
    let digits = line.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, digits.count <= 9 else { return nil }
    let rest = line.dropFirst(digits.count)
    guard let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " else { return nil }
    return digits.count + 2
  }

  /// Prose lines (comment text without `#`) as Markdown blocks: paragraphs, lists, headings.
  public static func blocks(_ lines: [String]) -> [String] {
    var blocks: [String] = []
    // Each line of the paragraph being gathered, and whether a hard break follows it.
    var paragraph: [(text: String, breakAfter: Bool)] = []
    var inList = false
    func flush() {
      if !paragraph.isEmpty {
        blocks.append(
          paragraph.enumerated().map { k, line in
            line.text + (line.breakAfter && k < paragraph.count - 1 ? "\\" : "")
          }.joined(separator: "\n"))
      }
      paragraph = []
      inList = false
    }
    for line in lines {
      if line.allSatisfy({ $0 == " " }) {
        flush()
        continue
      }
      if let heading = NotebookOutline.sectionHeading(line) {
        flush()
        blocks.append("## " + escaped(heading))
        continue
      }
      let indent = line.prefix { $0 == " " }.count
      let body = line.dropFirst(indent)
      if let marker = listMarker(body) {
        // A list needs a blank line before it; its items are one per line.
        if !inList { flush() }
        inList = true
        paragraph.append(
          (
            String(repeating: " ", count: indent) + body.prefix(marker) + escapedLineStart(body.dropFirst(marker)),
            false
          ))
      } else if indent > 0 && !inList {
        // A line set out on its own (a formula): hard breaks around it, and its indentation
        // kept with no-break spaces, which Markdown does not strip.
        if !paragraph.isEmpty { paragraph[paragraph.count - 1].breakAfter = true }
        paragraph.append((String(repeating: "\u{00A0}", count: indent) + escapedLineStart(body), true))
      } else {
        paragraph.append(((inList ? "  " : "") + escapedLineStart(body), false))
      }
    }
    flush()
    return blocks
  }

  /// `escaped`, and what only a line's start makes markup: a setext underline or thematic
  /// break (`---`, `===`, `+++`), a definition (`:`).
  static func escapedLineStart(_ text: Substring) -> String {
    let result = escaped(String(text))
    guard let first = result.first, "-=+:".contains(first) else { return result }
    return "\\" + result
  }
}
