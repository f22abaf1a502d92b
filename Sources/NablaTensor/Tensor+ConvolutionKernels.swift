import Dispatch

/// Convolution image by image: each image's lowered matrix is built in a buffer small enough
/// to stay in cache, one GEMM per image does the arithmetic, and the images are split over the
/// cores. Nothing of the size of the whole batch's lowered matrix is ever allocated.
extension Tensor {
  /// Cross-correlation of x [..., C, H, W] with w [O, C, kh, kw], plus bias [O] when given:
  /// [..., O, Ho, Wo].
  public static func convolution(_ x: Tensor, _ w: Tensor, bias: Tensor?, _ g: WindowGeometry) throws(ShapeError)
    -> Tensor
  {
    let filters = try g.checkFilters(w, bias: bias, operation: "conv2d")
    let lead = Array(x.shape.dropLast(3))
    try Tensor.checkSize(lead + [filters, g.outputHeight, g.outputWidth], operation: "conv2d")
    let images = lead.reduce(1, *)
    let (p, l, imageSize) = (g.patchSize, g.positions, g.channels * g.height * g.width)
    let outSize = filters * l
    let out = [Double](unsafeUninitializedCapacity: images * outSize) { po, initialized in
      defer { initialized = images * outSize }
      guard let yBase = po.baseAddress else { return }
      let biases = bias?.data ?? [Double](repeating: 0, count: filters)
      x.data.withUnsafeBufferPointer { px in
        w.data.withUnsafeBufferPointer { pw in
          guard let xBase = px.baseAddress, let wBase = pw.baseAddress else { return }
          let plan = LoweringPlan.cached(g)
          forEachImage(images, work: filters * p * l, scratch: g.lowersToItself ? 0 : p * l + plan.scratch) {
            i, _, cols, gemm in
            let image = xBase + i * imageSize
            let lowered = g.lowersToItself ? image : plan.lower(image, into: cols)
            // Each output row starts as its filter's bias (written by the worker, so the page
            // is touched first where it is used); the GEMM adds the product (β = 1).
            for o in 0..<filters { (yBase + i * outSize + o * l).initialize(repeating: biases[o], count: l) }
            gemm(wBase, lowered, yBase + i * outSize, filters, p, l, false, false, true)
          }
        }
      }
    }
    return Tensor(uncheckedShape: lead + [filters, g.outputHeight, g.outputWidth], data: out)
  }

  /// The gradient of a convolution with respect to its input: dy [..., O, Ho, Wo] through the
  /// filters w [O, C, kh, kw] back to [..., C, H, W] (a transposed convolution).
  public static func convolutionInputGradient(_ dy: Tensor, _ w: Tensor, _ g: WindowGeometry) throws(ShapeError)
    -> Tensor
  {
    let filters = try g.checkFilters(w, bias: nil, operation: "conv2d")
    try g.checkOutputGradient(dy, filters: filters)
    let lead = Array(dy.shape.dropLast(3))
    let images = lead.reduce(1, *)
    let (p, l, imageSize) = (g.patchSize, g.positions, g.channels * g.height * g.width)
    try Tensor.checkSize(lead + [g.channels, g.height, g.width], operation: "conv2d")
    let out = [Double](unsafeUninitializedCapacity: images * imageSize) { po, initialized in
      defer { initialized = images * imageSize }
      dy.data.withUnsafeBufferPointer { pd in
        w.data.withUnsafeBufferPointer { pw in
          guard let dBase = pd.baseAddress, let wBase = pw.baseAddress, let xBase = po.baseAddress else { return }
          let plan = LoweringPlan.cached(g)
          forEachImage(images, work: filters * p * l, scratch: g.lowersToItself ? 0 : p * l + plan.scratch) {
            i, _, cols, gemm in
            let image = xBase + i * imageSize
            if !g.lowersToItself { image.initialize(repeating: 0, count: imageSize) }
            // Wᵀ dy is the gradient of the lowered matrix; raising it adds each entry back
            // where it was read from.
            gemm(wBase, dBase + i * filters * l, g.lowersToItself ? image : cols, p, filters, l, true, false, false)
            if !g.lowersToItself { plan.raise(cols, into: image) }
          }
        }
      }
    }
    return Tensor(uncheckedShape: lead + [g.channels, g.height, g.width], data: out)
  }

  /// The gradient of a convolution with respect to its filters: Σ over images of dy · loweredᵀ,
  /// [O, C, kh, kw]. `dy` may carry leading batch axes in front of x's leading axes (one
  /// cotangent each, as a Jacobian's rows); each batch entry gets its own gradient.
  public static func convolutionWeightGradient(_ x: Tensor, _ dy: Tensor, filters: Int, _ g: WindowGeometry)
    throws(ShapeError) -> Tensor
  {
    try g.checkOutputGradient(dy, filters: filters)
    let xLead = Array(x.shape.dropLast(3))
    let dyLead = Array(dy.shape.dropLast(3))
    guard dyLead.count >= xLead.count, Array(dyLead.suffix(xLead.count)) == xLead else {
      throw ShapeError(
        operation: "conv2d", shapes: [x.shape, dy.shape], rule: "the gradient's leading axes must end with the input's")
    }
    let batch = Array(dyLead.prefix(dyLead.count - xLead.count))
    let (batchCount, images) = (batch.reduce(1, *), xLead.reduce(1, *))
    let (p, l, imageSize) = (g.patchSize, g.positions, g.channels * g.height * g.width)
    let (gradientSize, outSize) = (filters * p, filters * l)
    try Tensor.checkSize(batch + [filters, g.channels, g.kernelHeight, g.kernelWidth], operation: "conv2d")
    let workers = workerCount(images, work: batchCount * filters * p * l)
    // One accumulator per worker, summed at the end, so the workers never write the same entry.
    var partial = [Double](repeating: 0, count: workers * batchCount * gradientSize)
    x.data.withUnsafeBufferPointer { px in
      dy.data.withUnsafeBufferPointer { pd in
        partial.withUnsafeMutableBufferPointer { pp in
          guard let xBase = px.baseAddress, let dBase = pd.baseAddress, let accBase = pp.baseAddress else { return }
          let plan = LoweringPlan.cached(g)
          forEachImage(images, work: batchCount * filters * p * l, scratch: g.lowersToItself ? 0 : p * l + plan.scratch)
          {
            i, worker, cols, gemm in
            let image = xBase + i * imageSize
            let lowered = g.lowersToItself ? image : plan.lower(image, into: cols)
            let acc = accBase + worker * batchCount * gradientSize
            for b in 0..<batchCount {
              gemm(
                dBase + (b * images + i) * outSize, lowered, acc + b * gradientSize, filters, l, p, false, true, true)
            }
          }
        }
      }
    }
    var out = [Double](partial.prefix(batchCount * gradientSize))
    for worker in 1..<Swift.max(workers, 1) {
      for k in 0..<out.count { out[k] += partial[worker * out.count + k] }
    }
    return Tensor(uncheckedShape: batch + [filters, g.channels, g.kernelHeight, g.kernelWidth], data: out)
  }

  /// The gradient of a convolution's bias: dy [batch..., ..., O, Ho, Wo] summed over everything
  /// but the filters and the first `batch` axes, [batch..., O]. Each image's plane sums are
  /// taken first (on all cores for a large dy), then added image by image in order, so the
  /// bits do not depend on the split.
  public func convolutionBiasGradient(batch: Int) -> Tensor {
    let batchShape = Array(shape.prefix(batch))
    let (batchCount, filters) = (batchShape.reduce(1, *), shape[rank - 3])
    let positions = shape[rank - 2] * shape[rank - 1]
    let images = count / Swift.max(batchCount * filters * positions, 1)
    let planes = batchCount * images * filters
    var sums = [Double](repeating: 0, count: planes)
    data.withUnsafeBufferPointer { src in
      sums.withUnsafeMutableBufferPointer { dst in
        guard let dy = src.baseAddress, let sum = dst.baseAddress, planes * positions <= src.count else { return }
        CoreSplit.forEachPart(units: planes, parts: CoreSplit.parts(elements: count, units: planes)) { range in
          for p in range {
            let plane = dy + p * positions
            // Four running sums, so the additions do not wait on each other.
            var s = SIMD4<Double>()
            var k = 0
            while k + 4 <= positions {
              s += SIMD4(plane[k], plane[k + 1], plane[k + 2], plane[k + 3])
              k += 4
            }
            var total = s.sum()
            while k < positions {
              total += plane[k]
              k += 1
            }
            sum[p] = total
          }
        }
      }
    }
    var out = [Double](repeating: 0, count: batchCount * filters)
    for b in 0..<batchCount {
      for i in 0..<images {
        for o in 0..<filters { out[b * filters + o] += sums[(b * images + i) * filters + o] }
      }
    }
    return Tensor(uncheckedShape: batchShape + [filters], data: out)
  }

  // MARK: Images over the cores

  /// A GEMM as `forEachImage` hands it out: through the BLAS lock when one worker runs, without
  /// it when the loop holds the lock for all of them.
  struct ImageGEMM {
    let holdsLock: Bool
    func callAsFunction(
      _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
      _ m: Int, _ k: Int, _ n: Int, _ transposeA: Bool, _ transposeB: Bool, _ accumulate: Bool
    ) {
      if holdsLock {
        unlockedGEMM(a, b, c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
      } else {
        gemm(a, b, c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
      }
    }
  }

  /// How many threads share `images` images of `work` multiply-adds each: one unless there are
  /// at least two images and enough arithmetic to pay for waking a second thread.
  static func workerCount(_ images: Int, work: Int) -> Int {
    guard images >= 2, images.multipliedReportingOverflow(by: work).partialValue >= 1 << 20 else { return 1 }
    return Swift.min(images, Swift.max(1, Int(BLAS.defaultThreads)))
  }

  /// Calls `body(image, worker, scratch, gemm)` for every image, each worker with its own scratch buffer
  /// of `scratch` doubles. With several workers, OpenBLAS runs single-threaded inside each (the
  /// images are the parallelism) and the BLAS lock is held around the whole loop.
  static func forEachImage(
    _ images: Int, work: Int, scratch: Int,
    _ body: (Int, Int, UnsafeMutablePointer<Double>, ImageGEMM) -> Void
  ) {
    let workers = workerCount(images, work: work)
    func run(_ worker: Int, _ gemm: ImageGEMM) {
      let buffer = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(scratch, 1))
      defer { buffer.deallocate() }
      let first = (worker * images + workers - 1) / workers
      let end = ((worker + 1) * images + workers - 1) / workers
      for i in first..<end {
        if Interruption.isPending { return }
        body(i, worker, buffer, gemm)
      }
    }
    if workers == 1 {
      run(0, ImageGEMM(holdsLock: false))
      return
    }
    BLAS.callLock.withLock { _ in
      BLAS.chooseThreads(work: 0)
      DispatchQueue.concurrentPerform(iterations: workers) { worker in run(worker, ImageGEMM(holdsLock: true)) }
    }
  }
}

/// For small images (a lowered matrix of at most 2¹⁶ entries), where rows are a few entries
/// long and copying row by row is mostly loop overhead: where each entry of the lowered matrix
/// is read from (−1 on padding), worked out once per call and used for every image.
struct LoweringPlan {
  /// The plan of `g`, made once per geometry among the last few used: a network asks for the
  /// same geometries at every step (the forward product and both backward ones), and making a
  /// plan was 2–3 % of a convolution's time. At most four are kept (256 KiB each at most).
  static func cached(_ g: WindowGeometry) -> LoweringPlan {
    recent.value(for: g) { LoweringPlan(g) }
  }

  private static let recent = RecentlyMade<WindowGeometry, LoweringPlan>(capacity: 4)

  let geometry: WindowGeometry
  /// Per entry of the lowered matrix, the image entry it reads; padding reads entry C·H·W,
  /// a zero placed after a copy of the image, so the gather has no branch.
  let sources: [Int32]?
  /// Doubles of scratch `lower` needs besides the lowered matrix (the image and its zero).
  var scratch: Int { sources == nil ? 0 : geometry.channels * geometry.height * geometry.width + 1 }

  init(_ g: WindowGeometry) {
    geometry = g
    let entries = g.patchSize * g.positions
    guard entries <= 1 << 16, g.channels * g.height * g.width < 1 << 16, !g.lowersToItself else {
      sources = nil
      return
    }
    var sources = [Int32](repeating: Int32(g.channels * g.height * g.width), count: entries)
    g.forEachSegment { target, source, inside, _ in
      guard let source else { return }
      for (k, x) in inside.enumerated() { sources[target + x] = Int32(source + k * g.stride) }
    }
    self.sources = sources
  }

  /// The lowered matrix of `image` in `cols`, which has `scratch` more doubles after it.
  func lower(_ image: UnsafePointer<Double>, into cols: UnsafeMutablePointer<Double>) -> UnsafePointer<Double> {
    guard let sources else { return geometry.lower(image, into: cols) }
    let padded = cols + sources.count
    let size = scratch - 1
    padded.update(from: image, count: size)
    padded[size] = 0
    sources.withUnsafeBufferPointer { from in
      for k in 0..<from.count { cols[k] = padded[Int(from[k])] }
    }
    return UnsafePointer(cols)
  }

  func raise(_ cols: UnsafePointer<Double>, into image: UnsafeMutablePointer<Double>) {
    guard let sources else { return geometry.raise(cols, into: image) }
    sources.withUnsafeBufferPointer { from in
      let size = scratch - 1
      for k in 0..<from.count {
        let at = Int(from[k])
        if at < size { image[at] += cols[k] }
      }
    }
  }
}

extension WindowGeometry {
  /// Whether an image's lowered matrix is the image itself (1×1 windows, stride 1, no padding).
  var lowersToItself: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

  /// Checks filters [O, C, kh, kw] and a bias [O] against this geometry; returns O.
  func checkFilters(_ w: Tensor, bias: Tensor?, operation: String) throws(ShapeError) -> Int {
    guard w.rank == 4, w.shape[1] == channels, w.shape[2] == kernelHeight, w.shape[3] == kernelWidth else {
      throw ShapeError(
        operation: operation, shapes: [w.shape],
        rule: "the filters must be [O, \(channels), \(kernelHeight), \(kernelWidth)]")
    }
    if let bias, bias.shape != [w.shape[0]] {
      throw ShapeError(
        operation: operation, shapes: [w.shape, bias.shape], rule: "the bias must be [\(w.shape[0])], one per filter")
    }
    return w.shape[0]
  }

  func checkOutputGradient(_ dy: Tensor, filters: Int) throws(ShapeError) {
    guard dy.rank >= 3, Array(dy.shape.suffix(3)) == [filters, outputHeight, outputWidth] else {
      throw ShapeError(
        operation: "conv2d", shapes: [dy.shape],
        rule: "the output gradient must end with [\(filters), \(outputHeight), \(outputWidth)]")
    }
  }

  /// The output columns x whose window column x·stride + j − padding lies inside the image.
  @inline(__always)
  func insideColumns(_ j: Int) -> Range<Int> {
    let low = padding > j ? (padding - j + stride - 1) / stride : 0
    let high = Swift.min(outputWidth, (width + padding - j + stride - 1) / stride)
    return Swift.min(low, outputWidth)..<Swift.max(Swift.min(low, outputWidth), high)
  }

  /// Visits each row segment of the lowered matrix [C·kh·kw, Ho·Wo]: the offset of output row y
  /// of window row (c, i, j) in the lowered matrix, the image offset its first inside column
  /// reads (nil when the window row lies on padding), the inside columns (`insideColumns`), and
  /// the offset of output row y of channel c in a pooled [C, Ho·Wo]. Inside column x reads the
  /// image at `source + (x − inside.lowerBound)·stride`. `lower`, `raise`, `LoweringPlan` and
  /// average pooling all walk the windows this one way.
  @inline(__always)
  func forEachSegment(
    _ body: (_ target: Int, _ source: Int?, _ inside: Range<Int>, _ pooled: Int) -> Void
  ) {
    let (oh, ow) = (outputHeight, outputWidth)
    for c in 0..<channels {
      for i in 0..<kernelHeight {
        for j in 0..<kernelWidth {
          let row = ((c * kernelHeight + i) * kernelWidth + j) * positions
          let inside = insideColumns(j)
          for y in 0..<oh {
            let h = y * stride + i - padding
            let inImage = h >= 0 && h < height && !inside.isEmpty
            let source = (c * height + h) * width + inside.lowerBound * stride + j - padding
            body(row + y * ow, inImage ? source : nil, inside, c * positions + y * ow)
          }
        }
      }
    }
  }

  /// Writes one [C, H, W] image's lowered matrix [C·kh·kw, Ho·Wo] to `cols` (padding as 0) and
  /// returns it.
  @discardableResult
  func lower(_ image: UnsafePointer<Double>, into cols: UnsafeMutablePointer<Double>) -> UnsafePointer<Double> {
    let ow = outputWidth
    forEachSegment { target, source, inside, _ in
      let dst = cols + target
      guard let source else {
        clearRow(dst, ow)
        return
      }
      clearRow(dst, inside.lowerBound)
      let src = image + source
      if stride == 1 {
        copyRow(src, dst + inside.lowerBound, inside.count)
      } else {
        for (k, x) in inside.enumerated() { dst[x] = src[k * stride] }
      }
      if inside.upperBound < ow { clearRow(dst + inside.upperBound, ow - inside.upperBound) }
    }
    return UnsafePointer(cols)
  }

  /// Copies a row of a few doubles in vector registers: rows of small images are 4 to 32
  /// long, where a call to memcpy (what a plain loop becomes) costs more than the copy.
  @inline(__always)
  func copyRow(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
    var k = 0
    while k &+ 4 <= n {
      let v = UnsafeRawPointer(src + k).loadUnaligned(as: SIMD4<Double>.self)
      UnsafeMutableRawPointer(dst + k).storeBytes(of: v, as: SIMD4<Double>.self)
      k &+= 4
    }
    if k < n { dst[k] = src[k] }
    if k &+ 1 < n { dst[k &+ 1] = src[k &+ 1] }
    if k &+ 2 < n { dst[k &+ 2] = src[k &+ 2] }
  }

  /// Zeros a row of a few doubles (see `copyRow`).
  @inline(__always)
  func clearRow(_ dst: UnsafeMutablePointer<Double>, _ n: Int) {
    var k = 0
    while k &+ 4 <= n {
      UnsafeMutableRawPointer(dst + k).storeBytes(of: SIMD4<Double>(), as: SIMD4<Double>.self)
      k &+= 4
    }
    if k < n { dst[k] = 0 }
    if k &+ 1 < n { dst[k &+ 1] = 0 }
    if k &+ 2 < n { dst[k &+ 2] = 0 }
  }

  /// The adjoint of `lower`: adds each entry of a lowered matrix into the image entry it was
  /// read from (padding entries are dropped).
  func raise(_ cols: UnsafePointer<Double>, into image: UnsafeMutablePointer<Double>) {
    forEachSegment { target, source, inside, _ in
      guard let source else { return }
      let (src, dst) = (cols + target + inside.lowerBound, image + source)
      if stride == 1 {
        for k in 0..<inside.count { dst[k] += src[k] }  // contiguous: vectorised
      } else {
        for k in 0..<inside.count { dst[k * stride] += src[k] }
      }
    }
  }
}
