import NablaAutodiff
import NablaTensor

extension BuiltinCall {
  /// A shape whose element count is small enough to allocate.
  func checkedShape(_ shape: [Int], argument: String) throws -> [Int] {
    do {
      try Tensor.checkSize(shape, operation: builtin.name)
    } catch {
      throw fail(error.rule, argument: argument)
    }
    return shape
  }

  /// The generator for `seed:`, or the session's own stream.
  func withRandom<T>(_ body: (inout RandomSource) throws -> T) throws -> T {
    if let seed = try optionalInteger("seed") {
      var source = RandomSource(seed: UInt64(bitPattern: Int64(seed)))
      return try body(&source)
    }
    return try body(&interpreter.random)
  }
}

extension Builtins {
  static let dims = Parameter("shape", .dimensions, variadic: true)
  static let seed = Parameter("seed", .integer, default: .absent, namedOnly: true)

  static let construction: [Builtin] = [
    Builtin("zeros", [dims], category: "Construction", doc: "A tensor of zeros.", example: "zeros(2, 3)") { c in
      .tensor(Tensor(repeating: 0, shape: try c.checkedShape(c.dimensions("shape"), argument: "shape")))
    },
    Builtin("ones", [dims], category: "Construction", doc: "A tensor of ones.", example: "ones(3)") { c in
      .tensor(Tensor(repeating: 1, shape: try c.checkedShape(c.dimensions("shape"), argument: "shape")))
    },
    Builtin(
      "full", [Parameter("shape", .dimensions), Parameter("value", .scalar)], category: "Construction",
      doc: "A tensor of the given shape filled with one value (differentiable in the value).",
      example: "full([2, 3], 7)"
    ) { c in
      _ = try c.double("value")
      let shape = try c.checkedShape(c.dimensions("shape"), argument: "shape")
      return .tensor(try c.tensor("value").reshaped([]).broadcast(to: shape))
    },
    Builtin(
      "eye", [Parameter("n", .integer), Parameter("m", .integer, default: .absent)], category: "Construction",
      doc: "The identity matrix (n × n, or n × m).", example: "eye(3)"
    ) { c in
      let n = try c.integer("n")
      let m = try c.optionalInteger("m") ?? n
      guard n >= 0, m >= 0 else { throw c.fail("sizes must not be negative") }
      _ = try c.checkedShape([n, m], argument: "n")
      return .tensor(Tensor.eye(rows: n, cols: m))
    },
    Builtin(
      "arange",
      [
        Parameter("start", .scalar), Parameter("stop", .scalar, default: .absent),
        Parameter("step", .scalar, default: .value(.scalar(1))),
      ],
      category: "Construction", doc: "Evenly spaced values from start up to (not including) stop, as NumPy's arange.",
      example: "arange(0, 1, 0.25)"
    ) { c in
      var start = try c.double("start")
      var stop = 0.0
      if c.has("stop") { stop = try c.double("stop") } else { (start, stop) = (0, start) }
      let values = try arange(start, stop, try c.double("step"), c)
      // start + step·k: differentiable in start and step (stop only decides how many).
      let (a, h) = (c.has("stop") ? try c.tensor("start") : .constant(0), try c.tensor("step"))
      guard a.isTracked || h.isTracked else { return .tensor(values) }
      let k = Variable.constant(Tensor(vector: (0..<values.count).map(Double.init)))
      return .tensor(try a.reshaped([]) + h.reshaped([]) * k)
    },
    Builtin(
      "range", [Parameter("start", .scalar), Parameter("stop", .scalar, default: .absent)], category: "Construction",
      doc: "0, 1, …, n−1 (or start, …, stop−1), for loops: for i in range(10) { … }.", example: "range(5)"
    ) { c in
      var start = try c.double("start")
      var stop = 0.0
      if c.has("stop") { stop = try c.double("stop") } else { (start, stop) = (0, start) }
      return .tensor(try arange(start, stop, 1, c))
    },
    Builtin(
      "linspace",
      [
        Parameter("start", .scalar), Parameter("stop", .scalar), Parameter("n", .integer, default: .value(.scalar(50))),
      ],
      category: "Construction", doc: "n evenly spaced values from start to stop, both included.",
      example: "linspace(0, 1, 5)"
    ) { c in
      let (a, b, n) = (try c.double("start"), try c.double("stop"), try c.integer("n"))
      guard n >= 0, n <= 100_000_000 else { throw c.fail("n must be between 0 and 10^8", argument: "n") }
      let (start, stop) = (try c.tensor("start").reshaped([]), try c.tensor("stop").reshaped([]))
      if start.isTracked || stop.isTracked {
        // start·(1 − t) + stop·t: differentiable in both ends, exact at them.
        let t = Variable.constant(Tensor(vector: (0..<n).map { n == 1 ? 0 : Double($0) / Double(n - 1) }))
        return .tensor(try start * (1 - t) + stop * t)
      }
      if n == 1 { return .tensor(Tensor(vector: [a])) }
      return .tensor(Tensor(vector: (0..<n).map { i in i == n - 1 ? b : a + (b - a) * Double(i) / Double(n - 1) }))
    },
    Builtin(
      "rand", [dims, seed], category: "Construction",
      doc: "Uniform random numbers in [0, 1); seed: makes them reproducible.",
      example: "rand(2, 3, seed: 1)"
    ) { c in
      let shape = try c.checkedShape(c.dimensions("shape"), argument: "shape")
      return .tensor(
        try c.withRandom { r in
          Tensor(uncheckedShape: shape, data: (0..<(Tensor.elementCount(shape) ?? 0)).map { _ in r.uniform() })
        })
    },
    Builtin(
      "randn", [dims, seed], category: "Construction",
      doc: "Standard normal random numbers; seed: makes them reproducible.",
      example: "randn(2, 3, seed: 1)"
    ) { c in
      let shape = try c.checkedShape(c.dimensions("shape"), argument: "shape")
      return .tensor(
        try c.withRandom { r in
          Tensor(uncheckedShape: shape, data: (0..<(Tensor.elementCount(shape) ?? 0)).map { _ in r.normal() })
        })
    },
    Builtin(
      "onehot", [Parameter("k", .tensor), Parameter("n", .integer)], category: "Construction",
      doc: "The one-hot vector with 1 at index k (0-based) of n; for a vector of labels, one row each.",
      example: "onehot(1, 3)"
    ) { c in
      let labels = try c.tensor("k")
      let n = try c.integer("n")
      guard n > 0, n <= 1 << 24 else { throw c.fail("n must be positive", argument: "n") }
      guard labels.rank <= 1 else { throw c.fail("k must be a label or a vector of labels", argument: "k") }
      var out = Tensor(repeating: 0, shape: try c.checkedShape(labels.shape + [n], argument: "k"))
      for (i, v) in labels.value.data.enumerated() {
        guard let k = Int(exactly: v), k >= 0, k < n else {
          throw c.fail("label \(v) is not a class index in 0..<\(n)", argument: "k")
        }
        out.data[i * n + k] = 1
      }
      return .tensor(out)
    },
    Builtin(
      "diag", [Parameter("v", .tensor)], category: "Construction",
      doc: "A diagonal matrix from a vector, or the diagonal of a matrix.", example: "diag([1, 2, 3])"
    ) { c in .tensor(try c.tensor("v").diag()) },
  ]

  static func arange(_ start: Double, _ stop: Double, _ step: Double, _ c: BuiltinCall) throws -> Tensor {
    guard step != 0, step.isFinite, start.isFinite, stop.isFinite else {
      throw c.fail("needs finite bounds and a non-zero step")
    }
    let n = Swift.max(0, ((stop - start) / step).rounded(.up))
    guard n <= 100_000_000 else { throw c.fail("would make \(n) values; the limit is 10^8") }
    let count = Int(n)
    try Tensor.checkSize([count], operation: c.builtin.name)
    // Filled a million at a time, so Ctrl-C stops 10^8 values within a moment.
    var values = [Double]()
    values.reserveCapacity(count)
    for first in stride(from: 0, to: count, by: 1 << 20) {
      try Interruption.checkpoint()
      for i in first..<Swift.min(first + (1 << 20), count) { values.append(start + Double(i) * step) }
    }
    return Tensor(vector: values)
  }
}
