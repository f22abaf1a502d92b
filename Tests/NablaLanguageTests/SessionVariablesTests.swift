import NablaAutodiff
import NablaTensor
import Testing

@testable import NablaLanguage

// Names are found once and then by slot: these check that a remembered place is never used for
// another name, another session or a name that has since been bound, shadowed or deleted.

@Suite("Session variables and remembered names")
struct SessionVariablesTests {
  func number(_ v: Value?) -> Double? {
    guard case .tensor(let t)? = v, t.value.count == 1 else { return nil }
    return t.value.data[0]
  }

  @discardableResult
  func run(_ source: String, in interpreter: Interpreter) throws -> Value? {
    let text = SourceText(source)
    var last: Value? = nil
    for statement in try Parser.parse(source) { last = try interpreter.run(statement, in: text).value }
    return last
  }

  @Test("a table binds, replaces, deletes and lists names in the order they were first bound")
  func table() {
    var table: SessionVariables = ["b": .scalar(2)]
    table["a"] = .scalar(1)
    #expect(number(table.updateValue(.scalar(3), forKey: "b")) == 2)
    #expect(table.keys == ["b", "a"] && table.count == 2)
    #expect(number(table.removeValue(forKey: "b")) == 3)
    #expect(table.removeValue(forKey: "b") == nil)
    #expect(table["b"] == nil && table.keys == ["a"] && table.count == 1)
    table["b"] = .scalar(4)
    #expect(number(table["b"]) == 4 && table.count == 2)
    #expect(Set(table.map(\.name)) == ["a", "b"])
    #expect(table.compactMapValues { number($0) } == ["a": 1, "b": 4])
  }

  @Test("a hint from one table finds the name, not the slot, in another, and notices a name bound later")
  func hintsAcrossTables() {
    var first: SessionVariables = [:]
    first["x"] = .scalar(1)
    first["y"] = .scalar(2)
    let hint = NameHint()
    #expect(number(first.value(of: "y", hint: hint)) == 2)
    #expect(hint.slot == 1)
    var second: SessionVariables = [:]
    second["y"] = .scalar(20)
    second["z"] = .scalar(30)
    // Slot 1 holds z here: the hint is checked against the name.
    #expect(number(second.value(of: "y", hint: hint)) == 20)
    let absent = NameHint()
    #expect(second.value(of: "sin", hint: absent) == nil)
    var copy = second
    second["sin"] = .scalar(5)
    #expect(number(second.value(of: "sin", hint: absent)) == 5)
    // The copy was taken before sin was bound: still absent there.
    #expect(copy.value(of: "sin", hint: absent) == nil)
    second.removeValue(forKey: "sin")
    #expect(second.value(of: "sin", hint: absent) == nil)
  }

  @Test("a loop's names follow rebinding, shadowing by a session variable, deletion and a function's locals")
  func namesInALoop() throws {
    let interpreter = Interpreter()
    try run("y = 0.5\nfor i in range(3) { y = sin(y) + 1 }", in: interpreter)
    var y = 0.5
    for _ in 0..<3 { y = Math.sin(y) + 1 }
    #expect(number(interpreter.globals["y"]) == y)
    // The same statements again, after `sin` becomes a session variable (it now hides the builtin).
    let statements = try Parser.parse("s = sin(2)")
    let text = SourceText("s = sin(2)")
    _ = try interpreter.run(statements[0], in: text)
    #expect(number(interpreter.globals["s"]) == Math.sin(2))
    try run("sin(x) = 10 * x", in: interpreter)
    _ = try interpreter.run(statements[0], in: text)
    #expect(number(interpreter.globals["s"]) == 20)
    interpreter.globals.removeValue(forKey: "sin")
    _ = try interpreter.run(statements[0], in: text)
    #expect(number(interpreter.globals["s"]) == Math.sin(2))
    // Inside a function a local of the same name comes first.
    try run("k = 1\nf(k) = { t = 0; for j in range(2) { t = t + k }; t }", in: interpreter)
    #expect(number(try run("f(5)", in: interpreter)) == 10)
    #expect(number(try run("f(7) + k", in: interpreter)) == 15)
  }

  @Test("a statement run in two sessions binds each session's own variable")
  func twoSessions() throws {
    let statements = try Parser.parse("a = a + 1")
    let text = SourceText("a = a + 1")
    let (one, two) = (Interpreter(), Interpreter())
    try run("other = 0; a = 1", in: one)
    try run("a = 100", in: two)
    for _ in 0..<2 {
      _ = try one.run(statements[0], in: text)
      _ = try two.run(statements[0], in: text)
    }
    #expect(number(one.globals["a"]) == 3)
    #expect(number(two.globals["a"]) == 102)
    #expect(number(one.globals["other"]) == 0)
  }
}
