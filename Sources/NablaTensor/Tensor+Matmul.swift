extension Tensor {
  /// NumPy `matmul` for operands of rank ≥ 2: the last two axes multiply, leading axes broadcast.
  /// Vectors are promoted by the caller (see `NablaAutodiff`'s `matmul`).
  public static func batchedMatmul(_ a: Tensor, _ b: Tensor, operation: String = "@") throws(ShapeError) -> Tensor {
    guard a.rank >= 2, b.rank >= 2 else {
      throw ShapeError(operation: operation, shapes: [a.shape, b.shape], rule: "both operands need at least two axes")
    }
    let m = a.shape[a.rank - 2]
    let k = a.shape[a.rank - 1]
    let k2 = b.shape[b.rank - 2]
    let n = b.shape[b.rank - 1]
    guard k == k2 else {
      throw ShapeError(
        operation: operation, shapes: [a.shape, b.shape], rule: "inner dimensions \(k) and \(k2) differ")
    }
    let batchA = Array(a.shape.dropLast(2))
    let batchB = Array(b.shape.dropLast(2))
    let batch = try Broadcasting.shape(batchA, batchB, operation: operation)
    let batchCount = batch.reduce(1, *)
    var out = [Double](repeating: 0, count: batchCount * m * n)
    let sa = Broadcasting.strides(of: batchA, broadcastTo: batch)
    let sb = Broadcasting.strides(of: batchB, broadcastTo: batch)
    var pairs: [(Int, Int)] = []
    pairs.reserveCapacity(batchCount)
    Broadcasting.forEachPair(outShape: batch, stridesA: sa, stridesB: sb) { i, j, _ in pairs.append((i, j)) }
    if batch.isEmpty { pairs = [(0, 0)] }
    a.data.withUnsafeBufferPointer { pa in
      b.data.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { po in
          guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseO = po.baseAddress else { return }
          for (idx, (i, j)) in pairs.enumerated() {
            gemm(baseA + i * m * k, baseB + j * k * n, baseO + idx * m * n, m: m, k: k, n: n)
          }
        }
      }
    }
    return Tensor(uncheckedShape: batch + [m, n], data: out)
  }

  /// C = A B for row-major A [m, k] and B [k, n]; small products skip the BLAS call overhead.
  static func gemm(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    m: Int, k: Int, n: Int
  ) {
    guard m * n * k > 512, let dgemm = BLAS.dgemm, let mi = Int32(exactly: m), let ni = Int32(exactly: n),
      let ki = Int32(exactly: k)
    else {
      for i in 0..<m {
        for j in 0..<n {
          var s = 0.0
          for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
          c[i * n + j] = s
        }
      }
      return
    }
    dgemm(
      BLAS.rowMajor, BLAS.noTranspose, BLAS.noTranspose, mi, ni, ki, 1.0, a, Swift.max(ki, 1), b, Swift.max(ni, 1), 0.0,
      c, Swift.max(ni, 1))
  }
}
