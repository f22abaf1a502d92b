import NablaTensor

/// The lowering of convolution to a matrix product, and its adjoint. Both are linear, so each
/// is the other's VJP; leading axes are batches.
extension Primitive {
  public static func im2col(_ geometry: WindowGeometry) -> Primitive {
    Primitive(
      .im2col, attribute: .window(geometry), forward: { $0[0].im2col(geometry) },
      vjps: [{ a in try Primitive.col2im(geometry).apply(a.g) }])
  }

  public static func col2im(_ geometry: WindowGeometry) -> Primitive {
    Primitive(
      .col2im, attribute: .window(geometry), forward: { $0[0].col2im(geometry) },
      vjps: [{ a in try Primitive.im2col(geometry).apply(a.g) }])
  }
}
