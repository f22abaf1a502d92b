import NablaTensor
import NablaTestSupport
import Testing

@testable import NablaLanguage
@testable import NablaSession

extension String {
  fileprivate func droppingLeadingSpaces() -> Substring { drop(while: { $0 == " " }) }
}

@Suite("Training, data and plots")
struct TrainingAndDataTests {
  let scratch = ScratchDirectory("nabla-files")

  func run(_ source: String) -> (Session, String, String) {
    var values: [String] = []
    var diagnostics: [String] = []
    let session = Session(write: { channel, text in
      if channel == .values { values.append(text) } else { diagnostics.append(text) }
    })
    session.run(source)
    return (session, values.joined(separator: "\n"), diagnostics.joined(separator: "\n"))
  }

  func scalar(_ s: Session, _ name: String) -> Double? {
    if case .tensor(let v)? = s.interpreter.globals[name] { return v.value.scalarValue }
    return nil
  }

  @Test("SGD on (w − 3)² follows w ← w − lr·2(w − 3) exactly")
  func sgdClosedForm() {
    let (s, _, errors) = run("w = 0; loss() = (w - 3)^2; h = train(loss, [w], steps: 5, lr: 0.1);")
    #expect(errors.isEmpty)
    var w = 0.0
    var losses: [Double] = []
    for _ in 0..<5 {
      losses.append((w - 3) * (w - 3))
      w -= 0.1 * 2 * (w - 3)
    }
    #expect(abs((scalar(s, "w") ?? .nan) - w) < 1e-15)
    guard case .tensor(let h)? = s.interpreter.globals["h"] else {
      Issue.record("train returned no loss history")
      return
    }
    #expect(h.value.data == losses)
  }

  @Test("momentum and Adam take PyTorch's steps")
  func optimizers() {
    // Momentum: v ← 0.9v + g, w ← w − lr·v.
    let (m, _, _) = run("w = 0; loss() = (w - 3)^2; train(loss, [w], steps: 2, lr: 0.1, opt: \"momentum\");")
    var (w, v) = (0.0, 0.0)
    for _ in 0..<2 {
      v = 0.9 * v + 2 * (w - 3)
      w -= 0.1 * v
    }
    #expect(abs((scalar(m, "w") ?? .nan) - w) < 1e-15)
    // Adam's first step moves by lr·sign(g) (up to ε).
    let (a, _, _) = run("w = 0; loss() = (w - 3)^2; train(loss, [w], steps: 1, lr: 0.01, opt: \"adam\");")
    #expect(abs((scalar(a, "w") ?? .nan) - 0.01) < 1e-9)
  }

  @Test("mini-batches are seeded: the same call gives the same history; resume continues it")
  func batchesAndResume() {
    let setup =
      "X, y = moons(100, noise: 0.1, seed: 1); W = zeros(2, 2); b = zeros(2); loss(xb, yb) = softmax_cross_entropy(linear(xb, W, b), yb)\n"
    let (s1, _, _) = run(setup + "h = train(loss, [W, b], steps: 30, lr: 0.5, data: [X, y], batch: 16, seed: 3);")
    let (s2, _, _) = run(
      setup
        + "h = train(loss, [W, b], steps: 10, lr: 0.5, data: [X, y], batch: 16, seed: 3); h2 = train(loss, [W, b], steps: 20, lr: 0.5, data: [X, y], batch: 16, seed: 3, resume: true);"
    )
    guard case .tensor(let a)? = s1.interpreter.globals["h"], case .tensor(let b)? = s2.interpreter.globals["h2"] else {
      Issue.record("no histories")
      return
    }
    #expect(a.value.data == b.value.data)
    #expect((a.value.data.last ?? 1) < (a.value.data.first ?? 0))
  }

  @Test("Ctrl-C during a step (inside loss) stops after that step with its parameters and history")
  func interruptInsideLossFinishesTheStep() {
    var diagnostics: [String] = []
    let session = Session(write: { channel, text in if channel == .diagnostics { diagnostics.append(text) } })
    session.run("w = 0; loss() = sum(abs(w - 3)^2)")
    // The interrupt is pending from the 10th time anyone asks: that is inside `loss` of step 4
    // (each step's loss makes calls that ask too), and the training loop must be the one to see it.
    var asked = 0
    session.interpreter.interruptRequested = {
      asked += 1
      return asked >= 10
    }
    session.run("h = train(loss, [w], steps: 100, lr: 0.1);")
    session.interpreter.interruptRequested = { false }
    guard case .tensor(let h)? = session.interpreter.globals["h"] else {
      Issue.record("train did not return a history; diagnostics: \(diagnostics)")
      return
    }
    let steps = h.value.count
    #expect(steps >= 1 && steps < 100)
    #expect(diagnostics.contains { $0.contains("stopped after step \(steps) of 100") })
    #expect(!diagnostics.contains { $0.contains("error") })
    // The parameter is exactly the one after `steps` whole SGD steps.
    var w = 0.0
    for _ in 0..<steps { w -= 0.1 * 2 * (w - 3) }
    #expect(abs((scalar(session, "w") ?? .nan) - w) < 1e-15)
    // The same call with resume: true finishes the 100 steps it asked for, not 100 more.
    #expect(diagnostics.contains { $0.contains("goes on to step 100") })
    session.run("h = train(loss, [w], steps: 100, lr: 0.1, resume: true);")
    guard case .tensor(let all)? = session.interpreter.globals["h"] else {
      Issue.record("no history after resuming")
      return
    }
    #expect(all.value.count == 100)
    var w100 = 0.0
    for _ in 0..<100 { w100 -= 0.1 * 2 * (w100 - 3) }
    #expect(abs((scalar(session, "w") ?? .nan) - w100) < 1e-12)
  }

  @Test("on a narrow terminal each line of the live curve fits, the status dropping its last parts first")
  func liveCurveFitsTheWidth() {
    for width in [24, 40, 50, 80] {
      var frames: [String] = []
      let session = Session(write: { _, _ in })
      session.options.interactive = true
      session.terminalWidth = { width }
      session.progress = { frames.append($0) }
      session.run("w = 0; loss() = (w - 3)^2; h = train(loss, [w], steps: 30, lr: 0.1);")
      #expect(!frames.isEmpty, "width \(width)")
      for frame in frames {
        // Without the cursor-up-and-clear that starts a redraw.
        let lines = frame.replacingOccurrences(of: "\u{1B}[J", with: "").split(separator: "\n").map {
          $0.drop { $0 == "\u{1B}" || $0 == "[" || $0.isNumber || $0 == "A" }
        }
        for line in lines { #expect(line.count <= width, "width \(width): \(line)") }
        #expect(lines.last?.hasPrefix("step ") == true)
      }
      let last = frames.last?.split(separator: "\n").last.map(String.init) ?? ""
      // 80 columns hold all of it, 24 only the step and the loss.
      #expect(last.contains("loss"), "width \(width): \(last)")
      if width == 80 { #expect(last.contains("s left")) }
      if width == 24 { #expect(!last.contains("steps/s"), "\(last)") }
    }
  }

  @Test("outside a terminal training shows one final curve and a summary without timings")
  func finalCurve() {
    let (_, out, _) = run("w = 0; loss() = (w - 3)^2; train(loss, [w], steps: 20, lr: 0.1)")
    #expect(out.contains("trained 20 steps with sgd (lr 0.1000): loss 9.0000 → "))
    #expect(!out.contains("steps/s"))
    #expect(out.contains("⠉") || out.contains("⠒") || out.contains("⣀"))
    // Assigned, the history is not shown but the curve and summary are; a trailing ; hides both.
    let (assigned, shown, _) = run("w = 0; loss() = (w - 3)^2; h = train(loss, [w], steps: 20, lr: 0.1)")
    #expect(shown.contains("trained 20 steps with sgd (lr 0.1000): loss 9.0000 → "))
    #expect(!shown.contains("[9.0000"))
    #expect(assigned.interpreter.globals["h"] != nil)
    let (_, quiet, _) = run("w = 0; loss() = (w - 3)^2; h = train(loss, [w], steps: 20, lr: 0.1);")
    #expect(quiet.isEmpty)
  }

  @Test("ASCII plots use plain characters and label both axes")
  func asciiPlot() {
    let lines = Plot(width: 40, height: 6, ascii: true).render(x: [0, 1, 2, 3], y: [0, 1, 4, 9])
    #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    // One notation for an axis: 9, 4.5 and 0 all with three decimals.
    #expect(lines[0].droppingLeadingSpaces().hasPrefix("9.000 |"))
    #expect(lines.contains { $0.droppingLeadingSpaces().hasPrefix("0.000 |") })
    #expect(lines.contains { $0.contains("4.500 |") })
    #expect(lines.last?.contains("3") == true)
    // plot is linear unless asked (a parabola through 0 is not a log-scale V); log: true asks.
    let (_, parabola, _) = run("f(x) = x^2; plot(f, -1, 1)")
    #expect(!parabola.contains("log scale"))
    let (_, logged, _) = run("plot(exp(linspace(0, 10, 50)), log: true)")
    #expect(logged.contains("(log scale)"))
    let (_, gaps, _) = run("plot([nan, inf, 1])")
    #expect(gaps.contains("(2 points not drawn: nan, inf or beyond ±1e300)"))
  }

  @Test("summary lists each operation's output shape and the parameters it reads")
  func summary() {
    let (_, out, errors) = run(
      """
      W1 = zeros(16, 3, 3, 3); b1 = zeros(16); W2 = zeros(10, 4096); b2 = zeros(10)
      net(x) = linear(reshape(maxpool2d(relu(conv2d(x, W1, b1, padding: 1)), 2), 1, -1), W2, b2)
      summary(net, 1, 3, 32, 32)
      """)
    #expect(errors.isEmpty)
    #expect(out.contains("conv2d     [1, 16, 32, 32]     448  W1, b1"))
    #expect(out.contains("linear     [1, 10]           40970  W2, b2"))
    #expect(out.hasSuffix("total parameters: 41418"))
    // Weights held in a list count too, named by their place in it; each tensor once.
    let (_, listed, _) = run(
      """
      Ws = [ones(3, 4), ones(2, 3)]; bs = [zeros(3), zeros(2)]
      f(x) = linear(relu(linear(x, Ws[0], bs[0])), Ws[1], bs[1]) + linear(x, Ws[0], bs[0])[:, 0:2]
      summary(f, 5, 4)
      """)
    #expect(listed.contains("Ws[0], bs[0]") && listed.contains("Ws[1], bs[1]"))
    #expect(listed.hasSuffix("total parameters: 23"))
    // A slice of a weight reads the weight; a range in a loop is not a layer.
    let (_, sliced, _) = run(
      """
      W = ones(2, 3); b = zeros(2)
      h(x) = { y = W[:, 0:2] @ x; for k in range(2) { y = y + k }; y + b }
      summary(h, 2)
      """)
    #expect(sliced.contains("index      [2, 2]             6  W"))
    #expect(!sliced.contains("range"))
    #expect(sliced.hasSuffix("total parameters: 8"))
  }

  @Test("train in a loop body reports nothing after the loop; a local of a params name is an error")
  func trainInLoopsAndFunctions() {
    let (s, out, errors) = run(
      "w = 0; loss() = (w - 3)^2\nfor k in range(2) { h = train(loss, [w], steps: 3); print(k) }")
    #expect(errors.isEmpty)
    #expect(out == "0\n1")
    #expect(s.interpreter.globals["h"] != nil)
    let (_, _, local) = run("a = 5; loss() = (a - 3)^2; g() = { a = 0; train(loss, [a], steps: 5) }; g()")
    #expect(local.contains("'a' here is a local of the function"))
  }

  @Test("datasets have the documented shapes, classes and balance")
  func datasets() throws {
    let (x, y) = try Datasets.digits()
    #expect(x.shape == [1797, 64] && y.shape == [1797])
    #expect(x.data.min() == 0 && x.data.max() == 16)
    #expect(Set(y.data) == Set((0..<10).map(Double.init)))
    let (ix, iy) = try Datasets.iris()
    #expect(ix.shape == [150, 4] && iy.data.filter { $0 == 2 }.count == 50)
    let (mx, my) = Datasets.moons(101, noise: 0.1, seed: 0)
    #expect(mx.shape == [101, 2] && abs(my.data.filter { $0 == 1 }.count - 50) <= 1)
    let (sx, sy) = Datasets.spirals(200, seed: 0)
    #expect(sx.shape == [200, 2] && sy.data.filter { $0 == 0 }.count == 100)
    #expect(Datasets.xor().1.data == [0, 1, 1, 0])
  }

  @Test("split is a seeded partition with the requested test fraction")
  func splitDataset() {
    let (s, _, _) = run("Xtr, ytr, Xte, yte = split(reshape(arange(20), 10, 2), arange(10), 0.3, seed: 4)")
    guard case .tensor(let ytr)? = s.interpreter.globals["ytr"], case .tensor(let yte)? = s.interpreter.globals["yte"],
      case .tensor(let xtr)? = s.interpreter.globals["Xtr"]
    else {
      Issue.record("split did not bind")
      return
    }
    #expect(yte.value.count == 3 && ytr.value.count == 7)
    #expect(Set(ytr.value.data + yte.value.data).count == 10)
    // Rows stay with their labels.
    for (i, label) in ytr.value.data.enumerated() { #expect(xtr.value.data[2 * i] == 2 * label) }
  }

  @Test(
    "CSV: lines of ASCII numbers read from their bytes, everything else as before (BOM, CRLF, header, blanks, Unicode spaces, missing cells, errors by row and column)"
  )
  func csvLines() throws {
    func values(_ text: String, missing: Double? = nil) throws -> (shape: [Int], data: [UInt64], header: String?) {
      let (t, header) = try NumpyFormat.decodeCSV(text, missing: missing)
      return (t.shape, t.data.map(\.bitPattern), header)
    }
    func error(_ text: String, missing: Double? = nil) -> String? {
      do {
        _ = try NumpyFormat.decodeCSV(text, missing: missing)
        return nil
      } catch { return error.description }
    }
    let bits = { (xs: [Double]) in xs.map(\.bitPattern) }
    let crlf = try values("\u{FEFF}a, b\r\n1, 2\r\n\r\n 3 ,\t4 \n  \n")
    #expect(crlf.shape == [2, 2] && crlf.data == bits([1, 2, 3, 4]) && crlf.header == "a, b")
    // U+00A0 and U+2003 are white space too: such a line takes the general path.
    let unicode = try values("\u{00A0}1,2\u{2003}\n3,4\n5,\u{00A0}6")
    #expect(unicode.shape == [3, 2] && unicode.data == bits([1, 2, 3, 4, 5, 6]))
    let numbers = try values("1e3,-inf,nan,-0\n.5,+2,1E-2,0x10\n")
    #expect(numbers.shape == [2, 4])
    #expect(numbers.data == bits([1000, -.infinity, .nan, -0.0, 0.5, 2, 0.01, 16]))
    #expect(try values("1,,3\n4,5,\n", missing: .nan).data == bits([1, .nan, 3, 4, 5, .nan]))
    #expect(error("1,,3\n") == "row 1, column 2 is empty (load(path, missing: nan) reads empty cells as NaN)")
    #expect(error("1,2\n3,4,\n") == "row 2, column 3 is empty (load(path, missing: nan) reads empty cells as NaN)")
    #expect(error("1,2\n\n3\n") == "row 3 has 1 values, the first row has 2")
    #expect(error("x,1\n") == "row 1, column 1 holds \"x\", which is not a number")
    #expect(error("1,2\n3,4x\n") == "row 2, column 2 holds \"4x\", which is not a number")
    #expect(try values("").shape == [0, 0] && values("\n\n").shape == [0, 0])
  }

  @Test(".npy and .npz round trips, and CSV with and without a header")
  func files() throws {
    let base = scratch.path("tensors")
    let t = Tensor(uncheckedShape: [2, 3], data: [1, -2.5, 3, 1e-300, .infinity, 6])
    #expect(BinaryFile.writeAtomically(NumpyFormat.encodeArray(t), to: base + ".npy"))
    #expect(try NumpyFormat.decodeArray(BinaryFile.read(base + ".npy") ?? []) == t)
    let archive = NumpyFormat.encodeArchive([("a", t), ("b", Tensor(scalar: 2))])
    let members = try NumpyFormat.decodeArchive(archive)
    #expect(members.map(\.name) == ["a", "b"] && members[1].tensor == Tensor(scalar: 2))
    #expect(try NumpyFormat.decodeCSV("x,y\n1,2\n3,4\n").tensor == Tensor(uncheckedShape: [2, 2], data: [1, 2, 3, 4]))
    #expect(try NumpyFormat.decodeCSV("1,2\n3,4").tensor == Tensor(uncheckedShape: [2, 2], data: [1, 2, 3, 4]))
    #expect(throws: NumpyFormat.FormatError.self) { try NumpyFormat.decodeCSV("1,2\n3\n") }
    #expect(throws: NumpyFormat.FormatError.self) { try NumpyFormat.decodeArray([1, 2, 3]) }
    // save(x, "f.npz") with one tensor writes one array, as np.savez(f, x) does.
    let (s, _, errors) = run("x = [1, 2; 3, 4]; save(x, \"\(base).npz\"); back = load(\"\(base).npz\")")
    #expect(errors.isEmpty)
    guard case .list(let items)? = s.interpreter.globals["back"], items.count == 1, case .tensor(let v) = items[0]
    else {
      Issue.record("load of a one-array .npz is not a list of one tensor")
      return
    }
    #expect(v.value == Tensor(uncheckedShape: [2, 2], data: [1, 2, 3, 4]))
  }
}
