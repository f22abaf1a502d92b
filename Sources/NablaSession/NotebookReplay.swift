import NablaLanguage

/// Replays a notebook's statements in a session, capturing what each one prints.
public struct NotebookReplay {
  public struct Outcome {
    /// The output lines as a notebook records them (values, notes and errors, in order; laid
    /// out as `OutputLayout.notebook`), for `--check` and `--update`.
    public var output: [String]
    /// The same output as the session's layout shows it (ASCII plots with `--ascii`, the
    /// terminal's width when presenting).
    public var shown: [String]
    public var failed: Bool
  }

  public let notebook: Notebook
  public let session: Session

  public init(notebook: Notebook, session: Session) {
    self.notebook = notebook
    self.session = session
  }

  /// Runs the statement of cell `index` and returns its output. Errors are output too: the
  /// replay goes on, as in a notebook.
  /// - Parameter lineShift: added to the statement's line numbers (when outputs above it are
  ///   being rewritten, its line in the updated file).
  public func run(cell index: Int, lineShift: Int = 0) -> Outcome? {
    guard case .statement(let code, _) = notebook.cells[index] else { return nil }
    var captured: [String] = []
    let saved = (session.write, session.recording)
    session.recording = []
    session.write = { _, text in
      captured.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }
    defer { (session.write, session.recording) = saved }
    let status = session.run(notebook.code(code), firstLine: code.lowerBound + 1 + lineShift)
    return Outcome(output: session.recording ?? captured, shown: captured, failed: status != .ok)
  }

  /// Every statement in order: cell index → outcome.
  /// - Parameter updating: number lines as they will be once the fresh outputs replace the
  ///   recorded ones (for `--update`), so errors recorded in the notebook name their own lines.
  public func runAll(updating: Bool = false) -> [Int: Outcome] {
    var results: [Int: Outcome] = [:]
    var shift = 0
    for (index, cell) in notebook.cells.enumerated() {
      guard case .statement(_, let output) = cell, let outcome = run(cell: index, lineShift: updating ? shift : 0)
      else {
        continue
      }
      results[index] = outcome
      shift += outcome.output.count - output.count
    }
    return results
  }

  /// Differences between recorded and fresh outputs: (1-based line of the statement's first
  /// output line or of the statement, recorded, fresh).
  public func differences(_ results: [Int: Outcome]) -> [(line: Int, recorded: [String], fresh: [String])] {
    var found: [(Int, [String], [String])] = []
    for (index, cell) in notebook.cells.enumerated() {
      guard case .statement(let code, let output) = cell, let outcome = results[index] else { continue }
      let recorded = notebook.recorded(output)
      if !OutputComparison.matches(recorded, outcome.output) {
        found.append(
          (
            (output.isEmpty ? code.upperBound : output.lowerBound) + 1 - (output.isEmpty ? 1 : 0), recorded,
            outcome.output
          ))
      }
    }
    return found
  }
}
