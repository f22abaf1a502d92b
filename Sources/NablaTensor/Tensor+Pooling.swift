/// Average pooling and its adjoint, each in one pass over planes [..., H, W] (every leading axis
/// is a plane, so a batch of cotangents pools like a batch of images).
///
/// Both walk the windows in the order `im2col` lays them out, (i, j) then (y, x), and add from
/// +0: each output of `windowMeans` is the sum `mean(im2col(x))` makes, and each entry of
/// `spreadWindowMeans` the sum `col2im` makes, to the last bit. The padding, read as 0, adds
/// nothing and is skipped.
extension Tensor {
  /// The mean of each window, padded zeros counted (PyTorch's count_include_pad): [..., H, W]
  /// to [..., Ho, Wo].
  public func windowMeans(_ g: WindowGeometry) throws(ShapeError) -> Tensor {
    try averagePooling(g, adjoint: false)
  }

  /// The adjoint of `windowMeans`: [..., Ho, Wo] to [..., H, W], each entry divided by the
  /// window's size and added to every entry of its window inside the image.
  public func spreadWindowMeans(_ g: WindowGeometry) throws(ShapeError) -> Tensor {
    try averagePooling(g, adjoint: true)
  }

  private func averagePooling(_ g: WindowGeometry, adjoint: Bool) throws(ShapeError) -> Tensor {
    let operation = adjoint ? "avgpool2d_transpose" : "avgpool2d"
    let (imageSize, pooledSize) = (g.height * g.width, g.positions)
    let (from, to) =
      adjoint
      ? ([g.outputHeight, g.outputWidth], [g.height, g.width])
      : ([g.height, g.width], [g.outputHeight, g.outputWidth])
    guard rank >= 2, Array(shape.suffix(2)) == from, let planes = Tensor.elementCount(Array(shape.dropLast(2))) else {
      throw ShapeError(
        operation: operation, shapes: [shape], rule: "the last two axes must be \(Tensor.describe(from))")
    }
    let outShape = Array(shape.dropLast(2)) + to
    try Tensor.checkSize(outShape, operation: operation)
    let n = Double(g.kernelHeight * g.kernelWidth)
    let stride = g.stride
    var out = [Double](repeating: 0, count: planes * (adjoint ? imageSize : pooledSize))
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        guard let x = src.baseAddress, let y = dst.baseAddress else { return }
        for p in 0..<planes {
          if adjoint {
            g.forEachWindowRow(plane: y + p * imageSize, x + p * pooledSize) { image, pooled, inside in
              if stride == 1 {
                for k in 0..<inside.count { image[k] += pooled[k] / n }
              } else {
                for k in 0..<inside.count { image[k &* stride] += pooled[k] / n }
              }
            }
          } else {
            g.forEachWindowRow(plane: x + p * imageSize, y + p * pooledSize) { image, pooled, inside in
              if stride == 1 {
                for k in 0..<inside.count { pooled[k] += image[k] }  // contiguous: vectorised
              } else {
                for k in 0..<inside.count { pooled[k] += image[k &* stride] }
              }
            }
          }
        }
        if !adjoint { for k in 0..<dst.count { y[k] /= n } }
      }
    }
    return Tensor(uncheckedShape: outShape, data: out)
  }
}

extension WindowGeometry {
  /// Visits one plane's windows a row segment at a time, in `im2col`'s order: for each window
  /// offset (i, j), each output row y, the output columns whose entry (y·stride + i − padding,
  /// x·stride + j − padding) lies inside the image. The body gets the image entry of the first
  /// such column (the next ones are `stride` apart), the output entry of that column (the next
  /// ones adjacent), and the columns.
  @inline(__always)
  func forEachWindowRow<Image, Pooled>(
    plane image: Image, _ pooled: Pooled, _ body: (Image, Pooled, Range<Int>) -> Void
  ) where Image: Strideable, Image.Stride == Int, Pooled: Strideable, Pooled.Stride == Int {
    let ow = outputWidth
    for i in 0..<kernelHeight {
      for j in 0..<kernelWidth {
        let inside = insideColumns(j)
        guard !inside.isEmpty else { continue }
        for y in 0..<outputHeight {
          let h = y &* stride &+ i &- padding
          guard h >= 0 && h < height else { continue }
          let column = inside.lowerBound &* stride &+ j &- padding
          body(image.advanced(by: h &* width &+ column), pooled.advanced(by: y &* ow &+ inside.lowerBound), inside)
        }
      }
    }
  }
}
