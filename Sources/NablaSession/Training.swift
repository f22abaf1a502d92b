import NablaAutodiff
import NablaLanguage
import NablaTensor

/// One training run's state: enough to resume after Ctrl-C with the optimizer's moments, the
/// data order and the loss history intact.
final class TrainingRun {
  let parameterNames: [String]
  let optimizer: String
  let learningRate: Double
  let batch: Int
  var step = 0
  /// Where a call that Ctrl-C stopped was going, and how many steps it asked for: the same
  /// call with `resume: true` goes on to that step.
  var unfinished: (target: Int, requested: Int)? = nil
  var history: [Double] = []
  /// Momentum's velocity, or Adam's first moment; Adam's second moment.
  var first: [Tensor]
  var second: [Tensor]
  var random: RandomSource
  var order: [Int] = []
  var cursor = 0

  init(parameterNames: [String], shapes: [[Int]], optimizer: String, learningRate: Double, batch: Int, seed: UInt64) {
    self.parameterNames = parameterNames
    self.optimizer = optimizer
    self.learningRate = learningRate
    self.batch = batch
    first = shapes.map { Tensor(repeating: 0, shape: $0) }
    second = shapes.map { Tensor(repeating: 0, shape: $0) }
    random = RandomSource(seed: seed)
  }

  /// The next mini-batch's row indices from a seeded shuffle, reshuffled each epoch.
  func nextBatch(rows: Int) -> [Int] {
    let size = min(batch, rows)
    var picked: [Int] = []
    picked.reserveCapacity(size)
    while picked.count < size {
      if cursor >= order.count {
        order = Datasets.permutation(rows, &random)
        cursor = 0
      }
      picked.append(order[cursor])
      cursor += 1
    }
    return picked
  }

  /// One optimizer update of `value` with gradient `g` (PyTorch's defaults: momentum 0.9;
  /// Adam β₁ 0.9, β₂ 0.999, ε 1e-8 with bias correction).
  func update(_ k: Int, _ value: Tensor, _ g: Tensor) -> Tensor {
    let lr = learningRate
    if optimizer == "sgd" {
      // One pass into a fresh buffer (no copy of the old values first): every step runs this.
      return Tensor(uncheckedShape: value.shape, data: Self.axpy(value.data, -lr, g.data))
    }
    var out = value.data
    switch optimizer {
    case "momentum":
      for i in out.indices {
        first[k].data[i] = 0.9 * first[k].data[i] + g.data[i]
        out[i] -= lr * first[k].data[i]
      }
    case "adam":
      let t = Double(step + 1)
      let c1 = 1 - Math.pow(0.9, t)
      let c2 = 1 - Math.pow(0.999, t)
      for i in out.indices {
        first[k].data[i] = 0.9 * first[k].data[i] + 0.1 * g.data[i]
        second[k].data[i] = 0.999 * second[k].data[i] + 0.001 * g.data[i] * g.data[i]
        out[i] -= lr * (first[k].data[i] / c1) / ((second[k].data[i] / c2).squareRoot() + 1e-8)
      }
    default:
      out = Self.axpy(out, -lr, g.data)
    }
    return Tensor(uncheckedShape: value.shape, data: out)
  }

  /// x + a·y, elementwise over the length of x (y as long or longer).
  static func axpy(_ x: [Double], _ a: Double, _ y: [Double]) -> [Double] {
    [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in
          for i in 0..<min(px.count, py.count) { out[i] = px[i] + a * py[i] }
          for i in min(px.count, py.count)..<px.count { out[i] = px[i] }
        }
      }
      initialized = x.count
    }
  }
}

extension Session {
  static let trainBuiltin = Builtin(
    "train",
    [
      Parameter("loss", .function), Parameter("params", .withRespectTo),
      Parameter("steps", .integer, default: .value(.scalar(200)), namedOnly: true),
      Parameter("lr", .scalar, default: .value(.scalar(0.1)), namedOnly: true),
      Parameter("opt", .string, default: .value(.string("sgd")), namedOnly: true),
      Parameter("data", .list, default: .absent, namedOnly: true),
      Parameter("batch", .integer, default: .value(.scalar(64)), namedOnly: true),
      Parameter("seed", .integer, default: .value(.scalar(0)), namedOnly: true),
      Parameter("resume", .bool, default: .value(.scalar(0)), namedOnly: true),
    ], category: "Training",
    doc:
      "Minimises loss() (or loss(xb, yb) over shuffled mini-batches of data: [X, y]) by updating params in place with sgd, momentum or adam; returns the loss history. Ctrl-C stops after the current step; the same call with resume: true finishes it.",
    example: "w = 0; loss() = (w - 3)^2; train(loss, [w], steps: 50)"
  ) { c in
    guard let session = c.interpreter.owner as? Session else { throw c.fail("needs a session") }
    return try session.train(c)
  }

  func train(_ c: BuiltinCall) throws -> Value {
    let loss = try c.function("loss")
    let names = Builtins.targetNames(c.text("params"), count: try c.tensors("params").count)
    for name in names {
      // train updates session variables; a local of the same name would silently stay as it was.
      if interpreter.isLocal(name) {
        throw c.fail(
          "params name session variables, but '\(name)' here is a local of the function being called; train updates the session's \(name), so give the local another name",
          argument: "params")
      }
      guard case .tensor? = interpreter.globals[name] else {
        throw c.fail(
          "params must name session variables holding tensors, as in [W1, b1]; '\(name)' is not one", argument: "params"
        )
      }
    }
    let steps = try c.integer("steps")
    let lr = try c.double("lr")
    let opt = try c.string("opt")
    guard ["sgd", "momentum", "adam"].contains(opt) else {
      throw c.fail("opt must be \"sgd\", \"momentum\" or \"adam\", got \"\(opt)\"", argument: "opt")
    }
    guard steps >= 0, steps <= 10_000_000 else { throw c.fail("steps must be between 0 and 10^7", argument: "steps") }
    let batch = try c.integer("batch")
    guard batch >= 1 else { throw c.fail("batch must be at least 1", argument: "batch") }
    var data: (Tensor, Tensor)? = nil
    if c.has("data") {
      let parts = try c.tensors("data")
      guard parts.count == 2, parts[0].rank >= 1, parts[1].rank >= 1, parts[0].shape[0] == parts[1].shape[0],
        parts[0].shape[0] > 0
      else {
        throw c.fail("data must be [X, y] with the same number of rows", argument: "data")
      }
      data = (parts[0].value, parts[1].value)
    }
    let run: TrainingRun
    if try c.bool("resume"), let previous = training, previous.parameterNames == names {
      run = previous
    } else {
      let shapes = names.compactMap { name -> [Int]? in
        if case .tensor(let v)? = interpreter.globals[name] { return v.shape } else { return nil }
      }
      run = TrainingRun(
        parameterNames: names, shapes: shapes, optimizer: opt, learningRate: lr, batch: batch,
        seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
    }
    training = run
    // The same call after Ctrl-C finishes what it asked for; otherwise `steps` more.
    var target = run.step + steps
    if let left = run.unfinished, left.requested == steps, left.target > run.step { target = left.target }
    run.unfinished = nil
    let view = TrainingView(session: self, total: target, first: run.step)
    var interrupted = false
    let watching = interpreter.watchesNonFinite
    interpreter.watchesNonFinite = false
    // Ctrl-C is looked at between steps only: a step always finishes, so the parameters and
    // the history stay those of a whole step (inside `loss` it would abandon the call).
    let interruptRequested = interpreter.interruptRequested
    interpreter.interruptRequested = { false }
    defer {
      interpreter.watchesNonFinite = watching
      interpreter.interruptRequested = interruptRequested
    }
    // What the parameters held before the run may be in the history of values computed earlier.
    for name in names { interpreter.rememberReplaced(name) }
    while run.step < target {
      if interruptRequested() {
        interrupted = true
        break
      }
      let parameters = names.compactMap { name -> Variable? in
        if case .tensor(let v)? = interpreter.globals[name] { return v } else { return nil }
      }
      let arguments: [Value]
      if let (x, y) = data {
        let rows = run.nextBatch(rows: x.shape[0])
        arguments = [.tensor(Datasets.rows(x, rows)), .tensor(Datasets.rows(y, rows))]
      } else {
        arguments = []
      }
      // Ctrl-C waits for the step to end, inside the kernels too.
      let (l, grads) = try Interruption.suspending {
        guard case .tensor(let l) = try interpreter.call(loss, arguments, at: c.range), l.value.count == 1 else {
          throw c.fail("loss must return a scalar")
        }
        return (l, try Differentiation.gradient(of: l, withRespectTo: parameters))
      }
      for (k, name) in names.enumerated() {
        interpreter.globals[name] = .tensor(Variable(run.update(k, parameters[k].value, grads.values[k].value)))
      }
      run.history.append(l.value.data[0])
      run.step += 1
      view.update(run)
    }
    if let bad = run.history.firstIndex(where: { !$0.isFinite }) {
      interpreter.notes.append("note: the loss became \(run.history[bad]) at step \(bad + 1); try a smaller lr")
    } else if let first = run.history.first, let last = run.history.last, first.magnitude > 0,
      last.magnitude > 1000 * first.magnitude
    {
      interpreter.notes.append(
        "note: the loss grew from \(NumberStyle.printf(first, "%.4g")) to \(NumberStyle.printf(last, "%.4g")); the steps overshoot, try a smaller lr"
      )
    }
    let history = Tensor(vector: run.history)
    let text = view.finish(run)
    if interrupted {
      run.unfinished = (target, steps)
      unreproducible.append(c.callText ?? "train(...)")
      interpreter.notes.append(
        "note: stopped after step \(run.step) of \(target) (Ctrl-C); the parameters are those after step \(run.step), the loss history so far is the result, and the same train(..., resume: true) goes on to step \(target)"
      )
    }
    interpreter.report(text, for: c)
    return .tensor(Variable(history))
  }
}

/// The live loss curve: redrawn in place on a terminal (with speed and time left), one final
/// curve and a summary line otherwise (no timings, so a notebook replays identically).
final class TrainingView {
  unowned let session: Session
  let total: Int
  /// The step this call started from (a resumed run starts later).
  let first: Int
  let start = ContinuousClock.now
  var lastDraw = ContinuousClock.now
  var drawnLines = 0

  init(session: Session, total: Int, first: Int) {
    self.session = session
    self.total = total
    self.first = first
  }

  func curve(_ history: [Double], layout: OutputLayout) -> [String] {
    Plot(width: min(layout.width, 100), height: 10, ascii: layout.ascii).render(
      x: history.indices.map { Double($0 + 1) }, y: history)
  }

  func update(_ run: TrainingRun) {
    let layout = session.layout
    guard layout.live || session.progress != nil, !session.options.json else { return }
    let now = ContinuousClock.now
    guard now - lastDraw > .milliseconds(80) || run.step == total else { return }
    lastDraw = now
    let elapsed = Session.seconds(now - start)
    let rate = Double(run.step - first) / max(elapsed, 1e-9)
    let left = Double(total - run.step) / max(rate, 1e-9)
    // As much of the status as fits the width: a line that wrapped would take two rows, and the
    // next redraw, moving up one row per line, would leave the curve's top behind.
    let parts = [
      "step \(run.step)/\(total)", "loss \(NumberStyle.printf(run.history.last ?? .nan, "%.4f"))",
      NumberStyle.printf(rate, "%.0f steps/s"), NumberStyle.printf(left, "%.1f s left"),
    ]
    var shown = parts.count
    while shown > 1, parts.prefix(shown).joined(separator: "  ").count > layout.width { shown -= 1 }
    let progress = String(parts.prefix(shown).joined(separator: "  ").prefix(Swift.max(layout.width, 1)))
    let frame = curve(run.history, layout: layout) + [progress]
    let up = drawnLines > 0 ? "\u{1B}[\(drawnLines)A\u{1B}[J" : ""
    let text = up + frame.joined(separator: "\n")
    if let progress = session.progress { progress(text) } else { session.write(.values, text) }
    drawnLines = frame.count
  }

  /// The text shown when training ends: the summary, after the final curve when nothing was
  /// drawn live (in a notebook's record too, which never shows the time a run took).
  func finish(_ run: TrainingRun) -> DrawnText {
    // Four decimals, or scientific for a loss that blew up or vanished.
    func loss(_ v: Double) -> String {
      let a = Swift.abs(v)
      return NumberStyle.printf(v, a >= 1e8 || (a > 0 && a < 1e-4) ? "%.4e" : "%.4f")
    }
    let first = run.history.first.map(loss) ?? "-"
    let last = run.history.last.map(loss) ?? "-"
    let summary =
      "trained \(run.history.count) steps with \(run.optimizer) (lr \(Plot.label(run.learningRate))): loss \(first) → \(last)"
    let took = NumberStyle.printf(Session.seconds(ContinuousClock.now - start), " in %.2f s")
    let history = run.history
    return DrawnText { layout in
      layout.live ? summary + took : (self.curve(history, layout: layout) + [summary]).joined(separator: "\n")
    }
  }
}

extension Session {
  static func seconds(_ d: Duration) -> Double {
    let (s, a) = d.components
    return Double(s) + Double(a) / 1e18
  }
}
