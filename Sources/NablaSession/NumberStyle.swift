#if canImport(Glibc)
  import Glibc
#endif

/// How every number of one tensor is written, chosen from all of them at once (as NumPy does),
/// so columns line up and a tensor switches to scientific notation as a whole.
public struct NumberStyle: Equatable {
  public enum Notation: Equatable { case integer, fixed, scientific }

  public let notation: Notation
  public let precision: Int

  /// Round-off below this magnitude prints as 0, so `jacobian(p, x) - (diag(p) - outer(p, p))`
  /// shows zeros rather than 1e-17 noise. JSON output keeps the exact values.
  public static let roundOffThreshold = 1e-13

  public init(for values: [Double], precision: Int) {
    self.precision = precision
    var maxAbs = 0.0
    var minNonzero = Double.infinity
    var integral = true
    for v in values where v.isFinite {
      let a = Swift.abs(v)
      if a < NumberStyle.roundOffThreshold { continue }
      maxAbs = Swift.max(maxAbs, a)
      minNonzero = Swift.min(minNonzero, a)
      if integral && (v.rounded() != v || a >= 1e15) { integral = false }
    }
    if integral {
      notation = .integer
    } else if maxAbs >= 1e8 || minNonzero < 1e-4 || maxAbs / minNonzero > 1e3 {
      // NumPy's rule: very large, very small, or magnitudes more than 1000 apart.
      notation = .scientific
    } else {
      notation = .fixed
    }
  }

  static func power10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<Swift.abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
  }

  public func format(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    let value = Swift.abs(v) < NumberStyle.roundOffThreshold ? 0 : v
    let text: String
    switch notation {
    case .integer: text = NumberStyle.printf(value, "%.0f")
    case .fixed: text = NumberStyle.printf(value, "%.\(precision)f")
    case .scientific: text = value == 0 ? "0" : NumberStyle.printf(value, "%.\(precision)e")
    }
    // "-0.0000" is a zero; show it as one.
    if text.hasPrefix("-"), !text.contains(where: { ("1"..."9").contains($0) }) {
      return String(text.dropFirst())
    }
    return text
  }

  /// C's printf formatting of one Double (no Foundation needed).
  static func printf(_ v: Double, _ format: String) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let n = withVaList([v]) { args in
      buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 64, format, args) }
    }
    guard n > 0 else { return "\(v)" }
    return String(decoding: buffer.prefix(Int(Swift.min(n, 63))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
