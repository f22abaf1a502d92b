import NablaLanguage
import NablaSymbolic
import NablaTensor

/// Values as LaTeX, for write-ups: tensors as `bmatrix` blocks, derivatives with their
/// ∂-fraction titles.
public struct LaTeXFormatter {
  public var precision: Int

  public init(precision: Int = 4) {
    self.precision = precision
  }

  func number(_ v: Double, _ style: NumberStyle) -> String {
    let text = style.format(v)
    if text == "inf" { return "\\infty" }
    if text == "-inf" { return "-\\infty" }
    if text == "nan" { return "\\mathrm{NaN}" }
    guard let e = text.firstIndex(of: "e") else { return text }
    let mantissa = text[..<e]
    let exponent = Int(text[text.index(after: e)...]) ?? 0
    return "\(mantissa) \\times 10^{\(exponent)}"
  }

  /// A scalar bare, a vector as a row (a column when `column`), a matrix as rows; higher ranks
  /// as a list of matrices. Elided as the terminal elides (past 1000 entries, the first and
  /// last three along each axis around \cdots, \vdots and \ddots); more than 10 columns
  /// (amsmath's limit for bmatrix) are written as an array in brackets.
  public func tensor(_ t: Tensor, column: Bool = false) -> String {
    let style = NumberStyle(for: t.data, precision: precision)
    let elide = t.count > TensorFormatter(precision: precision).elisionThreshold
    /// Indices to show along an axis of `n`, nil marking the elided middle.
    func shown(_ n: Int) -> [Int?] {
      TensorFormatter(precision: precision).visibleIndices(n, elide: elide).map { $0 < 0 ? nil : $0 }
    }
    func matrix(_ rows: [[String]]) -> String {
      let columns = rows.map(\.count).max() ?? 0
      let body = rows.map { $0.joined(separator: " & ") }.joined(separator: " \\\\ ")
      if columns <= 10 { return "\\begin{bmatrix} " + body + " \\end{bmatrix}" }
      return "\\left[\\begin{array}{" + String(repeating: "r", count: columns) + "} " + body
        + " \\end{array}\\right]"
    }
    switch t.rank {
    case 0:
      return number(t.data.first ?? 0, style)
    case 1:
      let cells = shown(t.count).map { i in i.map { number(t.data[$0], style) } ?? (column ? "\\vdots" : "\\cdots") }
      return matrix(column ? cells.map { [$0] } : [cells])
    default:
      let columns = t.shape[t.rank - 1]
      let rows = t.shape[t.rank - 2]
      let perMatrix = rows * columns
      let matrices = perMatrix == 0 ? 0 : t.count / perMatrix
      let one = { (m: Int) -> String in
        matrix(
          shown(rows).map { r -> [String] in
            shown(columns).map { c -> String in
              switch (r, c) {
              case (let r?, let c?): return number(t.data[m * perMatrix + r * columns + c], style)
              case (nil, nil): return "\\ddots"
              case (nil, _): return "\\vdots"
              case (_, nil): return "\\cdots"
              }
            }
          })
      }
      let blocks = (matrices > 1 ? shown(matrices) : [0]).map { m in m.map(one) ?? "\\ldots" }
      return blocks.count == 1 ? blocks[0] : "\\left(" + blocks.joined(separator: ",\\; ") + "\\right)"
    }
  }

  /// `\frac{\partial e}{\partial x}`.
  /// A derivation: ∂y/∂x = formula = value (or just the value when there is no formula).
  public func derivation(_ report: DerivationReport, value: Tensor) -> String {
    let title = report.title.hasPrefix("∂") ? LaTeXFormatter.derivativeTitle(report.title) : report.title
    let formula = report.latex.map { " = " + $0 } ?? ""
    return "$$" + title + formula + " = " + tensor(value) + "$$"
  }

  /// ∂y/∂x (as `derive` titles it) as a fraction.
  static func derivativeTitle(_ title: String) -> String {
    let body = title.dropFirst()
    guard let slash = body.lastIndex(of: "/") else { return title }
    var of = String(body[..<slash])
    if of.hasPrefix("("), of.hasSuffix(")") { of = String(of.dropFirst().dropLast()) }
    let wrt = String(body[body.index(after: slash)...].dropFirst())
    return partial(of, wrt)
  }

  static func partial(_ of: String, _ wrt: String) -> String {
    "\\frac{\\partial \(symbol(of))}{\\partial \(symbol(wrt))}"
  }

  /// A name in math mode: a letter with its index as math (x, σ, W0 → W_{0}, x_i → x_{i}),
  /// longer names upright.
  static func symbol(_ name: String) -> String {
    let letters = name.prefix { !$0.isNumber && $0 != "_" }
    if letters.count == 1 { return FormulaPrinter.latexName(name) }
    return "\\mathrm{\(name.replacingUnderscores())}"
  }

  /// A value with its presentation, as a display-math line.
  public func display(_ value: Value, presentation: Presentation?) -> String? {
    switch (value, presentation) {
    case (.tensor(let v), .gradient(let titles)?):
      return "$$" + gradientTitle(titles.first) + " = " + tensor(v.value) + "$$"
    case (.list(let items), .gradient(let titles)?) where titles.count == items.count:
      return zip(titles, items).compactMap { title, item in
        guard case .tensor(let v) = item else { return nil }
        return "$$" + gradientTitle(title) + " = " + tensor(v.value) + "$$"
      }.joined(separator: "\n\n")
    case (.tensor(let v), .jacobian(let output, let input, let outputShape, let inputShape)?):
      let rows = outputShape.reduce(1, *)
      let flat = Tensor(uncheckedShape: [rows, inputShape.reduce(1, *)], data: v.value.data)
      return "$$" + LaTeXFormatter.partial(output, input) + " = " + tensor(flat) + "$$"
    case (.tensor(let v), .hessian(let of, let input, let shape)?):
      let n = shape.reduce(1, *)
      let flat = Tensor(uncheckedShape: [n, n], data: v.value.data)
      return "$$\\frac{\\partial^2 \(LaTeXFormatter.symbol(of))}{\\partial \(LaTeXFormatter.symbol(input))^2} = "
        + tensor(flat) + "$$"
    case (.tensor(let v), .hessianBlock(let of, let row, let rowShape, let column, let columnShape)?):
      let flat = Tensor(
        uncheckedShape: [rowShape.reduce(1, *), columnShape.reduce(1, *)], data: v.value.data)
      let denominator =
        row == column
        ? "\\partial \(LaTeXFormatter.symbol(row))^2"
        : "\\partial \(LaTeXFormatter.symbol(row))\\, \\partial \(LaTeXFormatter.symbol(column))"
      return "$$\\frac{\\partial^2 \(LaTeXFormatter.symbol(of))}{\(denominator)} = " + tensor(flat) + "$$"
    case (.list(let items), .items(let shown)?) where items.count == shown.count:
      return zip(items, shown).compactMap { display($0, presentation: $1) }.joined(separator: "\n\n")
    case (.tensor(let v), .derivation(let report, _)?):
      return derivation(report, value: v.value)
    case (_, .text?), (_, .drawn?), (_, .gradientCheck?):
      // A plot, a table, a training curve, gradcheck's report: shown as text, as in the terminal.
      return nil
    case (.tensor(let v), _):
      return "$$" + tensor(v.value) + "$$"
    case (.list(let items), _):
      return items.compactMap { display($0, presentation: nil) }.joined(separator: "\n\n")
    default:
      return nil
    }
  }

  /// "∂e/∂x" as a LaTeX fraction (or the title as text when it is not of that form).
  func gradientTitle(_ title: String?) -> String {
    guard let title, title.hasPrefix("∂"), let slash = title.firstRange(of: "/∂") else { return "\\nabla" }
    var of = String(title[title.index(after: title.startIndex)..<slash.lowerBound])
    if of.hasPrefix("(") && of.hasSuffix(")") { of = String(of.dropFirst().dropLast()) }
    let wrt = String(title[slash.upperBound...])
    return LaTeXFormatter.partial(of, wrt)
  }
}

extension String {
  fileprivate func replacingUnderscores() -> String {
    split(separator: "_", omittingEmptySubsequences: false).joined(separator: "\\_")
  }
}
