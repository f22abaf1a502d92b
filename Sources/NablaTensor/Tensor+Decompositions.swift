import COpenBLAS

/// Solves and factorizations of the matrices in the last two axes, each matrix handed to LAPACK
/// (recipes and their checks: docs/design/linalg-derivatives.md §12). Leading axes are batches.
extension Tensor {
  /// The leading axes and the matrix size of a tensor of rank ≥ 2.
  static func matrixShape(_ t: Tensor, _ operation: String) throws(ShapeError) -> (batch: [Int], rows: Int, cols: Int) {
    guard t.rank >= 2 else {
      throw ShapeError(operation: operation, shapes: [t.shape], rule: "needs a matrix (or a batch of them)")
    }
    return (Array(t.shape.dropLast(2)), t.shape[t.rank - 2], t.shape[t.rank - 1])
  }

  static func square(_ t: Tensor, _ operation: String) throws(ShapeError) -> (batch: [Int], n: Int) {
    let (batch, r, c) = try matrixShape(t, operation)
    guard r == c else {
      throw ShapeError(operation: operation, shapes: [t.shape], rule: "needs square matrices, not \(r)×\(c)")
    }
    return (batch, r)
  }

  /// The matrix at position `b` of a batch, row-major.
  func matrix(_ b: Int, size: Int) -> [Double] { Array(data[(b * size)..<((b + 1) * size)]) }

  static func transposed(_ m: [Double], rows: Int, cols: Int) -> [Double] {
    var t = [Double](repeating: 0, count: m.count)
    guard rows * cols == m.count else { return t }
    m.withUnsafeBufferPointer { source in
      t.withUnsafeMutableBufferPointer { target in
        guard let a = source.baseAddress, let out = target.baseAddress else { return }
        transpose(a, rows: rows, columns: cols, into: out)
      }
    }
    return t
  }

  /// A and B broadcast over their leading axes, for a solve of A [..., n, n] against B [..., n, k].
  static func broadcastSolve(_ a: Tensor, _ b: Tensor, _ operation: String) throws(ShapeError) -> (
    a: Tensor, b: Tensor, batch: [Int], n: Int, k: Int
  ) {
    let (batchA, n) = try square(a, operation)
    let (batchB, rows, k) = try matrixShape(b, operation)
    guard rows == n else {
      throw ShapeError(
        operation: operation, shapes: [a.shape, b.shape], rule: "A is \(n)×\(n) but b has \(rows) rows")
    }
    let batch = try Broadcasting.shape(batchA, batchB, operation: operation)
    try checkSize(batch + [n, k], operation: operation)
    return (try a.broadcast(to: batch + [n, n]), try b.broadcast(to: batch + [n, k]), batch, n, k)
  }

  /// A zero pivot relative to the matrix's size: singular to working precision.
  static func singularPivot(_ diagonal: [Double], scale: Double) -> Int? {
    diagonal.firstIndex { Swift.abs($0) <= 1e-14 * Swift.max(scale, 1e-300) }
  }

  /// X with A X = B, by LU with partial pivoting (dgetrf, dgetrs); a singular A is an error.
  public static func solve(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    let (a, b, batch, n, k) = try broadcastSolve(a, b, "solve")
    let count = batch.reduce(1, *)
    var out = [Double](repeating: 0, count: count * n * k)
    if n == 0 || k == 0 { return Tensor(uncheckedShape: batch + [n, k], data: out) }
    let getrf = try LAPACK.require(LAPACK.dgetrf, "solve")
    let getrs = try LAPACK.require(LAPACK.dgetrs, "solve")
    var (n32, k32) = (try LAPACK.int32(n, "solve"), try LAPACK.int32(k, "solve"))
    for m in 0..<count {
      // The row-major A is the column-major Aᵀ: factor it and solve with TRANS = 'T'.
      var lu = a.matrix(m, size: n * n)
      var pivots = [Int32](repeating: 0, count: n)
      var info: Int32 = 0
      LAPACK.call(work: n * n * n) { getrf(&n32, &n32, &lu, &n32, &pivots, &info) }
      let scale = lu.isEmpty ? 0 : a.matrix(m, size: n * n).reduce(0) { Swift.max($0, Swift.abs($1)) }
      if let i = singularPivot((0..<n).map { lu[$0 * n + $0] }, scale: scale) {
        throw ShapeError(
          operation: "solve", shapes: [a.shape, b.shape],
          rule: "A is singular (pivot \(i) is zero), so A x = b has no unique solution")
      }
      var x = transposed(b.matrix(m, size: n * k), rows: n, cols: k)
      LAPACK.call(work: n * n * k) { getrs("T", &n32, &k32, &lu, &n32, &pivots, &x, &n32, &info, 1) }
      let solved = transposed(x, rows: k, cols: n)
      out.replaceSubrange((m * n * k)..<((m + 1) * n * k), with: solved)
    }
    return Tensor(uncheckedShape: batch + [n, k], data: out)
  }

  /// X with op(T) X = B for a triangular T (only its `lower` or upper triangle is read), by
  /// cblas_dtrsm on the row-major buffers.
  public static func solveTriangular(_ t: Tensor, _ b: Tensor, lower: Bool, transpose: Bool) throws(ShapeError)
    -> Tensor
  {
    let (t, b, batch, n, k) = try broadcastSolve(t, b, "solve_triangular")
    let count = batch.reduce(1, *)
    var out = b.data
    if n == 0 || k == 0 { return Tensor(uncheckedShape: batch + [n, k], data: out) }
    let trsm = try LAPACK.require(LAPACK.dtrsm, "solve_triangular")
    let (n32, k32) = (try LAPACK.int32(n, "solve_triangular"), try LAPACK.int32(k, "solve_triangular"))
    for m in 0..<count {
      let tm = t.matrix(m, size: n * n)
      let scale = tm.reduce(0) { Swift.max($0, Swift.abs($1)) }
      if let i = singularPivot((0..<n).map { tm[$0 * n + $0] }, scale: scale) {
        throw ShapeError(
          operation: "solve_triangular", shapes: [t.shape, b.shape],
          rule: "the triangular matrix has a zero at diagonal entry \(i)")
      }
      tm.withUnsafeBufferPointer { pt in
        out.withUnsafeMutableBufferPointer { pb in
          guard let base = pt.baseAddress, let target = pb.baseAddress else { return }
          LAPACK.call(work: n * n * k) {
            trsm(
              BLAS.rowMajor, Int32(CblasLeft.rawValue), Int32((lower ? CblasLower : CblasUpper).rawValue),
              transpose ? BLAS.transpose : BLAS.noTranspose, Int32(CblasNonUnit.rawValue), n32, k32, 1.0, base, n32,
              target + m * n * k, k32)
          }
        }
      }
    }
    return Tensor(uncheckedShape: batch + [n, k], data: out)
  }

  /// LAPACK's iterations may not end on inf or nan (and its answer would mean nothing).
  func requireFinite(_ operation: String) throws(ShapeError) {
    guard data.allSatisfy(\.isFinite) else {
      throw ShapeError(operation: operation, shapes: [shape], rule: "the matrix holds inf or nan")
    }
  }

  /// ½(A + Aᵀ) of each matrix, which is what `cholesky` and `eigh` factor (as JAX does), so their
  /// gradients are the symmetric matrices that finite differences in any entry agree with.
  func symmetrized(n: Int) -> [Double] {
    var s = data
    for m in 0..<(n == 0 ? 0 : count / (n * n)) {
      let base = m * n * n
      for i in 0..<n {
        for j in 0..<n { s[base + i * n + j] = 0.5 * (data[base + i * n + j] + data[base + j * n + i]) }
      }
    }
    return s
  }

  /// The lower-triangular L with L Lᵀ = ½(A + Aᵀ) (dpotrf); an error unless positive definite.
  public func cholesky() throws(ShapeError) -> Tensor {
    let (_, n) = try Tensor.square(self, "cholesky")
    try requireFinite("cholesky")
    var out = symmetrized(n: n)
    if n == 0 { return Tensor(uncheckedShape: shape, data: out) }
    let potrf = try LAPACK.require(LAPACK.dpotrf, "cholesky")
    var n32 = try LAPACK.int32(n, "cholesky")
    for m in 0..<(count / (n * n)) {
      var c = Array(out[(m * n * n)..<((m + 1) * n * n)])
      var info: Int32 = 0
      // 'U' on the column-major view is the row-major lower triangle.
      LAPACK.call(work: n * n * n) { potrf("U", &n32, &c, &n32, &info, 1) }
      guard info == 0 else {
        throw ShapeError(
          operation: "cholesky", shapes: [shape],
          rule: "the matrix is not positive definite (its leading \(info)×\(info) minor is not positive)")
      }
      for i in 0..<n { for j in (i + 1)..<Swift.max(n, i + 1) { c[i * n + j] = 0 } }
      out.replaceSubrange((m * n * n)..<((m + 1) * n * n), with: c)
    }
    return Tensor(uncheckedShape: shape, data: out)
  }
}

extension Tensor {
  /// Eigenvalues (ascending) and eigenvectors (columns) of ½(A + Aᵀ), by dsyevd.
  public func symmetricEigen() throws(ShapeError) -> (values: Tensor, vectors: Tensor) {
    let (batch, n) = try Tensor.square(self, "eigh")
    try requireFinite("eigh")
    let count = batch.reduce(1, *)
    let symmetric = symmetrized(n: n)
    var values = [Double](repeating: 0, count: count * n)
    var vectors = [Double](repeating: 0, count: count * n * n)
    if n > 0 {
      let syevd = try LAPACK.require(LAPACK.dsyevd, "eigh")
      var n32 = try LAPACK.int32(n, "eigh")
      // Workspace sizes for this n (LAPACK's minimum for JOBZ = 'V').
      var lwork = try LAPACK.int32(1 + 6 * n + 2 * n * n, "eigh")
      var liwork = try LAPACK.int32(3 + 5 * n, "eigh")
      var work = [Double](repeating: 0, count: Int(lwork))
      var iwork = [Int32](repeating: 0, count: Int(liwork))
      for m in 0..<count {
        var a = Array(symmetric[(m * n * n)..<((m + 1) * n * n)])
        var w = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        LAPACK.call(work: n * n * n) {
          syevd("V", "L", &n32, &a, &n32, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        }
        guard info == 0 else {
          throw ShapeError(operation: "eigh", shapes: [shape], rule: "the eigenvalue iteration did not converge")
        }
        // The buffer holds Vᵀ row-major: column j of V is eigenvector j.
        values.replaceSubrange((m * n)..<((m + 1) * n), with: w)
        vectors.replaceSubrange((m * n * n)..<((m + 1) * n * n), with: Tensor.transposed(a, rows: n, cols: n))
      }
    }
    return (Tensor(uncheckedShape: batch + [n], data: values), Tensor(uncheckedShape: batch + [n, n], data: vectors))
  }

  /// The thin SVD A = U diag(S) Vt, S descending, by dgesdd (U [m, k], S [k], Vt [k, n]).
  public func singularValueDecomposition() throws(ShapeError) -> (u: Tensor, s: Tensor, vt: Tensor) {
    let (batch, m, n) = try Tensor.matrixShape(self, "svd")
    let k = Swift.min(m, n)
    let count = batch.reduce(1, *)
    var us = [Double](repeating: 0, count: count * m * k)
    var ss = [Double](repeating: 0, count: count * k)
    var vts = [Double](repeating: 0, count: count * k * n)
    try requireFinite("svd")
    if k > 0 && count > 0 {
      let gesdd = try LAPACK.require(LAPACK.dgesdd, "svd")
      // LAPACK factors the column-major view Aᵀ (n × m): its U is our Vtᵀ, its VT our Uᵀ.
      var (rows, cols, k32) = (try LAPACK.int32(n, "svd"), try LAPACK.int32(m, "svd"), try LAPACK.int32(k, "svd"))
      var iwork = [Int32](repeating: 0, count: 8 * k)
      var query = 0.0
      var unusedU = 0.0
      var lwork: Int32 = -1
      var info: Int32 = 0
      var scratch = self.matrix(0, size: m * n)
      var (s, vtOut, uOut) = (
        [Double](repeating: 0, count: k), [Double](repeating: 0, count: n * k), [Double](repeating: 0, count: k * m)
      )
      LAPACK.call(work: 1) {
        gesdd("S", &rows, &cols, &scratch, &rows, &s, &vtOut, &rows, &unusedU, &k32, &query, &lwork, &iwork, &info, 1)
      }
      guard let wanted = Int(exactly: Swift.max(query, Double(4 * k * k + 7 * k)).rounded(.up)) else {
        throw ShapeError(operation: "svd", shapes: [shape], rule: "LAPACK asked for an impossible workspace")
      }
      lwork = try LAPACK.int32(wanted, "svd")
      var work = [Double](repeating: 0, count: Int(lwork))
      for b in 0..<count {
        var a = self.matrix(b, size: m * n)
        LAPACK.call(work: m * n * k) {
          gesdd("S", &rows, &cols, &a, &rows, &s, &vtOut, &rows, &uOut, &k32, &work, &lwork, &iwork, &info, 1)
        }
        guard info == 0 else {
          throw ShapeError(operation: "svd", shapes: [shape], rule: "the SVD iteration did not converge")
        }
        us.replaceSubrange((b * m * k)..<((b + 1) * m * k), with: uOut)
        ss.replaceSubrange((b * k)..<((b + 1) * k), with: s)
        vts.replaceSubrange((b * k * n)..<((b + 1) * k * n), with: vtOut)
      }
    }
    return (
      Tensor(uncheckedShape: batch + [m, k], data: us), Tensor(uncheckedShape: batch + [k], data: ss),
      Tensor(uncheckedShape: batch + [k, n], data: vts)
    )
  }

  /// The reduced QR decomposition A = Q R (Q [m, k] with orthonormal columns, R [k, n] upper
  /// triangular, k = min(m, n)), by dgeqrf and dorgqr; signs as LAPACK (and NumPy) leave them.
  public func qrDecomposition() throws(ShapeError) -> (q: Tensor, r: Tensor) {
    let (batch, m, n) = try Tensor.matrixShape(self, "qr")
    let k = Swift.min(m, n)
    let count = batch.reduce(1, *)
    var qs = [Double](repeating: 0, count: count * m * k)
    var rs = [Double](repeating: 0, count: count * k * n)
    if k > 0 {
      let geqrf = try LAPACK.require(LAPACK.dgeqrf, "qr")
      let orgqr = try LAPACK.require(LAPACK.dorgqr, "qr")
      var (m32, n32, k32) = (try LAPACK.int32(m, "qr"), try LAPACK.int32(n, "qr"), try LAPACK.int32(k, "qr"))
      var tau = [Double](repeating: 0, count: k)
      var info: Int32 = 0
      // Workspace queries (lwork = −1) for both routines; the larger answer serves both.
      var (query, queryQ): (Double, Double) = (0, 0)
      var lwork: Int32 = -1
      var probe = [Double](repeating: 0, count: 1)
      LAPACK.call(work: 1) {
        geqrf(&m32, &n32, &probe, &m32, &tau, &query, &lwork, &info)
        orgqr(&m32, &k32, &k32, &probe, &m32, &tau, &queryQ, &lwork, &info)
      }
      guard let wanted = Int(exactly: Swift.max(query, queryQ, 1).rounded(.up)) else {
        throw ShapeError(operation: "qr", shapes: [shape], rule: "LAPACK asked for an impossible workspace")
      }
      lwork = try LAPACK.int32(wanted, "qr")
      var work = [Double](repeating: 0, count: Int(lwork))
      for b in 0..<count {
        // Column-major A (leading dimension m) is the row-major Aᵀ.
        var a = Tensor.transposed(self.matrix(b, size: m * n), rows: m, cols: n)
        LAPACK.call(work: m * n * k) { geqrf(&m32, &n32, &a, &m32, &tau, &work, &lwork, &info) }
        for i in 0..<k { for j in i..<n { rs[b * k * n + i * n + j] = a[i + j * m] } }
        LAPACK.call(work: m * k * k) { orgqr(&m32, &k32, &k32, &a, &m32, &tau, &work, &lwork, &info) }
        for i in 0..<m { for j in 0..<k { qs[b * m * k + i * k + j] = a[i + j * m] } }
      }
    }
    return (Tensor(uncheckedShape: batch + [m, k], data: qs), Tensor(uncheckedShape: batch + [k, n], data: rs))
  }

  /// sign(det A) and log |det A| from the LU factors (dgetrf); a singular A gives (0, −inf).
  public func logAbsDeterminant() throws(ShapeError) -> (sign: Tensor, logAbs: Tensor) {
    let (batch, n) = try Tensor.square(self, "slogdet")
    let count = batch.reduce(1, *)
    var signs = [Double](repeating: 1, count: count)
    var logs = [Double](repeating: 0, count: count)
    if n > 0 {
      let getrf = try LAPACK.require(LAPACK.dgetrf, "slogdet")
      var n32 = try LAPACK.int32(n, "slogdet")
      for b in 0..<count {
        // det Aᵀ = det A, so the column-major view factors as well.
        var lu = self.matrix(b, size: n * n)
        var pivots = [Int32](repeating: 0, count: n)
        var info: Int32 = 0
        LAPACK.call(work: n * n * n) { getrf(&n32, &n32, &lu, &n32, &pivots, &info) }
        var sign = 1.0
        var log = 0.0
        for i in 0..<n {
          let u = lu[i * n + i]
          if pivots[i] != Int32(i + 1) { sign = -sign }
          if u < 0 { sign = -sign }
          log += Math.log(Swift.abs(u))
        }
        if log == -.infinity || lu.contains(where: \.isNaN) { sign = lu.contains(where: \.isNaN) ? .nan : 0 }
        (signs[b], logs[b]) = (sign, lu.contains(where: \.isNaN) ? .nan : log)
      }
    }
    return (Tensor(uncheckedShape: batch, data: signs), Tensor(uncheckedShape: batch, data: logs))
  }
}

extension Tensor {
  /// The Moore–Penrose pseudo-inverse from the SVD: Vtᵀ diag(s⁺) Uᵀ, where singular values at or
  /// below rtol·s_max count as zero (rtol = 10·max(m, n)·ε, JAX's default; NumPy's rcond is 1e-15).
  public func pseudoInverse() throws(ShapeError) -> Tensor {
    let (batch, m, n) = try Tensor.matrixShape(self, "pinv")
    let (u, s, vt) = try singularValueDecomposition()
    let k = Swift.min(m, n)
    let count = batch.reduce(1, *)
    var out = [Double](repeating: 0, count: count * n * m)
    let rtol = 10 * Double(Swift.max(m, n)) * Double.ulpOfOne
    for b in 0..<count {
      let sv = Array(s.data[(b * k)..<((b + 1) * k)])
      let cutoff = rtol * (sv.first ?? 0)
      for l in 0..<k where sv[l] > cutoff {
        let inverse = 1 / sv[l]
        // P[i][j] += Vt[l][i] · s⁺_l · U[j][l]
        for i in 0..<n {
          let vli = vt.data[b * k * n + l * n + i] * inverse
          if vli == 0 { continue }
          for j in 0..<m { out[b * n * m + i * m + j] += vli * u.data[b * m * k + j * k + l] }
        }
      }
    }
    return Tensor(uncheckedShape: batch + [n, m], data: out)
  }
}
