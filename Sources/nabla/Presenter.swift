import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// `nabla run --step`: a notebook presented one statement per key press, for a class.
/// Space or Enter evaluates the next statement, `b` goes back one, `p` toggles
/// predict-then-reveal (the statement shows first, its output on the next key), `:` opens a
/// prompt in the same session, `q` quits. Works with piped keys too (for tests).
struct Presenter {
  let replay: NotebookReplay
  let color: Bool
  let interactive = isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0

  /// Statement cells in order, each with the prose just above it as its heading.
  var steps: [(cell: Int, heading: [String])] {
    var result: [(Int, [String])] = []
    var heading: [String] = []
    for (index, cell) in replay.notebook.cells.enumerated() {
      switch cell {
      case .prose(let range):
        heading = replay.notebook.lines[range].compactMap { line in
          let t = TranscriptStyle(color: false).prose(line)
          return line.hasPrefix(Notebook.outputPrefix) ? nil : t
        }
        while heading.first?.isEmpty == true { heading.removeFirst() }
        while heading.last?.isEmpty == true { heading.removeLast() }
      case .statement:
        result.append((index, heading))
        heading = []
      }
    }
    return result
  }

  func present() {
    let steps = self.steps
    var outputs: [Int: [String]] = [:]
    var position = -1
    var predict = false
    var terminal = RawTerminal(enabled: interactive)
    defer { terminal.restore() }
    show(
      banner:
        "\(steps.count) statements — space/enter: next · b: back · p: predict-then-reveal · ':' try a statement · q: quit"
    )
    while true {
      guard let key = terminal.readKey() else { return }
      switch key {
      case "q", "\u{04}":
        return
      case "p":
        predict.toggle()
        show(
          banner: predict
            ? "predict-then-reveal on: a statement first, its output on the next key" : "predict-then-reveal off")
      case "b":
        guard position > 0 else { continue }
        position -= 1
        display(steps[position], number: position + 1, of: steps.count, output: outputs[position])
      case ":":
        terminal.restore()
        print("try> ", terminator: "")
        fflush(nil)
        if let line = readLine(), !line.trimmingCharactersIsEmpty { replay.session.run(line) }
        terminal = RawTerminal(enabled: interactive)
        show(banner: "back to the presentation (step \(position + 1) of \(steps.count))")
      case " ", "\n", "\r":
        guard position + 1 < steps.count else {
          show(banner: "end of the notebook (b: back, q: quit)")
          continue
        }
        position += 1
        let step = steps[position]
        if outputs[position] == nil {
          if predict && showsSomething(step.cell) {
            display(step, number: position + 1, of: steps.count, output: nil)
            show(banner: "what will it print? (any key reveals)")
            guard terminal.readKey() != nil else { return }
          }
          outputs[position] = replay.run(cell: step.cell)?.shown ?? []
        }
        display(step, number: position + 1, of: steps.count, output: outputs[position])
      default:
        continue
      }
    }
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

  /// `line` split between words into lines of at most `width` characters (a longer word stays whole).
  static func wrapped(_ line: String, width: Int) -> [String] {
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

  func show(banner: String) {
    print(color ? "\u{1B}[2m\(banner)\u{1B}[0m" : "── \(banner)")
    fflush(nil)
  }

  func display(_ step: (cell: Int, heading: [String]), number: Int, of total: Int, output: [String]?) {
    if interactive { print("\u{1B}[2J\u{1B}[H", terminator: "") }
    print(color ? "\u{1B}[2m[\(number)/\(total)]\u{1B}[0m" : "── [\(number)/\(total)]")
    // Prose breaks between words at the terminal's edge, not mid-word as the terminal would.
    let width = interactive ? Terminal.width : Int.max
    for line in step.heading.flatMap({ Self.wrapped($0, width: width) }) {
      print(color ? "\u{1B}[1;36m\(line)\u{1B}[0m" : line)
    }
    if !step.heading.isEmpty { print("") }
    if case .statement(let code, _) = replay.notebook.cells[step.cell] {
      for (k, line) in replay.notebook.lines[code].enumerated() {
        print(TranscriptStyle(color: color).statement(line, first: k == 0))
      }
    }
    if let output {
      for line in output { print(line) }
    }
    print("")
    fflush(nil)
  }
}

/// The terminal in raw mode (one key at a time, no echo) while presenting; plain reads when
/// input is piped.
struct RawTerminal {
  var saved = termios()
  var active = false

  init(enabled: Bool) {
    guard enabled, tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
    withUnsafeMutableBytes(of: &raw.c_cc) { cc in
      cc[Int(VMIN)] = 1
      cc[Int(VTIME)] = 0
    }
    active = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0
  }

  mutating func restore() {
    if active {
      tcsetattr(STDIN_FILENO, TCSANOW, &saved)
      active = false
    }
  }

  /// The next key, or nil at the end of input.
  func readKey() -> Character? {
    var byte: UInt8 = 0
    while true {
      let n = read(STDIN_FILENO, &byte, 1)
      if n == 1 { return Character(Unicode.Scalar(byte)) }
      if n == 0 { return nil }
      if errno != EINTR { return nil }
    }
  }
}
