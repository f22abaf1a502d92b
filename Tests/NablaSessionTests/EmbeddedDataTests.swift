import Foundation
import Testing

@testable import NablaSession

/// The data compiled into the binary is the data file the repository ships.
@Suite("Embedded data")
struct EmbeddedDataTests {
  @Test("the embedded digits are byte for byte Data/digits.csv.gz")
  func digitsMatchTheDataFile() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let file = try Data(contentsOf: root.appendingPathComponent("Data/digits.csv.gz"))
    let embedded = Datasets.base64(Datasets.digitsGzipBase64)
    #expect(embedded.count == 57_523)
    #expect(embedded == [UInt8](file))
  }
}
