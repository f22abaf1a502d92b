import Dispatch
import Foundation
import NablaAutodiff
import NablaTensor
import Testing

@testable import NablaLanguage

// Interpreter tests: the semantics of the language contract, run through `Interpreter` the way
// the session runs a cell (parse, then run each statement against the same source text).

// MARK: - Harness

/// The helpers are members of a protocol extension so that they shadow, and never clash with,
/// free functions of the same name in other test files.
private protocol InterpreterHarness {}

extension InterpreterHarness {
  /// Parses `source` and runs its statements in order in `interpreter`; the value of the last
  /// statement (nil for an assignment, a definition, a loop or a trailing `;`).
  @discardableResult
  func evaluate(_ source: String, in interpreter: Interpreter = Interpreter()) throws -> Value? {
    let text = SourceText(source)
    var last: Value? = nil
    for statement in try Parser.parse(source) {
      last = try interpreter.run(statement, in: text).value
    }
    return last
  }

  func tensor(_ v: Value?) -> Tensor? {
    guard case .tensor(let variable)? = v else { return nil }
    return variable.value
  }

  /// The value of a rank-0 tensor.
  func scalar(_ v: Value?) -> Double? {
    guard let t = tensor(v), t.shape.isEmpty, t.data.count == 1 else { return nil }
    return t.data[0]
  }

  func items(_ v: Value?) -> [Value]? {
    guard case .list(let items)? = v else { return nil }
    return items
  }

  func isAbsent(_ v: Value?) -> Bool { v == nil }

  func isFunction(_ v: Value?) -> Bool {
    if case .function? = v { return true }
    return false
  }

  func global(_ name: String, in interpreter: Interpreter) -> Tensor? {
    tensor(interpreter.globals[name])
  }

  /// The diagnostic running `source` throws, or nil when it runs.
  func failure(_ source: String, in interpreter: Interpreter = Interpreter()) -> Diagnostic? {
    do {
      try evaluate(source, in: interpreter)
      return nil
    } catch let diagnostic as Diagnostic {
      return diagnostic
    } catch {
      return nil
    }
  }

  func isClose(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-12 * max(1, abs(b))
  }

  func isClose(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { pair in isClose(pair.0, pair.1) }
  }
}

/// Receives what `print(...)` sends.
private final class PrintedValues {
  var calls: [[Value]] = []
}

/// Runs statements on a thread of its own with a large stack, so recursion up to the
/// interpreter's limit cannot overflow the smaller stack of a test thread.
private final class LargeStackRunner: @unchecked Sendable {
  let interpreter = Interpreter()
  var recursionError: Diagnostic?
  var unexpected: String?
  var afterwards: Value?
  var deepButBounded: Value?

  @discardableResult
  func run(_ source: String) throws -> Value? {
    let text = SourceText(source)
    var last: Value? = nil
    for statement in try Parser.parse(source) {
      last = try interpreter.run(statement, in: text).value
    }
    return last
  }

  /// Runs `body` on a new thread with a 256 MB stack; false if it did not finish in ten minutes.
  func onLargeStack(_ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      body()
      done.signal()
    }
    thread.stackSize = 256 << 20
    thread.start()
    return done.wait(timeout: .now() + 600) == .success
  }
}

// MARK: - Tables

private let interpreterOperatorCases: [(String, [Double], [Int])] = [
  ("-2^2", [-4], []),
  ("2^3^2", [512], []),
  ("2**3**2", [512], []),
  ("2^-1", [0.5], []),
  ("1 + 2 * 3", [7], []),
  ("(1 + 2) * 3", [9], []),
  ("10 - 4 - 3", [3], []),
  ("12 / 3 / 2", [2], []),
  ("+3", [3], []),
  ("-2.5", [-2.5], []),
  ("1e-3", [0.001], []),
  (".5", [0.5], []),
  ("[1, 2] @ [3, 4] + 1", [12], []),
  ("[1, 2; 3, 4] @ [1, 1]", [3, 7], [2]),
  ("[1, 2; 3, 4] @ [1, 0; 0, 1]", [1, 2, 3, 4], [2, 2]),
  ("[1, 2, 3] + [[10], [20]]", [11, 12, 13, 21, 22, 23], [2, 3]),
  ("[1, 2, 3] * 2 - 1", [1, 3, 5], [3]),
  ("[1, 2, 3] > 2", [0, 0, 1], [3]),
  ("1 + 1 == 2", [1], []),
  ("3 != 3", [0], []),
  ("2 < 1", [0], []),
  ("[1, 2] <= [2, 2]", [1, 1], [2]),
  ("[1, 3] >= 2", [0, 1], [2]),
  ("all([1, 2, 3] > 0)", [1], []),
  ("any([1, -2, 3] < 0)", [1], []),
  ("all([1, 0; 1, 1], axis: 0)", [1, 0], [2]),
  ("any([0, 0; 0, 1], axis: 1)", [0, 1], [2]),
  ("all([])", [1], []),
  ("any([])", [0], []),
  ("θ̂ = 2\nθ̂ * 2", [4], []),
  ("0..3", [0, 1, 2], [3]),
  ("2..5", [2, 3, 4], [3]),
]

private let interpreterIndexPrelude = "A = [1, 2, 3; 4, 5, 6]\nx = [0, 1, 2, 3, 4]\n"

private let interpreterIndexCases: [(String, [Double], [Int])] = [
  ("A[0]", [1, 2, 3], [3]),
  ("A[0, 1]", [2], []),
  ("A[0, -1]", [3], []),
  ("A[:, 1]", [2, 5], [2]),
  ("A[:, 1:]", [2, 3, 5, 6], [2, 2]),
  ("A[1:3]", [4, 5, 6], [1, 3]),
  ("A[-1]", [4, 5, 6], [3]),
  ("A[0][1]", [2], []),
  ("x[::2]", [0, 2, 4], [3]),
  ("x[1:3]", [1, 2], [2]),
  ("x[-2:]", [3, 4], [2]),
  ("x[[0, 2]]", [0, 2], [2]),
  ("x[[4, 0, 4]]", [4, 0, 4], [3]),
  // Boolean masks select where true, as in NumPy; 0/1 written as numbers stay positions.
  ("x[x > 2]", [3, 4], [2]),
  ("x[[true, false, true, false, true]]", [0, 2, 4], [3]),
  ("x[(x > 0) * (x < 3)]", [1, 2], [2]),
  ("x[x > 9]", [], [0]),
  ("x[[0, 1, 1]]", [0, 1, 1], [3]),
  ("A[A > 2]", [3, 4, 5, 6], [4]),
  ("A[:, [true, false, true]]", [1, 3, 4, 6], [2, 2]),
  ("A[[false, true]]", [4, 5, 6], [1, 3]),
  ("A'", [1, 4, 2, 5, 3, 6], [3, 2]),
  ("A.T", [1, 4, 2, 5, 3, 6], [3, 2]),
  ("A.shape", [2, 3], [2]),
  ("x.shape", [5], [1]),
]

private let interpreterLiteralCases: [(String, [Double], [Int])] = [
  ("[1, 2, 3]", [1, 2, 3], [3]),
  ("[[1, 2], [3, 4]]", [1, 2, 3, 4], [2, 2]),
  ("[1, 2; 3, 4]", [1, 2, 3, 4], [2, 2]),
  ("[1, 2, 3; 4, 5, 6]", [1, 2, 3, 4, 5, 6], [2, 3]),
  ("[1; 2; 3]", [1, 2, 3], [3, 1]),
  ("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", [1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]),
  ("3.5", [3.5], []),
  ("[]", [], [0]),
  ("a = 2; b = 3; [1/3, 2*a, -b]", [1.0 / 3.0, 4, -3], [3]),
  ("a = 2; b = 3; [a, b]", [2, 3], [2]),
  ("x = [1, 2]; [x[0], x[1] * 10]", [1, 20], [2]),
  ("x = [1, 2]; y = [3, 4]; stack([x, y])", [1, 2, 3, 4], [2, 2]),
]

private let interpreterListCases: [(String, Int)] = [
  ("x = [1, 2]; y = [3, 4]; [x, y]", 2),
  ("W = eye(2); b = [1, 2]; [W, b]", 2),
  ("[\"digits.csv\", 1]", 2),
  ("[sum, 1]", 2),
  ("[ones(2), zeros(3), 7]", 3),
  ("[[1, 2], 3]", 2),
]

private let interpreterRaggedCases: [(String, String)] = [
  ("[[1, 2], [3]]", "row 2"),
  ("[[1, 2], [3, 4], [5, 6, 7]]", "row 3"),
  ("[1, 2; 3]", "row 2"),
  ("[1, 2; 3, 4; 5]", "row 3"),
]

private let interpreterConstantCases: [(String, Double)] = [
  ("true", 1),
  ("false", 0),
  ("pi", Double.pi),
  ("inf", Double.infinity),
  ("-inf", -Double.infinity),
  ("true + true", 2),
  ("2 * pi", 2 * Double.pi),
]

private let interpreterSignDefinitions =
  "s(v) = if v > 0 { 1 } else if v < 0 { -1 } else { 0 }\n"
private let interpreterSignDefinitionsMultiLine =
  "s(v) = if v > 0 {\n  1\n} else if v < 0 {\n  -1\n}\nelse {\n  0\n}\n"

private let interpreterIfCases: [(String, Double)] = [
  ("x = 3\ny = if x > 0 { x } else { 0 }\ny", 3),
  ("x = -3\ny = if x > 0 { x } else { 0 }\ny", 0),
  ("x = -3\ny = if x > 0 {\n  x\n}\nelse {\n  0\n}\ny", 0),
  ("if 2 > 1 { 10 } else { 20 }", 10),
  ("1 + if 0 { 10 } else { 20 }", 21),
  (interpreterSignDefinitions + "s(5)", 1),
  (interpreterSignDefinitions + "s(-2)", -1),
  (interpreterSignDefinitions + "s(0)", 0),
  (interpreterSignDefinitionsMultiLine + "s(5)", 1),
  (interpreterSignDefinitionsMultiLine + "s(-2)", -1),
  (interpreterSignDefinitionsMultiLine + "s(0)", 0),
]

/// Statements that fail at run time, after `W = zeros(3, 4)`, `x = [1, 2, 3]` and `f(v) = v + 1`.
private let interpreterFailingStatements: [String] = [
  "W @ x",
  "softmx(x)",
  "reshape()",
  "x[5]",
  "[[1, 2], [3]]",
  "[1, 2; 3]",
  "f(1, 2)",
  "x = W @ x",
  "W = W @ x",
  "x += ones(2, 2)",
  "y = undefined_name + 1",
  "grad(x * 2, x)",
  "if x > 0 { 1 } else { 0 }",
  "X, y = [ones(2), zeros(3), ones(4)]",
]

// MARK: - Operators and indexing

@Suite("Interpreter: operators and indexing")
struct InterpreterOperatorTests: InterpreterHarness {
  @Test(arguments: interpreterOperatorCases)
  func operators(source: String, data: [Double], shape: [Int]) throws {
    let output = try evaluate(source)
    let t = try #require(tensor(output), "\(source) should give a tensor")
    #expect(t.shape == shape)
    #expect(isClose(t.data, data), "\(source) gave \(t.data)")
  }

  @Test(arguments: interpreterIndexCases)
  func indexing(source: String, data: [Double], shape: [Int]) throws {
    let output = try evaluate(interpreterIndexPrelude + source)
    let t = try #require(tensor(output), "\(source) should give a tensor")
    #expect(t.shape == shape)
    #expect(t.data == data)
  }

  @Test func outOfBoundsIndexNamesIndexAxisAndSize() throws {
    let interpreter = Interpreter()
    let d = try #require(failure("x = [1, 2, 3]\nx[5]", in: interpreter))
    #expect(d.message.contains("index 5"))
    #expect(d.message.contains("axis 0"))
    #expect(d.message.contains("size 3"))
    #expect(d.range?.start.line == 2)
    #expect(global("x", in: interpreter)?.data == [1, 2, 3])
  }

  @Test func outOfBoundsOnTheSecondAxis() throws {
    let d = try #require(failure("A = eye(2)\nA[0, 3]"))
    #expect(d.message.contains("index 3"))
    #expect(d.message.contains("axis 1"))
    #expect(d.message.contains("size 2"))
  }

  @Test func negativeIndexOutOfBounds() throws {
    let d = try #require(failure("x = [1, 2, 3]\nx[-4]"))
    #expect(d.message.contains("index -4"))
    #expect(d.message.contains("size 3"))
  }
}

// MARK: - Literals

@Suite("Interpreter: literals, tensors and lists")
struct InterpreterLiteralTests: InterpreterHarness {
  @Test(arguments: interpreterLiteralCases)
  func tensorLiterals(source: String, data: [Double], shape: [Int]) throws {
    let output = try evaluate(source)
    let t = try #require(tensor(output), "\(source) should give a tensor")
    #expect(t.shape == shape)
    #expect(t.data == data)
  }

  @Test(arguments: interpreterListCases)
  func listLiterals(source: String, count: Int) throws {
    let v = try evaluate(source)
    let list = try #require(items(v), "\(source) should give a list")
    #expect(list.count == count)
  }

  @Test func twoVectorsOfTheSameShapeMakeAListOfThoseVectors() throws {
    let output = try evaluate("x = [1, 2]\ny = [3, 4]\n[x, y]")
    let list = try #require(items(output))
    #expect(list.count == 2)
    #expect(tensor(list.first)?.data == [1, 2])
    #expect(tensor(list.last)?.data == [3, 4])
  }

  @Test func scalarVariablesMakeATensorOutsideGrad() throws {
    let output = try evaluate("a = 2; b = 3; [a, b]")
    let t = try #require(tensor(output))
    #expect(t.shape == [2])
    #expect(t.data == [2, 3])
  }

  @Test func stringLiteral() throws {
    let v = try evaluate("s = \"digits.csv\"\ns")
    guard case .string(let s)? = v else {
      Issue.record("a string literal should evaluate to a string")
      return
    }
    #expect(s == "digits.csv")
  }

  @Test(arguments: interpreterRaggedCases)
  func raggedLiteralNamesTheRow(source: String, row: String) throws {
    let d = try #require(failure(source), "\(source) should be an error")
    #expect(d.message.contains(row), "message: \(d.message)")
  }

  @Test func lenCountsListItems() throws {
    let output = try evaluate("len([ones(2), zeros(3)])")
    #expect(scalar(output) == 2)
    let output2 = try evaluate("len([1, 2, 3])")
    #expect(scalar(output2) == 3)
  }

  @Test func listsJoinWithPlus() throws {
    let grown = try evaluate("L = []\nfor i in range(3) { L = L + [ones(i + 1)] }\n[len(L), numel(L[2])]")
    #expect(tensor(grown)?.data == [3, 3])
    let joined = try evaluate("len([ones(2), 1] + [zeros(3)])")
    #expect(scalar(joined) == 3)
    // A list and a tensor do not add: the message says what + does with lists.
    let d = try #require(failure("L = [ones(2), 1]\nL + 1", in: Interpreter()))
    #expect(d.message.contains("+ joins two lists"))
  }

  @Test func listsIndexFromZeroAndFromTheEnd() throws {
    let interpreter = Interpreter()
    try evaluate("g = [ones(2), zeros(3)]", in: interpreter)
    let output = try evaluate("g[0]", in: interpreter)
    let first = try #require(tensor(output))
    #expect(first.data == [1, 1])
    let output2 = try evaluate("g[-1]", in: interpreter)
    let last = try #require(tensor(output2))
    #expect(last.data == [0, 0, 0])
    let d = try #require(failure("g[2]", in: interpreter))
    #expect(d.message.contains("out of bounds"))
  }

  @Test("an entry assignment that does not fit is named as typed and keeps x; k = 1e20 is too large, not fractional")
  func entryAssignmentAndIntegerErrors() throws {
    let interpreter = Interpreter()
    try evaluate("x = [1, 2, 0.5]", in: interpreter)
    let compound = try #require(failure("x[x > 1] += [1, 2, 3]", in: interpreter))
    #expect(compound.message.hasPrefix("x[x > 1] += [1, 2, 3]: x has shape [3]; "))
    let plain = try #require(failure("x[9] = 1", in: interpreter))
    #expect(plain.message.hasPrefix("x[9] = 1: x has shape [3]; index 9 is out of bounds"))
    #expect(global("x", in: interpreter)?.data == [1, 2, 0.5])
    let large = try #require(failure("matrix_power([1, 2; 3, 4], 1e20)", in: interpreter))
    #expect(large.message.contains("'k' must be a whole number of at most 2^40 in size, got 1e+20"))
    let fractional = try #require(failure("matrix_power([1, 2; 3, 4], 1.5)", in: interpreter))
    #expect(fractional.message.contains("'k' must be a whole number, got 1.5"))
  }

  @Test func unpackingAList() throws {
    let interpreter = Interpreter()
    let v = try evaluate("X, y = [ones(2), zeros(3)]", in: interpreter)
    #expect(isAbsent(v))
    let X = try #require(global("X", in: interpreter))
    let y = try #require(global("y", in: interpreter))
    #expect(X.shape == [2])
    #expect(X.data == [1, 1])
    #expect(y.shape == [3])
    #expect(y.data == [0, 0, 0])
  }

  @Test func unpackingTheWrongNumberOfValuesIsAnError() throws {
    let d = try #require(failure("a, b, c = [ones(2), zeros(3)]"))
    #expect(d.message.contains("2"))
    #expect(d.message.contains("3"))
  }
}

// MARK: - Statements

@Suite("Interpreter: statements")
struct InterpreterStatementTests: InterpreterHarness {
  @Test func onlyExpressionsWithoutSemicolonShowAValue() throws {
    let source = "x = 1\nx + 1;\nx + 1\nf(v) = v\nfor i in range(2) { x += i }\nX, Y = [ones(1), ones(2)]"
    let interpreter = Interpreter()
    let text = SourceText(source)
    var shown: [Double?] = []
    var absent: [Bool] = []
    for statement in try Parser.parse(source) {
      let value = try interpreter.run(statement, in: text).value
      shown.append(scalar(value))
      absent.append(isAbsent(value))
    }
    #expect(absent == [true, true, false, true, true, true])
    #expect(shown == [nil, nil, 2, nil, nil, nil])
  }

  @Test func assignmentBindsAGlobal() throws {
    let interpreter = Interpreter()
    try evaluate("x = [1, 2, 3]\ns = 3.5", in: interpreter)
    #expect(global("x", in: interpreter)?.data == [1, 2, 3])
    #expect(global("s", in: interpreter)?.shape == [Int]())
    #expect(global("s", in: interpreter)?.data == [3.5])
  }

  @Test func compoundAssignmentsUpdateInPlace() throws {
    let interpreter = Interpreter()
    try evaluate("x = [1, 2]\nx += 1\nx -= [0.5, 0.5]\nx *= 2\nx /= 4", in: interpreter)
    #expect(global("x", in: interpreter)?.data == [0.75, 1.25])
  }

  @Test func compoundAssignmentKeepsTheShape() throws {
    let interpreter = Interpreter()
    let d = try #require(failure("x = [1, 2]\nx += ones(2, 2)", in: interpreter))
    #expect(d.message.contains("[2, 2]"), "message: \(d.message)")
    #expect(global("x", in: interpreter)?.data == [1, 2])
    #expect(global("x", in: interpreter)?.shape == [2])
  }

  @Test func compoundAssignmentDropsHistory() throws {
    let interpreter = Interpreter()
    let v = try evaluate("x = [1.0, 2]\ny = x * 2\nx += 1\ngrad(sum(y), x)", in: interpreter)
    let g = try #require(tensor(v))
    #expect(g.shape == [2])
    #expect(g.data == [0, 0])
    let explained = interpreter.notes.contains { $0.contains("x was reassigned or updated after sum(y) was computed") }
    #expect(explained, "notes: \(interpreter.notes)")
    #expect(global("x", in: interpreter)?.data == [2, 3])
    #expect(global("y", in: interpreter)?.data == [2, 4])
  }

  @Test(arguments: ["h(a, b) = a - b; h(b: 1, a: 5)", "h(a, b) = a - b; h(b=1, a=5)", "h(a, b) = a - b; h(5, b: 1)"])
  func namedArgumentsToUserFunctions(source: String) throws {
    let output = try evaluate(source)
    #expect(scalar(output) == 4)
  }

  @Test(arguments: [
    ("sum([1, 2; 3, 4], axis: 0)", [4.0, 6.0]),
    ("sum([1, 2; 3, 4], axis=1)", [3.0, 7.0]),
  ])
  func namedArgumentsToBuiltins(source: String, data: [Double]) throws {
    let output = try evaluate(source)
    let t = try #require(tensor(output))
    #expect(t.data == data)
  }

  @Test func indicesAreZeroBased() throws {
    let output = try evaluate("onehot(0, 3)")
    #expect(tensor(output)?.data == [1, 0, 0])
    let output2 = try evaluate("onehot(2, 3)")
    #expect(tensor(output2)?.data == [0, 0, 1])
    let output3 = try evaluate("range(3)")
    #expect(tensor(output3)?.data == [0, 1, 2])
  }

  @Test func printSendsItsArgumentsAndShowsNothing() throws {
    let interpreter = Interpreter()
    let printed = PrintedValues()
    interpreter.printHandler = { printed.calls.append($0) }
    let v = try evaluate("print(\"loss\", 0.25)", in: interpreter)
    #expect(isAbsent(v))
    #expect(printed.calls.count == 1)
    let values = try #require(printed.calls.first)
    #expect(values.count == 2)
    guard case .string(let label)? = values.first else {
      Issue.record("the first printed value should be the string")
      return
    }
    #expect(label == "loss")
    #expect(scalar(values.last) == 0.25)
  }
}

// MARK: - Functions

@Suite("Interpreter: functions")
struct InterpreterFunctionTests: InterpreterHarness {
  @Test func oneLineDefinition() throws {
    let output = try evaluate("f(x) = sum(x^2); f([1, 2])")
    #expect(scalar(output) == 5)
  }

  @Test func definitionIsBoundAsAFunction() throws {
    let interpreter = Interpreter()
    let v = try evaluate("f(x) = sum(x^2)", in: interpreter)
    #expect(isAbsent(v))
    #expect(isFunction(interpreter.globals["f"]))
  }

  @Test func multiParameterDefinition() throws {
    let output = try evaluate("g(x, W, b) = W @ x + b\ng([1, 1], [1, 2; 3, 4], [10, 20])")
    let t = try #require(tensor(output))
    #expect(t.shape == [2])
    #expect(t.data == [13, 27])
  }

  @Test func functionsSeeGlobalsAtCallTime() throws {
    let interpreter = Interpreter()
    let output = try evaluate("W = 2\nf(x) = W * x\nf(5)", in: interpreter)
    #expect(scalar(output) == 10)
    let output2 = try evaluate("W = 3\nf(5)", in: interpreter)
    #expect(scalar(output2) == 15)
  }

  @Test func functionsCanCallFunctionsDefinedLater() throws {
    let output = try evaluate("a(x) = b(x) * 2\nb(x) = x + 1\na(1)")
    #expect(scalar(output) == 4)
  }

  @Test func namesAssignedInABodyAreLocal() throws {
    let interpreter = Interpreter()
    let v = try evaluate("h = 7\nf(x) = { h = x * 2; h + 1 }\nf(1)", in: interpreter)
    #expect(scalar(v) == 3)
    #expect(global("h", in: interpreter)?.data == [7])
    let w = try evaluate("g(x) = {\n  tmp = x + 1\n  tmp * 2\n}\ng(1)", in: interpreter)
    #expect(scalar(w) == 4)
    #expect(isAbsent(interpreter.globals["tmp"]))
  }

  @Test func parametersShadowGlobals() throws {
    let interpreter = Interpreter()
    let output = try evaluate("x = 100\nf(x) = x + 1\nf(1)", in: interpreter)
    #expect(scalar(output) == 2)
    #expect(global("x", in: interpreter)?.data == [100])
  }

  @Test func blockBodyValueIsItsLastLine() throws {
    let source = """
      W1 = [1, 0; 0, 1]
      b1 = [0, -5]
      W2 = [1, 1; 1, -1]
      b2 = [0.5, 0]
      mlp(x) = {
        h = leaky_relu(W1 @ x + b1, 0.02)
        W2 @ h + b2
      }
      mlp([1, 2])
      """
    let interpreter = Interpreter()
    let output = try evaluate(source, in: interpreter)
    let t = try #require(tensor(output))
    #expect(t.shape == [2])
    #expect(isClose(t.data, [1.44, 1.06]), "mlp gave \(t.data)")
    #expect(isAbsent(interpreter.globals["h"]))
  }

  @Test func loopsInsideAFunctionAreLocal() throws {
    let interpreter = Interpreter()
    let v = try evaluate(
      "total = 100\ns(n) = { total = 0; for i in range(n) { total += i }; total }\ns(4)", in: interpreter)
    #expect(scalar(v) == 6)
    #expect(global("total", in: interpreter)?.data == [100])
    #expect(isAbsent(interpreter.globals["i"]))
  }

  @Test func recursion() throws {
    let output = try evaluate("fact(n) = if n <= 1 { 1 } else { n * fact(n - 1) }; fact(5)")
    #expect(scalar(output) == 120)
    let output2 = try evaluate("fib(n) = if n < 2 { n } else { fib(n - 1) + fib(n - 2) }\nfib(10)")
    #expect(scalar(output2) == 55)
  }

  @Test func unboundedRecursionIsAClearErrorAndTheSessionSurvives() throws {
    let runner = LargeStackRunner()
    let finished = runner.onLargeStack {
      do {
        try runner.run("keep = [1, 2, 3]\ng(n) = g(n + 1)\nh(v) = v + 1")
        try runner.run("g(0)")
        runner.unexpected = "g(0) returned instead of failing"
      } catch let diagnostic as Diagnostic {
        runner.recursionError = diagnostic
      } catch {
        runner.unexpected = "\(error)"
      }
      runner.afterwards = try? runner.run("h(keep)")
      runner.deepButBounded = try? runner.run("k(n) = if n <= 0 { 0 } else { 1 + k(n - 1) }\nk(900)")
    }
    try #require(finished, "the statements did not finish")
    #expect(runner.unexpected == nil)
    let diagnostic = try #require(runner.recursionError)
    #expect(diagnostic.message.contains("recursion"), "message: \(diagnostic.message)")
    #expect(diagnostic.range != nil)
    // The call chain repeats one call site: one counted line, not a thousand.
    #expect(diagnostic.notes.count == 2 && diagnostic.notes[0].hasSuffix("(999 times)"), "\(diagnostic.notes)")
    #expect(tensor(runner.interpreter.globals["keep"])?.data == [1, 2, 3])
    #expect(isFunction(runner.interpreter.globals["g"]))
    #expect(isFunction(runner.interpreter.globals["h"]))
    #expect(tensor(runner.afterwards)?.data == [2, 3, 4])
    #expect(scalar(runner.deepButBounded) == 900)
  }

  @Test func wrongNumberOfArgumentsShowsTheUsage() throws {
    let d = try #require(failure("f(x) = x\nf(1, 2)"))
    #expect(d.message.contains("takes 1 argument"), "message: \(d.message)")
    #expect(d.notes.contains("usage: f(x)"), "notes: \(d.notes)")
  }

  @Test func missingArgumentIsNamed() throws {
    let d = try #require(failure("f(x, y) = x + y\nf(1)"))
    #expect(d.message.contains("'y'"), "message: \(d.message)")
    #expect(d.notes.contains("usage: f(x, y)"), "notes: \(d.notes)")
  }
}

// MARK: - Control flow

@Suite("Interpreter: loops and if")
struct InterpreterControlFlowTests: InterpreterHarness {
  @Test func topLevelForUpdatesSessionVariables() throws {
    let interpreter = Interpreter()
    try evaluate("acc = 0\nfor i in range(5) { acc += i }", in: interpreter)
    #expect(global("acc", in: interpreter)?.data == [10])
  }

  @Test func rangeLoopIsEndExclusiveAndInOrder() throws {
    let interpreter = Interpreter()
    try evaluate("seen = 0\nfor t in 0..3 { seen = seen * 10 + t + 1 }", in: interpreter)
    #expect(global("seen", in: interpreter)?.data == [123])
  }

  @Test func rangeLoopToAVariable() throws {
    let interpreter = Interpreter()
    try evaluate("T = 4\ncount = 0\nfor t in 0..T {\n  count += 1\n}", in: interpreter)
    #expect(global("count", in: interpreter)?.data == [4])
  }

  @Test func emptyRangeRunsNothing() throws {
    let interpreter = Interpreter()
    try evaluate("n = 0\nfor t in 0..0 { n += 1 }\nfor t in 3..1 { n += 1 }", in: interpreter)
    #expect(global("n", in: interpreter)?.data == [0])
  }

  @Test func longLoopsCountWithoutBuildingTheirRangeAndStopAtTheFirstInterrupt() throws {
    // range(10^8) and 0..10^8 as lists would take gigabytes before the first iteration; the
    // loop counts instead, so an interrupt after a few iterations returns at once.
    for loop in ["for i in range(100000000) { n += 1 }", "for i in 0..100000000 { n += 1 }"] {
      let interpreter = Interpreter()
      try evaluate("n = 0", in: interpreter)
      var asked = 0
      interpreter.interruptRequested = {
        asked += 1
        return asked > 5
      }
      let d = try #require(failure(loop, in: interpreter))
      #expect(d.message == "interrupted")
      #expect(global("n", in: interpreter)?.data == [5])
    }
    // A user's own range is called, not counted.
    let interpreter = Interpreter()
    try evaluate("range(n) = [10, 20]\ns = 0\nfor v in range(3) { s += v }", in: interpreter)
    #expect(global("s", in: interpreter)?.data == [30])
  }

  @Test func topLevelLoopBodyAssignsSessionVariables() throws {
    let interpreter = Interpreter()
    try evaluate("for i in range(3) {\n  last = i * 2\n}", in: interpreter)
    #expect(global("last", in: interpreter)?.data == [4])
  }

  @Test func gradientDescentInATopLevelLoop() throws {
    let interpreter = Interpreter()
    try evaluate("W = [1.0, 2]\nfor i in range(3) { W -= 0.25 * grad(sum(W^2), W) }", in: interpreter)
    let W = try #require(global("W", in: interpreter))
    #expect(isClose(W.data, [0.125, 0.25]), "W is \(W.data)")
  }

  @Test(arguments: interpreterIfCases)
  func ifIsAnExpression(source: String, expected: Double) throws {
    let output = try evaluate(source)
    #expect(scalar(output) == expected)
  }

  @Test func topLevelIfAssignsSessionVariables() throws {
    let interpreter = Interpreter()
    try evaluate("flag = 1\nif flag > 0 { z = 5 } else { z = 6 }", in: interpreter)
    #expect(global("z", in: interpreter)?.data == [5])
  }

  @Test func ifNeedsAScalarCondition() throws {
    let d = try #require(failure("x = [1, 2]\nif x > 0 { 1 } else { 0 }"))
    #expect(d.message.contains("scalar"), "message: \(d.message)")
  }
}

// MARK: - Differentiation

@Suite("Interpreter: differentiation")
struct InterpreterDifferentiationTests: InterpreterHarness {
  @Test func gradientOfSumOfSquaresIsTwiceX() throws {
    let output = try evaluate("x = [1, 2, 3]\ne = sum(x^2)\ngrad(e, x)")
    let t = try #require(tensor(output))
    #expect(t.shape == [3])
    #expect(isClose(t.data, [2, 4, 6]), "∂e/∂x is \(t.data)")
  }

  @Test func gradientWithRespectToAListIsAList() throws {
    let source = "W = [1, 2; 3, 4]\nb = [1, -1]\nv = [5, 6]\ne = sum(W @ v + b)\ngrad(e, [W, b])"
    let output = try evaluate(source)
    let list = try #require(items(output))
    #expect(list.count == 2)
    let dW = try #require(tensor(list.first))
    let db = try #require(tensor(list.last))
    #expect(dW.shape == [2, 2])
    #expect(isClose(dW.data, [5, 6, 5, 6]), "∂e/∂W is \(dW.data)")
    #expect(db.shape == [2])
    #expect(isClose(db.data, [1, 1]), "∂e/∂b is \(db.data)")
  }

  @Test func bracketOfScalarNamesInTheWithRespectToPositionIsAList() throws {
    let output = try evaluate("a = 2; b = 3; e = a * b; grad(e, [a, b])")
    let list = try #require(items(output))
    #expect(list.count == 2)
    let da = try #require(scalar(list.first))
    let db = try #require(scalar(list.last))
    #expect(isClose(da, 3))
    #expect(isClose(db, 2))
  }

  @Test func scalarExpressionsInALiteralStayDifferentiable() throws {
    let output = try evaluate("a = 2; b = 5; v = [2*a, -b]; grad(sum(v), [a, b])")
    let list = try #require(items(output))
    #expect(list.count == 2)
    let da = try #require(scalar(list.first))
    let db = try #require(scalar(list.last))
    #expect(isClose(da, 2))
    #expect(isClose(db, -1))
  }

  @Test func reassignedVariableGivesZerosAndANote() throws {
    let interpreter = Interpreter()
    let output = try evaluate("x = [1.0, 2]\ne = sum(x^2)\nx = [3.0, 4]\ngrad(e, x)", in: interpreter)
    let t = try #require(tensor(output))
    #expect(t.data == [0, 0])
    #expect(interpreter.notes.contains { $0.contains("x was reassigned or updated after e was computed") })
    // An expression in the with-respect-to place is a new value: the note says to name it.
    let fresh = Interpreter()
    let zeros = try evaluate("grad(sum(ones(2)^2), ones(2))", in: fresh)
    #expect(tensor(zeros)?.data == [0, 0])
    #expect(fresh.notes.contains { $0.contains("ones(2) here is a new value") })
  }

  @Test func detachCutsHistory() throws {
    let output = try evaluate("x = [1.0, 2]\ne = sum(detach(x) * x)\ngrad(e, x)")
    let t = try #require(tensor(output))
    #expect(isClose(t.data, [1, 2]), "∂e/∂x is \(t.data)")
  }

  @Test func gradOfANonScalarPointsToJacobian() throws {
    let d = try #require(failure("x = [1, 2]\ngrad(x * 2, x)"))
    #expect(d.message.contains("jacobian"), "message: \(d.message)")
  }

  @Test func gradOfAFunctionIsAFunction() throws {
    let interpreter = Interpreter()
    let v = try evaluate("f(x) = x^3\ng = grad(f)\ng(3)", in: interpreter)
    #expect(isFunction(interpreter.globals["g"]))
    let value = try #require(scalar(v))
    #expect(isClose(value, 27), "grad(f)(3) is \(value)")
  }

  @Test func gradOfAFunctionAtAPoint() throws {
    let output = try evaluate("f(x) = x^3\ngrad(f, 3)")
    let value = try #require(scalar(output))
    #expect(isClose(value, 27), "grad(f, 3) is \(value)")
  }

  @Test func secondDerivativeThroughGradOfGrad() throws {
    let output = try evaluate("f(x) = x^3\ngrad(grad(f))(2)")
    let value = try #require(scalar(output))
    #expect(isClose(value, 12), "grad(grad(f))(2) is \(value)")
  }
}

// MARK: - Errors

@Suite("Interpreter: errors")
struct InterpreterErrorTests: InterpreterHarness {
  @Test func shapeMismatchNamesOperandsShapesAndRule() throws {
    let interpreter = Interpreter()
    let d = try #require(failure("W = zeros(3, 4)\nx = ones(3)\nW @ x", in: interpreter))
    #expect(d.message.contains("W is [3, 4]"), "message: \(d.message)")
    #expect(d.message.contains("x is [3]"), "message: \(d.message)")
    #expect(d.message.contains("inner dimensions 4 and 3 differ"), "message: \(d.message)")
    #expect(d.range?.start.line == 3)
    #expect(d.range?.start.column == 3)
    #expect(global("W", in: interpreter)?.shape == [3, 4])
    #expect(global("x", in: interpreter)?.shape == [3])
  }

  @Test func habitsFromOtherLanguagesGetAPointer() throws {
    // x[i] = v works as in NumPy; max(a, b) and x' on a vector expecting a column get a pointer.
    let assigned = Interpreter()
    try evaluate("x = [1, 2, 3]\nx[x > 1] = 0", in: assigned)
    #expect(global("x", in: assigned)?.data == [1, 0, 0])
    let larger = try #require(failure("max([1, 5], [3, 4])"))
    #expect(larger.message.contains("use maximum(a, b)"))
    let interpreter = Interpreter()
    let inner = try evaluate("x = [1, 2, 3]\nx @ x'", in: interpreter)
    #expect(scalar(inner) == 14)
    #expect(interpreter.notes.contains { $0.contains("leaves a vector as it is") })
  }

  @Test func aLabelTypedInPartSuggestsTheWholeOne() throws {
    let d = try #require(failure("softmax([1, 2], ax: 0)"))
    #expect(d.suggestion == "axis")
  }

  @Test func misspelledFunctionSuggestsTheName() throws {
    let d = try #require(failure("x = [1, 2, 3]\nsoftmx(x)"))
    #expect(d.suggestion == "softmax")
    #expect(d.message.contains("softmx"))
    #expect(d.range?.start.line == 2)
    #expect(d.range?.start.column == 1)
  }

  @Test func misspelledVariableSuggestsTheName() throws {
    let d = try #require(failure("weights = [1, 2]\nweigths"))
    #expect(d.suggestion == "weights")
  }

  @Test func wrongBuiltinCallShowsTheUsage() throws {
    let d = try #require(failure("reshape()"))
    let usage = d.notes.contains { $0.hasPrefix("usage: reshape(") }
    #expect(usage, "notes: \(d.notes)")
  }

  @Test func callingANonFunction() throws {
    let d = try #require(failure("x = 1\nx(2)"))
    #expect(d.message.contains("not a function"), "message: \(d.message)")
  }

  @Test(arguments: interpreterFailingStatements)
  func errorsNeverLoseVariables(statement: String) throws {
    let interpreter = Interpreter()
    try evaluate("W = zeros(3, 4)\nx = [1, 2, 3]\nf(v) = v + 1", in: interpreter)
    let d = failure(statement, in: interpreter)
    #expect(d != nil, "\(statement) should fail")
    #expect(global("W", in: interpreter)?.shape == [3, 4])
    #expect(global("W", in: interpreter)?.data == [Double](repeating: 0, count: 12))
    #expect(global("x", in: interpreter)?.data == [1, 2, 3])
    #expect(isFunction(interpreter.globals["f"]))
    #expect(isAbsent(interpreter.globals["y"]))
    // The session goes on.
    let output = try evaluate("f(x)", in: interpreter)
    let after = try #require(tensor(output))
    #expect(after.data == [2, 3, 4])
  }

  @Test func errorInsideAFunctionLeaksNoLocals() throws {
    let interpreter = Interpreter()
    let d = failure("f(v) = {\n  tmp = v\n  tmp @ ones(5)\n}\nf([1, 2, 3])", in: interpreter)
    #expect(d != nil)
    #expect(isAbsent(interpreter.globals["tmp"]))
    try evaluate("z = 1", in: interpreter)
    #expect(global("z", in: interpreter)?.data == [1])
  }
}

// MARK: - IEEE arithmetic and constants

@Suite("Interpreter: IEEE arithmetic and constants")
struct InterpreterIEEETests: InterpreterHarness {
  @Test func divisionByZeroIsInfinityWithANote() throws {
    let interpreter = Interpreter()
    let v = try evaluate("1/0", in: interpreter)
    #expect(scalar(v) == Double.infinity)
    #expect(!interpreter.notes.isEmpty)
    let named = interpreter.notes.contains { $0.contains("inf") }
    #expect(named, "notes: \(interpreter.notes)")
  }

  @Test func zeroOverZeroIsNaNWithANote() throws {
    let interpreter = Interpreter()
    let output = try evaluate("0/0", in: interpreter)
    let value = try #require(scalar(output))
    #expect(value.isNaN)
    let named = interpreter.notes.contains { $0.contains("nan") }
    #expect(named, "notes: \(interpreter.notes)")
  }

  @Test func logOfZeroIsMinusInfinityWithANote() throws {
    let interpreter = Interpreter()
    let v = try evaluate("log(0)", in: interpreter)
    #expect(scalar(v) == -Double.infinity)
    #expect(!interpreter.notes.isEmpty)
  }

  @Test func finiteArithmeticAddsNoNote() throws {
    let interpreter = Interpreter()
    try evaluate("x = [1, 2] / 2\ny = log(x)", in: interpreter)
    #expect(interpreter.notes.isEmpty, "notes: \(interpreter.notes)")
  }

  @Test(arguments: interpreterConstantCases)
  func constants(source: String, value: Double) throws {
    let output = try evaluate(source)
    #expect(scalar(output) == value)
  }

  @Test func nanConstant() throws {
    let output = try evaluate("nan")
    let value = try #require(scalar(output))
    #expect(value.isNaN)
  }
}
