import NablaTensor
import Testing

@testable import NablaAutodiff

/// Selection, order and cumulation: values against NumPy (the expected arrays were computed with
/// NumPy 2 and written out), gradients against central differences, second derivatives against
/// differences of the gradient, and the errors for bad axes and indices.
@Suite("Selection, order and cumulation")
struct SelectionTests {
  // MARK: Helpers

  static func tensor(_ shape: [Int], _ data: [Double]) -> Tensor { Tensor(uncheckedShape: shape, data: data) }
  static func leaf(_ shape: [Int], _ data: [Double]) -> Variable { Variable(tensor(shape, data)) }
  static func constant(_ shape: [Int], _ data: [Double]) -> Variable { .constant(tensor(shape, data)) }
  /// 0, 1, 2, … in `shape` (NumPy `arange(n).reshape(shape)`).
  static func range(_ shape: [Int]) -> Variable {
    leaf(shape, (0..<(Tensor.elementCount(shape) ?? 0)).map(Double.init))
  }

  static func expectValue(_ v: Variable, _ shape: [Int], _ data: [Double], _ label: String) {
    #expect(v.shape == shape, "\(label): shape \(v.shape), expected \(shape)")
    #expect(v.value.data == data, "\(label): \(v.value.data), expected \(data)")
  }

  /// A ShapeError from `body`, naming `operation`.
  static func expectShapeError(_ operation: String, _ label: String, _ body: () throws -> Void) {
    do {
      try body()
      Issue.record("\(label): expected a ShapeError from \(operation), got none")
    } catch let error as ShapeError {
      #expect(error.operation == operation, "\(label): the error names \(error.operation), not \(operation)")
      #expect(!error.rule.isEmpty)
    } catch {
      Issue.record("\(label): expected a ShapeError, got \(error)")
    }
  }

  /// First derivatives of ⟨w, f(x)⟩ against central differences at `values`, and with
  /// `secondOrder` the gradient of M(x) = ⟨∇⟨w, f(x)⟩, v⟩ (the Hessian applied to v) against
  /// differences of the gradient.
  static func check(
    _ label: String, at values: [Tensor], secondOrder: Bool, _ r: inout RandomSource,
    _ f: @escaping ([Variable]) throws -> Variable
  ) throws {
    let inputs = values.map { Variable($0) }
    let w = randomInput(try f(inputs).shape, domain: .real, &r)
    let loss = { (xs: [Variable]) throws -> Variable in try (f(xs) * Variable.constant(w)).sum() }
    let analytic = try ReverseMode.gradients(of: loss(inputs), withRespectTo: inputs)
    for k in inputs.indices {
      let numeric = try numericGradient(values, k, step: 1e-6) { xs in
        try loss(xs.map { .constant($0) }).value.data[0]
      }
      expectClose(analytic.values[k], values[k].shape, numeric, absolute: 1e-6, relative: 1e-5, "\(label) input \(k)")
    }
    guard secondOrder else { return }
    let directions = values.map { randomInput($0.shape, domain: .real, &r) }
    func m(_ xs: [Variable], createGraph: Bool) throws -> Variable {
      let g = try ReverseMode.gradients(of: loss(xs), withRespectTo: xs, createGraph: createGraph)
      var total = Variable.constant(0)
      for k in xs.indices { total = try total + (g.values[k] * Variable.constant(directions[k])).sum() }
      return total
    }
    let second = try ReverseMode.gradients(of: m(inputs, createGraph: true), withRespectTo: inputs)
    for k in inputs.indices {
      let numeric = try numericGradient(values, k, step: 1e-5) { xs in
        try m(xs.map { Variable($0) }, createGraph: false).value.data[0]
      }
      expectClose(
        second.values[k], values[k].shape, numeric, absolute: 1e-5, relative: 1e-4, "\(label) input \(k) second order")
    }
  }

  // MARK: Gradients of every operation

  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    var domain: Domain = .real
    var secondOrder = false
    let f: @Sendable ([Variable]) throws -> Variable
    var testDescription: String { name }
  }

  static let mask23 = tensor([2, 3], [1, 0, 1, 0, 0, 1])

  static let cases: [Case] = [
    Case(name: "where", shapes: [[2, 3], [3]]) { try Variable.`where`(.constant(SelectionTests.mask23), $0[0], $0[1]) },
    Case(name: "where, scalar branch and broadcast condition", shapes: [[2, 3], []]) {
      try Variable.`where`(SelectionTests.constant([3], [1, 0, 1]), $0[0], $0[1])
    },
    Case(name: "where of nonlinear branches", shapes: [[2, 3], [2, 3]], secondOrder: true) {
      try Variable.`where`(.constant(SelectionTests.mask23), $0[0] * $0[0], Variable.sin($0[1]) * $0[0])
    },
    Case(name: "gather along axis 1, repeated indices", shapes: [[3, 4]]) {
      try $0[0].takeAlongAxis(SelectionTests.constant([3, 2], [0, 3, 2, 2, 1, 0]), axis: 1)
    },
    Case(name: "gather with broadcast indices", shapes: [[3, 4]]) {
      try $0[0].takeAlongAxis(SelectionTests.constant([1, 2], [1, -1]), axis: -1)
    },
    Case(name: "gather along axis 0", shapes: [[3, 2]]) {
      try $0[0].takeAlongAxis(SelectionTests.constant([2, 2], [2, 0, 2, 2]), axis: 0)
    },
    Case(name: "gather flattened", shapes: [[2, 3]]) {
      try $0[0].takeAlongAxis(SelectionTests.constant([3], [5, 0, 5]), axis: nil)
    },
    Case(name: "take flat", shapes: [[2, 3]]) { try $0[0].take(SelectionTests.constant([2, 2], [5, 0, -1, 5])) },
    Case(name: "take along axis 1", shapes: [[2, 3]]) {
      try $0[0].take(SelectionTests.constant([3], [2, 0, 2]), axis: 1)
    },
    Case(name: "scatter_add, repeated rows", shapes: [[4, 2], [3, 2]]) {
      try $0[0].scatterAdd(SelectionTests.constant([3], [0, 2, 0]), $0[1])
    },
    Case(name: "scatter_add, broadcast values", shapes: [[3, 2], [2]]) {
      try $0[0].scatterAdd(SelectionTests.constant([2, 2], [1, 1, 0, 1]), $0[1])
    },
    Case(name: "cumsum axis 0", shapes: [[2, 3]]) { try $0[0].cumsum(axis: 0) },
    Case(name: "cumsum axis 1 of 3", shapes: [[2, 3, 4]]) { try $0[0].cumsum(axis: 1) },
    Case(name: "cumsum flattened", shapes: [[2, 3]]) { try $0[0].cumsum() },
    Case(name: "reversed cumsum primitive", shapes: [[3, 4]]) {
      try Primitive.cumsum(axis: 1, reverse: true).apply($0[0])
    },
    Case(name: "cumprod axis 1", shapes: [[2, 3]], domain: .awayFromZero, secondOrder: true) {
      try $0[0].cumprod(axis: 1)
    },
    Case(name: "cumprod axis 0 of 3", shapes: [[3, 2, 2]], domain: .awayFromZero, secondOrder: true) {
      try $0[0].cumprod(axis: 0)
    },
    Case(name: "cumprod flattened", shapes: [[2, 3]], domain: .awayFromZero) { try $0[0].cumprod() },
    Case(name: "sort", shapes: [[3, 4]]) { try $0[0].sort() },
    Case(name: "sort axis 0 descending", shapes: [[3, 4]]) { try $0[0].sort(axis: 0, descending: true) },
    Case(name: "sort squared, flattened", shapes: [[2, 3]], secondOrder: true) {
      let s = try $0[0].sort(axis: nil)
      return try s * s * SelectionTests.constant([6], [1, 2, 3, 4, 5, 6])
    },
    Case(name: "topk", shapes: [[3, 5]]) { try $0[0].topk(2).values },
    Case(name: "topk smallest along axis 0", shapes: [[4, 3]]) { try $0[0].topk(3, axis: 0, largest: false).values },
    Case(name: "median odd", shapes: [[5]]) { try $0[0].median() },
    Case(name: "median even", shapes: [[4]]) { try $0[0].median() },
    Case(name: "median over axes 0 and 2, keepdims", shapes: [[2, 3, 4]]) {
      try $0[0].median(axes: [0, 2], keepdims: true)
    },
    Case(name: "median squared along axis 1", shapes: [[3, 4]], secondOrder: true) {
      let m = try $0[0].median(axes: [1])
      return try m * m
    },
    Case(name: "median squared, odd", shapes: [[2, 5]], secondOrder: true) {
      let m = try $0[0].median(axes: [-1])
      return try m * m * m
    },
    Case(name: "triu k = 1", shapes: [[2, 3, 4]]) { try $0[0].triu(1) },
    Case(name: "tril k = -1", shapes: [[3, 3]]) { try $0[0].tril(-1) },
    Case(name: "roll flattened", shapes: [[2, 3]]) { try $0[0].roll(4) },
    Case(name: "roll two axes", shapes: [[2, 3]]) { try $0[0].roll([1, -1], axes: [0, 1]) },
    Case(name: "flip all", shapes: [[2, 3, 2]]) { try $0[0].flip() },
    Case(name: "flip axis 1", shapes: [[2, 3]]) { try $0[0].flip(axes: [1]) },
    Case(name: "rot90", shapes: [[2, 3]]) { try $0[0].rot90() },
    Case(name: "rot90 k = 3 in axes 1, 2", shapes: [[2, 3, 2]]) { try $0[0].rot90(3, axes: (1, 2)) },
    Case(name: "rot90 k = -2", shapes: [[2, 3]]) { try $0[0].rot90(-2) },
    Case(name: "tile", shapes: [[2, 3]]) { try $0[0].tile([2, 1, 2]) },
    Case(name: "tile with shorter reps", shapes: [[2, 1, 3]]) { try $0[0].tile([2]) },
    Case(name: "repeat per entry along axis 1", shapes: [[2, 3]]) { try $0[0].repeated([1, 0, 2], axis: 1) },
    Case(name: "repeat flattened", shapes: [[2, 2]]) { try $0[0].repeated([2]) },
    Case(name: "pad with a tracked value", shapes: [[2, 3], []]) { try $0[0].pad([(1, 0), (2, 1)], value: $0[1]) },
    Case(name: "split at cut points", shapes: [[5, 2]]) {
      let p = try $0[0].split(at: [1, 3])
      return try Variable.concat([p[0] * 1, p[1] * 2, p[2] * 3], axis: 0)
    },
    Case(name: "split into equal pieces", shapes: [[2, 6]]) {
      let p = try $0[0].split(into: 3, axis: 1)
      return try Variable.concat([p[0] * 1, p[1] * 2, p[2] * 3], axis: 1)
    },
  ]

  @Test("gradients match central differences", arguments: cases)
  func gradients(_ c: Case) throws {
    var r = RandomSource(seed: UInt64(c.name.unicodeScalars.reduce(17) { $0 &* 31 &+ UInt64($1.value) }))
    for _ in 0..<3 {
      let values = c.shapes.map { randomInput($0, domain: c.domain, &r) }
      try Self.check(c.name, at: values, secondOrder: c.secondOrder, &r, c.f)
    }
  }

  // MARK: Values, against NumPy

  @Test("where: NumPy's values; an inf or nan in the branch not taken reaches neither value nor gradient")
  func whereValues() throws {
    let a = try Self.range([2, 3]) + 1
    let r = try Variable.`where`(Self.constant([3], [1, 0, 1]), a, .constant(10))
    Self.expectValue(r, [2, 3], [1, 10, 3, 4, 10, 6], "where")
    let x = Self.leaf([2], [1, .nan])
    let y = Self.leaf([2], [.infinity, 2])
    let picked = try Variable.`where`(Self.constant([2], [1, 0]), x, y)
    Self.expectValue(picked, [2], [1, 2], "where with nan and inf")
    let g = try ReverseMode.gradients(of: picked.sum(), withRespectTo: [x, y])
    #expect(g.values[0].value.data == [1, 0])
    #expect(g.values[1].value.data == [0, 1])
    // A nan condition counts as true, as in NumPy.
    Self.expectValue(try Variable.`where`(.constant(Double.nan), .constant(1), .constant(2)), [], [1], "nan condition")
  }

  @Test("gather, take and scatter_add: NumPy's take_along_axis, take and add.at")
  func indexValues() throws {
    let x = Self.leaf([2, 3], [10, 30, 20, 60, 40, 50])
    Self.expectValue(
      try x.takeAlongAxis(Self.constant([2, 3], [0, 2, 1, 1, 2, 0]), axis: 1), [2, 3], [10, 20, 30, 40, 50, 60],
      "take_along_axis")
    let a = try Self.range([2, 3]) * 10
    Self.expectValue(
      try a.takeAlongAxis(Self.constant([1, 2], [2, -1]), axis: 1), [2, 2], [20, 20, 50, 50], "broadcast indices")
    Self.expectValue(
      try a.takeAlongAxis(Self.constant([1, 3], [1, 0, 1]), axis: 0), [1, 3], [30, 10, 50], "along axis 0")
    let b = Self.range([2, 3])
    Self.expectValue(try b.take(Self.constant([2, 2], [5, 0, -1, 2])), [2, 2], [5, 0, 5, 2], "take")
    Self.expectValue(try b.take(Self.constant([2], [2, 0]), axis: 1), [2, 2], [2, 0, 5, 3], "take along axis 1")
    let z = Variable(Tensor(repeating: 0, shape: [4, 2]))
    Self.expectValue(
      try z.scatterAdd(Self.constant([3], [0, 2, 0]), Self.leaf([3, 2], [1, 2, 3, 4, 5, 6])), [4, 2],
      [6, 8, 0, 0, 3, 4, 0, 0], "add.at")
    let ones = Variable(Tensor(repeating: 1, shape: [3, 2]))
    Self.expectValue(
      try ones.scatterAdd(Self.constant([2, 2], [1, 1, 0, 1]), .constant(5)), [3, 2], [6, 6, 16, 16, 1, 1],
      "add.at with a scalar")
  }

  @Test("cumsum and cumprod: NumPy's values along every axis and flattened")
  func cumulativeValues() throws {
    let c = Self.leaf([2, 3], [1, 2, 3, 4, 5, 6])
    Self.expectValue(try c.cumsum(), [6], [1, 3, 6, 10, 15, 21], "cumsum")
    Self.expectValue(try c.cumsum(axis: 0), [2, 3], [1, 2, 3, 5, 7, 9], "cumsum axis 0")
    Self.expectValue(try c.cumsum(axis: 1), [2, 3], [1, 3, 6, 4, 9, 15], "cumsum axis 1")
    Self.expectValue(try c.cumprod(), [6], [1, 2, 6, 24, 120, 720], "cumprod")
    Self.expectValue(try c.cumprod(axis: 0), [2, 3], [1, 2, 3, 4, 10, 18], "cumprod axis 0")
    Self.expectValue(try c.cumprod(axis: -1), [2, 3], [1, 2, 6, 4, 20, 120], "cumprod axis -1")
    Self.expectValue(
      try Primitive.cumsum(axis: 1, reverse: true).apply(c), [2, 3], [6, 5, 3, 15, 11, 6], "reversed cumsum")
    Self.expectValue(try Self.leaf([], [3]).cumsum(), [1], [3], "cumsum of a scalar")
  }

  @Test("sort and argsort: stable (ties keep their order), NaN last; the gradient returns to the original positions")
  func sortValues() throws {
    let s = Self.leaf([5], [3, 1, .nan, 1, 2])
    let sorted = try s.sort()
    #expect(Array(sorted.value.data.prefix(4)) == [1, 1, 2, 3])
    #expect(sorted.value.data[4].isNaN)
    Self.expectValue(try s.argsort(), [5], [1, 3, 4, 0, 2], "argsort")
    let m = Self.leaf([2, 3], [3, 1, 2, 2, 3, 1])
    Self.expectValue(try m.sort(axis: 0), [2, 3], [2, 1, 1, 3, 3, 2], "sort axis 0")
    Self.expectValue(try m.argsort(axis: 0), [2, 3], [1, 0, 1, 0, 1, 0], "argsort axis 0")
    // Ties: [3, 1, 1] sorts to x[1], x[2], x[0], so weights 10, 20, 30 come back as 30, 10, 20.
    let t = Self.leaf([3], [3, 1, 1])
    let weighted = try (t.sort() * Self.constant([3], [10, 20, 30])).sum()
    #expect(try ReverseMode.gradients(of: weighted, withRespectTo: [t]).values[0].value.data == [30, 10, 20])
    Self.expectValue(try t.argsort(descending: true), [3], [0, 1, 2], "descending ties keep their order")
  }

  @Test("topk: largest first, ties to the lower index, NaN as the largest")
  func topkValues() throws {
    let x = Self.leaf([5], [1, 5, 3, 5, 2])
    let (values, indices) = try x.topk(3)
    Self.expectValue(values, [3], [5, 5, 3], "topk values")
    Self.expectValue(indices, [3], [1, 3, 2], "topk indices")
    let (small, smallIndices) = try x.topk(2, largest: false)
    Self.expectValue(small, [2], [1, 2], "smallest")
    Self.expectValue(smallIndices, [2], [0, 4], "smallest indices")
    let (empty, _) = try x.topk(0)
    Self.expectValue(empty, [0], [], "k = 0")
    let (withNaN, nanIndices) = try Self.leaf([3], [1, .nan, 3]).topk(2)
    #expect(withNaN.value.data[0].isNaN && withNaN.value.data[1] == 3)
    Self.expectValue(nanIndices, [2], [1, 2], "NaN first")
    let (rows, rowIndices) = try Self.leaf([2, 3], [1, 3, 2, 6, 4, 5]).topk(1, axis: 0)
    Self.expectValue(rows, [1, 3], [6, 4, 5], "topk along axis 0")
    Self.expectValue(rowIndices, [1, 3], [1, 1, 1], "topk along axis 0 indices")
  }

  @Test("median: NumPy's values; ½ of the gradient to each middle entry; ties in sorted order")
  func medianValues() throws {
    Self.expectValue(try Self.leaf([4], [3, 1, 4, 2]).median(), [], [2.5], "even count")
    let m = Self.leaf([2, 3], [3, 1, 2, 9, 7, 8])
    Self.expectValue(try m.median(axes: [1]), [2], [2, 8], "axis 1")
    Self.expectValue(try m.median(axes: [0]), [3], [6, 4, 5], "axis 0")
    Self.expectValue(try m.median(axes: [1], keepdims: true), [2, 1], [2, 8], "keepdims")
    #expect(try Self.leaf([3], [1, .nan, 3]).median().value.data[0].isNaN)
    Self.expectValue(try Self.leaf([], [4]).median(), [], [4], "scalar")
    // Ties: [2, 1, 2, 2] sorts stably to x[1], x[0], x[2], x[3]; the middle two are x[0] and x[2].
    let t = Self.leaf([4], [2, 1, 2, 2])
    #expect(try ReverseMode.gradients(of: t.median(), withRespectTo: [t]).values[0].value.data == [0.5, 0, 0.5, 0])
    let odd = Self.leaf([3], [2, 2, 2])
    #expect(try ReverseMode.gradients(of: odd.median(), withRespectTo: [odd]).values[0].value.data == [0, 1, 0])
  }

  @Test("triu and tril: NumPy's values; exact zeros next to inf")
  func triangleValues() throws {
    let t = Self.leaf([3, 4], (1...12).map(Double.init))
    Self.expectValue(try t.triu(), [3, 4], [1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12], "triu")
    Self.expectValue(try t.triu(1), [3, 4], [0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12], "triu 1")
    Self.expectValue(try t.tril(), [3, 4], [1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0], "tril")
    Self.expectValue(try t.tril(-1), [3, 4], [0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0], "tril -1")
    let inf = Self.leaf([2, 2], [1, .infinity, -.infinity, 2])
    Self.expectValue(try inf.triu(), [2, 2], [1, .infinity, 0, 2], "triu with inf")
    let batch = try Self.range([2, 2, 2]).tril()
    Self.expectValue(batch, [2, 2, 2], [0, 0, 2, 3, 4, 0, 6, 7], "tril of a stack")
  }

  @Test("roll, flip and rot90: NumPy's values")
  func movingValues() throws {
    let v = Self.range([5])
    Self.expectValue(try v.roll(2), [5], [3, 4, 0, 1, 2], "roll 2")
    Self.expectValue(try v.roll(-13), [5], [3, 4, 0, 1, 2], "roll -13")
    let b = Self.range([2, 3])
    Self.expectValue(try b.roll(1), [2, 3], [5, 0, 1, 2, 3, 4], "roll flattened")
    Self.expectValue(try b.roll(1, axis: 1), [2, 3], [2, 0, 1, 5, 3, 4], "roll axis 1")
    Self.expectValue(try b.roll([1, -1], axes: [0, 1]), [2, 3], [4, 5, 3, 1, 2, 0], "roll two axes")
    Self.expectValue(try b.flip(), [2, 3], [5, 4, 3, 2, 1, 0], "flip")
    Self.expectValue(try b.flip(axes: [1]), [2, 3], [2, 1, 0, 5, 4, 3], "flip axis 1")
    Self.expectValue(try b.rot90(), [3, 2], [2, 5, 1, 4, 0, 3], "rot90")
    Self.expectValue(try b.rot90(2), [2, 3], [5, 4, 3, 2, 1, 0], "rot90 2")
    Self.expectValue(try b.rot90(3), [3, 2], [3, 0, 4, 1, 5, 2], "rot90 3")
    Self.expectValue(try b.rot90(-1), [3, 2], [3, 0, 4, 1, 5, 2], "rot90 -1")
    Self.expectValue(try b.rot90(4), [2, 3], [0, 1, 2, 3, 4, 5], "rot90 4")
    Self.expectValue(
      try Self.range([2, 2, 2]).rot90(1, axes: (1, 2)), [2, 2, 2], [1, 3, 0, 2, 5, 7, 4, 6], "rot90 in axes 1, 2")
  }

  @Test("tile, repeat and pad: NumPy's values")
  func growingValues() throws {
    let v = Self.leaf([2], [1, 2])
    Self.expectValue(try v.tile([2, 2]), [2, 4], [1, 2, 1, 2, 1, 2, 1, 2], "tile")
    Self.expectValue(try Self.leaf([2, 1], [1, 2]).tile([3]), [2, 3], [1, 1, 1, 2, 2, 2], "tile, shorter reps")
    #expect(try v.tile([2, 1, 2]).shape == [2, 1, 4])
    Self.expectValue(try v.tile([0]), [0], [], "tile 0 times")
    let m = Self.leaf([2, 2], [1, 2, 3, 4])
    Self.expectValue(try m.repeated([2]), [8], [1, 1, 2, 2, 3, 3, 4, 4], "repeat flattened")
    Self.expectValue(try m.repeated([1, 2], axis: 0), [3, 2], [1, 2, 3, 4, 3, 4], "repeat per row")
    Self.expectValue(try m.repeated([0, 3], axis: 1), [2, 3], [2, 2, 2, 4, 4, 4], "repeat per column")
    Self.expectValue(
      try m.pad([(1, 0), (0, 2)], value: 9), [3, 4], [9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9], "pad")
    Self.expectValue(try Self.leaf([], [5]).pad([]), [], [5], "pad a scalar")
    // The gradient of a tracked padding value is the cotangent summed over the padded entries.
    let fill = Variable(Tensor(scalar: 0))
    let padded = try m.pad([(1, 1), (0, 0)], value: fill)
    #expect(try ReverseMode.gradients(of: padded.sum(), withRespectTo: [fill]).values[0].value.data == [4])
  }

  @Test("split: NumPy's pieces for cut points (negative and past the end) and equal sections")
  func splitValues() throws {
    let pieces = try Self.range([7]).split(at: [2, 5])
    #expect(pieces.count == 3)
    Self.expectValue(pieces[0], [2], [0, 1], "piece 0")
    Self.expectValue(pieces[1], [3], [2, 3, 4], "piece 1")
    Self.expectValue(pieces[2], [2], [5, 6], "piece 2")
    let thirds = try Self.range([6]).split(into: 3)
    #expect(thirds.map(\.value.data) == [[0, 1], [2, 3], [4, 5]])
    let columns = try Self.range([2, 3]).split(at: [-1, 10], axis: 1)
    Self.expectValue(columns[0], [2, 2], [0, 1, 3, 4], "up to -1")
    Self.expectValue(columns[1], [2, 1], [2, 5], "from -1")
    Self.expectValue(columns[2], [2, 0], [], "past the end")
  }

  // MARK: cumprod at zeros

  @Test("cumprod's gradient at zeros: exact values for one and two zeros")
  func cumprodZeroValues() throws {
    // x̄_k = Σ_{j ≥ k} Π_{i ≤ j, i ≠ k} x_i (with all weights 1), checked in NumPy by differences.
    let cases: [([Double], [Double])] = [
      ([2, 0, 3, 4], [1, 32, 0, 0]), ([2, 0, 3, 0], [1, 8, 0, 0]), ([0, 0, 3], [1, 0, 0]),
    ]
    for (data, expected) in cases {
      let x = Self.leaf([data.count], data)
      let g = try ReverseMode.gradients(of: x.cumprod().sum(), withRespectTo: [x]).values[0]
      #expect(g.value.data == expected, "cumprod gradient at \(data)")
    }
  }

  @Test("cumprod with one and two zeros matches differences, first and second order, along both axes")
  func cumprodZeroDifferences() throws {
    var r = RandomSource(seed: 41)
    let oneZero = Self.tensor([3, 4], [1.5, 0, -2, 0.7, 0.9, 1.2, -0.8, 1.1, 2, -1.3, 0.6, 1.4])
    let twoZeros = Self.tensor([3, 4], [1.5, 0, -2, 0, 0.9, 1.2, -0.8, 1.1, 0, -1.3, 0, 1.4])
    for (label, values) in [("one zero", oneZero), ("two zeros", twoZeros)] {
      for axis in [0, 1] {
        try Self.check("cumprod, \(label), axis \(axis)", at: [values], secondOrder: true, &r) {
          try $0[0].cumprod(axis: axis)
        }
      }
      try Self.check("cumprod, \(label), flattened", at: [values], secondOrder: true, &r) { try $0[0].cumprod() }
    }
  }

  @Test("batched cotangents give the stacked single-seed gradients (cumprod with zeros, cumsum, sort)")
  func batched() throws {
    var r = RandomSource(seed: 7)
    let withZeros = Self.tensor([3, 2], [2, 0, 0, 1.5, 3, -1])
    let nonzero = randomInput([2, 3], domain: .awayFromZero, &r)
    let real = randomInput([2, 3], domain: .real, &r)
    let ops: [(String, Tensor, (Variable) throws -> Variable)] = [
      ("cumprod with zeros, axis 0", withZeros, { try $0.cumprod(axis: 0) }),
      ("cumprod with zeros, axis 1", withZeros, { try $0.cumprod(axis: 1) }),
      ("cumprod", nonzero, { try $0.cumprod(axis: 1) }),
      ("cumsum", real, { try $0.cumsum(axis: 0) }),
      ("sort", real, { try $0.sort(axis: 0) }),
      ("where", real, { try Variable.`where`(.constant(Self.mask23), $0, $0 * 2) }),
    ]
    for (label, value, f) in ops {
      let x = Variable(value)
      let output = try f(x)
      let seeds = (0..<3).map { _ in randomInput(output.shape, domain: .real, &r) }
      let stacked = Tensor(uncheckedShape: [3] + output.shape, data: seeds.flatMap(\.data))
      let together = try ReverseMode.gradients(of: output, withRespectTo: [x], seed: .constant(stacked)).values[0]
      #expect(together.shape == [3] + x.shape, "\(label): batched gradient shape \(together.shape)")
      let n = x.value.count
      guard together.value.count == 3 * n else { continue }
      for (b, seed) in seeds.enumerated() {
        let single = try ReverseMode.gradients(of: output, withRespectTo: [x], seed: .constant(seed)).values[0]
        let slice = Array(together.value.data[(b * n)..<((b + 1) * n)])
        for (a, c) in zip(slice, single.value.data) {
          #expect(abs(a - c) <= 1e-12 * max(1, abs(c)), "\(label) seed \(b): \(a) vs \(c)")
        }
      }
    }
  }

  // MARK: Errors

  @Test("bad axes, indices and counts are shape errors naming the operation")
  func errors() {
    let m = Self.range([2, 3])
    let v = Self.range([4])
    Self.expectShapeError("where", "shapes that do not broadcast") {
      _ = try Variable.`where`(Self.constant([2], [1, 0]), m, v)
    }
    Self.expectShapeError("gather", "axis 2 of a matrix") {
      _ = try m.takeAlongAxis(Self.constant([2, 1], [0, 0]), axis: 2)
    }
    Self.expectShapeError("gather", "index 3 of 3") {
      _ = try m.takeAlongAxis(Self.constant([2, 1], [0, 3]), axis: 1)
    }
    Self.expectShapeError("gather", "index of another rank") {
      _ = try m.takeAlongAxis(Self.constant([2], [0, 1]), axis: 1)
    }
    Self.expectShapeError("gather", "sizes that do not broadcast") {
      _ = try m.takeAlongAxis(Self.constant([3, 1], [0, 1, 2]), axis: 1)
    }
    Self.expectShapeError("take", "index 6 of 6") { _ = try m.take(Self.constant([1], [6])) }
    Self.expectShapeError("take", "index -7 of 6") { _ = try m.take(Self.constant([1], [-7])) }
    Self.expectShapeError("take", "a fractional index") { _ = try m.take(Self.constant([1], [1.5])) }
    Self.expectShapeError("take", "a NaN index") { _ = try m.take(Self.constant([1], [.nan])) }
    Self.expectShapeError("take", "a huge index") { _ = try m.take(Self.constant([1], [1e300])) }
    Self.expectShapeError("scatter_add", "row -3 of 2") {
      _ = try m.scatterAdd(Self.constant([1], [-3]), .constant(1))
    }
    Self.expectShapeError("scatter_add", "values of the wrong shape") {
      _ = try m.scatterAdd(Self.constant([1], [0]), Self.constant([2], [1, 2]))
    }
    Self.expectShapeError("cumsum", "axis -3") { _ = try m.cumsum(axis: -3) }
    Self.expectShapeError("cumprod", "axis 2") { _ = try m.cumprod(axis: 2) }
    Self.expectShapeError("sort", "axis 2") { _ = try m.sort(axis: 2) }
    Self.expectShapeError("sort", "a scalar") { _ = try Self.leaf([], [1]).sort() }
    Self.expectShapeError("argsort", "axis -3") { _ = try m.argsort(axis: -3) }
    Self.expectShapeError("topk", "k larger than the axis") { _ = try m.topk(4) }
    Self.expectShapeError("topk", "negative k") { _ = try m.topk(-1) }
    Self.expectShapeError("median", "a repeated axis") { _ = try m.median(axes: [1, -1]) }
    Self.expectShapeError("median", "an empty axis") { _ = try Self.leaf([0], []).median() }
    Self.expectShapeError("triu", "a vector") { _ = try v.triu() }
    Self.expectShapeError("tril", "a scalar") { _ = try Self.leaf([], [1]).tril() }
    Self.expectShapeError("roll", "axis 2") { _ = try m.roll(1, axis: 2) }
    Self.expectShapeError("roll", "unpaired shifts") { _ = try m.roll([1, 2, 3], axes: [0, 1]) }
    Self.expectShapeError("flip", "a repeated axis") { _ = try m.flip(axes: [0, -2]) }
    Self.expectShapeError("rot90", "a vector") { _ = try v.rot90() }
    Self.expectShapeError("rot90", "equal axes") { _ = try m.rot90(1, axes: (0, -2)) }
    Self.expectShapeError("tile", "negative reps") { _ = try m.tile([-1]) }
    Self.expectShapeError("tile", "a result too large") { _ = try m.tile([1 << 40, 1 << 40]) }
    Self.expectShapeError("repeat", "a negative count") { _ = try m.repeated([-1], axis: 0) }
    Self.expectShapeError("repeat", "counts that do not match") { _ = try m.repeated([1, 2], axis: 1) }
    Self.expectShapeError("repeat", "too many repeats") { _ = try m.repeated([1 << 40], axis: 1) }
    Self.expectShapeError("pad", "widths for one axis of two") { _ = try m.pad([(1, 1)]) }
    Self.expectShapeError("pad", "a negative width") { _ = try m.pad([(1, 1), (0, -1)]) }
    Self.expectShapeError("pad", "a vector as the value") {
      _ = try m.pad([(1, 1), (0, 1)], value: Self.constant([2], [1, 2]))
    }
    Self.expectShapeError("split", "sections that do not divide") { _ = try m.split(into: 2, axis: 1) }
    Self.expectShapeError("split", "zero sections") { _ = try m.split(into: 0) }
    Self.expectShapeError("split", "axis 2") { _ = try m.split(at: [1], axis: 2) }
    Self.expectShapeError("split", "a scalar") { _ = try Self.leaf([], [1]).split(at: [1]) }
  }
}

/// Limits and edge cases found in review: sizes that would overflow what follows, products that
/// overflow inside cumprod's rule.
@Suite("Selection and linear algebra at their limits")
struct SelectionLimitTests {
  @Test("an empty result with huge other axes is an error, not a later crash")
  func hugeEmptyShapes() throws {
    #expect(throws: ShapeError.self) {
      try Variable.constant(Tensor(repeating: 0, shape: [0, 1, 1])).tile([1, 1 << 20, 1 << 20])
    }
    #expect(throws: ShapeError.self) {
      try Variable.constant(Tensor(repeating: 0, shape: [0, 1])).pad([(0, 0), (0, 1 << 39)])
    }
    #expect(throws: ShapeError.self) {
      try Variable.constant(Tensor(vector: [1])).tile([Int](repeating: 1, count: 100))
    }
  }

  @Test("cuts out of order cannot make pieces beyond the element limit")
  func splitTotal() throws {
    let x = Variable.constant(Tensor(repeating: 1, shape: [1000, 1000]))
    let cuts = (0..<2000).map { $0 % 2 == 0 ? 1000 : 0 }
    #expect(throws: ShapeError.self) { try x.split(at: cuts) }
    // An empty axis splits into any number of empty pieces, as NumPy.
    let empty = Variable.constant(Tensor(repeating: 0, shape: [0, 2]))
    #expect(try empty.split(into: 3).map(\.shape) == [[0, 2], [0, 2], [0, 2]])
  }

  @Test("cumprod's gradient stays exact when a running product underflows")
  func cumprodUnderflow() throws {
    // y = [1e-200, 1e-400 → 0, 1e-200]; ∂y₂/∂x₀ = x₁x₂ = 1e-200·1e200 = 1.
    let x = Variable(Tensor(vector: [1e-200, 1e-200, 1e200]))
    let y = try x.cumprod(axis: 0)
    let g = try Differentiation.gradient(of: y.indexed([.single(2)]), withRespectTo: [x]).values[0]
    #expect(Swift.abs(g.value.data[0] - 1) < 1e-12)
  }

  @Test("eigh and cholesky refuse inf and nan instead of handing them to LAPACK")
  func nonFinite() {
    let bad = Tensor(uncheckedShape: [2, 2], data: [1, .nan, .nan, 1])
    #expect(throws: ShapeError.self) { try bad.symmetricEigen() }
    #expect(throws: ShapeError.self) { try bad.cholesky() }
  }
}
