import NablaAutodiff
import NablaTensor

#if canImport(Glibc)
  import Glibc
#endif

/// How every number of one tensor is written, chosen from all of them at once (as NumPy does),
/// so columns line up and a tensor switches to scientific notation as a whole.
public struct NumberStyle: Equatable {
  public enum Notation: Equatable { case integer, fixed, scientific }

  public let notation: Notation
  public let precision: Int

  /// Entries smaller than this fraction of the scale print as 0: round-off, relative to the
  /// largest entry or to the operands of the subtraction that made it, so
  /// `jacobian(p, x) - (diag(p) - outer(p, p))` shows zeros rather than 1e-17 noise, while a
  /// value that is small in its own right (`1e-15`, `[1, 2] * 1e-15`) prints as it is. JSON
  /// output keeps the exact values.
  public static let roundOffRelative = 1e-13

  /// Magnitudes below this print as 0.
  public let zeroBelow: Double

  /// - Parameter scale: the magnitude of what the values were computed from (the operands of a
  ///   subtraction; see `RoundOffScale`), 0 when only the values themselves count.
  public init(for values: [Double], precision: Int, scale: Double = 0) {
    self.precision = precision
    var largest = 0.0
    for v in values where v.isFinite { largest = Swift.max(largest, Swift.abs(v)) }
    zeroBelow = NumberStyle.roundOffRelative * Swift.max(largest, scale)
    var maxAbs = 0.0
    var minNonzero = Double.infinity
    var integral = true
    for v in values where v.isFinite {
      let a = Swift.abs(v)
      if a < zeroBelow { continue }
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
    let value = Swift.abs(v) < zeroBelow ? 0 : v
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

/// The magnitude a computed value's round-off is relative to: its own largest entry, or, for a
/// difference (and what carries a difference on: a sum, an absolute value, a maximum, a reshape),
/// the magnitude of the operands, since subtracting nearly equal numbers leaves round-off the
/// size of the operands' last digits.
public enum RoundOffScale {
  /// Primitives whose result carries its operands' round-off unchanged in size.
  static let carriers: Set<String> = [
    "add", "sub", "neg", "abs", "sum", "max", "min", "maximum", "minimum", "norm", "reshape", "transpose", "broadcast",
    "concat", "sum_to_shape", "index",
  ]
  /// Products: round-off relative to the product of the operands' magnitudes.
  static let products: Set<String> = ["matmul", "matmul_nt", "matmul_tn", "matmul_tt", "linear"]

  public static func of(_ v: Variable, depth: Int = 6) -> Double {
    guard depth > 0, let producer = v.producer else { return 0 }
    if products.contains(producer) {
      return v.inputs.prefix(2).map { largest($0.value) }.reduce(1, *)
    }
    guard carriers.contains(producer) else { return 0 }
    return v.inputs.map { Swift.max(largest($0.value), of($0, depth: depth - 1)) }.max() ?? 0
  }

  static func largest(_ t: Tensor) -> Double {
    var m = 0.0
    for x in t.data where x.isFinite { m = Swift.max(m, Swift.abs(x)) }
    return m
  }
}
