import NablaTensor

/// Solves and factorizations, forward by LAPACK (NablaTensor), each VJP written with
/// differentiable operations (calling these primitives again), so second derivatives follow.
/// The rules are JAX's and PyTorch's (docs/design/linalg-derivatives.md, each checked against
/// finite differences). Multi-output factorizations are one primitive per output; a rule that
/// needs a sibling factor applies the sibling to the same input, as `det` applies `inv`.
extension Primitive {
  /// X with A X = B (B [..., n, k]; a vector right-hand side is a reshape around this).
  /// B̄ = A⁻ᵀ X̄ = solve(Aᵀ, X̄), Ā = −B̄ Xᵀ.
  public static let solve: Primitive = Primitive(
    .solve, domain: .invertible, forward: { try Tensor.solve($0[0], $0[1]) },
    vjps: [
      { a in try -mm(Primitive.solve.apply(mT(a.inputs[0]), a.g), mT(a.y)) },
      { a in try Primitive.solve.apply(mT(a.inputs[0]), a.g) },
    ])

  /// X with op(T) X = B for triangular T (the `lower` or upper triangle is read). B̄ solves the
  /// transposed system; T̄ is −B̄Xᵀ (or −XB̄ᵀ) projected onto T's triangle.
  public static func solveTriangular(lower: Bool, transpose: Bool) -> Primitive {
    Primitive(
      .solveTriangular, domain: .invertible, attribute: .triangle(lower: lower, transpose: transpose),
      forward: { try Tensor.solveTriangular($0[0], $0[1], lower: lower, transpose: transpose) },
      vjps: [
        { a in
          let bBar = try Primitive.solveTriangular(lower: lower, transpose: !transpose).apply(a.inputs[0], a.g)
          let outer = transpose ? try mm(a.y, mT(bBar)) : try mm(bBar, mT(a.y))
          let n = a.inputs[0].shape.last ?? 0
          return try -(outer * (lower ? lowerMask(n) : upperMask(n)))
        },
        { a in try Primitive.solveTriangular(lower: lower, transpose: !transpose).apply(a.inputs[0], a.g) },
      ])
  }

  /// L with L Lᵀ = ½(A + Aᵀ). With M = LᵀL̄ and P = ½(tril(M) + tril(M, −1)ᵀ): Ā = L⁻ᵀ P L⁻¹.
  public static let cholesky: Primitive = Primitive(
    .cholesky, domain: .positiveDefinite, forward: { try $0[0].cholesky() },
    vjps: [
      { a in
        let l = a.y
        let n = l.shape.last ?? 0
        let m = try mm(mT(l), a.g)
        let p = try (m * lowerMask(n) + mT(m * lowerMask(n, -1))) * 0.5
        let solveLT = Primitive.solveTriangular(lower: true, transpose: true)
        let w = try solveLT.apply(l, p)  // L⁻ᵀ P
        return try mT(solveLT.apply(l, mT(w)))  // W L⁻¹
      }
    ])

  /// The eigenvalues of ½(A + Aᵀ), ascending. Ā = V diag(w̄) Vᵀ.
  public static let eigvalsh: Primitive = Primitive(
    .eigvalsh, forward: { try $0[0].symmetricEigen().values },
    vjps: [
      { a in
        let v = try Primitive.eigenvectors.apply(a.inputs[0])
        return try mm(v * a.g.unsqueezed(axis: -2), mT(v))
      }
    ])

  /// The eigenvectors (columns) of ½(A + Aᵀ). Ā = V sym(F ∘ VᵀV̄) Vᵀ with F_ij = 1/(w_j − w_i)
  /// off the diagonal; at repeated eigenvalues F is 0 there (the masked reciprocal), where
  /// only a loss that does not depend on the choice of basis has a derivative.
  public static let eigenvectors: Primitive = Primitive(
    .eigenvectors, forward: { try $0[0].symmetricEigen().vectors },
    vjps: [
      { a in
        let w = try Primitive.eigvalsh.apply(a.inputs[0])
        let v = a.y
        let f = try maskedReciprocal(w.unsqueezed(axis: -2) - w.unsqueezed(axis: -1))
        let inner = try symmetric(f * mm(mT(v), a.g))
        return try mm(mm(v, inner), mT(v))
      }
    ])

  /// Singular values, descending. Ā = U diag(s̄) Vt.
  public static let svdvals: Primitive = Primitive(
    .svdvals, forward: { try $0[0].singularValueDecomposition().s },
    vjps: [
      { a in
        let (u, vt) = (try Primitive.svdU.apply(a.inputs[0]), try Primitive.svdVt.apply(a.inputs[0]))
        return try mm(u * a.g.unsqueezed(axis: -2), vt)
      }
    ])

  /// U of the thin SVD. With J = UᵀŪ and F_jl = 1/(s_l² − s_j²): Ā = U((J − Jᵀ) diag(s) ∘ F) Vt,
  /// plus (Ū − UUᵀŪ) diag(1/s) Vt when m > n.
  public static let svdU: Primitive = Primitive(
    .svdU, forward: { try $0[0].singularValueDecomposition().u },
    vjps: [
      { a in
        let x = a.inputs[0]
        let (u, s, vt) = (a.y, try Primitive.svdvals.apply(x), try Primitive.svdVt.apply(x))
        let f = try singularGaps(s)
        let j = try mm(mT(u), a.g)
        var result = try mm(mm(u, (j - mT(j)) * s.unsqueezed(axis: -2) * f), vt)
        let (m, n) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        if m > n {
          let projected = try a.g - mm(u, mm(mT(u), a.g))
          result = try result + mm(projected / s.unsqueezed(axis: -2), vt)
        }
        return result
      }
    ])

  /// Vt of the thin SVD. With K = Vt V̄tᵀ: Ā = U(diag(s)(K − Kᵀ) ∘ F) Vt, plus
  /// U diag(1/s)(V̄t − V̄t Vtᵀ Vt) when m < n.
  public static let svdVt: Primitive = Primitive(
    .svdVt, forward: { try $0[0].singularValueDecomposition().vt },
    vjps: [
      { a in
        let x = a.inputs[0]
        let (u, s, vt) = (try Primitive.svdU.apply(x), try Primitive.svdvals.apply(x), a.y)
        let f = try singularGaps(s)
        let k = try mm(vt, mT(a.g))
        var result = try mm(mm(u, (k - mT(k)) * s.unsqueezed(axis: -1) * f), vt)
        let (m, n) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        if m < n {
          let projected = try a.g - mm(mm(a.g, mT(vt)), vt)
          result = try result + mm(u, projected / s.unsqueezed(axis: -1))
        }
        return result
      }
    ])

  /// Q of the reduced QR decomposition.
  public static let qrQ: Primitive = Primitive(
    .qrQ, forward: { try $0[0].qrDecomposition().q },
    vjps: [{ a in try qrRule(a.inputs[0], q: a.y, r: Primitive.qrR.apply(a.inputs[0]), qBar: a.g, rBar: nil) }])

  /// R of the reduced QR decomposition.
  public static let qrR: Primitive = Primitive(
    .qrR, forward: { try $0[0].qrDecomposition().r },
    vjps: [{ a in try qrRule(a.inputs[0], q: Primitive.qrQ.apply(a.inputs[0]), r: a.y, qBar: nil, rBar: a.g) }])

  /// log |det A|; Ā = ḡ A⁻ᵀ (the sign is locally constant, its derivative 0).
  public static let logAbsDet: Primitive = Primitive(
    .logAbsDet, domain: .invertible, forward: { try $0[0].logAbsDeterminant().logAbs },
    vjps: [
      { a in try a.g.unsqueezed(axis: -1).unsqueezed(axis: -1) * mT(Primitive.inv.apply(a.inputs[0])) }
    ])

  /// The pseudo-inverse P = A⁺ (Golub and Pereyra's derivative, valid where the rank is locally
  /// constant): Ā = −PᵀḠPᵀ + PᵀPḠᵀ(I − PA) + (I − AP)ḠᵀPPᵀ.
  public static let pinv: Primitive = Primitive(
    .pinv, forward: { try $0[0].pseudoInverse() },
    vjps: [
      { a in
        let (x, p, g) = (a.inputs[0], a.y, a.g)
        let (m, n) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        let pt = try mT(p)
        let first = try -mm(mm(pt, g), pt)
        let second = try mm(mm(mm(pt, p), mT(g)), identity(n) - mm(p, x))
        let third = try mm(mm(identity(m) - mm(x, p), mT(g)), mm(p, pt))
        return try first + second + third
      }
    ])
}

/// Ā for the reduced QR from Q̄ and/or R̄ (a missing cotangent is zero), PyTorch's rule:
/// m ≥ n: N = R̄Rᵀ − QᵀQ̄, C = triu(N) + triu(N, 1)ᵀ, Ā = (Q̄ + QC)R⁻ᵀ;
/// m < n: Y = QᵀQ̄ − R̄Rᵀ, Ā = [Q tril(Y − Yᵀ) R₁⁻ᵀ, 0] + QR̄ with R₁ the first m columns of R.
private func qrRule(_ x: Variable, q: Variable, r: Variable, qBar: Variable?, rBar: Variable?) throws -> Variable {
  let (m, n) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
  let k = Swift.min(m, n)
  let upperSolve = Primitive.solveTriangular(lower: false, transpose: false)
  /// X R⁻ᵀ for a square upper-triangular R: (R⁻¹ Xᵀ)ᵀ.
  func timesInverseTranspose(_ x: Variable, _ r: Variable) throws -> Variable {
    try mT(upperSolve.apply(r, mT(x)))
  }
  var terms: [Variable] = []
  if let qBar { terms.append(try -mm(mT(q), qBar)) }
  if let rBar { terms.append(try mm(rBar, mT(r))) }
  guard var inner = terms.first else { throw DifferentiationError("internal: qr rule without a cotangent") }
  for t in terms.dropFirst() { inner = try inner + t }
  if m >= n {
    let c = try inner * upperMask(k) + mT(inner * upperMask(k, 1))
    var product = try mm(q, c)
    if let qBar { product = try product + qBar }
    return try timesInverseTranspose(product, r)
  }
  // m < n: Y = −inner; R₁ = R E and [G, 0] = G Eᵀ with E = [I_m; 0] (n × m).
  let e = Variable.constant(Tensor.eye(rows: n, cols: m))
  let y = try -inner
  let skew = try (y - mT(y)) * lowerMask(m)
  var result = try mm(timesInverseTranspose(mm(q, skew), mm(r, e)), mT(e))
  if let rBar { result = try result + mm(q, rBar) }
  return result
}

// MARK: - Matrix helpers for the rules above (all differentiable or constant)

private func mT(_ x: Variable) throws -> Variable { try x.transposedLastTwo() }
private func mm(_ a: Variable, _ b: Variable) throws -> Variable { try Variable.batchedMatmul(a, b) }

private func identity(_ n: Int) -> Variable { .constant(Tensor.eye(rows: n, cols: n)) }

/// 1 where j ≤ i + k (tril(·, k)).
private func lowerMask(_ n: Int, _ k: Int = 0) -> Variable {
  .constant(Tensor.triangle(rows: n, cols: n, offset: k, upper: false))
}

/// 1 where j ≥ i + k (triu(·, k)).
private func upperMask(_ n: Int, _ k: Int = 0) -> Variable {
  .constant(Tensor.triangle(rows: n, cols: n, offset: k, upper: true))
}

private func symmetric(_ x: Variable) throws -> Variable { try (x + mT(x)) * 0.5 }

/// 1/D off the diagonal where D ≠ 0, and 0 on the diagonal and at exact ties: a zero cotangent
/// times the reciprocal of a tie stays 0 instead of 0·inf = nan (JAX never forms that product;
/// here zero cotangents are real tensors). The mask is constant, so the result is differentiable in D.
private func maskedReciprocal(_ d: Variable) throws -> Variable {
  let n = d.shape.last ?? 0
  var nz = d.value.map { $0 == 0 ? 0 : 1 }
  for b in 0..<(n == 0 ? 0 : nz.count / (n * n)) { for i in 0..<n { nz.data[b * n * n + i * n + i] = 0 } }
  let keep = Variable.constant(nz)
  return try keep / (d + (1 - keep))
}

/// F_jl = 1/(s_l² − s_j²) off the diagonal, masked at ties (see `maskedReciprocal`).
private func singularGaps(_ s: Variable) throws -> Variable {
  let s2 = try s * s
  return try maskedReciprocal(s2.unsqueezed(axis: -2) - s2.unsqueezed(axis: -1))
}
