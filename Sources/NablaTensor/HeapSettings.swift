#if canImport(Glibc)
  import Glibc
#endif

/// glibc's allocator, set for tensors: results of tens of kilobytes to tens of megabytes are
/// made and dropped at every operation. By default each one above 128 KiB is a fresh mapping,
/// and freeing memory at the heap's top gives it back, so the next tensor of that size faults
/// every page in again: a 100 × 100 Hessian took 46 page faults per evaluation and a quarter of
/// its time. Up to 64 MiB now stays in the heap for reuse.
public enum HeapSettings {
  /// Applies the settings once per process (later calls do nothing).
  public static func apply() { _ = applied }

  private static let applied: Void = {
    #if canImport(Glibc)
      // mallopt from glibc's malloc.h, which the Glibc module does not export.
      typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
      let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
      let (trimThreshold, topPad, mmapThreshold): (Int32, Int32, Int32) = (-1, -2, -3)
      _ = mallopt(mmapThreshold, 64 << 20)
      _ = mallopt(trimThreshold, 64 << 20)
      _ = mallopt(topPad, 16 << 20)
    #endif
  }()
}
