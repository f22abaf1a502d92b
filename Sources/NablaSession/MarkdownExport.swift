import NablaLanguage

/// A notebook as Markdown for a homework write-up: prose as text, statements as code, and
/// tensors, gradients and Jacobian tables as LaTeX `bmatrix` blocks.
public enum MarkdownExport {
  public static func render(_ notebook: Notebook, session: Session) -> String {
    let replay = NotebookReplay(notebook: notebook, session: session)
    let latex = LaTeXFormatter(precision: session.options.precision)
    var blocks: [String] = []
    var paragraph: [String] = []
    func flushParagraph() {
      if !paragraph.isEmpty { blocks.append(paragraph.joined(separator: "\n")) }
      paragraph = []
    }
    for (index, cell) in notebook.cells.enumerated() {
      switch cell {
      case .prose(let range):
        for line in notebook.lines[range] {
          if line.hasPrefix(Notebook.outputPrefix) { continue }
          let text = TranscriptText.prose(line)
          if text.isEmpty { flushParagraph() } else { paragraph.append(text) }
        }
        flushParagraph()
      case .statement(let code, _):
        flushParagraph()
        blocks.append("```\n" + notebook.code(code) + "\n```")
        var values: [String] = []
        session.onResult = { value, presentation in
          if let math = latex.display(value, presentation: presentation) { values.append(math) }
        }
        let outcome = replay.run(cell: index)
        session.onResult = nil
        if let outcome, outcome.failed || values.isEmpty, !outcome.output.isEmpty {
          // Errors, printed text and anything without a LaTeX form, as the terminal shows it.
          blocks.append("```text\n" + outcome.output.joined(separator: "\n") + "\n```")
        }
        blocks.append(contentsOf: values)
      }
    }
    return blocks.joined(separator: "\n\n") + "\n"
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
