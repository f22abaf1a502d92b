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
    let color = !display.noColor && getenv("NO_COLOR") == nil && isatty(STDERR_FILENO) != 0
    var options = SessionOptions(precision: display.precision, json: display.json, color: color)
    options.interactive = isatty(STDOUT_FILENO) != 0
    options.width = Terminal.width
    options.ascii = display.ascii || Terminal.prefersASCII
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
