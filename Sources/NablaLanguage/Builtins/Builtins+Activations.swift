import NablaAutodiff
import NablaTensor

extension Builtins {
  /// Activations and losses of `torch.nn.functional` beyond the course's basic ones.
  static let activations: [Builtin] = [
    Builtin(
      "elu", [x, Parameter("alpha", .scalar, default: .value(.scalar(1)))], category: "Neural networks",
      doc: "x for x > 0, α(eˣ − 1) otherwise (derivative α at 0); differentiable in α too.",
      example: "elu([-1, 0, 2])"
    ) { c in .tensor(try Variable.elu(c.tensor("x"), alpha: c.tensor("alpha"))) },
    unary(
      "selu", doc: "λ·elu(x, α) with the self-normalising λ ≈ 1.0507 and α ≈ 1.6733.", example: "selu([-1, 0, 2])",
      Variable.selu),
    unary(
      "gelu", doc: "x·Φ(x) = ½x(1 + erf(x/√2)), the exact form (PyTorch's default).", example: "gelu([-1, 0, 2])",
      Variable.gelu),
    unary("silu", doc: "x·σ(x) (also called swish).", example: "silu([-1, 0, 2])", Variable.silu),
    unary(
      "log_sigmoid", doc: "log σ(x) = −softplus(−x), stable.", example: "log_sigmoid([-50, 0, 50])", Variable.logSigmoid
    ),
    Builtin(
      "hardtanh",
      [
        x, Parameter("lo", .tensor, default: .value(.scalar(-1))),
        Parameter("hi", .tensor, default: .value(.scalar(1))),
      ],
      category: "Neural networks", doc: "x limited to [lo, hi] (−1 and 1 by default), as clip.",
      example: "hardtanh([-2, 0.5, 3])"
    ) { c in .tensor(try Variable.clip(c.tensor("x"), c.tensor("lo"), c.tensor("hi"))) },
    Builtin(
      "nll_loss", [Parameter("log_probs", .tensor), Parameter("labels", .tensor)], category: "Neural networks",
      doc: "Mean over the batch of −log_probs[label] (labels as class indices or one-hot).",
      example: "nll_loss(log_softmax([1, 2, 0.5; 0, 1, 3]), [1, 2])"
    ) { c in .tensor(try Variable.nllLoss(c.tensor("log_probs"), c.tensor("labels"))) },
    binary(
      "l1_loss", "p", "target", doc: "Mean absolute error mean|p − target|.", example: "l1_loss([1, 2], [1, 4])",
      Variable.l1Loss),
    binary(
      "smooth_l1_loss", "p", "target", doc: "Mean of ½d² where |d| < 1 and |d| − ½ elsewhere, d = p − target (β = 1).",
      example: "smooth_l1_loss([1, 2, 5], [1.5, 2, 1])", Variable.smoothL1Loss),
    binary(
      "kl_div", "log_p", "q", doc: "Σ q(log q − log_p): KL(q ‖ p) from log-probabilities, summed (0·log 0 = 0).",
      example: "kl_div(log([0.5, 0.5]), [0.9, 0.1])", Variable.klDivergence),
    Builtin(
      "dropout", [x, Parameter("p", .scalar, default: .value(.scalar(0.5))), seed], category: "Neural networks",
      doc: "Zeroes each entry with probability p and scales the rest by 1/(1 − p); seed: makes the mask reproducible.",
      example: "dropout(ones(8), 0.25, seed: 1)"
    ) { c in
      let (input, p) = (try c.tensor("x"), try c.tensor("p"))
      return .tensor(try c.withRandom { r in try Variable.dropout(input, p: p, random: &r) })
    },
    Builtin(
      "embedding", [Parameter("E", .tensor), Parameter("indices", .tensor)], category: "Neural networks",
      doc: "Rows of the table E picked by whole-number indices (shape indices.shape ++ E.shape[1:]).",
      example: "embedding([1, 2; 3, 4; 5, 6], [2, 0])"
    ) { c in .tensor(try Variable.embedding(c.tensor("E"), c.tensor("indices"))) },
  ]
}
