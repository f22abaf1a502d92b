import NablaAutodiff
import NablaLanguage

/// Builtins that belong to the session layer (they format), registered beside the language's.
extension Session {
  static var sessionBuiltins: [Builtin] { [latexBuiltin] + dataBuiltins + showingBuiltins + [trainBuiltin] }

  static let latexBuiltin = Builtin(
    "latex",
    [Parameter("x", .any), Parameter("column", .bool, default: .value(.scalar(0)), namedOnly: true)],
    category: "Showing",
    doc:
      "The value as LaTeX (a bmatrix for a tensor; column: true writes a vector as a K×1 column), ready to paste into a write-up.",
    example: "latex([1, 2, 3], column: true)"
  ) { c in
    let precision = (c.interpreter.owner as? Session)?.options.precision ?? 4
    let formatter = LaTeXFormatter(precision: precision)
    let text: String
    switch try c.value("x") {
    case .tensor(let v):
      if let report = c.interpreter.derivation(of: v) {
        text = formatter.derivation(report, value: v.value)
      } else {
        text = formatter.tensor(v.value, column: try c.bool("column"))
      }
    case .list(let items):
      text = items.compactMap { formatter.display($0, presentation: nil) }.joined(separator: "\n")
    case let other: throw c.fail("'x' must be a tensor or a list, got \(other.typeName)", argument: "x")
    }
    c.interpreter.present(.text(text), for: c)
    return .string(text)
  }
}
