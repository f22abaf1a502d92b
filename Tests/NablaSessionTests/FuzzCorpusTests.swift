import Foundation
import NablaTensor
import Testing

@testable import NablaSession

/// The fuzz target's corpus (Fuzz/corpus), replayed the way the fuzz target runs an input: a
/// fresh session under `ResourceLimits.untrusted`. Inputs libFuzzer found interesting stay
/// here as regression tests; any trap would end the test process.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/corpus")

  static var files: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
  }

  @Test("the corpus is there")
  func corpusExists() {
    #expect(Self.files.count >= 40)
  }

  @Test("every corpus input runs to an end under the limits, and the session still works")
  func replay() throws {
    for name in Self.files {
      let data = try Data(contentsOf: Self.corpus.appendingPathComponent(name))
      let session = Session(write: { _, _ in })
      // No corpus input names the sentinel, so none may change it.
      session.run("keep_sentinel = [7, 8, 9]")
      session.limits = .untrusted
      let input = String(decoding: data, as: UTF8.self)
      session.run(input)
      session.limits = nil
      #expect(session.run("1 + 1") == .ok, "after \(name)")
      // :reset and :del remove variables on purpose.
      if input.contains(":reset") || input.contains(":del") { continue }
      guard case .tensor(let keep)? = session.interpreter.globals["keep_sentinel"] else {
        Issue.record("the sentinel was lost after \(name)")
        continue
      }
      #expect(keep.value.data == [7, 8, 9], "after \(name)")
    }
  }

  @Test("the limits stop a runaway loop and a huge result with errors, and only in that session")
  func limitsStopRunawayInput() {
    var errors: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { errors.append(text) } })
    session.limits = .untrusted
    #expect(session.run("n = 0; for i in range(1000000) { n += 1 }") == .failed)
    #expect(errors.joined().contains("interrupted"))
    guard case .tensor(let n)? = session.interpreter.globals["n"] else {
      Issue.record("n was lost")
      return
    }
    // The loop stopped at the step budget, keeping what it had done.
    let count = n.value.scalarValue ?? -1
    #expect(count > 0 && count <= Double(ResourceLimits.untrusted.maximumSteps))
    errors = []
    #expect(session.run("z = zeros(300, 300)") == .failed)
    #expect(errors.joined().contains("more than 65536 elements"))
    // A range literal is refused before its values are made.
    errors = []
    #expect(session.run("r = 88..8888884") == .failed)
    #expect(errors.joined().contains("88..8888884: the result would have shape [8888796], more than 65536 elements"))
    // The limit belongs to that session's runs: another session, and this one without limits, may.
    #expect(Session(write: { _, _ in }).run("z = zeros(300, 300);") == .ok)
    session.limits = nil
    #expect(session.run("z = zeros(300, 300);") == .ok)
    #expect(ElementLimit.current == ElementLimit.standard)
  }
}
