#if canImport(Glibc)
  import Glibc
#endif

/// The terminal in raw mode (one key at a time, no echo) while presenting; plain reads when
/// input is piped (the tests drive a presentation with piped keys).
struct RawTerminal {
  var saved = termios()
  var active = false

  /// Ctrl-C as a key: read while raw (signals stay on, so Ctrl-C during a statement stops it).
  static let interrupt: Character = "\u{03}"

  init(enabled: Bool) {
    guard enabled, tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
    withUnsafeMutableBytes(of: &raw.c_cc) { cc in
      cc[Int(VMIN)] = 1
      cc[Int(VTIME)] = 0
    }
    active = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0
  }

  mutating func restore() {
    if active {
      tcsetattr(STDIN_FILENO, TCSANOW, &saved)
      active = false
    }
  }

  /// The next byte, `interrupt` after Ctrl-C, or nil at the end of input.
  func readByte() -> UInt8? {
    var byte: UInt8 = 0
    while true {
      let n = read(STDIN_FILENO, &byte, 1)
      if n == 1 { return byte }
      if n == 0 { return nil }
      guard errno == EINTR else { return nil }
      if Terminal.takeInterrupt() { return 3 }
    }
  }

  /// The next key (an ASCII byte; other bytes come through as they are), or nil at the end.
  func readKey() -> Character? {
    readByte().map { Character(Unicode.Scalar($0)) }
  }

  /// A line typed in cooked mode (or piped), without its newline: nil at the end of input or
  /// on Ctrl-C. Read a byte at a time, so piped keys after it stay unread.
  func readLine() -> String? {
    var bytes: [UInt8] = []
    while let byte = readByte() {
      if byte == 3 { return nil }
      if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
      bytes.append(byte)
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
  }
}
