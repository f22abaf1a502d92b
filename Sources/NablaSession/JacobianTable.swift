import NablaLanguage
import NablaTensor

/// A table of derivatives: a row per entry of one tensor and a column per entry of another, each
/// labelled with its index (`p[0]`, `W[0,1]`), under a title such as `∂p/∂x`. When the rows come
/// from a tensor of rank ≥ 2 (a batched or matrix-valued function), the table is split into
/// labelled blocks, one per leading index.
public struct JacobianTable {
  public let title: String
  public let rowName: String
  public let rowShape: [Int]
  public let columnName: String
  public let columnShape: [Int]
  /// Row-major values, rows × columns.
  public let values: Tensor
  public var precision = 4
  /// Beyond these, the middle rows or columns are elided.
  static let maxRows = 24
  static let maxColumns = 12

  public init(
    title: String, rowName: String, rowShape: [Int], columnName: String, columnShape: [Int], values: Tensor,
    precision: Int
  ) {
    self.title = title
    self.rowName = rowName
    self.rowShape = rowShape
    self.columnName = columnName
    self.columnShape = columnShape
    self.values = values
    self.precision = precision
  }

  /// The Jacobian ∂y/∂x: rows are entries of y, columns entries of x. Labels use the names
  /// when they are plain names, the function's name for a call (`softmax(x)` → softmax[0]),
  /// else `y` and `x`, with the title saying what y stands for.
  public init(output: String, input: String, outputShape: [Int], inputShape: [Int], jacobian: Tensor, precision: Int) {
    let rowName = JacobianTable.labelName(output, or: "y")
    let columnName = JacobianTable.labelName(input, or: "x")
    var title = Builtins.derivativeTitle(output, input)
    if rowName == "y" && output != "y" { title = "∂y/∂\(columnName), y = \(output)" }
    self.init(
      title: title, rowName: rowName, rowShape: outputShape, columnName: columnName, columnShape: inputShape,
      values: jacobian, precision: precision)
  }

  /// The table a derivative is shown as (`jacobian`, `hessian`, a block of a Hessian with
  /// respect to a list), or nil for another presentation.
  public init?(_ values: Tensor, presentation: Presentation, precision: Int) {
    switch presentation {
    case .jacobian(let output, let input, let outputShape, let inputShape):
      self.init(
        output: output, input: input, outputShape: outputShape, inputShape: inputShape, jacobian: values,
        precision: precision)
    case .hessian(let of, let input, let shape):
      self.init(
        title: "∂²" + JacobianTable.bracketed(of) + "/∂" + input + "²", rowName: input, rowShape: shape,
        columnName: input, columnShape: shape, values: values, precision: precision)
    case .hessianBlock(let of, let row, let rowShape, let column, let columnShape):
      let title = "∂²" + JacobianTable.bracketed(of) + "/" + (row == column ? "∂\(row)²" : "∂\(row)∂\(column)")
      self.init(
        title: title, rowName: row, rowShape: rowShape, columnName: column, columnShape: columnShape,
        values: values, precision: precision)
    default:
      return nil
    }
  }

  /// `name` when it is a plain identifier, the function's name when it is a call of one, else
  /// `fallback`.
  static func labelName(_ name: String, or fallback: String) -> String {
    if bracketed(name) == name { return name }
    if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
      // One call: its opening parenthesis closes only at the very end (not `f(x) + g(x)`).
      var depth = 0
      var closesAtEnd = true
      for (offset, c) in name[open...].enumerated() {
        if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
        if depth == 0 && offset < name[open...].count - 1 { closesAtEnd = false }
      }
      let callee = String(name[..<open])
      if closesAtEnd, Builtins.isPlainName(callee) { return callee }
    }
    return fallback
  }

  /// `p[0]`, `W[0,1]`, or the bare name for a scalar.
  static func label(_ name: String, _ flat: Int, shape: [Int]) -> String {
    if shape.isEmpty { return name }
    return bracketed(name) + "[" + multiIndex(flat, shape: shape).map(String.init).joined(separator: ",") + "]"
  }

  static func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var index: [Int] = []
    var rest = flat
    for size in shape.reversed() {
      index.append(size > 0 ? rest % size : 0)
      rest = size > 0 ? rest / size : 0
    }
    return index.reversed()
  }

  static func bracketed(_ name: String) -> String {
    let simple = name.unicodeScalars.allSatisfy {
      $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)
    }
    return simple ? name : "(\(name))"
  }

  static func visible(_ n: Int, limit: Int) -> [Int] {
    if n <= limit { return Array(0..<n) }
    let half = limit / 2
    return Array(0..<half) + [-1] + Array((n - half)..<n)
  }

  public func render() -> String {
    let rows = rowShape.reduce(1, *)
    guard rowShape.count >= 2, let leading = rowShape.first, leading > 0 else {
      return ([title] + block(rowRange: 0..<rows)).joined(separator: "\n")
    }
    // One block per leading index of the rows' tensor.
    let perBlock = rows / leading
    var lines = [
      "\(title)  shape \(Tensor.describe(rowShape + columnShape)): rows are entries of \(rowName), columns of \(columnName)"
    ]
    for b in JacobianTable.visible(leading, limit: 8) {
      lines.append("")
      if b < 0 {
        lines.append("⋮")
        continue
      }
      let rest = [String](repeating: ":", count: rowShape.count - 1).joined(separator: ",")
      lines.append("\(JacobianTable.bracketed(rowName))[\(b),\(rest)]")
      lines.append(contentsOf: block(rowRange: (b * perBlock)..<((b + 1) * perBlock)))
    }
    return lines.joined(separator: "\n")
  }

  /// The labels and cells of the rows in `rowRange`, elided as the terminal shows them.
  func grid(rowRange: Range<Int>) -> (columnLabels: [String], rows: [(label: String, cells: [String])]) {
    let columns = columnShape.reduce(1, *)
    let style = NumberStyle(for: values.data, precision: precision)
    let rowIndices = JacobianTable.visible(rowRange.count, limit: JacobianTable.maxRows).map {
      $0 < 0 ? -1 : rowRange.lowerBound + $0
    }
    let columnIndices = JacobianTable.visible(columns, limit: JacobianTable.maxColumns)
    let columnLabels = columnIndices.map { $0 < 0 ? "…" : JacobianTable.label(columnName, $0, shape: columnShape) }
    let rows = rowIndices.map { r in
      let cells = columnIndices.map { c -> String in
        if r < 0 || c < 0 { return r < 0 ? "⋮" : "…" }
        return style.format(values.data[r * columns + c])
      }
      return (label: r < 0 ? "⋮" : JacobianTable.label(rowName, r, shape: rowShape), cells: cells)
    }
    return (columnLabels, rows)
  }

  /// The header line and one line per row in `rowRange`.
  func block(rowRange: Range<Int>) -> [String] {
    let (columnLabels, rows) = grid(rowRange: rowRange)
    let labelWidth = rows.map(\.label.count).max() ?? 1
    let width = (columnLabels + rows.flatMap(\.cells)).map(\.count).max() ?? 1
    return [
      String(repeating: " ", count: labelWidth) + "  " + columnLabels.map { pad($0, width) }.joined(separator: "  ")
    ]
      + rows.map { row in
        padRight(row.label, labelWidth) + "  " + row.cells.map { pad($0, width) }.joined(separator: "  ")
      }
  }

  /// The table as Markdown for a write-up: the title, then a pipe table per block with the
  /// same labels and elision as the terminal.
  public func markdown() -> [String] {
    func table(_ rowRange: Range<Int>) -> String {
      let (columnLabels, rows) = grid(rowRange: rowRange)
      let cell = { (text: String) in MarkdownProse.escaped(text) }
      var lines = ["| | " + columnLabels.map(cell).joined(separator: " | ") + " |"]
      lines.append("|:--|" + String(repeating: "--:|", count: columnLabels.count))
      lines += rows.map { "| " + cell($0.label) + " | " + $0.cells.map(cell).joined(separator: " | ") + " |" }
      return lines.joined(separator: "\n")
    }
    let rows = rowShape.reduce(1, *)
    guard rowShape.count >= 2, let leading = rowShape.first, leading > 0 else {
      return ["**" + MarkdownProse.escaped(title) + "**", table(0..<rows)]
    }
    let perBlock = rows / leading
    var blocks = [
      "**" + MarkdownProse.escaped(title) + "** (shape "
        + MarkdownProse.escaped(Tensor.describe(rowShape + columnShape))
        + "; rows are entries of " + MarkdownProse.escaped(rowName) + ", columns of "
        + MarkdownProse.escaped(columnName) + ")"
    ]
    for b in JacobianTable.visible(leading, limit: 8) {
      if b < 0 {
        blocks.append("⋮")
        continue
      }
      let rest = [String](repeating: ":", count: rowShape.count - 1).joined(separator: ",")
      blocks.append("*" + MarkdownProse.escaped("\(JacobianTable.bracketed(rowName))[\(b),\(rest)]") + "*")
      blocks.append(table((b * perBlock)..<((b + 1) * perBlock)))
    }
    return blocks
  }
}
