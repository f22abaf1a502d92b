import NablaTensor
import Testing

@testable import NablaLanguage
@testable import NablaSession

/// Random token soups through the whole pipeline (lexer, parser, interpreter, formatter): any
/// trap would end the test process, so passing means no input among these crashed, and every
/// variable defined beforehand is still there.
@Suite("Random input never crashes")
struct RandomInputTests {
  static let vocabulary = [
    "x", "W", "f", "g", "e", "p", "sum", "softmax", "grad", "jacobian", "reshape", "zeros", "ones", "eye", "onehot",
    "transpose", "concat", "stack", "max", "argmax", "prod", "norm", "inv", "det", "diag", "range", "arange", "detach",
    "derive", "hessian", "einsum", "solve", "svd", "eigh", "qr", "cumprod", "sort", "where", "tile", "pad", "\"ij,jk\"",
    "%", "//", "x[0] =",
    "0", "1", "-1", "2", "3", "0.5", "1e308", "1e-320", "nan", "inf", "pi", "true", "\"s\"", "+", "-", "*", "/", "@",
    "^",
    "**", "'", ".T", ".shape", "==", "<", "=", "+=", "-=", "(", ")", "[", "]", "{", "}", ",", ";", ":", "::", "..",
    "\n",
    "if", "else", "for", "in", "axis:", "keepdims:", "#", "α", "[1, 2; 3, 4]", "[[1, 2], [3, 4]]",
  ]

  @Test("3000 random statements", arguments: [1, 2, 3])
  func randomStatements(seed: UInt64) {
    var r = RandomSource(seed: seed)
    var diagnostics: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { diagnostics.append(text) } })
    // No word of the vocabulary names the sentinel, so no program may change it.
    session.run(
      "keep_sentinel = [7, 8, 9]; x = [1, 2, 0.5]; W = ones(3, 3); f(v) = sum(v^2); e = sum(softmax(x)); p = softmax(x)"
    )
    var failures = 0
    for _ in 0..<1000 {
      let length = 1 + Int(r.next() % 12)
      let program = (0..<length).map { _ in Self.vocabulary[Int(r.next() % UInt64(Self.vocabulary.count))] }
        .joined(separator: " ")
      diagnostics = []
      if session.run(program) != .ok {
        failures += 1
        #expect(diagnostics.contains { $0.hasPrefix("error:") }, "\(program): failed without an error line")
      }
      guard case .tensor(let k)? = session.interpreter.globals["keep_sentinel"] else {
        Issue.record("the sentinel was lost after \(program)")
        return
      }
      #expect(k.value.data == [7, 8, 9], "after \(program)")
      // Redefine what a statement may have replaced, so later programs have values to use.
      session.run("x = [1, 2, 0.5]; W = ones(3, 3); f(v) = sum(v^2)")
    }
    // The soup must reach the error paths, or it tests nothing.
    #expect(failures > 100, "only \(failures) of 1000 programs failed")
  }

  @Test(
    "a failing statement keeps every variable",
    arguments: [
      "W @ x2", "softmx(x)", "x[7]", "reshape(x, 2, 2)", "grad(x, x)", "[[1, 2], [3]]", "1 +", "f(1, 2, 3)",
      "for i in 3 { }",
    ])
  func errorsKeepVariables(statement: String) {
    var errors: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { errors.append(text) } })
    session.run("x = [1, 2, 0.5]; W = ones(3, 3); x2 = [1, 2]")
    let before = session.interpreter.globals.keys.sorted()
    let values = session.interpreter.globals.compactMapValues { v -> Tensor? in
      if case .tensor(let t) = v { return t.value }
      return nil
    }
    #expect(session.run(statement) != .ok)
    #expect(errors.contains { $0.hasPrefix("error:") })
    #expect(session.interpreter.globals.keys.sorted() == before)
    for (name, value) in values {
      guard case .tensor(let now)? = session.interpreter.globals[name] else {
        Issue.record("\(name) is no longer a tensor")
        continue
      }
      #expect(now.value == value, "\(name) changed")
    }
    #expect(session.run("sum(x)") == .ok)
  }

  @Test(
    "plots of extreme or constant values draw without trapping",
    arguments: [
      ("plot([1e308, -1e308])", "(nothing to plot: no finite points)"),
      // A constant range is widened around the value, whose label shows it.
      ("plot([1e16, 1e16])", "1.00e+16 ┤⠉⠉⠉"),
      (
        "w = 1e300; f() = w; train(f, [w], steps: 3)",
        "trained 3 steps with sgd (lr 0.1000): loss 1.0000e+300 → 1.0000e+300"
      ),
      ("zeros(0, 1e8)", "[0, 100000000] (empty)"),
    ])
  func extremePlots(statement: String, expected: String) {
    var output: [String] = []
    let session = Session(write: { _, text in output.append(text) })
    #expect(session.run(statement) == .ok)
    #expect(output.joined(separator: "\n").contains(expected), "\(statement): \(output)")
  }
}
