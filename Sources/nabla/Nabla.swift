import ArgumentParser
import NablaLanguage
import NablaSession
import NablaTensor

#if canImport(Glibc)
  import Glibc
#endif

/// The `nabla` command: the REPL, `-e` statements, or statements piped on stdin.
@main
struct Nabla: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nabla",
    abstract: "A terminal notebook for tensor calculus.",
    usage: """
      nabla                                  start the REPL (statements from stdin when piped)
        nabla -e 'x = [1, 2]; softmax(x)'      run statements and exit
        nabla run [--check|--update|--step] notebook.nabla
        nabla export notebook.nabla --markdown [-o file.md]
      """,
    discussion: """
      Example: nabla -e 'x = [1, 2, 0.5]; jacobian(softmax(x), x)'
      """,
    version: "nabla \(Nabla.version)",
    subcommands: [RunNotebook.self, ExportNotebook.self])

  /// The release this build is (`nabla --version`).
  static let version = "0.5.0"

  /// `nabla file.nabla` (forgetting `run`) is answered with what was meant; everything else is
  /// ArgumentParser's.
  static func main() {
    // NABLA_MEMORY_LIMIT=2G caps what nabla may allocate (below what the machine has).
    if let limit = getenv("NABLA_MEMORY_LIMIT").map({ String(cString: $0) }) {
      guard let bytes = MemoryBudget.parse(limit) else {
        FileOutput.error("NABLA_MEMORY_LIMIT=\(limit) is not a size such as 2G, 512M or a number of bytes")
        Glibc.exit(64)
      }
      MemoryBudget.setCap(bytes)
    }
    // `nabla -e '…'` alone, the scripted use, starts without ArgumentParser: its reflection
    // over every command's options took 2 of the 10 ms that start-up costs.
    let given = Array(CommandLine.arguments.dropFirst())
    if !given.isEmpty, given.count % 2 == 0,
      stride(from: 0, to: given.count, by: 2).allSatisfy({ ["-e", "--eval"].contains(given[$0]) })
    {
      let statements = stride(from: 1, to: given.count, by: 2).map { given[$0] }
      Glibc.exit(evaluate(statements, display: .standard) ? 0 : 1)
    }
    var arguments = CommandLine.arguments.dropFirst()[...]
    while let argument = arguments.popFirst() {
      if ["-e", "--eval", "--precision"].contains(argument) {
        _ = arguments.popFirst()
      } else if ["run", "export", "help"].contains(argument) {
        break
      } else if argument.hasSuffix(".nabla") {
        FileOutput.error("'\(argument)' is a notebook, not a command; did you mean `nabla run \(argument)`?")
        Glibc.exit(64)
      }
    }
    main(nil)
  }

  @Option(
    name: [.customShort("e"), .customLong("eval")], parsing: .unconditionalSingleValue,
    help: "Run statements (separated by ;) and exit.")
  var statements: [String] = []

  @OptionGroup var display: DisplayOptions

  @Flag(name: .customLong("reference"), help: .hidden)
  var printReference = false

  func run() throws {
    if printReference {
      print(ReferenceDocument.markdown())
      return
    }
    let display = DisplaySettings(
      precision: display.precision, json: display.json, noColor: display.noColor, ascii: display.ascii)
    if !statements.isEmpty {
      if !Nabla.evaluate(statements, display: display) { throw ExitCode(1) }
      return
    }
    let session = Nabla.session(display)
    if isatty(STDIN_FILENO) != 0 {
      if isatty(STDOUT_FILENO) != 0 { session.terminalWidth = { Terminal.width } }
      LineEditor(session: session).loop()
      return
    }
    if !PipedInput.run(session) { throw ExitCode(1) }
  }

  /// How results print, as the options give it.
  struct DisplaySettings {
    var precision = 4
    var json = false
    var noColor = false
    var ascii = false
    static let standard = DisplaySettings()
  }

  /// A session writing to the terminal, Ctrl-C wired to it.
  static func session(_ display: DisplaySettings) -> Session {
    let color = !display.noColor && getenv("NO_COLOR") == nil && isatty(STDERR_FILENO) != 0
    var options = SessionOptions(precision: display.precision, json: display.json, color: color)
    options.colorValues = color && isatty(STDOUT_FILENO) != 0
    options.interactive = isatty(STDOUT_FILENO) != 0
    options.width = Terminal.width
    options.ascii = display.ascii || Terminal.prefersASCII
    let session = Session(options: options, write: Terminal.write)
    Terminal.installInterruptHandler()
    session.interpreter.interruptRequested = { Terminal.takeInterrupt() }
    return session
  }

  /// `-e` statements, in order, stopping at the first that fails; false when one did.
  static func evaluate(_ statements: [String], display: DisplaySettings) -> Bool {
    let session = session(display)
    return statements.allSatisfy { session.run($0) == .ok }
  }
}

/// Statements from a pipe: lines are gathered until a statement is complete, then run. Errors
/// are reported and reading goes on; the exit status says whether any statement failed.
/// Ctrl-C while waiting for input ends the reading (a statement running is stopped by it as
/// usual).
enum PipedInput {
  static func run(_ session: Session) -> Bool {
    var buffer = ""
    var firstLine = 1
    var lineNumber = 0
    var ok = true
    var input = InputLines()
    while let line = input.next() {
      lineNumber += 1
      if buffer.isEmpty { firstLine = lineNumber }
      buffer += line
      if buffer.trimmingCharactersIsEmpty {
        buffer = ""
        continue
      }
      if session.isIncomplete(buffer) { continue }
      if session.run(buffer, firstLine: firstLine) != .ok { ok = false }
      buffer = ""
      if session.wantsQuit { return ok }
    }
    if input.interrupted {
      FileOutput.error("interrupted while reading input")
      return false
    }
    if !buffer.trimmingCharactersIsEmpty, session.run(buffer, firstLine: firstLine) != .ok { ok = false }
    return ok
  }
}

/// Lines of stdin (each with its newline), read with `read(2)` so that Ctrl-C, which
/// interrupts the read, ends the input instead of being retried forever.
struct InputLines {
  var pending: [UInt8] = []
  /// Where the unread part of `pending` starts.
  var start = 0
  var finished = false
  private(set) var interrupted = false

  mutating func next() -> String? {
    while true {
      if let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
        defer { start = end + 1 }
        return String(decoding: pending[start...end], as: UTF8.self)
      }
      if finished {
        guard start < pending.count else { return nil }
        defer { start = pending.count }
        return String(decoding: pending[start...], as: UTF8.self)
      }
      pending.removeSubrange(..<start)
      start = 0
      var chunk = [UInt8](repeating: 0, count: 65536)
      let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
      if n > 0 {
        pending.append(contentsOf: chunk[..<n])
      } else if n == 0 || errno != EINTR {
        finished = true
      } else if Terminal.takeInterrupt() {
        interrupted = true
        return nil
      }
    }
  }
}

extension String {
  var trimmingCharactersIsEmpty: Bool { unicodeScalars.allSatisfy { $0.properties.isWhitespace } }
}
