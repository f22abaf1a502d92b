#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The C math library under one name, so other modules need neither Foundation nor Glibc.
public enum Math {
  @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
  @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
  @inlinable public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
  @inlinable public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
  @inlinable public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
  @inlinable public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
  @inlinable public static func tan(_ x: Double) -> Double { Glibc.tan(x) }
  @inlinable public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
  @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
  /// Logistic sigmoid, written to avoid overflow for large |x|.
  @inlinable public static func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + Glibc.exp(-x)) : Glibc.exp(x) / (1 + Glibc.exp(x))
  }
  /// log(1 + e^x) without overflow.
  @inlinable public static func softplus(_ x: Double) -> Double {
    x > 0 ? x + Glibc.log1p(Glibc.exp(-x)) : Glibc.log1p(Glibc.exp(x))
  }
}
