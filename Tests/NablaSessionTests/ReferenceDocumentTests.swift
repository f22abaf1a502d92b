import Foundation
import Testing

@testable import NablaSession

@Suite("README reference")
struct ReferenceDocumentTests {
  static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("README.md")

  static let language = readme.deletingLastPathComponent().appendingPathComponent("docs/language.md")

  @Test("README's and docs/language.md's reference sections are the one the registry generates (run `make reference`)")
  func readmeMatchesRegistry() throws {
    for file in [Self.readme, Self.language] {
      let text = try String(contentsOf: file, encoding: .utf8)
      #expect(text.contains(ReferenceDocument.markdown()), "\(file.lastPathComponent)")
    }
  }

  @Test("README links nothing outside the repository")
  func readmeLinksStayInside() throws {
    let text = try String(contentsOf: Self.readme, encoding: .utf8)
    #expect(!text.contains("](../") && !text.contains("../shared"))
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
