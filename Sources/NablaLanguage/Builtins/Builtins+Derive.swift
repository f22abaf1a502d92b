import NablaAutodiff
import NablaSymbolic
import NablaTensor

/// A value held weakly (a derivation recorded for a value lives only as long as the value).
public final class WeakVariable {
  public weak var value: Variable?
  init(_ value: Variable) { self.value = value }
}

extension Builtins {
  static let derive = Builtin(
    "derive", [Parameter("y", .any), Parameter("x", .withRespectTo)], category: "Differentiation",
    doc:
      "∂y/∂x as a formula in matrix notation (the gradient in x's shape for a scalar y, else the Jacobian, rows as outputs), checked against autodiff, then its value.",
    example: "derive(sum(x^2), x)"
  ) { c in
    let (y, x, yName) = try c.functionOrValue("y", at: "x")
    // For a function, the formula is written in its own parameter: derive(f, x0) with f(z) gives ∂f/∂z.
    var xName = try c.wrtName("x", differentiating: "y")
    // …and its nabla syntax in the name the session has for x0, when it has one.
    var sessionName = xName
    if case .function(let f) = try c.value("y"), case .user(let parameters, _, _) = f.kind, let first = parameters.first
    {
      xName = first
      if let written = c.text("x"), Builtins.isPlainName(written) { sessionName = written }
    }
    let interpreter = c.interpreter
    let (names, values) = interpreter.sessionNames(excluding: xName)
    var namesWithX = names
    namesWithX[ObjectIdentifier(x)] = xName
    let definitions = interpreter.definitions(names: namesWithX)
    let derivation = try Deriver.derive(
      y, withRespectTo: x, xName: xName, names: names, values: values, definitions: definitions)
    let scalar = y.value.count == 1
    let result = Variable.rememberingHistory([derivation.value]) {
      scalar
        ? try Differentiation.gradient(of: y, withRespectTo: [x], createGraph: true).values
        : [try Differentiation.jacobian(of: y, withRespectTo: x, createGraph: true).jacobian]
    }[0]
    let title = interpreter.derivativeTitle(of: y, written: yName, names: namesWithX, xName: xName)
    var notes = derivation.notes
    if !derivation.dependsOn {
      notes.append(interpreter.independenceNote(of: y, yName, on: xName, result: "the derivative is zeros"))
    }
    if let mismatch = derivation.mismatch, !derivation.agrees {
      notes.append(
        "warning: this formula disagrees with autodiff by \(mismatch) (relative); the value below is autodiff's. Please report it: a wrong formula is a bug"
      )
    }
    var report = DerivationReport(
      title: title, math: derivation.formula.map(FormulaPrinter(.math).print),
      formula: derivation.formula.map { FormulaPrinter(.nabla).print($0.renaming(xName, to: sessionName)) },
      latex: derivation.formula.map(FormulaPrinter(.latex).print), notes: notes, mismatch: derivation.mismatch)
    // Names in the formula whose definitions the title writes out: (p = softmax(x)).
    if let formula = derivation.formula {
      let printer = FormulaPrinter(.math)
      let legend = definitions.filter { d in
        formula.contains(symbol: d.name) && title.contains(printer.print(d.formula))
      }.map { "\($0.name) = \(printer.print($0.formula))" }
      if !legend.isEmpty { report.legend = "(" + legend.joined(separator: ", ") + ")" }
    }
    interpreter.record(report, for: result)
    for note in notes {
      interpreter.notes.append(note.hasPrefix("note:") || note.hasPrefix("warning:") ? note : "note: " + note)
    }
    let table: Presentation? =
      scalar ? nil : .jacobian(output: yName, input: xName, outputShape: y.shape, inputShape: x.shape)
    interpreter.present(.derivation(report, value: table), for: c)
    return .tensor(result)
  }
}

extension Interpreter {
  /// The session's tensors by identity (sorted names, plain names first, so the choice is the
  /// same every time) and by name; the variable differentiated against is named by the caller.
  public func sessionNames(excluding xName: String) -> ([ObjectIdentifier: String], [String: Variable]) {
    var names: [ObjectIdentifier: String] = [:]
    var values: [String: Variable] = [:]
    let ordered = globals.keys.sorted { a, b in
      let (pa, pb) = (Builtins.isPlainName(a) && !a.contains("_"), Builtins.isPlainName(b) && !b.contains("_"))
      if pa != pb { return pa }
      return a.count != b.count ? a.count < b.count : a < b
    }
    for name in ordered where name != xName {
      guard case .tensor(let v)? = globals[name] else { continue }
      values[name] = v
      if names[ObjectIdentifier(v)] == nil { names[ObjectIdentifier(v)] = name }
    }
    return (names, values)
  }

  /// The session's computed values as formulas of the others, so a formula can name them.
  public func definitions(names: [ObjectIdentifier: String]) -> [(name: String, formula: Formula)] {
    var out: [(name: String, formula: Formula)] = []
    for (id, name) in names.sorted(by: { $0.value < $1.value }) {
      guard case .tensor(let v)? = globals[name], v.primitive != nil else { continue }
      var own = names
      own[id] = nil
      var lifter = FormulaLifter(names: own, limit: 200)
      guard let raw = try? lifter.lift(v) else { continue }
      var simplifier = Simplifier(facts: Facts(values: [:]))
      out.append((name, simplifier.simplify(raw)))
    }
    return out
  }

  /// ∂y/∂x with y as its name, or its formula in matrix notation (∂(xᵀAx)/∂x, ∂softmax(x)/∂x,
  /// ∂log det X/∂X: parentheses only around sums and products), or the text as written.
  func derivativeTitle(of y: Variable, written: String, names: [ObjectIdentifier: String], xName: String) -> String {
    if Builtins.isPlainName(written) { return "∂\(written)/∂\(xName)" }
    var lifter = FormulaLifter(names: names, limit: 200)
    guard let raw = try? lifter.lift(y) else { return Builtins.derivativeTitle(written, xName) }
    var simplifier = Simplifier(facts: Facts(values: [:]))
    let f = simplifier.simplify(raw)
    let text = FormulaPrinter(.math).print(f)
    guard text.count <= 40 else { return Builtins.derivativeTitle(written, xName) }
    // Parentheses around sums and products, and around anything with a space at the top level
    // (but log det X and det X read as they are).
    var depth = 0
    var spaced = false
    for ch in text {
      if "([{‖".contains(ch) { depth += ch == "‖" ? (depth == 0 ? 1 : -1) : 1 }
      if ")]}".contains(ch) { depth -= 1 }
      if ch == " " && depth == 0 { spaced = true }
    }
    var bare = !spaced || text.hasPrefix("log det ") || text.hasPrefix("det ")
    switch f.kind {
    case .sum, .product, .matmul: bare = false
    default: break
    }
    return "∂" + (bare ? text : "(\(text))") + "/∂" + xName
  }

  func record(_ report: DerivationReport, for value: Variable) {
    if derivations.count > 256 { derivations = derivations.filter { $0.value.value.value != nil } }
    derivations[ObjectIdentifier(value)] = (WeakVariable(value), report)
  }

  /// The derivation `derive` recorded for this value, if it is one of its results.
  public func derivation(of value: Variable) -> DerivationReport? {
    guard let entry = derivations[ObjectIdentifier(value)], entry.value.value === value else { return nil }
    return entry.report
  }
}
