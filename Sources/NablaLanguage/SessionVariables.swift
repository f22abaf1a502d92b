import Synchronization

/// The session's variables by name.
///
/// Each name keeps one slot for the life of the table (deleting a variable empties its slot), so
/// an identifier finds its slot once and afterwards reads and writes it by position: a name is
/// hashed when a statement first runs, not every time a loop runs it. What an identifier
/// remembers is a `NameHint`, checked against the name before use, so a stale hint (from another
/// session, or from before a snapshot was restored) costs one lookup by name and is never wrong.
public struct SessionVariables: Sequence, ExpressibleByDictionaryLiteral {
  private var slotByName: [String: Int] = [:]
  private var names: [String] = []
  private var slots: [Value?] = []
  public private(set) var count = 0
  /// Changes whenever a name gets a slot, to a value no other table has had: a hint that a name
  /// had no slot at this generation still holds (tables copied from one share its names).
  private var generation = SessionVariables.nextGeneration()

  private static let generations = Atomic<Int>(0)
  private static func nextGeneration() -> Int { generations.wrappingAdd(1, ordering: .relaxed).newValue }

  public init() {}

  public init(dictionaryLiteral elements: (String, Value)...) {
    for (name, value) in elements { self[name] = value }
  }

  public var isEmpty: Bool { count == 0 }

  /// The names that hold a value, in the order they were first bound.
  public var keys: [String] { names.indices.compactMap { slots[$0] == nil ? nil : names[$0] } }

  public var values: [Value] { slots.compactMap { $0 } }

  public subscript(name: String) -> Value? {
    get { slotByName[name].flatMap { slots[$0] } }
    set {
      if let newValue { updateValue(newValue, forKey: name) } else { removeValue(forKey: name) }
    }
  }

  /// Binds `name`, handing back what it held.
  @discardableResult
  public mutating func updateValue(_ value: Value, forKey name: String) -> Value? {
    updateValue(value, forKey: name, hint: nil)
  }

  /// Binds `name` at the slot `hint` remembers when it is this name's, and remembers the slot.
  @discardableResult
  mutating func updateValue(_ value: Value, forKey name: String, hint: NameHint?) -> Value? {
    let slot: Int
    if let hint, let known = checkedSlot(name, hint.slot) {
      slot = known
    } else if let known = slotByName[name] {
      slot = known
    } else {
      slot = names.count
      names.append(name)
      slots.append(nil)
      slotByName[name] = slot
      generation = SessionVariables.nextGeneration()
    }
    hint?.slot = slot
    // Swapped in, so the old value is moved out rather than copied and then released.
    var old: Value? = value
    swap(&old, &slots[slot])
    if old == nil { count += 1 }
    return old
  }

  @discardableResult
  public mutating func removeValue(forKey name: String) -> Value? {
    guard let slot = slotByName[name], let old = slots[slot] else { return nil }
    slots[slot] = nil
    count -= 1
    return old
  }

  /// What `name` holds, found through `hint` when it can be (and the hint brought up to date).
  /// Mutating though it changes nothing: called on the interpreter's stored table, a read-only
  /// call copied the whole table first (a retain and release of each of its arrays) at every
  /// identifier, where an in-place access copies nothing.
  mutating func value(of name: String, hint: NameHint) -> Value? {
    if let slot = checkedSlot(name, hint.slot) { return slots[slot] }
    // Known to have no slot in a table with these names: no lookup by name.
    if hint.absentAt == generation { return nil }
    guard let slot = slotByName[name] else {
      hint.absentAt = generation
      return nil
    }
    hint.slot = slot
    return slots[slot]
  }

  /// `slot` when it is `name`'s slot in this table.
  @inline(__always)
  private func checkedSlot(_ name: String, _ slot: Int) -> Int? {
    slot >= 0 && slot < names.count && names[slot] == name ? slot : nil
  }

  public func compactMapValues<T>(_ transform: (Value) throws -> T?) rethrows -> [String: T] {
    var result: [String: T] = [:]
    for (name, value) in self {
      if let t = try transform(value) { result[name] = t }
    }
    return result
  }

  public func makeIterator() -> AnyIterator<(name: String, value: Value)> {
    var index = 0
    return AnyIterator {
      while index < names.count {
        defer { index += 1 }
        if let value = slots[index] { return (names[index], value) }
      }
      return nil
    }
  }
}

/// Where an identifier (or an assignment's target) found its name the last time it ran: a
/// session variable's slot, the absence of one, or a builtin's place in the registry. Only a
/// hint: each use checks it against the name.
final class NameHint: @unchecked Sendable {
  var slot = -1
  /// The `SessionVariables` generation at which the name had no slot.
  var absentAt = -1
  var builtin = -1
}
