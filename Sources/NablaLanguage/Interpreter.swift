import NablaAutodiff
import NablaTensor

/// How a statement's value asks to be shown: a gradient under its title, a Jacobian as a table.
public enum Presentation {
  /// One title per gradient (a list of gradients has several).
  case gradient(titles: [String])
  /// `∂y/∂x` as a table with a row per entry of y and a column per entry of x.
  case jacobian(output: String, input: String, outputShape: [Int], inputShape: [Int])
  /// `∂²e/∂x²` as a table with a row and a column per entry of x.
  case hessian(of: String, input: String, inputShape: [Int])
  /// One block `∂²e/∂a∂b` of a Hessian with respect to a list: rows a, columns b.
  case hessianBlock(of: String, row: String, rowShape: [Int], column: String, columnShape: [Int])
  /// A list's items, each shown its own way (`jacobian(y, [W, b])`).
  indirect case items([Presentation])
  /// Text shown as it is instead of the value (`latex(x)`).
  case text(String)
  /// Text drawn for the output's layout instead of the value (a plot, an image).
  case drawn(DrawnText)
  /// A gradient check's table and verdict, shown instead of its 1 or 0.
  case gradientCheck(GradientCheckReport, output: String, input: String)
  /// `derive`: the derivative as a formula above its value (shown as `value` shows it).
  indirect case derivation(DerivationReport, value: Presentation?)
}

/// What `derive` shows: the title ∂y/∂x, the formula in three notations, and notes.
public struct DerivationReport {
  public let title: String
  /// Unicode matrix notation, nabla syntax and LaTeX; nil when there is no closed form.
  public let math: String?
  public let formula: String?
  public let latex: String?
  public let notes: [String]
  /// The largest relative difference between the formula's value and autodiff's.
  public let mismatch: Double?
  /// What names in the formula stand for, when the title writes them out: (p = softmax(x)).
  public var legend: String? = nil

  public init(title: String, math: String?, formula: String?, latex: String?, notes: [String], mismatch: Double?) {
    self.title = title
    self.math = math
    self.formula = formula
    self.latex = latex
    self.notes = notes
    self.mismatch = mismatch
  }
}

/// What one statement produced.
public struct Outcome {
  /// Nil when nothing is shown (an assignment, a definition, a trailing `;`).
  public var value: Value?
  public var presentation: Presentation?
  /// What a call reported although its value is not shown (`h = train(...)`'s curve).
  public var report: DrawnText? = nil
}

/// How output is laid out: as wide as the terminal and redrawn live there, or a notebook's
/// fixed layout, so that what a notebook records does not depend on the terminal it ran in.
public struct OutputLayout: Equatable, Sendable {
  /// Characters per line, for plots and the placement of a derivation's legend.
  public var width: Int
  /// A terminal that shows progress as it happens (training's curve, times).
  public var live: Bool
  /// Plots and images in ASCII instead of braille and block shades.
  public var ascii: Bool

  public init(width: Int, live: Bool = false, ascii: Bool = false) {
    self.width = width
    self.live = live
    self.ascii = ascii
  }

  /// What notebooks record and `--check` compares: 80 columns, no live redraws, Unicode.
  public static let notebook = OutputLayout(width: 80)
}

/// Text that depends on the layout it is drawn for (a plot, a training run's summary): drawn
/// once for the terminal and, when that layout differs, once more for the notebook record.
public struct DrawnText {
  public let draw: (OutputLayout) -> String

  public init(_ draw: @escaping (OutputLayout) -> String) { self.draw = draw }

  /// The same text whatever the layout.
  public init(fixed text: String) { self.draw = { _ in text } }
}

/// Evaluates statements against the session's variables.
public final class Interpreter {
  /// The session's variables.
  public var globals = SessionVariables()
  /// One frame per active user-function call.
  var frames: [[String: Value]] = []
  public var registry: BuiltinRegistry
  /// Draws for `rand`/`randn` without a seed; seeded so a replayed notebook is reproducible.
  public var random = RandomSource(seed: 0)
  /// Notes and warnings raised while running the current statement.
  public var notes: [String] = []
  /// Asked between loop iterations and calls; true stops the statement (Ctrl-C).
  public var interruptRequested: () -> Bool = { false }
  /// Whether results are scanned for a first inf or nan to name in a note. Training turns it
  /// off for its steps (it reports a non-finite loss itself) to keep the scans off the hot loop.
  public var watchesNonFinite = true
  /// The session this interpreter belongs to (builtins of the session layer reach it here).
  public weak var owner: AnyObject?
  /// Called after each builtin call and operator with its name, result and operands (for
  /// `summary`, which traces a function).
  public var traceHook: ((String, Variable, [Value]) -> Void)?
  /// Where `print(...)` sends its values; the session formats and writes them.
  public var printHandler: ([Value]) -> Void = { _ in }
  var source = SourceText("")
  var pendingPresentation: (Expr, Presentation)?
  /// Text a call shows even when its value is assigned: see `report(_:for:)`.
  var pendingReport: (Expr, DrawnText)?
  var callDepth = 0
  /// The derivations `derive` made, by the identity of the values it returned, so JSON output
  /// and `latex(d)` can show the formula with the value.
  public internal(set) var derivations: [ObjectIdentifier: (value: WeakVariable, report: DerivationReport)] = [:]
  /// User-function calls nested deeper than this are an error, not a stack overflow.
  public static let maximumCallDepth = 1000

  public static let constants: [String: Double] = [
    "pi": Double.pi, "inf": .infinity, "nan": .nan, "true": 1, "false": 0,
  ]

  public init(registry: BuiltinRegistry = .standard) {
    self.registry = registry
  }

  /// Runs one parsed statement of `source`. Errors come back as a `Diagnostic`; variables bound
  /// before the error stay bound.
  public func run(_ statement: Statement, in source: SourceText) throws(Diagnostic) -> Outcome {
    self.source = source
    pendingPresentation = nil
    pendingReport = nil
    frames = []
    callDepth = 0
    do {
      let value = try execute(statement)
      var presentation: Presentation? = nil
      if case .expression(let e) = statement.kind, let (target, p) = pendingPresentation, target === e {
        presentation = p
      }
      if statement.suppressed { return Outcome(value: nil, presentation: nil) }
      var report: DrawnText? = nil
      if let (target, text) = pendingReport {
        // Shown in place of the value when the call is the statement, else before it.
        if case .expression(let e) = statement.kind, target === e {
          return Outcome(value: value, presentation: .drawn(text))
        }
        report = text
      }
      if case .nothing? = value { return Outcome(value: nil, presentation: nil, report: report) }
      return Outcome(value: value, presentation: presentation, report: report)
    } catch let d as Diagnostic {
      throw d
    } catch {
      throw Diagnostic(Interpreter.describe(error), at: statement.range)
    }
  }

  static func describe(_ error: Error) -> String {
    switch error {
    case let e as ShapeError: e.description
    case let e as DifferentiationError: e.message
    case let e as Diagnostic: e.message
    default: "\(error)"
    }
  }

  // MARK: Names

  /// True when `name` is a local of the function call running now (it hides a session variable).
  public func isLocal(_ name: String) -> Bool { frames.last?[name] != nil }

  public func lookup(_ name: String) -> Value? { lookup(name, hint: nil) }

  /// `lookup` for an identifier or a target that remembers where its name was found.
  func lookup(_ name: String, hint: NameHint?) -> Value? {
    if let frame = frames.last, let v = frame[name] { return v }
    if let hint {
      if let v = globals.value(of: name, hint: hint) { return v }
      if let f = registry.function(named: name, hint: hint) { return .function(f) }
    } else {
      if let v = globals[name] { return v }
      if let f = registry.function(named: name) { return .function(f) }
    }
    if name == "true" || name == "false" { return .tensor(.boolean(Tensor(scalar: name == "true" ? 1 : 0))) }
    if let c = Interpreter.constants[name] { return .scalar(c) }
    if name == "ans" || name == "_" { return lastShown }
    return nil
  }

  /// The last value a statement showed: `ans` (and `_`), as in Julia and IPython, unless a
  /// variable of that name hides it.
  public var lastShown: Value?

  /// How many times a statement has bound a session variable: a statement that fails after
  /// binding some (an interrupted loop) has changed the session even though it failed.
  public private(set) var globalWrites = 0

  func bind(_ name: String, _ value: Value, hint: NameHint? = nil) {
    // A name always holds something that can be differentiated against.
    if case .tensor(let v) = value, !v.isTracked {
      bind(name, .tensor(v.leaf()), hint: hint)
      return
    }
    if case .tensor(let v) = value, v.historyBytes > Interpreter.historyCheck, let budget = historyOverBudget(v) {
      // A loop such as `acc = acc + 1` keeps every step's value for a derivative; past the
      // budget the history goes (the session stays alive) and a note says so.
      noteOnce(
        "note: the history of \(name) (what it was computed from, kept for derivatives) passed \(MemoryBudget.describe(budget)); it was dropped to keep memory bounded, so \(name) is now a value without history and derivatives of it start here"
      )
      bind(name, .tensor(v.leaf()), hint: hint)
      return
    }
    if frames.isEmpty {
      setGlobal(name, value, hint: hint)
    } else {
      frames[frames.count - 1][name] = value
    }
  }

  /// Histories larger than this (by `Variable.historyBytes`) are measured when bound.
  static let historyCheck = 64 << 20

  /// The budget `v`'s history exceeds, measured exactly (nil when it fits): 1 GiB, or half the
  /// memory available when that is less.
  func historyOverBudget(_ v: Variable) -> Int? {
    let budget = Swift.min(1 << 30, MemoryBudget.available / 2)
    guard v.historyBytes > budget, v.measureHistory() > budget else { return nil }
    return budget
  }

  /// Binds a session variable, marking the value it replaces (see `Variable.replacedName`).
  public func setGlobal(_ name: String, _ value: Value) {
    setGlobal(name, value, hint: nil)
  }

  func setGlobal(_ name: String, _ value: Value, hint: NameHint?) {
    globalWrites &+= 1
    // The value it held comes back from the write.
    if case .tensor(let old)? = globals.updateValue(value, forKey: name, hint: hint) { old.replacedName = name }
  }

  /// Remembers the value `name` holds now as one it held before (a training run calls this once
  /// for its parameters instead of at every step: only the value before the run can be in the
  /// history of something computed earlier).
  public func rememberReplaced(_ name: String) {
    guard case .tensor(let old)? = globals[name] else { return }
    old.replacedName = name
  }

  /// Every name in scope, for suggestions.
  var knownNames: [String] {
    Array(globals.keys) + (frames.last.map { Array($0.keys) } ?? []) + registry.names
      + Array(Interpreter.constants.keys)
  }

  func undefined(_ name: String, at range: SourceRange) -> Diagnostic {
    Diagnostic(
      "'\(name)' is not defined", at: range, suggestion: NameSuggestion.nearest(to: name, in: knownNames))
  }

  // MARK: Statements

  /// Runs a statement; returns its value (nil for assignments and definitions).
  func execute(_ statement: Statement) throws -> Value? {
    switch statement.kind {
    case .expression(let e):
      return try evaluate(e)
    case .assign(let name, _, let e):
      let v = try evaluate(e)
      bind(name, v, hint: statement.target)
      return nil
    case .compound(let name, let nameRange, let op, let e):
      try compoundAssign(name, nameRange: nameRange, op: op, e, hint: statement.target)
      return nil
    case .assignIndex(let name, let nameRange, let items, let e):
      try assignIndex(name, nameRange: nameRange, items, e)
      return nil
    case .unpack(let names, let e):
      let v = try evaluate(e)
      let items: [Value]
      switch v {
      case .list(let list): items = list
      case .tensor(let t) where t.rank >= 1: items = try (0..<t.shape[0]).map { .tensor(try t.indexed([.single($0)])) }
      default: throw Diagnostic("cannot unpack \(v.typeName) into \(names.count) names", at: e.range)
      }
      guard items.count == names.count else {
        throw Diagnostic(
          "cannot unpack \(items.count) values into \(names.count) names (\(names.joined(separator: ", ")))",
          at: e.range)
      }
      for (n, item) in zip(names, items) { bind(n, item) }
      return nil
    case .function(let name, let parameters, let body):
      bind(name, .function(FunctionValue(name: name, kind: .user(parameters: parameters, body: body, source: source))))
      return nil
    case .forLoop(let variable, let sequence, let body):
      try forEachItem(of: sequence) { item in
        if interruptRequested() { throw Diagnostic("interrupted", at: statement.range) }
        bind(variable, item, hint: statement.target)
        // By index, so each statement is borrowed rather than copied (a copy retains every
        // name and expression in it, at every iteration).
        for index in body.indices {
          _ = try execute(body[index])
          // A loop body shows no values, so neither does a call in it report (train's curve).
          pendingReport = nil
        }
      }
      return nil
    }
  }

  /// `x op= e`: computes without history and rebinds `x` to a fresh leaf (like torch.no_grad).
  func compoundAssign(_ name: String, nameRange: SourceRange, op: String, _ e: Expr, hint: NameHint?) throws {
    guard let old = lookup(name, hint: hint), case .tensor(let current) = old else {
      if lookup(name) == nil { throw undefined(name, at: nameRange) }
      throw Diagnostic("\(name) \(op)= needs \(name) to be a tensor", at: nameRange)
    }
    let rhs = try tensorOperand(e, role: "the right side of \(op)=")
    let f: (Double, Double) -> Double =
      switch op {
      case "+": { $0 + $1 }
      case "-": { $0 - $1 }
      case "*": { $0 * $1 }
      default: { $0 / $1 }
      }
    let updated: Tensor
    do {
      updated = try Tensor.zip(current.value, rhs.value, operation: "\(op)=", f)
    } catch {
      throw Diagnostic(
        "\(name) \(op)= \(operandName(e)): \(name) is \(Tensor.describe(current.shape)), \(operandName(e)) is \(Tensor.describe(rhs.shape)); \(error.rule)",
        at: nameRange.union(e.range))
    }
    guard updated.shape == current.shape else {
      throw Diagnostic(
        "\(name) \(op)= \(operandName(e)): the result has shape \(Tensor.describe(updated.shape)) but \(name) is \(Tensor.describe(current.shape)); an in-place update keeps the shape",
        at: nameRange.union(e.range))
    }
    noteNonFinite(updated, inputs: [current.value, rhs.value], operation: "\(name) \(op)= \(operandName(e))")
    bind(name, .tensor(Variable(updated)), hint: hint)
  }

  /// Runs a block: its value is the value of its last statement.
  func evaluateBlock(_ statements: [Statement]) throws -> Value {
    var last: Value = .nothing
    for s in statements {
      last = try execute(s) ?? .nothing
      switch s.kind {
      case .assign(let name, _, _), .compound(let name, _, _, _), .assignIndex(let name, _, _, _):
        if let v = lookup(name) { last = v }
      default: break
      }
    }
    return last
  }

  // MARK: Expressions

  public func evaluate(_ e: Expr) throws -> Value {
    switch e.kind {
    case .number(let v):
      if v.isInfinite { notes.append("note: \(source.slice(e.range)) is too large for a Double, so it is inf") }
      return .tensor(e.literal ?? Variable.constant(v))
    case .string(let s):
      return .string(s)
    case .identifier(let name):
      guard let v = lookup(name, hint: e.hint) else { throw undefined(name, at: e.range) }
      return v
    case .bracket(let rows, let rowSeparated):
      return try evaluateBracket(rows, rowSeparated: rowSeparated, range: e.range)
    case .unary(let op, let operand):
      let x = try tensorOperand(operand, role: "unary \(op)")
      if op == "+" { return .tensor(x) }
      return .tensor(try -x)
    case .binary(let op, let lhs, let rhs, let opRange):
      return try evaluateBinary(op, lhs, rhs, opRange: opRange)
    case .call(let callee, let arguments):
      return try evaluateCall(e, callee: callee, arguments: arguments)
    case .index(let base, let items):
      return try evaluateIndex(base, items, range: e.range)
    case .transpose(let base):
      let v = try tensorOperand(base, role: "transpose")
      if v.rank == 1 {
        // MATLAB habits: x' of a vector is not a column here (a vector has one axis).
        let note =
          "note: \(operandName(base))' leaves a vector as it is (it has one axis); outer(x, x) is the outer product, reshape(x, -1, 1) a column"
        noteOnce(note)
      }
      return .tensor(try v.transposedLastTwo())
    case .member(let base, let name, let nameRange):
      let v = try tensorOperand(base, role: ".\(name)")
      switch name {
      case "T": return .tensor(try v.transposedLastTwo())
      case "shape":
        // Shown as the contract writes shapes, [150, 4]; the value is the vector.
        pendingPresentation = (e, .text(Tensor.describe(v.shape)))
        return .tensor(Tensor(vector: v.shape.map(Double.init)))
      default:
        throw Diagnostic(
          "a tensor has no member '.\(name)'", at: nameRange,
          suggestion: NameSuggestion.nearest(to: name, in: ["T", "shape"]).map { ".\($0)" })
      }
    case .range:
      let (a, b) = try rangeBounds(e)
      guard b - a < 1e8 else { throw Diagnostic("range \(a)..\(b) is too long", at: e.range) }
      let count = Interpreter.count(from: a, to: b)
      // The session's element limit before the values are made (under the fuzz target's limits,
      // 88..8888884 made 8.9 million of them first).
      do {
        try Tensor.checkSize([count], operation: "a..b")
      } catch {
        let bounds = "\(Interpreter.describe(number: a))..\(Interpreter.describe(number: b))"
        throw Diagnostic("\(bounds): \(error.rule)", at: e.range)
      }
      return .tensor(Tensor(vector: (0..<count).map { a + Double($0) }))
    case .ifElse(let condition, let then, let otherwise):
      let c = try tensorOperand(condition, role: "an if condition")
      guard let truth = c.value.scalarValue else {
        throw Diagnostic(
          "if needs a scalar condition, but it has shape \(Tensor.describe(c.shape)); use all(x > 0) or any(x > 0) to ask about every entry or some entry",
          at: condition.range)
      }
      if truth != 0 && !truth.isNaN { return try evaluateBlock(then) }
      if let otherwise { return try evaluateBlock(otherwise) }
      return .nothing
    case .block(let statements):
      return try evaluateBlock(statements)
    }
  }

  /// The source text of an operand when it is short enough to name it in a message.
  func operandName(_ e: Expr) -> String {
    let text = source.slice(e.range)
    return text.count <= 24 && !text.isEmpty ? text : "the operand"
  }

  func tensorOperand(_ e: Expr, role: String) throws -> Variable {
    try tensorOperand(e, try evaluate(e), role: role)
  }

  /// `value` (what `e` evaluated to) as a tensor, or an error naming `e`.
  func tensorOperand(_ e: Expr, _ value: Value, role: @autoclosure () -> String) throws -> Variable {
    switch value {
    case .tensor(let v): return v
    case let other:
      let role = role()
      let hint = if case .list = other, role == "'+'" { "; + joins two lists, as in L + [x]" } else { "" }
      throw Diagnostic("\(role) needs a tensor, but \(operandName(e)) is \(other.typeName)\(hint)", at: e.range)
    }
  }

  func scalarOperand(_ e: Expr, role: String) throws -> Double {
    let v = try tensorOperand(e, role: role)
    guard let s = v.value.scalarValue else {
      throw Diagnostic(
        "\(role) must be a number, but \(operandName(e)) has shape \(Tensor.describe(v.shape))", at: e.range)
    }
    return s
  }

  func evaluateBinary(_ op: String, _ lhs: Expr, _ rhs: Expr, opRange: SourceRange) throws -> Value {
    let left = try evaluate(lhs)
    let right = try evaluate(rhs)
    // Lists join with +, as in Python: [W1, b1] + [W2, b2], or L = L + [x] in a loop (where
    // L may start as [], which reads as an empty tensor).
    if op == "+" {
      func items(_ v: Value) -> [Value]? {
        switch v {
        case .list(let items): return items
        case .tensor(let t) where t.rank == 1 && t.value.count == 0: return []
        default: return nil
        }
      }
      if case .list = left, let r = items(right), let l = items(left) { return .list(l + r) }
      if case .list = right, let l = items(left), let r = items(right) { return .list(l + r) }
    }
    let a = try tensorOperand(lhs, left, role: "'\(op)'")
    let b = try tensorOperand(rhs, right, role: "'\(op)'")
    let result: Variable
    do {
      switch op {
      case "+": result = try a + b
      case "-": result = try a - b
      case "*":
        // Two masks multiplied are their "and", still a mask.
        result = a.isBoolean && b.isBoolean ? .boolean(try (a * b).value) : try a * b
      case "/": result = try a / b
      case "%": result = try Primitive.mod.apply(a, b)
      case "//": result = try Primitive.floorDivide.apply(a, b)
      case "^": result = try Variable.pow(a, b)
      case "@": result = try Variable.matmul(a, b)
      case "==": result = try Variable.compare(a, b, symbol: op) { $0 == $1 }
      case "!=": result = try Variable.compare(a, b, symbol: op) { $0 != $1 }
      case "<": result = try Variable.compare(a, b, symbol: op) { $0 < $1 }
      case "<=": result = try Variable.compare(a, b, symbol: op) { $0 <= $1 }
      case ">": result = try Variable.compare(a, b, symbol: op) { $0 > $1 }
      case ">=": result = try Variable.compare(a, b, symbol: op) { $0 >= $1 }
      default: throw Diagnostic("unknown operator \(op)", at: opRange)
      }
    } catch let error as ShapeError {
      let (ln, rn) = (operandName(lhs), operandName(rhs))
      let symbol = op == "^" ? "^" : op
      throw Diagnostic(
        "\(ln) \(symbol) \(rn): \(ln) is \(Tensor.describe(a.shape)), \(rn) is \(Tensor.describe(b.shape)); \(error.rule)",
        at: opRange)
    }
    noteNonFinite(result.value, inputs: [a.value, b.value], operation: source.slice(lhs.range.union(rhs.range)))
    traceHook?(op, result, [.tensor(a), .tensor(b)])
    return .tensor(result)
  }

  /// IEEE results are not errors, but the user hears which operation first made inf or nan.
  /// Adds a note unless the statement already has it (a loop would repeat it).
  func noteOnce(_ note: String) {
    if !notes.contains(note) { notes.append(note) }
  }

  /// Inlined so a finite result (nearly every one) costs only the check: a call passed the
  /// tensor by copy, a retain and release of both its arrays per operation.
  @inline(__always)
  func noteNonFinite(_ result: Tensor, inputs: @autoclosure () -> [Tensor], operation: @autoclosure () -> String) {
    guard watchesNonFinite, !result.allFinite else { return }
    noteNewNonFinite(result, inputs: inputs(), operation: operation())
  }

  private func noteNewNonFinite(_ result: Tensor, inputs given: [Tensor], operation: @autoclosure () -> String) {
    // Name each kind this operation made that no input had: 0 * inf and inf - inf make a
    // nan from an inf, log([-1, 0]) makes both a nan and a -inf.
    func kinds(_ t: Tensor) -> Set<String> {
      guard !t.allFinite else { return [] }
      var found = Set<String>()
      for v in t.data where !v.isFinite {
        found.insert(v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
        if found.count == 3 { break }
      }
      return found
    }
    let before = given.reduce(into: Set<String>()) { $0.formUnion(kinds($1)) }
    let made = ["nan", "inf", "-inf"].filter { kinds(result).contains($0) && !before.contains($0) }
    guard !made.isEmpty else { return }
    let note = "note: \(operation()) gives \(made.joined(separator: " and "))"
    noteOnce(note)
  }

  func evaluateBracket(_ rows: [[Expr]], rowSeparated: Bool, range: SourceRange) throws -> Value {
    if rowSeparated {
      // MATLAB rows: each row is scalars (or vectors, joined), rows stacked.
      var rowVariables: [Variable] = []
      for (r, row) in rows.enumerated() {
        var parts: [Variable] = []
        for item in row {
          let v = try tensorOperand(item, role: "a matrix row")
          guard v.rank <= 1 else {
            throw Diagnostic(
              "row \(r + 1) holds a tensor of shape \(Tensor.describe(v.shape)); rows hold numbers or vectors",
              at: item.range)
          }
          parts.append(try v.reshaped([v.value.count]))
        }
        let joined = parts.count == 1 ? parts[0] : try Variable.concat(parts, axis: 0)
        if let first = rowVariables.first, first.shape != joined.shape {
          throw Diagnostic(
            "ragged matrix: row \(r + 1) has \(joined.value.count) entries, row 1 has \(first.value.count)", at: range)
        }
        rowVariables.append(joined)
      }
      return .tensor(try Variable.stack(rowVariables, axis: 0))
    }
    let items = rows.first ?? []
    if items.isEmpty { return .tensor(Tensor(vector: [])) }
    // Fast path: a literal of plain numbers.
    var numbers: [Double] = []
    numbers.reserveCapacity(items.count)
    for item in items {
      if case .number(let v) = item.kind {
        numbers.append(v)
      } else if case .unary("-", let inner) = item.kind, case .number(let v) = inner.kind {
        numbers.append(-v)
      } else {
        break
      }
    }
    if numbers.count == items.count {
      // As a bare 1e400 does, say which entry overflowed.
      for (item, v) in zip(items, numbers) where v.isInfinite {
        noteOnce("note: \(source.slice(item.range)) is too large for a Double, so it is inf")
      }
      return .tensor(Tensor(vector: numbers))
    }
    let values = try items.map { try evaluate($0) }
    let allScalars = values.allSatisfy { if case .tensor(let t) = $0 { return t.rank == 0 } else { return false } }
    if allScalars {
      let scalars = values.compactMap { if case .tensor(let t) = $0 { return t } else { return nil } }
      // `[true, false, true]` is a mask.
      if scalars.allSatisfy(\.isBoolean) { return .tensor(.boolean(try Variable.stack(scalars, axis: 0).value)) }
      // Stacked, not copied, so `[2*a, -b]` stays differentiable in a and b.
      return .tensor(try Variable.stack(scalars, axis: 0))
    }
    let allLiterals = items.allSatisfy { if case .bracket = $0.kind { return true } else { return false } }
    let tensors = values.compactMap { if case .tensor(let t) = $0 { return t } else { return nil } }
    if allLiterals && tensors.count == values.count {
      for (i, t) in tensors.enumerated() where t.shape != tensors[0].shape {
        throw Diagnostic(
          "ragged literal: row \(i + 1) has shape \(Tensor.describe(t.shape)), row 1 has shape \(Tensor.describe(tensors[0].shape))",
          at: items[i].range)
      }
      if tensors.allSatisfy(\.isBoolean) { return .tensor(.boolean(try Variable.stack(tensors, axis: 0).value)) }
      return .tensor(try Variable.stack(tensors, axis: 0))
    }
    return .list(values)
  }

  func evaluateIndex(_ baseExpr: Expr, _ items: [IndexArgument], range: SourceRange) throws -> Value {
    let base = try evaluate(baseExpr)
    if case .list(let list) = base {
      guard items.count == 1, case .expression(let e) = items[0] else {
        throw Diagnostic("a list takes one index, like g[0]", at: range)
      }
      let i = try integerOperand(e, role: "a list index")
      let r = i < 0 ? i + list.count : i
      guard r >= 0, r < list.count else {
        throw Diagnostic("index \(i) is out of bounds for a list of \(list.count)", at: e.range)
      }
      return list[r]
    }
    guard case .tensor(var t) = base else {
      throw Diagnostic("cannot index \(base.typeName)", at: baseExpr.range)
    }
    let (flattened, resolved) = try resolveIndex(t, baseExpr, items)
    t = flattened
    do {
      let result = try t.indexed(resolved)
      // `W[:, 0:2]` reads W: a model summary counts it.
      traceHook?("index", result, [.tensor(t)])
      return .tensor(result)
    } catch let error as ShapeError {
      let name = operandName(baseExpr)
      throw Diagnostic("\(name)[…]: \(name) has shape \(Tensor.describe(t.shape)); \(error.rule)", at: range)
    }
  }

  /// The index items of `x[...]` resolved against x's value, and x with the first axes a
  /// boolean mask covers flattened into one (NumPy's boolean indexing).
  func resolveIndex(_ base: Variable, _ baseExpr: Expr, _ items: [IndexArgument]) throws -> (Variable, [IndexItem]) {
    var t = base
    // x[mask] with a mask over x's first axes: those axes flatten into one, indexed by the
    // positions where the mask is 1 (NumPy's boolean indexing; a 1-D mask needs no flattening).
    // Each index expression is evaluated once, in order.
    let indices: [Variable?] = try items.map { item in
      if case .expression(let e) = item { return try tensorOperand(e, role: "an index") }
      return nil
    }
    if items.count == 1, case .expression(let e) = items[0], let mask = indices[0], mask.isBoolean, mask.rank >= 2 {
      let k = mask.rank
      guard t.rank >= k, Array(t.shape.prefix(k)) == mask.shape else {
        throw Diagnostic(
          "a boolean mask of shape \(Tensor.describe(mask.shape)) must match the first axes of \(operandName(baseExpr)), which has shape \(Tensor.describe(t.shape))",
          at: e.range)
      }
      t = try t.reshaped([mask.value.count] + Array(t.shape.dropFirst(k)))
    }
    var resolved: [IndexItem] = []
    for (position, item) in items.enumerated() {
      switch item {
      case .expression(let e):
        guard let v = indices[position] else { continue }
        if v.isBoolean && v.rank >= 1 {
          let flat = v.value.data
          let size = position < t.rank ? t.shape[position] : -1
          guard flat.count == size else {
            throw Diagnostic(
              "a boolean mask of \(flat.count) entries cannot select along axis \(position) of \(operandName(baseExpr)), which has size \(size < 0 ? 0 : size)",
              at: e.range)
          }
          resolved.append(.array(flat.indices.filter { flat[$0] != 0 }))
        } else if v.isBoolean {
          throw Diagnostic(
            "a single true or false cannot index (it would read position 0 or 1); use a mask shaped like the axis, as in x[x > 0]",
            at: e.range)
        } else if v.rank == 0 {
          resolved.append(.single(try integerOperand(e, value: v.value.data[0], role: "an index")))
        } else if v.rank == 1 {
          let positions = try v.value.data.map { try integerOperand(e, value: $0, role: "an index") }
          // 0s and 1s as long as the axis: probably a mask that lost its kind (1 - m, m1 + m2).
          if positions.count > 2, position < t.rank, positions.count == t.shape[position],
            positions.allSatisfy({ $0 == 0 || $0 == 1 })
          {
            let note =
              "note: the index \(operandName(e)) holds only 0s and 1s and is as long as the axis; it reads positions 0 and 1. To select where it is 1, index with a comparison: x[\(operandName(e)) == 1]"
            noteOnce(note)
          }
          resolved.append(.array(positions))
        } else {
          throw Diagnostic("an index array must be a vector, got shape \(Tensor.describe(v.shape))", at: e.range)
        }
      case .slice(let start, let stop, let step, _):
        resolved.append(
          .slice(
            start: try start.map { try sliceBound($0, role: "a slice start") },
            stop: try stop.map { try sliceBound($0, role: "a slice stop") },
            step: try step.map { try integerOperand($0, role: "a slice step") }))
      }
    }
    return (t, resolved)
  }

  /// `x[items] = v`: x becomes a new value with those entries replaced (its history holds the
  /// old x and v).
  func assignIndex(_ name: String, nameRange: SourceRange, _ items: [IndexArgument], _ e: Expr) throws {
    guard case .tensor(let x)? = lookup(name) else {
      if lookup(name) == nil { throw undefined(name, at: nameRange) }
      throw Diagnostic("\(name)[…] = … needs \(name) to be a tensor", at: nameRange)
    }
    let v = try tensorOperand(e, role: "the value assigned")
    let target = Expr(.identifier(name), nameRange)
    let (flattened, resolved) = try resolveIndex(x, target, items)
    do {
      bind(name, .tensor(try flattened.setting(resolved, to: v).reshaped(x.shape)))
    } catch let error as ShapeError {
      // Named by the statement as typed (`x[i] += v` as well as `x[i] = v`) when it is short.
      let range = nameRange.union(e.range)
      let typed = source.slice(range)
      throw Diagnostic(
        "\(typed.count <= 32 ? typed : "\(name)[…] = …"): \(name) has shape \(Tensor.describe(x.shape)); \(error.rule)",
        at: range)
    }
  }

}
