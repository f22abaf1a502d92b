import NablaTensor

/// Line plots in the terminal: Unicode braille (2 × 4 dots a character) or plain ASCII, with
/// labelled axes, and a log scale for values spanning decades.
public struct Plot {
  public var width: Int
  public var height: Int
  public var ascii: Bool
  /// nil chooses: log when every value is positive and they span more than two decades.
  public var logScale: Bool?

  public init(width: Int, height: Int, ascii: Bool, logScale: Bool? = nil) {
    self.width = max(width, 10)
    self.height = max(height, 3)
    self.ascii = ascii
    self.logScale = logScale
  }

  static func label(_ v: Double) -> String {
    let a = abs(v)
    if v == 0 { return "0" }
    if v.rounded() == v && a < 1e6 { return NumberStyle.printf(v, "%.0f") }
    if a >= 1e5 || a < 1e-3 { return NumberStyle.printf(v, "%.2e") }
    if a >= 100 { return NumberStyle.printf(v, "%.0f") }
    if a >= 1 { return NumberStyle.printf(v, "%.2f") }
    return NumberStyle.printf(v, "%.4f")
  }

  /// The labels of one axis in one notation, chosen as a tensor's is (scientific for all of
  /// them or none, whole numbers without decimals), with about four significant digits.
  static func labels(_ values: [Double]) -> [String] {
    var style = NumberStyle(for: values, precision: 2)
    if style.notation == .fixed {
      let largest = values.map { Swift.abs($0) }.filter(\.isFinite).max() ?? 0
      let digits = largest > 0 ? Int(Math.log10(largest).rounded(.down)) : 0
      style = NumberStyle(for: values, precision: Swift.min(4, Swift.max(0, 3 - digits)))
    }
    return values.map { style.format($0) }
  }

  /// The plot of y against x (finite points only), as lines of text.
  public func render(x: [Double], y: [Double]) -> [String] {
    // Finite points only, and within a range whose differences stay finite.
    let points = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite && abs($0.0) < 1e300 && abs($0.1) < 1e300 }
    guard var xMin = points.map(\.0).min(), var xMax = points.map(\.0).max(),
      let yMin0 = points.map(\.1).min(), let yMax0 = points.map(\.1).max()
    else { return ["(nothing to plot: no finite points)"] }
    // One x (a single point): an interval around it, so the point sits in the middle.
    if xMax == xMin {
      xMin -= 1
      xMax += 1
    }
    let log = logScale ?? (yMin0 > 0 && yMax0 / yMin0 > 100)
    func scale(_ v: Double) -> Double { log ? Math.log10(v) : v }
    var (yMin, yMax) = (scale(yMin0), scale(yMax0))
    if yMax - yMin <= Swift.max(abs(yMax), abs(yMin)) * 1e-12 {
      let widen = Swift.max(1, abs(yMax) * 1e-6)
      yMin -= widen
      yMax += widen
    }
    // The middle label snaps to 0 when the range straddles it nearly symmetrically (a row of
    // the plot spans several percent of the range, so -4.45e-05 beside 1 and -1 is 0).
    let middle = abs(yMin + yMax) < 1e-3 * (yMax - yMin) ? 0 : (yMin + yMax) / 2
    let labels = Plot.labels([yMax, middle, yMin].map { log ? Math.pow10($0) : $0 })
    let gutter = (labels.map(\.count).max() ?? 1) + 1
    let columns = max(4, width - gutter - 1)
    let dotsX = ascii ? columns : columns * 2
    let dotsY = ascii ? height : height * 4
    var grid = [[Bool]](repeating: [Bool](repeating: false, count: dotsX), count: dotsY)
    func dot(_ px: Double, _ py: Double) -> (Int, Int) {
      let fx = xMax - xMin > 0 ? (px - xMin) / (xMax - xMin) : 0
      let fy = (yMax - scale(py)) / (yMax - yMin)
      // Clamped as Doubles first: a position that is not finite never reaches Int().
      let cx = fx.isFinite ? Int((min(max(fx, 0), 1) * Double(dotsX - 1)).rounded()) : 0
      let cy = fy.isFinite ? Int((min(max(fy, 0), 1) * Double(dotsY - 1)).rounded()) : 0
      return (cx, cy)
    }
    // Connect consecutive points so the curve reads as a line.
    var previous: (Int, Int)? = nil
    for (px, py) in points {
      let (cx, cy) = dot(px, py)
      if let (ax, ay) = previous {
        let steps = max(abs(cx - ax), abs(cy - ay), 1)
        for s in 0...steps {
          let ix = ax + (cx - ax) * s / steps
          let iy = ay + (cy - ay) * s / steps
          grid[iy][ix] = true
        }
      } else {
        grid[cy][cx] = true
      }
      previous = (cx, cy)
    }
    var lines: [String] = []
    for row in 0..<height {
      var text = ""
      for column in 0..<columns {
        if ascii {
          text += grid[row][column] ? "*" : " "
        } else {
          // Braille: dots 1–8 at (x, y) offsets within the 2 × 4 cell.
          let bits: [(Int, Int, UInt32)] = [
            (0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08), (1, 1, 0x10), (1, 2, 0x20), (0, 3, 0x40),
            (1, 3, 0x80),
          ]
          var code: UInt32 = 0
          for (dx, dy, bit) in bits where grid[row * 4 + dy][column * 2 + dx] { code |= bit }
          text += code == 0 ? " " : String(Character(Unicode.Scalar(0x2800 + code) ?? " "))
        }
      }
      let label = row == 0 ? labels[0] : row == height - 1 ? labels[2] : row == height / 2 ? labels[1] : ""
      lines.append(pad(label, gutter - 1) + " " + (ascii ? "|" : "┤") + text)
    }
    let axis = String(repeating: ascii ? "-" : "─", count: columns)
    lines.append(String(repeating: " ", count: gutter) + (ascii ? "+" : "└") + axis)
    let xLabels = Plot.labels([xMin, xMax])
    let (left, right) = (xLabels[0], xLabels[1])
    let space = max(1, columns - left.count - right.count)
    lines.append(String(repeating: " ", count: gutter + 1) + left + String(repeating: " ", count: space) + right)
    if log { lines.append(String(repeating: " ", count: gutter + 1) + "(log scale)") }
    let skipped = min(x.count, y.count) - points.count
    if skipped > 0 {
      lines.append(
        String(repeating: " ", count: gutter + 1)
          + "(\(skipped) point\(skipped == 1 ? "" : "s") not drawn: nan, inf or beyond ±1e300)")
    }
    return lines
  }
}

extension Math {
  static func log10(_ x: Double) -> Double { Math.log(x) / Math.log(10) }
  static func pow10(_ x: Double) -> Double { Math.exp(x * Math.log(10)) }
}
