import NablaAutodiff
import NablaLanguage
import NablaTensor

/// Options a user sets from the command line or with REPL commands.
public struct SessionOptions {
  public var precision = 4
  public var json = false
  public var color = false
  /// Titles and shape headers of values in color too (their stream is a terminal).
  public var colorValues = false
  /// Output goes to a terminal: training redraws its curve in place and shows timings.
  public var interactive = false
  /// Characters per line (the terminal's width) for plots and derivations.
  public var width = 80
  /// Plots in plain ASCII instead of braille (NABLA_ASCII=1, --ascii, a non-UTF-8 locale).
  public var ascii = false
  /// Values as LaTeX (`:format latex`), for pasting into a write-up.
  public var latex = false
  /// Vectors and matrices as tables with row and column indices (`:format table`).
  public var table = false

  public init(precision: Int = 4, json: Bool = false, color: Bool = false) {
    self.precision = precision
    self.json = json
    self.color = color
  }
}

/// Bounds on one `Session.run`.
public struct ResourceLimits: Sendable {
  /// The most elements any one result may have.
  public var maximumElements: Int
  /// How many calls, loop iterations and training steps may run before the statement stops.
  public var maximumSteps: Int

  public init(maximumElements: Int, maximumSteps: Int) {
    self.maximumElements = maximumElements
    self.maximumSteps = maximumSteps
  }

  /// For text nobody has read (the fuzz target and its corpus): 64 Ki elements (512 KiB) per
  /// result and 20,000 steps per run keep any input within milliseconds and a few MiB.
  public static let untrusted = ResourceLimits(maximumElements: 1 << 16, maximumSteps: 20_000)

  /// The standard element limit with the untrusted step budget: for fuzzing the large paths
  /// (allocation, files, long histories), with memory capped by `capMemoryForLargeInputs`.
  public static let large = ResourceLimits(maximumElements: ElementLimit.standard, maximumSteps: 20_000)

  /// Caps the process at 1 GiB resident, so a large input meets the allocation check's error
  /// rather than the machine's limit.
  public static func capMemoryForLargeInputs() { MemoryBudget.setCap(1 << 30) }
}

/// Where a piece of output goes: values to stdout; errors and notes to stderr (all to stdout
/// in JSON mode).
public enum OutputChannel { case values, diagnostics }

/// A nabla session: the variables, the options, and the formatting of every result.
public final class Session {
  public let interpreter: Interpreter
  public var options: SessionOptions
  /// Receives each piece of output, without a trailing newline.
  public var write: (OutputChannel, String) -> Void
  /// Statements that ran without error, as typed.
  public internal(set) var history: [String] = []
  /// Statements that ran without error with the output each one showed, for `:save`.
  /// (`:precision` and `:format` are in it too: they change how later outputs print.)
  public internal(set) var transcript: [(statement: String, output: [String])] = []
  /// Where a training run draws its live curve when the output is not live itself (a
  /// presentation shows the curve as it trains, then the page with the final curve).
  public var progress: ((String) -> Void)?
  /// Called with each shown value and its presentation (the Markdown export uses it).
  public var onResult: ((Value, Presentation?) -> Void)?
  /// What the statement running now has shown so far, as a notebook records it.
  var currentOutput: [String] = []
  /// When set, collects every line of output as a notebook records it (a replay compares these
  /// with a notebook's `#>` lines, whatever the terminal's width).
  public var recording: [String]?
  /// The last training run, kept so `train(..., resume: true)` can continue it.
  var training: TrainingRun?
  /// Set by `:quit`.
  public internal(set) var wantsQuit = false
  /// The command being run (`:time x @ y`), for errors that point into it.
  var commandLine = ""
  /// Statements whose effects a replay cannot repeat: one that failed after changing variables
  /// (a loop stopped by Ctrl-C), a training run stopped early. `:save` warns about them.
  var unreproducible: [String] = []
  /// The notebooks `:load` is replaying now (canonical paths), so a cycle is an error.
  var loading = Set<String>()

  /// Marks the notebook at `path` as being replayed (by `nabla run`), so a `:load` of it from
  /// inside is refused as a cycle.
  public func replaying(_ path: String) { loading.insert(TextFile.canonicalPath(TextFile.expandingHome(path))) }
  /// Bounds on what one `run` may do, for running text nobody has read (the fuzz target);
  /// nil (the default) leaves only the standard element limit.
  public var limits: ResourceLimits?

  public enum Status: Equatable { case ok, failed, incomplete }

  public init(options: SessionOptions = SessionOptions(), write: @escaping (OutputChannel, String) -> Void) {
    HeapSettings.apply()
    self.options = options
    self.write = write
    self.interpreter = Interpreter(registry: .standard)
    interpreter.owner = self
    interpreter.printHandler = { [unowned self] values in
      let text = values.map { value -> String in
        if case .string(let s) = value { return s }
        return self.format(value, presentation: nil)
      }.joined(separator: " ")
      if self.options.json {
        self.emit(.values, "{\"print\": \(JSONOutput.string(text))}")
      } else {
        self.emit(.values, text)
      }
    }
    for builtin in Session.sessionBuiltins { interpreter.registry.register(builtin) }
  }

  /// True when `text` is a statement cut short (an open bracket, a trailing operator): the REPL
  /// then reads a continuation line.
  public func isIncomplete(_ text: String) -> Bool {
    if text.trimmingSpaces().hasPrefix(":") { return false }
    do {
      _ = try Parser.parse(text)
      return false
    } catch {
      return error.isIncomplete
    }
  }

  /// Runs source text: each statement in turn, printing results, stopping at the first error.
  /// - Parameter firstLine: the line number of the text's first line, for error messages.
  @discardableResult
  public func run(_ text: String, firstLine: Int = 1) -> Status {
    let trimmed = text.trimmingSpaces()
    if let command = habit(trimmed) { return runCommand(command) }
    if trimmed.hasPrefix(":") { return runCommand(trimmed) }
    var status = Status.ok
    guarded { status = runStatements(text, firstLine: firstLine) }
    return status
  }

  /// Runs `body` on a large-stack thread, where every statement it runs evaluates in place
  /// instead of being handed to such a thread and back (about 0.1 ms of scheduler wake-ups
  /// per statement on a two-core machine): for programs that run many short statements.
  public static func onLargeStack(_ body: () -> Void) { LargeStack.run(body) }

  /// Runs evaluation work as every statement runs: on a thread with a large stack (deep but
  /// bounded recursion), and under the session's limits when it has them.
  func guarded(_ work: () -> Void) {
    guard let limits else {
      LargeStack.run(work)
      return
    }
    // Every call, loop iteration and training step asks whether to stop: past the budget the
    // statement stops as if interrupted.
    let interruptRequested = interpreter.interruptRequested
    var budget = limits.maximumSteps
    interpreter.interruptRequested = {
      budget -= 1
      return budget < 0 || interruptRequested()
    }
    defer { interpreter.interruptRequested = interruptRequested }
    LargeStack.run { ElementLimit.with(limits.maximumElements, work) }
  }

  /// - Parameter shownAs: the text errors are shown in, when it is not `text` itself (a
  ///   command's argument is run in place, and its errors shown under the whole command).
  func runStatements(_ text: String, firstLine: Int, shownAs: SourceText? = nil) -> Status {
    let source = SourceText(text, firstLine: firstLine)
    let shown = shownAs ?? source
    let offset = firstLine - 1
    let statements: [Statement]
    do {
      statements = try Parser.parse(text)
    } catch {
      report(error, source: shown, lineOffset: offset)
      return error.isIncomplete ? .incomplete : .failed
    }
    for statement in statements {
      interpreter.notes = []
      currentOutput = []
      let writes = interpreter.globalWrites
      do {
        let outcome = try interpreter.run(statement, in: source)
        flushNotes()
        if let report = outcome.report, !options.json {
          emit(.values, report.draw(layout), recorded: layout == .notebook ? nil : report.draw(.notebook))
        }
        if let value = outcome.value {
          show(value, presentation: outcome.presentation)
          onResult?(value, outcome.presentation)
          interpreter.lastShown = value
        }
        let text = source.slice(statement.range)
        history.append(text)
        transcript.append((text + (statement.suppressed ? ";" : ""), currentOutput))
      } catch {
        flushNotes()
        report(error, source: shown, lineOffset: offset)
        if interpreter.globalWrites != writes { unreproducible.append(source.slice(statement.range)) }
        return .failed
      }
    }
    return .ok
  }

  /// The layout output is shown in now (the terminal's width, live redraws when interactive).
  public var layout: OutputLayout {
    OutputLayout(width: terminalWidth?() ?? options.width, live: options.interactive, ascii: options.ascii)
  }

  /// Reads the terminal's width as it is now (the REPL sets it, so a resized window is followed
  /// by the next value shown and by a training curve being drawn); nil uses `options.width`.
  public var terminalWidth: (() -> Int)?

  /// Writes output and remembers it as the running statement's.
  /// - Parameter recorded: the same output as a notebook records it (`OutputLayout.notebook`),
  ///   when that differs from what is shown.
  func emit(_ channel: OutputChannel, _ text: String, recorded: String? = nil) {
    let lines = (recorded ?? text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    currentOutput.append(contentsOf: lines)
    recording?.append(contentsOf: lines)
    write(channel, text)
  }

  func flushNotes() {
    for note in interpreter.notes {
      emit(options.json ? .values : .diagnostics, options.json ? JSONOutput.note(note) : note)
    }
    interpreter.notes = []
  }

  public func report(_ d: Diagnostic, source: SourceText, lineOffset: Int = 0) {
    // An error inside a function defined earlier is shown in the function's own text.
    let (shown, offset) = d.source.map { ($0, $0.firstLine - 1) } ?? (source, lineOffset)
    if options.json {
      emit(.values, JSONOutput.error(d, lineOffset: offset))
    } else {
      let plain = DiagnosticRenderer(color: false).render(d, source: shown, lineOffset: offset)
      guard options.color else { return emit(.diagnostics, plain) }
      emit(.diagnostics, DiagnosticRenderer(color: true).render(d, source: shown, lineOffset: offset), recorded: plain)
    }
  }

  /// Titles (`∂e/∂x`) in bold and shape headers (`[3, 3]`, `columns 0–9`) dimmed, on a terminal
  /// with color; what a notebook records stays plain.
  func highlighted(_ text: String) -> String {
    guard options.colorValues else { return text }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.enumerated().map { k, line -> String in
      if line.hasPrefix("∂") { return "\u{1B}[1m\(line)\u{1B}[0m" }
      // A shape header is `[2, 3]` above the rows (a vector `[2  4]` has no commas, and a
      // one-entry vector is the last line).
      let isShape =
        k + 1 < lines.count && line.hasPrefix("[") && line.hasSuffix("]")
        && line.dropFirst().dropLast().split(separator: ", ").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
      if isShape || line.hasPrefix("columns ") || line.hasPrefix("column ") { return "\u{1B}[2m\(line)\u{1B}[0m" }
      return String(line)
    }.joined(separator: "\n")
  }

  func show(_ value: Value, presentation: Presentation?) {
    if options.json {
      if case .tensor(let v) = value, let report = interpreter.derivation(of: v) {
        emit(.values, JSONOutput.derivation(report, value: v.value))
      } else {
        emit(.values, JSONOutput.encode(value))
      }
    } else if options.latex,
      let math = LaTeXFormatter(precision: options.precision).display(value, presentation: presentation)
    {
      emit(.values, math)
    } else {
      let shown = format(value, presentation: presentation)
      let plain = layout == .notebook ? shown : format(value, presentation: presentation, layout: .notebook)
      emit(.values, highlighted(shown), recorded: plain)
    }
  }

  /// A vector or matrix as a table labelled with row and column indices (`table(x)`,
  /// `:format table`).
  static func indexedTable(_ t: Tensor, title: String, precision: Int) -> String {
    let rows = t.rank >= 2 ? t.count / max(t.shape[t.rank - 1], 1) : 1
    let columns = t.rank == 0 ? 1 : t.shape[t.rank - 1]
    // Rows of a rank-3 tensor are labelled by their two leading indices (row[1,0]).
    let rowShape = t.rank >= 2 ? Array(t.shape.dropLast()) : [1]
    return JacobianTable(
      title: title, rowName: "row", rowShape: rowShape, columnName: "col", columnShape: [columns],
      values: Tensor(uncheckedShape: [rows, columns], data: t.data), precision: precision
    ).render()
  }

  /// `∂e/∂x = p − t` over `      = [values]` (the value's rows below the formula when it is a matrix).
  func derivation(_ report: DerivationReport, value: Tensor, formatter: TensorFormatter, width: Int) -> String {
    let shown = formatter.format(value, width: width)
    guard let math = report.math else { return report.title + "\n" + shown }
    var head = report.title + " = " + math
    // The legend sits beside the formula when the line fits, else on a line of its own.
    if let legend = report.legend {
      let beside = head + "        " + legend
      head = beside.count <= width ? beside : head + "\n" + legend
    }
    if shown.contains("\n") { return head + "\n" + shown }
    return head + "\n" + String(repeating: " ", count: report.title.count) + " = " + shown
  }

  /// The text a value shows as, honouring a gradient title or a Jacobian table, laid out for
  /// `layout` (the session's own when nil).
  public func format(_ value: Value, presentation: Presentation?, layout: OutputLayout? = nil) -> String {
    let layout = layout ?? self.layout
    let formatter = TensorFormatter(precision: options.precision)
    if case .tensor(let v) = value, let presentation,
      let table = JacobianTable(v.value, presentation: presentation, precision: options.precision)
    {
      // Wider than the screen: column blocks that keep the row and column labels.
      return ColumnBlocks.wrap(
        table.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init), width: layout.width
      ).joined(separator: "\n")
    }
    switch (value, presentation) {
    case (.tensor(let v), nil) where options.table && (1...2).contains(v.rank):
      return Session.indexedTable(v.value, title: Tensor.describe(v.shape), precision: options.precision)
    case (.list(let items), .items(let shown)?) where items.count == shown.count:
      return zip(items, shown).map { format($0, presentation: $1, layout: layout) }.joined(separator: "\n\n")
    case (_, .text(let text)?):
      return text
    case (_, .drawn(let text)?):
      return text.draw(layout)
    case (.tensor(let v), .derivation(let report, _)?):
      return derivation(report, value: v.value, formatter: formatter, width: layout.width)
    case (_, .gradientCheck(let report, let output, let input)?):
      return GradientCheckTable(report: report, output: output, input: input).render()
    case (.tensor(let v), .gradient(let titles)?):
      return (titles.first ?? "") + "\n" + formatter.format(v.value, width: layout.width)
    case (.list(let items), .gradient(let titles)?) where titles.count == items.count:
      return zip(titles, items).map { $0 + "\n" + format($1, presentation: nil, layout: layout) }.joined(
        separator: "\n\n")
    case (.tensor(let v), _):
      return formatter.format(v.value, scale: RoundOffScale.of(v), width: layout.width)
    case (.function(let f), _):
      return "function \(f.signature)"
    case (.string(let s), _):
      return JSONOutput.string(s)
    case (.list(let items), _):
      if items.isEmpty { return "[]" }
      return items.enumerated().map { i, item in
        let text = format(item, presentation: nil, layout: layout)
        return text.contains("\n") ? "[\(i)]\n\(text)" : "[\(i)] \(text)"
      }.joined(separator: "\n")
    case (.nothing, _):
      return ""
    }
  }
}
