import COpenBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// LAPACK routines from the OpenBLAS that `BLAS` loads (it exports the Fortran symbols, not
/// LAPACKE). Fortran conventions: every argument by pointer, 32-bit integers, column-major
/// storage, and one hidden length argument per character argument. A row-major r × c buffer is
/// the column-major c × r matrix Xᵀ; each caller in `Tensor+Decompositions.swift` says how it
/// uses that (see docs/design/linalg-derivatives.md §12, where every recipe was checked).
enum LAPACK {
  typealias IP = UnsafePointer<Int32>
  typealias IM = UnsafeMutablePointer<Int32>
  typealias DP = UnsafePointer<Double>
  typealias DM = UnsafeMutablePointer<Double>
  typealias CP = UnsafePointer<CChar>
  typealias Dgetrf = @convention(c) (IP, IP, DM, IP, IM, IM) -> Void
  typealias Dgetrs = @convention(c) (CP, IP, IP, DP, IP, IP, DM, IP, IM, Int) -> Void
  typealias Dpotrf = @convention(c) (CP, IP, DM, IP, IM, Int) -> Void
  typealias Dsyevd = @convention(c) (CP, CP, IP, DM, IP, DM, DM, IP, IM, IP, IM, Int, Int) -> Void
  typealias Dgesdd = @convention(c) (CP, IP, IP, DM, IP, DM, DM, IP, DM, IP, DM, IP, IM, IM, Int) -> Void
  typealias Dgeqrf = @convention(c) (IP, IP, DM, IP, DM, DM, IP, IM) -> Void
  typealias Dorgqr = @convention(c) (IP, IP, IP, DM, IP, DP, DM, IP, IM) -> Void
  typealias Dtrsm =
    @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Double, DP, Int32, DM, Int32) -> Void

  static func symbol<T>(_ name: String, as type: T.Type) -> T? {
    guard let library = BLAS.library, let s = dlsym(library, name) else { return nil }
    return unsafeBitCast(s, to: type)
  }

  static let dgetrf = symbol("dgetrf_", as: Dgetrf.self)
  static let dgetrs = symbol("dgetrs_", as: Dgetrs.self)
  static let dpotrf = symbol("dpotrf_", as: Dpotrf.self)
  static let dsyevd = symbol("dsyevd_", as: Dsyevd.self)
  static let dgesdd = symbol("dgesdd_", as: Dgesdd.self)
  static let dgeqrf = symbol("dgeqrf_", as: Dgeqrf.self)
  static let dorgqr = symbol("dorgqr_", as: Dorgqr.self)
  static let dtrsm = symbol("cblas_dtrsm", as: Dtrsm.self)

  /// The routine, or an error naming the operation when OpenBLAS could not be loaded.
  static func require<T>(_ routine: T?, _ operation: String) throws(ShapeError) -> T {
    guard let routine else {
      throw ShapeError(operation: operation, shapes: [], rule: "needs LAPACK from OpenBLAS, which could not be loaded")
    }
    return routine
  }

  /// Runs `body` under the BLAS lock with a thread count fitting `work` flops (LAPACK calls the
  /// threaded BLAS, whose thread count must not change under another call).
  static func call(work: Int, _ body: () -> Void) {
    BLAS.callLock.withLock { _ in
      BLAS.chooseThreads(work: work)
      body()
    }
  }

  /// A 32-bit LAPACK dimension, or an error for sizes LAPACK cannot address.
  static func int32(_ n: Int, _ operation: String) throws(ShapeError) -> Int32 {
    guard let v = Int32(exactly: n) else {
      throw ShapeError(operation: operation, shapes: [], rule: "a size of \(n) is too large for LAPACK")
    }
    return v
  }
}
