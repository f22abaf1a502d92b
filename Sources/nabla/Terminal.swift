import NablaSession
import NablaTensor

#if canImport(Glibc)
  import Glibc
#endif

/// Facts about and writes to the terminal.
enum Terminal {
  static func write(_ channel: OutputChannel, _ text: String) {
    switch channel {
    case .values:
      print(text)
    case .diagnostics:
      fflush(nil)
      // fwrite, not fputs: a NUL in a message must not end it.
      let bytes = Array((text + "\n").utf8)
      _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, stderr) }
    }
  }

  /// Ctrl-C sets a flag instead of ending the process. Without SA_RESTART, so a read waiting
  /// at the prompt is interrupted and readline's signal hook can clear the line.
  static func installInterruptHandler() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Interruption.request() }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    // A parent may have started us with SIGINT blocked (seen under tmux servers started from
    // test runners); Ctrl-C must work regardless.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
  }

  /// True once after each Ctrl-C.
  static func takeInterrupt() -> Bool { Interruption.take() }

  /// NABLA_ASCII=1, or a locale that is not UTF-8, asks for plain ASCII plots.
  static var prefersASCII: Bool {
    if let v = getenv("NABLA_ASCII"), String(cString: v) != "0" { return true }
    for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
      if let v = getenv(name), !String(cString: v).isEmpty {
        // Bytes, not String.contains: that one loads the string-processing library's generic
        // search at start-up (a third of a millisecond).
        let locale = Array(String(cString: v).lowercased().utf8)
        let found = [Array("utf-8".utf8), Array("utf8".utf8)].contains { word in
          locale.count >= word.count
            && (0...(locale.count - word.count)).contains { locale[$0..<($0 + word.count)].elementsEqual(word) }
        }
        return !found
      }
    }
    return false
  }

  /// Columns of the terminal on stdout (read again each time, so a resize is seen), or 80.
  static var width: Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
  }

  /// Rows of the terminal on stdout, or 24.
  static var height: Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
    return 24
  }
}
