import Foundation

/// A fresh directory under the system's temporary directory for the files one test writes,
/// removed with everything in it when the test ends. Held by a suite (Swift Testing makes one
/// suite instance per test), it goes when that test's instance does, so `make test` leaves
/// nothing behind in /tmp.
public final class ScratchDirectory: Sendable {
  public let url: URL

  public init(_ label: String = "nabla-test") {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// The path of `name` inside the directory.
  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  deinit { try? FileManager.default.removeItem(at: url) }
}
