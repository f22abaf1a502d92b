import COpenBLAS
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// OpenBLAS, loaded on first use rather than linked.
///
/// Two reasons: Debian's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its
/// SSE3 "Prescott" kernels (5× slower than NumPy's), and `OPENBLAS_CORETYPE`, which fixes that,
/// is read by the library's constructor, so it must be set before the library loads. Loading
/// lazily also keeps OpenBLAS's start-up cost out of `nabla -e 1`.
enum BLAS {
  typealias Dgemm =
    @convention(c) (
      Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32,
      Double, UnsafeMutablePointer<Double>?, Int32
    ) -> Void

  static let rowMajor = Int32(CblasRowMajor.rawValue)
  static let noTranspose = Int32(CblasNoTrans.rawValue)
  static let transpose = Int32(CblasTrans.rawValue)

  typealias SetThreads = @convention(c) (Int32) -> Void
  /// openblas_set_num_threads, resolved once `dgemm` has loaded the library.
  static let setThreads: SetThreads? = {
    guard let library, let symbol = dlsym(library, "openblas_set_num_threads") else { return nil }
    return unsafeBitCast(symbol, to: SetThreads.self)
  }()
  nonisolated(unsafe) static var threads: Int32 = 0

  /// One product at a time: `openblas_set_num_threads` must not change the thread count under
  /// a product running on another thread (sessions evaluate side by side in the test runner).
  /// Uncontended, the lock costs nanoseconds against a product's microseconds.
  static let callLock = Mutex(())

  /// One thread for small products: waking a second thread costs more than it saves there
  /// (an MLP's 64 × 64 × 128 products spent a tenth of their time in sched_yield).
  static func chooseThreads(work: Int) {
    let wanted: Int32 = work < 1 << 21 ? 1 : 0
    guard wanted != threads, let setThreads else { return }
    // 0 means "as many as OpenBLAS starts with".
    setThreads(wanted == 0 ? defaultThreads : 1)
    threads = wanted
  }

  static let defaultThreads: Int32 = {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return Int32(max(1, min(n, 64)))
  }()

  /// Whether x·wᵀ ([m, k] by [n, k]) is quicker as xᵀᵀ·wᵀ from a transposed copy of x. With
  /// the SkylakeX kernels of OpenBLAS 0.3.21, a row-major A·Bᵀ of up to 2²⁰ multiply-adds leaves
  /// the small-matrix kernels (it is a column-major Aᵀ·B with more than 1200 entries), and
  /// took 25.9 µs for an MLP layer's 64 × 64 × 128 where Aᵀ·Bᵀ took 18.5 µs and the copy of x
  /// about 2 µs. Above 2²⁰ both take the same kernels; with few columns the copy does not pay.
  static func prefersTransposedLeft(m: Int, k: Int, n: Int) -> Bool {
    guard usesSkylakeKernels, m >= 8, n >= 16, k >= 8 else { return false }
    let (entries, overflowed) = m.multipliedReportingOverflow(by: n)
    let (work, overflowedAgain) = entries.multipliedReportingOverflow(by: k)
    return !overflowed && !overflowedAgain && entries > 1200 && work <= 1 << 20
  }

  /// True when OpenBLAS runs (or will run) its SkylakeX kernels.
  static let usesSkylakeKernels: Bool = {
    guard let core = getenv("OPENBLAS_CORETYPE") else { return kernelForThisCPU() == "SkylakeX" }
    return String(cString: core).lowercased() == "skylakex"
  }()

  /// The loaded library, or nil when OpenBLAS cannot be loaded (callers then multiply directly).
  static let library: UnsafeMutableRawPointer? = {
    if getenv("OPENBLAS_CORETYPE") == nil, let core = kernelForThisCPU() {
      setenv("OPENBLAS_CORETYPE", core, 0)
    }
    // OpenBLAS's threads spin for about 2²⁸ cycles (0.1 s) after each product before they
    // sleep: on two cores that takes the second core from nabla's own image-by-image work and
    // from everything else. 2⁴ cycles: they go to sleep at once, and wake for the next product.
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0)
    for name in ["libopenblas.so.0", "libopenblas.so"] {
      if let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) { return handle }
    }
    return nil
  }()

  /// `cblas_dgemm`.
  static let dgemm: Dgemm? = {
    guard let library, let symbol = dlsym(library, "cblas_dgemm") else { return nil }
    return unsafeBitCast(symbol, to: Dgemm.self)
  }()

  /// The OpenBLAS kernel family the CPU's flags allow, from /proc/cpuinfo; nil leaves the
  /// library's own detection alone (and never names a kernel the CPU cannot run).
  static func kernelForThisCPU() -> String? {
    guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 8192)
    while fgets(&line, Int32(line.count), file) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      guard text.hasPrefix("flags") else { continue }
      let flags = Set(text.split(separator: " ").map { $0.trimmingSuffix() })
      if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
      if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
      return nil
    }
    return nil
  }
}

extension Substring {
  fileprivate func trimmingSuffix() -> String {
    String(self.prefix { $0 != "\n" && $0 != "\r" })
  }
}
