import Foundation
import Testing

@testable import NablaTensor

/// Files NumPy wrote (Fixtures/make_npy_fixtures.py): every dtype and order nabla must read.
@Suite("NumPy files")
struct NumpyFixtureTests {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  static let expected = Tensor(uncheckedShape: [2, 3], data: [0, 1, 2, 3, 4, 5])

  @Test(
    "arrays of each dtype and order load as Double",
    arguments: [
      "f8", "f4", "i8", "i4", "i2", "u1", "b1", "f8_fortran", "f8_bigendian",
    ])
  func npy(_ name: String) throws {
    let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).npy")))
    let t = try NumpyFormat.decodeArray(bytes)
    if name == "b1" {
      #expect(t.shape == [2, 3] && t.data == [0, 1, 1, 1, 1, 1])
    } else {
      #expect(t == Self.expected)
    }
  }

  @Test("savez and savez_compressed archives load in order")
  func npz() throws {
    for name in ["plain.npz", "compressed.npz"] {
      let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(name)))
      let members = try NumpyFormat.decodeArchive(bytes)
      #expect(members.map(\.name) == ["w", "b"])
      #expect(members[0].tensor == Self.expected)
      #expect(members[1].tensor == Tensor(vector: [0.5, -1.5]))
    }
  }
}
