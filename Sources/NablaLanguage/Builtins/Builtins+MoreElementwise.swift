import NablaAutodiff
import NablaTensor

extension Builtins {
  static func primitive(_ name: String, _ p: Primitive, doc: String, example: String) -> Builtin {
    unary(name, doc: doc, example: example) { try p.apply($0) }
  }

  /// The elementwise functions NumPy and PyTorch users reach for beyond the basic ones.
  static let moreElementwise: [Builtin] = [
    primitive("log1p", .log1p, doc: "log(1 + x), accurate for small x.", example: "log1p(1e-10)"),
    primitive("expm1", .expm1, doc: "e^x − 1, accurate for small x.", example: "expm1(1e-10)"),
    primitive("log2", .log2, doc: "Base-2 logarithm.", example: "log2(8)"),
    primitive("log10", .log10, doc: "Base-10 logarithm.", example: "log10(1000)"),
    primitive("exp2", .exp2, doc: "2 to the power x.", example: "exp2(3)"),
    primitive("sinh", .sinh, doc: "Hyperbolic sine.", example: "sinh(1)"),
    primitive("cosh", .cosh, doc: "Hyperbolic cosine.", example: "cosh(1)"),
    primitive("asin", .asin, doc: "Inverse sine, in [−π/2, π/2].", example: "asin(0.5)"),
    primitive("acos", .acos, doc: "Inverse cosine, in [0, π].", example: "acos(0.5)"),
    primitive("atan", .atan, doc: "Inverse tangent, in (−π/2, π/2).", example: "atan(1)"),
    primitive("asinh", .asinh, doc: "Inverse hyperbolic sine.", example: "asinh(1)"),
    primitive("acosh", .acosh, doc: "Inverse hyperbolic cosine (x ≥ 1).", example: "acosh(2)"),
    primitive("atanh", .atanh, doc: "Inverse hyperbolic tangent (|x| < 1).", example: "atanh(0.5)"),
    primitive("erf", .erf, doc: "The error function 2/√π ∫₀ˣ e^{−t²} dt.", example: "erf(0.5)"),
    primitive("erfc", .erfc, doc: "1 − erf(x), accurate for large x.", example: "erfc(3)"),
    primitive("erfinv", .erfinv, doc: "The inverse of erf on (−1, 1).", example: "erfinv(0.5)"),
    primitive("lgamma", .lgamma, doc: "log |Γ(x)|; its derivative is digamma.", example: "lgamma(5)"),
    primitive("digamma", .polygamma(0), doc: "ψ(x) = d/dx log Γ(x).", example: "digamma(1)"),
    Builtin(
      "polygamma", [Parameter("n", .integer), x], category: "Elementwise",
      doc: "ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n ≥ 0).", example: "polygamma(1, 1)"
    ) { c in
      let n = try c.integer("n")
      guard n >= 0, n <= 20 else { throw c.fail("n must be a whole number from 0 to 20, got \(n)", argument: "n") }
      return .tensor(try Primitive.polygamma(n).apply(c.tensor("x")))
    },
    primitive("rsqrt", .rsqrt, doc: "1/√x.", example: "rsqrt(4)"),
    primitive("cbrt", .cbrt, doc: "Cube root (negative for negative x).", example: "cbrt(-8)"),
    primitive("reciprocal", .reciprocal, doc: "1/x.", example: "reciprocal([2, 4])"),
    primitive(
      "sinc", .sinc, doc: "sin(πx)/(πx), 1 at 0 (NumPy's normalised sinc).", example: "sinc([0, 0.5, 1])"),
    primitive("trunc", .trunc, doc: "Towards zero: the whole part (derivative 0).", example: "trunc([-1.5, 2.7])"),
    primitive("deg2rad", .deg2rad, doc: "Degrees to radians.", example: "deg2rad(180)"),
    primitive("rad2deg", .rad2deg, doc: "Radians to degrees.", example: "rad2deg(pi)"),
    Builtin(
      "nan_to_num",
      [
        x, Parameter("nan", .scalar, default: .value(.scalar(0)), namedOnly: true),
        Parameter("posinf", .scalar, default: .value(.scalar(Double.greatestFiniteMagnitude)), namedOnly: true),
        Parameter("neginf", .scalar, default: .value(.scalar(-Double.greatestFiniteMagnitude)), namedOnly: true),
      ], category: "Elementwise",
      doc: "nan → 0 and ±inf → the largest finite numbers (or nan:, posinf:, neginf:); derivative 1 elsewhere.",
      example: "nan_to_num([1, nan, inf])"
    ) { c in
      let p = Primitive.nanToNum(
        nan: try c.double("nan"), posinf: try c.double("posinf"), neginf: try c.double("neginf"))
      return .tensor(try p.apply(c.tensor("x")))
    },
    binary(
      "atan2", "y", "x", doc: "The angle of the point (x, y), in (−π, π].", example: "atan2(1, -1)"
    ) { try Primitive.atan2.apply($0, $1) },
    binary("hypot", "a", "b", doc: "√(a² + b²) without overflow.", example: "hypot(3, 4)") {
      try Primitive.hypot.apply($0, $1)
    },
    binary(
      "mod", "a", "b", doc: "a mod b with the sign of b, as NumPy's % (also a % b).", example: "mod([-3, 3], 2)"
    ) { try Primitive.mod.apply($0, $1) },
    binary(
      "floor_divide", "a", "b", doc: "⌊a/b⌋, as NumPy's // (also a // b; derivative 0).",
      example: "floor_divide([-3, 3], 2)"
    ) { try Primitive.floorDivide.apply($0, $1) },
  ]
}
