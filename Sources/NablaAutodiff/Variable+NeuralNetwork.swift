import NablaTensor

/// Neural-network layers and losses, written in primitives: convolution is one primitive whose
/// rules are those of im2col followed by a matrix product (see `Primitive.conv2d`), max pooling a gather of each window's
/// largest entry, average pooling a mean over the lowered windows.
extension Variable {
  /// `x @ Wᵀ + b` with W shaped [out, in], as PyTorch's `linear`.
  public static func linear(_ x: Variable, _ w: Variable, _ b: Variable?) throws -> Variable {
    // The usual layer (rows, a weight matrix, a bias vector) runs fused; anything else (a
    // single vector, batch axes, a bias that broadcasts differently) composes @ and +.
    if let b, x.rank == 2, w.rank == 2, b.rank == 1, x.shape[1] == w.shape[1], b.shape[0] == w.shape[0] {
      return try Primitive.linear.apply(x, w, b)
    }
    let product: Variable
    if x.rank >= 2 && w.rank == 2 {
      // x @ Wᵀ with W read transposed in place.
      do {
        product = try Variable.product(x, w, false, true)
      } catch let error as ShapeError {
        throw ShapeError(
          operation: "linear", shapes: [x.shape, w.shape], rule: error.rule + " (x @ W' with W [out, in])")
      }
    } else {
      product = try matmul(x, w.transposedLastTwo())
    }
    guard let b else { return product }
    return try product + b
  }

  public func im2col(kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) throws -> Variable {
    let g = try WindowGeometry(
      inputShape: shape, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding,
      operation: "im2col")
    return try Primitive.im2col(g).apply(self)
  }

  /// Cross-correlation of x ([N, C, H, W] or [C, H, W]) with weights [O, C, kh, kw], plus b [O].
  public static func conv2d(_ x: Variable, _ w: Variable, _ b: Variable?, stride: Int, padding: Int) throws -> Variable
  {
    guard x.rank == 3 || x.rank == 4 else {
      throw ShapeError(operation: "conv2d", shapes: [x.shape], rule: "x must be [N, C, H, W] or [C, H, W]")
    }
    guard w.rank == 4 else {
      throw ShapeError(operation: "conv2d", shapes: [x.shape, w.shape], rule: "weights must be [O, C, kh, kw]")
    }
    let channels = x.shape[x.rank - 3]
    guard w.shape[1] == channels else {
      throw ShapeError(
        operation: "conv2d", shapes: [x.shape, w.shape],
        rule: "x has \(channels) channels but the weights expect \(w.shape[1])")
    }
    let g = try WindowGeometry(
      inputShape: x.shape, kernelHeight: w.shape[2], kernelWidth: w.shape[3], stride: stride, padding: padding,
      operation: "conv2d")
    if let b, b.shape != [w.shape[0]] {
      throw ShapeError(
        operation: "conv2d", shapes: [w.shape, b.shape], rule: "the bias must be [\(w.shape[0])], one per filter")
    }
    if let b { return try Primitive.conv2d(g, bias: true).apply(x, w, b) }
    return try Primitive.conv2d(g, bias: false).apply(x, w)
  }

  /// The largest entry of each k × k window (padding counts as −inf); the gradient goes to it.
  public func maxpool2d(kernel k: Int, stride: Int, padding: Int) throws -> Variable {
    let g = try WindowGeometry(
      inputShape: shape, kernelHeight: k, kernelWidth: k, stride: stride, padding: padding, operation: "maxpool2d",
      lowered: false)
    guard 2 * padding <= k else {
      throw ShapeError(
        operation: "maxpool2d", shapes: [shape], rule: "padding \(padding) must be at most half the kernel \(k)")
    }
    // A gather of the maxima, whose values the scan has already read; one block per plane, so
    // the gradient's scatter can split over the cores. The scan makes the offsets and the
    // values: refused, as `apply` would refuse the gather, when the machine cannot give that.
    let bytes = 2 * (shape.dropLast(2).reduce(1, *) * g.outputHeight * g.outputWidth) * MemoryLayout<Double>.stride
    if bytes >= MemoryBudget.unchecked, let shortfall = MemoryBudget.shortfall(bytes) {
      throw MemoryError("maxpool2d: its maxima and their offsets (\(MemoryBudget.describe(bytes))) \(shortfall)")
    }
    let (offsets, maxima, outShape) = value.windowMaxima(g)
    let planes = offsets.count / Swift.max(g.outputHeight * g.outputWidth, 1)
    let plan = IndexPlan(unchecked: offsets, shape: outShape, sourceShape: shape, blocks: planes)
    if Interruption.isPending { try Interruption.checkpoint() }
    return Primitive.gather(plan).record(Tensor(uncheckedShape: outShape, data: maxima), inputs: [self])
  }

  /// The mean of each k × k window, padded zeros included (PyTorch's count_include_pad).
  public func avgpool2d(kernel k: Int, stride: Int, padding: Int) throws -> Variable {
    let g = try WindowGeometry(
      inputShape: shape, kernelHeight: k, kernelWidth: k, stride: stride, padding: padding, operation: "avgpool2d",
      lowered: false)
    return try Primitive.avgpool2d(g).apply(self)
  }

  /// Batch normalisation with batch statistics: over axis 0 for [N, F], over N, H, W for
  /// [N, C, H, W]; biased variance, as in training mode.
  public static func batchnorm(_ x: Variable, _ gamma: Variable, _ beta: Variable, eps: Double) throws -> Variable {
    try batchnorm(x, gamma, beta, eps: .constant(eps))
  }

  /// The axes batch statistics run over, and the shape a per-feature parameter broadcasts as.
  private static func batchnormLayout(_ x: Variable) throws(ShapeError) -> (axes: [Int], parameterShape: [Int]) {
    switch x.rank {
    case 2: return ([0], [x.shape[1]])
    case 4: return ([0, 2, 3], [x.shape[1], 1, 1])
    default:
      throw ShapeError(operation: "batchnorm", shapes: [x.shape], rule: "x must be [N, F] or [N, C, H, W]")
    }
  }

  /// Batch normalisation in eval mode: with given statistics (the running mean and variance
  /// gathered in training), one per feature or channel, instead of the batch's.
  public static func batchnorm(
    _ x: Variable, _ gamma: Variable, _ beta: Variable, mean: Variable, variance: Variable, eps: Variable
  ) throws -> Variable {
    let parameterShape = try batchnormLayout(x).parameterShape
    for p in [gamma, beta, mean, variance] where p.value.count != parameterShape[0] {
      throw ShapeError(
        operation: "batchnorm", shapes: [x.shape, p.shape],
        rule: "gamma, beta and the running statistics need \(parameterShape[0]) entries, one per feature")
    }
    let normalized =
      try (x - mean.reshaped(parameterShape)) / Variable.sqrt(variance.reshaped(parameterShape) + eps.reshaped([]))
    return try normalized * gamma.reshaped(parameterShape) + beta.reshaped(parameterShape)
  }

  /// Batch normalisation with `eps` a value, so it is differentiable in eps too.
  public static func batchnorm(_ x: Variable, _ gamma: Variable, _ beta: Variable, eps: Variable) throws -> Variable {
    let (axes, parameterShape) = try batchnormLayout(x)
    let features = parameterShape[0]
    for p in [gamma, beta] where p.value.count != features {
      throw ShapeError(
        operation: "batchnorm", shapes: [x.shape, p.shape],
        rule: "gamma and beta need \(features) entries, one per feature")
    }
    let mean = try x.mean(axes: axes, keepdims: true)
    let centered = try x - mean
    let variance = try (centered * centered).mean(axes: axes, keepdims: true)
    let normalized = try centered / Variable.sqrt(variance + eps)
    return try normalized * gamma.reshaped(parameterShape) + beta.reshaped(parameterShape)
  }

  /// Mean over the batch of −log softmax(logits)[target] = logsumexp(z) − ⟨target, z⟩, as one
  /// primitive: its VJP is (softmax(z) − target)·ḡ/N, written with the softmax primitive, so it
  /// stays twice differentiable. `target` is one-hot with the logits' shape, or class indices.
  public static func softmaxCrossEntropy(_ logits: Variable, _ target: Variable) throws -> Variable {
    let oneHot = try Variable.oneHot(target, like: logits, operation: "softmax_cross_entropy")
    guard logits.rank >= 1, logits.value.count > 0 else {
      throw ShapeError(
        operation: "softmax_cross_entropy", shapes: [logits.shape], rule: "logits need a non-empty class axis")
    }
    return try Primitive.softmaxCrossEntropy(cache: .init()).apply(logits, oneHot)
  }

  /// `target` as one-hot rows shaped like `scores`: passed through when it already is.
  public static func oneHot(_ target: Variable, like scores: Variable, operation: String) throws -> Variable {
    if target.shape == scores.shape { return target }
    guard scores.rank >= 1, target.shape == Array(scores.shape.dropLast()) else {
      throw ShapeError(
        operation: operation, shapes: [scores.shape, target.shape],
        rule: "the target must be one-hot of the same shape or class indices, one per row")
    }
    let classes = scores.shape[scores.rank - 1]
    var t = Tensor(repeating: 0, shape: scores.shape)
    for (i, v) in target.value.data.enumerated() {
      guard let k = Int(exactly: v), k >= 0, k < classes else {
        throw ShapeError(operation: operation, shapes: [], rule: "target \(v) is not a class index in 0..<\(classes)")
      }
      t.data[i * classes + k] = 1
    }
    return .constant(t)
  }

  /// Mean squared error.
  public static func mse(_ prediction: Variable, _ target: Variable) throws -> Variable {
    let d = try prediction - target
    return try (d * d).mean()
  }

  /// Binary cross-entropy on probabilities, averaged. Each log is kept at or above −100, as
  /// PyTorch's BCELoss does, so a perfect prediction (p = 1 for t = 1) costs 0, not 0·log 0 = nan,
  /// and its gradient stays finite.
  public static func bce(_ p: Variable, _ target: Variable) throws -> Variable {
    let floor = Variable.constant(Tensor(scalar: Math.exp(-100)))
    let logP = try log(maximum(p, floor))
    let logQ = try log(maximum(1 - p, floor))
    return try -(target * logP + (1 - target) * logQ).mean()
  }

  /// The fraction of rows whose largest score is at the label (labels as indices or one-hot).
  public static func accuracy(_ scores: Variable, _ labels: Variable) throws -> Double {
    let oneHot = try Variable.oneHot(labels, like: scores, operation: "accuracy")
    let predicted = try scores.value.argExtreme(axis: -1, keepdims: false, largest: true)
    let truth = try oneHot.value.argExtreme(axis: -1, keepdims: false, largest: true)
    guard predicted.count > 0 else { return 0 }
    let hits = zip(predicted.data, truth.data).filter { $0 == $1 }.count
    return Double(hits) / Double(predicted.count)
  }
}
