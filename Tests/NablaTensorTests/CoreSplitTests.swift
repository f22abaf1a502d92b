import Testing

@testable import NablaTensor

/// The passes that split large tensors over the cores against the same pass in one piece, bit
/// for bit: each test's tensor is above `CoreSplit.minimumElements`, so on a machine of two or
/// more cores it is split.
@Suite("Passes split over the cores")
struct CoreSplitTests {
  /// A tensor of small whole numbers (ties everywhere), with NaN and −inf in places.
  static func ties(_ shape: [Int], seed: UInt64) -> Tensor {
    var r = RandomSource(seed: seed)
    var data = (0..<shape.reduce(1, *)).map { _ in Double(r.next() % 5) - 2 }
    for _ in 0..<40 { data[Int(r.next() % UInt64(data.count))] = r.next() % 2 == 0 ? .nan : -.infinity }
    return Tensor(uncheckedShape: shape, data: data)
  }

  @Test("the sizes here are split wherever there are two cores")
  func splits() {
    let parts = CoreSplit.parts(elements: CoreSplit.minimumElements, units: 2)
    #expect(parts == min(2, Int(BLAS.defaultThreads)))
    #expect(CoreSplit.parts(elements: CoreSplit.minimumElements - 1, units: 2) == 1)
    #expect(CoreSplit.parts(elements: 1 << 30, units: 1) == 1)
  }

  @Test("max pooling's scan, split by planes, gives the offsets of one scan and the entries there")
  func windowMaxima() throws {
    let x = Self.ties([3, 16, 40, 40], seed: 1)
    for (k, s, p) in [(2, 2, 0), (3, 1, 1), (3, 2, 1), (2, 1, 0)] {
      let g = try WindowGeometry(
        inputShape: x.shape, kernelHeight: k, kernelWidth: k, stride: s, padding: p, operation: "t")
      let (offsets, maxima, shape) = x.windowMaxima(g)
      let n = 48 * g.outputHeight * g.outputWidth
      var expected = [Int](repeating: -1, count: n)
      var picked = [Double](repeating: 0, count: n)
      x.data.withUnsafeBufferPointer { values in
        expected.withUnsafeMutableBufferPointer { o in
          picked.withUnsafeMutableBufferPointer { m in
            Tensor.scanWindows(values.baseAddress!, g, planes: 0..<48, offsets: o.baseAddress!, maxima: m.baseAddress!)
          }
        }
      }
      #expect(shape == [3, 16, g.outputHeight, g.outputWidth])
      #expect(offsets == expected, "kernel \(k) stride \(s) padding \(p)")
      let gathered = try x.gather(IndexPlan(unchecked: offsets, shape: shape, sourceShape: x.shape))
      #expect(maxima.map(\.bitPattern) == gathered.data.map(\.bitPattern))
      #expect(maxima.map(\.bitPattern) == picked.map(\.bitPattern))
    }
  }

  @Test("windows over empty images (all padding) read what a gather of an empty tensor reads: 0")
  func emptyWindows() throws {
    let x = Tensor(uncheckedShape: [1, 2, 0, 0], data: [])
    let g = try WindowGeometry(
      inputShape: x.shape, kernelHeight: 2, kernelWidth: 2, stride: 1, padding: 1, operation: "t")
    let (offsets, maxima, shape) = x.windowMaxima(g)
    #expect(shape == [1, 2, 1, 1] && offsets == [0, 0] && maxima == [0, 0])
  }

  @Test("a scatter of a plan in blocks, split by blocks, adds what one pass adds, bit for bit")
  func blockScatter() throws {
    var r = RandomSource(seed: 3)
    let (blocks, blockSize, perBlock) = (40, 2000, 700)
    let source = [blocks, blockSize]
    // Each block reads its own part of the source: forward, backward and random with repeats.
    var offsets: [Int] = []
    for b in 0..<blocks {
      for k in 0..<perBlock {
        let within =
          switch b % 3 {
          case 0: (2 * k + Int(r.next() % 3)) % blockSize
          case 1: blockSize - 1 - (2 * k) % blockSize
          default: Int(r.next() % UInt64(blockSize))
          }
        offsets.append(b * blockSize + within)
      }
    }
    let plan = IndexPlan(unchecked: offsets, shape: [offsets.count], sourceShape: source, blocks: blocks)
    #expect(plan.blocks == blocks)
    #expect(plan.holdsBlocks())
    for batch in [1, 2] {
      let values = Tensor(
        uncheckedShape: batch == 1 ? [offsets.count] : [batch, offsets.count],
        data: (0..<(batch * offsets.count)).map { _ in (r.uniform() - 0.5) * Math.pow(10, 6 * r.uniform()) })
      let scattered = try values.scatterAdd(plan)
      var expected = [Double](repeating: 0, count: batch * blocks * blockSize)
      for b in 0..<batch {
        for (k, o) in offsets.enumerated() {
          expected[b * blocks * blockSize + o] += values.data[b * offsets.count + k]
        }
      }
      #expect(scattered.shape == (batch == 1 ? source : [batch] + source))
      #expect(scattered.data.map(\.bitPattern) == expected.map(\.bitPattern), "batch \(batch)")
    }
    // A block count that does not divide the plan, or more blocks than offsets, claims nothing.
    #expect(IndexPlan(unchecked: offsets, shape: [offsets.count], sourceShape: source, blocks: 3).blocks == 1)
    #expect(IndexPlan(unchecked: [], shape: [0], sourceShape: [0], blocks: Int.max).blocks == 1)
  }

  @Test("the finiteness check, split in halves, finds one inf or nan anywhere")
  func allFinite() {
    let n = 3 * CoreSplit.minimumElements / 2
    let finite = Tensor(uncheckedShape: [n], data: (0..<n).map { Double($0) * 1e300 / Double(n) })
    #expect(finite.allFinite)
    for (at, value) in [
      (0, Double.infinity), (n - 1, -.infinity), (n / 2, .nan), (n / 2 - 1, .nan), (n / 3, 1e308 * 10),
    ] {
      var t = finite
      t.data[at] = value
      let found = !t.allFinite  // (an expectation on the tensor itself would print all of it)
      #expect(found, "\(value) at \(at)")
    }
  }

  @Test("a convolution's bias gradient, split by planes, adds the images in order as one pass does")
  func biasGradient() throws {
    var r = RandomSource(seed: 5)
    let dy = Tensor(
      uncheckedShape: [2, 6, 16, 16, 24],
      data: (0..<(2 * 6 * 16 * 16 * 24)).map { _ in (r.uniform() - 0.5) * Math.pow(10, 8 * r.uniform()) })
    #expect(dy.count >= CoreSplit.minimumElements)
    let whole = dy.convolutionBiasGradient(batch: 1)
    #expect(whole.shape == [2, 16])
    // Image by image (each too small to split), added in order from zero.
    var expected = [Double](repeating: 0, count: 32)
    let imageSize = 16 * 16 * 24
    for b in 0..<2 {
      for i in 0..<6 {
        let start = (b * 6 + i) * imageSize
        let one = Tensor(uncheckedShape: [16, 16, 24], data: Array(dy.data[start..<(start + imageSize)]))
          .convolutionBiasGradient(batch: 0)
        for o in 0..<16 { expected[b * 16 + o] += one.data[o] }
      }
    }
    #expect(whole.data.map(\.bitPattern) == expected.map(\.bitPattern))
  }
}
