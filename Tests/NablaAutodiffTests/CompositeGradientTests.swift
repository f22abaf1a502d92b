import NablaTensor
import Testing

@testable import NablaAutodiff

/// Composites are written in primitives and need no derivative code, but the composition itself
/// (a detached shift, a promoted vector) can still be wrong: check them the same way.
@Suite("Composite operations: finite-difference gradient checks")
struct CompositeGradientTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    let domain: Domain
    let f: @Sendable ([Variable]) throws -> Variable
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "softmax", shapes: [[4]], domain: .real) { try $0[0].softmax() },
    Case(name: "softmax axis 0", shapes: [[3, 2]], domain: .real) { try $0[0].softmax(axis: 0) },
    Case(name: "log_softmax", shapes: [[2, 3]], domain: .real) { try $0[0].logSoftmax() },
    Case(name: "logsumexp", shapes: [[2, 3]], domain: .real) { try $0[0].logsumexp(axes: [1]) },
    Case(name: "mean keepdims", shapes: [[2, 3]], domain: .real) { try $0[0].mean(axes: [0], keepdims: true) },
    Case(name: "var", shapes: [[5]], domain: .real) { try $0[0].variance() },
    Case(name: "std ddof 1", shapes: [[2, 4]], domain: .real) { try $0[0].standardDeviation(axes: [1], ddof: 1) },
    Case(name: "norm axis", shapes: [[3, 2]], domain: .awayFromZero) { try $0[0].norm(axes: [0]) },
    Case(name: "prod axes", shapes: [[2, 3, 2]], domain: .awayFromZero) { try $0[0].prod(axes: [0, 2]) },
    Case(name: "matrix @ vector", shapes: [[3, 4], [4]], domain: .real) { try Variable.matmul($0[0], $0[1]) },
    Case(name: "vector @ matrix", shapes: [[3], [3, 2]], domain: .real) { try Variable.matmul($0[0], $0[1]) },
    Case(name: "vector @ vector", shapes: [[3], [3]], domain: .real) { try Variable.matmul($0[0], $0[1]) },
    Case(name: "batched @ vector", shapes: [[2, 3, 4], [4]], domain: .real) { try Variable.matmul($0[0], $0[1]) },
    Case(name: "outer", shapes: [[3], [2]], domain: .real) { try Variable.outer($0[0], $0[1]) },
    Case(name: "trace", shapes: [[3, 3]], domain: .real) { try $0[0].trace() },
    Case(name: "diag of vector", shapes: [[3]], domain: .real) { try $0[0].diag() },
    Case(name: "stack", shapes: [[2], [2]], domain: .real) { try Variable.stack($0, axis: 1) },
    Case(name: "stack scalars", shapes: [[], []], domain: .real) { try Variable.stack($0, axis: 0) },
    Case(name: "clip", shapes: [[5], [], []], domain: .real) { try Variable.clip($0[0], $0[1] - 1, $0[2] + 1) },
    Case(name: "cross_entropy", shapes: [[3], [3]], domain: .positive) {
      try Variable.crossEntropy($0[0].softmax(), $0[1])
    },
    Case(name: "squeeze/unsqueeze", shapes: [[1, 3]], domain: .real) { try $0[0].squeezed().unsqueezed(axis: -1) },
    Case(name: "transposedLastTwo", shapes: [[2, 3, 4]], domain: .real) { try $0[0].transposedLastTwo() },
    Case(name: "leaky_relu, tracked slope", shapes: [[2, 3], []], domain: .awayFromZero) {
      try Variable.leakyRelu($0[0], slope: $0[1])
    },
    Case(name: "elu in x and alpha", shapes: [[2, 3], []], domain: .awayFromZero) {
      try Variable.elu($0[0], alpha: $0[1])
    },
    Case(name: "selu", shapes: [[4]], domain: .awayFromZero) { try Variable.selu($0[0]) },
    Case(name: "gelu", shapes: [[4]], domain: .real) { try Variable.gelu($0[0]) },
    Case(name: "silu", shapes: [[4]], domain: .real) { try Variable.silu($0[0]) },
    Case(name: "log_sigmoid", shapes: [[4]], domain: .real) { try Variable.logSigmoid($0[0]) },
    Case(name: "nll_loss", shapes: [[3, 4]], domain: .real) {
      try Variable.nllLoss($0[0].logSoftmax(), .constant(Tensor(vector: [0, 3, 1])))
    },
    Case(name: "l1_loss", shapes: [[5], [5]], domain: .awayFromZero) { try Variable.l1Loss($0[0] * 3, $0[1]) },
    Case(name: "smooth_l1_loss", shapes: [[5], [5]], domain: .real) { try Variable.smoothL1Loss($0[0] * 2, $0[1]) },
    Case(name: "kl_div in both", shapes: [[4], [4]], domain: .positive) {
      try Variable.klDivergence($0[0].logSoftmax(), $0[1].softmax())
    },
    Case(name: "dropout in x and p", shapes: [[6], []], domain: .positive) {
      var r = RandomSource(seed: 3)
      return try Variable.dropout($0[0], p: $0[1] * 0.2, random: &r)
    },
    Case(name: "solve with a vector", shapes: [[3, 3], [3]], domain: .invertible) { try Variable.solve($0[0], $0[1]) },
    Case(name: "matrix_power 5", shapes: [[3, 3]], domain: .real) { try ($0[0] * 0.5).matrixPower(5) },
    Case(name: "matrix_power -2", shapes: [[3, 3]], domain: .invertible) { try $0[0].matrixPower(-2) },
    Case(name: "kron", shapes: [[2, 3], [2, 2]], domain: .real) { try Variable.kron($0[0], $0[1]) },
    Case(name: "tensordot", shapes: [[2, 3, 4], [3, 4, 2]], domain: .real) {
      try Variable.tensordot($0[0], $0[1], axesA: [1, 2], axesB: [0, 1])
    },
    Case(name: "cross", shapes: [[2, 3], [3]], domain: .real) { try Variable.cross($0[0], $0[1]) },
    Case(name: "trace offset", shapes: [[2, 3, 4]], domain: .real) { try $0[0].trace(offset: 1) },
    Case(name: "norm ord 3", shapes: [[4]], domain: .awayFromZero) {
      try $0[0].norm(order: .p(3), axes: nil, keepdims: false)
    },
    Case(name: "norm ord 0.5", shapes: [[4]], domain: .awayFromZero) {
      try $0[0].norm(order: .p(0.5), axes: nil, keepdims: false)
    },
    Case(name: "norm ord 1 axis", shapes: [[2, 3]], domain: .awayFromZero) {
      try $0[0].norm(order: .p(1), axes: [1], keepdims: true)
    },
    Case(name: "matrix norm nuc", shapes: [[3, 2]], domain: .real) {
      try $0[0].norm(order: .nuclear, axes: nil, keepdims: false)
    },
    Case(name: "matrix norm 2", shapes: [[2, 3, 2]], domain: .real) {
      try $0[0].norm(order: .p(2), axes: [1, 2], keepdims: false)
    },
    Case(name: "matrix norm inf", shapes: [[3, 2]], domain: .awayFromZero) {
      try $0[0].norm(order: .p(.infinity), axes: nil, keepdims: false)
    },
    Case(name: "embedding", shapes: [[3, 2]], domain: .real) {
      try Variable.embedding($0[0], .constant(Tensor(vector: [2, 0, 2])))
    },
  ]

  @Test("composites match central differences", arguments: cases)
  func composite(_ c: Case) throws {
    var r = RandomSource(seed: UInt64(c.name.count * 7919))
    for _ in 0..<10 {
      let values = c.shapes.map { randomInput($0, domain: c.domain, &r) }
      let inputs = values.map { Variable($0) }
      let w = randomInput(try c.f(inputs).shape, domain: .real, &r)
      let loss = { (xs: [Variable]) throws -> Variable in try (c.f(xs) * Variable.constant(w)).sum() }
      let analytic = try ReverseMode.gradients(of: loss(inputs), withRespectTo: inputs)
      for k in inputs.indices {
        let numeric = try numericGradient(values, k, step: 1e-6) { xs in
          try loss(xs.map { .constant($0) }).value.data[0]
        }
        expectClose(
          analytic.values[k], values[k].shape, numeric, absolute: 1e-6, relative: 1e-5, "\(c.name) input \(k)")
      }
    }
  }

  @Test("softmax and logsumexp stay finite at ±1000")
  func extremes() throws {
    let x = Variable(Tensor(vector: [1000, 1001, -1000]))
    let s = try x.softmax()
    #expect(s.value.data.allSatisfy { $0.isFinite })
    #expect(abs(s.value.data.reduce(0, +) - 1) < 1e-15)
    let lse = try Variable(Tensor(vector: [1000, 1000])).logsumexp()
    #expect(abs(lse.value.data[0] - (1000 + Math.log(2))) < 1e-12)
  }

  @Test("prod's gradient is the product of the other factors, zeros included")
  func prodWithZeros() throws {
    let x = Variable(Tensor(vector: [2, 0, 3, 0]))
    let g = try ReverseMode.gradients(of: x.prod(), withRespectTo: [x]).values[0].value.data
    #expect(g == [0, 0, 0, 0])
    let y = Variable(Tensor(vector: [2, 0, 3]))
    let gy = try ReverseMode.gradients(of: y.prod(), withRespectTo: [y]).values[0].value.data
    #expect(gy == [0, 6, 0])
  }

  @Test("norm's gradient at zero is zero, not nan")
  func normAtZero() throws {
    let x = Variable(Tensor(vector: [0, 0]))
    let g = try ReverseMode.gradients(of: x.norm(), withRespectTo: [x]).values[0].value.data
    #expect(g == [0, 0])
  }

  @Test("a first-order backward pass records nothing")
  func firstOrderRecordsNothing() throws {
    let x = Variable(Tensor(vector: [1, 2]))
    let e = try (Variable.sin(x) * x).sum()
    let g = try ReverseMode.gradients(of: e, withRespectTo: [x]).values[0]
    #expect(!g.isTracked)
    let h = try ReverseMode.gradients(of: e, withRespectTo: [x], createGraph: true).values[0]
    #expect(h.isTracked)
  }

  @Test("a long history (100,000 steps) is differentiated and freed without overflowing the stack")
  func longHistory() throws {
    let x = Variable(Tensor(scalar: 0.5))
    var y = x
    for _ in 0..<100_000 { y = try y * 1.0 + 0.0 }
    let g = try ReverseMode.gradients(of: y, withRespectTo: [x]).values[0].value.data[0]
    #expect(g == 1)
  }

  @Test("a long history that uses each step twice (y + y) is freed without overflowing the stack")
  func longHistoryOfRepeatedInputs() throws {
    let x = Variable(Tensor(scalar: 0.5))
    var y = x
    for _ in 0..<100_000 { y = try (y + y) * 0.5 }
    let g = try ReverseMode.gradients(of: y, withRespectTo: [x]).values[0].value.data[0]
    #expect(g == 1)
    #expect(y.value.data == [0.5])
  }

  @Test("edge values: x^0 has zero slope at 0; bce of a perfect prediction is 0 with a finite gradient")
  func edgeValues() throws {
    let x = Variable(Tensor(vector: [0, 2]))
    let g = try ReverseMode.gradients(of: Variable.pow(x, 0).sum(), withRespectTo: [x]).values[0]
    #expect(g.value.data == [0, 0])
    // x^1 at 0 still has slope 1, x^2 slope 0.
    #expect(try ReverseMode.gradients(of: Variable.pow(x, 1).sum(), withRespectTo: [x]).values[0].value.data == [1, 1])
    let p = Variable(Tensor(vector: [1, 0]))
    let t = Variable.constant(Tensor(vector: [1, 0]))
    let loss = try Variable.bce(p, t)
    #expect(loss.value.data == [0])
    let dp = try ReverseMode.gradients(of: loss, withRespectTo: [p]).values[0].value.data
    // -t/p/N and (1-t)/(1-p)/N where the logs are not clamped: -1/2 and +1/2.
    #expect(dp == [-0.5, 0.5])
  }
}
