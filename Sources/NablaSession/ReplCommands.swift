import NablaAutodiff
import NablaLanguage
import NablaTensor

/// The REPL's colon commands.
extension Session {
  /// Every command with its one-line description, for `:help` and completion.
  public static let commands: [(name: String, usage: String, doc: String)] = [
    ("help", ":help [name]", "list the builtins, or show one with its signature and example"),
    ("vars", ":vars", "the session's variables with their shapes"),
    ("del", ":del x", "forget a variable"),
    ("reset", ":reset", "forget every variable"),
    ("precision", ":precision N", "digits after the decimal point (default 4)"),
    ("format", ":format plain|table|json|latex", "how results print (table: with row and column indices)"),
    ("color", ":color on|off", "color in errors, titles and shape headers"),
    ("history", ":history", "the statements of this session that ran"),
    ("clear", ":clear", "clear the screen (the variables stay; :reset forgets them)"),
    ("time", ":time stmt", "run a statement and report how long it took"),
    ("graph", ":graph expr", "the computation that produced a value, step by step"),
    (
      "explain", ":explain grad(e, x)",
      "the chain rule from e back to x through your named values, each step a formula with its shape and value"
    ),
    ("save", ":save file.nabla", "write the statements that ran, with their outputs, as a notebook"),
    ("load", ":load file.nabla", "replay a notebook into this session"),
    ("quit", ":quit", "leave nabla (Ctrl-D works too)"),
  ]

  func runCommand(_ line: String) -> Status {
    commandLine = line
    let body = line.dropFirst()
    let name = String(body.prefix { !$0.isWhitespace })
    let argument = String(body.dropFirst(name.count)).trimmingSpaces()
    switch name {
    case "help", "h", "?":
      emit(.values, help(argument.isEmpty ? nil : argument))
    case "vars":
      let names = interpreter.globals.keys.sorted()
      if names.isEmpty {
        emit(.values, "no variables yet")
      } else {
        let width = names.map(\.count).max() ?? 1
        emit(
          .values,
          names.map { n in padRight(n, width) + "  " + describe(interpreter.globals[n] ?? .nothing) }.joined(
            separator: "\n"))
      }
    case "del":
      let targets = argument.split(separator: " ").map(String.init)
      guard !targets.isEmpty else { return commandError("usage: :del x") }
      for t in targets {
        guard interpreter.globals.removeValue(forKey: t) != nil else {
          return commandError("'\(t)' is not a variable", at: t)
        }
      }
    case "reset":
      interpreter.globals = [:]
      training = nil
      // A notebook saved after this replays only what follows, with the display as it is now.
      transcript = displaySettings.map { ($0, []) }
      unreproducible = []
      emit(.values, "all variables cleared")
    case "precision":
      if argument.isEmpty {
        emit(.values, "precision \(options.precision) (:precision N changes it)")
        return .ok
      }
      guard let n = Int(argument), n >= 0, n <= 17 else {
        return commandError("'\(argument)' is not a number of digits from 0 to 17 (:precision N)", at: argument)
      }
      options.precision = n
      // Outputs after it print this way: a saved notebook must replay it.
      transcript.append((":precision \(n)", []))
    case "format":
      switch argument {
      case "json": (options.json, options.latex, options.table) = (true, false, false)
      case "latex": (options.json, options.latex, options.table) = (false, true, false)
      case "plain": (options.json, options.latex, options.table) = (false, false, false)
      case "table": (options.json, options.latex, options.table) = (false, false, true)
      default: return commandError("'\(argument)' is not a format: plain, table, json or latex", at: argument)
      }
      transcript.append((":format \(argument)", []))
    case "color":
      switch argument {
      case "on": (options.color, options.colorValues) = (true, true)
      case "off": (options.color, options.colorValues) = (false, false)
      default: return commandError("'\(argument)' is not on or off (:color on|off)", at: argument)
      }
    case "history":
      emit(.values, history.enumerated().map { "\($0.offset + 1)  \($0.element)" }.joined(separator: "\n"))
    case "time":
      guard !argument.isEmpty else { return commandError("usage: :time stmt") }
      let start = ContinuousClock.now
      var status = Status.ok
      // Errors are shown under the command line itself, at the column of what is wrong.
      guarded { status = runStatements(argumentInPlace(argument), firstLine: 1, shownAs: SourceText(line)) }
      let elapsed = ContinuousClock.now - start
      // A statement that failed has no time worth reporting.
      if status == .ok { emit(.diagnostics, "time: \(Session.describe(elapsed))") }
      return status
    case "graph":
      guard !argument.isEmpty else { return commandError("usage: :graph expr (an expression that gives a tensor)") }
      let statements: [Statement]
      do {
        statements = try Parser.parse(argumentInPlace(argument))
      } catch {
        report(error, source: SourceText(line))
        return .failed
      }
      guard statements.count == 1, case .expression = statements[0].kind else {
        return commandError("usage: :graph expr (an expression that gives a tensor)")
      }
      var value: Value? = nil
      var failure: Diagnostic? = nil
      interpreter.notes = []
      guarded {
        do throws(Diagnostic) {
          value = try interpreter.run(statements[0], in: SourceText(argumentInPlace(argument))).value
        } catch {
          failure = error
        }
      }
      interpreter.notes = []
      if let failure {
        report(failure, source: SourceText(line))
        return .failed
      }
      guard let value, case .tensor(let v) = value else {
        return commandError(
          ":graph draws the computation of a tensor; this is \(value?.typeName ?? "nothing")", at: argument)
      }
      // Leaves are named by the session variables holding them (W, x), as :explain names x.
      var names: [ObjectIdentifier: String] = [:]
      for (name, value) in interpreter.globals {
        if case .tensor(let t) = value { names[ObjectIdentifier(t)] = name }
      }
      emit(.values, Session.describeGraph(ReverseMode.graph(of: v), title: argument, names: names))
    case "explain":
      // The argument is parsed as the expression it is, so grad(e, [W, b]) or grad(f(x), x) work.
      guard let statements = try? Parser.parse(argument), statements.count == 1,
        case .expression(let call) = statements[0].kind, case .call(let callee, let arguments) = call.kind,
        case .identifier(let verb) = callee.kind, verb == "grad" || verb == "jacobian", arguments.count == 2,
        let e = evaluateQuietly(arguments[0].value), case .tensor(let ev) = e,
        let x = evaluateQuietly(arguments[1].value), case .tensor(let xv) = x
      else {
        return commandError("usage: :explain grad(e, x) (or jacobian(y, x)) with e and x tensors")
      }
      let text = SourceText(argument)
      let eName = text.slice(arguments[0].value.range)
      let xName = text.slice(arguments[1].value.range)
      func explained(width: Int) -> String? {
        ChainRuleExplanation(interpreter: interpreter, precision: options.precision, width: width)
          .explain(ev, eName, withRespectTo: xv, xName)?.joined(separator: "\n")
      }
      guard let shown = explained(width: layout.width) else {
        let note = interpreter.independenceNote(of: ev, eName, on: xName, result: "∂\(eName)/∂\(xName) is zeros")
        emit(.values, String(note.dropFirst("note: ".count)))
        return .ok
      }
      let width = OutputLayout.notebook.width
      emit(.values, shown, recorded: layout.width == width ? nil : explained(width: width))
    case "save":
      guard !argument.isEmpty else { return commandError("usage: :save file.nabla") }
      var lines = ["# nabla session, saved with :save"]
      if !unreproducible.isEmpty {
        // Their partial effects are in the outputs after them, but a replay runs them whole.
        lines.append("# These statements were interrupted or failed after changing variables, so a replay")
        lines.append("# (which runs the rest of the session without them) may show other values after them:")
        lines.append(contentsOf: unreproducible.map { "#   " + $0.split(separator: "\n").joined(separator: " ") })
        emit(
          .diagnostics,
          "note: \(unreproducible.count) statement\(unreproducible.count == 1 ? " was" : "s were") interrupted or failed after changing variables; the notebook says so at the top, and --check may find differences after them"
        )
      }
      for (statement, output) in transcript {
        lines.append(statement)
        lines.append(contentsOf: Notebook.record(output))
      }
      guard TextFile.writeAtomically(lines.joined(separator: "\n") + "\n", to: argument) else {
        return commandError("cannot write \(argument)")
      }
      emit(.diagnostics, "saved \(transcript.count) statements to \(argument)")
    case "load":
      guard !argument.isEmpty else { return commandError("usage: :load file.nabla") }
      let path = TextFile.expandingHome(argument)
      // A notebook that loads itself (or a ring of them) would recurse until the stack ends.
      let key = TextFile.canonicalPath(path)
      guard !loading.contains(key) else {
        return commandError(
          ":load \(argument): that notebook is already being loaded (it loads itself, directly or through another)")
      }
      guard loading.count < 16 else { return commandError(":load \(argument): notebooks nested more than 16 deep") }
      guard let text = TextFile.read(path) else { return commandError("cannot read \(argument)") }
      loading.insert(key)
      defer { loading.remove(key) }
      let notebook = Notebook(text: text)
      var status = Status.ok
      // Each statement is shown above its output, prose as text, as `nabla run` shows them.
      let echo = !options.json
      for cell in notebook.cells {
        switch cell {
        case .prose(let range):
          for line in notebook.lines[range] where echo && !Notebook.isOutputLine(line) {
            write(.values, TranscriptText.prose(line))
          }
        case .statement(let code, _):
          for (k, line) in notebook.lines[code].enumerated() where echo {
            write(.values, (k == 0 ? "nabla> " : "   ... ") + line)
          }
          if run(notebook.code(code), firstLine: code.lowerBound + 1) != .ok { status = .failed }
        }
      }
      return status
    case "quit", "q", "exit":
      wantsQuit = true
    case "clear":
      // The screen, when there is one; the variables stay (:reset clears those).
      if options.interactive { write(.values, "\u{1B}[H\u{1B}[2J\u{1B}[3J") }
    default:
      let suggestion = NameSuggestion.nearest(to: name, in: Session.commands.map(\.name)).map { ":\($0)" }
      return commandError(
        "unknown command :\(name)" + (suggestion.map { "; did you mean \($0)?" } ?? "") + " (:help lists them)")
    }
    return .ok
  }

  /// The value of an expression, evaluated in this session without printing anything.
  /// An expression already parsed from `source`, evaluated without notes.
  func evaluateQuietly(_ text: String) -> Value? {
    guard let statements = try? Parser.parse(text), statements.count == 1,
      case .expression(let e) = statements[0].kind
    else { return nil }
    return evaluateQuietly(e)
  }

  /// The value of `e` with its notes dropped, or nil if it fails.
  func evaluateQuietly(_ e: Expr) -> Value? {
    interpreter.notes = []
    var value: Value? = nil
    // As a statement would run: a deep recursion in :graph f(250) needs the large stack.
    guarded { value = try? interpreter.evaluate(e) }
    interpreter.notes = []
    return value
  }

  /// A graph as lines: each step, its shape and where its inputs came from.
  static func describeGraph(
    _ steps: [ReverseMode.GraphStep], title: String, names: [ObjectIdentifier: String] = [:]
  ) -> String {
    let operations = steps.filter { $0.primitive != nil }.count
    let leaves = steps.count - operations
    var lines = [
      "\(title): \(operations) operation\(operations == 1 ? "" : "s") on \(leaves) lea\(leaves == 1 ? "f" : "ves")"
    ]
    for step in steps {
      let leaf = names[ObjectIdentifier(step.variable)].map { "leaf \($0)" } ?? "leaf"
      let what = step.primitive.map { "\($0)(" + step.inputs.map { "#\($0)" }.joined(separator: ", ") + ")" } ?? leaf
      lines.append("  #\(step.index)  \(what)  \(Tensor.describe(step.shape))")
    }
    return lines.joined(separator: "\n")
  }

  /// The commands that set how later output prints, as they are set now (nothing for the
  /// defaults): a saved notebook starts with them.
  var displaySettings: [String] {
    var commands: [String] = []
    if options.precision != SessionOptions().precision { commands.append(":precision \(options.precision)") }
    let format = options.json ? "json" : options.latex ? "latex" : options.table ? "table" : nil
    if let format { commands.append(":format \(format)") }
    return commands
  }

  /// A command's argument at its own columns (the command before it blanked out), so errors
  /// in it point where the user typed them on the command line.
  func argumentInPlace(_ argument: String) -> String {
    let line = Array(commandLine.unicodeScalars)
    let argumentScalars = Array(argument.unicodeScalars)
    var start = 0
    while start + argumentScalars.count <= line.count,
      Array(line[start..<(start + argumentScalars.count)]) != argumentScalars
    {
      start += 1
    }
    return String(repeating: " ", count: start <= line.count - argumentScalars.count ? start : 0) + argument
  }

  /// An error in a command, with a caret under `part` of the command line when given.
  func commandError(_ message: String, at part: String) -> Status {
    let placed = Array(argumentInPlace(part).unicodeScalars)
    let start = placed.count - part.unicodeScalars.count
    let range = SourceRange(
      SourceLocation(line: 1, column: start + 1, offset: start),
      SourceLocation(line: 1, column: placed.count + 1, offset: placed.count))
    report(Diagnostic(message, at: range), source: SourceText(commandLine))
    return .failed
  }

  func commandError(_ message: String) -> Status {
    emit(
      options.json ? .values : .diagnostics,
      options.json ? "{\"error\": \(JSONOutput.string(message))}" : "error: \(message)")
    return .failed
  }

  static func describe(_ d: Duration) -> String {
    let (seconds, attoseconds) = d.components
    let micro = Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    if micro < 1000 { return NumberStyle.printf(micro, "%.1f µs") }
    if micro < 1e6 { return NumberStyle.printf(micro / 1000, "%.2f ms") }
    return NumberStyle.printf(micro / 1e6, "%.3f s")
  }

  func describe(_ value: Value) -> String {
    switch value {
    case .tensor(let v):
      return v.rank == 0
        ? "scalar  " + TensorFormatter(precision: options.precision).format(v.value)
        : "tensor \(Tensor.describe(v.shape))"
    case .function(let f): return "function \(f.signature)"
    case .string(let s): return "string \(JSONOutput.string(s))"
    case .list(let items): return "list of \(items.count)"
    case .nothing: return "nothing"
    }
  }

  /// `:help` text, from the builtin registry.
  public func help(_ name: String?) -> String {
    let registry = interpreter.registry
    guard let name else {
      var lines = ["nabla — tensor calculus in the terminal. Builtins by category (:help name for one):", ""]
      var categories: [String] = []
      for b in registry.ordered where !categories.contains(b.category) { categories.append(b.category) }
      for category in categories {
        let names = registry.ordered.filter { $0.category == category }.map(\.name)
        // The names wrap between words within the screen's width, under their first line.
        let wrapped = ColumnBlocks.words(names.joined(separator: " "), width: Swift.max(layout.width - 18, 20))
        lines.append(padRight(category, 16) + "  " + wrapped[0])
        lines.append(contentsOf: wrapped.dropFirst().map { String(repeating: " ", count: 18) + $0 })
      }
      lines.append("")
      lines.append("Commands:")
      let width = (Session.commands.map(\.usage.count).max() ?? 18) + 2
      for c in Session.commands { lines.append("  " + padRight(c.usage, width) + c.doc) }
      lines.append("")
      lines.append(contentsOf: Session.conventions)
      lines.append("")
      lines.append(contentsOf: Session.printing)
      return lines.joined(separator: "\n")
    }
    let key = name.hasPrefix(":") ? String(name.dropFirst()) : name
    // `:help :load` asks for the command, `:help load` for the builtin (either when only one exists).
    let command = Session.commands.first(where: { $0.name == key })
    if let c = command, name.hasPrefix(":") || registry[key] == nil {
      return "\(c.usage)\n  \(c.doc)"
    }
    if let b = registry[key] {
      return "\(b.signature)\n  \(b.doc)\n  example: \(b.example)"
    }
    let suggestion = NameSuggestion.nearest(to: key, in: registry.names + Session.commands.map(\.name))
    return "no help for '\(name)'" + (suggestion.map { "; did you mean \($0)?" } ?? "")
  }

  /// What IPython's and Julia's habits mean here, as the command that does it: `?softmax`,
  /// `softmax?` and `help(softmax)` are `:help softmax`; `help`, `exit`, `quit` (with or without
  /// `()`) and `clear` do what they say. Nil for anything else, or when a variable of that name
  /// exists (a user's `help = 3` stays theirs).
  func habit(_ text: String) -> String? {
    func isName(_ s: Substring) -> Bool {
      guard let first = s.first, first.isLetter || first == "_" || first == ":" else { return false }
      return s.dropFirst().allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
    if text.hasPrefix("?"), isName(text.dropFirst()) { return ":help " + text.dropFirst() }
    if text.hasSuffix("?"), isName(text.dropLast()) { return ":help " + text.dropLast() }
    let word = text.hasSuffix("()") ? String(text.dropLast(2)) : text
    guard interpreter.globals[word] == nil else { return nil }
    switch word {
    case "help": return ":help"
    case "exit", "quit": return ":quit"
    case "clear": return ":clear"
    default: break
    }
    if text.hasPrefix("help("), text.hasSuffix(")"), interpreter.globals["help"] == nil {
      let inner = text.dropFirst(5).dropLast()
      if isName(inner) { return ":help " + inner }
      if inner.hasPrefix("\""), inner.hasSuffix("\""), inner.count >= 2 {
        return ":help " + inner.dropFirst().dropLast()
      }
    }
    return nil
  }

  /// How numbers print, shown by `:help` and in README.
  public static let printing = [
    "Numbers: 4 decimals (:precision N); scientific for a whole tensor when NumPy would use it. An entry",
    "prints as 0 only when it is below 1e-13 times the tensor's largest entry, or, for the result of a",
    "subtraction (and a sum, abs, max, norm or index of one), 1e-13 times its operands' largest entry:",
    "round-off such as jacobian(p, x) - (diag(p) - outer(p, p)). 1e-15 typed prints as 1e-15, and",
    "0.1 + 0.2 - 0.3 (numbers with no history) as 5.5511e-17. --json always has the exact values.",
  ]

  /// Derivative conventions at non-differentiable points, shown by `:help` and in README.
  public static let conventions = [
    "Derivatives at kinks: relu'(0) = 0, abs'(0) = 0, sign' = 0, leaky_relu'(0) = a, elu'(0) = α;",
    "max/min/maximum/minimum split the gradient evenly between tied entries, and maxpool gives a tied",
    "window's gradient to its first largest entry (as PyTorch); norm'(0) = 0. Second and higher",
    "derivatives follow these conventions: each of these rules is constant near the kink, so they are 0",
    "there (hessian(norm(x), x) at x = 0 is 0). Step functions (floor, ceil, round, trunc, sign, //)",
    "have derivative 0. det's gradient at a singular matrix is its cofactor matrix, as JAX and PyTorch.",
    "Results of grad, jacobian, hessian, jvp and vjp keep their history: they can be differentiated again.",
  ]
}
