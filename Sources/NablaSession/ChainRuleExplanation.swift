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
    var lines: [(String, String?)] = []
    let formatter = TensorFormatter(precision: precision)
    for k in named.sorted(by: >) {
      let u = steps[k].variable
      guard let uName = name(k) else { continue }
      let gradient = derive(e, u, uName, names, values, definitions)
      let title = "∂\(Self.bracketed(eName))/∂\(uName)"
      let value = formatter.format(gradient.value.value).split(separator: "\n").joined(separator: " ")
      let shape = Self.describe(u.shape)
      let formula = gradient.formula.map(FormulaPrinter(.math).print) ?? "(no closed form)"
      let sources = downstream(k)
      if sources == [top] {
        lines.append(("\(title) = \(formula)", "\(shape)   = \(value)"))
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
          ("\(title) = (\(jacobian))ᵀ ∂\(Self.bracketed(eName))/∂\(sName) = (\(localText))ᵀ(\(upstreamText))", shapes))
      } else {
        let terms = sources.compactMap(name).map { "(∂\($0)/∂\(uName))ᵀ ∂\(Self.bracketed(eName))/∂\($0)" }
        lines.append(("\(title) = " + terms.joined(separator: " + ") + ": the gradients sum at the split", nil))
      }
      lines.append(("\(pad) = \(formula)", "\(shape)   = \(value)"))
    }
    return Self.aligned(lines)
  }

  /// The shapes and values in one column: each line's formula padded to the longest.
  static func aligned(_ lines: [(String, String?)]) -> [String] {
    let width = lines.compactMap { $0.1 == nil ? nil : $0.0.count }.max() ?? 0
    return lines.map { left, right in
      guard let right else { return left }
      return left + String(repeating: " ", count: width - left.count + 3) + right
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
