import Foundation
import Testing

@testable import NablaSession

@Suite("README reference")
struct ReferenceDocumentTests {
  static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("README.md")

  @Test("README's reference section is the one the registry generates (run `make reference`)")
  func readmeMatchesRegistry() throws {
    let text = try String(contentsOf: Self.readme, encoding: .utf8)
    #expect(text.contains(ReferenceDocument.markdown()))
  }

  @Test("every builtin has a doc line and an example that runs")
  func examplesRun() throws {
    var failures: [String] = []
    let session = Session(write: { channel, text in
      if channel == .diagnostics, text.hasPrefix("error") { failures.append(text) }
    })
    session.run("x = [1, 2, 0.5]")
    for b in session.interpreter.registry.ordered {
      #expect(!b.doc.isEmpty, "\(b.name) has no doc line")
      let before = failures.count
      session.run(b.example)
      #expect(failures.count == before, "example of \(b.name) failed: \(b.example) → \(failures.last ?? "")")
    }
  }
}
