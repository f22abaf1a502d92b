import NablaLanguage
import NablaTensor

/// One JSON object per result, in the contract's encoding: tensors as shape and row-major data
/// with round-trip Doubles, non-finite numbers as strings.
public enum JSONOutput {
  public static func encode(_ value: Value) -> String {
    switch value {
    case .tensor(let v): return tensor(v.value)
    case .function(let f): return "{\"function\": \(string(f.signature))}"
    case .string(let s): return "{\"string\": \(string(s))}"
    case .list(let items): return "{\"list\": [" + items.map(encode).joined(separator: ", ") + "]}"
    case .nothing: return "null"
    }
  }

  /// A `derive` result: its formula in nabla syntax, Unicode and LaTeX, then shape and data.
  public static func derivation(_ report: DerivationReport, value: Tensor) -> String {
    var fields: [String] = []
    if let f = report.formula { fields.append("\"formula\": \(string(f))") }
    if let m = report.math { fields.append("\"math\": \(string(m))") }
    if let l = report.latex { fields.append("\"latex\": \(string(l))") }
    let t = tensor(value)
    return "{" + fields.joined(separator: ", ") + (fields.isEmpty ? "" : ", ") + t.dropFirst()
  }

  public static func tensor(_ t: Tensor) -> String {
    "{\"shape\": [" + t.shape.map(String.init).joined(separator: ", ") + "], \"data\": ["
      + t.data.map(number).joined(separator: ", ") + "]}"
  }

  /// Shortest round-trip text of a Double; inf, -inf and nan as strings.
  public static func number(_ v: Double) -> String {
    if v.isNaN { return "\"nan\"" }
    if v.isInfinite { return v > 0 ? "\"inf\"" : "\"-inf\"" }
    return "\(v)"
  }

  public static func string(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  public static func error(_ d: Diagnostic, lineOffset: Int = 0) -> String {
    var text = d.description
    for n in d.notes { text += "\n" + n }
    var s = "{\"error\": \(string(text))"
    if let r = d.range { s += ", \"line\": \(r.start.line + lineOffset), \"column\": \(r.start.column)" }
    return s + "}"
  }

  public static func note(_ text: String) -> String {
    let bare = text.hasPrefix("note: ") ? String(text.dropFirst(6)) : text
    return "{\"note\": \(string(bare))}"
  }
}
