import NablaTensor

/// Reductions over resolved axes. The cotangent is reshaped to keep the reduced axes (size 1) and
/// broadcast back over them.
extension Primitive {
  public static func sum(axes: [Int], keepdims: Bool) -> Primitive {
    Primitive(
      .sum, attribute: .axes(axes), forward: { try $0[0].reduce(axes: axes, keepdims: keepdims, kind: .sum) },
      vjps: [{ a in try spread(a.g, over: a.x.shape, axes: axes, batch: a.batch) }])
  }

  /// `max`/`min` over axes; the gradient goes to the extreme entries, split evenly among ties.
  public static func extreme(axes: [Int], keepdims: Bool, largest: Bool) -> Primitive {
    Primitive(
      largest ? .max : .min, domain: .real, attribute: .axes(axes),
      forward: { try $0[0].reduce(axes: axes, keepdims: keepdims, kind: largest ? .max : .min) },
      vjps: [
        { a in
          let kept = try a.y.value.reshaped(a.x.value.reducedShape(axes: axes, keepdims: true))
          let hits = try Tensor.zip(a.x.value, kept, operation: "max") { $0 == $1 ? 1 : 0 }
          let counts = try hits.reduce(axes: axes, keepdims: true, kind: .sum)
          let share = Variable.constant(try Tensor.zip(hits, counts, operation: "max") { $0 / $1 })
          return try spread(a.g, over: a.x.shape, axes: axes, batch: a.batch) * share
        }
      ])
  }

  /// Product along the last axis. Where no factor is zero the gradient is y / x, an identity that
  /// holds in a neighbourhood, so its derivatives are right too; with zeros present it is the
  /// product of the other factors, computed exactly.
  public static let prodLast: Primitive = Primitive(
    .prod, forward: { try $0[0].reduce(axes: [$0[0].rank - 1], keepdims: false, kind: .prod) },
    vjps: [
      { (a: VJPArguments) throws -> Variable in
        let x = a.x
        let n = x.shape.last ?? 1
        let g = try a.g.unsqueezed(axis: -1)
        if !x.value.data.contains(0) {
          return try g * a.y.unsqueezed(axis: -1) / x
        }
        // others[..., k, j] = x[..., j] for j ≠ k and 1 for j = k; its product over j excludes x_k.
        guard let size = Tensor.elementCount(x.shape + [n]), size <= 50_000_000 else {
          throw DifferentiationError(
            "the gradient of prod over \(n) entries with a zero among them needs \(n)×\(n) products per row, too many; the product is 0, so its gradient is nonzero only at the zero"
          )
        }
        let identity = Variable.constant(Tensor.eye(rows: n, cols: n))
        let others = try x.unsqueezed(axis: -2) * (1 - identity) + identity
        return try g * Primitive.prodLast.apply(others)
      }
    ])
}

/// `g` (reduced over `axes`, with or without kept axes, after any batch axes) broadcast back
/// to `batch ++ shape`.
func spread(_ g: Variable, over shape: [Int], axes: [Int], batch: [Int]) throws -> Variable {
  var kept = shape
  for axis in axes { kept[axis] = 1 }
  let reshaped = g.shape == batch + kept ? g : try g.reshaped(batch + kept)
  return try reshaped.broadcast(to: batch + shape)
}

extension Primitive {
  /// Softmax along `axis` (resolved), shifted by the maximum so large inputs cannot overflow.
  /// One primitive rather than a composite so its VJP, y ⊙ (g − Σ g ⊙ y), is one pass over a
  /// batched cotangent in a first-order pass (a Jacobian of softmax is such a pass) and four
  /// recorded operations otherwise.
  public static func softmax(axis: Int) -> Primitive {
    Primitive(
      .softmax, attribute: .axis(axis),
      forward: { inputs in
        let x = inputs[0]
        let m = try x.reduce(axes: [axis], keepdims: true, kind: .max).map { $0.isFinite ? $0 : 0 }
        let e = try Tensor.zip(x, m, operation: "softmax") { Math.exp($0 - $1) }
        let s = try e.reduce(axes: [axis], keepdims: true, kind: .sum)
        return try Tensor.zip(e, s, operation: "softmax") { $0 / $1 }
      },
      vjps: [
        { a in
          // A first-order pass (constants): the same formula in one pass over the cotangent.
          if !a.recording, let fused = Tensor.softmaxBackward(a.g.value, a.y.value, axis: axis) {
            return .constant(fused)
          }
          let along = a.batch.count + axis
          return try (a.g - (a.g * a.y).sum(axes: [along], keepdims: true)) * a.y
        }
      ])
  }
}

extension Primitive {
  /// Mean over rows of −⟨t, log softmax(z)⟩ = Σt·logsumexp(z) − ⟨t, z⟩, for logits z [..., C]
  /// and one-hot (or soft) targets t, computed stably in one pass. VJPs: z̄ = (Σt·softmax(z) − t)·ḡ/N
  /// and t̄ = −log softmax(z)·ḡ/N, written with differentiable operations.
  public static let softmaxCrossEntropy = softmaxCrossEntropy(cache: nil)

  /// The exponentials a forward pass computed, kept for the backward pass of the same
  /// application (a training step's loss): it then needs no exp of its own. Used only when the
  /// logits it is asked about are the ones it saw.
  final class ExponentialCache: @unchecked Sendable {
    var logits: Tensor?
    var exponentials: [Double] = []
  }

  /// Softmax cross-entropy, keeping its exponentials in `cache` when one is given (one per
  /// application: `Variable.softmaxCrossEntropy` makes a fresh one).
  static func softmaxCrossEntropy(cache: ExponentialCache?) -> Primitive {
    Primitive(
      .softmaxCrossEntropy, domain: .positive,
      forward: { inputs in
        let (z, t) = (inputs[0], inputs[1])
        let (loss, exponentials) = Tensor.softmaxCrossEntropy(z, t, keepingExponentials: cache != nil)
        // Logits with NaN or infinities take the backward pass's own (NaN-aware) route.
        if let cache, let exponentials, z.allFinite {
          cache.logits = z
          cache.exponentials = exponentials
        }
        return Tensor(scalar: loss)
      },
      vjps: [
        { (a: VJPArguments) throws -> Variable in
          let (z, t) = (a.inputs[0], a.inputs[1])
          // A first-order pass of one loss: the same numbers in one pass.
          if a.batch.isEmpty, !a.recording, let g = a.g.value.scalarValue {
            let scale = g / Double(max(z.value.count / max(z.shape.last ?? 1, 1), 1))
            let cached = cache.flatMap { $0.logits == z.value ? $0.exponentials : nil }
            if let fused = Tensor.softmaxCrossEntropyBackward(z.value, t.value, scale: scale, exponentials: cached) {
              return .constant(fused)
            }
          }
          let mass = try t.sum(axes: [z.rank - 1], keepdims: true)
          return try (Primitive.softmax(axis: z.rank - 1).apply(z) * mass - t) * crossEntropyScale(a)
        },
        { (a: VJPArguments) throws -> Variable in
          try -a.inputs[0].logSoftmax(axis: -1) * crossEntropyScale(a)
        },
      ])
  }

  /// ḡ/N shaped to broadcast against [batch..., rows..., C].
  static func crossEntropyScale(_ a: VJPArguments) throws -> Variable {
    let z = a.inputs[0]
    let rows = Double(max(z.value.count / max(z.shape.last ?? 1, 1), 1))
    return try a.g.reshaped(a.batch + [Int](repeating: 1, count: z.rank)) / rows
  }
}
