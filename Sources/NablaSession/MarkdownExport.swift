import NablaLanguage

/// A notebook as Markdown for a homework write-up, for pandoc (HTML, or PDF with pdflatex) and
/// GitHub: the title in a YAML header, prose escaped so it renders as written, statements in code
/// blocks with their text output as the notebook records it (`#>` lines: plots, notes, errors),
/// and values as LaTeX matrices, Jacobians and Hessians as labelled tables.
public enum MarkdownExport {
  /// Code and output lines longer than this are wrapped, so a PDF page (2 cm margins, code in
  /// \small) shows them whole.
  static let codeWidth = 96

  public static func render(_ notebook: Notebook, session: Session) -> String {
    let replay = NotebookReplay(notebook: notebook, session: session)
    let outline = NotebookOutline(notebook)
    var blocks: [String] = []
    // Statements and their text output gathered into one code block until a value shows as math.
    var code: [String] = []
    func flushCode() {
      if !code.isEmpty { blocks.append("```\n" + code.joined(separator: "\n") + "\n```") }
      code = []
    }
    var skippedTitle = false
    for (index, cell) in notebook.cells.enumerated() {
      switch cell {
      case .prose(let range):
        var lines = notebook.lines[range].filter { !Notebook.isOutputLine($0) }.map(TranscriptText.prose)
        // The title is in the header, not repeated as the first paragraph.
        if !skippedTitle, outline.title != nil, let first = lines.firstIndex(where: { !$0.isEmpty }) {
          lines.remove(at: first)
          skippedTitle = true
        }
        let prose = MarkdownProse.blocks(lines)
        if !prose.isEmpty {
          flushCode()
          blocks.append(contentsOf: prose)
        }
      case .statement(let range, _):
        skippedTitle = true
        var shown: [String] = []
        session.onResult = { value, presentation in shown.append(contentsOf: math(value, presentation, session)) }
        let outcome = replay.run(cell: index)
        session.onResult = nil
        code.append(contentsOf: notebook.lines[range].flatMap { wrappedStatement($0) })
        guard let outcome else { continue }
        if outcome.failed || shown.isEmpty {
          // Errors, printed text and anything without a math form, as the terminal shows it.
          code.append(contentsOf: Notebook.record(outcome.shown.flatMap { wrappedOutput($0) }))
          continue
        }
        // The value as math; the notes that came with it as text below it.
        flushCode()
        blocks.append(contentsOf: shown)
        for note in outcome.shown where note.hasPrefix("note: ") {
          blocks.append("*note:* " + MarkdownProse.escaped(String(note.dropFirst("note: ".count))))
        }
      }
    }
    flushCode()
    let body = blocks.joined(separator: "\n\n") + "\n"
    return header(title: outline.title, for: body) + "\n" + body
  }

  /// How a shown value reads in a write-up: Jacobian and Hessian tables as pipe tables with
  /// their labels, anything else with a LaTeX form as display math; nothing for text (a plot).
  static func math(_ value: Value, _ presentation: Presentation?, _ session: Session) -> [String] {
    let precision = session.options.precision
    switch (value, presentation) {
    case (.tensor(let v), let shown?):
      if let table = JacobianTable(v.value, presentation: shown, precision: precision) { return table.markdown() }
      return LaTeXFormatter(precision: precision).display(value, presentation: presentation).map { [$0] } ?? []
    case (.list(let items), .items(let shown)?) where items.count == shown.count:
      return zip(items, shown).flatMap { math($0, $1, session) }
    default:
      return LaTeXFormatter(precision: precision).display(value, presentation: presentation).map { [$0] } ?? []
    }
  }

  /// A statement line too long for the page, broken after commas (inside brackets, where nabla
  /// reads on to the next line), each continuation indented.
  static func wrappedStatement(_ line: String) -> [String] {
    guard line.count > codeWidth else { return [line] }
    var lines: [String] = []
    var current = ""
    var depth = 0
    for ch in line {
      current.append(ch)
      if "([{".contains(ch) { depth += 1 } else if ")]}".contains(ch) { depth -= 1 }
      if ch == ",", depth > 0, current.count > codeWidth * 2 / 3 {
        lines.append(current)
        current = "    "
      }
    }
    lines.append(current)
    return lines.map { $0.count > codeWidth + 8 ? wrappedOutput($0) : [$0] }.flatMap { $0 }
  }

  /// An output line too long for the page, broken between words.
  static func wrappedOutput(_ line: String) -> [String] {
    let parts = ColumnBlocks.words(line, width: codeWidth)
    return [parts[0]] + parts.dropFirst().map { "  " + $0 }
  }

  /// The YAML header: the title, page margins that fit the code, code in \small, and a LaTeX
  /// definition for every character outside ASCII the document uses (pdflatex needs them;
  /// HTML ignores them).
  static func header(title: String?, for body: String) -> String {
    var lines = ["---"]
    if let title {
      // A YAML string, read by pandoc as Markdown: escaped for both.
      let yaml = MarkdownProse.escaped(title).map { $0 == "\\" || $0 == "\"" ? "\\" + String($0) : String($0) }
        .joined()
      lines.append("title: \"\(yaml)\"")
    }
    lines.append("geometry: margin=2cm")
    lines.append("header-includes:")
    lines.append("  - |")
    lines.append("    ```{=latex}")
    lines.append("    \\makeatletter\\g@addto@macro\\@verbatim{\\small}\\makeatother")
    for declaration in LaTeXUnicode.declarations(for: (title ?? "") + body) { lines.append("    " + declaration) }
    lines.append("    ```")
    lines.append("---")
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Comment lines as prose text.
public enum TranscriptText {
  public static func prose(_ line: String) -> String {
    var text = Substring(line.trimmingSpaces())
    if text.hasPrefix("#") { text = text.dropFirst() }
    if text.hasPrefix(" ") { text = text.dropFirst() }
    return String(text)
  }
}
