import NablaAutodiff
import NablaTensor

/// Loops and whole numbers: what a `for` counts over, and the integers indices, slices and
/// sizes are read as.
extension Interpreter {
  /// Calls `body` with each item of a loop's sequence, made as it is needed: `range(n)` and
  /// `a..b` count without building the sequence (so a long loop starts at once, uses no memory
  /// and stops at Ctrl-C from its first iteration), a tensor gives its rows one at a time.
  func forEachItem(of sequence: Expr, _ body: (Value) throws -> Void) throws {
    if let (start, stop) = try countingBounds(sequence) {
      // Counted with an integer: past 2^53, v + 1 == v and a Double counter would never end.
      var k = 0
      while k < Interpreter.count(from: start, to: stop) {
        try body(.scalar(start + Double(k)))
        k += 1
      }
      return
    }
    switch try evaluate(sequence) {
    case .list(let items):
      for item in items { try body(item) }
    case .tensor(let t):
      if t.rank == 0 { throw Diagnostic("cannot loop over a scalar; use range(n)", at: sequence.range) }
      if t.rank == 1 {
        for v in t.value.data { try body(.scalar(v)) }
      } else {
        for row in 0..<t.shape[0] { try body(.tensor(try t.indexed([.single(row)]))) }
      }
    case let other:
      throw Diagnostic("cannot loop over \(other.typeName)", at: sequence.range)
    }
  }

  /// `(start, stop)` when the sequence is `a..b` or a call of the builtin `range`, else nil.
  /// How many values `start`, `start + 1`, … lie below `stop` (as many as an Int holds).
  static func count(from start: Double, to stop: Double) -> Int {
    let n = (stop - start).rounded(.up)
    guard n > 0 else { return 0 }
    return n >= 9.2e18 ? Int.max : Int(n)
  }

  /// The bounds of `a..b`, both finite numbers (`0..nan` is an error, as `range(nan)` is).
  func rangeBounds(_ e: Expr) throws -> (Double, Double) {
    guard case .range(let lo, let hi) = e.kind else { throw Diagnostic("not a range", at: e.range) }
    let a = try scalarOperand(lo, role: "the start of a range")
    let b = try scalarOperand(hi, role: "the end of a range")
    guard a.isFinite else { throw Diagnostic("the start of a range must be a finite number, not \(a)", at: lo.range) }
    guard b.isFinite || b == .infinity else {
      throw Diagnostic("the end of a range must be a number, not \(b)", at: hi.range)
    }
    return (a, b)
  }

  func countingBounds(_ sequence: Expr) throws -> (Double, Double)? {
    switch sequence.kind {
    case .range:
      return try rangeBounds(sequence)
    case .call(let callee, let arguments):
      guard case .identifier("range") = callee.kind, case .function(let f)? = lookup("range"),
        case .builtin = f.kind, (1...2).contains(arguments.count), arguments.allSatisfy({ $0.label == nil })
      else { return nil }
      let bounds = try arguments.map { try scalarOperand($0.value, role: "a range bound") }
      guard bounds.allSatisfy(\.isFinite) else { return nil }
      return bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
    default:
      return nil
    }
  }
  func integerOperand(_ e: Expr, role: String) throws -> Int {
    try integerOperand(e, value: scalarOperand(e, role: role), role: role)
  }

  func integerOperand(_ e: Expr, value: Double, role: String) throws -> Int {
    guard value == value.rounded(), value.isFinite else {
      throw Diagnostic("\(role) must be a whole number, got \(value)", at: e.range)
    }
    guard let i = Int(exactly: value), i.magnitude < 1 << 48 else {
      throw Diagnostic(
        "\(role) is too large: \(Interpreter.describe(number: value)) (at most 2^48 in size)", at: e.range)
    }
    return i
  }

  /// A slice's start or stop: any whole number, clamped as NumPy clamps `x[0:2**63]`.
  func sliceBound(_ e: Expr, role: String) throws -> Int {
    let value = try scalarOperand(e, role: role)
    guard value == value.rounded(), value.isFinite else {
      throw Diagnostic("\(role) must be a whole number, got \(value)", at: e.range)
    }
    return Int(Swift.min(Swift.max(value, -0x1p48), 0x1p48))
  }

  /// A whole number as it reads best: 2^63 rather than 9.223372036854776e+18.
  static func describe(number v: Double) -> String {
    let exponent = Math.log(Swift.abs(v)) / Math.log(2)
    if v != 0, exponent.rounded() == exponent, Swift.abs(exponent) < 1024 {
      return (v < 0 ? "-" : "") + "2^\(Int(exponent))"
    }
    return Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
  }
}
