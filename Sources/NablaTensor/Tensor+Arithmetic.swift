/// The elementwise kernels the primitives call. Each passes a literal closure to `zip` or `map`
/// inside this module, so the compiler inlines it into the loop rather than calling a closure per
/// element.
extension Tensor {
  public static func add(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "+") { $0 + $1 }
  }
  public static func subtract(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "-") { $0 - $1 }
  }
  public static func multiply(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "*") { $0 * $1 }
  }
  public static func divide(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "/") { $0 / $1 }
  }
  public static func power(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "^") { Math.pow($0, $1) }
  }
  public static func maximum(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "maximum") { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }
  }
  public static func minimum(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "minimum") { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }
  }

  public func negated() -> Tensor { map { -$0 } }
  public func relu() -> Tensor { map { $0 > 0 ? $0 : 0 } }
  /// 1 where positive, else 0: relu's derivative (0 at 0).
  public func positiveMask() -> Tensor { map { $0 > 0 ? 1 : 0 } }
  public func leakyRelu(slope: Double) -> Tensor {
    // For 0 < slope ≤ 1 this is max(x, slope·x), written as the select that is one maxpd: the
    // same value bit for bit (±0, ±inf and nan included) in half the instructions of the
    // branch-free form of x > 0 ? x : slope·x.
    guard slope > 0, slope <= 1 else { return map { $0 > 0 ? $0 : slope * $0 } }
    return map { x in
      let scaled = slope * x
      return x > scaled ? x : scaled
    }
  }
  /// 1 where positive, else `slope`: leaky relu's derivative.
  public func leakyReluSlopes(_ slope: Double) -> Tensor { map { $0 > 0 ? 1 : slope } }
}
