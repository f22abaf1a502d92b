import NablaLanguage
import Testing

@testable import NablaSession

/// The parts of `nabla run --step` that live in the session: snapshots, the outline, and
/// column blocks for output wider than the screen.
@Suite("Presentation")
struct PresentationTests {
  func session() -> Session { Session(write: { _, _ in }) }

  func scalar(_ s: Session, _ name: String) -> Double? {
    guard case .tensor(let v)? = s.interpreter.globals[name] else { return nil }
    return v.value.scalarValue
  }

  @Test("a snapshot restores variables, functions, the random stream, options and the training run")
  func snapshotRestores() throws {
    let s = session()
    s.run("w = 0; f(v) = v + 1; loss() = (w - 3)^2")
    s.run("train(loss, [w], steps: 3, opt: \"momentum\")")
    let before = s.snapshot()
    let w3 = try #require(scalar(s, "w"))
    s.run("r1 = sum(randn(4))")
    let r1 = try #require(scalar(s, "r1"))
    s.run("train(loss, [w], steps: 2, opt: \"momentum\", resume: true)")
    s.run("w5 = w; f(v) = v * 100")
    s.run(":precision 7")
    s.run("extra = 1")
    #expect(s.options.precision == 7)
    s.restore(before)
    #expect(scalar(s, "w") == w3 && s.interpreter.globals["extra"] == nil && s.options.precision == 4)
    s.run("y = f(1)")
    #expect(scalar(s, "y") == 2)
    // The same random draws and the same momentum as the first time round.
    s.run("r2 = sum(randn(4))")
    #expect(scalar(s, "r2") == r1)
    s.restore(before)
    s.run("r = sum(randn(4))")
    let again = session()
    again.run("w = 0; f(v) = v + 1; loss() = (w - 3)^2")
    again.run("train(loss, [w], steps: 3, opt: \"momentum\")")
    again.run("r = sum(randn(4))")
    #expect(scalar(s, "r") == scalar(again, "r"))
    s.run("train(loss, [w], steps: 2, opt: \"momentum\", resume: true)")
    again.run("train(loss, [w], steps: 2, opt: \"momentum\", resume: true)")
    #expect(scalar(s, "w") == scalar(again, "w"))
    // A restored name is not 'reassigned' (the note that tells a stale value from an
    // independent one reads this mark).
    s.restore(before)
    s.run("w = 1")
    guard case .tensor(let old)? = before.globals["w"] else {
      Issue.record("w is not a tensor in the snapshot")
      return
    }
    #expect(old.replacedName == "w")
    s.restore(before)
    #expect(old.replacedName == nil)
  }

  @Test("the outline: title, sections, steps with the prose above them, closing prose")
  func outline() {
    let nb = Notebook(
      text: "# Title line\n#\n# Intro.\nx = 1\n## First part\n# About y.\ny = 2\n#> 2\n## Second\nz = 3\n# Closing.\n")
    let outline = NotebookOutline(nb)
    #expect(outline.title == "Title line")
    #expect(outline.sections == ["First part", "Second"])
    #expect(
      outline.steps.map(\.prose) == [
        ["Title line", "", "Intro."], ["# First part", "About y."], ["# Second"], ["Closing."],
      ])
    #expect(outline.steps.map(\.section) == [nil, 0, 1, 1])
    #expect(outline.steps.last?.cell == nil && outline.statementCount == 3)
    #expect(NotebookOutline(Notebook(text: "x = 1\n# not a title\ny = 2\n")).title == nil)
  }

  @Test("column blocks: labels repeat, cuts fall between numbers, titles stay above")
  func columnBlocks() {
    let table = [
      "∂p/∂x",
      "         x[0]     x[1]     x[2]     x[3]",
      "p[0]   0.1778  -0.1453  -0.0324  -0.0001",
      "p[1]  -0.1453   0.2335  -0.0881  12.5000",
    ]
    let wrapped = ColumnBlocks.wrap(table, width: 31)
    #expect(
      wrapped == [
        "∂p/∂x",
        "         x[0]     x[1]     x[2]",
        "p[0]   0.1778  -0.1453  -0.0324",
        "p[1]  -0.1453   0.2335  -0.0881",
        "",
        "         x[3]",
        "p[0]  -0.0001",
        "p[1]  12.5000",
      ], "\(wrapped)")
    // Numbers without labels; a table that fits is left alone; prose breaks between words.
    let matrix = ["[2, 4]", " 1.5000  -2.2500   3.0000  -4.0000", "-5.0000   6.0000  -7.0000   8.0000"]
    #expect(
      ColumnBlocks.wrap(matrix, width: 20) == [
        "[2, 4]", "columns 0–1", " 1.5000  -2.2500", "-5.0000   6.0000", "", "columns 2–3", " 3.0000  -4.0000",
        "-7.0000   8.0000",
      ])
    #expect(ColumnBlocks.wrap(matrix, width: 40) == matrix)
    #expect(ColumnBlocks.wrap(["one two three four"], width: 9) == ["one two", "three", "four"])
  }
}
