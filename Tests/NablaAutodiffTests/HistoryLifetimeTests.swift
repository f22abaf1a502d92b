import NablaTensor
import Testing

@testable import NablaAutodiff

/// A variable holds its own history (the primitive and its inputs); a long one must be freed
/// without one stack frame per step, and still differentiate correctly while it lives.
@Suite("History lifetime")
struct HistoryLifetimeTests {
  @Test("a history 300,000 operations long gives the product of its slopes, then frees without overflowing the stack")
  func longHistory() throws {
    let steps = 300_000
    let x = Variable(Tensor(scalar: 2))
    var y = x
    for _ in 0..<steps { y = try Primitive.mul.apply(y, Variable.constant(1.000001)) }
    let g = try ReverseMode.gradients(of: y, withRespectTo: [x]).values[0].value.data[0]
    var expected = 1.0
    for _ in 0..<steps { expected *= 1.000001 }
    #expect(g == expected)
    #expect(y.inputs.count == 2 && y.primitive?.kind == .mul && x.inputs.isEmpty && x.primitive == nil)
    // Dropping the last reference frees every step; a recursive free would overflow this
    // thread's stack long before 300,000 frames.
    y = x
    #expect(y.value.data == [2])
  }

  @Test("measuring a residual loop's history counts each step once, also across earlier measurements")
  func measuredHistory() throws {
    // y = y + sin(y)·c over a 3-vector: three new values (sin, the product, the sum) per step,
    // 3 · 3 · 8 bytes. The sum's bound adds y's twice, so it doubles every step; a walk does not.
    let x = Variable(Tensor(vector: [1, 2, 0.5]))
    var y = x
    for step in 1...100 {
      y = try y + Variable.sin(y) * 0.001
      if step == 40 || step == 41 { #expect(y.measureHistory() == step * 72) }
    }
    #expect(y.historyBytes > 100 * 72)
    #expect(y.measureHistory() == 100 * 72)
    #expect(y.historyBytes == 100 * 72)
    // y + y: both inputs are the same value, counted once.
    let z = try y + y
    #expect(z.measureHistory() == 100 * 72 + 24)
  }
}
