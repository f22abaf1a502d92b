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
