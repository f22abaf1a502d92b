import Foundation
import NablaChildProcess
import Testing

/// The first five minutes of a new user: installing, starting, and the slips a newcomer makes.
@Suite("The first five minutes")
struct FirstMinutesTests {
  @Test("nabla --version, and a usage line that says bare nabla starts the REPL")
  func versionAndUsage() throws {
    let version = try nabla(["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("nabla 0."))
    let help = try nabla(["--help"])
    #expect(help.stdout.contains("USAGE: nabla                                  start the REPL"))
  }

  @Test("nabla file.nabla (without run) says what was meant and exits 64")
  func notebookWithoutRun() throws {
    for arguments in [["lesson.nabla"], ["--precision", "3", "lesson.nabla"]] {
      let run = try nabla(arguments)
      #expect(run.status == 64)
      #expect(run.stderr.contains("did you mean `nabla run lesson.nabla`?"), "\(run.stderr)")
    }
    // A statement that mentions a .nabla name is still a statement.
    #expect(try nabla(["-e", "\"a.nabla\""]).stdout == "\"a.nabla\"\n")
  }

  @Test("make install puts the binary at PREFIX/bin/nabla, a literal ~ included")
  func makeInstall() throws {
    let prefix = FileManager.default.temporaryDirectory.appendingPathComponent(
      "nabla-prefix-\(UInt32.random(in: 0..<UInt32.max))")
    defer { try? FileManager.default.removeItem(at: prefix) }
    // `-o release` takes the release build as made: the debug binary stands in for it here.
    let make = try ChildProcess.run(
      "/usr/bin/make",
      [
        "-C", packageRoot.path, "-o", "release", "install", "PREFIX=~/local", "HOME=\(prefix.path)",
        "BIN_RELEASE=\(nablaBinary.path)",
      ], timeout: 60)
    #expect(make.status == 0, "\(make.stderr)")
    let installed = prefix.appendingPathComponent("local/bin/nabla").path
    let run = try ChildProcess.run(installed, ["--version"], timeout: 30)
    #expect(run.stdout.hasPrefix("nabla 0."))
  }
}

/// Every error points at what is wrong: the end of an unfinished entry, a control character,
/// the argument of a REPL command.
@Suite("Errors located everywhere")
struct LocatedErrorTests {
  @Test("an unclosed { at the end of the input points at the last real line")
  func unclosedAtEnd() throws {
    let run = try nabla([], stdin: "f(x) = {\n  y = x + 1\n\n")
    #expect(run.stderr.contains("(line 2, column 12)\n2 |   y = x + 1\n  |            ^"), "\(run.stderr)")
  }

  @Test("a NUL or another control character is shown escaped, and the caret and message follow it")
  func controlCharacters() throws {
    let nul = try nabla([], stdin: "x = 1 +\u{0} 2\nx = 3\nx\n")
    #expect(
      nul.stderr.contains(
        "error: unexpected character U+0000 (line 1, column 8)\n1 | x = 1 +\\u{0} 2\n  |        ^~~~~"))
    #expect(nul.stdout == "3\n")
    let bell = try nabla(["-e", "ab\u{7}c + 1"])
    #expect(bell.stderr.contains("1 | ab\\u{7}c + 1\n  |   ^~~~~"), "\(bell.stderr)")
  }

  @Test("REPL command errors carry the location and caret of the wrong part; :time of a failure prints no time")
  func commandErrors() throws {
    let cases: [(String, String)] = [
      (":precision abc", "(line 1, column 12)\n1 | :precision abc\n  |            ^~~"),
      (":del nope", "'nope' is not a variable (line 1, column 6)\n1 | :del nope\n  |      ^~~~"),
      (":graph ]", "expected a value, found ']' (line 1, column 8)\n1 | :graph ]\n  |        ^"),
      (":time ]", "expected a value, found ']' (line 1, column 7)\n1 | :time ]\n  |       ^"),
      (":format xyz", "(line 1, column 9)\n1 | :format xyz\n  |         ^~~"),
    ]
    for (command, expected) in cases {
      let run = try nabla(["-e", command])
      #expect(run.status == 1 && run.stderr.contains(expected), "\(command): \(run.stderr)")
    }
    let failing = try nabla(["-e", ":time nope(1)"])
    #expect(failing.stderr.contains("1 | :time nope(1)\n  |       ^~~~") && !failing.stderr.contains("time:"))
    #expect(try nabla(["-e", ":time 1 + 1"]).stderr.hasPrefix("time: "))
  }
}
