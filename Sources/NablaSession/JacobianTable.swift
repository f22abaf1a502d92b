import NablaLanguage
import NablaTensor

/// A Jacobian as a table: a row per entry of y, a column per entry of x, each labelled with its
/// index (`p[0]`, `W[0,1]`), under the title `∂p/∂x`.
public struct JacobianTable {
  public let output: String
  public let input: String
  public let outputShape: [Int]
  public let inputShape: [Int]
  public let jacobian: Tensor
  public var precision = 4
  /// Beyond these, the middle rows or columns are elided.
  static let maxRows = 24
  static let maxColumns = 12

  public init(output: String, input: String, outputShape: [Int], inputShape: [Int], jacobian: Tensor, precision: Int) {
    self.output = output
    self.input = input
    self.outputShape = outputShape
    self.inputShape = inputShape
    self.jacobian = jacobian
    self.precision = precision
  }

  /// `p[0]`, `W[0,1]`, or the bare name for a scalar.
  static func label(_ name: String, _ flat: Int, shape: [Int]) -> String {
    if shape.isEmpty { return name }
    var index: [Int] = []
    var rest = flat
    for size in shape.reversed() {
      index.append(size > 0 ? rest % size : 0)
      rest = size > 0 ? rest / size : 0
    }
    let simple = name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0) }
    return (simple ? name : "(\(name))") + "[" + index.reversed().map(String.init).joined(separator: ",") + "]"
  }

  static func visible(_ n: Int, limit: Int) -> [Int] {
    if n <= limit { return Array(0..<n) }
    let half = limit / 2
    return Array(0..<half) + [-1] + Array((n - half)..<n)
  }

  public func render() -> String {
    let rows = outputShape.reduce(1, *)
    let columns = inputShape.reduce(1, *)
    let style = NumberStyle(for: jacobian.data, precision: precision)
    let title = Builtins.derivativeTitle(output, input)
    let rowIndices = JacobianTable.visible(rows, limit: JacobianTable.maxRows)
    let columnIndices = JacobianTable.visible(columns, limit: JacobianTable.maxColumns)
    let rowLabels = rowIndices.map { $0 < 0 ? "⋮" : JacobianTable.label(output, $0, shape: outputShape) }
    let columnLabels = columnIndices.map { $0 < 0 ? "…" : JacobianTable.label(input, $0, shape: inputShape) }
    let labelWidth = rowLabels.map(\.count).max() ?? 1
    var width = columnLabels.map(\.count).max() ?? 1
    for r in rowIndices where r >= 0 {
      for c in columnIndices where c >= 0 {
        width = Swift.max(width, style.format(jacobian.data[r * columns + c]).count)
      }
    }
    var lines = [title]
    lines.append(
      String(repeating: " ", count: labelWidth) + "  " + columnLabels.map { pad($0, width) }.joined(separator: "  "))
    for (k, r) in rowIndices.enumerated() {
      let cells = columnIndices.map { c -> String in
        if r < 0 || c < 0 { return pad(r < 0 ? "⋮" : "…", width) }
        return pad(style.format(jacobian.data[r * columns + c]), width)
      }
      lines.append(padRight(rowLabels[k], labelWidth) + "  " + cells.joined(separator: "  "))
    }
    return lines.joined(separator: "\n")
  }
}
