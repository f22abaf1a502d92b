import Synchronization

/// Ctrl-C, seen from inside one long operation (a matrix product of 8000², `arange` of 10⁸, a
/// large file being read): the signal handler records the request, long kernels look at it
/// between chunks and stop with `InterruptedError`, and the statement ends with nothing
/// half-assigned.
public enum Interruption {
  static let flag = Atomic<Bool>(false)
  /// Above zero while work must not stop part way (a training step): requests wait for it.
  static let suspended = Atomic<Int>(0)

  /// Records a request; safe to call from a signal handler.
  public static func request() { flag.store(true, ordering: .relaxed) }

  /// Whether a request is waiting (without taking it): kernels that cannot throw stop early
  /// on it, and their callers then `checkpoint()`.
  public static var isPending: Bool { flag.load(ordering: .relaxed) && suspended.load(ordering: .relaxed) == 0 }

  /// Runs `body` with requests left waiting, so it finishes whole (a training step: its
  /// caller looks at the request between steps).
  public static func suspending<T>(_ body: () throws -> T) rethrows -> T {
    suspended.add(1, ordering: .relaxed)
    defer { suspended.subtract(1, ordering: .relaxed) }
    return try body()
  }

  /// True once per request: takes it.
  public static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }

  /// Throws `InterruptedError` (taking the request) when one is waiting.
  public static func checkpoint() throws {
    if isPending && take() { throw InterruptedError() }
  }
}

/// A statement stopped by Ctrl-C inside an operation.
public struct InterruptedError: Error, CustomStringConvertible {
  public init() {}
  public var description: String { "interrupted" }
}
