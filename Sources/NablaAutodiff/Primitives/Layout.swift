import NablaTensor

/// Primitives that move elements without arithmetic. Each is linear, so its VJP is its adjoint.
extension Primitive {
  public static func reshape(_ shape: [Int]) -> Primitive {
    Primitive(
      .reshape, forward: { try $0[0].reshaped(shape) },
      vjps: [{ a in try a.g.reshaped(a.batched(a.x.shape)) }])
  }

  /// Permutes axes: output axis i is input axis `permutation[i]`.
  public static func transpose(_ permutation: [Int]) -> Primitive {
    var inverse = [Int](repeating: 0, count: permutation.count)
    for (i, p) in permutation.enumerated() where p >= 0 && p < permutation.count { inverse[p] = i }
    return Primitive(
      .transpose, attribute: .permutation(permutation), forward: { try $0[0].permuted(permutation) },
      vjps: [
        { [inverse] a in
          let b = a.batch.count
          return try a.g.permuted(Array(0..<b) + inverse.map { $0 + b })
        }
      ])
  }

  public static func broadcast(to shape: [Int]) -> Primitive {
    Primitive(
      .broadcast, forward: { try $0[0].broadcast(to: shape) },
      vjps: [{ a in try a.g.unbroadcast(to: a.x.shape, batch: a.batch) }])
  }

  /// Sums broadcast axes away: the one place where broadcasting is undone in every gradient.
  public static func sum(toShape shape: [Int]) -> Primitive {
    Primitive(
      .sumToShape, forward: { try $0[0].sum(toShape: shape) },
      vjps: [{ a in try a.g.rebroadcast(to: a.x.shape, batch: a.batch) }])
  }

  /// Reads the plan's elements: every form of indexing. Leading batch axes pass through.
  public static func gather(_ plan: IndexPlan) -> Primitive {
    Primitive(
      .index, attribute: .plan(plan), forward: { try $0[0].gather(plan) },
      vjps: [{ a in try Primitive.scatterAdd(plan).apply(a.g) }])
  }

  /// Adds into a zero tensor of the plan's source shape where the plan reads: the adjoint of
  /// `gather`.
  public static func scatterAdd(_ plan: IndexPlan) -> Primitive {
    Primitive(
      .scatterAdd, attribute: .plan(plan), forward: { try $0[0].scatterAdd(plan) },
      vjps: [{ a in try Primitive.gather(plan).apply(a.g) }])
  }

  /// Joins inputs along `axis` (already resolved); each input's gradient is its slice.
  public static func concat(axis: Int, sizes: [Int]) -> Primitive {
    var rules: [Rule?] = []
    var start = 0
    for size in sizes {
      let range = start..<(start + size)
      rules.append({ a in
        var items = [IndexItem](repeating: .slice(start: nil, stop: nil, step: nil), count: axis)
        items.append(.slice(start: range.lowerBound, stop: range.upperBound, step: 1))
        return try Primitive.gather(IndexPlan(shape: a.y.shape, items: items)).apply(a.g)
      })
      start += size
    }
    return Primitive(.concat, attribute: .axis(axis), forward: { try Tensor.concatenate($0, axis: axis) }, vjps: rules)
  }

  /// Matrix product of operands of rank ≥ 2 with broadcast batch axes (NumPy `matmul`).
  public static let matmul = makeMatmul(transposeA: false, transposeB: false)
  static let matmulNT = makeMatmul(transposeA: false, transposeB: true)
  static let matmulTN = makeMatmul(transposeA: true, transposeB: false)
  static let matmulTT = makeMatmul(transposeA: true, transposeB: true)

  /// op(A) op(B), where op transposes the last two axes when asked, read in place by BLAS
  /// (so `x @ W'` in a linear layer never copies W). Each VJP is another such product:
  /// for C = AB, Ā = C̄Bᵀ and B̄ = AᵀC̄, and the transposed forms follow by transposing those.
  /// One primitive per layout, made once: every backward product of a training step asks for one.
  public static func matmul(transposeA: Bool, transposeB: Bool) -> Primitive {
    switch (transposeA, transposeB) {
    case (false, false): matmul
    case (false, true): matmulNT
    case (true, false): matmulTN
    case (true, true): matmulTT
    }
  }

  private static func makeMatmul(transposeA: Bool, transposeB: Bool) -> Primitive {
    typealias M = Variable
    let rules: [Rule?]
    switch (transposeA, transposeB) {
    case (false, false):
      rules = [
        { a in try M.product(a.g, a.inputs[1], false, true) }, { a in try M.product(a.inputs[0], a.g, true, false) },
      ]
    case (false, true):
      rules = [
        { a in try M.product(a.g, a.inputs[1], false, false) }, { a in try M.product(a.g, a.inputs[0], true, false) },
      ]
    case (true, false):
      rules = [
        { a in try M.product(a.inputs[1], a.g, false, true) }, { a in try M.product(a.inputs[0], a.g, false, false) },
      ]
    case (true, true):
      rules = [
        { a in try M.product(a.inputs[1], a.g, true, true) }, { a in try M.product(a.g, a.inputs[0], true, true) },
      ]
    }
    let kind: PrimitiveKind =
      switch (transposeA, transposeB) {
      case (false, false): .matmul
      case (false, true): .matmulNT
      case (true, false): .matmulTN
      case (true, true): .matmulTT
      }
    return Primitive(
      kind,
      forward: { try Tensor.batchedMatmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) },
      vjps: rules)
  }

  /// A linear layer on a batch of rows, y = x Wᵀ + b (x [m, k], W [n, k], b [n]), in one GEMM
  /// that accumulates into rows holding b. The VJPs are those of the product and the
  /// broadcast add it fuses: x̄ = ȳW, W̄ = ȳᵀx, b̄ = ȳ summed over the rows.
  public static let linear = Primitive(
    .linear,
    forward: { inputs in
      guard let y = try Tensor.linear(inputs[0], inputs[1], inputs[2]) else {
        throw ShapeError(
          operation: "linear", shapes: inputs.map(\.shape), rule: "needs x [m, k], W [n, k] and b [n]")
      }
      return y
    },
    vjps: [
      { a in try Variable.product(a.g, a.inputs[1], false, false) },
      { a in try Variable.product(a.g, a.inputs[0], true, false) },
      { a in
        // First order: the rows summed by the tensor reduction directly, without the shape checks
        // and reshapes of unbroadcasting.
        if !a.recording, a.batch.isEmpty, a.g.rank == 2 {
          return .constant(try a.g.value.reduce(axes: [0], keepdims: false, kind: .sum))
        }
        return try a.g.unbroadcast(to: a.inputs[2].shape, batch: a.batch)
      },
    ])
}

extension Primitive {
  /// The identity, standing between a derivative and its history rebuilt on demand.
  public static let derivative = Primitive(.derivative, forward: { $0[0] }, vjps: [{ $0.g }])
}
