#if canImport(Glibc)
  import Glibc
#endif

/// Special functions the C library lacks (erfinv, digamma and the polygamma family), with the
/// ones it has, so every elementwise primitive reads its scalar function from one place.
extension Math {
  public static let ln2 = 0.693_147_180_559_945_309_417_232_121_458
  public static let ln10 = 2.302_585_092_994_045_684_017_991_454_684
  @inlinable public static func sinh(_ x: Double) -> Double { Glibc.sinh(x) }
  @inlinable public static func cosh(_ x: Double) -> Double { Glibc.cosh(x) }
  @inlinable public static func asin(_ x: Double) -> Double { Glibc.asin(x) }
  @inlinable public static func acos(_ x: Double) -> Double { Glibc.acos(x) }
  @inlinable public static func atan(_ x: Double) -> Double { Glibc.atan(x) }
  @inlinable public static func asinh(_ x: Double) -> Double { Glibc.asinh(x) }
  @inlinable public static func acosh(_ x: Double) -> Double { Glibc.acosh(x) }
  @inlinable public static func atanh(_ x: Double) -> Double { Glibc.atanh(x) }
  @inlinable public static func cbrt(_ x: Double) -> Double { Glibc.cbrt(x) }
  @inlinable public static func atan2(_ y: Double, _ x: Double) -> Double { Glibc.atan2(y, x) }
  @inlinable public static func hypot(_ a: Double, _ b: Double) -> Double { Glibc.hypot(a, b) }
  /// a mod b with the sign of b, as NumPy's `%` (fmod, then moved into b's side).
  @inlinable public static func floorMod(_ a: Double, _ b: Double) -> Double {
    var r = Glibc.fmod(a, b)
    if r != 0 && (r < 0) != (b < 0) { r += b }
    return r
  }
  @inlinable public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
  @inlinable public static func erfc(_ x: Double) -> Double { Glibc.erfc(x) }
  /// log |Γ(x)| (`lgamma_r`, which leaves the global sign alone, so threads cannot race on it).
  public static func lgamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return Glibc.lgamma_r(x, &sign)
  }

  /// The inverse of erf on (−1, 1): Giles' single-precision approximation ("Approximating the
  /// erfinv function", 2010) refined by Newton steps on erf (two to four), to full double precision.
  public static func erfinv(_ y: Double) -> Double {
    if y.isNaN || y < -1 || y > 1 { return .nan }
    if y == 1 { return .infinity }
    if y == -1 { return -.infinity }
    let w = -Glibc.log((1 - y) * (1 + y))
    var x: Double
    if w < 5 {
      let t = w - 2.5
      var p = 2.81022636e-08
      for c in [
        3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
        0.246640727, 1.50140941,
      ] { p = c + p * t }
      x = p * y
    } else {
      let t = w.squareRoot() - 3
      var p = -0.000200214257
      for c in [
        0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
        2.83297682,
      ] { p = c + p * t }
      x = p * y
    }
    // Newton on erf(x) = y: erf'(x) = 2/√π e^{−x²}. Near ±1 the residual is taken with erfc
    // (erfc(|x|) = 1 − |y|, exact for such y), as erf(x) − y would cancel.
    for _ in 0..<6 {
      let slope = 2 / Double.pi.squareRoot() * Glibc.exp(-x * x)
      guard slope > 0 else { break }
      let residual =
        Swift.abs(y) > 0.5
        ? (y > 0 ? 1 : -1) * ((1 - Swift.abs(y)) - Glibc.erfc(Swift.abs(x))) : Glibc.erf(x) - y
      let step = residual / slope
      x -= step
      if Swift.abs(step) <= 1e-17 * Swift.abs(x) { break }
    }
    return x
  }

  /// The polygamma function ψ⁽ⁿ⁾(x), the (n+1)-th derivative of log Γ; n = 0 is the digamma
  /// function. The recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) − (−1)ⁿ n!/x^{n+1} moves x above 20, where
  /// the asymptotic series (Abramowitz & Stegun 6.3.18, 6.4.11) is accurate to about 1e-15.
  /// Poles (x = 0, −1, −2, …) give nan; very negative x (below −10⁶) gives nan rather than loop.
  public static func polygamma(_ n: Int, _ x: Double) -> Double {
    guard x.isFinite, n >= 0, n <= 20 else { return x == .infinity && n > 0 ? 0 : .nan }
    if x <= 0 && x == x.rounded() { return .nan }
    if n == 0 && x < 0 {
      // Reflection: ψ(x) = ψ(1 − x) − π cot(πx).
      return polygamma(0, 1 - x) - Double.pi / Glibc.tan(Double.pi * x)
    }
    if x < -1e6 { return .nan }
    var nFactorial = 1.0
    for k in stride(from: 2, through: n, by: 1) { nFactorial *= Double(k) }
    let sign: Double = n % 2 == 0 ? 1 : -1  // (−1)ⁿ
    var shifted = x
    var sum = 0.0
    while shifted < 20 {
      sum += Glibc.pow(shifted, -Double(n + 1))
      shifted += 1
    }
    // ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + k) − (−1)ⁿ n! Σ 1/(x+j)^{n+1}.
    let bernoulli: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]
    let z = shifted
    var tail: Double
    if n == 0 {
      tail = Glibc.log(z) - 1 / (2 * z)
      var power = z * z
      for (k, b) in bernoulli.enumerated() {
        tail -= b / (Double(2 * (k + 1)) * power)
        power *= z * z
      }
    } else {
      // (−1)^{n+1} [ (n−1)!/zⁿ + n!/(2z^{n+1}) + Σ B₂ₖ (2k+n−1)!/((2k)! z^{2k+n}) ].
      let nMinus1Factorial = nFactorial / Double(n)
      var series = nMinus1Factorial / Glibc.pow(z, Double(n)) + nFactorial / (2 * Glibc.pow(z, Double(n + 1)))
      for (k, b) in bernoulli.enumerated() {
        let twoK = 2 * (k + 1)
        // (2k+n−1)!/(2k)! as a product, to stay finite.
        var ratio = 1.0
        for m in stride(from: twoK + 1, through: twoK + n - 1, by: 1) { ratio *= Double(m) }
        series += b * ratio / Glibc.pow(z, Double(twoK + n))
      }
      tail = -sign * series
    }
    return tail - sign * nFactorial * sum
  }
}
