import Synchronization

/// The last few values made for a key, kept so the next request for the same key reuses one:
/// for things a training step asks for again at every step (a convolution's lowering plan, the
/// primitive of a leaky ReLU's slope) and that cost more to make than to look up among a few.
public final class RecentlyMade<Key: Equatable & Sendable, Value: Sendable>: Sendable {
  private let capacity: Int
  private let entries = Mutex<[(key: Key, value: Value)]>([])

  /// Keeps at most `capacity` values, the most recently made first.
  public init(capacity: Int) { self.capacity = capacity }

  /// The value kept for `key`, or `make()`'s, which is then kept (the oldest one going).
  public func value(for key: Key, make: () -> Value) -> Value {
    entries.withLock { entries in
      if let found = entries.first(where: { $0.key == key }) { return found.value }
      let made = make()
      entries.insert((key, made), at: 0)
      if entries.count > capacity { entries.removeLast() }
      return made
    }
  }
}
