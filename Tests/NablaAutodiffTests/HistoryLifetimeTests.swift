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
}
