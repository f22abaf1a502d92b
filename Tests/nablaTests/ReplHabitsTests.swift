import Foundation
import NablaChildProcess
import Testing

/// The REPL for fingers that know IPython and Julia, tried in tmux at 80×24 and 40×20.
@Suite("REPL habits through tmux", .serialized, .enabled(if: tmuxAvailable))
struct ReplHabitsTests {
  typealias Terminal = ReplTests.Terminal

  @Test("Ctrl-C and Ctrl-D at the continuation prompt abandon the entry; Ctrl-D at an empty prompt quits")
  func abandonEntries() throws {
    let t = try Terminal(width: 80, height: 24)
    try t.enter("x = [1, 2,")
    _ = try t.waitFor("...")
    try t.type("3")
    try t.send("C-c")
    try t.enter("5 + 1")
    let afterInterrupt = try t.waitFor("\n6\n")
    #expect(!afterInterrupt.contains("error"), "\(afterInterrupt)")
    try t.enter("y = (1 +")
    _ = try t.waitFor("...", count: 2)
    try t.send("C-d")
    try t.enter("7")
    _ = try t.waitFor("\n7\n")
    #expect(try t.sessionExists())
    try t.enter("y")
    _ = try t.waitFor("'y' is not defined")
    try t.send("C-d")
    #expect(try t.hasExited())
  }

  @Test("Ctrl-C stops range(10^8) and an 8000² product within a second; nothing is half-assigned")
  func interruptLongOperations() throws {
    let t = try Terminal(width: 80, height: 24)
    try t.enter("x = range(100000000)")
    Thread.sleep(forTimeInterval: 0.3)
    let start = Date()
    try t.send("C-c")
    _ = try t.waitFor("interrupted")
    #expect(Date().timeIntervalSince(start) < 1.5)
    // The 512 MB operand first, to its end: filling it is not the product, and on a loaded
    // machine (the tests run side by side) it alone can take longer than the wait below.
    try t.enter("A = ones(8000, 8000); A.shape")
    _ = try t.waitFor("[8000, 8000]")
    try t.enter("B = A @ A")
    Thread.sleep(forTimeInterval: 1.5)
    let second = Date()
    try t.send("C-c")
    _ = try t.waitFor("interrupted", count: 2)
    #expect(Date().timeIntervalSince(second) < 1.5)
    try t.enter("x")
    try t.enter("B")
    let screen = try t.waitFor("'B' is not defined")
    #expect(screen.contains("'x' is not defined"))
  }

  @Test("?softmax, softmax?, help(softmax); ans and _; exit() leaves")
  func habits() throws {
    let t = try Terminal(width: 80, height: 24)
    try t.enter("?softmax")
    _ = try t.waitFor("example: softmax([1, 2, 0.5])")
    try t.enter("clear")
    try t.enter("help(sum)")
    _ = try t.waitFor("sum(x, axis?")
    try t.enter("sum([1, 2, 3])")
    try t.enter("ans * 10")
    _ = try t.waitFor("\n60\n")
    try t.enter("_ + 1")
    _ = try t.waitFor("\n61\n")
    try t.enter("exit()")
    #expect(try t.hasExited())
  }

  @Test("Tab at 40×20: a named argument, the signature after (, \\alpha → α, a file name after :load")
  func completion() throws {
    let t = try Terminal(width: 40, height: 20)
    try t.enter("x = [1, 2.0]")
    try t.type("sum(x, ax")
    try t.send("Tab")
    _ = try t.waitFor("axis:")
    try t.enter("0)")
    _ = try t.waitFor("\n3\n")
    try t.type("softmax(")
    try t.send("Tab")
    _ = try t.waitFor("softmax(x, axis: -1)")
    try t.enter("x)")
    try t.type("\\alpha")
    try t.send("Tab")
    try t.enter(" = 2")
    try t.enter("α * 3")
    _ = try t.waitFor("\n6\n")
    try t.type(":load \(packageRoot.path)/sessions/softmax-j")
    try t.send("Tab")
    _ = try t.waitFor("jacobian.nabla")
  }

  @Test("output fits the terminal: 10×10 randn in 80 columns, column blocks at 40; a resize is followed")
  func outputFits() throws {
    let t = try Terminal(width: 80, height: 24)
    try t.enter("randn(10, 10, seed: 1)")
    let wide = try t.waitFor("1.2021")
    #expect(wide.split(separator: "\n").allSatisfy { $0.count <= 80 } && !wide.contains("e-0"))
    #expect(!wide.contains("columns "))
    try t.tmux(["resize-window", "-t", t.name, "-x", "40", "-y", "20"])
    Thread.sleep(forTimeInterval: 0.2)
    try t.enter("clear")
    try t.enter("randn(3, 10, seed: 1)")
    let narrow = try t.waitFor("columns 5–9")
    #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 40 }, "\(narrow)")
    try t.enter("plot([1, 2, 3])")
    let plot = try t.waitFor("└")
    #expect(plot.split(separator: "\n").allSatisfy { $0.count <= 40 })
  }

  @Test("color on a terminal: the prompt, a title, a shape header")
  func color() throws {
    let t = try Terminal(width: 80, height: 24, color: true)
    try t.enter("x = [1, 2.0]; grad(sum(x^2), x)")
    try t.enter("ones(2, 2)")
    _ = try t.waitFor("1  1")
    let screen = try t.tmux(["capture-pane", "-e", "-p", "-t", t.name])
    #expect(screen.contains("\u{1B}[1m\u{1B}[34mnabla>"), "\(screen)")
    #expect(screen.contains("\u{1B}[1m∂(sum(x^2))/∂x"))
    #expect(screen.contains("\u{1B}[2m[2, 2]"))
  }
}

@Suite("Piped input and Ctrl-C")
struct PipedInterruptTests {
  @Test("SIGINT while nabla waits on piped input ends it at once, without spinning")
  func interruptWhileReading() throws {
    // Its own pid ($! of the pipeline is nabla's), so no other nabla of the test run is hit.
    let script = """
      sleep 2 | '\(nablaBinary.path)' 2>/tmp/nabla-piped-$$.err &
      pid=$!
      sleep 0.5
      start=$(date +%s%N)
      kill -INT $pid
      while kill -0 $pid 2>/dev/null; do sleep 0.01; done
      end=$(date +%s%N)
      cat /tmp/nabla-piped-$$.err; rm -f /tmp/nabla-piped-$$.err
      echo "waited $(( (end - start) / 1000000 )) ms"
      """
    let run = try ChildProcess.run("/bin/bash", ["-c", script], timeout: 30)
    #expect(run.stdout.contains("error: interrupted while reading input"), "\(run.stdout)")
    let line = run.stdout.split(separator: "\n").first { $0.hasPrefix("waited ") } ?? ""
    let waited = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 99_999
    #expect(waited < 6000)
  }
}
