/// The geometry of sliding a kh × kw window over the last two axes of [..., C, H, W].
public struct WindowGeometry: Sendable, Equatable {
  public let channels: Int
  public let height: Int
  public let width: Int
  public let kernelHeight: Int
  public let kernelWidth: Int
  public let stride: Int
  public let padding: Int

  public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
  public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
  /// Rows of the lowered matrix: one per (c, i, j).
  public var patchSize: Int { channels * kernelHeight * kernelWidth }
  /// Columns of the lowered matrix: one per output position.
  public var positions: Int { outputHeight * outputWidth }

  /// The geometry for an input of `shape` ([..., C, H, W]), checked.
  public init(
    inputShape shape: [Int], kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int, operation: String
  ) throws(ShapeError) {
    guard shape.count >= 3 else {
      throw ShapeError(operation: operation, shapes: [shape], rule: "the input needs axes [C, H, W] or [N, C, H, W]")
    }
    guard kernelHeight >= 1, kernelWidth >= 1, stride >= 1, padding >= 0, kernelHeight <= 4096, kernelWidth <= 4096,
      stride <= 4096, padding <= 4096
    else {
      throw ShapeError(
        operation: operation, shapes: [shape],
        rule: "kernel sizes and stride must be at least 1 and padding at least 0")
    }
    channels = shape[shape.count - 3]
    height = shape[shape.count - 2]
    width = shape[shape.count - 1]
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.stride = stride
    self.padding = padding
    guard height + 2 * padding >= kernelHeight, width + 2 * padding >= kernelWidth else {
      throw ShapeError(
        operation: operation, shapes: [shape],
        rule:
          "the \(kernelHeight)×\(kernelWidth) window does not fit in the \(height)×\(width) image with padding \(padding)"
      )
    }
    try Tensor.checkSize(Array(shape.dropLast(3)) + [patchSize, positions], operation: operation)
  }

  /// Visits every (row, column) of the lowered matrix with the input offset it reads within one
  /// [C, H, W] image, or -1 where the window lies on padding.
  @inline(__always)
  func forEachEntry(_ body: (_ row: Int, _ column: Int, _ source: Int) -> Void) {
    let (oh, ow) = (outputHeight, outputWidth)
    for c in 0..<channels {
      for i in 0..<kernelHeight {
        for j in 0..<kernelWidth {
          let row = (c * kernelHeight + i) * kernelWidth + j
          for y in 0..<oh {
            let h = y * stride + i - padding
            for x in 0..<ow {
              let w = x * stride + j - padding
              let inside = h >= 0 && h < height && w >= 0 && w < width
              body(row, y * ow + x, inside ? (c * height + h) * width + w : -1)
            }
          }
        }
      }
    }
  }
}

extension Tensor {
  /// Lowers [..., C, H, W] to [..., C·kh·kw, Ho·Wo]: rows in (c, i, j) order, columns in
  /// (oh, ow) order, padding read as 0. Convolution becomes one matrix product.
  public func im2col(_ g: WindowGeometry) -> Tensor {
    let lead = Array(shape.dropLast(3))
    let images = lead.reduce(1, *)
    let imageSize = g.channels * g.height * g.width
    let (rows, columns) = (g.patchSize, g.positions)
    var out = [Double](repeating: 0, count: images * rows * columns)
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for n in 0..<images {
          let inBase = n * imageSize
          let outBase = n * rows * columns
          g.forEachEntry { row, column, source in
            if source >= 0 { dst[outBase + row * columns + column] = src[inBase + source] }
          }
        }
      }
    }
    return Tensor(uncheckedShape: lead + [rows, columns], data: out)
  }

  /// The adjoint of `im2col`: [..., C·kh·kw, Ho·Wo] back to [..., C, H, W], adding where windows
  /// overlap.
  public func col2im(_ g: WindowGeometry) -> Tensor {
    let lead = Array(shape.dropLast(2))
    let images = lead.reduce(1, *)
    let imageSize = g.channels * g.height * g.width
    let (rows, columns) = (g.patchSize, g.positions)
    var out = [Double](repeating: 0, count: images * imageSize)
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for n in 0..<images {
          let inBase = n * rows * columns
          let outBase = n * imageSize
          g.forEachEntry { row, column, source in
            if source >= 0 { dst[outBase + source] += src[inBase + row * columns + column] }
          }
        }
      }
    }
    return Tensor(uncheckedShape: lead + [g.channels, g.height, g.width], data: out)
  }

  /// For max pooling: the flat offset (into this whole tensor) of the largest entry of each
  /// k × k window of each channel, padding counting as −inf; ties go to the first.
  public func windowMaxima(_ g: WindowGeometry) -> (offsets: [Int], shape: [Int]) {
    let lead = Array(shape.dropLast(3))
    let planes = lead.reduce(1, *) * g.channels
    let planeSize = g.height * g.width
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    var offsets: [Int] = []
    offsets.reserveCapacity(planes * oh * ow)
    for p in 0..<planes {
      let base = p * planeSize
      for y in 0..<oh {
        for x in 0..<ow {
          var best = -1
          var bestValue = -Double.infinity
          for i in 0..<g.kernelHeight {
            let h = y * g.stride + i - g.padding
            guard h >= 0 && h < g.height else { continue }
            for j in 0..<g.kernelWidth {
              let w = x * g.stride + j - g.padding
              guard w >= 0 && w < g.width else { continue }
              let v = data[base + h * g.width + w]
              if best < 0 || v > bestValue || (v.isNaN && !bestValue.isNaN) {
                best = base + h * g.width + w
                bestValue = v
              }
            }
          }
          offsets.append(Swift.max(best, base))
        }
      }
    }
    return (offsets, lead + [g.channels, oh, ow])
  }
}
