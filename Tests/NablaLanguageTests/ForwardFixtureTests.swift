import Foundation
import NablaTensor
import Testing

@testable import NablaLanguage

/// Forward values against NumPy: `Fixtures/make_forward_fixtures.py` wrote `forward.json`;
/// `make_nn_fixtures.py` wrote `nn.json` (convolution, pooling, batch norm and losses as direct
/// loops, not the algorithm nabla uses).
@Suite("Forward values against NumPy fixtures")
struct ForwardFixtureTests {
  struct Fixture: CustomTestStringConvertible, Sendable {
    let expr: String
    let shape: [Int]
    let data: [Double]
    var testDescription: String { expr }
  }

  static let fixtures: [Fixture] = load("forward") + load("nn") + load("special")

  static func load(_ name: String) -> [Fixture] {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
      let bytes = try? Data(contentsOf: url),
      let items = try? JSONSerialization.jsonObject(with: bytes) as? [[String: Any]]
    else { return [] }
    return items.compactMap { item in
      guard let expr = item["expr"] as? String, let shape = item["shape"] as? [Int], let raw = item["data"] as? [Any]
      else {
        return nil
      }
      let data = raw.map { v -> Double in
        switch v {
        case let d as Double: return d
        case let s as String: return s == "inf" ? .infinity : s == "-inf" ? -.infinity : .nan
        default: return .nan
        }
      }
      return Fixture(expr: expr, shape: shape, data: data)
    }
  }

  @Test("the fixture file loads")
  func loads() {
    #expect(Self.load("forward").count > 200)
    #expect(Self.load("nn").count > 80)
    #expect(Self.load("special").count == 107)
  }

  @Test("nabla matches NumPy", arguments: fixtures)
  func matches(_ f: Fixture) throws {
    let interpreter = Interpreter()
    let statements = try Parser.parse(f.expr)
    var last: Value? = nil
    for s in statements { last = try interpreter.run(s, in: SourceText(f.expr)).value }
    guard case .tensor(let v)? = last else {
      Issue.record("\(f.expr) gave no tensor")
      return
    }
    #expect(v.shape == f.shape, "\(f.expr): shape")
    try #require(
      v.value.data.count == f.data.count, "\(f.expr): \(v.value.data.count) values, NumPy has \(f.data.count)")
    for (a, b) in zip(v.value.data, f.data) {
      let same = (a.isNaN && b.isNaN) || a == b || abs(a - b) <= 1e-12 * max(1, abs(b))
      #expect(same, "\(f.expr): \(a) vs NumPy \(b)")
    }
  }
}
