extension Tensor {
  /// The VJP of softmax along `axis` of y, in one pass: y ⊙ (g − Σ_axis g ⊙ y), for a cotangent
  /// g of shape `batch ++ y.shape` (each leading batch entry one cotangent, as a Jacobian's rows).
  /// Nil when g's shape does not end with y's.
  public static func softmaxBackward(_ g: Tensor, _ y: Tensor, axis: Int) -> Tensor? {
    guard axis >= 0, axis < y.rank, g.rank >= y.rank, Array(g.shape.suffix(y.rank)) == y.shape else { return nil }
    let n = y.shape[axis]
    let inner = y.shape[(axis + 1)...].reduce(1, *)
    let outer = y.shape[..<axis].reduce(1, *)
    let batch = y.count == 0 ? 0 : g.count / y.count
    let out = [Double](unsafeUninitializedCapacity: g.count) { po, initialized in
      defer { initialized = g.count }
      g.data.withUnsafeBufferPointer { pg in
        y.data.withUnsafeBufferPointer { py in
          guard let gs = pg.baseAddress, let ys = py.baseAddress, let os = po.baseAddress else { return }
          for b in 0..<batch {
            for o in 0..<outer {
              for i in 0..<inner {
                let start = o * n * inner + i
                let (gRow, yRow, oRow) = (gs + b * y.count + start, ys + start, os + b * y.count + start)
                if inner == 1 {
                  let dot = contiguousDot(gRow, yRow, n)
                  for k in 0..<n { oRow[k] = yRow[k] * (gRow[k] - dot) }
                } else {
                  var dot = 0.0
                  for k in 0..<n { dot += gRow[k * inner] * yRow[k * inner] }
                  for k in 0..<n { oRow[k * inner] = yRow[k * inner] * (gRow[k * inner] - dot) }
                }
              }
            }
          }
        }
      }
    }
    return Tensor(uncheckedShape: g.shape, data: out)
  }

  /// Σ a[k]·b[k] with eight running sums in two vectors, so the additions overlap (one running
  /// sum waits four cycles per entry).
  @inline(__always)
  static func contiguousDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s0 = SIMD4<Double>()
    var s1 = SIMD4<Double>()
    var k = 0
    while k + 8 <= n {
      s0 += SIMD4(a[k], a[k + 1], a[k + 2], a[k + 3]) * SIMD4(b[k], b[k + 1], b[k + 2], b[k + 3])
      s1 += SIMD4(a[k + 4], a[k + 5], a[k + 6], a[k + 7]) * SIMD4(b[k + 4], b[k + 5], b[k + 6], b[k + 7])
      k += 8
    }
    var total = (s0 + s1).sum()
    while k < n {
      total += a[k] * b[k]
      k += 1
    }
    return total
  }

  /// The VJP of softmax cross-entropy with respect to the logits z [..., C], in one pass:
  /// (softmax(z)·Σt − t)·scale, row by row, with the operations in the order the composed
  /// rule makes them (so the numbers are the same to the last bit). Nil unless t is z's shape.
  /// `exponentials`, when given, are exp(z − row max) as the forward pass made them.
  public static func softmaxCrossEntropyBackward(
    _ z: Tensor, _ t: Tensor, scale: Double, exponentials: [Double]? = nil
  ) -> Tensor? {
    guard z.rank >= 1, t.shape == z.shape, exponentials.map({ $0.count == z.count }) ?? true else { return nil }
    let classes = z.shape[z.rank - 1]
    let rows = classes == 0 ? 0 : z.count / classes
    // Loops over base pointers (no bounds checks), so the last pass of each row vectorises.
    func rowByRow(
      _ zs: UnsafePointer<Double>, _ ts: UnsafePointer<Double>, _ cached: UnsafePointer<Double>?,
      _ os: UnsafeMutablePointer<Double>
    ) {
      for r in 0..<rows {
        let (zr, tr, or) = (zs + r * classes, ts + r * classes, os + r * classes)
        var sum = 0.0
        var mass = 0.0
        if let cached {
          let er = cached + r * classes
          for i in 0..<classes {
            or[i] = er[i]
            sum += or[i]
            mass += tr[i]
          }
        } else {
          var m = -Double.infinity
          for i in 0..<classes { m = (m.isNaN || zr[i].isNaN) ? .nan : Swift.max(m, zr[i]) }
          if !m.isFinite { m = 0 }
          for i in 0..<classes {
            or[i] = Math.exp(zr[i] - m)
            sum += or[i]
            mass += tr[i]
          }
        }
        for i in 0..<classes { or[i] = (or[i] / sum * mass - tr[i]) * scale }
      }
    }
    let out = [Double](unsafeUninitializedCapacity: z.count) { po, initialized in
      defer { initialized = z.count }
      z.data.withUnsafeBufferPointer { pz in
        t.data.withUnsafeBufferPointer { pt in
          guard let zs = pz.baseAddress, let ts = pt.baseAddress, let os = po.baseAddress else { return }
          if let exponentials {
            exponentials.withUnsafeBufferPointer { pe in rowByRow(zs, ts, pe.baseAddress, os) }
          } else {
            rowByRow(zs, ts, nil, os)
          }
        }
      }
    }
    return Tensor(uncheckedShape: z.shape, data: out)
  }

  /// Mean over rows of Σt·logsumexp(z) − ⟨t, z⟩ for logits z [..., C] and targets t of z's
  /// shape, each row shifted by its maximum; with the exponentials exp(z − max) when asked (nil
  /// when a row's maximum is not finite).
  public static func softmaxCrossEntropy(_ z: Tensor, _ t: Tensor, keepingExponentials keep: Bool) -> (
    Double, [Double]?
  ) {
    let classes = z.shape.last ?? 1
    let rows = max(z.count / max(classes, 1), 1)
    guard t.count >= z.count else { return (.nan, nil) }
    var total = 0.0
    var finite = true
    let used = z.count / max(classes, 1) * classes
    // Three passes, each a tight loop: the shifted logits, their exponentials (a call each,
    // with nothing else live across it), then each row's sums, in the order of one loop over
    // a row (so the bits are those of `exp(z − max)` summed left to right).
    let exponentials = [Double](unsafeUninitializedCapacity: z.count) { pe, initialized in
      defer { initialized = z.count }
      guard let es = pe.baseAddress else { return }
      z.data.withUnsafeBufferPointer { pz in
        t.data.withUnsafeBufferPointer { pt in
          guard let zs = pz.baseAddress, let ts = pt.baseAddress else { return }
          (es + used).initialize(repeating: 0, count: z.count - used)
          var maxima = [Double](repeating: 0, count: used / max(classes, 1))
          for r in maxima.indices {
            let (zr, er) = (zs + r * classes, es + r * classes)
            var m = -Double.infinity
            for i in 0..<classes { m = Swift.max(m, zr[i]) }
            if !m.isFinite {
              m = 0
              finite = false
            }
            maxima[r] = m
            for i in 0..<classes { er[i] = zr[i] - m }
          }
          for i in 0..<used { es[i] = Math.exp(es[i]) }
          for r in maxima.indices {
            let (zr, tr, er) = (zs + r * classes, ts + r * classes, es + r * classes)
            var s = 0.0
            var dot = 0.0
            var mass = 0.0
            for i in 0..<classes {
              s += er[i]
              dot += tr[i] * zr[i]
              mass += tr[i]
            }
            total += mass * (maxima[r] + Math.log(s)) - dot
          }
        }
      }
    }
    return (total / Double(rows), keep && finite ? exponentials : nil)
  }
}
