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

  /// Average pooling, padded zeros counted, in one pass (`Tensor.windowMeans`), and its adjoint,
  /// which spreads each cotangent over its window in one pass. Both are linear, so each is the
  /// other's VJP; leading axes are batches. The values are those of `mean(im2col(x))` and of
  /// its rule through `col2im`, to the bit.
  public static func avgpool2d(_ geometry: WindowGeometry) -> Primitive {
    Primitive(
      .avgpool2d, attribute: .window(geometry), forward: { try $0[0].windowMeans(geometry) },
      vjps: [{ a in try Primitive.avgpool2dTranspose(geometry).apply(a.g) }])
  }

  public static func avgpool2dTranspose(_ geometry: WindowGeometry) -> Primitive {
    Primitive(
      .avgpool2dTranspose, attribute: .window(geometry), forward: { try $0[0].spreadWindowMeans(geometry) },
      vjps: [{ a in try Primitive.avgpool2d(geometry).apply(a.g) }])
  }

  /// Convolution of x [..., C, H, W] with filters w [O, C, kh, kw], plus a bias b [O] when it
  /// has three inputs: `reshape(W₂ · im2col(x)) + b` with W₂ = w as [O, C·kh·kw], computed image
  /// by image (`Tensor.convolution`) without the batch's lowered matrix.
  ///
  /// The rules are the lowering's: x̄ = col2im(W₂ᵀ ȳ), W̄ = ȳ · im2col(x)ᵀ, b̄ = ȳ summed over
  /// everything but the filters. Recorded (a Hessian, `derive`), they are written with those
  /// primitives, so the traced formula is the lowered convolution's; in a first-order pass,
  /// whose values are constants, the same products run image by image.
  public static func conv2d(_ geometry: WindowGeometry, bias: Bool) -> Primitive {
    let g = geometry
    let rules: [Rule?] = [
      { a in
        let w = a.inputs[1]
        if !a.recording {
          return .constant(try Tensor.convolutionInputGradient(a.g.value, w.value, g))
        }
        let cols = try Variable.product(w.reshaped([w.shape[0], g.patchSize]), lowered(a, g), true, false)
        return try Primitive.col2im(g).apply(cols)
      },
      { a in
        let (x, w) = (a.inputs[0], a.inputs[1])
        if !a.recording {
          return .constant(try Tensor.convolutionWeightGradient(x.value, a.g.value, filters: w.shape[0], g))
        }
        let product = try Variable.product(lowered(a, g), Primitive.im2col(g).apply(x), false, true)
        let filters = [w.shape[0], g.patchSize]
        return try product.unbroadcast(to: filters, batch: a.batch).reshaped(a.batched(w.shape))
      },
      { a in
        let filters = a.inputs[1].shape[0]
        if !a.recording { return .constant(a.g.value.convolutionBiasGradient(batch: a.batch.count)) }
        return try a.g.unbroadcast(to: [filters, 1, 1], batch: a.batch).reshaped(a.batched([filters]))
      },
    ]
    return Primitive(
      .conv2d, attribute: .window(g),
      forward: { try Tensor.convolution($0[0], $0[1], bias: bias ? $0[2] : nil, g) },
      vjps: Array(rules.prefix(bias ? 3 : 2)))
  }

  /// The output cotangent [..., O, Ho, Wo] as the product's [..., O, Ho·Wo].
  private static func lowered(_ a: VJPArguments, _ g: WindowGeometry) throws -> Variable {
    try a.g.reshaped(Array(a.g.shape.dropLast(3)) + [a.g.shape[a.g.rank - 3], g.positions])
  }
}
