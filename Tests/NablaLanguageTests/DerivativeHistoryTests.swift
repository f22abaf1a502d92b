import NablaAutodiff
import NablaTensor
import Testing

@testable import NablaLanguage

/// Runs `source` in a fresh interpreter: the last statement's tensor and the notes raised.
private func run(_ source: String) throws -> (values: [Double], shape: [Int], notes: [String]) {
  let interpreter = Interpreter()
  let text = SourceText(source)
  var last: Value? = nil
  for statement in try Parser.parse(source) {
    interpreter.notes = []
    last = try interpreter.run(statement, in: text).value
  }
  guard case .tensor(let v)? = last else { return ([], [], interpreter.notes) }
  return (v.value.data, v.shape, interpreter.notes)
}

/// Results of grad, jacobian, hessian, jvp and vjp keep their history: stored or inline, they
/// can be differentiated again, to any order (closed forms beside each case).
@Suite("Derivatives of derivatives")
struct DerivativeHistoryTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let source: String
    let expected: [Double]
    let shape: [Int]
    var testDescription: String { source }
  }

  static let cases: [Case] = [
    // 6·x·w
    Case(
      source: "x = [1, 2, 3]; w = [1, 2, 3]; g = grad(sum(x^3), x); grad(sum(g * w), x)", expected: [6, 24, 54],
      shape: [3]),
    Case(
      source: "x = [1, 2, 3]; w = [1, 2, 3]; grad(sum(grad(sum(x^3), x) * w), x)", expected: [6, 24, 54], shape: [3]),
    // d²(x³)/dx² = 6x at 2
    Case(source: "x = 2; y = x^3; grad(grad(y, x), x)", expected: [12], shape: []),
    // d³(x⁴)/dx³ = 24x and d⁴ = 24
    Case(source: "x = 2; grad(grad(grad(x^4, x), x), x)", expected: [48], shape: []),
    Case(source: "x = 2; a = grad(x^4, x); b = grad(a, x); c = grad(b, x); grad(c, x)", expected: [24], shape: []),
    // diag(6x)
    Case(
      source: "x = [1, 2, 3]; g = grad(sum(x^3), x); jacobian(g, x)", expected: [6, 0, 0, 0, 12, 0, 0, 0, 18],
      shape: [3, 3]),
    // Σ_i ∂(3x_i²)/∂x = 6x
    Case(source: "x = [1, 2]; j = jacobian(x^3, x); grad(sum(j), x)", expected: [6, 12], shape: [2]),
    Case(source: "f(z) = z^3; x = [1, 2]; j = jacobian(f, x); grad(sum(j), x)", expected: [6, 12], shape: [2]),
    // H = diag(6x), so Σ H = 6 Σ x and its gradient is 6 everywhere
    Case(source: "f(z) = sum(z^3); x = [1, 2]; H = hessian(f, x); grad(sum(H), x)", expected: [6, 6], shape: [2]),
    Case(source: "x = [1, 2]; H = hessian(sum(x^4), x); jacobian(H[0], x)", expected: [24, 0, 0, 0], shape: [2, 2]),
    // jvp(z³, v) = 3z²⊙v, so the gradient of its sum is 6z⊙v
    Case(source: "f(z) = z^3; x = [1, 2]; grad(sum(jvp(f, x, [1, 1])), x)", expected: [6, 12], shape: [2]),
    Case(source: "f(z) = z^3; x = [1, 2]; grad(sum(vjp(f, x, [1, 1])), x)", expected: [6, 12], shape: [2]),
    // ... and it is linear in v: ∂/∂v Σ 3z²⊙v = 3z²
    Case(source: "f(z) = z^3; x = [1, 2]; v = [1, 1]; grad(sum(jvp(f, x, v)), v)", expected: [3, 12], shape: [2]),
    Case(source: "f(z) = z^3; x = [1, 2]; u = [1, 1]; grad(sum(vjp(f, x, u)), u)", expected: [3, 12], shape: [2]),
    // a list of gradients: ∂(a²b)/∂a = 2ab, then ∂(2ab)/∂b = 2a
    Case(source: "a = 3; b = 5; g = grad(a^2 * b, [a, b]); grad(g[0], b)", expected: [6], shape: []),
    // hessian blocks keep theirs: ∂²(a²b²)/∂a∂b = 4ab, whose gradient in a is 4b
    Case(source: "a = 3; b = 5; H = hessian(a^2 * b^2, [a, b]); grad(H[0][1], a)", expected: [20], shape: []),
    // the function form: grad(f)(x) is recorded on demand too
    Case(source: "f(z) = sum(z^3); x = [1, 2]; g = grad(f, x); grad(sum(g), x)", expected: [6, 12], shape: [2]),
  ]

  @Test("each result is differentiable again, with no note", arguments: cases)
  func differentiableAgain(_ c: Case) throws {
    let (values, shape, notes) = try run(c.source)
    #expect(shape == c.shape)
    #expect(values.count == c.expected.count)
    for (v, e) in zip(values, c.expected) { #expect(abs(v - e) <= 1e-9 * max(1, abs(e)), "\(v) vs \(e)") }
    #expect(notes.isEmpty, "notes: \(notes)")
  }

  @Test("the note names the real cause of a zero derivative")
  func causes() throws {
    let reassigned = try run("x = [1, 2]; e = sum(x^2); x = [3, 4]; grad(e, x)")
    #expect(reassigned.values == [0, 0])
    #expect(reassigned.notes.contains { $0.contains("x was reassigned or updated after e was computed") })
    let noHistory = try run("x = 1; e = 5; grad(e, x)")
    #expect(noHistory.notes.contains { $0.contains("e is a value with no history") })
    let others = try run("a = 1; b = 2; x = 3; e = a * b; grad(e, x)")
    #expect(others.notes.contains { $0.contains("e is computed from a, b, not from x") })
    // The gradient of a linear function is a constant: its history holds no x.
    let linear = try run("x = [1, 2]; g = grad(sum(3 * x), x); grad(sum(g), x)")
    #expect(linear.values == [0, 0])
    #expect(linear.notes.contains { $0.contains("sum(g) is computed from g, not from x") })
  }
}

/// `x[i] = v` as NumPy reads it, with JAX's `x.at[i].set(v)` derivative: the new x depends on
/// the old x through the entries kept and on v through the entries replaced.
@Suite("Assigning into entries")
struct IndexAssignmentTests {
  @Test(
    "values as NumPy gives them",
    arguments: [
      ("x = [1, 2, 3]; x[1] = 10; x", [1.0, 10, 3], [3]),
      ("A = zeros(3, 4); A[1, 1:3] = [5, 6]; A", [0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0], [3, 4]),
      ("x = [1, 2, 3, 4]; x[x > 2] = 0; x", [1, 2, 0, 0], [4]),
      ("x = [1, 2, 3]; x[[0, 0]] = [7, 8]; x", [8, 2, 3], [3]),
      ("x = [1, 2, 3]; x[0] += 5; x", [6, 2, 3], [3]),
      ("A = ones(2, 2); A[:, 0] = 7; A", [7, 1, 7, 1], [2, 2]),
      ("y = [nan, 1, 2]; y[0] = 1; y", [1, 1, 2], [3]),
    ])
  func values(source: String, expected: [Double], shape: [Int]) throws {
    let (values, s, notes) = try run(source)
    #expect(values == expected)
    #expect(s == shape)
    #expect(notes.isEmpty)
  }

  @Test("the new value's derivatives reach the old value and the one assigned")
  func derivatives() throws {
    // y = [2v, x1, x2]: ∂Σ(y ⊙ [1, 2, 3])/∂x = [0, 2, 3], /∂v = 2.
    let dx = try run("x = [1, 2, 3]; v = 5; y = x; y[0] = v * 2; grad(sum(y * [1, 2, 3]), x)")
    #expect(dx.values == [0, 2, 3])
    let dv = try run("x = [1, 2, 3]; v = 5; y = x; y[0] = v * 2; grad(sum(y * [1, 2, 3]), v)")
    #expect(dv.values == [2])
    // A slice filled by a broadcast scalar: ∂/∂v counts the entries it filled.
    let fill = try run("A = ones(3, 3); v = 2; A[1:3, :] = v; grad(sum(A^2), v)")
    #expect(fill.values == [24])
  }

  @Test("a wrong shape or index is an error that names both")
  func errors() throws {
    let interpreter = Interpreter()
    let source = "x = [1, 2, 3]\nx[1] = [1, 2]"
    let text = SourceText(source)
    let statements = try Parser.parse(source)
    _ = try interpreter.run(statements[0], in: text)
    #expect(throws: Diagnostic.self) { try interpreter.run(statements[1], in: text) }
    guard case .tensor(let x)? = interpreter.globals["x"] else {
      Issue.record("x was lost")
      return
    }
    #expect(x.value.data == [1, 2, 3])
    #expect(throws: Diagnostic.self) { try Parser.parse("f(z)[0] = 1") }
  }
}
