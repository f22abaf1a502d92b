import NablaTestSupport
import Testing

@testable import NablaSession

@Suite("Notebooks")
struct NotebookTests {
  let scratch = ScratchDirectory("nabla-notebooks")

  static let source = """
    # A notebook
    x = [1, 2, 0.5]   # a comment after code

    p = softmax(x)
    p
    #> stale value
    f(v) = {
      sum(v^2)
    }
    f(x)
    oops(1)
    """

  func session() -> Session { Session(write: { _, _ in }) }

  @Test("cells: prose, statements (multi-line blocks included) and their recorded outputs")
  func parse() {
    let nb = Notebook(text: Self.source)
    let statements = nb.cells.compactMap { cell -> String? in
      if case .statement(let code, _) = cell { return nb.code(code) }
      return nil
    }
    #expect(
      statements == [
        "x = [1, 2, 0.5]   # a comment after code", "p = softmax(x)", "p", "f(v) = {\n  sum(v^2)\n}", "f(x)", "oops(1)",
      ])
    #expect(!nb.endsWithNewline)
  }

  @Test("--update rewrites outputs and keeps every other byte; --check then passes")
  func updateThenCheck() {
    let nb = Notebook(text: Self.source)
    let results = NotebookReplay(notebook: nb, session: session()).runAll(updating: true)
    let updated = String(decoding: nb.updated(with: results.mapValues(\.output)), as: UTF8.self)
    // Every non-output line survives, in order.
    let kept = updated.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#>") }
    let original = Self.source.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#>") }
    #expect(kept == original)
    #expect(updated.contains("p\n#> [0.2312  0.6285  0.1402]\n"))
    #expect(updated.contains("f(x)\n#> 5.2500\n"))
    // The error is recorded as output, naming its own line in the updated file.
    let lines = updated.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let oops = (lines.firstIndex(of: "oops(1)") ?? -1) + 1
    #expect(updated.contains("(line \(oops), column 1)"))
    let again = Notebook(text: updated)
    let replay = NotebookReplay(notebook: again, session: session())
    #expect(replay.differences(replay.runAll()).isEmpty)
  }

  @Test("--check reports a difference with the notebook line and both values")
  func checkFindsDifferences() {
    let nb = Notebook(text: "x = 2\nx + 1\n#> 4\n")
    let replay = NotebookReplay(notebook: nb, session: session())
    let d = replay.differences(replay.runAll())
    #expect(d.count == 1)
    #expect(d.first?.line == 3 && d.first?.recorded == ["4"] && d.first?.fresh == ["3"])
  }

  @Test(
    "numbers compare to their printed precision",
    arguments: [
      ("[0.2312  0.6285]", "[0.2313  0.6285]", true), ("0.1000", "0.1002", false), ("1.0000e-06", "1.0001e-06", true),
      ("3", "4", false), ("error: x", "error: y", false),
      // The recorded print bounds the value: a coarse or wrong record must not pass.
      ("1e9", "0.2312", false), ("7.4", "7", false), ("0.24", "0.2312", false), ("0.2314", "0.2312", false),
      ("0.2", "0.2312", true), ("2.5e-05", "2.5000e-05", true), ("2.5e-05", "2.6000e-05", false),
      ("time: 462.6 µs", "time: 1.2 ms", true),
    ])
  func comparison(a: String, b: String, same: Bool) {
    #expect(OutputComparison.lineMatches(a, b) == same)
  }

  @Test(":save writes a notebook that replays to the same outputs; :load replays one")
  func saveAndLoad() throws {
    let path = scratch.path("saved.nabla")
    let s = session()
    s.run("x = [1, 2]")
    s.run("y = x * 3")
    s.run("sum(y)")
    s.run("bad(")
    #expect(s.run(":save \(path)") == .ok)
    let text = try #require(TextFile.read(path))
    #expect(text.contains("sum(y)\n#> 9\n"))
    #expect(!text.contains("bad("))
    let nb = Notebook(text: text)
    let replay = NotebookReplay(notebook: nb, session: session())
    #expect(replay.differences(replay.runAll()).isEmpty)
    let other = session()
    #expect(other.run(":load \(path)") == .ok)
    #expect(other.interpreter.globals["y"] != nil)
    #expect(!text.contains("interrupted"))
    // A loop stopped part way changed acc; the saved notebook says it cannot repeat that.
    var asked = 0
    other.interpreter.interruptRequested = {
      asked += 1
      return asked > 3
    }
    other.run("acc = 0")
    #expect(other.run("for i in range(100) { acc += 1 }") == .failed)
    other.interpreter.interruptRequested = { false }
    #expect(other.run(":save \(path)") == .ok)
    let warned = try #require(TextFile.read(path))
    #expect(warned.contains("# These statements were interrupted or failed after changing variables"))
    #expect(warned.contains("#   for i in range(100) { acc += 1 }"))
  }

  @Test(":save in a wide, live terminal records the notebook layout: run --check then passes at 80 columns")
  func saveFromWideTerminal() throws {
    let path = scratch.path("wide.nabla")
    var shown: [String] = []
    var options = SessionOptions()
    (options.width, options.interactive) = (131, true)
    let s = Session(options: options, write: { _, text in shown.append(text) })
    for statement in [
      "w = 0", "loss() = (w - 3)^2", "h = train(loss, [w], steps: 40)", "plot(sin, 0, 6)", "plot(h, log: true)",
      "x = [1, 2.0]", "derive(softmax(x), x)",
    ] {
      #expect(s.run(statement) == .ok, "\(statement)")
    }
    // The terminal saw the live layout: a 131-column plot, a summary with its time.
    #expect(shown.contains { $0.split(separator: "\n").contains { $0.count == 131 } })
    #expect(shown.contains { $0.hasPrefix("trained 40 steps") && $0.hasSuffix(" s") })
    #expect(s.run(":save \(path)") == .ok)
    let text = try #require(TextFile.read(path))
    // The notebook got the 80-column, static layout: the curve and a summary without a time.
    #expect(text.split(separator: "\n").allSatisfy { $0.count <= "#> ".count + 80 })
    #expect(text.contains("#> trained 40 steps with sgd (lr 0.1000): loss 9.0000 → ") && !text.contains(" s\n"))
    #expect(text.contains("#> -1.0000 ┤"))
    let replay = NotebookReplay(notebook: Notebook(text: text), session: session())
    let differences = replay.differences(replay.runAll())
    #expect(differences.isEmpty, "\(differences)")
  }

  @Test(":reset starts what :save writes afresh (keeping :precision); :load shows statements with outputs")
  func resetThenSave() throws {
    let path = scratch.path("reset.nabla")
    let s = session()
    s.run("a = 1")
    s.run(":precision 2")
    s.run("a / 3")
    s.run(":reset")
    s.run("b = 2")
    s.run("b / 3")
    #expect(s.run(":save \(path)") == .ok)
    let text = try #require(TextFile.read(path))
    #expect(text == "# nabla session, saved with :save\n:precision 2\nb = 2\nb / 3\n#> 0.67\n")
    var lines: [String] = []
    let loader = Session(write: { _, text in lines.append(text) })
    #expect(loader.run(":load \(path)") == .ok)
    #expect(
      lines == ["nabla session, saved with :save", "nabla> :precision 2", "nabla> b = 2", "nabla> b / 3", "0.67"])
  }

  @Test("Markdown export: title in the header, code blocks shared, Jacobians as labelled tables, values as LaTeX")
  func markdown() {
    let nb = Notebook(
      text:
        "# The softmax Jacobian\nx = [1, 2, 0.5]\np = softmax(x)\njacobian(p, x)\nW0 = [1.0, 2]\ngrad(sum(W0^2), W0)\n"
    )
    let md = MarkdownExport.render(nb, session: session())
    #expect(md.hasPrefix("---\ntitle: \"The softmax Jacobian\"\n"))
    // Two statements with no output share one block; the title is not repeated as prose.
    #expect(md.contains("---\n\n```\nx = [1, 2, 0.5]\np = softmax(x)\njacobian(p, x)\n```\n\n**∂p/∂x**\n\n"))
    #expect(
      md.contains(
        "| | x\\[0\\] | x\\[1\\] | x\\[2\\] |\n|:--|--:|--:|--:|\n| p\\[0\\] | 0.1778 | -0.1453 | -0.0324 |\n"))
    // A name with digits is a subscript.
    #expect(
      md.contains("$$\\frac{\\partial \\mathrm{sum(W0^2)}}{\\partial W_{0}} = \\begin{bmatrix} 2 & 4 \\end{bmatrix}$$"))
  }

  @Test("Markdown export: text output in the code block, Hessians as tables, the terminal's elision, notes")
  func markdownKinds() {
    let nb = Notebook(
      text:
        "x = [1.0, 2]\ngradcheck(softmax, x)\nb = 3\ne = sum(x^2) * b^2\nhessian(e, [x, b])\nrandn(20, 20, seed: 1)\nrandn(40, 40, seed: 1)\nw = 0\nloss() = (w - 3)^2\ntrain(loss, [w], steps: 5)\nlog(x - 1)\n"
    )
    let md = MarkdownExport.render(nb, session: session())
    #expect(md.contains("gradcheck(softmax, x)\n#> entry ") && md.contains("#> PASS: worst error"))
    #expect(md.contains("**∂²e/∂x∂b**\n\n| | b |\n|:--|--:|\n| x\\[0\\] | 12 |\n| x\\[1\\] | 24 |"))
    #expect(md.contains("**∂²e/∂b²**\n\n| | b |\n|:--|--:|\n| b | 10 |"))
    // 20 × 20 (400 entries) is shown whole, as the terminal shows it, as an array (amsmath's
    // bmatrix stops at 10 columns); 40 × 40 shows the first and last three of each axis.
    let lines = md.components(separatedBy: "\n")
    let whole = lines.first { $0.contains("\\begin{array}") } ?? ""
    #expect(whole.components(separatedBy: "\\\\").count == 20)
    #expect(whole.components(separatedBy: "\\\\")[0].components(separatedBy: "&").count == 20)
    let elided = lines.first { $0.contains("\\ddots") } ?? ""
    #expect(elided.components(separatedBy: "\\\\").count == 7)
    #expect(elided.components(separatedBy: "\\\\")[0].components(separatedBy: "&").count == 7)
    // A training run is its curve and summary in the code block, not its history as a matrix.
    #expect(md.contains("#> trained 5 steps with sgd") && !md.contains("\\begin{bmatrix} 9 & "))
    #expect(md.contains("$$\\begin{bmatrix} -\\infty & 0 \\end{bmatrix}$$\n\n*note:* log(x - 1) gives -inf"))
  }

  /// Markdown's backslash escapes undone: what a renderer shows for escaped text.
  func unescaped(_ text: String) -> String {
    var out = ""
    var escaping = false
    for ch in text {
      if escaping || ch != "\\" {
        out.append(ch)
        escaping = false
      } else {
        escaping = true
      }
    }
    return out
  }

  @Test("Markdown export: prose renders as written (p*, 2*3*4, x_1, <item>, |x|), lists keep their lines")
  func markdownProse() {
    let written = [
      "p* is optimal, 2*3*4 = 24, x_1 and x_2 differ, <item> is not a tag, |x| is a norm,",
      "e^x and a~b, [not a link](x), @cite, &amp; $5 and $6, # not a heading, \\ backslash,",
      "f'(x) and \"quotes\" stay straight, --check is no dash, 1...n no ellipsis",
    ]
    let blocks = MarkdownProse.blocks(written)
    #expect(blocks.count == 1)
    let text = blocks[0]
    #expect(unescaped(text) == written.joined(separator: "\n"))
    // Every character that is markup somewhere arrives escaped.
    var previous: Character = " "
    for ch in text {
      if "*_<>|[]$^~@&#'\"".contains(ch) { #expect(previous == "\\", "\(ch) unescaped in \(text)") }
      previous = previous == "\\" && ch == "\\" ? " " : ch
    }
    // Lists: a blank line before, one item per line; a set-out formula keeps its line; headings.
    let list = MarkdownProse.blocks([
      "Three cases:", "- i = j", "- i ≠ j,", "  wrapped", "", "Then:", "  ∂p/∂x = diag(p) − p pᵀ", "done.", "",
      "# Part two", "--- not a rule",
    ])
    #expect(
      list == [
        "Three cases:", "- i = j\n- i ≠ j,\n  wrapped", "Then:\\\n\u{A0}\u{A0}∂p/∂x = diag(p) − p pᵀ\\\ndone.",
        "## Part two", "\\-\\-\\- not a rule",
      ], "\(list)")
    // Balanced backticks stay code; a lone one is escaped.
    #expect(MarkdownProse.escaped("use `x_1 * 2` here") == "use `x_1 * 2` here")
    #expect(MarkdownProse.escaped("a ` b_c") == "a \\` b\\_c")
  }

  @Test("Markdown export: every character outside ASCII has a pdflatex definition in the header")
  func markdownUnicode() throws {
    let nb = Notebook(
      text: "# ∂ and σ\n# ⊙, ᵀ, −, ℓ, α, Σ, ‖x‖, ⟨a⟩, ☃\nx = [1, 2.0]\nplot(x^2)\nimage([0, 1; 2, 3])\n")
    let md = MarkdownExport.render(nb, session: session())
    let header = try #require(md.components(separatedBy: "\n---\n").first)
    for scalar in Set(md.unicodeScalars.filter { $0.value > 0x7F }) {
      let hex = String(scalar.value, radix: 16, uppercase: true)
      let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      #expect(header.contains("\\DeclareUnicodeCharacter{\(code)}{"), "no definition for \(scalar) (U+\(code))")
    }
    #expect(header.contains("\\DeclareUnicodeCharacter{2202}{\\ensuremath{\\partial}}"))
    #expect(header.contains("\\DeclareUnicodeCharacter{2603}{[U+2603]}"))
    // ASCII plots and images with --ascii: nothing left to declare from them.
    var options = SessionOptions()
    options.ascii = true
    let ascii = MarkdownExport.render(
      Notebook(text: "x = [1, 2.0]\nplot(x^2)\nimage([0, 1; 2, 3])\n"),
      session: Session(options: options, write: { _, _ in }))
    #expect(!ascii.contains("\\DeclareUnicodeCharacter") && ascii.contains("#> ") && ascii.contains("*"))
  }

  @Test("latex(v, column: true) is a K×1 column; names with digits are subscripts in titles")
  func latexColumn() {
    var lines: [String] = []
    let s = Session(write: { _, text in lines.append(text) })
    s.run("latex([1, 2, 3], column: true)")
    s.run("latex([1, 2, 3])")
    #expect(lines == ["\\begin{bmatrix} 1 \\\\ 2 \\\\ 3 \\end{bmatrix}", "\\begin{bmatrix} 1 & 2 & 3 \\end{bmatrix}"])
    #expect(LaTeXFormatter.symbol("W0") == "W_{0}" && LaTeXFormatter.symbol("x_i") == "x_{i}")
    #expect(LaTeXFormatter.symbol("W12") == "W_{12}" && LaTeXFormatter.symbol("σ") == "\\sigma")
    #expect(LaTeXFormatter.symbol("loss") == "\\mathrm{loss}")
  }

  @Test("latex(x) prints a bmatrix")
  func latex() {
    var out: [String] = []
    let s = Session(write: { _, text in out.append(text) })
    s.run("latex([1, 2; 3, 4])")
    #expect(out == ["\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"])
  }

  @Test("Windows line ends and a byte-order mark: parsed as lines, kept by --update")
  func crlf() {
    let nb = Notebook(text: "\u{FEFF}x = 1\r\nx + 1\r\n#> 2\r\n")
    #expect(nb.cells.count == 2 && nb.usesCRLF)
    let replay = NotebookReplay(notebook: nb, session: session())
    let results = replay.runAll(updating: true)
    #expect(replay.differences(results).isEmpty)
    #expect(
      String(decoding: nb.updated(with: results.mapValues(\.output)), as: UTF8.self)
        == "\u{FEFF}x = 1\r\nx + 1\r\n#> 2\r\n")
  }

  @Test(":format latex shows values as LaTeX; :format plain goes back")
  func formatLatex() {
    var out: [String] = []
    let s = Session(write: { _, text in out.append(text) })
    s.run(":format latex")
    s.run("[1, 2; 3, 4]")
    s.run(":format plain")
    s.run("[1, 2]")
    #expect(out == ["$$\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$$", "[1  2]"])
  }

  @Test("writes are atomic: the temporary file is gone after the rename")
  func atomicWrite() throws {
    let path = scratch.path("atomic.txt")
    #expect(TextFile.writeAtomically("one\n", to: path))
    #expect(TextFile.writeAtomically("two\n", to: path))
    #expect(TextFile.read(path) == "two\n")
    #expect(TextFile.read(path + ".tmp-\(getpid())") == nil)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
