import NablaAutodiff
import NablaLanguage
import NablaSymbolic
import NablaTensor

/// `:explain grad(e, x)`: the chain rule as the homework writes it, one line per named
/// intermediate on the way from e back to x, each gradient a formula (from `derive`) with its
/// shape and value, and where paths meet, the gradients added.
struct ChainRuleExplanation {
  let interpreter: Interpreter
  let precision: Int
  /// The terminal's width: a line that would not fit puts its shape and value on the next line.
  var width = 80

  /// The lines, or nil when e does not depend on x.
  func explain(_ e: Variable, _ eName: String, withRespectTo x: Variable, _ xName: String) -> [String]? {
    let steps = ReverseMode.graph(of: e, target: x)
    guard steps.contains(where: \.isTarget) else { return nil }
    let (names, values) = interpreter.sessionNames(excluding: xName)
    var namesWithX = names
    namesWithX[ObjectIdentifier(x)] = xName
    let definitions = interpreter.definitions(names: namesWithX)
    // Which steps use each step's value.
    var consumers = [[Int]](repeating: [], count: steps.count)
    for s in steps { for i in s.inputs { consumers[i].append(s.index) } }
    let top = steps.count - 1
    func name(_ k: Int) -> String? {
      if k == top { return eName }
      if steps[k].isTarget { return xName }
      return names[ObjectIdentifier(steps[k].variable)]
    }
    // The named values a step's gradient comes from: the first named ones downstream.
    func downstream(_ k: Int) -> [Int] {
      var found: [Int] = []
      var seen: Set<Int> = []
      var pending = consumers[k]
      while let c = pending.popLast() {
        guard seen.insert(c).inserted else { continue }
        if name(c) != nil { found.append(c) } else { pending.append(contentsOf: consumers[c]) }
      }
      return found.sorted()
    }
    let named = steps.indices.filter { k in k != top && steps[k].reachesTarget && name(k) != nil }
    var lines: [Row] = []
    let formatter = TensorFormatter(precision: precision)
    for k in named.sorted(by: >) {
      let u = steps[k].variable
      guard let uName = name(k) else { continue }
      let gradient = derive(e, u, uName, names, values, definitions)
      let title = "∂\(Self.bracketed(eName))/∂\(uName)"
      let value = formatter.format(gradient.value.value).split(separator: "\n").joined(separator: " ")
      let shape = Self.describe(u.shape)
      // A formula that disagrees with autodiff is marked here too, never shown as if right.
      let formula =
        gradient.formula.map {
          FormulaPrinter(.math).print($0) + (gradient.agrees ? "" : " (disagrees with autodiff!)")
        }
        ?? "(no closed form)"
      let sources = downstream(k)
      if sources == [top] {
        lines.append(Row(left: "\(title) = \(formula)", shape: shape, value: value, indent: title.count))
        continue
      }
      let pad = String(repeating: " ", count: title.count)
      if sources.count == 1, let s = sources.first, let sName = name(s) {
        let local = derive(steps[s].variable, u, uName, names, values, definitions)
        let upstream = derive(e, steps[s].variable, sName, names, values, definitions)
        let jacobian = "∂\(sName)/∂\(uName)"
        let localText = local.formula.map(FormulaPrinter(.math).print) ?? jacobian
        let upstreamText = upstream.formula.map(FormulaPrinter(.math).print) ?? "∂\(eName)/∂\(sName)"
        let shapes = "\(Self.describe(steps[s].variable.shape + u.shape))ᵀ\(Self.describe(steps[s].variable.shape))"
        lines.append(
          Row(
            left: "\(title) = (\(jacobian))ᵀ ∂\(Self.bracketed(eName))/∂\(sName) = (\(localText))ᵀ(\(upstreamText))",
            shape: shapes, value: nil, indent: title.count))
      } else {
        let terms = sources.compactMap(name).map { "(∂\($0)/∂\(uName))ᵀ ∂\(Self.bracketed(eName))/∂\($0)" }
        lines.append(
          Row(
            left: "\(title) = " + terms.joined(separator: " + ") + ": the gradients sum at the split", shape: nil,
            value: nil, indent: title.count))
      }
      lines.append(Row(left: "\(pad) = \(formula)", shape: shape, value: value, indent: title.count))
    }
    return Self.aligned(lines, width: width)
  }

  /// One step: the formula, its shape and value (none for a line that composes).
  struct Row {
    let left: String
    let shape: String?
    let value: String?
    /// Where the `=` of this step's title is.
    let indent: Int
  }

  /// Shapes and values in one column after the formulas; where that would not fit the terminal,
  /// each value goes under its formula's `=` instead.
  static func aligned(_ rows: [Row], width: Int) -> [String] {
    let column = rows.compactMap { $0.shape == nil ? nil : $0.left.count }.max() ?? 0
    let fits = rows.allSatisfy { row in
      guard let shape = row.shape else { return true }
      return column + 3 + shape.count + (row.value.map { 5 + $0.count } ?? 0) <= width
    }
    return rows.flatMap { row -> [String] in
      guard let shape = row.shape else { return [row.left] }
      let padded = row.left + String(repeating: " ", count: (fits ? column - row.left.count : 0) + 3) + shape
      guard let value = row.value else { return [padded] }
      if fits { return [padded + "   = " + value] }
      return [padded, String(repeating: " ", count: row.indent) + " = " + value]
    }
  }

  func derive(
    _ y: Variable, _ x: Variable, _ xName: String, _ names: [ObjectIdentifier: String], _ values: [String: Variable],
    _ definitions: [(name: String, formula: Formula)]
  ) -> Derivation {
    var own = names
    own[ObjectIdentifier(x)] = nil
    var vs = values
    vs[xName] = nil
    if let d = try? Deriver.derive(y, withRespectTo: x, xName: xName, names: own, values: vs, definitions: definitions)
    {
      return d
    }
    return Derivation(formula: nil, value: .constant(Tensor(repeating: 0, shape: x.shape)), mismatch: nil, notes: [])
  }

  static func bracketed(_ name: String) -> String {
    Builtins.isPlainName(name) ? name : "(\(name))"
  }

  /// [3], [3×3].
  static func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: "×") + "]"
  }
}
