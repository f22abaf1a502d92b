import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// `nabla run --step`: a notebook presented one statement per key press, for a class.
///
/// What is on the screen is what the session holds: the session is snapshotted before each
/// statement, and going back restores the snapshot, so a statement tried at `:` sees the values
/// the screen shows. Going forward runs the next statement afresh, and an output that differs
/// from the notebook's recording (because something tried at `:` changed a variable) is marked.
/// Works with piped keys too (for tests): no screen clearing, no paging.
final class Presenter {
  let replay: NotebookReplay
  let color: Bool
  let interactive = isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
  let outline: NotebookOutline
  /// The step on the screen (-1 before the first); the session holds the state after it.
  var position = -1
  /// The session's state just before each step ran.
  var before: [Int: SessionSnapshot] = [:]
  /// What each step showed when it last ran, and whether that differs from the recording.
  var shown: [Int: (output: [String], differs: Bool)] = [:]
  var predict = false
  var terminal: RawTerminal
  /// A key pressed while paging that is not "more": handled as a command next.
  var pendingKey: Character?

  init(replay: NotebookReplay, color: Bool) {
    self.replay = replay
    self.color = color
    outline = NotebookOutline(replay.notebook)
    terminal = RawTerminal(enabled: false)
  }

  var session: Session { replay.session }
  var steps: [NotebookOutline.Step] { outline.steps }
  /// Whether the notebook records outputs at all (one written without them marks nothing).
  var hasRecording: Bool { replay.notebook.lines.contains { $0.hasPrefix(Notebook.outputPrefix) } }

  static let keys = [
    "space, enter  next statement          b      back one (the session goes back too)",
    "g N enter     go to statement N       n, ]   next section      N, [  previous section",
    "p             predict-then-reveal     :      try a statement (a block too)",
    "?             these keys              q      quit (Ctrl-C and Ctrl-D too)",
  ]

  func present() {
    terminal = RawTerminal(enabled: interactive)
    defer { terminal.restore() }
    banner(
      "\(outline.title.map { $0 + " — " } ?? "")\(outline.statementCount) statements · space: next · ?: keys · q: quit")
    while true {
      guard let key = pendingKey ?? terminal.readKey() else { return }
      pendingKey = nil
      switch key {
      case "q", "\u{04}", RawTerminal.interrupt:
        return
      case " ", "\n", "\r":
        guard position + 1 < steps.count else { continue }
        guard advance(showing: true) else { return }
      case "b":
        guard position > 0 else { continue }
        goBack(to: position - 1)
      case "g":
        goToTypedStatement()
      case "n", "]":
        jumpSection(forward: true)
      case "N", "[":
        jumpSection(forward: false)
      case "p":
        predict.toggle()
        banner(
          predict ? "predict-then-reveal on: a statement first, its output on the next key" : "predict-then-reveal off")
      case "?":
        for line in Self.keys { print(line) }
        fflush(nil)
      case ":":
        tryStatement()
      default:
        continue
      }
    }
  }

  // MARK: Moving

  /// Runs the step after the one on the screen; false when the input ended while it waited.
  func advance(showing: Bool) -> Bool {
    let k = position + 1
    before[k] = session.snapshot()
    if let cell = steps[k].cell {
      if showing && predict && showsSomething(cell) {
        display(k, output: nil)
        banner("what will it print? (any key reveals)")
        guard let key = terminal.readKey(), key != RawTerminal.interrupt else { return false }
      } else if showing && interactive {
        // A long statement (a training run) has its statement on the screen while it runs.
        display(k, output: nil, paging: false)
      }
      if interactive {
        session.options.width = Terminal.width
        // A training run draws its curve live below the statement, then the page shows it.
        session.progress = showing ? { print($0) } : nil
      }
      defer { session.progress = nil }
      if let outcome = replay.run(cell: cell) {
        shown[k] = (outcome.shown, differs(cell: cell, fresh: outcome.output))
      }
    }
    position = k
    if showing { display(k, output: shown[k]) }
    return true
  }

  /// Shows step `k` with the session as it was just after it ran.
  func goBack(to k: Int) {
    guard k < position, let snapshot = before[k + 1] else { return }
    session.restore(snapshot)
    position = k
    display(k, output: shown[k])
  }

  /// Goes to step `target`: back by restoring, forward by running the steps between.
  func go(to target: Int) {
    let target = min(max(target, 0), steps.count - 1)
    if target < position {
      goBack(to: target)
    } else if target > position {
      if target > position + 1 { banner("running statements \(position + 2) to \(target)…") }
      while position + 1 < target { _ = advance(showing: false) }
      _ = advance(showing: true)
    } else {
      display(position, output: shown[position])
    }
  }

  /// `g`, a statement number, Enter.
  func goToTypedStatement() {
    if interactive {
      print("go to statement (1–\(outline.statementCount)): ", terminator: "")
      fflush(nil)
    }
    var digits = ""
    while let key = terminal.readKey() {
      if key.isNumber && key.isASCII {
        digits.append(key)
        if interactive {
          print(key, terminator: "")
          fflush(nil)
        }
      } else if key == "\n" || key == "\r" {
        if interactive { print("") }
        break
      } else if key == "\u{7F}" || key == "\u{08}" {
        if !digits.isEmpty {
          digits.removeLast()
          if interactive {
            print("\u{08} \u{08}", terminator: "")
            fflush(nil)
          }
        }
      } else {
        if interactive { print("") }
        return
      }
    }
    guard let n = Int(digits), n >= 1, n <= outline.statementCount else {
      banner("no statement \(digits) (1 to \(outline.statementCount))")
      return
    }
    // Statement n is the n-th step that is a statement.
    guard let target = steps.indices.filter({ steps[$0].cell != nil }).dropFirst(n - 1).first else { return }
    go(to: target)
  }

  /// The first step of the next section, or of this one (the previous one when already there).
  func jumpSection(forward: Bool) {
    guard !outline.sections.isEmpty else {
      banner("this notebook has no sections (## lines)")
      return
    }
    let current = position >= 0 ? steps[position].section : nil
    let starts = steps.indices.filter { k in
      steps[k].section != nil && (k == 0 || steps[k - 1].section != steps[k].section)
    }
    let target: Int?
    if forward {
      target = starts.first { k in position < 0 || (steps[k].section ?? -1) > (current ?? -1) }
    } else {
      target = starts.last { $0 < position }
    }
    guard let target else {
      banner(forward ? "no section after this one" : "no section before this one")
      return
    }
    go(to: target)
  }

  // MARK: Trying statements

  /// `:`: a statement (or a block over several lines) run in the session as it is now.
  func tryStatement() {
    terminal.restore()
    defer { terminal = RawTerminal(enabled: interactive) }
    var text = ""
    var prompt = "try> "
    while true {
      print(prompt, terminator: "")
      fflush(nil)
      guard let line = terminal.readLine() else {
        print("")
        banner("nothing run (back to the presentation)")
        return
      }
      text += (text.isEmpty ? "" : "\n") + line
      guard session.isIncomplete(text) else { break }
      prompt = "...  "
    }
    if !text.trimmingCharactersIsEmpty { session.run(text) }
    banner(
      "back to the presentation at statement \(statementNumber(position) ?? 0) of \(outline.statementCount) (space: next, b: back)"
    )
  }

  /// Whether a fresh output (as a notebook records it) differs from the notebook's recording.
  func differs(cell: Int, fresh: [String]) -> Bool {
    guard hasRecording, case .statement(_, let output) = replay.notebook.cells[cell] else { return false }
    return !OutputComparison.matches(replay.notebook.recorded(output), fresh)
  }

  /// Whether a statement prints a value: an assignment or a definition has nothing to predict.
  func showsSomething(_ cell: Int) -> Bool {
    guard case .statement(let code, _) = replay.notebook.cells[cell],
      let statements = try? Parser.parse(replay.notebook.code(code))
    else { return true }
    return statements.contains { statement in
      switch statement.kind {
      case .expression: return !statement.suppressed
      case .forLoop: return true
      default: return false
      }
    }
  }

  // MARK: The screen

  /// The 1-based number of the statement at step `k`, nil for the closing prose.
  func statementNumber(_ k: Int) -> Int? {
    guard k >= 0, steps[k].cell != nil else { return nil }
    return steps[...k].filter { $0.cell != nil }.count
  }

  /// The line at the top of every page: title, section, step and the key for help.
  /// The title and section are shortened (…) to keep it on one line of the screen.
  func statusLine(_ k: Int) -> String {
    let place = statementNumber(k).map { "[\($0)/\(outline.statementCount)]" } ?? "[end]"
    var names = [outline.title, steps[k].section.map { outline.sections[$0] }].compactMap { $0 }
    let room = (interactive ? Terminal.width : Int.max) - 4 - place.count - " · ? keys".count
    // The longer of title and section gives way first, a character at a time.
    while !names.isEmpty, names.map(\.count).reduce(0, +) + 3 * names.count > room {
      let longest = names.indices.max { names[$0].count < names[$1].count } ?? 0
      if names[longest].count <= 4 {
        names.remove(at: longest)
      } else {
        names[longest] = String(names[longest].dropLast(2)) + "…"
      }
    }
    return (names + [place, "? keys"]).joined(separator: " · ")
  }

  /// A line about the presentation itself, broken between words to fit the screen.
  func banner(_ text: String) {
    let lines = ColumnBlocks.words(color ? text : "── " + text, width: interactive ? Terminal.width : Int.max)
    for line in lines { print(color ? "\u{1B}[2m\(line)\u{1B}[0m" : line) }
    fflush(nil)
  }

  /// Step `k` as a page: its prose, its statement, and its output when given; paged when it
  /// is taller than the screen.
  func display(_ k: Int, output: (output: [String], differs: Bool)?, paging: Bool = true) {
    let width = interactive ? Terminal.width : Int.max
    var page: [String] = []
    for line in steps[k].prose {
      let heading = NotebookOutline.sectionHeading(line)
      for part in ColumnBlocks.words(heading ?? line, width: width) {
        page.append(color ? (heading != nil ? "\u{1B}[1;4;36m" : "\u{1B}[36m") + part + "\u{1B}[0m" : part)
      }
    }
    if let cell = steps[k].cell, case .statement(let code, _) = replay.notebook.cells[cell] {
      if !page.isEmpty { page.append("") }
      for (n, line) in replay.notebook.lines[code].enumerated() {
        page.append(TranscriptStyle(color: color).statement(line, first: n == 0))
      }
      if let output {
        // Already laid out for the screen's width by the session (tables in column blocks).
        page.append(contentsOf: output.output)
        if output.differs {
          let note = "(this output differs from the notebook's recording)"
          page.append(color ? "\u{1B}[2;33m\(note)\u{1B}[0m" : note)
        }
      }
    }
    if k == steps.count - 1 && (output != nil || steps[k].cell == nil) {
      page.append("")
      page.append(
        color ? "\u{1B}[2mend of the notebook (b: back, q: quit)\u{1B}[0m" : "── end of the notebook (b: back, q: quit)"
      )
    }
    show(page, status: statusLine(k), paging: paging)
  }

  /// A page under its status line; on a terminal, a screenful at a time (space for more), or
  /// only the first screenful when not `paging`.
  func show(_ page: [String], status: String, paging: Bool) {
    let head = color ? "\u{1B}[7m \(status) \u{1B}[0m" : "── \(status)"
    guard interactive else {
      print(head)
      for line in page { print(line) }
      print("")
      fflush(nil)
      return
    }
    let room = max(Terminal.height - 2, 3)
    var start = 0
    while true {
      print("\u{1B}[2J\u{1B}[H" + head)
      let end = min(start + room, page.count)
      for line in page[start..<end] { print(line) }
      guard end < page.count, paging else { break }
      print(color ? "\u{1B}[7m more: space \u{1B}[0m" : "── more: space", terminator: "")
      fflush(nil)
      guard let key = terminal.readKey() else { return }
      guard key == " " || key == "\n" || key == "\r" else {
        pendingKey = key
        print("")
        return
      }
      start = end
    }
    fflush(nil)
  }
}
