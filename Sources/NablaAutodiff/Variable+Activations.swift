import NablaTensor

/// Activations and losses of PyTorch's `torch.nn.functional`, written in primitives: their
/// derivatives come from the primitive table (and are checked there), and every real
/// parameter (elu's α, a tracked leaky_relu slope, dropout's p) is differentiable.
extension Variable {
  /// relu(x) + a·(x − relu(x)): x for x > 0, a·x otherwise; ∂/∂x at 0 is a (relu′(0) = 0).
  /// A constant slope takes the fused primitive; a tracked one this form, differentiable in a.
  public static func leakyRelu(_ x: Variable, slope a: Variable) throws -> Variable {
    if !a.isTracked, let s = a.value.scalarValue, a.value.count == 1 { return try leakyRelu(x, slope: s) }
    let positive = try relu(x)
    return try positive + a * (x - positive)
  }

  /// x for x > 0, α(eˣ − 1) otherwise (derivative α at 0, as PyTorch).
  public static func elu(_ x: Variable, alpha: Variable) throws -> Variable {
    let positive = try relu(x)
    return try positive + alpha * Primitive.expm1.apply(x - positive)
  }

  /// λ·elu(x, α) with the self-normalising constants of Klambauer et al. (2017).
  public static func selu(_ x: Variable) throws -> Variable {
    try elu(x, alpha: .constant(1.673_263_242_354_377_284_817_042_991_671_7))
      * 1.050_700_987_355_480_493_419_334_985_294_6
  }

  /// x·Φ(x) = ½x(1 + erf(x/√2)), the exact form (PyTorch's default, not the tanh approximation).
  public static func gelu(_ x: Variable) throws -> Variable {
    try x * 0.5 * (1 + Primitive.erf.apply(x * (1 / 2.0.squareRoot())))
  }

  /// x·σ(x) (also called swish).
  public static func silu(_ x: Variable) throws -> Variable { try x * sigmoid(x) }

  /// log σ(x) = −softplus(−x), stable for large |x|.
  public static func logSigmoid(_ x: Variable) throws -> Variable { try -softplus(-x) }

  /// Mean over the batch of −log_probs[label]: labels as class indices or one-hot rows.
  public static func nllLoss(_ logProbs: Variable, _ labels: Variable) throws -> Variable {
    let oneHot = try Variable.oneHot(labels, like: logProbs, operation: "nll_loss")
    let rows = Swift.max(logProbs.value.count / Swift.max(logProbs.shape.last ?? 1, 1), 1)
    return try -(logProbs * oneHot).sum() / Double(rows)
  }

  /// mean |p − t|.
  public static func l1Loss(_ p: Variable, _ t: Variable) throws -> Variable { try abs(p - t).mean() }

  /// mean of ½d² where |d| < 1 and |d| − ½ elsewhere (β = 1, as PyTorch's default).
  public static func smoothL1Loss(_ p: Variable, _ t: Variable) throws -> Variable {
    let d = try p - t
    let inside = mask(d) { Swift.abs($0) < 1 ? 1 : 0 }
    return try (d * d * 0.5 * inside + (abs(d) - 0.5) * (1 - inside)).mean()
  }

  /// Σ q(log q − log_p): the divergence KL(q ‖ p) from log-probabilities log_p, summed; terms
  /// with q = 0 count 0 (0·log 0 = 0).
  public static func klDivergence(_ logP: Variable, _ q: Variable) throws -> Variable {
    let zero = mask(q) { $0 == 0 ? 1 : 0 }
    return try (q * (log(q + zero) - logP)).sum()
  }

  /// Zeroes each entry with probability p and scales the rest by 1/(1 − p), with the mask drawn
  /// from `random`; differentiable in x and in p (for the drawn mask).
  public static func dropout(_ x: Variable, p: Variable, random: inout RandomSource) throws -> Variable {
    guard let rate = p.value.scalarValue, p.value.count == 1, rate >= 0, rate < 1 else {
      throw ShapeError(operation: "dropout", shapes: [p.shape], rule: "p must be a number in [0, 1)")
    }
    let keep = Tensor(uncheckedShape: x.shape, data: (0..<x.value.count).map { _ in random.uniform() >= rate ? 1 : 0 })
    return try x * Variable.constant(keep) / (1 - p)
  }

  /// Rows of E picked by whole-number indices (of any shape): the result has shape
  /// indices.shape ++ E.shape[1...], and the gradient adds into the rows that were read.
  public static func embedding(_ table: Variable, _ indices: Variable) throws -> Variable {
    guard table.rank >= 1 else {
      throw ShapeError(operation: "embedding", shapes: [table.shape], rule: "the table needs rows")
    }
    var rows: [Int] = []
    for v in indices.value.data {
      guard let k = Int(exactly: v), k >= 0, k < table.shape[0] else {
        throw ShapeError(
          operation: "embedding", shapes: [table.shape, indices.shape],
          rule: "index \(v) is not a row of a table with \(table.shape[0]) rows")
      }
      rows.append(k)
    }
    let picked = try table.indexed([.array(rows)])
    return try picked.reshaped(indices.shape + Array(table.shape.dropFirst()))
  }
}
