import NablaTensor

/// A constant 0/1 (or any) mask computed from a variable's value: not differentiated, as the
/// derivative of a step is zero almost everywhere.
func mask(_ x: Variable, _ f: (Double) -> Double) -> Variable {
  Variable.constant(x.value.map(f))
}

/// The unary elementwise primitives. Conventions at kinks: relu'(0) = 0, abs'(0) = 0,
/// leaky_relu'(0) = slope, sign' = 0.
extension Primitive {
  public static let neg = elementwise(
    .neg, kernel: { $0.negated() }, vjp: { a in try -a.g },
    scalarVJP: { g, _, _ in -g })
  public static let exp = elementwise(
    .exp, { Math.exp($0) }, vjp: { a in try a.g * a.y },
    scalarVJP: { g, _, y in g * y })
  public static let log = elementwise(
    .log, domain: .positive, { Math.log($0) }, vjp: { a in try a.g / a.x },
    scalarVJP: { g, x, _ in g / x })
  public static let sqrt = elementwise(
    .sqrt, domain: .positive, { $0.squareRoot() }, vjp: { a in try a.g * 0.5 / a.y },
    scalarVJP: { g, _, y in g * 0.5 / y })
  public static let abs: Primitive = elementwise(.abs, domain: .awayFromZero, { Swift.abs($0) }) { a in
    try a.g * Primitive.sign.apply(a.x)
  }
  public static let sin = elementwise(
    .sin, { Math.sin($0) }, vjp: { a in try a.g * Variable.cos(a.x) },
    scalarVJP: { g, x, _ in g * Math.cos(x) })
  public static let cos = elementwise(
    .cos, { Math.cos($0) }, vjp: { a in try -(a.g * Variable.sin(a.x)) },
    scalarVJP: { g, x, _ in -(g * Math.sin(x)) })
  public static let tan = elementwise(
    .tan, domain: .bounded, { Math.tan($0) }, vjp: { a in try a.g * (1 + a.y * a.y) },
    scalarVJP: { g, _, y in g * (1 + y * y) })
  public static let tanh = elementwise(
    .tanh, { Math.tanh($0) }, vjp: { a in try a.g * (1 - a.y * a.y) },
    scalarVJP: { g, _, y in g * (1 - y * y) })
  public static let sigmoid = elementwise(
    .sigmoid, { Math.sigmoid($0) }, vjp: { a in try a.g * a.y * (1 - a.y) },
    scalarVJP: { g, _, y in g * y * (1 - y) })
  public static let relu = elementwise(.relu, domain: .awayFromZero, kernel: { $0.relu() }) { a in
    try a.g * Primitive.isPositive.apply(a.x)
  }
  public static let softplus = elementwise(
    .softplus, { Math.softplus($0) }, vjp: { a in try a.g * Variable.sigmoid(a.x) },
    scalarVJP: { g, x, _ in g * Math.sigmoid(x) })
  public static let sign: Primitive = elementwise(
    .sign, domain: .awayFromZero, { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? .nan : 0)) }
  ) { a in try a.g * 0 }

  /// Rounding, with derivative 0 (almost everywhere), as NumPy's floor, ceil and rint.
  public static let floor = elementwise(.floor, domain: .awayFromZero, { $0.rounded(.down) }) { a in try a.g * 0 }
  public static let ceil = elementwise(.ceil, domain: .awayFromZero, { $0.rounded(.up) }) { a in try a.g * 0 }
  public static let round = elementwise(.round, domain: .awayFromZero, { $0.rounded(.toNearestOrEven) }) { a in
    try a.g * 0
  }

  /// `leaky_relu(x, slope)`: x for x > 0, slope·x otherwise. The primitive of the slope used
  /// last is kept: a training step applies the same one every time (making it was four
  /// allocations).
  public static func leakyRelu(slope: Double) -> Primitive {
    // Keyed by the bits, so −0 and 0 (and NaN payloads) stay apart.
    lastLeakyRelu.value(for: slope.bitPattern) { makeLeakyRelu(slope: slope) }
  }

  private static let lastLeakyRelu = RecentlyMade<UInt64, Primitive>(capacity: 1)

  private static func makeLeakyRelu(slope: Double) -> Primitive {
    elementwise(.leakyRelu, domain: .awayFromZero, attribute: .number(slope), kernel: { $0.leakyRelu(slope: slope) }) {
      a in
      // First order: one fused pass. Recorded: 1{x>0} + a·(1 − 1{x>0}), which a trace shows as such.
      guard a.recording else {
        if a.g.shape == a.x.shape {
          return .constant(try Tensor.zip(a.g.value, a.x.value, operation: "leaky_relu") { $1 > 0 ? $0 : $0 * slope })
        }
        return try a.g * Variable.constant(a.x.value.leakyReluSlopes(slope))
      }
      let positive = try Primitive.isPositive.apply(a.x)
      return try a.g * (positive + (1 - positive) * slope)
    }
  }
}

/// The binary elementwise primitives, with NumPy broadcasting.
extension Primitive {
  public static let add = broadcasting(
    .add, { try Tensor.add($0, $1) }, scalar: { $0 + $1 }, vjpA: { $0.g }, vjpB: { $0.g },
    scalarVJP: { g, _, _, _ in (g, g) })
  public static let sub = broadcasting(
    .sub, { try Tensor.subtract($0, $1) }, scalar: { $0 - $1 }, vjpA: { $0.g }, vjpB: { a in try -a.g },
    scalarVJP: { g, _, _, _ in (g, -g) })
  public static let mul = broadcasting(
    .mul, { try Tensor.multiply($0, $1) }, scalar: { $0 * $1 }, vjpA: { a in try productRule(a, other: a.inputs[1]) },
    vjpB: { a in try productRule(a, other: a.inputs[0]) },
    // ḡ·1 = ḡ exactly, so the rule's shortcut for a factor of ones changes no bits here.
    scalarVJP: { g, a, b, _ in (g * b, g * a) })

  /// ḡ·v, a product's rule for one factor given the other. A first-order pass skips a factor of
  /// ones (the seed that sum's rule broadcasts meets one in every Hessian): ḡ·1 is ḡ exactly,
  /// without a pass over the cotangent.
  private static func productRule(_ a: VJPArguments, other v: Variable) throws -> Variable {
    if !a.recording, v.value.data.allSatisfy({ $0 == 1 }) { return a.g }
    return try a.g * v
  }
  public static let div = broadcasting(
    .div, domain: .awayFromZero, { try Tensor.divide($0, $1) }, scalar: { $0 / $1 },
    vjpA: { a in try a.g / a.inputs[1] },
    vjpB: { a in try -(a.g * a.y / a.inputs[1]) }, scalarVJP: { g, _, b, y in (g / b, -(g * y / b)) })
  /// `a ^ b`. ∂/∂b uses log(a), taken as 0 where a ≤ 0 (there the real power is only defined
  /// for integer b, where the derivative in b does not exist).
  public static let pow = broadcasting(
    .pow, domain: .positive, { try Tensor.power($0, $1) },
    vjpA: { a in
      let (base, exponent) = (a.inputs[0], a.inputs[1])
      // A constant exponent of 2 (squares are everywhere) or 1 needs no pow and no masks, and
      // gives the same numbers: x¹ = x, x⁰ = 1, and doubling is exact wherever it is done.
      if !exponent.isTracked || !a.recording, let c = exponent.value.scalarValue, c == 2 || c == 1 {
        return c == 1 ? a.g : try a.g * (base * 2)
      }
      // b·a^(b−1); where a = 0 and b = 0 (x^0 is constant) the base becomes 1 so the slope is
      // 0·1 = 0, not 0·inf. Only there: elsewhere the expression, and so its derivative in b,
      // is untouched.
      let bothZero = try mask(base) { $0 == 0 ? 1 : 0 } * mask(exponent) { $0 == 0 ? 1 : 0 }
      return try a.g * exponent * Variable.pow(base + bothZero, exponent - 1)
    },
    vjpB: { a in
      let base = a.inputs[0]
      let positive = mask(base) { $0 > 0 ? 1 : 0 }
      let safeBase = try base * positive + (1 - positive)
      return try a.g * a.y * Variable.log(safeBase)
    })
  /// Elementwise maximum; at ties each input gets half the gradient.
  public static let maximum = broadcasting(
    .maximum, domain: .awayFromZero, { try Tensor.maximum($0, $1) },
    vjpA: { a in try a.g * choose(a.inputs[0], a.inputs[1], a.recording) },
    vjpB: { a in try a.g * choose(a.inputs[1], a.inputs[0], a.recording) })
  /// Elementwise minimum; at ties each input gets half the gradient.
  public static let minimum = broadcasting(
    .minimum, domain: .awayFromZero, { try Tensor.minimum($0, $1) },
    vjpA: { a in try a.g * choose(a.inputs[1], a.inputs[0], a.recording) },
    vjpB: { a in try a.g * choose(a.inputs[0], a.inputs[1], a.recording) })
}

/// 1{x > other} + ½·1{x = other}, broadcast to both shapes: maximum's share for x (minimum's for
/// `other` when called with the arguments swapped).
private func choose(_ x: Variable, _ other: Variable, _ recording: Bool) throws -> Variable {
  // First order (training's binary cross-entropy): one fused pass, as leaky_relu's rule does.
  guard recording && (x.isTracked || other.isTracked) else {
    return Variable.constant(
      try Tensor.zip(x.value, other.value, operation: "mask") { a, b in
        let d = a - b
        return d > 0 ? 1 : (d == 0 ? 0.5 : 0)
      })
  }
  let d = try x - other
  return try Primitive.isPositive.apply(d) + Primitive.isZero.apply(d) * 0.5
}

/// The 0/1 masks of derivative rules, each with derivative 0.
extension Primitive {
  /// 1{x > 0}.
  public static let isPositive = elementwise(.isPositive, domain: .awayFromZero, kernel: { $0.positiveMask() }) { a in
    try a.g * 0
  }
  /// 1{x = 0}.
  public static let isZero = elementwise(.isZero, domain: .awayFromZero, { $0 == 0 ? 1 : 0 }) { a in try a.g * 0 }
}
