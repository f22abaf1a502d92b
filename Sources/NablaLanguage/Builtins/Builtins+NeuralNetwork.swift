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
      let target = try Variable.oneHot(c.tensor("target"), like: p, operation: "cross_entropy")
      return .tensor(try Variable.crossEntropy(p, target))
    },
    Builtin(
      "softmax_cross_entropy", [Parameter("logits", .tensor), Parameter("target", .tensor)],
      category: "Neural networks",
      doc:
        "Softmax then cross-entropy in one stable step, averaged over the batch; target as class indices or one-hot.",
      example: "softmax_cross_entropy([2, 1, 0.1; 0.5, 2, 0.3], [0, 1])"
    ) { c in .tensor(try Variable.softmaxCrossEntropy(c.tensor("logits"), c.tensor("target"))) },
    Builtin(
      "linear", [Parameter("x", .tensor), Parameter("W", .tensor), Parameter("b", .tensor, default: .absent)],
      category: "Neural networks", doc: "x @ Wᵀ + b with W shaped [out, in] (for a vector x, W @ x + b).",
      example: "linear([1, 2], [1, 0; 0, 1; 1, 1], [0, 0, 1])"
    ) { c in .tensor(try Variable.linear(c.tensor("x"), c.tensor("W"), c.optionalTensor("b"))) },
    Builtin(
      "conv2d",
      [
        Parameter("x", .tensor), Parameter("w", .tensor), Parameter("b", .tensor, default: .absent),
        Parameter("stride", .integer, default: .value(.scalar(1)), namedOnly: true),
        Parameter("padding", .integer, default: .value(.scalar(0)), namedOnly: true),
      ], category: "Neural networks",
      doc:
        "2-D cross-correlation of x (NCHW or CHW) with weights w (OIHW), plus bias b; lowered to im2col and one matrix product.",
      example: "conv2d(ones(1, 4, 4), ones(2, 1, 3, 3), padding: 1)"
    ) { c in
      .tensor(
        try Variable.conv2d(
          c.tensor("x"), c.tensor("w"), c.optionalTensor("b"), stride: c.integer("stride"),
          padding: c.integer("padding")))
    },
    Builtin(
      "im2col",
      [
        Parameter("x", .tensor), Parameter("kh", .integer), Parameter("kw", .integer),
        Parameter("stride", .integer, default: .value(.scalar(1)), namedOnly: true),
        Parameter("padding", .integer, default: .value(.scalar(0)), namedOnly: true),
      ], category: "Neural networks",
      doc:
        "The lowering of convolution: for CHW x a [C·kh·kw, Ho·Wo] matrix, rows in (c, i, j) order; a batch of them for NCHW.",
      example: "im2col(reshape(arange(9), 1, 3, 3), 2, 2)"
    ) { c in
      .tensor(
        try c.tensor("x").im2col(
          kernelHeight: c.integer("kh"), kernelWidth: c.integer("kw"), stride: c.integer("stride"),
          padding: c.integer("padding")))
    },
    pooling(
      "maxpool2d",
      doc: "Largest entry of each k × k window (padding counts as −inf); the gradient goes to it (first on ties)."
    ) {
      try $0.maxpool2d(kernel: $1, stride: $2, padding: $3)
    },
    pooling("avgpool2d", doc: "Mean of each k × k window, padded zeros included.") {
      try $0.avgpool2d(kernel: $1, stride: $2, padding: $3)
    },
    Builtin(
      "batchnorm",
      [
        Parameter("x", .tensor), Parameter("gamma", .tensor), Parameter("beta", .tensor),
        Parameter("eps", .scalar, default: .value(.scalar(1e-5)), namedOnly: true),
        Parameter("running_mean", .tensor, default: .absent, namedOnly: true),
        Parameter("running_var", .tensor, default: .absent, namedOnly: true),
        Parameter("training", .bool, default: .absent, namedOnly: true),
      ], category: "Neural networks",
      doc:
        "Batch normalisation: with batch statistics (over axis 0 for [N, F]; over N, H, W for [N, C, H, W]), or in eval mode with running_mean: and running_var: (training: false, the default when they are given).",
      example: "batchnorm([1, 2; 3, 5; 4, 0], ones(2), zeros(2))"
    ) { c in
      _ = try c.double("eps")
      let (x, gamma, beta, eps) = (try c.tensor("x"), try c.tensor("gamma"), try c.tensor("beta"), try c.tensor("eps"))
      let hasRunning = c.has("running_mean") || c.has("running_var")
      let training = c.has("training") ? try c.bool("training") : !hasRunning
      if training { return .tensor(try Variable.batchnorm(x, gamma, beta, eps: eps)) }
      guard c.has("running_mean"), c.has("running_var") else {
        throw c.fail("eval mode (training: false) needs running_mean: and running_var:")
      }
      do {
        return .tensor(
          try Variable.batchnorm(
            x, gamma, beta, mean: c.tensor("running_mean"), variance: c.tensor("running_var"), eps: eps))
      } catch let error as ShapeError {
        throw c.fail(error.rule)
      }
    },
    Builtin(
      "mse", [Parameter("pred", .tensor), Parameter("target", .tensor)], category: "Neural networks",
      doc: "Mean squared error mean((pred − target)²).", example: "mse([1, 2], [1, 4])"
    ) { c in .tensor(try Variable.mse(c.tensor("pred"), c.tensor("target"))) },
    Builtin(
      "bce", [Parameter("p", .tensor), Parameter("target", .tensor)], category: "Neural networks",
      doc: "Binary cross-entropy on probabilities, averaged.", example: "bce([0.9, 0.2], [1, 0])"
    ) { c in
      let p = try c.tensor("p")
      return .tensor(try Variable.bce(p, c.tensor("target")))
    },
    Builtin(
      "accuracy", [Parameter("scores", .tensor), Parameter("labels", .tensor)], category: "Neural networks",
      doc: "Fraction of rows whose largest score is at the label (a number in [0, 1]).",
      example: "accuracy([0.1, 0.9; 0.8, 0.2], [1, 1])"
    ) { c in .scalar(try Variable.accuracy(c.tensor("scores"), c.tensor("labels"))) },
  ]

  static func pooling(
    _ name: String, doc: String, _ f: @escaping (Variable, Int, Int, Int) throws -> Variable
  ) -> Builtin {
    Builtin(
      name,
      [
        Parameter("x", .tensor), Parameter("k", .integer),
        Parameter("stride", .integer, default: .absent, namedOnly: true),
        Parameter("padding", .integer, default: .value(.scalar(0)), namedOnly: true),
      ], category: "Neural networks", doc: doc + " stride defaults to k.",
      example: "\(name)(reshape(arange(16), 1, 4, 4), 2)"
    ) { c in
      let k = try c.integer("k")
      return .tensor(try f(c.tensor("x"), k, c.optionalInteger("stride") ?? k, c.integer("padding")))
    }
  }
}
