import NablaAutodiff
import NablaLanguage

/// Builtins that belong to the session layer (they format), registered beside the language's.
extension Session {
  static var sessionBuiltins: [Builtin] { [latexBuiltin] + dataBuiltins + showingBuiltins + [trainBuiltin] }

  static let latexBuiltin = Builtin(
    "latex", [Parameter("x", .any)], category: "Showing",
    doc: "The value as LaTeX (a bmatrix for a tensor), ready to paste into a write-up.", example: "latex([1, 2; 3, 4])"
  ) { c in
    let text: String
    switch try c.value("x") {
    case .tensor(let v):
      if let report = c.interpreter.derivation(of: v) {
        text = LaTeXFormatter().derivation(report, value: v.value)
      } else {
        text = LaTeXFormatter().tensor(v.value)
      }
    case .list(let items):
      text = items.compactMap { LaTeXFormatter().display($0, presentation: nil) }.joined(separator: "\n")
    case let other: throw c.fail("'x' must be a tensor or a list, got \(other.typeName)", argument: "x")
    }
    c.interpreter.present(.text(text), for: c)
    return .string(text)
  }
}
