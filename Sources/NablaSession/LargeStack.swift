#if canImport(Glibc)
  import Glibc
#endif

/// Runs work on a thread with a large stack, so deep (but bounded) recursion in user functions
/// and nested expressions never meets the small default stack of a secondary thread.
enum LargeStack {
  static let size = 512 << 20

  private final class Work {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  static func run(_ body: () -> Void) {
    withoutActuallyEscaping(body) { escapable in
      var attributes = pthread_attr_t()
      pthread_attr_init(&attributes)
      defer { pthread_attr_destroy(&attributes) }
      pthread_attr_setstacksize(&attributes, size)
      let work = Unmanaged.passRetained(Work(escapable))
      var thread = pthread_t()
      let status = pthread_create(
        &thread, &attributes,
        { raw in
          guard let raw else { return nil }
          let work = Unmanaged<Work>.fromOpaque(raw).takeRetainedValue()
          work.body()
          return nil
        }, work.toOpaque())
      if status != 0 {
        // No thread: run here instead, with the depth limits as the only guard.
        work.release()
        escapable()
        return
      }
      pthread_join(thread, nil)
    }
  }
}
