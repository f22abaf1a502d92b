extension Tensor {
  /// NumPy `matmul` for operands of rank ≥ 2: the last two axes multiply, leading axes broadcast.
  /// `transposeA`/`transposeB` read an operand's last two axes transposed (as BLAS does, without
  /// copying). Vectors are promoted by the caller (see `NablaAutodiff`'s `matmul`).
  public static func batchedMatmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, operation: String = "@"
  ) throws(ShapeError) -> Tensor {
    guard a.rank >= 2, b.rank >= 2 else {
      throw ShapeError(operation: operation, shapes: [a.shape, b.shape], rule: "both operands need at least two axes")
    }
    let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    let (m, k) = transposeA ? (ac, ar) : (ar, ac)
    let (k2, n) = transposeB ? (bc, br) : (br, bc)
    guard k == k2 else {
      throw ShapeError(
        operation: operation, shapes: [a.shape, b.shape], rule: "inner dimensions \(k) and \(k2) differ")
    }
    if a.rank == 2 && b.rank == 2 {
      // One product, without the batch bookkeeping below (its arrays were most of the
      // allocations a training step's backward products made).
      let shape = [m, n]
      try Tensor.checkSize(shape, operation: operation)
      let out = [Double](unsafeUninitializedCapacity: m * n) { po, initialized in
        if k == 0 { po.baseAddress?.initialize(repeating: 0, count: m * n) }
        a.data.withUnsafeBufferPointer { pa in
          b.data.withUnsafeBufferPointer { pb in
            guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseO = po.baseAddress else { return }
            gemm(baseA, baseB, baseO, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
          }
        }
        initialized = m * n
      }
      return Tensor(uncheckedShape: shape, data: out)
    }
    let batchA = Array(a.shape.dropLast(2))
    let batchB = Array(b.shape.dropLast(2))
    let batch = try Broadcasting.shape(batchA, batchB, operation: operation)
    try Tensor.checkSize(batch + [m, n], operation: operation)
    if let product = stackedProduct(
      a, b, batch: batch, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB)
    {
      return product
    }
    let batchCount = batch.reduce(1, *)
    let sa = Broadcasting.strides(of: batchA, broadcastTo: batch)
    let sb = Broadcasting.strides(of: batchB, broadcastTo: batch)
    var pairs: [(Int, Int)] = []
    pairs.reserveCapacity(batchCount)
    Broadcasting.forEachPair(outShape: batch, stridesA: sa, stridesB: sb) { i, j, _ in pairs.append((i, j)) }
    if batch.isEmpty { pairs = [(0, 0)] }
    let out = [Double](unsafeUninitializedCapacity: batchCount * m * n) { po, initialized in
      // BLAS overwrites C (β = 0); only an empty inner dimension leaves it to us.
      if k == 0 { po.baseAddress?.initialize(repeating: 0, count: batchCount * m * n) }
      a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
          guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseO = po.baseAddress else { return }
          for (idx, (i, j)) in pairs.enumerated() {
            gemm(
              baseA + i * m * k, baseB + j * k * n, baseO + idx * m * n, m: m, k: k, n: n, transposeA: transposeA,
              transposeB: transposeB)
          }
        }
      }
      initialized = batchCount * m * n
    }
    return Tensor(uncheckedShape: batch + [m, n], data: out)
  }

  /// A batch against one matrix as a single GEMM instead of one per batch entry (a Jacobian's
  /// or Hessian's batched pass multiplies a hundred vectors by the same matrix):
  /// - batch [..., m, k] @ B: the batch's rows stacked, [(...·m), k] @ B;
  /// - A @ batch of vectors [..., k, 1]: the vectors as rows, [..., k] @ op(A)ᵀ.
  /// Nil when neither applies.
  static func stackedProduct(
    _ a: Tensor, _ b: Tensor, batch: [Int], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool
  ) -> Tensor? {
    let count = batch.reduce(1, *)
    guard count > 1, k > 0 else { return nil }
    let rowsOfA = a.rank > 2 && b.rank == 2 && !transposeA && a.count == count * m * k
    let vectorsOfB = a.rank == 2 && b.rank > 2 && n == 1 && b.count == count * k
    guard rowsOfA || vectorsOfB else { return nil }
    let out = [Double](unsafeUninitializedCapacity: count * m * n) { po, initialized in
      defer { initialized = count * m * n }
      a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
          guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseO = po.baseAddress else { return }
          if rowsOfA {
            gemm(baseA, baseB, baseO, m: count * m, k: k, n: n, transposeA: false, transposeB: transposeB)
          } else if count == k, isIdentity(baseB, k), a.allFinite {
            // The vectors are the identity's rows (a Jacobian's or Hessian's seeds meeting their
            // first product): row r is op(A)'s column r, a copy. (Only for finite A: a GEMM
            // would turn an inf into NaN by 0·inf.)
            if transposeA {
              baseO.update(from: baseA, count: count * m)
            } else {
              for i in 0..<m {
                let row = baseA + i * k
                for r in 0..<count { baseO[r &* m &+ i] = row[r] }
              }
            }
          } else {
            // Row r of the result is op(A) b_r, i.e. b_r op(A)ᵀ.
            gemm(baseB, baseA, baseO, m: count, k: k, n: m, transposeA: false, transposeB: !transposeA)
          }
        }
      }
    }
    return Tensor(uncheckedShape: batch + [m, n], data: out)
  }

  /// Whether the n × n matrix at `p` is the identity (stops at the first entry that says no).
  static func isIdentity(_ p: UnsafePointer<Double>, _ n: Int) -> Bool {
    for r in 0..<n {
      let row = p + r * n
      guard row[r] == 1 else { return false }
      // Every other entry +0: their bits or-ed together are 0 (a loop without an early exit,
      // so it vectorises; -0 counts as not zero, as a GEMM might keep its sign).
      var bits: UInt64 = 0
      for c in 0..<r { bits |= row[c].bitPattern }
      for c in (r + 1)..<n { bits |= row[c].bitPattern }
      guard bits == 0 else { return false }
    }
    return true
  }

  /// A linear layer's `x @ wᵀ + b` for rows x [m, k], weights w [n, k] and bias b [n]: the
  /// output rows start as copies of b and one GEMM adds the product into them (β = 1), so
  /// the bias costs no pass of its own. Nil when the shapes are not exactly those.
  public static func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor? {
    guard x.rank == 2, w.rank == 2, b.rank == 1, x.shape[1] == w.shape[1], b.shape[0] == w.shape[0] else {
      return nil
    }
    let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
    let shape = [m, n]
    try Tensor.checkSize(shape, operation: "linear")
    let out = [Double](unsafeUninitializedCapacity: m * n) { po, initialized in
      defer { initialized = m * n }
      guard let baseO = po.baseAddress else { return }
      b.data.withUnsafeBufferPointer { pb in
        guard let baseB = pb.baseAddress else { return }
        // The bias in the first row, then the rows filled so far copied after themselves: six
        // copies for a batch of 64 rather than one per row (a call each, most of the cost when
        // rows are short).
        guard m > 0 else { return }
        baseO.initialize(from: baseB, count: n)
        var filled = 1
        while filled < m {
          let rows = Swift.min(filled, m - filled)
          (baseO + filled * n).initialize(from: baseO, count: rows * n)
          filled += rows
        }
      }
      x.data.withUnsafeBufferPointer { px in
        w.data.withUnsafeBufferPointer { pw in
          guard let baseX = px.baseAddress, let baseW = pw.baseAddress else { return }
          guard BLAS.prefersTransposedLeft(m: m, k: k, n: n) else {
            gemm(baseX, baseW, baseO, m: m, k: k, n: n, transposeA: false, transposeB: true, accumulate: true)
            return
          }
          let xt = UnsafeMutablePointer<Double>.allocate(capacity: m * k)
          defer { xt.deallocate() }
          transpose(baseX, rows: m, columns: k, into: xt)
          gemm(xt, baseW, baseO, m: m, k: k, n: n, transposeA: true, transposeB: true, accumulate: true)
        }
      }
    }
    return Tensor(uncheckedShape: shape, data: out)
  }

  /// `a` [rows, columns] written transposed into `t` [columns, rows]: two rows at a time, as
  /// pairs of entries that change places (two loads, two stores), in blocks of 8 columns so
  /// the rows written stay in cache. Index arithmetic wraps: every index is below rows·columns.
  static func transpose(_ a: UnsafePointer<Double>, rows: Int, columns: Int, into t: UnsafeMutablePointer<Double>) {
    let (source, target) = (UnsafeRawPointer(a), UnsafeMutableRawPointer(t))
    let pairs = columns & ~1
    for j0 in stride(from: 0, to: pairs, by: 8) {
      let end = Swift.min(j0 &+ 8, pairs)
      var i = 0
      while i &+ 2 <= rows {
        var j = j0
        while j < end {
          let upper = source.loadUnaligned(fromByteOffset: (i &* columns &+ j) &* 8, as: SIMD2<Double>.self)
          let lower = source.loadUnaligned(fromByteOffset: ((i &+ 1) &* columns &+ j) &* 8, as: SIMD2<Double>.self)
          target.storeBytes(
            of: SIMD2(upper.x, lower.x), toByteOffset: (j &* rows &+ i) &* 8, as: SIMD2<Double>.self)
          target.storeBytes(
            of: SIMD2(upper.y, lower.y), toByteOffset: ((j &+ 1) &* rows &+ i) &* 8, as: SIMD2<Double>.self)
          j &+= 2
        }
        i &+= 2
      }
      if i < rows {
        for j in j0..<end { t[j &* rows &+ i] = a[i &* columns &+ j] }
      }
    }
    if pairs < columns {
      for i in 0..<rows { t[pairs &* rows &+ i] = a[i &* columns &+ pairs] }
    }
  }

  /// C = op(A) op(B), or C += op(A) op(B) when `accumulate`, for row-major operands (A is
  /// [m, k], or [k, m] when transposed; B is [k, n], or [n, k]). Small products skip the BLAS
  /// call overhead.
  static func gemm(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool, accumulate: Bool = false
  ) {
    guard m * n * k > 512, BLAS.dgemm != nil else {
      unlockedGEMM(a, b, c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
      return
    }
    BLAS.callLock.withLock { _ in
      BLAS.chooseThreads(work: m * n * k)
      unlockedGEMM(a, b, c, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
    }
  }

  /// `gemm` for a caller that holds `BLAS.callLock` and has chosen the thread count (or runs a
  /// product small enough to be multiplied here).
  static func unlockedGEMM(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool, accumulate: Bool = false
  ) {
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    guard m * n * k > 512, let dgemm = BLAS.dgemm, let mi = Int32(exactly: m), let ni = Int32(exactly: n),
      let ki = Int32(exactly: k)
    else {
      for i in 0..<m {
        for j in 0..<n {
          var s = accumulate ? c[i * n + j] : 0.0
          for p in 0..<k {
            s += (transposeA ? a[p * lda + i] : a[i * lda + p]) * (transposeB ? b[j * ldb + p] : b[p * ldb + j])
          }
          c[i * n + j] = s
        }
      }
      return
    }
    // A product of more than about 2³¹ multiply-adds (a second or so) goes in bands of rows, so
    // Ctrl-C stops it between bands (the caller drops the unfinished result).
    let band = m * n * k > 1 << 31 ? Swift.max(1, (1 << 31) / Swift.max(n * k, 1)) : m
    for first in stride(from: 0, to: m, by: band) {
      if first > 0 && Interruption.isPending { return }
      let rows = Int32(Swift.min(band, m - first))
      dgemm(
        BLAS.rowMajor, transposeA ? BLAS.transpose : BLAS.noTranspose,
        transposeB ? BLAS.transpose : BLAS.noTranspose, band == m ? mi : rows, ni, ki, 1.0,
        transposeA ? a + first : a + first * lda, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), accumulate ? 1.0 : 0.0,
        c + first * n, Swift.max(ni, 1))
    }
  }
}
