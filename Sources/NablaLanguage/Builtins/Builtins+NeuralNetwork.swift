import NablaAutodiff
import NablaTensor

extension Builtins {
  static let axisLast = Parameter("axis", .integer, default: .value(.scalar(-1)), namedOnly: false)

  static let neuralNetwork: [Builtin] = [
    Builtin(
      "softmax", [x, axisLast], category: "Neural networks",
      doc: "exp(x) / sum(exp(x)) along axis (default last), stable for large x.", example: "softmax([1, 2, 0.5])"
    ) { c in
      .tensor(try c.tensor("x").softmax(axis: c.integer("axis")))
    },
    Builtin(
      "log_softmax", [x, axisLast], category: "Neural networks", doc: "x − logsumexp(x) along axis, stable.",
      example: "log_softmax([1, 2, 0.5])"
    ) { c in
      .tensor(try c.tensor("x").logSoftmax(axis: c.integer("axis")))
    },
    Builtin(
      "cross_entropy", [Parameter("p", .tensor), Parameter("target", .tensor)], category: "Neural networks",
      doc: "The textbook −sum(target · log(p)) on probabilities; target may be one-hot or class indices.",
      example: "cross_entropy(softmax([1, 2, 0.5]), onehot(1, 3))"
    ) { c in
      let p = try c.tensor("p")
      var target = try c.tensor("target")
      if target.shape != p.shape, p.rank >= 1, target.shape == Array(p.shape.dropLast()) {
        // Class indices: one per row of p.
        let classes = p.shape[p.rank - 1]
        var t = Tensor(repeating: 0, shape: p.shape)
        for (i, v) in target.value.data.enumerated() {
          guard let k = Int(exactly: v), k >= 0, k < classes else {
            throw c.fail("target \(v) is not a class index in 0..<\(classes)", argument: "target")
          }
          t.data[i * classes + k] = 1
        }
        target = .constant(t)
      }
      guard target.shape == p.shape else {
        throw c.fail(
          "p is \(Tensor.describe(p.shape)) but target is \(Tensor.describe(target.shape)); target must be one-hot of the same shape or class indices",
          argument: "target")
      }
      return c.result(try Variable.crossEntropy(p, target), from: [p])
    },
  ]
}
