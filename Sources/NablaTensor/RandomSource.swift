/// A seeded, reproducible generator (xoshiro256**), so `rand(2, 3, seed: 1)` is the same everywhere.
public struct RandomSource: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    // SplitMix64 spreads the seed over the state, as the xoshiro authors recommend.
    var z = seed
    func next() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    state = (next(), next(), next(), next())
  }

  public mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return result
  }

  /// Uniform in [0, 1) with 53 random bits.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Standard normal by the Box–Muller transform.
  public mutating func normal() -> Double {
    var u = uniform()
    while u <= .leastNormalMagnitude { u = uniform() }
    let v = uniform()
    return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
  }
}

@inline(__always) func _log(_ x: Double) -> Double { Math.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Math.cos(x) }
