import NablaAutodiff
import NablaLanguage
import NablaTensor

/// Files, datasets and the views that format (plots, tables, model summaries).
extension Session {
  static func pair(_ p: (Tensor, Tensor)) -> Value { .list([.tensor(p.0), .tensor(p.1)]) }

  static let dataBuiltins: [Builtin] = [
    Builtin(
      "load", [Parameter("path", .string), Parameter("missing", .scalar, default: .absent, namedOnly: true)],
      category: "Data",
      doc:
        "Reads .npy (a tensor), .npz (a list of its arrays, in order) or numeric .csv (a first row without numbers is a header; an empty cell is an error, or missing: nan).",
      example: "save(eye(2), \"/tmp/nabla-eye.npy\"); load(\"/tmp/nabla-eye.npy\")"
    ) { c in
      let path = try c.string("path")
      do {
        if !path.hasSuffix(".npz") && !path.hasSuffix(".csv") {
          // A .npy file's header says how much data follows: checked before the file is read.
          let declared = try NumpyFormat.declaredData(try BinaryFile.contents(path, limit: 1 << 16))
          if let shortfall = MemoryBudget.shortfall(declared.bytes * 2) {
            throw c.fail("\(path): its \(declared.count) values \(shortfall)", argument: "path")
          }
        }
        let bytes = try BinaryFile.contents(path)
        if path.hasSuffix(".npz") { return .list(try NumpyFormat.decodeArchive(bytes).map { .tensor($0.tensor) }) }
        if path.hasSuffix(".csv") {
          let missing = c.has("missing") ? try c.double("missing") : nil
          let (t, header) = try NumpyFormat.decodeCSV(String(decoding: bytes, as: UTF8.self), missing: missing)
          if let header {
            c.interpreter.notes.append(
              "note: the first row of \(path) (\(header.prefix(60))) is not numeric: read as a header")
          }
          return .tensor(t)
        }
        return .tensor(try NumpyFormat.decodeArray(bytes))
      } catch let error as NumpyFormat.FormatError {
        throw c.fail("\(path): \(error.description)", argument: "path")
      } catch let error as BinaryFile.ReadError {
        throw c.fail("cannot read \(path): \(error.description)", argument: "path")
      }
    },
    Builtin(
      "save", [Parameter("x", .any), Parameter("path", .string)], category: "Data",
      doc:
        "Writes a tensor as .npy, or a tensor or a list of tensors as .npz (arr_0, arr_1, … as np.savez), atomically.",
      example: "save(eye(2), \"/tmp/eye.npy\")"
    ) { c in
      let path = try c.string("path")
      let bytes: [UInt8]
      if path.hasSuffix(".npz") {
        // One tensor is one array (arr_0), as np.savez(path, x) writes it; a list is one each.
        let items: [Variable]
        if case .tensor(let t) = try c.value("x") { items = [t] } else { items = try c.tensors("x") }
        bytes = NumpyFormat.encodeArchive(items.enumerated().map { ("arr_\($0.offset)", $0.element.value) })
      } else if path.hasSuffix(".csv") {
        let t = try c.tensor("x").value
        guard t.rank <= 2 else { throw c.fail("a .csv holds a vector or a matrix, not \(Tensor.describe(t.shape))") }
        let columns = t.rank == 2 ? t.shape[1] : 1
        var text = ""
        for r in 0..<(columns == 0 ? 0 : t.count / columns) {
          text += t.data[(r * columns)..<((r + 1) * columns)].map { "\($0)" }.joined(separator: ",") + "\n"
        }
        bytes = Array(text.utf8)
      } else {
        bytes = NumpyFormat.encodeArray(try c.tensor("x").value)
      }
      guard BinaryFile.writeAtomically(bytes, to: path) else { throw c.fail("cannot write \(path)", argument: "path") }
      return .nothing
    },
    Builtin(
      "digits", [], category: "Data",
      doc: "The 8×8 handwritten digits: [X, y] with X [1797, 64] (pixels 0–16), y in 0…9.", example: "X, y = digits()"
    ) { _ in
      pair(try Datasets.digits())
    },
    Builtin(
      "iris", [], category: "Data", doc: "Fisher's iris: [X, y] with X [150, 4], y in 0…2.", example: "X, y = iris()"
    ) { _ in
      pair(try Datasets.iris())
    },
    Builtin("xor", [], category: "Data", doc: "The four XOR points: [X, y].", example: "X, y = xor()") { _ in
      pair(Datasets.xor())
    },
    Builtin(
      "spirals", [Parameter("n", .integer), Parameter("seed", .integer, default: .value(.scalar(0)), namedOnly: true)],
      category: "Data", doc: "Two interleaved spirals, n points in all: [X, y].",
      example: "X, y = spirals(200, seed: 0)"
    ) { c in
      let n = try c.integer("n")
      guard n >= 2, n <= 10_000_000 else { throw c.fail("n must be from 2 to 10^7", argument: "n") }
      // Checked before the points are made (within the session's limits and the memory free).
      try Tensor.checkSize([n, 2], operation: "spirals")
      return pair(Datasets.spirals(n, seed: UInt64(bitPattern: Int64(try c.integer("seed")))))
    },
    Builtin(
      "moons",
      [
        Parameter("n", .integer), Parameter("noise", .scalar, default: .value(.scalar(0.1)), namedOnly: true),
        Parameter("seed", .integer, default: .value(.scalar(0)), namedOnly: true),
      ], category: "Data", doc: "Two interleaving half circles, n points in all, with Gaussian noise: [X, y].",
      example: "X, y = moons(200, noise: 0.1, seed: 0)"
    ) { c in
      let n = try c.integer("n")
      guard n >= 2, n <= 10_000_000 else { throw c.fail("n must be from 2 to 10^7", argument: "n") }
      try Tensor.checkSize([n, 2], operation: "moons")
      return pair(
        Datasets.moons(n, noise: try c.double("noise"), seed: UInt64(bitPattern: Int64(try c.integer("seed")))))
    },
    Builtin(
      "split",
      [
        Parameter("X", .tensor), Parameter("y", .tensor), Parameter("test", .scalar, default: .value(.scalar(0.2))),
        Parameter("seed", .integer, default: .value(.scalar(0)), namedOnly: true),
        Parameter("axis", .integer, default: .absent, namedOnly: true),
      ], category: "Data",
      doc:
        "A seeded shuffle into [Xtrain, ytrain, Xtest, ytest], with the test fraction given; split(x, [2, 5], axis: 0) cuts a tensor at those indices (or into n equal pieces), as NumPy's split.",
      example: "Xtr, ytr, Xte, yte = split(eye(10), arange(10), 0.2, seed: 0)"
    ) { c in
      // The tensor form: an axis named, or a second argument that is not one label per row.
      let (first, second) = (try c.tensor("X"), try c.tensor("y"))
      if c.has("axis") || first.rank == 0 || second.rank == 0 || second.shape[0] != first.shape[0] {
        return try Builtins.splitTensor(c, tensor: "X", cuts: "y")
      }
      let x = try c.tensor("X").value
      let y = try c.tensor("y").value
      let fraction = try c.double("test")
      guard x.rank >= 1, y.rank >= 1, x.shape[0] == y.shape[0] else {
        throw c.fail("X and y need the same number of rows")
      }
      guard fraction >= 0, fraction <= 1 else { throw c.fail("the test fraction must be in [0, 1]", argument: "test") }
      var r = RandomSource(seed: UInt64(bitPattern: Int64(try c.integer("seed"))))
      let order = Datasets.permutation(x.shape[0], &r)
      let testCount = Int((Double(x.shape[0]) * fraction).rounded())
      let test = Array(order.prefix(testCount))
      let train = Array(order.dropFirst(testCount))
      return .list([
        .tensor(Datasets.rows(x, train)), .tensor(Datasets.rows(y, train)), .tensor(Datasets.rows(x, test)),
        .tensor(Datasets.rows(y, test)),
      ])
    },
  ]

  static let showingBuiltins: [Builtin] = [
    Builtin(
      "plot",
      [
        Parameter("a", .any), Parameter("b", .any, default: .absent), Parameter("c", .scalar, default: .absent),
        Parameter("log", .bool, default: .value(.scalar(0)), namedOnly: true),
      ],
      category: "Showing",
      doc:
        "A terminal line plot: plot(y), plot(x, y), or plot(f, a, b) for a function on [a, b]; log: true for a log y axis.",
      example: "plot(sin(linspace(0, 6, 100)))"
    ) { c in
      guard let session = c.interpreter.owner as? Session else { throw c.fail("needs a session") }
      var xs: [Double] = []
      var ys: [Double] = []
      switch try c.value("a") {
      case .function(let f):
        guard c.has("b"), c.has("c") else { throw c.fail("plot(f, a, b) needs an interval") }
        let (lo, hi) = (try c.double("b"), try c.double("c"))
        guard lo < hi, lo.isFinite, hi.isFinite else { throw c.fail("the interval must have a < b") }
        // As many samples as a notebook's plot has dot columns, whatever the terminal's width
        // (consecutive points are joined), so the shown and the recorded plot sample f alike.
        let n = 2 * OutputLayout.notebook.width
        for i in 0..<n {
          let x = lo + (hi - lo) * Double(i) / Double(n - 1)
          guard case .tensor(let y) = try c.interpreter.call(f, [.scalar(x)], at: c.range), let v = y.value.scalarValue
          else {
            throw c.fail("\(f.name) must return a number")
          }
          xs.append(x)
          ys.append(v)
        }
      case .tensor(let first):
        if c.has("b") {
          let second = try c.tensor("b")
          guard first.value.count == second.value.count else { throw c.fail("x and y need the same length") }
          (xs, ys) = (first.value.data, second.value.data)
        } else {
          ys = first.value.data
          xs = ys.indices.map(Double.init)
        }
      case let other:
        throw c.fail("plots a tensor or a function, not \(other.typeName)", argument: "a")
      }
      // Linear unless asked, as matplotlib's default (a training curve chooses for itself).
      let log = try c.bool("log")
      if log, ys.contains(where: { !($0 > 0) }) {
        throw c.fail("log: true needs every y to be positive", argument: "log")
      }
      let drawn = DrawnText { layout in
        Plot(width: layout.width, height: 12, ascii: layout.ascii, logScale: log).render(x: xs, y: ys).joined(
          separator: "\n")
      }
      c.interpreter.present(.drawn(drawn), for: c)
      return .string(drawn.draw(session.layout))
    },
    Builtin(
      "image", [Parameter("x", .tensor)], category: "Showing",
      doc:
        "A small grayscale image in the terminal ([H, W], or [C, H, W] side by side), larger values in denser shades; ASCII with --ascii.",
      example: "image(reshape(arange(16), 4, 4))"
    ) { c in
      guard let session = c.interpreter.owner as? Session else { throw c.fail("needs a session") }
      let t = try c.tensor("x").value
      guard t.rank == 2 || t.rank == 3, t.count > 0 else {
        throw c.fail("draws a matrix [H, W] or planes [C, H, W], not shape \(Tensor.describe(t.shape))", argument: "x")
      }
      guard t.shape.suffix(2).allSatisfy({ $0 <= 256 }), t.count <= 1 << 16 else {
        throw c.fail("an image of shape \(Tensor.describe(t.shape)) is too large to draw in a terminal", argument: "x")
      }
      let drawn = DrawnText { layout in GrayscaleImage(ascii: layout.ascii).render(t).joined(separator: "\n") }
      c.interpreter.present(.drawn(drawn), for: c)
      return .string(drawn.draw(session.layout))
    },
    Builtin(
      "table", [Parameter("x", .tensor)], category: "Showing",
      doc: "A vector or matrix as a table with its row and column indices.",
      example: "table([1, 2; 3, 4])"
    ) { c in
      guard let session = c.interpreter.owner as? Session else { throw c.fail("needs a session") }
      let t = try c.tensor("x").value
      let text = Session.indexedTable(
        t, title: "\(c.text("x") ?? "x")  \(Tensor.describe(t.shape))", precision: session.options.precision)
      c.interpreter.present(.text(text), for: c)
      return .string(text)
    },
    Builtin(
      "summary", [Parameter("f", .function), Parameter("shape", .dimensions, variadic: true)], category: "Showing",
      doc:
        "Traces f on an input of that shape: each operation's output shape and the session tensors it reads (by name or in a list) as its parameters, and the total.",
      example: "W = ones(3, 4); g(x) = relu(W @ x); summary(g, 4)"
    ) { c in
      guard let session = c.interpreter.owner as? Session else { throw c.fail("needs a session") }
      let text = try ModelSummary.trace(
        try c.function("f"), shape: try c.checkedShapeForSummary(), session: session, at: c)
      c.interpreter.present(.text(text), for: c)
      return .string(text)
    },
  ]
}

extension BuiltinCall {
  func checkedShapeForSummary() throws -> [Int] {
    let shape = try dimensions("shape")
    guard let n = Tensor.elementCount(shape), n <= 50_000_000 else {
      throw fail("the input shape is too large", argument: "shape")
    }
    return shape
  }
}

/// `summary(f, shape)`: what f does to an input of that shape, operation by operation.
enum ModelSummary {
  static func trace(_ f: FunctionValue, shape: [Int], session: Session, at c: BuiltinCall) throws -> String {
    let interpreter = session.interpreter
    // Parameters are the session's tensors an operation reads, held by a name or in a list
    // (`Ws = [W1, W2]`, read as Ws[0]); each counts once.
    var parameters: [ObjectIdentifier: String] = [:]
    func register(_ value: Value, as name: String, depth: Int) {
      switch value {
      case .tensor(let v): parameters[ObjectIdentifier(v)] = name
      case .list(let items) where depth < 8:
        for (i, item) in items.enumerated() { register(item, as: "\(name)[\(i)]", depth: depth + 1) }
      default: break
      }
    }
    for (name, value) in interpreter.globals { register(value, as: name, depth: 0) }
    var counted = Set<ObjectIdentifier>()
    var rows: [(String, [Int], Int, String)] = []
    let saved = interpreter.traceHook
    interpreter.traceHook = { name, result, operands in
      // Making a fresh tensor (range in a loop, zeros) is not a layer of the model.
      if case .builtin(let b)? = interpreter.registry.function(named: name)?.kind, b.category == "Construction" {
        return
      }
      var count = 0
      var names: [String] = []
      for case .tensor(let v) in operands {
        let id = ObjectIdentifier(v)
        if let p = parameters[id], counted.insert(id).inserted {
          count += v.value.count
          names.append(p)
        }
      }
      // Selecting from the activations is plumbing; selecting from a weight reads it.
      if name == "index" && names.isEmpty { return }
      rows.append((name, result.shape, count, names.joined(separator: ", ")))
    }
    defer { interpreter.traceHook = saved }
    let input = Variable(Tensor(repeating: 0, shape: shape))
    guard case .tensor(let output) = try interpreter.call(f, [.tensor(input)], at: c.range) else {
      throw c.fail("\(f.name) must return a tensor")
    }
    let header = ("operation", "output shape", "params", "reads")
    let table = [header] + rows.map { ($0.0, Tensor.describe($0.1), String($0.2), $0.3) }
    let w0 = table.map(\.0.count).max() ?? 0
    let w1 = table.map(\.1.count).max() ?? 0
    let w2 = table.map(\.2.count).max() ?? 0
    let w3 = table.map(\.3.count).max() ?? 0
    let rule = String(repeating: "─", count: w0 + w1 + w2 + 4 + (w3 > 0 ? w3 + 2 : 0))
    var lines = ["\(f.name): input \(Tensor.describe(shape)) → output \(Tensor.describe(output.shape))"]
    for (k, row) in table.enumerated() {
      lines.append(
        padRight(row.0, w0) + "  " + padRight(row.1, w1) + "  " + pad(row.2, w2) + (row.3.isEmpty ? "" : "  " + row.3))
      if k == 0 { lines.append(rule) }
    }
    let total = rows.reduce(0) { $0 + $1.2 }
    lines.append(rule)
    lines.append("total parameters: \(total)")
    return lines.joined(separator: "\n")
  }
}
