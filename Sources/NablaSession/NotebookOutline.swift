/// A notebook as a presentation and a write-up read it: a title, sections, and steps (each
/// statement with the prose just above it, and the closing prose after the last statement).
///
/// Headings are prose lines: the notebook's first comment line is its title (`# The softmax
/// Jacobian`), and a comment starting `## ` opens a section (`## Training`).
public struct NotebookOutline {
  public struct Step {
    /// The statement's cell; nil for the prose after the last statement.
    public let cell: Int?
    /// The prose above it (comment text without `#`), blank lines at either end dropped.
    public let prose: [String]
    /// The section it is in (the latest `## ` heading up to it), by index into `sections`.
    public let section: Int?
  }

  public let title: String?
  public let sections: [String]
  public let steps: [Step]

  public init(_ notebook: Notebook) {
    var title: String? = nil
    var sections: [String] = []
    var steps: [Step] = []
    var prose: [String] = []
    for (index, cell) in notebook.cells.enumerated() {
      switch cell {
      case .prose(let range):
        for line in notebook.lines[range] where !Notebook.isOutputLine(line) {
          let text = TranscriptText.prose(line)
          if let heading = NotebookOutline.sectionHeading(text) {
            sections.append(heading)
          } else if index == 0, title == nil, !text.isEmpty, prose.allSatisfy(\.isEmpty) {
            title = text
          }
          prose.append(text)
        }
      case .statement:
        steps.append(Step(cell: index, prose: NotebookOutline.trimmed(prose), section: sections.indices.last))
        prose = []
      }
    }
    let closing = NotebookOutline.trimmed(prose)
    if !closing.isEmpty { steps.append(Step(cell: nil, prose: closing, section: sections.indices.last)) }
    self.title = title
    self.sections = sections
    self.steps = steps
  }

  /// How many steps are statements (the closing prose is not counted).
  public var statementCount: Int { steps.filter { $0.cell != nil }.count }

  /// The heading of a section line (`# Training` as prose, `## Training` in the file), or nil.
  public static func sectionHeading(_ prose: String) -> String? {
    guard prose.hasPrefix("# ") else { return nil }
    return String(prose.dropFirst(2)).trimmingSpaces()
  }

  static func trimmed(_ lines: [String]) -> [String] {
    var lines = lines[...]
    while lines.first?.isEmpty == true { lines.removeFirst() }
    while lines.last?.isEmpty == true { lines.removeLast() }
    return Array(lines)
  }
}
