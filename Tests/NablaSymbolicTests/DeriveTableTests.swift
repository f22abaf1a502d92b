import NablaAutodiff
import NablaLanguage
import NablaTensor
import Testing

/// The derivations of the course and the Matrix Cookbook's identities: each formula printed in
/// its textbook form, its value against central differences of the expression, and its nabla
/// syntax evaluated back in the session to the same value.
@Suite("derive: the table of derivations")
struct DeriveTableTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let y: String
    let x: String
    let math: String
    var setup = DeriveTableTests.vectors
    var testDescription: String { "∂(\(y))/∂\(x) = \(math)" }
  }

  static let vectors = """
    x = [1, 2, 0.5]; a = [1, -1, 2]; t = onehot(1, 3); p = softmax(x)
    A = [2, 1, 0; 0, 3, 1; 1, 0, 1]; B = [1, 2, 0; -1, 0.5, 1]; b = [0.5, 1]
    X = [2, 1, 0.5; 1, 3, 0; 0.5, 0, 4]; u = [1, -1, 2]; w = [0.5, 1, -1]
    H = [1, -2, 0; 0.5, 1, -1; 2, 0, 1]; v = [0.1, -0.2, 0.3]
    W = [1, 2, 0; -1, 0.5, 1]; c = [0.1, 0.2]
    """
  static let residual = """
    xr = randn(4, seed: 3); H = randn(4, 4, seed: 13) / 2; v = randn(4, seed: 23)
    x3 = H @ xr + v; y = xr + relu(x3)
    """
  static let layer = """
    X = randn(5, 4, seed: 1); labels = [0, 2, 1, 2, 0]; T = onehot(labels, 3)
    W2 = randn(3, 4, seed: 4); b2 = randn(3, seed: 5); S = linear(X, W2, b2); P = softmax(S)
    """

  static let cases: [Case] = [
    // The course: softmax, cross-entropy, layers, the residual block, the chain rule.
    Case(y: "cross_entropy(softmax(x), t)", x: "x", math: "p − t"),
    Case(y: "softmax(x)", x: "x", math: "diag(p) − p pᵀ"),
    Case(y: "sigmoid(x)", x: "x", math: "diag(σ(x) ⊙ (1 − σ(x)))"),
    Case(y: "tanh(x)", x: "x", math: "diag(1 − tanh(x)²)"),
    Case(y: "relu(H @ x + v)", x: "x", math: "diag(1{Hx + v > 0}) H"),
    Case(y: "sum(softplus(x))", x: "x", math: "σ(x)"),
    Case(y: "logsumexp(x)", x: "x", math: "softmax(x)"),
    // Away from the kinks, where finite differences are meaningful.
    Case(y: "sum(abs(x - 1.5))", x: "x", math: "sign(x − 1.5)"),
    Case(y: "sum(leaky_relu(x - 1.5, 0.1))", x: "x", math: "0.9·1{x − 1.5 > 0} + 0.1"),
    Case(y: "sum(maximum(x, 1.5))", x: "x", math: "1{x − 1.5 > 0} + 1{x − 1.5 = 0} / 2"),
    Case(y: "sin(B @ tanh(A @ x))", x: "x", math: "diag(cos(B tanh(Ax))) B diag(1 − tanh(Ax)²) A"),
    Case(y: "sum((W @ x + c)^2)", x: "W", math: "2·(Wx + c) xᵀ"),
    Case(y: "mse(B @ x, b)", x: "x", math: "Bᵀ (Bx − b)"),
    Case(y: "sum((xr + relu(H @ xr + v))^2) / 2", x: "xr", math: "y + Hᵀ (1{x3 > 0} ⊙ y)", setup: residual),
    Case(y: "sum((xr + relu(H @ xr + v))^2) / 2", x: "H", math: "(1{x3 > 0} ⊙ y) xrᵀ", setup: residual),
    Case(y: "sum((xr + relu(H @ xr + v))^2) / 2", x: "v", math: "1{x3 > 0} ⊙ y", setup: residual),
    Case(y: "relu(x3)", x: "x3", math: "diag(1{x3 > 0})", setup: residual),
    Case(y: "softmax_cross_entropy(S, labels)", x: "S", math: "(P − T) / 5", setup: layer),
    Case(y: "softmax_cross_entropy(linear(X, W2, b2), labels)", x: "W2", math: "((P − T)ᵀX) / 5", setup: layer),
    Case(y: "softmax_cross_entropy(linear(X, W2, b2), labels)", x: "b2", math: "(Σ_0(P) − Σ_0(T)) / 5", setup: layer),
    // The Matrix Cookbook: linear and quadratic forms, traces, determinants, inverses, norms.
    Case(y: "a @ x", x: "x", math: "a"),
    Case(y: "x @ x", x: "x", math: "2x"),
    Case(y: "x @ A @ x", x: "x", math: "(A + Aᵀ) x"),
    Case(y: "x @ A @ x + a @ x", x: "x", math: "a + (A + Aᵀ) x"),
    Case(y: "A @ x", x: "x", math: "A"),
    Case(y: "x * a", x: "x", math: "diag(a)"),
    Case(y: "sum(x * a)", x: "x", math: "a"),
    Case(y: "u @ X @ w", x: "X", math: "u wᵀ"),
    Case(y: "trace(A @ X)", x: "X", math: "Aᵀ"),
    Case(y: "trace(X @ A @ X')", x: "X", math: "X (A + Aᵀ)"),
    Case(y: "det(X)", x: "X", math: "det(X)·X⁻ᵀ"),
    Case(y: "log(det(X))", x: "X", math: "X⁻ᵀ"),
    Case(y: "trace(inv(X) @ A)", x: "X", math: "−X⁻ᵀ Aᵀ X⁻ᵀ"),
    Case(y: "sum(inv(A) @ x)", x: "x", math: "A⁻ᵀ 1"),
    Case(y: "norm(x)", x: "x", math: "x / ‖x‖"),
    Case(y: "norm(x)^2", x: "x", math: "2x"),
    Case(y: "x / norm(x)", x: "x", math: "I / ‖x‖ − x xᵀ / ‖x‖³"),
    Case(y: "dot(a, x)^2", x: "x", math: "2·(aᵀx)·a"),
    Case(y: "exp(a @ x)", x: "x", math: "exp(aᵀx)·a"),
    // Elementwise.
    Case(y: "sum(x^2)", x: "x", math: "2x"),
    Case(y: "sum(x^3)", x: "x", math: "3x²"),
    Case(y: "sum(exp(x))", x: "x", math: "exp(x)"),
    Case(y: "exp(x)", x: "x", math: "diag(exp(x))"),
    Case(y: "sum(log(x))", x: "x", math: "x⁻¹"),
    Case(y: "log(x)", x: "x", math: "diag(x⁻¹)"),
    Case(y: "sum(sin(x))", x: "x", math: "cos(x)"),
    Case(y: "sum(sqrt(x))", x: "x", math: "0.5 ⊘ √x"),
    // Coefficients that divide, beside a quotient.
    Case(y: "sum(x / a) / 2", x: "x", math: "0.5 ⊘ a"),
    Case(y: "sum(x * a) / 6", x: "x", math: "a / 6"),
    Case(y: "sum(x * a / w) / 3", x: "x", math: "(a ⊘ w) / 3"),
    // A row of a matrix, read as x[k].
    Case(y: "sum(X[1] * x)", x: "x", math: "X[1]"),
    Case(y: "tanh(A @ x + X[2])", x: "x", math: "diag(1 − tanh(Ax + X[2])²) A"),
    // Found in review: a scaled identity, √(a²) (which is |a|, not a), a broadcast scalar.
    Case(y: "2 * x", x: "x", math: "2·I"),
    Case(y: "sum(sqrt(a^2))", x: "a", math: "a ⊘ √(a²)"),
    Case(y: "sum(x * b[0])", x: "x", math: "b[0]"),
    // A derivative of a derivative.
    Case(y: "derive(x @ A @ x, x)", x: "x", math: "A + Aᵀ"),
  ]

  /// Runs `source` in the interpreter, statement by statement; the last value.
  static func run(_ source: String, in interpreter: Interpreter) throws -> Value? {
    let text = SourceText(source)
    var last: Value? = nil
    for statement in try Parser.parse(source) { last = try interpreter.run(statement, in: text).value }
    return last
  }

  static func tensor(_ v: Value?) throws -> Variable {
    guard case .tensor(let t)? = v else { throw ShapeError(operation: "test", shapes: [], rule: "not a tensor") }
    return t
  }

  @Test("formula, finite differences and nabla syntax", arguments: cases)
  func derivation(_ c: Case) throws {
    let interpreter = Interpreter()
    try Self.run(c.setup, in: interpreter)
    let value = try Self.tensor(Self.run("derive(\(c.y), \(c.x))", in: interpreter))
    let report = try #require(interpreter.derivation(of: value))
    #expect(report.math == c.math, "printed \(report.math ?? "nothing")")
    #expect(
      (report.mismatch ?? .infinity) <= 1e-9, "the formula's own value differs by \(report.mismatch ?? .infinity)")
    // The value against central differences of the expression in x.
    guard case .tensor(let x0)? = interpreter.globals[c.x] else {
      Issue.record("no \(c.x)")
      return
    }
    let y0 = try Self.tensor(Self.run(c.y, in: interpreter))
    let (m, n) = (y0.value.count, x0.value.count)
    try #require(value.value.count == m * n, "value has \(value.value.count) entries, expected \(m)·\(n)")
    let h = 1e-6
    for j in 0..<n {
      var plus = x0.value
      var minus = x0.value
      plus.data[j] += h
      minus.data[j] -= h
      interpreter.globals[c.x] = .tensor(Variable(plus))
      let yp = try Self.tensor(Self.run(c.y, in: interpreter)).value
      interpreter.globals[c.x] = .tensor(Variable(minus))
      let ym = try Self.tensor(Self.run(c.y, in: interpreter)).value
      for i in 0..<m {
        let numeric = (yp.data[i] - ym.data[i]) / (2 * h)
        let analytic = value.value.data[i * n + j]
        #expect(abs(analytic - numeric) <= 1e-5 * max(1, abs(numeric)), "entry (\(i), \(j)): \(analytic) vs \(numeric)")
      }
    }
    interpreter.globals[c.x] = .tensor(x0)
    // The nabla-syntax formula, evaluated back in the session, gives the value.
    let formula = try #require(report.formula)
    let back = try Self.tensor(Self.run(formula, in: interpreter)).value
    #expect(back.count == value.value.count, "\(formula) has \(back.count) entries")
    for (a, b) in zip(back.data, value.value.data) {
      #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(formula): \(a) vs \(b)")
    }
  }

  @Test("a derivative is not replaced by a name as a whole, but names stand inside it")
  func naming() throws {
    let interpreter = Interpreter()
    try Self.run(Self.layer + "\nd2 = (P - T) / 5", in: interpreter)
    let value = try Self.tensor(Self.run("derive(softmax_cross_entropy(S, labels), S)", in: interpreter))
    #expect(interpreter.derivation(of: value)?.math == "(P − T) / 5")
  }

  @Test("there are at least forty derivations in the table")
  func size() { #expect(Self.cases.count >= 40) }
}
