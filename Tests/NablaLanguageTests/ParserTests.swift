import Testing

@testable import NablaLanguage

// Parser tests: every syntactic form of the language contract (Lexical, Literals, Operators,
// Statements), checked by the shape of the tree. Expressions are rendered back to a fully
// parenthesised string so a precedence case is one table row.

// MARK: - Harness

private enum ParserHarnessError: Error, CustomStringConvertible {
  case notAnExpression(String)

  var description: String {
    switch self {
    case .notAnExpression(let source): "\(source.debugDescription) is not an expression statement"
    }
  }
}

/// The helpers are members of a protocol extension so that they shadow, and never clash with,
/// free functions of the same name in other test files.
private protocol ParserHarness {}

extension ParserHarness {
  /// The only statement of `source`.
  func statement(_ source: String) throws -> Statement {
    let statements = try Parser.parse(source)
    try #require(statements.count == 1, "expected one statement in \(source.debugDescription), got \(statements.count)")
    return statements[0]
  }

  /// The only statement of `source`, which must be an expression.
  func expression(_ source: String) throws -> Expr {
    let s = try statement(source)
    guard case .expression(let e) = s.kind else { throw ParserHarnessError.notAnExpression(source) }
    return e
  }

  /// Every statement of `source`, rendered.
  func rendered(_ source: String) throws -> [String] {
    let statements = try Parser.parse(source)
    return statements.map { renderStatement($0) }
  }

  /// The diagnostic `Parser.parse` throws for `source`, or nil when it parses.
  func syntaxError(_ source: String) -> Diagnostic? {
    do {
      _ = try Parser.parse(source)
      return nil
    } catch {
      return error
    }
  }

  func number(_ e: Expr) -> Double? {
    if case .number(let v) = e.kind { return v }
    return nil
  }

  func renderNumber(_ v: Double) -> String {
    v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
  }

  /// Fully parenthesised: every unary, binary, range, transpose and member is wrapped in `( )`;
  /// calls and indexes are delimited by their own brackets.
  func render(_ e: Expr) -> String {
    switch e.kind {
    case .number(let v):
      return renderNumber(v)
    case .string(let s):
      return "\"\(s)\""
    case .identifier(let name):
      return name
    case .bracket(let rows, _):
      let texts = rows.map { row in row.map { render($0) }.joined(separator: ", ") }
      return "[\(texts.joined(separator: "; "))]"
    case .unary(let op, let operand):
      return "(\(op)\(render(operand)))"
    case .binary(let op, let lhs, let rhs, _):
      return "(\(render(lhs)) \(op) \(render(rhs)))"
    case .call(let callee, let arguments):
      let parts = arguments.map { argument -> String in
        let value = render(argument.value)
        if let label = argument.label { return "\(label): \(value)" }
        return value
      }
      return "\(render(callee))(\(parts.joined(separator: ", ")))"
    case .index(let base, let items):
      let parts = items.map { renderIndex($0) }
      return "\(render(base))[\(parts.joined(separator: ", "))]"
    case .transpose(let base):
      return "(\(render(base))')"
    case .member(let base, let name, _):
      return "(\(render(base)).\(name))"
    case .range(let lo, let hi):
      return "(\(render(lo))..\(render(hi)))"
    case .ifElse(let condition, let then, let otherwise):
      var text = "if \(render(condition)) \(renderBlock(then))"
      if let otherwise { text += " else \(renderBlock(otherwise))" }
      return text
    case .block(let statements):
      return renderBlock(statements)
    }
  }

  func renderOptional(_ e: Expr?) -> String? {
    guard let e else { return nil }
    return render(e)
  }

  func renderIndex(_ item: IndexArgument) -> String {
    switch item {
    case .expression(let e):
      return render(e)
    case .slice(let start, let stop, let step, _):
      var text = "\(renderOptional(start) ?? ""):\(renderOptional(stop) ?? "")"
      if let step { text += ":\(render(step))" }
      return text
    }
  }

  func renderBlock(_ statements: [Statement]) -> String {
    if statements.isEmpty { return "{ }" }
    let parts = statements.map { renderStatement($0) }
    return "{ \(parts.joined(separator: "; ")) }"
  }

  func renderStatement(_ s: Statement) -> String {
    switch s.kind {
    case .expression(let e):
      return render(e)
    case .assign(let name, _, let value):
      return "\(name) = \(render(value))"
    case .compound(let name, _, let op, let value):
      return "\(name) \(op)= \(render(value))"
    case .assignIndex(let name, _, _, let value):
      return "\(name)[…] = \(render(value))"
    case .unpack(let names, let value):
      return "\(names.joined(separator: ", ")) = \(render(value))"
    case .function(let name, let parameters, let body):
      return "\(name)(\(parameters.joined(separator: ", "))) = \(render(body))"
    case .forLoop(let variable, let sequence, let body):
      return "for \(variable) in \(render(sequence)) \(renderBlock(body))"
    }
  }
}

// MARK: - Tables

private let parserNumberCases: [(String, Double)] = [
  ("1", 1.0),
  ("10", 10.0),
  ("2.5", 2.5),
  ("0.25", 0.25),
  ("1e-3", 0.001),
  ("1E3", 1000.0),
  ("1.5e+2", 150.0),
  (".5", 0.5),
]

private let parserFunctionCases: [(String, String, [String], String)] = [
  ("f(x) = sum(x^2)", "f", ["x"], "sum((x ^ 2))"),
  ("g(x, W, b) = W @ x + b", "g", ["x", "W", "b"], "((W @ x) + b)"),
  ("k() = 42", "k", [], "42"),
  ("f(x) =\n  x + 1", "f", ["x"], "(x + 1)"),
  ("σ(z) = 1 / (1 + exp(-z))", "σ", ["z"], "(1 / (1 + exp((-z))))"),
  (
    "fact(n) = if n <= 1 { 1 } else { n * fact(n - 1) }", "fact", ["n"],
    "if (n <= 1) { 1 } else { (n * fact((n - 1))) }"
  ),
]

private let parserErrorPositionCases: [(String, Int, Int)] = [
  ("x = (1 + )", 1, 10),
  ("x = )", 1, 5),
  ("y = 2 * * 3", 1, 9),
  ("a = 1\nb = [1, 2 3]", 2, 11),
  ("αβ = (1 + )", 1, 11),
  ("f(x, 1) = 2", 1, 9),
  ("x = 1 ? 2", 1, 7),
  ("for 1 in x { }", 1, 5),
  ("x = \"abc", 1, 5),
  ("f(x) = {\n  y = )\n}", 2, 7),
]

// MARK: - Lexical

@Suite("Parser: lexical structure")
struct ParserLexicalTests: ParserHarness {
  @Test(arguments: parserNumberCases)
  func numbers(source: String, value: Double) throws {
    let e = try expression(source)
    #expect(number(e) == value)
  }

  @Test func negativeNumberIsUnaryMinusOnALiteral() throws {
    let e = try expression("-2.5")
    guard case .unary(let op, let operand) = e.kind else {
      Issue.record("-2.5 should parse as unary minus, got \(render(e))")
      return
    }
    #expect(op == "-")
    #expect(number(operand) == 2.5)
  }

  @Test func numberFollowedByRangeKeepsTheRange() throws {
    // `0..3` is a range, not the number `0.` followed by `.3`.
    let integers = try expression("0..3")
    let decimals = try expression("1.5..2")
    #expect(render(integers) == "(0..3)")
    #expect(render(decimals) == "(1.5..2)")
  }

  @Test(arguments: ["α", "σ", "θ", "αβγ", "θ0", "x_1", "_tmp", "W2"])
  func identifiers(name: String) throws {
    let e = try expression(name)
    guard case .identifier(let found) = e.kind else {
      Issue.record("\(name) should be an identifier, got \(render(e))")
      return
    }
    #expect(found == name)
  }

  @Test(arguments: ["true", "false", "pi", "inf", "nan"])
  func constantsAreIdentifiers(name: String) throws {
    let e = try expression(name)
    guard case .identifier(let found) = e.kind else {
      Issue.record("\(name) should be an identifier, got \(render(e))")
      return
    }
    #expect(found == name)
  }

  @Test func unicodeNamesInAssignmentsAndDefinitions() throws {
    #expect(try rendered("θ = 0.5") == ["θ = 0.5"])
    #expect(try rendered("σ(z) = 1 / (1 + exp(-z))") == ["σ(z) = (1 / (1 + exp((-z))))"])
    #expect(try rendered("α = σ(θ) * 2") == ["α = (σ(θ) * 2)"])
  }

  @Test(arguments: [
    ("\"digits.csv\"", "digits.csv"),
    ("\"\"", ""),
    ("\"a b\"", "a b"),
    ("\"a # b\"", "a # b"),
    ("\"θ.npy\"", "θ.npy"),
  ])
  func strings(source: String, value: String) throws {
    let e = try expression(source)
    guard case .string(let found) = e.kind else {
      Issue.record("\(source) should be a string, got \(render(e))")
      return
    }
    #expect(found == value)
  }

  @Test func stringsAsArguments() throws {
    #expect(try rendered("load(\"w.npy\")") == ["load(\"w.npy\")"])
    #expect(try rendered("save(W, \"w.npy\")") == ["save(W, \"w.npy\")"])
  }

  @Test(arguments: [
    ("x = 1 # set x", 1),
    ("# heading\nx = 1\n# more prose", 1),
    ("# only a comment", 0),
    ("", 0),
    ("\n\n", 0),
    ("a\nb", 2),
    ("a; b", 2),
    ("a;b;c", 3),
    ("\n\na\n\n", 1),
    ("a\n\n\nb", 2),
    ("a = 1\r\nb = 2", 2),
    ("a = 1 # one\nb = 2 # two", 2),
  ])
  func statementsEndAtNewlinesAndSemicolons(source: String, count: Int) throws {
    #expect(try Parser.parse(source).count == count)
  }

  @Test func commentDoesNotSwallowTheNextLine() throws {
    #expect(try rendered("x = 1 # set x\ny = x") == ["x = 1", "y = x"])
  }

  @Test(arguments: [
    ("a", [false]),
    ("a;", [true]),
    ("a;   ", [true]),
    ("a; # quiet", [true]),
    ("a; b", [false, false]),
    ("a; b;", [false, true]),
    ("a;\nb", [true, false]),
    ("a\nb;", [false, true]),
    ("x = 1;", [true]),
    ("f(x) = x;", [true]),
    ("for i in range(3) { a = i };", [true]),
  ])
  func trailingSemicolonSuppresses(source: String, suppressed: [Bool]) throws {
    let statements = try Parser.parse(source)
    #expect(statements.map(\.suppressed) == suppressed)
  }

  @Test(arguments: [
    ("x = [1,\n  2,\n  3]", ["x = [1, 2, 3]"]),
    ("x = [\n  1,\n  2\n]", ["x = [1, 2]"]),
    ("y = f(a,\n  b)", ["y = f(a, b)"]),
    ("y = g(\n  a\n)", ["y = g(a)"]),
    ("z = (a\n  + b)", ["z = (a + b)"]),
    ("A = [1, 2;\n  3, 4]", ["A = [1, 2; 3, 4]"]),
    ("x = [1, # first\n  2]", ["x = [1, 2]"]),
    ("y = 1 + # note\n  2", ["y = (1 + 2)"]),
    ("y =\n  5", ["y = 5"]),
    ("r = 0..\n  5", ["r = (0..5)"]),
    ("train(loss, [W, b],\n  steps: 10,\n  lr: 0.1)", ["train(loss, [W, b], steps: 10, lr: 0.1)"]),
  ])
  func statementContinuesWhileOpenOrAfterOperator(source: String, expected: [String]) throws {
    #expect(try rendered(source) == expected)
  }

  @Test(arguments: ["+", "-", "*", "/", "@", "^", "**", "==", "!=", "<", "<=", ">", ">="])
  func lineEndingInBinaryOperatorContinues(op: String) throws {
    let s = try statement("y = a \(op)\n  b")
    guard case .assign(let name, _, let value) = s.kind, case .binary(let found, let lhs, let rhs, _) = value.kind
    else {
      Issue.record("y = a \(op) <newline> b should be one assignment of a binary expression, got \(renderStatement(s))")
      return
    }
    #expect(name == "y")
    #expect(found == (op == "**" ? "^" : op))
    #expect(render(lhs) == "a")
    #expect(render(rhs) == "b")
  }

  @Test func lineNotEndingInAnOperatorEndsTheStatement() throws {
    #expect(try rendered("a\n+ b") == ["a", "(+b)"])
    #expect(try rendered("a\n- b") == ["a", "(-b)"])
    #expect(try rendered("x = A'\ny = 2") == ["x = (A')", "y = 2"])
  }
}

// MARK: - Literals

@Suite("Parser: literals")
struct ParserLiteralTests: ParserHarness {
  @Test(arguments: [
    ("x = [1, 2, 3]", "x = [1, 2, 3]"),
    ("A = [[1, 2], [3, 4]]", "A = [[1, 2], [3, 4]]"),
    ("B = [1, 2; 3, 4]", "B = [1, 2; 3, 4]"),
    ("T = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", "T = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]"),
    ("s = 3.5", "s = 3.5"),
    ("v = [1/3, 2*a, -b]", "v = [(1 / 3), (2 * a), (-b)]"),
    ("e = []", "e = []"),
    ("p = [W, b]", "p = [W, b]"),
  ])
  func contractLiterals(source: String, expected: String) throws {
    #expect(try rendered(source) == [expected])
  }

  @Test func vectorIsOneRow() throws {
    let e = try expression("[1, 2, 3]")
    guard case .bracket(let rows, let rowSeparated) = e.kind else {
      Issue.record("expected a bracket, got \(render(e))")
      return
    }
    #expect(!rowSeparated)
    #expect(rows.count == 1)
    let values = rows.first?.map { number($0) }
    #expect(values == [1, 2, 3])
  }

  @Test func matlabRowsAreRowSeparated() throws {
    let e = try expression("[1, 2; 3, 4]")
    guard case .bracket(let rows, let rowSeparated) = e.kind else {
      Issue.record("expected a bracket, got \(render(e))")
      return
    }
    #expect(rowSeparated)
    #expect(rows.map(\.count) == [2, 2])
    let values = rows.flatMap { $0 }.map { number($0) }
    #expect(values == [1, 2, 3, 4])
  }

  @Test func matlabColumn() throws {
    let e = try expression("[1; 2; 3]")
    guard case .bracket(let rows, let rowSeparated) = e.kind else {
      Issue.record("expected a bracket, got \(render(e))")
      return
    }
    #expect(rowSeparated)
    #expect(rows.map(\.count) == [1, 1, 1])
  }

  @Test func nestedLiteralsAreBracketsOfBrackets() throws {
    let e = try expression("[[1, 2], [3, 4]]")
    guard case .bracket(let rows, let rowSeparated) = e.kind else {
      Issue.record("expected a bracket, got \(render(e))")
      return
    }
    #expect(!rowSeparated)
    #expect(rows.count == 1)
    #expect(rows[0].count == 2)
    for item in rows[0] {
      guard case .bracket(let inner, let innerSeparated) = item.kind else {
        Issue.record("expected an inner bracket, got \(render(item))")
        continue
      }
      #expect(!innerSeparated)
      #expect(inner.count == 1)
      #expect(inner[0].count == 2)
    }
  }

  @Test func emptyBracket() throws {
    let e = try expression("[]")
    guard case .bracket(let rows, let rowSeparated) = e.kind else {
      Issue.record("expected a bracket, got \(render(e))")
      return
    }
    #expect(!rowSeparated)
    #expect(rows.count == 1)
    #expect(rows[0].isEmpty)
  }
}

// MARK: - Operators

@Suite("Parser: operators and precedence")
struct ParserOperatorTests: ParserHarness {
  @Test(arguments: [
    // power: right-associative, above unary minus; ** is ^
    ("-x^2", "(-(x ^ 2))"),
    ("2^3^2", "(2 ^ (3 ^ 2))"),
    ("2**3**2", "(2 ^ (3 ^ 2))"),
    ("-x**2", "(-(x ^ 2))"),
    ("x ** 2", "(x ^ 2)"),
    ("2^-1", "(2 ^ (-1))"),
    ("-A[0]^2", "(-(A[0] ^ 2))"),
    // multiplicative over additive, both left-associative; @ with * and /
    ("a + b * c", "(a + (b * c))"),
    ("a * b + c", "((a * b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a + b + c", "((a + b) + c)"),
    ("a / b * c", "((a / b) * c)"),
    ("a @ b + c", "((a @ b) + c)"),
    ("a + b @ c", "(a + (b @ c))"),
    ("a @ b * c", "((a @ b) * c)"),
    ("(a + b) * c", "((a + b) * c)"),
    // unary
    ("-a * b", "((-a) * b)"),
    ("2 * -x", "(2 * (-x))"),
    ("--a", "(-(-a))"),
    ("+a", "(+a)"),
    // comparisons lowest
    ("a + b == c * d", "((a + b) == (c * d))"),
    ("a < b + c", "(a < (b + c))"),
    ("a < b == c", "((a < b) == c)"),
    // range between comparison and additive
    ("a..b", "(a..b)"),
    ("0..n + 1", "(0..(n + 1))"),
    ("a..b == c", "((a..b) == c)"),
    // postfix
    ("x'", "(x')"),
    ("-x'", "(-(x'))"),
    ("x'^2", "((x') ^ 2)"),
    ("A @ B'", "(A @ (B'))"),
    ("x.T", "(x.T)"),
    ("-x.T", "(-(x.T))"),
    ("x.shape", "(x.shape)"),
    ("x.T.shape", "((x.T).shape)"),
    ("A[0, 1]", "A[0, 1]"),
    ("A[:, 1]", "A[:, 1]"),
    ("A[1:3]", "A[1:3]"),
    ("A[-1]", "A[(-1)]"),
    ("x[::2]", "x[::2]"),
    ("x[1:]", "x[1:]"),
    ("x[:2]", "x[:2]"),
    ("A[0][1]", "A[0][1]"),
    ("x[[0, 2]]", "x[[0, 2]]"),
    ("f(x)[0]", "f(x)[0]"),
    ("f(x)'", "(f(x)')"),
    ("sum(x^2)", "sum((x ^ 2))"),
    ("grad(grad(f))(2)", "grad(grad(f))(2)"),
  ])
  func precedence(source: String, expected: String) throws {
    let e = try expression(source)
    #expect(render(e) == expected)
  }

  @Test(arguments: ["==", "!=", "<", "<=", ">", ">="])
  func comparisonsBindLoosest(op: String) throws {
    let additive = try expression("a \(op) b + c")
    let multiplicative = try expression("a * b \(op) c")
    let range = try expression("a..b \(op) c")
    #expect(render(additive) == "(a \(op) (b + c))")
    #expect(render(multiplicative) == "((a * b) \(op) c)")
    #expect(render(range) == "((a..b) \(op) c)")
  }

  @Test func starStarIsThePowerOperator() throws {
    let e = try expression("x ** 3")
    guard case .binary(let op, _, _, _) = e.kind else {
      Issue.record("expected a binary expression, got \(render(e))")
      return
    }
    #expect(op == "^")
  }

  @Test func sliceItems() throws {
    let e = try expression("A[:, 1]")
    guard case .index(let base, let items) = e.kind, items.count == 2 else {
      Issue.record("expected an index with two items, got \(render(e))")
      return
    }
    #expect(render(base) == "A")
    guard case .slice(let start, let stop, let step, _) = items[0] else {
      Issue.record("the first item of A[:, 1] should be a slice")
      return
    }
    #expect(renderOptional(start) == nil)
    #expect(renderOptional(stop) == nil)
    #expect(renderOptional(step) == nil)
    guard case .expression(let second) = items[1] else {
      Issue.record("the second item of A[:, 1] should be an expression")
      return
    }
    #expect(number(second) == 1)
  }

  @Test func stepOnlySlice() throws {
    let e = try expression("x[::2]")
    guard case .index(_, let items) = e.kind, items.count == 1,
      case .slice(let start, let stop, let step, _) = items[0]
    else {
      Issue.record("expected one slice item, got \(render(e))")
      return
    }
    #expect(renderOptional(start) == nil)
    #expect(renderOptional(stop) == nil)
    #expect(renderOptional(step) == "2")
  }

  @Test func startStopSlice() throws {
    let e = try expression("A[1:3]")
    guard case .index(_, let items) = e.kind, items.count == 1,
      case .slice(let start, let stop, let step, _) = items[0]
    else {
      Issue.record("expected one slice item, got \(render(e))")
      return
    }
    #expect(renderOptional(start) == "1")
    #expect(renderOptional(stop) == "3")
    #expect(renderOptional(step) == nil)
  }

  @Test func integerArrayIndexIsABracketItem() throws {
    let e = try expression("x[[0, 2]]")
    guard case .index(let base, let items) = e.kind, items.count == 1, case .expression(let item) = items[0],
      case .bracket(let rows, _) = item.kind
    else {
      Issue.record("expected x indexed by one bracket literal, got \(render(e))")
      return
    }
    #expect(render(base) == "x")
    #expect(rows.count == 1)
    let values = rows.first?.map { number($0) }
    #expect(values == [0, 2])
  }

  @Test func chainedIndexIsIndexOfIndex() throws {
    let e = try expression("A[0][1]")
    guard case .index(let base, let items) = e.kind, case .index(let innerBase, _) = base.kind else {
      Issue.record("expected an index of an index, got \(render(e))")
      return
    }
    #expect(items.count == 1)
    #expect(render(innerBase) == "A")
  }

  @Test func transposeMemberAndRangeNodes() throws {
    let t = try expression("x'")
    guard case .transpose(let inner) = t.kind else {
      Issue.record("x' should be a transpose, got \(render(t))")
      return
    }
    #expect(render(inner) == "x")

    let m = try expression("x.shape")
    guard case .member(let base, let name, let nameRange) = m.kind else {
      Issue.record("x.shape should be a member, got \(render(m))")
      return
    }
    #expect(render(base) == "x")
    #expect(name == "shape")
    #expect(nameRange.start.column == 3)

    let transposed = try expression("x.T")
    guard case .member(_, let tName, _) = transposed.kind else {
      Issue.record("x.T should be a member, got \(render(transposed))")
      return
    }
    #expect(tName == "T")

    let r = try expression("0..T")
    guard case .range(let lo, let hi) = r.kind else {
      Issue.record("0..T should be a range, got \(render(r))")
      return
    }
    #expect(number(lo) == 0)
    #expect(render(hi) == "T")
  }

  @Test func operatorAndCallRangesPointIntoTheSource() throws {
    let s = try statement("x = a @ b")
    guard case .assign(_, let nameRange, let value) = s.kind, case .binary(_, _, _, let opRange) = value.kind else {
      Issue.record("expected an assignment of a binary expression")
      return
    }
    #expect(nameRange.start.column == 1)
    #expect(nameRange.end.column == 2)
    #expect(opRange.start.line == 1)
    #expect(opRange.start.column == 7)
    #expect(opRange.end.column == 8)

    let call = try statement("y = foo(1, 2)")
    guard case .assign(_, _, let callExpr) = call.kind else {
      Issue.record("expected an assignment")
      return
    }
    #expect(callExpr.range.start.column == 5)
    #expect(callExpr.range.end.column == 14)
  }
}

// MARK: - Statements

@Suite("Parser: statements")
struct ParserStatementTests: ParserHarness {
  @Test func assignment() throws {
    let s = try statement("x = [1, 2, 3]")
    guard case .assign(let name, _, let value) = s.kind else {
      Issue.record("expected an assignment, got \(renderStatement(s))")
      return
    }
    #expect(name == "x")
    #expect(render(value) == "[1, 2, 3]")
    #expect(!s.suppressed)
  }

  @Test func equalityIsNotAssignment() throws {
    let e = try expression("x == 1")
    #expect(render(e) == "(x == 1)")
  }

  @Test(arguments: [
    ("W -= 0.1 * g", "W", "-", "(0.1 * g)"),
    ("acc += i", "acc", "+", "i"),
    ("s *= 2", "s", "*", "2"),
    ("s /= 2", "s", "/", "2"),
    ("W -= 0.1 * grad(e, W)", "W", "-", "(0.1 * grad(e, W))"),
  ])
  func compoundAssignment(source: String, name: String, op: String, value: String) throws {
    let s = try statement(source)
    guard case .compound(let foundName, _, let foundOp, let foundValue) = s.kind else {
      Issue.record("\(source) should be a compound assignment, got \(renderStatement(s))")
      return
    }
    #expect(foundName == name)
    #expect(foundOp == op)
    #expect(render(foundValue) == value)
  }

  @Test(arguments: parserFunctionCases)
  func functionDefinitions(source: String, name: String, parameters: [String], body: String) throws {
    let s = try statement(source)
    guard case .function(let foundName, let foundParameters, let foundBody) = s.kind else {
      Issue.record("\(source.debugDescription) should define a function, got \(renderStatement(s))")
      return
    }
    #expect(foundName == name)
    #expect(foundParameters == parameters)
    #expect(render(foundBody) == body)
  }

  @Test(arguments: [
    ("f(x)", "f(x)"),
    ("f(x) == 1", "(f(x) == 1)"),
    ("f(x, 2)", "f(x, 2)"),
    ("f(a = 1)", "f(a: 1)"),
    ("f(x)(y)", "f(x)(y)"),
  ])
  func callsAreNotDefinitions(source: String, expected: String) throws {
    let e = try expression(source)
    #expect(render(e) == expected)
  }

  @Test func blockFunctionBody() throws {
    let source = """
      mlp(x) = {
        h = leaky_relu(W1 @ x + b1, 0.02)
        W2 @ h + b2
      }
      """
    let s = try statement(source)
    guard case .function(let name, let parameters, let body) = s.kind, case .block(let statements) = body.kind else {
      Issue.record("expected a function with a block body, got \(renderStatement(s))")
      return
    }
    #expect(name == "mlp")
    #expect(parameters == ["x"])
    let lines = statements.map { renderStatement($0) }
    #expect(statements.count == 2)
    #expect(lines == ["h = leaky_relu(((W1 @ x) + b1), 0.02)", "((W2 @ h) + b2)"])
  }

  @Test(arguments: [
    ("f(x) = { h = x * 2; h + 1 }", "f(x) = { h = (x * 2); (h + 1) }"),
    ("f(x) = {\n  # prose\n  a = x; b = 2\n  a + b\n}", "f(x) = { a = x; b = 2; (a + b) }"),
    ("f(x) = {\n\n  x\n\n}", "f(x) = { x }"),
  ])
  func blockBodiesSplitAtNewlinesAndSemicolons(source: String, expected: String) throws {
    #expect(try rendered(source) == [expected])
  }

  @Test func blockFollowedByAnotherStatement() throws {
    #expect(try rendered("f(x) = {\n  x + 1\n}\ny = f(2)") == ["f(x) = { (x + 1) }", "y = f(2)"])
  }

  @Test(arguments: [
    ("for i in range(10) { acc += i }", "for i in range(10) { acc += i }"),
    ("for t in 0..T { }", "for t in (0..T) { }"),
    ("for i in range(3) {\n  a = i\n  b += a\n}", "for i in range(3) { a = i; b += a }"),
    (
      "for i in 0..2 {\n  for j in 0..2 {\n    s += i * j\n  }\n}",
      "for i in (0..2) { for j in (0..2) { s += (i * j) } }"
    ),
    ("for step in range(n) { W -= lr * grad(loss(W), W) }", "for step in range(n) { W -= (lr * grad(loss(W), W)) }"),
  ])
  func forLoops(source: String, expected: String) throws {
    #expect(try rendered(source) == [expected])
  }

  @Test func forLoopNode() throws {
    let s = try statement("for t in 0..T {\n  x = t\n}")
    guard case .forLoop(let variable, let sequence, let body) = s.kind else {
      Issue.record("expected a for loop, got \(renderStatement(s))")
      return
    }
    #expect(variable == "t")
    #expect(render(sequence) == "(0..T)")
    #expect(body.count == 1)
  }

  @Test(arguments: [
    ("y = if x > 0 { x } else { 0 }", "y = if (x > 0) { x } else { 0 }"),
    ("y = if x > 0 {\n  x\n}\nelse {\n  0\n}", "y = if (x > 0) { x } else { 0 }"),
    ("y = if x > 0 {\n  x\n} else {\n  0\n}", "y = if (x > 0) { x } else { 0 }"),
    (
      "y = if x > 0 { 1 } else if x < 0 { -1 } else { 0 }",
      "y = if (x > 0) { 1 } else { if (x < 0) { (-1) } else { 0 } }"
    ),
    (
      "y = if x > 0 {\n  1\n} else if x < 0 {\n  -1\n}\nelse {\n  0\n}",
      "y = if (x > 0) { 1 } else { if (x < 0) { (-1) } else { 0 } }"
    ),
    ("if x > 0 { 1 }", "if (x > 0) { 1 }"),
  ])
  func ifExpressions(source: String, expected: String) throws {
    #expect(try rendered(source) == [expected])
  }

  @Test func ifWithoutElseLeavesTheNextStatementAlone() throws {
    let statements = try Parser.parse("if x > 0 { 1 }\nz = 2")
    let lines = statements.map { renderStatement($0) }
    #expect(lines == ["if (x > 0) { 1 }", "z = 2"])
    guard statements.count == 2, case .expression(let e) = statements[0].kind,
      case .ifElse(_, let then, let otherwise) = e.kind
    else {
      Issue.record("expected an if expression followed by an assignment")
      return
    }
    #expect(then.count == 1)
    #expect(otherwise.map(\.count) == nil)
  }

  @Test func ifExpressionThenAnotherStatementOnTheSameLine() throws {
    #expect(try rendered("z = if flag { 1 } else { 2 }; w = 3") == ["z = if flag { 1 } else { 2 }", "w = 3"])
  }

  @Test(arguments: ["conv2d(x, w, padding: 1)", "conv2d(x, w, padding=1)"])
  func namedArgumentsInEitherStyle(source: String) throws {
    let e = try expression(source)
    guard case .call(let callee, let arguments) = e.kind else {
      Issue.record("expected a call, got \(render(e))")
      return
    }
    let labels = arguments.map(\.label)
    let values = arguments.map { render($0.value) }
    #expect(render(callee) == "conv2d")
    #expect(labels == [nil, nil, "padding"])
    #expect(values == ["x", "w", "1"])
    #expect(arguments.count == 3)
    if arguments.count == 3 {
      #expect(arguments[2].labelRange?.start.column == 14)
      #expect(arguments[0].labelRange == nil)
    }
  }

  @Test func manyNamedArguments() throws {
    let e = try expression("train(loss, [W1, b1], steps: 200, lr=0.1, opt: \"adam\", seed: 0)")
    guard case .call(_, let arguments) = e.kind else {
      Issue.record("expected a call, got \(render(e))")
      return
    }
    let labels = arguments.map(\.label)
    #expect(labels == [nil, nil, "steps", "lr", "opt", "seed"])
    #expect(render(e) == "train(loss, [W1, b1], steps: 200, lr: 0.1, opt: \"adam\", seed: 0)")
  }

  @Test(arguments: [
    ("X, y = digits()", ["X", "y"], "digits()"),
    ("a, b, c = f(1)", ["a", "b", "c"], "f(1)"),
    ("Xtr, ytr, Xte, yte = split(X, y, 0.2, seed: 0)", ["Xtr", "ytr", "Xte", "yte"], "split(X, y, 0.2, seed: 0)"),
  ])
  func unpacking(source: String, names: [String], value: String) throws {
    let s = try statement(source)
    guard case .unpack(let foundNames, let foundValue) = s.kind else {
      Issue.record("\(source) should unpack, got \(renderStatement(s))")
      return
    }
    #expect(foundNames == names)
    #expect(render(foundValue) == value)
  }
}

// MARK: - Syntax errors

@Suite("Parser: syntax errors")
struct ParserSyntaxErrorTests: ParserHarness {
  @Test(arguments: parserErrorPositionCases)
  func errorPointsAtTheOffendingToken(source: String, line: Int, column: Int) throws {
    let diagnostic = try #require(syntaxError(source), "\(source.debugDescription) should not parse")
    let range = try #require(diagnostic.range)
    #expect(range.start.line == line)
    #expect(range.start.column == column)
    #expect(!diagnostic.message.isEmpty)
  }

  @Test func messageNamesWhatWasExpectedAndFound() throws {
    let diagnostic = try #require(syntaxError("x = (1 + )"))
    #expect(diagnostic.message.contains("expected"))
    #expect(diagnostic.message.contains("')'"))
    let unexpected = try #require(syntaxError("x = 1 ? 2"))
    #expect(unexpected.message.contains("?"))
  }

  @Test(arguments: [
    ("x = [1, 2", true),
    ("f(x) = {", true),
    ("y = 1 +", true),
    ("y = 1 +\n", true),
    ("f(x", true),
    ("A = [1, 2;", true),
    ("for i in range(3) {", true),
    ("mlp(x) = {\n  h = x\n", true),
    ("y = if x > 0 {\n  x", true),
    ("x = )", false),
    ("x = (1 + )", false),
    ("1 2", false),
    ("y = [1, 2]]", false),
  ])
  func incompleteInputIsMarked(source: String, incomplete: Bool) throws {
    let diagnostic = try #require(syntaxError(source), "\(source.debugDescription) should not parse")
    #expect(diagnostic.isIncomplete == incomplete)
  }

  @Test(arguments: ["x = [1, 2]", "f(x) = {\n  x\n}", "y = 1 +\n  2", "for i in range(3) {\n}"])
  func completedInputParses(source: String) {
    #expect(syntaxError(source) == nil)
  }
}
