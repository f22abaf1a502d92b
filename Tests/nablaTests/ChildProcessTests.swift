import NablaChildProcess
import Testing

/// The process runner every end-to-end test stands on.
@Suite("Child processes")
struct ChildProcessTests {
  @Test("a megabyte through cat comes back whole while stderr is drained too")
  func largeInputAndOutput() throws {
    let line = String(repeating: "0123456789abcdef", count: 4) + "\n"
    let input = String(repeating: line, count: 16_000)
    let run = try ChildProcess.run("sh", ["-c", "cat; echo done >&2"], input: input)
    #expect(run.exited && run.status == 0)
    #expect(run.stdout.utf8.count == input.utf8.count)
    #expect(run.stdout == input)
    #expect(run.stderr == "done\n")
  }

  @Test("the exit status, the environment and an empty stdin arrive as given")
  func statusEnvironmentAndInput() throws {
    let run = try ChildProcess.run(
      "/bin/sh", ["-c", "read line; echo \"[$line] $GREETING\"; exit 3"], environment: ["GREETING": "hello"],
      input: "")
    #expect(run.exited && run.status == 3)
    #expect(run.stdout == "[] hello\n")
  }

  @Test("a child past its time limit is killed and says so, with or without pipes")
  func timeout() throws {
    let run = try ChildProcess.run("sleep", ["30"], timeout: 0.3)
    #expect(run.timedOut)
    #expect(!run.exited && run.status == 9)
    let quiet = try ChildProcess.run("sleep", ["30"], captureOutput: false, timeout: 0.3)
    #expect(quiet.timedOut && !quiet.exited)
    // Output closed, still running: the wait has a limit too.
    let closed = try ChildProcess.run("sh", ["-c", "exec >&- 2>&-; sleep 30"], timeout: 0.5)
    #expect(closed.timedOut && !closed.exited)
  }

  @Test("a child that exits without reading its input does not end the caller")
  func unreadInput() throws {
    let run = try ChildProcess.run("true", [], input: String(repeating: "x", count: 1 << 20))
    #expect(run.exited && run.status == 0)
  }

  @Test("the child starts with default signal handling even from a thread that blocks signals")
  func signalsStartAtTheirDefaults() throws {
    // SIGINT must end the child: a blocked or ignored SIGINT would let it sleep on.
    let run = try ChildProcess.run("sh", ["-c", "kill -INT $$; sleep 5"], timeout: 10)
    #expect(!run.exited && run.status == 2)
    #expect(!run.timedOut)
  }

  @Test("a program that does not exist is an error, not a hang")
  func missingProgram() {
    #expect(throws: ChildProcess.SpawnError.self) {
      try ChildProcess.run("/nonexistent/program", [])
    }
  }
}
