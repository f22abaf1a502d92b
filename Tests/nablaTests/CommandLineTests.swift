import Dispatch
import Foundation
import NablaChildProcess
import NablaSession
import Testing

// End-to-end tests of the `nabla` command: they run the built debug binary as a process and
// check what it writes to stdout and stderr and how it exits, against the contract in
// design/language.md (Output, Errors, Command line).

// MARK: - Running the binary

/// The package root: three directories up from this file (Tests/nablaTests/CommandLineTests.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()
  .deletingLastPathComponent()
  .deletingLastPathComponent()

/// The binary `make test` builds before running the tests.
let nablaBinary = packageRoot.appendingPathComponent(".build/debug/nabla")

/// What one run of the binary did.
struct NablaRun {
  var stdout: String
  var stderr: String
  /// The exit status, or the signal number when `exited` is false.
  var status: Int32
  var exited: Bool
}

struct MissingBinary: Error, CustomStringConvertible {
  var path: String
  var description: String { "no nabla binary at \(path); build it first (make test does)" }
}

/// Runs the binary with exactly `environment`, feeding it `stdin` (or /dev/null), and reads
/// stdout and stderr concurrently so that neither pipe can fill up and stall the child.
/// A run that takes longer than `timeout` seconds is killed (and then shows up as a signal).
func runNabla(
  _ arguments: [String], stdin: String?, environment: [String: String], timeout: Double = 120
) throws -> NablaRun {
  guard FileManager.default.isExecutableFile(atPath: nablaBinary.path) else {
    throw MissingBinary(path: nablaBinary.path)
  }
  // A child that exits before reading its input must not kill the test runner.
  signal(SIGPIPE, SIG_IGN)
  let run = try ChildProcess.run(
    nablaBinary.path, arguments, environment: environment, input: stdin, timeout: timeout)
  return NablaRun(stdout: run.stdout, stderr: run.stderr, status: run.status, exited: run.exited)
}

/// The environment of the test process with `NO_COLOR=1`, then `extra` on top.
func testEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
  var environment = ProcessInfo.processInfo.environment
  environment["NO_COLOR"] = "1"
  environment.merge(extra) { _, new in new }
  return environment
}

/// Runs `nabla arguments…` with `NO_COLOR=1` (plus `extra`) and returns its output and exit status.
func nabla(
  _ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]
) throws -> (stdout: String, stderr: String, status: Int32) {
  let run = try runNabla(arguments, stdin: stdin, environment: testEnvironment(extra))
  return (run.stdout, run.stderr, run.status)
}

// MARK: - Reading the output

/// Lines of text, without empty ones.
func lines(_ text: String) -> [String] {
  text.split(separator: "\n").map(String.init)
}

/// Whitespace-separated fields of a line.
func fields(_ line: String) -> [String] {
  line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
}

/// The numbers of a one-line vector such as `[ 0.2312  -0.3715   0.1402]`.
func vectorNumbers(_ line: String) -> [Double]? {
  let trimmed = line.trimmingCharacters(in: .whitespaces)
  guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return nil }
  let parts = fields(String(trimmed.dropFirst().dropLast()))
  let numbers = parts.compactMap { Double($0) }
  return numbers.count == parts.count ? numbers : nil
}

/// The `(line L, column C)` an error message reports.
func errorLocation(_ text: String) -> (line: Int, column: Int)? {
  guard let start = text.range(of: "(line ") else { return nil }
  let rest = text[start.upperBound...]
  let lineDigits = rest.prefix { $0.isASCII && $0.isNumber }
  guard let line = Int(lineDigits) else { return nil }
  let afterLine = rest.dropFirst(lineDigits.count)
  guard afterLine.hasPrefix(", column ") else { return nil }
  let columnDigits = afterLine.dropFirst(", column ".count).prefix { $0.isASCII && $0.isNumber }
  guard let column = Int(columnDigits) else { return nil }
  return (line, column)
}

/// The quoted source line of an error (`4 | y = x @ w`), its line-number gutter, and the
/// 1-based column of the caret on the line below it (`  |       ^`).
func caret(_ text: String) -> (gutter: String, source: String, column: Int)? {
  let all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  for (i, line) in all.enumerated() where i > 0 && line.contains("^") {
    guard let bar = line.range(of: " | "), let sourceBar = all[i - 1].range(of: " | ") else {
      continue
    }
    let marks = line[bar.upperBound...].unicodeScalars
    let column = marks.prefix { $0 != "^" }.count + 1
    let gutter = all[i - 1][..<sourceBar.lowerBound].trimmingCharacters(in: .whitespaces)
    return (gutter, String(all[i - 1][sourceBar.upperBound...]), column)
  }
  return nil
}

/// The character at a 1-based column of a line.
func character(_ line: String, column: Int) -> Character? {
  let characters = Array(line)
  guard column >= 1, column <= characters.count else { return nil }
  return characters[column - 1]
}

/// `|a - b| <= tolerance * |b|`.
func closeRelative(_ a: Double, _ b: Double, _ tolerance: Double = 1e-15) -> Bool {
  abs(a - b) <= tolerance * abs(b)
}

/// `softmax` in Swift, the way NumPy users write it (shifted by the maximum).
func softmax(_ x: [Double]) -> [Double] {
  let shift = x.max() ?? 0
  let exps = x.map { exp($0 - shift) }
  let total = exps.reduce(0, +)
  return exps.map { $0 / total }
}

// MARK: - JSON shapes of the contract

/// A tensor entry: a number, or `"inf"`, `"-inf"`, `"nan"`.
enum JSONEntry: Decodable, Equatable {
  case number(Double)
  case text(String)

  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else {
      self = .text(try container.decode(String.self))
    }
  }

  /// The number, or nil for a non-finite entry's string.
  var value: Double? {
    if case .number(let value) = self { return value }
    return nil
  }
}

struct JSONTensor: Decodable, Equatable {
  var shape: [Int]
  var data: [JSONEntry]
}

struct JSONList: Decodable {
  var list: [JSONTensor]
}

struct JSONFunction: Decodable {
  var function: String
}

struct JSONNote: Decodable {
  var note: String
}

struct JSONError: Decodable {
  var error: String
  var line: Int?
  var column: Int?
}

func decode<T: Decodable>(_ type: T.Type, _ line: String) throws -> T {
  try JSONDecoder().decode(type, from: Data(line.utf8))
}

/// Each line parsed as a JSON object.
func jsonObjects(_ text: String) throws -> [[String: Any]] {
  try lines(text).map { line -> [String: Any] in
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any], "not a JSON object: \(line)")
  }
}

// MARK: - The README session

@Suite("The README session: softmax Jacobian and cross-entropy gradient")
struct ReadmeSessionTests {
  static let statements =
    "x = [1, 2, 0.5]; p = softmax(x); jacobian(p, x); e = cross_entropy(p, onehot(1, 3)); grad(e, x)"

  /// The Jacobian table: title, labelled header, labelled rows, numbers equal to diag(p) − ppᵀ.
  @Test func jacobianTableOfSoftmax() throws {
    let result = try nabla(["-e", Self.statements])
    #expect(result.status == 0)
    #expect(result.stderr == "")
    let out = lines(result.stdout)
    try #require(out.count == 7, "unexpected output:\n\(result.stdout)")

    #expect(out[0] == "∂p/∂x")
    #expect(fields(out[1]) == ["x[0]", "x[1]", "x[2]"])

    let p = softmax([1, 2, 0.5])
    for i in 0..<3 {
      let row = fields(out[2 + i])
      try #require(row.count == 4, "row \(i): \(out[2 + i])")
      #expect(row[0] == "p[\(i)]")
      for j in 0..<3 {
        let expected = (i == j ? p[i] : 0) - p[i] * p[j]
        let printed = try #require(Double(row[1 + j]), "not a number: \(row[1 + j])")
        #expect(
          abs(printed - expected) <= 0.5e-4 + 1e-12,
          "J[\(i), \(j)] = \(printed), expected \(expected)")
      }
    }
  }

  /// `grad(e, x)` prints titled `∂e/∂x`, in the shape of x, equal to p − onehot(1, 3).
  @Test func gradientOfCrossEntropy() throws {
    let result = try nabla(["-e", Self.statements])
    #expect(result.status == 0)
    let out = lines(result.stdout)
    try #require(out.count == 7, "unexpected output:\n\(result.stdout)")
    #expect(out[5] == "∂e/∂x")
    let gradient = try #require(vectorNumbers(out[6]), "not a vector: \(out[6])")
    let p = softmax([1, 2, 0.5])
    let expected = [p[0], p[1] - 1, p[2]]
    try #require(gradient.count == 3)
    for k in 0..<3 {
      #expect(
        abs(gradient[k] - expected[k]) <= 0.5e-4 + 1e-12,
        "∂e/∂x[\(k)] = \(gradient[k]), expected \(expected[k])")
    }
  }

  /// The same statements given as separate `-e` options keep one session.
  @Test func separateEvalOptionsShareTheSession() throws {
    let result = try nabla([
      "-e", "x = [1, 2, 0.5]", "-e", "p = softmax(x)", "-e", "jacobian(p, x)",
    ])
    #expect(result.status == 0)
    let out = lines(result.stdout)
    #expect(out.first == "∂p/∂x")
    #expect(out.count == 5)
  }
}

// MARK: - Plain output

@Suite("Output format")
struct OutputFormatTests {
  @Test func integerScalarPrintsBare() throws {
    let result = try nabla(["-e", "sum([1, 2])"])
    #expect(result.stdout == "3\n")
    #expect(result.stderr == "")
    #expect(result.status == 0)
  }

  @Test func fractionalScalarPrintsWithFourDecimals() throws {
    #expect(try nabla(["-e", "mean([1, 2])"]).stdout == "1.5000\n")
    #expect(try nabla(["-e", "1/3"]).stdout == "0.3333\n")
  }

  @Test func vectorPrintsOnOneLine() throws {
    let result = try nabla(["-e", "softmax([1, 2, 0.5])"])
    #expect(result.stdout == "[0.2312  0.6285  0.1402]\n")
    #expect(result.status == 0)
  }

  @Test func integerTensorPrintsWithoutDecimals() throws {
    #expect(try nabla(["-e", "onehot(0, 3)"]).stdout == "[1  0  0]\n")
  }

  @Test func matrixPrintsUnderItsShape() throws {
    #expect(try nabla(["-e", "zeros(2, 3)"]).stdout == "[2, 3]\n0  0  0\n0  0  0\n")

    let result = try nabla(["-e", "[1, 2, 3; 4, 5, 6.5]"])
    let out = lines(result.stdout)
    try #require(out.count == 3, "unexpected output:\n\(result.stdout)")
    #expect(out[0] == "[2, 3]")
    #expect(fields(out[1]) == ["1.0000", "2.0000", "3.0000"])
    #expect(fields(out[2]) == ["4.0000", "5.0000", "6.5000"])
    #expect(out[1].count == out[2].count, "rows are aligned in columns")
  }

  @Test func assignmentAndDefinitionPrintNothing() throws {
    let assignment = try nabla(["-e", "x = [1, 2, 3]"])
    #expect(assignment.stdout == "")
    #expect(assignment.stderr == "")
    #expect(assignment.status == 0)

    let definition = try nabla(["-e", "f(x) = sum(x^2)"])
    #expect(definition.stdout == "")
    #expect(definition.status == 0)

    #expect(try nabla(["-e", "x = 3; x"]).stdout == "3\n")
  }

  @Test func trailingSemicolonSuppressesTheValue() throws {
    let result = try nabla(["-e", "softmax([1, 2, 0.5]);"])
    #expect(result.stdout == "")
    #expect(result.status == 0)

    let piped = try nabla([], stdin: "x = 5;\nx * 2;\nx\n")
    #expect(piped.stdout == "5\n")
  }

  @Test func precisionOption() throws {
    #expect(
      try nabla(["--precision", "2", "-e", "softmax([1, 2, 0.5])"]).stdout == "[0.23  0.63  0.14]\n"
    )
    #expect(try nabla(["--precision", "2", "-e", "1/3"]).stdout == "0.33\n")
  }
}

// MARK: - JSON output

@Suite("--json output")
struct JSONOutputTests {
  @Test func vectorRoundTripsNumPyValues() throws {
    let result = try nabla(["--json", "-e", "softmax([1,2,3])"])
    #expect(result.status == 0)
    #expect(result.stderr == "")
    let out = lines(result.stdout)
    try #require(out.count == 1, "expected one line:\n\(result.stdout)")
    #expect(try jsonObjects(result.stdout).count == 1)

    let tensor = try decode(JSONTensor.self, out[0])
    #expect(tensor.shape == [3])
    let numpy = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
    let data = tensor.data.compactMap(\.value)
    try #require(data.count == 3 && tensor.data.count == 3)
    for k in 0..<3 {
      #expect(closeRelative(data[k], numpy[k]), "data[\(k)] = \(data[k]), NumPy gives \(numpy[k])")
    }
    // Full precision: the shortest round-trip text, not the 4 printed digits.
    #expect(out[0].contains("0.09003057317038046"))
  }

  @Test func scalarHasEmptyShape() throws {
    let result = try nabla(["--json", "-e", "sum([1, 2])"])
    let out = lines(result.stdout)
    try #require(out.count == 1)
    #expect(out[0].contains("\"shape\": []"))
    #expect(try decode(JSONTensor.self, out[0]) == JSONTensor(shape: [], data: [.number(3)]))
  }

  @Test func matrixDataIsFlatRowMajor() throws {
    let result = try nabla(["--json", "-e", "[1, 2, 3; 4, 5, 6]"])
    let tensor = try decode(JSONTensor.self, try #require(lines(result.stdout).first))
    #expect(tensor.shape == [2, 3])
    #expect(tensor.data == (1...6).map { .number(Double($0)) })
  }

  @Test func divisionByZeroIsInfWithANote() throws {
    let result = try nabla(["--json", "-e", "1/0"])
    #expect(result.status == 0)
    #expect(result.stderr == "")
    let out = lines(result.stdout)
    #expect(try jsonObjects(result.stdout).count == out.count, "every line is a JSON object")
    let tensors = out.compactMap { try? decode(JSONTensor.self, $0) }
    #expect(tensors == [JSONTensor(shape: [], data: [.text("inf")])])
    let notes = out.compactMap { try? decode(JSONNote.self, $0) }
    #expect(notes.count == 1)
    #expect(notes.first?.note.contains("1/0") == true, "the note names the operation")
  }

  @Test(arguments: [("log(0)", "-inf"), ("0/0", "nan")])
  func nonFiniteValuesAreStrings(statement: String, text: String) throws {
    let result = try nabla(["--json", "-e", statement])
    #expect(result.status == 0)
    let tensors = lines(result.stdout).compactMap { try? decode(JSONTensor.self, $0) }
    #expect(tensors == [JSONTensor(shape: [], data: [.text(text)])])
    let hasNote = lines(result.stdout).contains(where: { $0.hasPrefix("{\"note\":") })
    #expect(hasNote, "a note names the operation")
  }

  @Test func listOfTensors() throws {
    let result = try nabla(["--json", "-e", "a = [1, 2]; b = [3, 4]; [a, b]"])
    let out = lines(result.stdout)
    try #require(out.count == 1, "expected one line:\n\(result.stdout)")
    let list = try decode(JSONList.self, out[0])
    #expect(
      list.list == [
        JSONTensor(shape: [2], data: [.number(1), .number(2)]),
        JSONTensor(shape: [2], data: [.number(3), .number(4)]),
      ])
  }

  @Test func function() throws {
    let result = try nabla(["--json", "-e", "f(x) = x^2; f"])
    let out = lines(result.stdout)
    try #require(out.count == 1)
    #expect(try decode(JSONFunction.self, out[0]).function == "f(x)")
  }

  @Test func errorHasLineAndColumn() throws {
    let result = try nabla(["--json", "-e", "x = 1\ny = foo(2)"])
    #expect(result.status == 1)
    #expect(result.stderr == "")
    let out = lines(result.stdout)
    try #require(out.count == 1, "expected one line:\n\(result.stdout)")
    let error = try decode(JSONError.self, out[0])
    #expect(error.error.contains("foo"))
    #expect(error.line == 2)
    #expect(error.column == 5)
  }

  @Test func errorInPipedInputCountsLinesOfTheWholeInput() throws {
    let result = try nabla(["--json"], stdin: "x = 1\n\ny = x + nope\nx\n")
    #expect(result.status == 1)
    let out = lines(result.stdout)
    try #require(out.count == 2, "unexpected output:\n\(result.stdout)")
    let error = try decode(JSONError.self, out[0])
    #expect(error.line == 3)
    #expect(error.column == 9)
    #expect(try decode(JSONTensor.self, out[1]) == JSONTensor(shape: [], data: [.number(1)]))
  }
}

// MARK: - Piped input

@Suite("Statements piped on stdin")
struct PipedInputTests {
  @Test func oneStatement() throws {
    let result = try nabla([], stdin: "softmax([1,2,3])\n")
    #expect(result.stdout == "[0.0900  0.2447  0.6652]\n")
    #expect(result.stderr == "")
    #expect(result.status == 0)
  }

  @Test func openBracketContinuesOntoTheNextLine() throws {
    let input = """
      x = [1,
        2,
        3]
      sum(x)
      A = [[1, 2],
           [3, 4]]
      A

      """
    let result = try nabla([], stdin: input)
    #expect(result.stdout == "6\n[2, 2]\n1  2\n3  4\n")
    #expect(result.stderr == "")
    #expect(result.status == 0)
  }

  @Test func trailingOperatorContinuesOntoTheNextLine() throws {
    let result = try nabla([], stdin: "y = 1 +\n  2\ny\n")
    #expect(result.stdout == "3\n")
    #expect(result.status == 0)
  }

  @Test func errorInTheMiddleIsLocatedAndLaterStatementsRun() throws {
    let input = """
      # a comment line
      x = [1, 2, 3]
      w = [1,
        2]
      y = x @ w
      z = x * 2
      z
      sum(x)

      """
    let result = try nabla([], stdin: input)
    #expect(result.status == 1)
    // Later statements ran and saw the earlier variables.
    #expect(result.stdout == "[2  4  6]\n6\n")

    #expect(result.stderr.hasPrefix("error:"))
    let location = try #require(errorLocation(result.stderr), "no location in:\n\(result.stderr)")
    #expect(location.line == 5)
    #expect(location.column == 7)
    let mark = try #require(caret(result.stderr), "no caret in:\n\(result.stderr)")
    #expect(mark.gutter == "5")
    #expect(mark.source == "y = x @ w")
    #expect(mark.column == 7)
    #expect(character(mark.source, column: mark.column) == "@")
  }
}

// MARK: - Errors

@Suite("Errors with -e")
struct EvalErrorTests {
  @Test func stopsAtTheFirstErrorAndExitsOne() throws {
    let result = try nabla(["-e", "7; nope; 8"])
    #expect(result.status == 1)
    #expect(result.stdout == "7\n")
    #expect(result.stderr.contains("nope"))

    let options = try nabla(["-e", "a = 1", "-e", "a + nope", "-e", "a"])
    #expect(options.status == 1)
    #expect(options.stdout == "", "the third -e must not run")
  }

  @Test func errorInsideAFunctionShowsTheFunctionsLineAndTheCalls() throws {
    // A notebook-like run: the body's line is shown with its caret, then the chain of calls.
    let file = "/tmp/nabla-function-error-\(UInt32.random(in: 0..<UInt32.max)).nabla"
    try "g(x) = {\n  y = x + zz\n  y\n}\n\nh(t) = g(t) * 2\nh(3)\n".write(
      toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let result = try nabla(["run", file])
    #expect(result.status == 1)
    // `nabla run` shows an error as the statement's output.
    let shown = result.stdout + result.stderr
    let location = try #require(errorLocation(shown), "no location in:\n\(shown)")
    #expect(location.line == 2 && location.column == 11)
    let mark = try #require(caret(shown), "no caret in:\n\(shown)")
    #expect(mark.gutter == "2" && mark.source == "  y = x + zz" && mark.column == 11)
    #expect(shown.contains("in g, called at line 6, column 8\nin h, called at line 7, column 1"))
  }

  @Test func errorShowsLineCaretAndColumn() throws {
    let result = try nabla(["-e", "x = 1\ny = [1, 2] + [1, 2, 3]\nx"])
    #expect(result.status == 1)
    #expect(result.stdout == "")
    let location = try #require(errorLocation(result.stderr), "no location in:\n\(result.stderr)")
    #expect(location.line == 2)
    let mark = try #require(caret(result.stderr), "no caret in:\n\(result.stderr)")
    #expect(mark.gutter == "2")
    #expect(mark.source == "y = [1, 2] + [1, 2, 3]")
    #expect(mark.column == location.column)
    #expect(result.stderr.contains("[2]") && result.stderr.contains("[3]"), "both shapes are named")
  }

  @Test func syntaxErrorPointsAtTheClosingParenthesis() throws {
    let result = try nabla(["-e", "x = (1 + )"])
    #expect(result.status == 1)
    #expect(result.stdout == "")
    let location = try #require(errorLocation(result.stderr), "no location in:\n\(result.stderr)")
    #expect(location.line == 1)
    #expect(location.column == 10)
    let mark = try #require(caret(result.stderr), "no caret in:\n\(result.stderr)")
    #expect(mark.source == "x = (1 + )")
    #expect(mark.column == 10)
    #expect(character(mark.source, column: mark.column) == ")")
  }

  @Test func shapeMismatchNamesShapesAndOperands() throws {
    let source = "W = ones(3, 4); x = [1, 2, 3]; W @ x"
    let result = try nabla(["-e", source])
    #expect(result.status == 1)
    #expect(result.stderr.contains("W @ x: W is [3, 4], x is [3]; inner dimensions 4 and 3 differ"))
    let location = try #require(errorLocation(result.stderr), "no location in:\n\(result.stderr)")
    let mark = try #require(caret(result.stderr), "no caret in:\n\(result.stderr)")
    #expect(mark.column == location.column)
    // The caret is inside `W @ x` (columns 32 to 36).
    #expect((32...36).contains(mark.column))
  }

  @Test func misspelledNameGetsASuggestion() throws {
    let result = try nabla(["-e", "softmx([1, 2])"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("did you mean softmax?"))
    #expect(caret(result.stderr)?.column == 1)
  }

  @Test func wrongCallShowsTheUsage() throws {
    let result = try nabla(["-e", "reshape([1, 2, 3])"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("usage: reshape("))
    #expect(errorLocation(result.stderr) != nil)
  }

  @Test func unknownCommandFails() throws {
    let result = try nabla(["-e", ":unknowncommand"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("unknowncommand"))
  }
}

// MARK: - Streams and color

@Suite("stdout, stderr and color")
struct StreamTests {
  @Test func valuesGoToStdoutNotesToStderr() throws {
    let result = try nabla(["-e", "x = 1/0; x; y = 2; y"])
    #expect(result.status == 0)
    #expect(result.stdout == "inf\n2\n")
    #expect(result.stderr.contains("1/0"), "a note names the operation")
    #expect(!result.stdout.contains("note"))
  }

  @Test func errorsGoToStderr() throws {
    let result = try nabla(["-e", "y = 2; y; nope"])
    #expect(result.status == 1)
    #expect(result.stdout == "2\n")
    #expect(result.stderr.hasPrefix("error:"))
    #expect(!result.stdout.contains("error"))
  }

  @Test func noColorEnvironmentVariable() throws {
    let result = try nabla(["-e", "1 + nope"], environment: ["NO_COLOR": "1"])
    #expect(result.status == 1)
    #expect(!result.stderr.isEmpty)
    #expect(!result.stderr.contains("\u{1B}"))
  }

  @Test func noColorOption() throws {
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "NO_COLOR")
    let run = try runNabla(["--no-color", "-e", "1 + nope"], stdin: nil, environment: environment)
    #expect(run.status == 1)
    #expect(!run.stderr.isEmpty)
    #expect(!run.stderr.contains("\u{1B}"))
  }

  /// A control for the two tests above: colored errors do contain escape characters.
  @Test func colorOnShowsEscapes() throws {
    let result = try nabla([], stdin: ":color on\n1 + nope\n")
    #expect(result.stderr.contains("\u{1B}"))
  }
}

// MARK: - Robustness

/// A hostile statement with a short name for test listings.
struct HostileInput: Sendable, CustomTestStringConvertible {
  /// What the input must do besides not crashing.
  enum Outcome: Sendable {
    /// An `error:` line with its line, column and caret; exit status 1.
    case locatedError
    /// An `error:` line (REPL commands have no source position); exit status 1.
    case error
    /// A value (with notes at most); exit status 0.
    case value
    /// Random text: either, but a failure always prints an `error:` line.
    case either
  }

  var name: String
  var source: String
  var outcome: Outcome = .locatedError
  var testDescription: String { name }
}

/// Deterministic "random" Unicode text: valid scalars from all planes, no NUL, never a
/// leading `-` (which the argument parser would read as an option).
func randomUnicode(seed: UInt64, count: Int) -> String {
  var state = seed
  var scalars = String.UnicodeScalarView()
  while scalars.count < count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let bits = UInt32(truncatingIfNeeded: state >> 33)
    // Mostly ASCII punctuation and symbols, some BMP, some astral planes.
    let value: UInt32
    switch bits % 4 {
    case 0: value = 1 + bits % 0x7F
    case 1: value = 0x80 + bits % 0x2000
    case 2: value = bits % 0x10000
    default: value = 0x10000 + bits % 0x10_0000
    }
    guard let scalar = Unicode.Scalar(value), value != 0 else { continue }
    scalars.append(scalar)
  }
  let text = String(scalars)
  return text.hasPrefix("-") ? " " + text : text
}

/// Deterministic "random" sequences of nabla tokens: closer to real syntax than random text.
func randomTokens(seed: UInt64, count: Int) -> String {
  let tokens = [
    "1", "2.5", "0", "x", "y", "f", "(", ")", "[", "]", ",", ";", "\n", ":", "#", "\"",
    " + ", " - ", "*", "/", " @ ", "^", "'", ".T", " = ", "{", "}", "if", "else",
    "sum", "softmax", "grad", "jacobian", "exp", "log",
  ]
  var state = seed
  var parts: [String] = []
  for _ in 0..<count {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    parts.append(tokens[Int(state >> 33) % tokens.count])
  }
  let text = parts.joined()
  return text.hasPrefix("-") ? " " + text : text
}

let hostileInputs: [HostileInput] = [
  HostileInput(name: "unbalanced bracket", source: "[1, 2"),
  HostileInput(name: "unbalanced parenthesis", source: "(1 + 2"),
  HostileInput(name: "unbalanced brace", source: "for i in range(3) {"),
  HostileInput(name: "closing without opening", source: "1, 2]"),
  HostileInput(name: ")))", source: ")))"),
  HostileInput(name: "[[[[", source: "[[[["),
  HostileInput(name: "}{", source: "}{"),
  HostileInput(
    name: "5000 nested parentheses",
    source: String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)),
  HostileInput(
    name: "5000 nested brackets",
    source: String(repeating: "[", count: 5000) + "1" + String(repeating: "]", count: 5000)),
  HostileInput(name: "5000 chained powers", source: "1" + String(repeating: "^1", count: 5000)),
  HostileInput(
    name: "5000 unary minus", source: "1 + " + String(repeating: "-", count: 5000) + "1"),
  HostileInput(name: "endless recursion", source: "f(x) = f(x); f(1)"),
  HostileInput(name: "mutual recursion", source: "f(x) = g(x); g(x) = f(x); f(1)"),
  HostileInput(name: "huge shape", source: "zeros(100000, 100000, 100000)"),
  HostileInput(name: "huge eye", source: "eye(1e12)"),
  HostileInput(name: "huge range", source: "range(1e18)"),
  HostileInput(name: "reshape mismatch", source: "reshape([1,2,3], 2)"),
  HostileInput(name: "two inferred sizes", source: "reshape(ones(6), -1, -1)"),
  HostileInput(name: "enormous index", source: "x = [1, 2]; x[99999999999999999999]"),
  HostileInput(name: "index of a scalar", source: "x = 1; x[0]"),
  HostileInput(name: "overflowing literal", source: "1e400", outcome: .value),
  HostileInput(name: "overflowing power", source: "2^1e10", outcome: .value),
  HostileInput(name: "unterminated string", source: "\"unterminated"),
  HostileInput(name: "mixed unicode", source: "ß∂ƒ©˙∆˚¬…æ 😀 ∑∏ 𝔘 ⟨⟩ \u{202E}abc\u{0301}\u{200B}"),
  HostileInput(name: "random unicode 1", source: randomUnicode(seed: 1, count: 200), outcome: .either),
  HostileInput(name: "random unicode 2", source: randomUnicode(seed: 2, count: 200), outcome: .either),
  HostileInput(name: "random unicode 3", source: randomUnicode(seed: 3, count: 2000), outcome: .either),
  HostileInput(name: "random tokens 1", source: randomTokens(seed: 1, count: 300), outcome: .either),
  HostileInput(name: "random tokens 2", source: randomTokens(seed: 2, count: 300), outcome: .either),
  HostileInput(name: "random tokens 3", source: randomTokens(seed: 3, count: 300), outcome: .either),
  HostileInput(name: "empty input", source: "", outcome: .value),
  HostileInput(name: "only spaces", source: "   ", outcome: .value),
  HostileInput(name: "unknown command", source: ":unknowncommand", outcome: .error),
  HostileInput(name: "bare colon", source: ":", outcome: .error),
  HostileInput(name: "dangling assignment", source: "x = "),
  HostileInput(name: "dangling operator", source: "1 +"),
  HostileInput(name: "ragged matrix", source: "[1, 2; 3]"),
  HostileInput(name: "ragged literal", source: "[[1, 2], [3]]"),
  HostileInput(name: "negative size", source: "ones(-1)"),
  HostileInput(name: "zero step", source: "arange(0, 1, 0)"),
  HostileInput(name: "empty tensor", source: "sum(zeros(0)); max(zeros(0))"),
  HostileInput(name: "empty softmax", source: "softmax([])", outcome: .value),
  HostileInput(name: "scalar matmul", source: "1 @ 2"),
  HostileInput(name: "grad of a constant", source: "grad(1, 2)", outcome: .value),
  HostileInput(name: "nan power", source: "nan^nan", outcome: .value),
]

@Suite("Hostile input never crashes")
struct RobustnessTests {
  @Test(arguments: hostileInputs)
  func exitsWithZeroOrOne(input: HostileInput) throws {
    let run = try runNabla(
      ["-e", input.source], stdin: nil,
      environment: testEnvironment(["SWIFT_BACKTRACE": "enable=no"]))
    #expect(
      run.exited,
      "ended by a signal (status \(run.status)); stderr:\n\(run.stderr.prefix(2000))")
    #expect(
      run.status == 0 || run.status == 1,
      "status \(run.status); stderr:\n\(run.stderr.prefix(2000))")
    #expect(!run.stderr.contains("Fatal error"))
    let errorLine = lines(run.stderr).first { $0.hasPrefix("error:") }
    switch input.outcome {
    case .locatedError, .error:
      #expect(run.status == 1, "status \(run.status)")
      let line = try #require(errorLine, "no error: line in\n\(run.stderr.prefix(2000))")
      if input.outcome == .locatedError {
        #expect(errorLocation(line) != nil, "no location in \(line)")
        #expect(caret(run.stderr) != nil, "no caret under the source in\n\(run.stderr.prefix(2000))")
      }
    case .value:
      #expect(run.status == 0 && errorLine == nil, "status \(run.status), \(errorLine ?? "")")
    case .either:
      #expect((run.status == 1) == (errorLine != nil), "status \(run.status) but error line \(errorLine ?? "none")")
    }
  }

  @Test("a session keeps its variables through each hostile input", arguments: hostileInputs)
  func keepsVariables(input: HostileInput) throws {
    var diagnostics: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { diagnostics.append(text) } })
    #expect(session.run("keep = [1, 2, 3]; keep_fn(v) = v + 1") == .ok)
    let status = session.run(input.source)
    switch input.outcome {
    case .locatedError, .error:
      #expect(status != .ok)
      #expect(diagnostics.contains { $0.hasPrefix("error:") }, "\(diagnostics)")
    case .value: #expect(status == .ok, "\(diagnostics)")
    case .either: break
    }
    guard case .tensor(let keep)? = session.interpreter.globals["keep"] else {
      Issue.record("keep was lost")
      return
    }
    #expect(keep.value.data == [1, 2, 3])
    #expect(session.run("keep_fn(keep)") == .ok)
  }
}

@Suite("derive, as README shows it")
struct DeriveCommandTests {
  @Test("the README's derive session prints as written, and --json carries the formula")
  func readme() throws {
    let run = try runNabla(
      [
        "-e",
        "x = [1, 2, 0.5]; t = onehot(1, 3); p = softmax(x); e = cross_entropy(p, t); derive(e, x); A = [[2, 1, 0], [0, 3, 1], [1, 0, 1]]; derive(x @ A @ x, x); derive(softmax(x), x)",
      ], stdin: nil, environment: testEnvironment())
    let out = lines(run.stdout)
    try #require(out.count >= 5, "\(run.stdout)")
    #expect(out[0] == "∂e/∂x = p − t")
    #expect(out[1] == "      = [ 0.2312  -0.3715   0.1402]")
    #expect(out[2] == "∂(xᵀAx)/∂x = (A + Aᵀ) x")
    #expect(out[3] == "           = [ 6.5000  13.5000   4.0000]")
    #expect(out[4] == "∂softmax(x)/∂x = diag(p) − p pᵀ        (p = softmax(x))")
    let json = try runNabla(
      ["--json", "-e", "x = [1, 2, 0.5]; A = [[2, 1, 0], [0, 3, 1], [1, 0, 1]]; derive(x @ A @ x, x)"], stdin: nil,
      environment: testEnvironment())
    let objects = try jsonObjects(json.stdout)
    let d = try #require(objects.last)
    #expect(d["formula"] as? String == "(A + A') @ x")
    #expect(d["math"] as? String == "(A + Aᵀ) x")
    #expect(d["latex"] as? String == "(A + A^\\top) x")
    #expect(d["shape"] as? [Int] == [3])
    // (A + Aᵀ) x at x = [1, 2, 0.5].
    #expect(d["data"] as? [Double] == [6.5, 13.5, 4.0])
  }
}
