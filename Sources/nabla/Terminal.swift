import NablaSession
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Set by SIGINT (Ctrl-C); long loops check it at safe points.
let interruptFlag = Atomic<Bool>(false)

/// Facts about and writes to the terminal.
enum Terminal {
  static func write(_ channel: OutputChannel, _ text: String) {
    switch channel {
    case .values:
      print(text)
    case .diagnostics:
      fflush(nil)
      fputs(text + "\n", stderr)
    }
  }

  /// Ctrl-C sets a flag instead of ending the process.
  static func installInterruptHandler() {
    signal(SIGINT) { _ in interruptFlag.store(true, ordering: .relaxed) }
  }

  /// True once after each Ctrl-C.
  static func takeInterrupt() -> Bool {
    interruptFlag.exchange(false, ordering: .relaxed)
  }

  static var width: Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
  }
}
