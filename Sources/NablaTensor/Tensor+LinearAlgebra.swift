extension Tensor {
  /// LU factorisation with partial pivoting of the last two axes (square), for `inv` and `det`.
  /// Returns the factors in place, the pivot order and the permutation's sign, per matrix.
  static func luFactor(_ a: [Double], n: Int) -> (lu: [Double], pivots: [Int], sign: Double) {
    var lu = a
    var pivots = Array(0..<n)
    var sign = 1.0
    for k in 0..<n {
      var p = k
      var best = Swift.abs(lu[k * n + k])
      for i in (k + 1)..<Swift.max(n, k + 1) where Swift.abs(lu[i * n + k]) > best {
        best = Swift.abs(lu[i * n + k])
        p = i
      }
      if p != k {
        for j in 0..<n { lu.swapAt(k * n + j, p * n + j) }
        pivots.swapAt(k, p)
        sign = -sign
      }
      let d = lu[k * n + k]
      if d == 0 { continue }
      for i in (k + 1)..<Swift.max(n, k + 1) {
        let f = lu[i * n + k] / d
        lu[i * n + k] = f
        if f == 0 { continue }
        for j in (k + 1)..<n { lu[i * n + j] -= f * lu[k * n + j] }
      }
    }
    return (lu, pivots, sign)
  }

  static func squareBatch(_ t: Tensor, operation: String) throws(ShapeError) -> (n: Int, count: Int) {
    guard t.rank >= 2, t.shape[t.rank - 1] == t.shape[t.rank - 2] else {
      throw ShapeError(
        operation: operation, shapes: [t.shape], rule: "\(operation) needs square matrices (last two axes equal)")
    }
    let n = t.shape[t.rank - 1]
    return (n, n == 0 ? 0 : t.count / (n * n))
  }

  /// Determinant of each square matrix in the last two axes.
  public func determinant() throws(ShapeError) -> Tensor {
    let (n, batch) = try Tensor.squareBatch(self, operation: "det")
    var out: [Double] = []
    for b in 0..<batch {
      let (lu, _, sign) = Tensor.luFactor(Array(data[(b * n * n)..<((b + 1) * n * n)]), n: n)
      var d = sign
      for i in 0..<n { d *= lu[i * n + i] }
      out.append(d)
    }
    if n == 0 { out = [Double](repeating: 1, count: Swift.max(1, shape.dropLast(2).reduce(1, *))) }
    return Tensor(uncheckedShape: Array(shape.dropLast(2)), data: out)
  }

  /// Inverse of each square matrix in the last two axes; a singular matrix is an error.
  public func inverse() throws(ShapeError) -> Tensor {
    let (n, batch) = try Tensor.squareBatch(self, operation: "inv")
    var out = [Double](repeating: 0, count: count)
    for b in 0..<batch {
      let (lu, pivots, _) = Tensor.luFactor(Array(data[(b * n * n)..<((b + 1) * n * n)]), n: n)
      var scale = 0.0
      for v in data[(b * n * n)..<((b + 1) * n * n)] { scale = Swift.max(scale, Swift.abs(v)) }
      if let i = Tensor.singularPivot((0..<n).map { lu[$0 * n + $0] }, scale: scale) {
        throw ShapeError(
          operation: "inv", shapes: [shape], rule: "the matrix is singular (pivot \(i) is zero), so it has no inverse")
      }
      // Solve A X = I column by column: P A = L U.
      for c in 0..<n {
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
          var s = pivots[i] == c ? 1.0 : 0.0
          for j in 0..<i { s -= lu[i * n + j] * y[j] }
          y[i] = s
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
          var s = y[i]
          for j in (i + 1)..<n { s -= lu[i * n + j] * y[j] }
          y[i] = s / lu[i * n + i]
        }
        for i in 0..<n { out[b * n * n + i * n + c] = y[i] }
      }
    }
    return Tensor(uncheckedShape: shape, data: out)
  }
}
