#if canImport(Glibc)
  import Glibc
#endif

/// The most elements one result may have, per thread: past it an operation is an error naming
/// the shape, not an allocation failure that ends the process.
///
/// Per thread so that a session under resource limits (the fuzz target, its corpus replayed in
/// the tests) can lower it without lowering it for a session evaluating beside it.
public enum ElementLimit {
  /// 2^28 Doubles, 2 GiB.
  public static let standard = 1 << 28

  private static let key: pthread_key_t? = {
    var key = pthread_key_t()
    return pthread_key_create(&key, nil) == 0 ? key : nil
  }()

  /// The limit on the calling thread.
  public static var current: Int {
    guard let key, let raw = pthread_getspecific(key) else { return standard }
    return Int(bitPattern: raw)
  }

  /// Runs `body` with the calling thread's limit set to `limit` (at least 1), then restores it.
  public static func with<T>(_ limit: Int, _ body: () throws -> T) rethrows -> T {
    guard let key else { return try body() }
    let saved = pthread_getspecific(key)
    pthread_setspecific(key, UnsafeRawPointer(bitPattern: max(1, min(limit, standard))))
    defer { pthread_setspecific(key, saved) }
    return try body()
  }
}
