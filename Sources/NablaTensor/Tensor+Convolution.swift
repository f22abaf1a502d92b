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

  /// The geometry for an input of `shape` ([..., C, H, W]), checked. `lowered`: whether the
  /// operation builds the lowered matrix [..., C·kh·kw, Ho·Wo] (convolution, `im2col`), whose
  /// size is then checked; pooling builds only its output [..., C, Ho, Wo].
  public init(
    inputShape shape: [Int], kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int, operation: String,
    lowered: Bool = true
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
    let made = lowered ? [patchSize, positions] : [channels, outputHeight, outputWidth]
    try Tensor.checkSize(Array(shape.dropLast(3)) + made, operation: operation)
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
    let out = [Double](unsafeUninitializedCapacity: images * rows * columns) { dst, initialized in
      defer { initialized = images * rows * columns }
      data.withUnsafeBufferPointer { src in
        guard let from = src.baseAddress, let to = dst.baseAddress else { return }
        for n in 0..<images { g.lower(from + n * imageSize, into: to + n * rows * columns) }
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
        guard let from = src.baseAddress, let to = dst.baseAddress else { return }
        for n in 0..<images { g.raise(from + n * rows * columns, into: to + n * imageSize) }
      }
    }
    return Tensor(uncheckedShape: lead + [g.channels, g.height, g.width], data: out)
  }

  /// For max pooling: the flat offset (into this whole tensor) of the largest entry of each
  /// k × k window of each channel, padding counting as −inf, ties going to the first; and the
  /// entries there (what a gather of those offsets reads, picked up while they are in cache).
  /// Large inputs are scanned plane by plane on all cores.
  public func windowMaxima(_ g: WindowGeometry) -> (offsets: [Int], maxima: [Double], shape: [Int]) {
    let lead = Array(shape.dropLast(3))
    let planes = lead.reduce(1, *) * g.channels
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let (n, parts) = (planes * oh * ow, CoreSplit.parts(elements: count, units: planes))
    // Empty images under padding still have windows (all padding): offset 0, which a gather
    // of an empty tensor reads as 0.
    guard count > 0 else {
      return ([Int](repeating: 0, count: n), [Double](repeating: 0, count: n), lead + [g.channels, oh, ow])
    }
    var offsets: [Int] = []
    let maxima = [Double](unsafeUninitializedCapacity: n) { dst, initializedMaxima in
      offsets = [Int](unsafeUninitializedCapacity: n) { out, initialized in
        data.withUnsafeBufferPointer { src in
          guard let values = src.baseAddress, let first = out.baseAddress, let picked = dst.baseAddress else { return }
          CoreSplit.forEachPart(units: planes, parts: parts) { range in
            Self.scanWindows(values, g, planes: range, offsets: first, maxima: picked)
          }
        }
        initialized = n
      }
      initializedMaxima = n
    }
    return (offsets, maxima, lead + [g.channels, oh, ow])
  }

  /// `windowMaxima` for the planes in `planes`, writing their rows of `offsets` and `maxima`.
  static func scanWindows(
    _ values: UnsafePointer<Double>, _ g: WindowGeometry, planes: Range<Int>, offsets: UnsafeMutablePointer<Int>,
    maxima: UnsafeMutablePointer<Double>
  ) {
    let planeSize = g.height * g.width
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    var next = offsets + planes.lowerBound * oh * ow
    var picked = maxima + planes.lowerBound * oh * ow
    let (width, kh, kw, stride) = (g.width, g.kernelHeight, g.kernelWidth, g.stride)
    // Output columns whose window lies wholly inside the image, left to right.
    let interior = g.insideColumns(0).clamped(to: g.insideColumns(kw - 1))
    for p in planes {
      let base = p &* planeSize
      let plane = values + base
      for y in 0..<oh {
        let row = next
        let top = y &* stride &- g.padding
        if kh == 2 && kw == 2 && top >= 0 && top &+ 2 <= g.height && !interior.isEmpty {
          // The usual 2×2 window, four windows at a time in vector registers: a branch
          // per comparison would be a coin flip the predictor loses (and LLVM turns scalar
          // selects back into branches).
          var nans = false
          var x = interior.lowerBound
          let first = top &* width &- g.padding
          while x &+ 4 <= interior.upperBound {
            let at = SIMD4<Int>(x, x &+ 1, x &+ 2, x &+ 3) &* stride &+ first
            func load(_ shift: Int) -> SIMD4<Double> {
              SIMD4(plane[at[0] &+ shift], plane[at[1] &+ shift], plane[at[2] &+ shift], plane[at[3] &+ shift])
            }
            let (a, b, c, d) = (load(0), load(1), load(width), load(width &+ 1))
            let right = b .> a
            let rightBelow = d .> c
            let below = d.replacing(with: c, where: .!rightBelow) .> b.replacing(with: a, where: .!right)
            let upper = SIMD4<Int64>(repeating: 0).replacing(with: 1, where: right)
            let lower = SIMD4<Int64>(repeating: Int64(width)).replacing(with: Int64(width &+ 1), where: rightBelow)
            let offset = upper.replacing(with: lower, where: below)
            for k in 0..<4 { row[x &+ k] = base &+ at[k] &+ Int(offset[k]) }
            nans = nans || any((a .!= a) .| (b .!= b) .| (c .!= c) .| (d .!= d))
            x &+= 4
          }
          for x in x..<interior.upperBound { row[x] = Self.windowMaximum(plane, g, y: y, x: x) &+ base }
          // Edge windows, and a row holding NaN (whose first NaN must win), one by one.
          for x in 0..<ow where nans || !interior.contains(x) {
            row[x] = Self.windowMaximum(plane, g, y: y, x: x) &+ base
          }
        } else {
          for x in 0..<ow { row[x] = Self.windowMaximum(plane, g, y: y, x: x) &+ base }
        }
        for x in 0..<ow { picked[x] = values[row[x]] }
        next += ow
        picked += ow
      }
    }
  }

  /// The offset within its plane of the largest entry of one window (the first of equals, the
  /// first NaN if there is one, the window's first inside entry when all are −inf).
  static func windowMaximum(_ plane: UnsafePointer<Double>, _ g: WindowGeometry, y: Int, x: Int) -> Int {
    let top = y &* g.stride &- g.padding
    let left = x &* g.stride &- g.padding
    let (r0, r1) = (Swift.max(top, 0), Swift.min(top &+ g.kernelHeight, g.height))
    let (c0, c1) = (Swift.max(left, 0), Swift.min(left &+ g.kernelWidth, g.width))
    guard r0 < r1 && c0 < c1 else { return 0 }
    var best = r0 &* g.width &+ c0
    var bestValue = plane[best]
    for h in r0..<r1 {
      for w in c0..<c1 {
        let v = plane[h &* g.width &+ w]
        if v.isNaN { return h &* g.width &+ w }
        if v > bestValue {
          best = h &* g.width &+ w
          bestValue = v
        }
      }
    }
    return best
  }
}
