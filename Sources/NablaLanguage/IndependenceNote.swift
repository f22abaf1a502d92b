import NablaAutodiff

extension Interpreter {
  /// Why `e` does not depend on the value `x` holds, as a note ending in `result`
  /// ("∂e/∂x is zeros"). Told apart by looking at what e was computed from: nothing (a value
  /// with no history), an earlier value of x (reassigned or updated since), or other variables.
  public func independenceNote(of e: Variable, _ eName: String, on xName: String, result: String) -> String {
    let lead = "note: \(eName) does not depend on \(xName) as it is now"
    if !Builtins.isPlainName(xName) {
      return
        "note: \(xName) here is a new value, not a variable \(eName) was computed from, so \(result); name it first (x = \(xName)), compute with x, then differentiate with respect to x"
    }
    if !e.isTracked || e.producer == nil {
      return
        "\(lead): \(eName) is a value with no history (typed in, loaded, detached, or updated with += -= *= /=, which drop it), so \(result)"
    }
    let steps = ReverseMode.graph(of: e)
    let inGraph = Set(steps.map { ObjectIdentifier($0.variable) })
    if steps.contains(where: { $0.variable.replacedName == xName }) {
      return
        "\(lead): \(xName) was reassigned or updated after \(eName) was computed, and \(eName) depends on its earlier value, so \(result); compute \(eName) again to differentiate it at the new \(xName)"
    }
    let sources = globals.compactMap { name, value -> String? in
      guard name != eName, case .tensor(let v) = value, inGraph.contains(ObjectIdentifier(v)) else { return nil }
      return name
    }.sorted()
    if sources.isEmpty {
      return "\(lead): \(eName) is not computed from \(xName), so \(result)"
    }
    return "\(lead): \(eName) is computed from \(sources.joined(separator: ", ")), not from \(xName), so \(result)"
  }
}
