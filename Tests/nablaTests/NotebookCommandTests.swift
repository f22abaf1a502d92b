import Foundation
import NablaTestSupport
import Testing

/// `nabla run` (--check, --update, --step) and `nabla export` as a user runs them.
@Suite("Notebook commands")
struct NotebookCommandTests {
  let scratch = ScratchDirectory("nabla-notebooks")

  func notebook(_ text: String) throws -> String {
    let path = scratch.path("\(UUID().uuidString).nabla")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test("--update fills the outputs, --check then passes; a changed output fails with its line")
  func updateAndCheck() throws {
    let path = try notebook("# Demo\nx = [1, 2, 0.5]\nsoftmax(x)\nsum(x)\n")
    #expect(try nabla(["run", "--update", path]).status == 0)
    let updated = try String(contentsOfFile: path, encoding: .utf8)
    #expect(updated == "# Demo\nx = [1, 2, 0.5]\nsoftmax(x)\n#> [0.2312  0.6285  0.1402]\nsum(x)\n#> 3.5000\n")
    let check = try nabla(["run", "--check", path])
    #expect(check.status == 0 && check.stdout.contains("all outputs match"))
    try updated.replacingOccurrences(of: "3.5000", with: "3.6000").write(
      toFile: path, atomically: true, encoding: .utf8)
    let failed = try nabla(["run", "--check", path])
    #expect(failed.status == 1)
    #expect(failed.stdout.contains("\(path):6: output differs"))
    #expect(failed.stdout.contains("#> 3.6000") && failed.stdout.contains("#> 3.5000"))
    // A failing statement is recorded as its output; --update then exits 1 as any run does,
    // and --check accepts the recorded error.
    let withError = try notebook("x = 1\nnope\nx\n")
    let update = try nabla(["run", "--update", withError])
    #expect(update.status == 1 && update.stdout.contains("1 of them failed"))
    #expect(try String(contentsOfFile: withError, encoding: .utf8).contains("nope\n#> error: 'nope' is not defined"))
    #expect(try nabla(["run", "--check", withError]).status == 0)
  }

  @Test("--update changes only #> lines: a BOM, mixed LF/CRLF, a lone CR and Latin-1 prose stay byte for byte")
  func updateKeepsBytes() throws {
    let path = try notebook("")
    // BOM; a CRLF statement; Latin-1 'é' (0xE9) and a lone CR in a comment; an LF statement with
    // a stale output; a last statement with no line ending.
    let bytes: [UInt8] =
      [0xEF, 0xBB, 0xBF] + Array("x = 2\r\n# caf".utf8) + [0xE9] + Array(" \r costs\n".utf8)
      + Array("x + 1\n#> 99\n# end\r\nx * 3".utf8)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect(try nabla(["run", "--update", path]).status == 0)
    let updated = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let expected: [UInt8] =
      [0xEF, 0xBB, 0xBF] + Array("x = 2\r\n# caf".utf8) + [0xE9] + Array(" \r costs\n".utf8)
      + Array("x + 1\n#> 3\n# end\r\nx * 3\r\n#> 6".utf8)
    #expect(updated == expected, "\(String(decoding: updated, as: UTF8.self).debugDescription)")
    #expect(try nabla(["run", "--check", path]).status == 0)
  }

  @Test("run takes --precision and --json, before or after the subcommand")
  func runOptions() throws {
    let path = try notebook("# prose\nx = [1, 2]\nsoftmax(x)\n")
    for arguments in [
      ["run", "--precision", "6", path], ["--precision", "6", "run", path], ["run", path, "--precision", "6"],
    ] {
      #expect(try nabla(arguments).stdout.contains("[0.268941  0.731059]"), "\(arguments)")
    }
    let json = try nabla(["run", "--json", path])
    #expect(json.stdout == "{\"shape\": [2], \"data\": [0.2689414213699951, 0.7310585786300049]}\n")
    #expect(try nabla(["run", "--json", "--check", path]).status != 0)
  }

  @Test("a notebook that loads itself, or a ring of two, is an error, not a stack overflow")
  func loadCycles() throws {
    let own = try notebook("")
    try "a = 1\n:load \(own)\na\n".write(toFile: own, atomically: true, encoding: .utf8)
    let run = try nabla(["run", own])
    #expect(run.status == 1 && run.stdout.contains("already being loaded") && run.stdout.hasSuffix("nabla> a\n1\n"))
    let first = try notebook("")
    let second = try notebook(":load \(first)\nb = 2\n")
    try ":load \(second)\nc = 3\n".write(toFile: first, atomically: true, encoding: .utf8)
    let ring = try nabla([], stdin: ":load \(first)\nc + 1\n")
    #expect(ring.status == 1)
    #expect(ring.stderr.contains("already being loaded") && ring.stdout.contains("4"))
  }

  @Test("a plain replay shows prose as prose and exits 1 when a statement fails")
  func replay() throws {
    let path = try notebook("# Prose here\nx = 1\nx @ x\n")
    let run = try nabla(["run", path])
    #expect(run.stdout.hasPrefix("Prose here\nnabla> x = 1\nnabla> x @ x\nerror: x @ x"))
    #expect(run.status == 1)
  }

  @Test("--step with piped keys: next, back, predict-then-reveal, quit; a status line on every page")
  func step() throws {
    let path = try notebook("# Demo\n# First\na = 2\n# Second\na * 3\n")
    let run = try nabla(["run", "--step", path], stdin: "  bq")
    #expect(run.stdout.contains("── Demo · [1/2] · ? keys\nDemo\nFirst\n\nnabla> a = 2"))
    #expect(run.stdout.contains("── Demo · [2/2] · ? keys\nSecond\n\nnabla> a * 3\n6"))
    #expect(run.stdout.components(separatedBy: "── Demo · [1/2]").count == 3)  // shown, then again after b
    let predict = try nabla(["run", "--step", path], stdin: "p  x q")
    // Asked once: a = 2 prints nothing, so there is nothing to predict.
    #expect(predict.stdout.components(separatedBy: "what will it print?").count == 2)
    #expect(predict.stdout.contains("nabla> a * 3\n6"))
  }

  @Test("--step: going back restores the session, so ':' sees what the screen shows")
  func stepBackRestores() throws {
    // The case from the issue: to the end, back three times, then ':' asks for a.
    let path = try notebook("a = 1\na\n#> 1\na = 2\na\n#> 2\n")
    let run = try nabla(["run", "--step", path], stdin: "    bbb:a\nq")
    let tried = try #require(run.stdout.components(separatedBy: "try> ").last)
    #expect(tried.hasPrefix("1\n"), "\(run.stdout)")
    // The course notebook: at statement 9, p is still the 3-entry softmax of statement 2, not
    // the 5-entry one of statement 18.
    let course = try nabla(
      ["run", "--step", "sessions/softmax-jacobian.nabla"], stdin: "g20\ng9\n:shape(p)\nq")
    #expect(course.stdout.contains("── running statements 1 to 19"))
    #expect(try #require(course.stdout.components(separatedBy: "try> ").last).hasPrefix("[3]\n"), "\(course.stdout)")
  }

  @Test("--step: a change tried at ':' shows in the later steps, marked as differing from the recording")
  func stepTriedChange() throws {
    let path = try notebook("a = 1\nb = a + 1\nb\n#> 2\na * 10\n#> 10\n")
    let run = try nabla(["run", "--step", path], stdin: " :f(v) = {\n  v * 100\n}\n:a = f(1)\n   q")
    #expect(run.stdout.contains("nabla> b\n101\n(this output differs from the notebook's recording)"), "\(run.stdout)")
    #expect(run.stdout.contains("nabla> a * 10\n1000\n(this output differs from the notebook's recording)"))
    // Stepping through untouched marks nothing.
    let plain = try nabla(["run", "--step", path], stdin: "    q")
    #expect(!plain.stdout.contains("differs") && plain.stdout.contains("nabla> a * 10\n10\n"))
  }

  @Test("--step: the closing prose is shown, 'end of the notebook' once; g, sections and ? keys")
  func stepNavigation() throws {
    let path = try notebook(
      "# Title\n## Part one\na = 1\na + 1\n## Part two\nb = 5\nb + a\n# That is all.\n# Thanks.\n")
    let run = try nabla(["run", "--step", path], stdin: "       q")
    #expect(
      run.stdout.contains("── Title · Part two · [end] · ? keys\nThat is all.\nThanks.\n\n── end of the notebook"))
    #expect(run.stdout.components(separatedBy: "end of the notebook").count == 2)
    let jumps = try nabla(["run", "--step", path], stdin: "g4\nNNn?q")
    let pages = jumps.stdout.components(separatedBy: "── Title · ").dropFirst().map { $0.prefix(while: { $0 != "\n" }) }
    #expect(
      pages == [
        "Part two · [4/4] · ? keys", "Part two · [3/4] · ? keys", "Part one · [1/4] · ? keys",
        "Part two · [3/4] · ? keys",
      ], "\(pages)")
    #expect(jumps.stdout.contains("nabla> b + a\n6"))
    #expect(jumps.stdout.contains("g N enter     go to statement N"))
    let sections = try nabla(["run", "--step", path], stdin: "nnNq")
    let visited = sections.stdout.components(separatedBy: "── Title · ").dropFirst().map {
      $0.prefix(while: { $0 != "\n" })
    }
    #expect(visited == ["Part one · [1/4] · ? keys", "Part two · [3/4] · ? keys", "Part one · [1/4] · ? keys"])
  }

  @Test("run --ascii draws plots in ASCII; --check still compares the braille recording")
  func asciiRun() throws {
    let path = try notebook("plot([1, 4, 9])\n")
    #expect(try nabla(["run", "--update", path]).status == 0)
    let ascii = try nabla(["run", "--ascii", path])
    #expect(ascii.stdout.contains("|") && ascii.stdout.contains("*") && !ascii.stdout.contains("┤"))
    #expect(try nabla(["run", "--check", "--ascii", path]).status == 0)
    #expect(try String(contentsOfFile: path, encoding: .utf8).contains("┤"))
  }

  @Test("export --markdown writes to stdout, to -o's file, never beside the notebook uninvited; --ascii plots")
  func export() throws {
    let path = try notebook("# The gradient\nx = [1, 2]\ngrad(sum(x^2), x)\nplot(x)\n")
    let beside = path.replacingOccurrences(of: ".nabla", with: ".md")
    let run = try nabla(["export", path, "--markdown"])
    #expect(run.status == 0 && run.stdout.hasPrefix("---\ntitle: \"The gradient\""))
    #expect(run.stdout.contains("```\nx = [1, 2]\ngrad(sum(x^2), x)\n```"))
    #expect(run.stdout.contains("\\begin{bmatrix} 2 & 4 \\end{bmatrix}") && run.stdout.contains("#> "))
    #expect(!FileManager.default.fileExists(atPath: beside))
    #expect(try nabla(["export", path, "--markdown", "-o", "-"]).stdout == run.stdout)
    let target = path + ".out.md"
    let written = try nabla(["export", path, "--markdown", "-o", target])
    #expect(written.status == 0 && written.stdout.isEmpty)
    #expect(try String(contentsOfFile: target, encoding: .utf8) == run.stdout)
    let ascii = try nabla(["export", "--ascii", path, "--markdown"]).stdout
    #expect(ascii.contains("#>") && ascii.contains("|") && !ascii.contains("┤"))
  }
}
