/// Average pooling and its adjoint, each in one pass over images [..., C, H, W] (leading axes
/// are images, so a batch of cotangents pools like a batch of images).
///
/// Both walk the windows as `im2col` lays them out (`WindowGeometry.forEachSegment`) and add
/// from +0: each output of `windowMeans` is the sum `mean(im2col(x))` makes, and each entry of
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
    let (imageShape, pooledShape) = ([g.channels, g.height, g.width], [g.channels, g.outputHeight, g.outputWidth])
    let (from, to) = adjoint ? (pooledShape, imageShape) : (imageShape, pooledShape)
    guard rank >= 3, Array(shape.suffix(3)) == from, let images = Tensor.elementCount(Array(shape.dropLast(3))) else {
      throw ShapeError(
        operation: operation, shapes: [shape], rule: "the last three axes must be \(Tensor.describe(from))")
    }
    let outShape = Array(shape.dropLast(3)) + to
    try Tensor.checkSize(outShape, operation: operation)
    let (imageSize, pooledSize) = (g.channels * g.height * g.width, g.channels * g.positions)
    let n = Double(g.kernelHeight * g.kernelWidth)
    let stride = g.stride
    var out = [Double](repeating: 0, count: images * (adjoint ? imageSize : pooledSize))
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        guard let x = src.baseAddress, let y = dst.baseAddress else { return }
        for k in 0..<images {
          g.forEachSegment { _, source, inside, output in
            guard let source else { return }
            let at = output + inside.lowerBound
            if adjoint {
              let (image, pooled) = (y + k * imageSize + source, x + k * pooledSize + at)
              if stride == 1 {
                for j in 0..<inside.count { image[j] += pooled[j] / n }
              } else {
                for j in 0..<inside.count { image[j &* stride] += pooled[j] / n }
              }
            } else {
              let (image, pooled) = (x + k * imageSize + source, y + k * pooledSize + at)
              if stride == 1 {
                for j in 0..<inside.count { pooled[j] += image[j] }  // contiguous: vectorised
              } else {
                for j in 0..<inside.count { pooled[j] += image[j &* stride] }
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
