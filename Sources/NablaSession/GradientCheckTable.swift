import NablaAutodiff
import NablaTensor

/// `gradcheck`'s report as a table (entry, analytic, numeric, absolute and relative error), the
/// worst entry marked, and a last line with the verdict, tolerance and step.
struct GradientCheckTable {
  let report: GradientCheckReport
  /// The function's name and its point's, for the entry labels (∂f[0]/∂x[1]).
  let output: String
  let input: String

  func render() -> String {
    let scalarOutput = report.outputShape.reduce(1, *) == 1
    let shown = visibleEntries()
    func label(_ e: GradientCheckReport.Entry) -> String {
      let x = JacobianTable.label(input, e.input, shape: report.inputShape)
      return scalarOutput
        ? "∂\(output)/∂\(x)" : "∂\(JacobianTable.label(output, e.output, shape: report.outputShape))/∂\(x)"
    }
    func sci(_ v: Double) -> String { NumberStyle.printf(v, "%.3e") }
    func fixed(_ v: Double) -> String { NumberStyle.printf(v, "%.8f") }
    let header = ["entry", "analytic", "numeric", "abs error", "rel error"]
    var rows: [[String]] = []
    for k in shown {
      guard k >= 0 else {
        rows.append(["⋮", "", "", "", ""])
        continue
      }
      let e = report.entries[k]
      rows.append([label(e), fixed(e.analytic), fixed(e.numeric), sci(e.absoluteError), sci(e.relativeError)])
    }
    var widths = header.map(\.count)
    for r in rows { for (i, cell) in r.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, c in i == 0 ? padRight(c, widths[i]) : pad(c, widths[i]) }.joined(separator: "  ")
    }
    var lines = [line(header)]
    for (k, r) in zip(shown, rows) {
      lines.append(line(r) + (k == report.worst && k >= 0 ? "  ◀ worst" : ""))
    }
    let worstError = report.worst.map { report.entries[$0].scaledError } ?? 0
    let verdict = report.passed ? "PASS" : "FAIL"
    var last =
      "\(verdict): worst error \(sci(worstError)) \(report.passed ? "≤" : ">") tol \(sci(report.tolerance)) (|analytic − numeric| / max(1, |numeric|)), central differences with step h = \(sci(report.step))"
    if let d = report.diagnosis { last += "\nlikely cause: \(d)" }
    lines.append(last)
    return lines.joined(separator: "\n")
  }

  /// Up to 20 entries: the first ones, the worst, the last ones; -1 marks a gap.
  func visibleEntries() -> [Int] {
    let n = report.entries.count
    if n <= 20 { return Array(0..<n) }
    var picked = Set(Array(0..<8) + Array((n - 8)..<n))
    if let w = report.worst { picked.insert(w) }
    var result: [Int] = []
    var previous = -1
    for k in picked.sorted() {
      if k != previous + 1 { result.append(-1) }
      result.append(k)
      previous = k
    }
    return result
  }
}
