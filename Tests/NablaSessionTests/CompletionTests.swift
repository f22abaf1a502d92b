import Testing

@testable import NablaSession

/// What Tab offers, from the registry and the session.
@Suite("Tab completion")
struct CompletionTests {
  let session: Session = {
    let s = Session(write: { _, _ in })
    s.run("x = [1, 2]; loss() = sum(x^2); f(a, b) = a + b")
    return s
  }()

  @Test("named arguments of the call being typed")
  func namedArguments() {
    #expect(session.completion(before: "sum(x, ", word: "ax") == .words(["axis:"]))
    #expect(session.completion(before: "train(loss, [x], ", word: "st") == .words(["steps:"]))
    #expect(session.completion(before: "conv2d(x, w, b, ", word: "pad") == .words(["padding:"]))
    // Inside a nested call, the innermost open call counts.
    #expect(session.completion(before: "sum(softmax(x, ", word: "ax") == .words(["axis:"]))
  }

  @Test("after an open bracket, the signature instead of every name")
  func signature() {
    guard case .signature(let text) = session.completion(before: "softmax(", word: "") else {
      Issue.record("no signature")
      return
    }
    #expect(text.hasPrefix("softmax(x, axis: -1)"))
    #expect(session.completion(before: "y = f(", word: "") == .signature("f(a, b)"))
  }

  @Test("names, commands, command values, files, LaTeX names")
  func contexts() {
    #expect(session.completion(before: "", word: "softm") == .words(["softmax", "softmax_cross_entropy"]))
    #expect(session.completion(before: "", word: "los") == .words(["loss"]))
    #expect(session.completion(before: "", word: ":lo") == .words([":load"]))
    #expect(session.completion(before: ":format ", word: "l") == .words(["latex"]))
    #expect(session.completion(before: ":color ", word: "") == .words(["on", "off"]))
    #expect(session.completion(before: ":load ", word: "ses") == .files)
    #expect(session.completion(before: "W = load(\"", word: "data/") == .files)
    #expect(session.completion(before: "", word: "\\alpha") == .words(["α"]))
    #expect(session.completion(before: "", word: "\\nabla") == .words(["∇"]))
    #expect(session.completion(before: "", word: "\\part") == .words(["\\partial"]))
    #expect(session.completion(before: "y = ", word: "\\ps") == .words(["\\psi"]))
  }
}
