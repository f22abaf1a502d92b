import ArgumentParser
import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// `nabla run notebook.nabla`: replay, check, update or present a notebook.
struct RunNotebook: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Replay a notebook: each statement and its output.")

  @ArgumentParser.Argument(help: "The .nabla notebook.")
  var path: String

  @Flag(help: "Compare every recorded #> output with a fresh one; exit 1 on a difference.")
  var check = false

  @Flag(help: "Rewrite the recorded outputs, keeping every other byte.")
  var update = false

  @Flag(
    help:
      "Presentation mode: one statement per key press (space/enter next, b back, g N go to, n/N sections, p predict, : try a statement, ? keys, q quit)."
  )
  var step = false

  @OptionGroup var display: DisplayOptions

  func validate() throws {
    guard [check, update, step].filter({ $0 }).count <= 1 else {
      throw ValidationError("choose one of --check, --update and --step")
    }
    guard !display.json || ![check, update, step].contains(true) else {
      throw ValidationError("--json goes with a plain replay, not --check, --update or --step")
    }
  }

  func run() throws {
    let bytes: [UInt8]
    do {
      bytes = try BinaryFile.contents(path)
    } catch {
      FileOutput.error("cannot read \(path): \(error.description)")
      throw ExitCode(1)
    }
    let notebook = Notebook(bytes: bytes)
    let color = !display.noColor && getenv("NO_COLOR") == nil && isatty(STDOUT_FILENO) != 0
    let json = display.json
    // Color for what a person reads (a replay, a presentation); never in what is recorded.
    var options = SessionOptions(precision: display.precision, json: json, color: color && !check && !update)
    options.colorValues = options.color
    // --ascii (or a locale without UTF-8) draws what a replay or a presentation shows; --check
    // and --update compare and record the notebook's own layout (braille, 80 columns) regardless.
    options.ascii = display.ascii || Terminal.prefersASCII
    // A presentation fits the screen it is shown on; a replay or check keeps the recorded width.
    if step, isatty(STDOUT_FILENO) != 0 { options.width = Terminal.width }
    let session = Session(options: options, write: Terminal.write)
    Terminal.installInterruptHandler()
    session.interpreter.interruptRequested = { Terminal.takeInterrupt() }
    session.replaying(path)
    let replay = NotebookReplay(notebook: notebook, session: session)
    if step {
      Presenter(replay: replay, color: color).present()
      return
    }
    if update {
      let results = replay.runAll(updating: true)
      let updated = notebook.updated(with: results.mapValues(\.output))
      guard BinaryFile.writeAtomically(updated, to: path) else {
        FileOutput.error("cannot write \(path)")
        throw ExitCode(1)
      }
      // Errors are recorded as outputs (a notebook may show a mistake on purpose), and, as
      // for any `nabla run`, a failed statement makes the exit status 1.
      let failures = results.values.filter(\.failed).count
      print(
        "updated \(path): \(results.count) statements"
          + (failures == 0 ? "" : ", \(failures) of them failed (their errors are recorded as output)"))
      if failures > 0 { throw ExitCode(1) }
      return
    }
    if check {
      let results = replay.runAll()
      let differences = replay.differences(results)
      for d in differences {
        print("\(path):\(d.line): output differs")
        print("  recorded:")
        for line in d.recorded { print("    #> \(line)") }
        if d.recorded.isEmpty { print("    (nothing)") }
        print("  now:")
        for line in d.fresh { print("    #> \(line)") }
        if d.fresh.isEmpty { print("    (nothing)") }
      }
      print(
        differences.isEmpty
          ? "\(path): \(results.count) statements, all outputs match"
          : "\(path): \(differences.count) of \(results.count) statements differ")
      if !differences.isEmpty { throw ExitCode(1) }
      return
    }
    // A plain replay: prose as prose, statements with their fresh outputs.
    var failed = false
    let style = TranscriptStyle(color: color)
    for (index, cell) in notebook.cells.enumerated() {
      switch cell {
      case .prose(let range):
        for line in notebook.lines[range] where !json && !line.hasPrefix(Notebook.outputPrefix) {
          print(style.prose(line))
        }
      case .statement(let code, _):
        for (k, line) in notebook.lines[code].enumerated() where !json {
          print(style.statement(line, first: k == 0))
        }
        if let outcome = replay.run(cell: index) {
          for line in outcome.shown { print(line) }
          failed = failed || outcome.failed
        }
      }
    }
    if failed { throw ExitCode(1) }
  }
}

/// How a replayed notebook looks in the terminal.
struct TranscriptStyle {
  let color: Bool

  /// A comment line as prose: without its `#`, in color on a terminal.
  func prose(_ line: String) -> String {
    let text = TranscriptText.prose(line)
    return color && !text.isEmpty ? "\u{1B}[3;36m\(text)\u{1B}[0m" : text
  }

  func statement(_ line: String, first: Bool) -> String {
    let prompt = first ? "nabla> " : "   ... "
    return color ? "\u{1B}[1m\(prompt)\(line)\u{1B}[0m" : prompt + line
  }
}

/// Errors from file commands, on stderr.
enum FileOutput {
  static func error(_ message: String) {
    fputs("error: \(message)\n", stderr)
  }
}

/// `nabla export notebook.nabla --markdown`: a write-up with values as LaTeX matrices, on
/// stdout unless `-o` names a file.
struct ExportNotebook: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export a notebook as Markdown: prose, code with its output, values as LaTeX matrices.",
    discussion:
      "Writes to stdout (nabla export nb.nabla --markdown > nb.md), or to the file -o names. The result converts with pandoc, to HTML or to PDF (pandoc nb.md -o nb.pdf)."
  )

  @ArgumentParser.Argument(help: "The .nabla notebook.")
  var path: String

  @Flag(help: "Write Markdown (the one format so far).")
  var markdown = false

  @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write (- or none: stdout).")
  var output: String?

  @OptionGroup var display: DisplayOptions

  func validate() throws {
    guard markdown else { throw ValidationError("choose a format: --markdown") }
  }

  func run() throws {
    guard let text = TextFile.read(path) else {
      FileOutput.error("cannot read \(path)")
      throw ExitCode(1)
    }
    var options = SessionOptions(precision: display.precision)
    options.ascii = display.ascii
    let session = Session(options: options, write: { _, _ in })
    session.replaying(path)
    let document = MarkdownExport.render(Notebook(text: text), session: session)
    guard let output, output != "-" else {
      print(document, terminator: "")
      return
    }
    guard TextFile.writeAtomically(document, to: output) else {
      FileOutput.error("cannot write \(output)")
      throw ExitCode(1)
    }
    fputs("wrote \(output)\n", stderr)
  }
}
