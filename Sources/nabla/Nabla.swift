import ArgumentParser
import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// The `nabla` command: the REPL, `-e` statements, or statements piped on stdin.
@main
struct Nabla: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nabla",
    abstract: "A terminal notebook for tensor calculus.",
    discussion: """
      With no arguments, nabla starts the REPL (or reads statements from stdin when it is not a terminal).
      Example: nabla -e 'x = [1, 2, 0.5]; jacobian(softmax(x), x)'
      """,
    subcommands: [RunNotebook.self, ExportNotebook.self])

  @Option(
    name: [.customShort("e"), .customLong("eval")], parsing: .unconditionalSingleValue,
    help: "Run statements (separated by ;) and exit.")
  var statements: [String] = []

  @Option(help: "Digits after the decimal point.")
  var precision: Int = 4

  @Flag(help: "Print one JSON object per result.")
  var json = false

  @Flag(name: .customLong("no-color"), help: "No colored output (NO_COLOR is respected too).")
  var noColor = false

  @Flag(help: "Plots and loss curves in plain ASCII (also NABLA_ASCII=1 or a non-UTF-8 locale).")
  var ascii = false

  @Flag(name: .customLong("reference"), help: .hidden)
  var printReference = false

  func validate() throws {
    guard (0...17).contains(precision) else { throw ValidationError("--precision must be from 0 to 17") }
  }

  func run() throws {
    if printReference {
      print(ReferenceDocument.markdown())
      return
    }
    let color = !noColor && getenv("NO_COLOR") == nil && isatty(STDERR_FILENO) != 0
    var options = SessionOptions(precision: precision, json: json, color: color)
    options.interactive = isatty(STDOUT_FILENO) != 0
    options.width = Terminal.width
    options.ascii = ascii || Terminal.prefersASCII
    let session = Session(options: options, write: Terminal.write)
    Terminal.installInterruptHandler()
    session.interpreter.interruptRequested = { Terminal.takeInterrupt() }
    if !statements.isEmpty {
      for text in statements where session.run(text) != .ok {
        throw ExitCode(1)
      }
      return
    }
    if isatty(STDIN_FILENO) != 0 {
      LineEditor(session: session).loop()
      return
    }
    if !PipedInput.run(session) { throw ExitCode(1) }
  }
}

/// Statements from a pipe: lines are gathered until a statement is complete, then run. Errors
/// are reported and reading goes on; the exit status says whether any statement failed.
enum PipedInput {
  static func run(_ session: Session) -> Bool {
    var buffer = ""
    var firstLine = 1
    var lineNumber = 0
    var ok = true
    while let line = readLine(strippingNewline: false) {
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
    if !buffer.trimmingCharactersIsEmpty, session.run(buffer, firstLine: firstLine) != .ok { ok = false }
    return ok
  }
}

extension String {
  var trimmingCharactersIsEmpty: Bool { unicodeScalars.allSatisfy { $0.properties.isWhitespace } }
}
