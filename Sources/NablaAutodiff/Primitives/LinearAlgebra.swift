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

  /// d(det A) = det A · tr(A⁻¹ dA), so the VJP is g · det A · A⁻ᵀ.
  public static let det: Primitive = Primitive(
    .det, domain: .invertible, forward: { try $0[0].determinant() },
    vjps: [
      { (a: VJPArguments) throws -> Variable in
        let inverseT = try Primitive.inv.apply(a.x).transposedLastTwo()
        return try (a.g * a.y).unsqueezed(axis: -1).unsqueezed(axis: -1) * inverseT
      }
    ])
}
