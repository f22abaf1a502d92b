import NablaTensor
import Testing

@testable import NablaSession

@Suite("Formatting")
struct FormattingTests {
  let formatter = TensorFormatter(precision: 4)

  @Test(
    "scalars bare, vectors on one line, integers without decimals",
    arguments: [
      (Tensor(scalar: 0.41702), "0.4170"), (Tensor(scalar: 3), "3"),
      (Tensor(vector: [0.2312, 0.6285, 0.1402]), "[0.2312  0.6285  0.1402]"),
      (Tensor(vector: [1, 0, 0]), "[1  0  0]"), (Tensor(vector: [-1, 2.5]), "[-1.0000   2.5000]"),
      (Tensor(vector: [.infinity, -.infinity, .nan]), "[ inf  -inf   nan]"),
      (Tensor(vector: [1e-17, -3e-18]), "[ 1.0000e-17  -3.0000e-18]"), (Tensor(scalar: 1e-15), "1.0000e-15"),
      (Tensor(vector: [1e-15, 1]), "[0  1]"),
    ])
  func plain(t: Tensor, expected: String) {
    #expect(formatter.format(t) == expected)
  }

  @Test("round-off prints as 0 relative to the entries or to a subtraction's operands, not below a fixed size")
  func roundOffRelative() {
    // Relative to operands of size 0.2, 1e-17 is round-off.
    #expect(formatter.format(Tensor(vector: [1e-17, -3e-18]), scale: 0.2) == "[0  0]")
    var lines: [String] = []
    let s = Session(write: { _, text in lines.append(text) })
    for statement in [
      "x = [1, 2, 0.5]; p = softmax(x)", "jacobian(p, x) - (diag(p) - outer(p, p))",
      "max(abs(jacobian(p, x) - (diag(p) - outer(p, p))))", "[1, 2] * 1e-15", "1e-15", "0.1 + 0.2 - 0.3",
      "e = 1e-20 * x; e - 0",
    ] {
      s.run(statement)
    }
    #expect(
      lines == [
        "[3, 3]\n0  0  0\n0  0  0\n0  0  0", "0", "[1.0000e-15  2.0000e-15]", "1.0000e-15", "5.5511e-17",
        "[1.0000e-20  2.0000e-20  5.0000e-21]",
      ], "\(lines)")
  }

  @Test("rank 2 under a shape header with aligned columns")
  func matrix() {
    let t = Tensor(uncheckedShape: [2, 3], data: [1, -2.5, 3, 40, 5, 6])
    #expect(formatter.format(t) == "[2, 3]\n 1.0000  -2.5000   3.0000\n40.0000   5.0000   6.0000")
  }

  @Test("magnitudes that need it switch the whole tensor to scientific notation")
  func scientific() {
    #expect(formatter.format(Tensor(vector: [1e9, 1.5])) == "[1.0000e+09  1.5000e+00]")
    // Whole numbers stay exact however large (a parameter count must read as one).
    #expect(formatter.format(Tensor(scalar: 805_371_904)) == "805371904")
    #expect(formatter.format(Tensor(vector: [1e-6, 0.5])) == "[1.0000e-06  5.0000e-01]")
    // NumPy's rule: also when the magnitudes are more than 1000 apart, or one is below 1e-4.
    #expect(formatter.format(Tensor(vector: [0.5, 2000])) == "[5.0000e-01  2.0000e+03]")
    #expect(formatter.format(Tensor(vector: [1.5, 1500])) == "[   1.5000  1500.0000]")
    #expect(formatter.format(Tensor(vector: [0.00012, 0.5])) == "[1.2000e-04  5.0000e-01]")
    #expect(formatter.format(Tensor(vector: [0.001, 0.5])) == "[0.0010  0.5000]")
  }

  @Test("large tensors are elided with the first and last three entries per axis")
  func elision() {
    let v = Tensor(vector: (0..<2000).map(Double.init))
    #expect(formatter.format(v) == "[   0     1     2     …  1997  1998  1999]")
    let m = Tensor(uncheckedShape: [100, 100], data: (0..<10000).map { Double($0 % 7) })
    let lines = formatter.format(m).split(separator: "\n")
    #expect(lines.first == "[100, 100]")
    #expect(lines.count == 1 + 7)
    #expect(lines[4].contains("⋮"))
  }

  @Test("JSON keeps round-trip Doubles and encodes non-finite numbers as strings")
  func json() {
    #expect(
      JSONOutput.tensor(Tensor(vector: [0.09003057317038046, 1]))
        == "{\"shape\": [2], \"data\": [0.09003057317038046, 1.0]}")
    #expect(JSONOutput.tensor(Tensor(scalar: .infinity)) == "{\"shape\": [], \"data\": [\"inf\"]}")
    #expect(JSONOutput.string("a\"b\n") == "\"a\\\"b\\n\"")
  }

  @Test("the Jacobian table labels rows and columns by index")
  func jacobianTable() {
    let j = Tensor(uncheckedShape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8])
    let text = JacobianTable(output: "y", input: "W", outputShape: [2], inputShape: [2, 2], jacobian: j, precision: 4)
      .render()
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines[0] == "∂y/∂W")
    #expect(lines[1].split(separator: " ") == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"])
    #expect(lines[2].split(separator: " ") == ["y[0]", "1", "2", "3", "4"])
    #expect(lines[3].split(separator: " ") == ["y[1]", "5", "6", "7", "8"])
  }
}

@Suite("image")
struct ImageTests {
  @Test("pixels scale between the smallest and largest value, two characters each")
  func shades() {
    // 0 → lightest, 4 → densest, 1 and 2 between; a constant image is all lightest.
    let t = Tensor(uncheckedShape: [2, 2], data: [0, 1, 2, 4])
    #expect(GrayscaleImage(ascii: false).render(t) == ["  ░░", "▒▒██"])
    #expect(GrayscaleImage(ascii: true).render(t) == ["  ..", "::##"])
    #expect(GrayscaleImage(ascii: false).render(Tensor(repeating: 3, shape: [1, 2])) == ["    "])
    // Planes side by side, two spaces apart.
    let planes = Tensor(uncheckedShape: [2, 1, 2], data: [0, 4, 4, 0])
    #expect(GrayscaleImage(ascii: false).render(planes) == ["  ██  ██  "])
  }

  @Test("image of a wrong shape is an error naming it")
  func wrongShape() {
    var errors: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { errors.append(text) } })
    #expect(session.run("image([1, 2, 3])") != .ok)
    #expect(errors.contains { $0.contains("draws a matrix [H, W] or planes [C, H, W], not shape [3]") })
  }
}
