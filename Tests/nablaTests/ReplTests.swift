import Foundation
import NablaChildProcess
import Testing

/// The REPL on a real terminal, driven through tmux: readline editing, history, completion,
/// continuation lines, Ctrl-C and Ctrl-D.
let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

@Suite("REPL through tmux", .serialized, .enabled(if: tmuxAvailable))
struct ReplTests {
  /// A tmux session running nabla with a private HOME (so the history file is its own).
  final class Terminal {
    let name = "nabla-test-\(UInt32.random(in: 0..<UInt32.max))"
    let home: URL

    /// A fresh HOME, or `home` to start again where an earlier nabla left its history;
    /// `arguments` for nabla (none: the REPL), in a terminal `width` columns wide.
    init(
      home existing: URL? = nil, width: Int = 120, height: Int = 40, arguments: String = "",
      waitingFor prompt: String = "nabla>", color: Bool = false
    ) throws {
      home = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent(name)
      try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
      // No pipes here: this call may start the tmux server, a daemon that must not hold them.
      _ = try ChildProcess.run(
        "/usr/bin/tmux",
        [
          "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
          "env \(color ? "-u NO_COLOR TERM=xterm-256color" : "NO_COLOR=1") HOME=\(home.path) \(nablaBinary.path) \(arguments)",
        ], captureOutput: false, timeout: 30)
      _ = try waitFor(prompt)
    }

    deinit {
      _ = try? tmux(["kill-session", "-t", name])
      try? FileManager.default.removeItem(at: home)
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
      try ChildProcess.run("/usr/bin/tmux", arguments, timeout: 30).stdout
    }

    /// True while the tmux session (and so nabla in it) is still there.
    func sessionExists() throws -> Bool {
      try ChildProcess.run("/usr/bin/tmux", ["has-session", "-t", name], timeout: 30).status == 0
    }

    /// Waits (up to 5 s) for nabla to leave; true when it has.
    func hasExited() throws -> Bool {
      for _ in 0..<100 where try sessionExists() { Thread.sleep(forTimeInterval: 0.05) }
      return try !sessionExists()
    }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }
    func type(_ line: String) throws { try tmux(["send-keys", "-t", name, "-l", line]) }
    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

    /// Polls the screen until `text` appears (or 10 s pass), and returns the screen.
    func waitFor(_ text: String, count: Int = 1) throws -> String {
      var last = ""
      for _ in 0..<200 {
        last = try screen()
        if last.components(separatedBy: text).count - 1 >= count { return last }
        Thread.sleep(forTimeInterval: 0.05)
      }
      Issue.record("timed out waiting for \(text); screen:\n\(last)")
      return last
    }

    func enter(_ line: String) throws {
      try type(line)
      try send("Enter")
    }
  }

  @Test("--step at 40 columns breaks prose between words and puts derive's legend on its own line")
  func stepAtFortyColumns() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "narrow-\(UInt32.random(in: 0..<UInt32.max)).nabla")
    try
      "# The Jacobian of softmax, from exercise 4.2, as a formula with p named:\nx = [1, 2, 0.5]; p = softmax(x)\nderive(softmax(x), x)\n"
      .write(to: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: path) }
    let t = try Terminal(width: 40, arguments: "run --step \(path.path)", waitingFor: "statements")
    try t.send("Space")
    let first = try t.waitFor("nabla>")
    // Column 40 falls inside "4.2": the terminal would split it; the presenter moves it down.
    #expect(first.contains("The Jacobian of softmax, from exercise\n4.2, as a formula with p named:"), "\(first)")
    try t.send("Space")
    let second = try t.waitFor("[3, 3]")
    #expect(second.contains("∂softmax(x)/∂x = diag(p) − p pᵀ\n(p = softmax(x))\n[3, 3]"), "\(second)")
  }

  @Test("--step at 60×20: a wide Jacobian wraps in column blocks, a tall page waits for space, Ctrl-C quits")
  func stepPagingAndWrapping() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "paging-\(UInt32.random(in: 0..<UInt32.max)).nabla")
    try "# Paging\nx = linspace(1, 2, 9); y = softmax(x)[0:3]\njacobian(y, x)\nrandn(30, 2, seed: 1)\n"
      .write(to: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: path) }
    let t = try Terminal(width: 60, height: 20, arguments: "run --step \(path.path)", waitingFor: "statements")
    try t.send("Space")
    _ = try t.waitFor("[1/3]")
    try t.send("Space")
    let table = try t.waitFor("x[8]")
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
    // Every line fits, the row labels start every block, and each number is whole.
    #expect(lines.allSatisfy { $0.count <= 60 }, "\(table)")
    #expect(lines.filter { $0.hasPrefix("y[0]") }.count == 2, "\(table)")
    #expect(lines.contains { $0.contains("x[0]") } && lines.contains { $0.contains("x[8]") })
    #expect(table.contains(" 0.0") && !table.contains("0.\n"))
    // The status line stays at the top.
    #expect(lines.first?.contains("Paging · [2/3] · ? keys") == true, "\(table)")
    try t.send("Space")
    let first = try t.waitFor("more: space")
    #expect(first.split(separator: "\n").first?.contains("[3/3]") == true, "\(first)")
    #expect(first.contains("nabla> randn(30, 2, seed: 1)"))
    try t.send("Space")
    let second = try t.waitFor("end of the notebook")
    #expect(second.split(separator: "\n").first?.contains("[3/3]") == true && !second.contains("nabla> randn"))
    try t.send("C-c")
    #expect(try t.hasExited())
  }

  @Test("a session with train and plot, saved with :save in a 150-column terminal, passes run --check")
  func saveFromWideTerminalChecks() throws {
    let t = try Terminal(width: 150)
    let path = t.home.appendingPathComponent("saved.nabla").path
    for line in [
      "w = 0; loss() = (w - 3)^2", "h = train(loss, [w], steps: 30)", "plot(h, log: true)", "plot(cos, 0, 3)",
      ":save \(path)",
    ] {
      try t.enter(line)
    }
    let screen = try t.waitFor("saved 5 statements")
    // The terminal had its own layout: the live summary with a time, plots 150 wide.
    #expect(screen.contains(" s\n") && screen.split(separator: "\n").contains { $0.count > 120 }, "\(screen)")
    let check = try nabla(["run", "--check", path])
    #expect(check.status == 0 && check.stdout.contains("all outputs match"), "\(check.stdout)")
  }

  @Test("the five statements of the README give the Jacobian table and the gradient")
  func readmeSession() throws {
    let t = try Terminal()
    for line in ["x = [1, 2, 0.5]", "p = softmax(x)", "jacobian(p, x)"] { try t.enter(line) }
    let table = try t.waitFor("p[2]")
    #expect(table.contains("∂p/∂x"))
    #expect(table.contains("p[0]   0.1778  -0.1453  -0.0324"))
    try t.enter("e = cross_entropy(p, onehot(1, 3))")
    try t.enter("grad(e, x)")
    let screen = try t.waitFor("∂e/∂x")
    _ = try t.waitFor("0.1402]")
    #expect(screen.contains("∂e/∂x"))
    #expect(try t.screen().contains("[ 0.2312  -0.3715   0.1402]"))
  }

  @Test("Up recalls the previous line; an open bracket asks for a continuation line")
  func historyAndContinuation() throws {
    let t = try Terminal()
    try t.enter("a = [1, 2,")
    _ = try t.waitFor("...")
    try t.enter("3]")
    try t.enter("sum(a)")
    _ = try t.waitFor("\n6")
    try t.send("Up")
    try t.send("Enter")
    _ = try t.waitFor("\n6", count: 2)
  }

  @Test("a multi-line block comes back whole with Up after a restart")
  func blockHistoryAcrossSessions() throws {
    let first = try Terminal()
    for line in ["f(x) = {", "  y = x * 2", "  y + 1", "}"] { try first.enter(line) }
    try first.send("C-d")
    _ = try first.hasExited()
    let second = try Terminal(home: first.home)
    try second.send("Up")
    try second.send("Enter")
    try second.enter("f(3)")
    let screen = try second.waitFor("\n7\n")
    #expect(screen.contains("nabla> f(x) = {\n  y = x * 2\n  y + 1\n}"))
  }

  @Test("Tab completes builtins; Ctrl-C abandons the line and keeps the variables; Ctrl-D leaves")
  func completionInterruptAndExit() throws {
    let t = try Terminal()
    try t.enter("w = 41")
    try t.type("softm")
    try t.send("Tab")
    _ = try t.waitFor("softmax")
    try t.send("C-c")
    try t.enter("w + 1")
    _ = try t.waitFor("\n42")
    try t.send("C-d")
    // Up to 10 s: with the other suites running on both cores, leaving once took over 5 s.
    var alive = true
    for _ in 0..<200 where alive {
      alive = try t.sessionExists()
      if alive { Thread.sleep(forTimeInterval: 0.05) }
    }
    #expect(!alive, "nabla did not exit on Ctrl-D")
  }

  @Test("training draws a live curve; Ctrl-C stops it keeping the weights; resume: true continues")
  func trainingInterrupt() throws {
    let t = try Terminal()
    try t.enter("X, y = digits(); W = zeros(10, 64); b = zeros(10)")
    try t.enter("loss(xb, yb) = softmax_cross_entropy(linear(xb / 16, W, b), yb)")
    try t.enter("h = train(loss, [W, b], steps: 1000000, lr: 0.1, data: [X, y])")
    _ = try t.waitFor("steps/s")
    try t.send("C-c")
    let stopped = try t.waitFor("resume: true")
    #expect(stopped.contains("stopped after step"))
    try t.enter("n = numel(h); n > 0")
    _ = try t.waitFor("\n1\n")
    try t.enter("h2 = train(loss, [W, b], steps: 5, lr: 0.1, data: [X, y], resume: true); numel(h2) - n")
    _ = try t.waitFor("\n5\n")
  }
}
