import Foundation
import Testing

@testable import NablaTensor

/// The image-by-image convolution kernels against direct sums over the definition, on shapes
/// large enough that the images are split over two workers and small ones that are not.
@Suite("Convolution and pooling kernels")
struct ConvolutionKernelTests {
  func wave(_ shape: [Int], _ phase: Double) -> Tensor {
    let n = Tensor.elementCount(shape) ?? 0
    return Tensor(uncheckedShape: shape, data: (0..<n).map { sin(Double($0) * 0.37 + phase) })
  }

  /// y[n, o, y, x] = b[o] + Σ_c,i,j w[o, c, i, j] · x[n, c, y·s + i − p, x·s + j − p] by the loops.
  func direct(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ g: WindowGeometry) -> Tensor {
    let (n, o) = (x.shape[0], w.shape[0])
    var out: [Double] = []
    for image in 0..<n {
      for f in 0..<o {
        for y in 0..<g.outputHeight {
          for xx in 0..<g.outputWidth {
            var s = b.data[f]
            for c in 0..<g.channels {
              for i in 0..<g.kernelHeight {
                for j in 0..<g.kernelWidth {
                  let (h, v) = (y * g.stride + i - g.padding, xx * g.stride + j - g.padding)
                  guard h >= 0, h < g.height, v >= 0, v < g.width else { continue }
                  s +=
                    w.data[((f * g.channels + c) * g.kernelHeight + i) * g.kernelWidth + j]
                    * x.data[((image * g.channels + c) * g.height + h) * g.width + v]
                }
              }
            }
            out.append(s)
          }
        }
      }
    }
    return Tensor(uncheckedShape: [n, o, g.outputHeight, g.outputWidth], data: out)
  }

  func close(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && zip(a.data, b.data).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
  }

  @Test(
    "forward, input and filter gradients equal the definition's sums and their adjoints",
    arguments: [
      // images, channels, size, filters, kernel, stride, padding
      (8, 4, 24, 16, 3, 1, 1), (2, 3, 7, 2, 3, 2, 1), (3, 2, 6, 3, 1, 1, 0), (1, 1, 5, 2, 2, 1, 2),
      (4, 5, 16, 8, 5, 2, 2),
    ])
  func convolution(images: Int, channels: Int, size: Int, filters: Int, k: Int, stride: Int, padding: Int) throws {
    let x = wave([images, channels, size, size], 0.1)
    let w = wave([filters, channels, k, k], 0.7)
    let b = wave([filters], 1.3)
    let g = try WindowGeometry(
      inputShape: x.shape, kernelHeight: k, kernelWidth: k, stride: stride, padding: padding, operation: "test")
    let y = try Tensor.convolution(x, w, bias: b, g)
    #expect(close(y, direct(x, w, b, g)))
    // Adjoints: ⟨conv(x, w), u⟩ = ⟨x, conv_x(u, w)⟩ = ⟨w, conv_w(x, u)⟩ (bias 0).
    let u = wave(y.shape, 2.1)
    let zero = Tensor(repeating: 0, shape: [filters])
    let inner = zip(try Tensor.convolution(x, w, bias: zero, g).data, u.data).reduce(0) { $0 + $1.0 * $1.1 }
    let dx = try Tensor.convolutionInputGradient(u, w, g)
    let dw = try Tensor.convolutionWeightGradient(x, u, filters: filters, g)
    #expect(dx.shape == x.shape && dw.shape == w.shape)
    #expect(abs(zip(dx.data, x.data).reduce(0) { $0 + $1.0 * $1.1 } - inner) <= 1e-10 * max(1, abs(inner)))
    #expect(abs(zip(dw.data, w.data).reduce(0) { $0 + $1.0 * $1.1 } - inner) <= 1e-10 * max(1, abs(inner)))
    // The lowering computes the same gradients: col2im(W₂ᵀ u) and Σ u · im2col(x)ᵀ.
    let u2 = Tensor(uncheckedShape: [images, filters, g.positions], data: u.data)
    let w2 = Tensor(uncheckedShape: [filters, g.patchSize], data: w.data)
    let lowered = try Tensor.batchedMatmul(w2, u2, transposeA: true).col2im(g)
    #expect(close(dx, lowered))
    // Two cotangents at once (a Jacobian's rows): each gets its own filter gradient.
    let twice = Tensor(uncheckedShape: [2] + u.shape, data: u.data + u.data.map { -2 * $0 })
    let batched = try Tensor.convolutionWeightGradient(x, twice, filters: filters, g)
    #expect(batched.shape == [2] + w.shape)
    #expect(close(Tensor(uncheckedShape: w.shape, data: Array(batched.data.prefix(dw.count))), dw))
    #expect(
      batched.data.suffix(dw.count).elementsEqual(dw.data.map { -2 * $0 }) { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    let db = u.convolutionBiasGradient(batch: 0)
    for f in 0..<filters {
      var s = 0.0
      for n in 0..<images { for p in 0..<g.positions { s += u.data[(n * filters + f) * g.positions + p] } }
      #expect(abs(db.data[f] - s) <= 1e-12 * max(1, abs(s)))
    }
  }

  @Test("max pooling picks each window's first largest entry, the first NaN, and −inf windows' first entry")
  func windowMaxima() throws {
    // 1×1×4×6 with ties, a NaN, and an all −inf window; 2×2 windows of stride 2 and 3×3 of stride 1 pad 1.
    let inf = Double.infinity
    let values: [Double] = [
      1, 1, 5, 2, -inf, -inf,
      0, 1, 5, 9, -inf, -inf,
      3, .nan, 7, 7, 2, 4,
      8, 1, 7, 7, 4, 2,
    ]
    // And a wider 2×3×6×21 of small whole numbers (ties everywhere) with a NaN and −infs, so
    // whole runs of four windows take the vector path.
    var wide: [Double] = (0..<(2 * 3 * 6 * 21)).map { (k: Int) -> Double in Double((k * 7 + k / 5) % 4) }
    wide[50] = Double.nan
    wide[300...307] = ArraySlice(repeating: -inf, count: 8)
    let cases: [([Int], [Double])] = [([1, 1, 4, 6], values), ([2, 3, 6, 21], wide)]
    for (shape, data) in cases {
      let x = Tensor(uncheckedShape: shape, data: data)
      let (height, width) = (shape[2], shape[3])
      for (k, s, p) in [(2, 2, 0), (3, 1, 1), (2, 1, 0), (3, 2, 1), (2, 2, 1)] {
        let g = try WindowGeometry(
          inputShape: x.shape, kernelHeight: k, kernelWidth: k, stride: s, padding: p, operation: "t")
        let (offsets, _, _) = x.windowMaxima(g)
        var expected: [Int] = []
        for plane in 0..<(shape[0] * shape[1]) {
          for y in 0..<g.outputHeight {
            for xx in 0..<g.outputWidth {
              var best = -1
              for i in 0..<k {
                for j in 0..<k {
                  let (h, v) = (y * s + i - p, xx * s + j - p)
                  guard h >= 0, h < height, v >= 0, v < width else { continue }
                  let at = plane * height * width + h * width + v
                  if best < 0 || data[at] > data[best] || (data[at].isNaN && !data[best].isNaN) { best = at }
                }
              }
              expected.append(best)
            }
          }
        }
        #expect(offsets == expected, "\(shape): kernel \(k) stride \(s) padding \(p)")
      }
    }
  }

  @Test(
    "average pooling and its adjoint, each in one pass: the sums of mean(im2col(x)) and of col2im to the bit, adjoint to each other"
  )
  func averagePooling() throws {
    let shapes: [[Int]] = [[1, 4, 4], [2, 3, 5, 7], [2, 1, 6, 6], [3, 2, 1, 9, 8]]
    let windows = [(2, 2, 2, 0), (2, 2, 1, 1), (3, 3, 2, 1), (3, 2, 1, 2), (1, 3, 3, 0), (3, 3, 1, 0)]
    for shape in shapes {
      for (kh, kw, s, p) in windows {
        let x = wave(shape, 0.3)
        let label = "\(shape): \(kh)×\(kw) stride \(s) padding \(p)"
        let g = try WindowGeometry(
          inputShape: shape, kernelHeight: kh, kernelWidth: kw, stride: s, padding: p, operation: "t")
        let (lead, n) = (Array(shape.dropLast(2)), Double(kh * kw))
        // The composite these replace: each plane a one-channel image, lowered, the window rows
        // summed, divided by the window's size; the rule back through col2im.
        let planeShape = lead + [1] + Array(shape.suffix(2))
        let pg = try WindowGeometry(
          inputShape: planeShape, kernelHeight: kh, kernelWidth: kw, stride: s, padding: p, operation: "t")
        let cols = Tensor(uncheckedShape: planeShape, data: x.data).im2col(pg)
        let sums = try cols.reduce(axes: [cols.rank - 2], keepdims: false, kind: .sum)
        let means = try x.windowMeans(g)
        #expect(means.shape == lead + [g.outputHeight, g.outputWidth], "\(label)")
        #expect(means.data.map(\.bitPattern) == sums.data.map { ($0 / n).bitPattern }, "\(label)")

        let u = wave(means.shape, 1.1)
        let spread = try u.spreadWindowMeans(g)
        let rows = (0..<(u.count / g.positions)).flatMap { plane in
          Array(repeating: u.data[(plane * g.positions)..<((plane + 1) * g.positions)].map { $0 / n }, count: kh * kw)
            .joined()
        }
        let raised = Tensor(uncheckedShape: lead + [kh * kw, g.positions], data: rows).col2im(pg)
        #expect(spread.shape == shape, "\(label)")
        #expect(spread.data.map(\.bitPattern) == raised.data.map(\.bitPattern), "\(label)")
        // ⟨avgpool(x), u⟩ = ⟨x, avgpool_transpose(u)⟩: each is the other's VJP.
        let left = zip(means.data, u.data).reduce(0) { $0 + $1.0 * $1.1 }
        let right = zip(x.data, spread.data).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(left - right) <= 1e-12 * max(1, abs(left)), "\(label)")
      }
    }
    // A closed form: the 2×2 means of 0…15 in a 4×4 image.
    let g = try WindowGeometry(
      inputShape: [1, 4, 4], kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 0, operation: "t")
    let ramp = Tensor(uncheckedShape: [1, 4, 4], data: (0..<16).map(Double.init))
    #expect(try ramp.windowMeans(g).data == [2.5, 4.5, 10.5, 12.5])
    #expect(
      try Tensor(uncheckedShape: [1, 2, 2], data: [4, 8, 0, 4]).spreadWindowMeans(g).data == [
        1, 1, 2, 2, 1, 1, 2, 2, 0, 0, 1, 1, 0, 0, 1, 1,
      ])
    // A tensor of the wrong shape is an error, not a read out of bounds.
    #expect(throws: ShapeError.self) { try ramp.spreadWindowMeans(g) }
    #expect(throws: ShapeError.self) {
      try Tensor(uncheckedShape: [4, 3], data: Array(repeating: 0, count: 12)).windowMeans(g)
    }
  }

  @Test("pooling checks the size of the output it makes; convolution that of its lowered matrix")
  func geometrySizeChecks() throws {
    // 3×3 windows of stride 1 with padding 3000 over a 3×3 image: a 6001×6001 output (36 million
    // entries), whose lowered matrix would have nine times as many, past the 2^28 limit.
    let shape = [1, 3, 3]
    #expect(throws: ShapeError.self) {
      try WindowGeometry(
        inputShape: shape, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 3000, operation: "im2col")
    }
    let pooled = try WindowGeometry(
      inputShape: shape, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 3000, operation: "avgpool2d",
      lowered: false)
    #expect((pooled.outputHeight, pooled.outputWidth) == (6001, 6001))
    // An output past the limit is refused, naming the output's own shape.
    do {
      _ = try WindowGeometry(
        inputShape: [4, 10_000, 10_000], kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 4096,
        operation: "avgpool2d", lowered: false)
      Issue.record("a 4×18192×18192 output was accepted")
    } catch {
      #expect(error.shapes == [[4, 18192, 18192]])
    }
  }
}
