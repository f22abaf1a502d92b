import CReadline
import NablaLanguage
import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// The interactive loop on GNU readline: editing, a history file, tab completion of builtins,
/// variables and commands, continuation lines while a statement is incomplete, Ctrl-C to
/// abandon a line, Ctrl-D to leave.
final class LineEditor {
  let session: Session
  let historyPath: String?
  /// Whether the prompt is colored (read by the Ctrl-C hook, which cannot see the session).
  nonisolated(unsafe) static var promptColor = false
  /// Set when Ctrl-C ended the line being read.
  nonisolated(unsafe) static var interrupted = false

  init(session: Session) {
    self.session = session
    historyPath = getenv("HOME").map { String(cString: $0) + "/.nabla_history" }
  }

  func loop() {
    LineEditor.promptColor = session.options.color
    configureReadline()
    print("nabla — tensor calculus. :help lists builtins, :quit (or Ctrl-D) leaves.")
    var buffer = ""
    while !session.wantsQuit {
      let prompt = LineEditor.prompt(continuing: !buffer.isEmpty, color: session.options.color)
      LineEditor.interrupted = false
      guard let raw = readline(prompt) else {
        print("")
        // Ctrl-D with an entry unfinished abandons the entry; at an empty prompt it quits.
        if !buffer.isEmpty {
          buffer = ""
          continue
        }
        break
      }
      let line = String(cString: raw)
      free(raw)
      _ = Terminal.takeInterrupt()
      // Ctrl-C abandoned the entry (continuation lines included, as in IPython and Julia):
      // this line starts a new one.
      if LineEditor.interrupted { buffer = "" }
      if buffer.isEmpty {
        if line.trimmingCharactersIsEmpty { continue }
        buffer = line
      } else {
        buffer += "\n" + line
      }
      if session.isIncomplete(buffer) && !line.trimmingCharactersIsEmpty { continue }
      add_history(buffer)
      if let historyPath { LineEditor.appendToHistoryFile(buffer, historyPath) }
      // Each entry is numbered from its own first line, as the user typed it.
      session.run(buffer, firstLine: 1)
      buffer = ""
    }
    if let historyPath { _ = history_truncate_file(historyPath, 2000) }
  }

  /// `nabla> ` (bold blue on a terminal with color) or the continuation `   ... ` (dim); the
  /// color codes are wrapped in \001 \002 so readline does not count them as columns.
  static func prompt(continuing: Bool, color: Bool) -> String {
    let text = continuing ? "   ... " : "nabla> "
    guard color else { return text }
    let code = continuing ? "2" : "1;34"
    return "\u{01}\u{1B}[\(code)m\u{02}" + text.dropLast() + "\u{01}\u{1B}[0m\u{02} "
  }

  /// A multi-line entry (a block) is one line of the history file, its line ends stored as
  /// U+001F, so Up after a restart recalls the whole block, not its last line.
  static let lineEndInFile = "\u{1F}"

  static func fromHistoryFile(_ line: String) -> String {
    line.split(separator: Character(lineEndInFile), omittingEmptySubsequences: false).joined(separator: "\n")
  }

  static func appendToHistoryFile(_ entry: String, _ path: String) {
    guard let file = fopen(path, "a") else { return }
    defer { fclose(file) }
    let line = entry.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: lineEndInFile)
    fputs(line + "\n", file)
  }

  func configureReadline() {
    if let historyPath, let text = TextFile.read(historyPath) {
      for line in text.split(separator: "\n") { add_history(LineEditor.fromHistoryFile(String(line))) }
    }
    rl_readline_name = UnsafePointer(strdup("nabla"))
    rl_completer_word_break_characters = UnsafePointer(LineEditor.wordBreaks)
    // A file name (in a string, after :load or :save) is one word up to a space or a quote,
    // dashes and dots included.
    rl_completion_word_break_hook = {
      guard let buffer = rl_line_buffer else { return nil }
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: Int(rl_point))
      let before = String(decoding: bytes, as: UTF8.self)
      guard Session.completesFileName(before) else { return nil }
      return LineEditor.fileWordBreaks
    }
    LineEditor.current = session
    rl_attempted_completion_function = { text, start, _ in
      rl_attempted_completion_over = 1
      guard let session = LineEditor.current, let buffer = rl_line_buffer else { return nil }
      // `start` counts bytes of the line; the part before the word decides what fits.
      let bytes = UnsafeBufferPointer(
        start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: Int(start))
      let before = String(decoding: bytes, as: UTF8.self)
      let word = text.map { String(cString: $0) } ?? ""
      switch session.completion(before: before, word: word) {
      case .files:
        return rl_completion_matches(text, rl_filename_completion_function)
      case .signature(let signature):
        rl_crlf()
        print(signature)
        fflush(nil)
        rl_on_new_line()
        return nil
      case .words(let words):
        LineEditor.matches = words
        LineEditor.matchIndex = 0
        // A symbol (\alpha → α) or a named argument (axis:) goes on without a space.
        if words.count == 1, let only = words.first, !only.unicodeScalars.allSatisfy(\.isASCII) || only.hasSuffix(":") {
          rl_completion_append_character = only.hasSuffix(":") ? 32 : 0
        }
        return rl_completion_matches(text) { _, state in LineEditor.nextMatch(state) }
      }
    }
    // Ctrl-C abandons the entry, as bash abandons a line: a fresh `nabla>` prompt on the next
    // line, and the loop drops what the entry had so far, continuation lines included.
    rl_signal_event_hook = {
      if Terminal.takeInterrupt() {
        LineEditor.interrupted = true
        rl_crlf()
        rl_replace_line("", 0)
        rl_set_prompt(LineEditor.prompt(continuing: false, color: LineEditor.promptColor))
        rl_on_new_line()
        rl_redisplay()
      }
      return 0
    }
  }

  nonisolated(unsafe) static var matches: [String] = []
  nonisolated(unsafe) static var matchIndex = 0
  /// The session completion reads names from (readline's callbacks are C functions).
  nonisolated(unsafe) static var current: Session?
  /// Kept alive for readline, which holds on to the pointers.
  nonisolated(unsafe) static let wordBreaks = strdup(Completion.wordBreaks)
  nonisolated(unsafe) static let fileWordBreaks = strdup(" \t\n\"'")

  /// The next of the matches found for this Tab, as readline asks for them one by one.
  static func nextMatch(_ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state == 0 { matchIndex = 0 }
    guard matchIndex < matches.count else { return nil }
    defer { matchIndex += 1 }
    return strdup(matches[matchIndex])
  }
}
