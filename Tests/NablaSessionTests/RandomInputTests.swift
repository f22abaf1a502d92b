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
    "0", "1", "-1", "2", "3", "0.5", "1e308", "1e-320", "nan", "inf", "pi", "true", "\"s\"", "+", "-", "*", "/", "@",
    "^",
    "**", "'", ".T", ".shape", "==", "<", "=", "+=", "-=", "(", ")", "[", "]", "{", "}", ",", ";", ":", "::", "..",
    "\n",
    "if", "else", "for", "in", "axis:", "keepdims:", "#", "α", "[1, 2; 3, 4]", "[[1, 2], [3, 4]]",
  ]

  @Test("3000 random statements", arguments: [1, 2, 3])
  func randomStatements(seed: UInt64) {
    var r = RandomSource(seed: seed)
    let session = Session(write: { _, _ in })
    session.run("x = [1, 2, 0.5]; W = ones(3, 3); f(v) = sum(v^2); e = sum(softmax(x)); p = softmax(x)")
    for _ in 0..<1000 {
      let length = 1 + Int(r.next() % 12)
      let program = (0..<length).map { _ in Self.vocabulary[Int(r.next() % UInt64(Self.vocabulary.count))] }
        .joined(separator: " ")
      session.run(program)
      // Redefine what a statement may have replaced, so later programs have values to use.
      session.run("x = [1, 2, 0.5]; W = ones(3, 3); f(v) = sum(v^2)")
    }
    #expect(session.interpreter.globals["x"] != nil && session.interpreter.globals["W"] != nil)
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
    #expect(session.run(statement) != .ok)
    #expect(errors.contains { $0.hasPrefix("error:") })
    #expect(session.interpreter.globals.keys.sorted() == before)
    #expect(session.run("sum(x)") == .ok)
  }

  @Test("plots of extreme or constant values draw without trapping")
  func extremePlots() {
    let session = Session(write: { _, _ in })
    for statement in [
      "plot([1e308, -1e308])", "plot([1e16, 1e16])", "w = 1e300; f() = w; train(f, [w], steps: 3)", "zeros(0, 1e8)",
    ] {
      session.run(statement)
    }
    #expect(session.run("1 + 1") == .ok)
  }
}
