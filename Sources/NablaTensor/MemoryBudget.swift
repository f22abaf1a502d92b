import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Whether the machine can give an allocation before it is made: Swift ends the process when an
/// allocation fails, so every size that input decides is checked against the memory available
/// (and against a cap, for the tests and the fuzz target) and refused with an error instead.
public enum MemoryBudget {
  /// Below this an allocation is not checked (it cannot be what exhausts the machine).
  public static let unchecked = 16 << 20

  /// A cap on the process's resident memory in bytes (0: none, only the machine's).
  static let capBytes = Atomic<Int>(0)

  /// Caps the process at `bytes` of resident memory (nil removes the cap).
  public static func setCap(_ bytes: Int?) { capBytes.store(bytes ?? 0, ordering: .relaxed) }

  /// Bytes that can still be allocated: the kernel's estimate of available memory, less what a
  /// cap leaves, with a margin for everything else the process needs.
  public static var available: Int {
    var free = availableMemory() ?? Int.max
    let cap = capBytes.load(ordering: .relaxed)
    if cap > 0 { free = Swift.min(free, Swift.max(cap - residentBytes(), 0)) }
    return free == Int.max ? free : free / 10 * 9
  }

  /// Nil when `bytes` can be allocated, else why not ("needs 2.0 GiB, 1.1 GiB is available").
  public static func shortfall(_ bytes: Int) -> String? {
    guard bytes >= unchecked else { return nil }
    let free = available
    guard bytes > free else { return nil }
    return "needs \(describe(bytes)) of memory, and \(describe(free)) is available"
  }

  /// `2G`, `512M`, `100K` or a number of bytes (NABLA_MEMORY_LIMIT).
  public static func parse(_ text: String) -> Int? {
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    guard let last = text.uppercased().last else { return nil }
    if let unit = units[last] {
      return Int(text.dropLast()).flatMap { $0 > 0 && $0 <= Int.max / unit ? $0 * unit : nil }
    }
    return Int(text).flatMap { $0 > 0 ? $0 : nil }
  }

  /// "2.0 GiB", "512 MiB".
  public static func describe(_ bytes: Int) -> String {
    let gib = Double(bytes) / Double(1 << 30)
    if gib >= 1 { return "\((gib * 10).rounded() / 10) GiB" }
    return "\(bytes >> 20) MiB"
  }

  /// MemAvailable from /proc/meminfo, in bytes.
  static func availableMemory() -> Int? {
    guard let file = fopen("/proc/meminfo", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      guard text.hasPrefix("MemAvailable:") else { continue }
      let kib = text.split(separator: " ").dropFirst().first.flatMap { Int($0) }
      return kib.map { $0 * 1024 }
    }
    return nil
  }

  /// The process's resident memory, from /proc/self/statm.
  static func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 128)
    guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  }
}

/// An allocation the machine cannot give.
public struct MemoryError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
