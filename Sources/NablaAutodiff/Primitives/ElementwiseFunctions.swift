import NablaTensor

/// More unary elementwise functions, each with its derivative written in differentiable
/// operations (so second and higher derivatives follow), in the order of NumPy's documentation.
extension Primitive {
  public static let log1p: Primitive = elementwise(.log1p, domain: .positive, { Math.log1p($0) }) { a in
    try a.g / (1 + a.x)
  }
  public static let expm1: Primitive = elementwise(.expm1, { Math.expm1($0) }) { a in try a.g * (a.y + 1) }
  public static let log2: Primitive = elementwise(.log2, domain: .positive, { Math.log($0) / Math.ln2 }) { a in
    try a.g / (a.x * Math.ln2)
  }
  public static let log10: Primitive = elementwise(.log10, domain: .positive, { Math.log($0) / Math.ln10 }) { a in
    try a.g / (a.x * Math.ln10)
  }
  public static let exp2: Primitive = elementwise(.exp2, { Math.pow(2, $0) }) { a in try a.g * a.y * Math.ln2 }
  public static let sinh: Primitive = elementwise(.sinh, { Math.sinh($0) }) { a in try a.g * Primitive.cosh.apply(a.x) }
  public static let cosh: Primitive = elementwise(.cosh, { Math.cosh($0) }) { a in try a.g * Primitive.sinh.apply(a.x) }
  public static let asin: Primitive = elementwise(.asin, domain: .unit, { Math.asin($0) }) { a in
    try a.g / Variable.sqrt(1 - a.x * a.x)
  }
  public static let acos: Primitive = elementwise(.acos, domain: .unit, { Math.acos($0) }) { a in
    try -(a.g / Variable.sqrt(1 - a.x * a.x))
  }
  public static let atan: Primitive = elementwise(.atan, { Math.atan($0) }) { a in try a.g / (1 + a.x * a.x) }
  public static let asinh: Primitive = elementwise(.asinh, { Math.asinh($0) }) { a in
    try a.g / Variable.sqrt(a.x * a.x + 1)
  }
  public static let acosh: Primitive = elementwise(.acosh, domain: .aboveOne, { Math.acosh($0) }) { a in
    try a.g / Variable.sqrt(a.x * a.x - 1)
  }
  public static let atanh: Primitive = elementwise(.atanh, domain: .unit, { Math.atanh($0) }) { a in
    try a.g / (1 - a.x * a.x)
  }
  /// erf′(x) = 2/√π · e^{−x²}.
  public static let erf: Primitive = elementwise(.erf, { Math.erf($0) }) { a in
    try a.g * (2 / Double.pi.squareRoot()) * Variable.exp(-(a.x * a.x))
  }
  public static let erfc: Primitive = elementwise(.erfc, { Math.erfc($0) }) { a in
    try -(a.g * (2 / Double.pi.squareRoot()) * Variable.exp(-(a.x * a.x)))
  }
  /// erfinv′(y) = √π/2 · e^{erfinv(y)²}.
  public static let erfinv: Primitive = elementwise(.erfinv, domain: .unit, { Math.erfinv($0) }) { a in
    try a.g * (Double.pi.squareRoot() / 2) * Variable.exp(a.y * a.y)
  }
  /// log |Γ(x)|; its derivative is the digamma function.
  public static let lgamma: Primitive = elementwise(.lgamma, domain: .positive, { Math.lgamma($0) }) { a in
    try a.g * Primitive.polygamma(0).apply(a.x)
  }
  /// ψ⁽ⁿ⁾(x); its derivative is ψ⁽ⁿ⁺¹⁾(x), so every order is differentiable. `digamma` is n = 0.
  public static func polygamma(_ n: Int) -> Primitive {
    elementwise(.polygamma, domain: .positive, attribute: .number(Double(n)), { Math.polygamma(n, $0) }) { a in
      try a.g * Primitive.polygamma(n + 1).apply(a.x)
    }
  }
  public static let rsqrt: Primitive = elementwise(.rsqrt, domain: .positive, { 1 / $0.squareRoot() }) { a in
    try a.g * -0.5 * a.y * a.y * a.y
  }
  public static let cbrt: Primitive = elementwise(.cbrt, domain: .awayFromZero, { Math.cbrt($0) }) { a in
    try a.g / (3 * a.y * a.y)
  }
  public static let reciprocal: Primitive = elementwise(.reciprocal, domain: .awayFromZero, { 1 / $0 }) { a in
    try -(a.g * a.y * a.y)
  }
  /// NumPy's normalised sinc, sin(πx)/(πx), 1 at 0. Its derivative (cos(πx) − sinc(x))/x is
  /// taken from its Taylor series −(π²/3)x + (π⁴/30)x³ where |x| < 10⁻³ (exact there to 1e-13,
  /// with the right higher derivatives at 0, e.g. sinc″(0) = −π²/3).
  public static let sinc: Primitive = elementwise(
    .sinc, { x in x == 0 ? 1 : Math.sin(Double.pi * x) / (Double.pi * x) }
  ) {
    a in
    let small = mask(a.x) { Swift.abs($0) < 1e-3 ? 1 : 0 }
    let safe = try a.x + small
    let formula = try (Variable.cos(Double.pi * a.x) - a.y) / safe
    let pi2 = Double.pi * Double.pi
    let series = try a.x * (-pi2 / 3) + a.x * a.x * a.x * (pi2 * pi2 / 30)
    return try a.g * (formula * (1 - small) + series * small)
  }
  /// Towards zero, derivative 0 (as floor and ceil).
  public static let trunc: Primitive = elementwise(.trunc, domain: .awayFromZero, { $0.rounded(.towardZero) }) { a in
    try a.g * 0
  }
  public static let deg2rad: Primitive = elementwise(.deg2rad, { $0 * Double.pi / 180 }) { a in
    try a.g * (Double.pi / 180)
  }
  public static let rad2deg: Primitive = elementwise(.rad2deg, { $0 * 180 / Double.pi }) { a in
    try a.g * (180 / Double.pi)
  }

  /// nan → `nan`, ±inf → `posinf`/`neginf` (NumPy's defaults: 0 and the largest finite
  /// numbers); derivative 1 at finite entries and 0 at replaced ones (the replacements are constants).
  public static func nanToNum(nan: Double, posinf: Double, neginf: Double) -> Primitive {
    elementwise(.nanToNum, { v in v.isNaN ? nan : (v == .infinity ? posinf : (v == -.infinity ? neginf : v)) }) { a in
      try a.g * mask(a.x) { $0.isFinite ? 1 : 0 }
    }
  }
}

/// Binary elementwise functions with broadcasting.
extension Primitive {
  /// atan2(y, x): the angle of (x, y); ∂/∂y = x/(x²+y²), ∂/∂x = −y/(x²+y²).
  public static let atan2: Primitive = broadcasting(
    .atan2, domain: .awayFromZero, { try Tensor.zip($0, $1, operation: "atan2") { Math.atan2($0, $1) } },
    vjpA: { a in try a.g * a.inputs[1] / (a.inputs[0] * a.inputs[0] + a.inputs[1] * a.inputs[1]) },
    vjpB: { a in try -(a.g * a.inputs[0] / (a.inputs[0] * a.inputs[0] + a.inputs[1] * a.inputs[1])) })
  /// √(a² + b²) without overflow; ∂/∂a = a/h, ∂/∂b = b/h.
  public static let hypot: Primitive = broadcasting(
    .hypot, domain: .awayFromZero, { try Tensor.zip($0, $1, operation: "hypot") { Math.hypot($0, $1) } },
    vjpA: { a in try a.g * a.inputs[0] / a.y }, vjpB: { a in try a.g * a.inputs[1] / a.y })
  /// a mod b with the sign of b (NumPy's `%`): a − ⌊a/b⌋·b; ∂/∂a = 1, ∂/∂b = −⌊a/b⌋.
  public static let mod: Primitive = broadcasting(
    .mod, domain: .awayFromZero, { try Tensor.zip($0, $1, operation: "%") { Math.floorMod($0, $1) } },
    vjpA: { $0.g },
    vjpB: { a in
      try a.g * -Variable.constant(
        Tensor.zip(a.inputs[0].value, a.inputs[1].value, operation: "%") { ($0 / $1).rounded(.down) })
    })
  /// ⌊a/b⌋ (NumPy's `//`): a step function, derivative 0 in both.
  public static let floorDivide: Primitive = broadcasting(
    .floorDivide, domain: .awayFromZero,
    { try Tensor.zip($0, $1, operation: "//") { ($0 / $1).rounded(.down) } }, vjpA: { a in try a.g * 0 },
    vjpB: { a in try a.g * 0 })
}
