import NablaTensor

/// Matrix inverse and determinant over the last two axes.
extension Primitive {
  /// d(A⁻¹) = −A⁻¹ dA A⁻¹, so the VJP is −A⁻ᵀ G A⁻ᵀ.
  public static let inv: Primitive = Primitive(
    .inv, domain: .invertible, forward: { try $0[0].inverse() },
    vjps: [
      { (a: VJPArguments) throws -> Variable in
        let yt = try a.y.transposedLastTwo()
        return try -Variable.batchedMatmul(Variable.batchedMatmul(yt, a.g), yt)
      }
    ])

  /// d(det A) = tr(adj(A) dA), so the VJP is g · adj(A)ᵀ, the cofactor matrix. Where A is
  /// invertible adj(A) = det A · A⁻¹; at a singular A (where that has no meaning) the adjugate
  /// comes from the characteristic polynomial instead, as JAX and PyTorch give it there:
  /// [1 2; 2 4] has gradient [4 −2; −2 1], a matrix of rank ≤ n − 2 has gradient 0.
  public static let det: Primitive = Primitive(
    .det, domain: .invertible, forward: { try $0[0].determinant() },
    vjps: [
      { (a: VJPArguments) throws -> Variable in
        let scale = try a.g.unsqueezed(axis: -1).unsqueezed(axis: -1)
        let inverse: Variable
        do {
          inverse = try Primitive.inv.apply(a.x)
        } catch {
          return try scale * adjugate(a.x).transposedLastTwo()
        }
        return try scale * a.y.unsqueezed(axis: -1).unsqueezed(axis: -1) * inverse.transposedLastTwo()
      }
    ])
}

/// The adjugate of each square matrix in the last two axes (adj(A)·A = det(A)·I), by the
/// Faddeev–LeVerrier recurrence: M₁ = I, cₖ = −tr(A Mₖ)/k, Mₖ₊₁ = A Mₖ + cₖ I, and
/// adj(A) = (−1)ⁿ⁺¹ Mₙ. A polynomial in A, so exact at any rank and differentiable to any order;
/// used only at singular matrices, where n is small (the recurrence loses accuracy for large n).
func adjugate(_ a: Variable) throws -> Variable {
  guard a.rank >= 2, let n = a.shape.last, a.shape[a.rank - 2] == n else {
    throw ShapeError(operation: "det", shapes: [a.shape], rule: "needs square matrices")
  }
  guard n <= 24 else {
    throw DifferentiationError(
      "the gradient of det at a singular \(n)×\(n) matrix (its adjugate) is only computed up to 24×24")
  }
  let identity = Variable.constant(Tensor.eye(rows: n, cols: n))
  let lastTwo = [a.rank - 2, a.rank - 1]
  var m = try identity.broadcast(to: a.shape)
  for k in 1..<Swift.max(n, 1) {
    let am = try Variable.batchedMatmul(a, m)
    let c = try -((am * identity).sum(axes: lastTwo, keepdims: true)) / Double(k)
    m = try am + c * identity
  }
  return n % 2 == 1 ? m : try -m
}
