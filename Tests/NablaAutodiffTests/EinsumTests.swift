import Foundation
import NablaTensor
import Testing

@testable import NablaAutodiff

/// `einsum` is a composite: its values are checked against the definition (a loop over every
/// assignment of the letters) and its derivatives against central differences.
@Suite("einsum: brute-force values, finite-difference gradients, messages")
struct EinsumTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let subscripts: String
    let shapes: [[Int]]
    init(_ subscripts: String, _ shapes: [[Int]]) {
      self.subscripts = subscripts
      self.shapes = shapes
    }
    var testDescription: String { "\"\(subscripts)\" \(shapes)" }
    var seed: UInt64 { subscripts.unicodeScalars.reduce(17) { $0 &* 31 &+ UInt64($1.value) } &+ UInt64(shapes.count) }
  }

  static let cases: [Case] = [
    Case("ij,jk->ik", [[2, 3], [3, 4]]),  // matmul
    Case("bij,bjk->bik", [[2, 2, 3], [2, 3, 4]]),  // batched matmul
    Case("bij,bjk->bik", [[5, 1, 3], [5, 3, 1]]),  // a batch of dot products with size-1 letters
    Case("bij,bkj->bik", [[2, 2, 3], [2, 4, 3]]),  // batched, second read transposed
    Case("ij,kj->ik", [[2, 3], [4, 3]]),
    Case("ji,jk->ik", [[3, 2], [3, 4]]),
    Case("i,j->ij", [[3], [4]]),  // outer
    Case("i,j,k->ijk", [[2], [3], [2]]),
    Case("i,i->", [[4], [4]]),  // dot
    Case("ii", [[3, 3]]),  // trace
    Case("ii->i", [[3, 3]]),  // diagonal
    Case("ii,i->i", [[3, 3], [3]]),
    Case("iij->ij", [[3, 3, 2]]),
    Case("iji->j", [[3, 2, 3]]),
    Case("ij->ji", [[2, 3]]),  // transpose
    Case("ij->", [[2, 3]]),  // sum
    Case("ij->i", [[3, 4]]),
    Case("ij,jk", [[2, 3], [3, 2]]),  // implicit output
    Case("bA", [[2, 3]]),  // implicit: capitals sort first, so this is a transpose
    Case(" i j , j k -> i k ", [[2, 3], [3, 2]]),
    Case("...ij,...jk->...ik", [[2, 1, 2, 3], [3, 3, 4]]),  // broadcast batch axes
    Case("...ij,jk->...ik", [[2, 2, 3], [3, 4]]),
    Case("...ii->...i", [[2, 3, 3]]),
    Case("...i,...i->...", [[2, 3], [3]]),
    Case("...", [[2, 3]]),
    Case("ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]]),  // three operands
    Case("i,ij,j->", [[3], [3, 4], [4]]),  // bilinear form
    Case("bn,anm,bm->ba", [[2, 3], [4, 3, 5], [2, 5]]),  // bilinear layer
    Case("ock,nkp->nop", [[4, 2, 3], [2, 3, 5]]),  // convolution lowering (c summed alone)
    Case("ijk,jil->kl", [[2, 3, 2], [3, 2, 4]]),
    Case("ij,ij->ij", [[2, 3], [2, 3]]),  // elementwise
    Case("bi,bi->b", [[4, 3], [4, 3]]),  // batched dot
    Case(",ij->ij", [[], [2, 3]]),  // scalar times matrix
    Case("", [[]]),
    Case(",->", [[], []]),
  ]

  /// The definition: every assignment of every letter, the product of the operands' entries
  /// added into the output's. `...` becomes digits aligned from the right, and an operand's
  /// axis of size 1 reads index 0 (broadcasting).
  static func reference(_ subscripts: String, _ inputs: [Tensor]) -> Tensor {
    let text = subscripts.replacingOccurrences(of: " ", with: "")
    let sides = text.components(separatedBy: "->")
    let groups = sides[0].components(separatedBy: ",")
    let broadcastRank =
      zip(groups, inputs).map { g, t in g.contains("...") ? t.rank - (g.count - 3) : 0 }.max() ?? 0
    func expand(_ g: String, rank: Int) -> [Character] {
      guard g.contains("...") else { return Array(g) }
      let parts = g.components(separatedBy: "...")
      let r = rank - (g.count - 3)
      let digits: [Character] = (broadcastRank - r..<broadcastRank).map { Character(String($0)) }
      return Array(parts[0]) + digits + Array(parts[1])
    }
    let labels = zip(groups, inputs).map { expand($0, rank: $1.rank) }
    let output: [Character]
    if sides.count == 2 {
      output = expand(sides[1], rank: sides[1].count - 3 + broadcastRank)
    } else {
      var counts: [Character: Int] = [:]
      for l in labels.joined() { counts[l, default: 0] += 1 }
      let digits: [Character] = (0..<broadcastRank).map { Character(String($0)) }
      let once: [Character] = counts.filter { $0.value == 1 && $0.key.isLetter }.keys.sorted()
      output = digits + once
    }
    var size: [Character: Int] = [:]
    for (ls, t) in zip(labels, inputs) {
      for (l, n) in zip(ls, t.shape) { size[l] = Swift.max(size[l] ?? n, n) }
    }
    let all = Array(size.keys)
    let extents = all.map { size[$0]! }
    let outShape = output.map { size[$0]! }
    var out = [Double](repeating: 0, count: outShape.reduce(1, *))
    var counter = [Int](repeating: 0, count: all.count)
    var index: [Character: Int] = [:]
    while true {
      for (l, i) in zip(all, counter) { index[l] = i }
      var product = 1.0
      for (ls, t) in zip(labels, inputs) {
        var offset = 0
        for (l, n) in zip(ls, t.shape) { offset = offset * n + (n == 1 ? 0 : index[l]!) }
        product *= t.data[offset]
      }
      var o = 0
      for (l, n) in zip(output, outShape) { o = o * n + index[l]! }
      out[o] += product
      var a = all.count - 1
      while a >= 0 {
        counter[a] += 1
        if counter[a] < extents[a] { break }
        counter[a] = 0
        a -= 1
      }
      if a < 0 { break }
    }
    return Tensor(uncheckedShape: outShape, data: out)
  }

  @Test("values match the brute-force sum", arguments: cases)
  func values(_ c: Case) throws {
    var r = RandomSource(seed: c.seed)
    for _ in 0..<3 {
      let inputs = c.shapes.map { randomInput($0, domain: .real, &r) }
      let y = try Variable.einsum(c.subscripts, inputs.map { Variable($0) })
      let expected = Self.reference(c.subscripts, inputs)
      #expect(y.shape == expected.shape, "\(c.subscripts): shape \(y.shape), expected \(expected.shape)")
      guard y.value.count == expected.count else { continue }
      for (i, (a, b)) in zip(y.value.data, expected.data).enumerated() {
        #expect(abs(a - b) <= 1e-12 * Swift.max(1, abs(b)), "\(c.subscripts) entry \(i): \(a), expected \(b)")
      }
    }
  }

  /// ⟨w, einsum(xs)⟩, whose gradient is einsum's VJP with cotangent w.
  static func weighted(_ c: Case, _ xs: [Variable], _ w: Tensor) throws -> Variable {
    try (Variable.einsum(c.subscripts, xs) * Variable.constant(w)).sum()
  }

  @Test("gradients match central differences", arguments: cases)
  func gradients(_ c: Case) throws {
    var r = RandomSource(seed: c.seed &+ 1)
    for _ in 0..<3 {
      let values = c.shapes.map { randomInput($0, domain: .real, &r) }
      let inputs = values.map { Variable($0) }
      let w = randomInput(try Variable.einsum(c.subscripts, inputs).shape, domain: .real, &r)
      let analytic = try ReverseMode.gradients(of: Self.weighted(c, inputs, w), withRespectTo: inputs)
      for k in inputs.indices {
        let numeric = try numericGradient(values, k, step: 1e-6) { xs in
          try Self.weighted(c, xs.map { .constant($0) }, w).value.data[0]
        }
        expectClose(
          analytic.values[k], values[k].shape, numeric, absolute: 1e-6, relative: 1e-5, "\(c.subscripts) input \(k)")
      }
    }
  }

  static let secondOrderCases: [Case] = [
    Case("ij,jk->ik", [[2, 3], [3, 2]]),
    Case("i,ij,j->", [[3], [3, 4], [4]]),
    Case("...ij,...jk->...ik", [[2, 1, 2, 3], [3, 3, 2]]),
    Case("bi,bi->b", [[3, 2], [3, 2]]),
    Case("iij,jk->ik", [[2, 2, 3], [3, 2]]),
    Case("ij,jk,kl->il", [[2, 3], [3, 2], [2, 2]]),
  ]

  @Test("second derivatives match differences of the gradient", arguments: secondOrderCases)
  func secondOrder(_ c: Case) throws {
    var r = RandomSource(seed: c.seed &+ 2)
    let values = c.shapes.map { randomInput($0, domain: .real, &r) }
    let w = randomInput(try Variable.einsum(c.subscripts, values.map { .constant($0) }).shape, domain: .real, &r)
    let directions = c.shapes.map { randomInput($0, domain: .real, &r) }
    // M(x) = Σ_k ⟨∇_k ⟨w, einsum(x)⟩, v_k⟩: its gradient is the Hessian applied to v.
    func m(_ xs: [Variable], createGraph: Bool) throws -> Variable {
      let g = try ReverseMode.gradients(of: Self.weighted(c, xs, w), withRespectTo: xs, createGraph: createGraph)
      var total = Variable.constant(0)
      for k in xs.indices { total = try total + (g.values[k] * Variable.constant(directions[k])).sum() }
      return total
    }
    let inputs = values.map { Variable($0) }
    let analytic = try ReverseMode.gradients(of: m(inputs, createGraph: true), withRespectTo: inputs)
    for k in inputs.indices {
      let numeric = try numericGradient(values, k, step: 1e-5) { xs in
        try m(xs.map { Variable($0) }, createGraph: false).value.data[0]
      }
      expectClose(
        analytic.values[k], values[k].shape, numeric, absolute: 1e-5, relative: 1e-4,
        "\(c.subscripts) input \(k) second order")
    }
  }

  @Test("the Hessian of the quadratic form xᵀAx, with x written twice, is A + Aᵀ")
  func quadraticForm() throws {
    var r = RandomSource(seed: 41)
    let a = randomInput([3, 3], domain: .real, &r)
    let v = randomInput([3], domain: .real, &r)
    let x = Variable(randomInput([3], domain: .real, &r))
    let f = try Variable.einsum("i,ij,j->", [x, .constant(a), x])
    let g = try ReverseMode.gradients(of: f, withRespectTo: [x], createGraph: true).values[0]
    let hv = try ReverseMode.gradients(of: (g * Variable.constant(v)).sum(), withRespectTo: [x]).values[0]
    for i in 0..<3 {
      let expected = (0..<3).reduce(0.0) { $0 + (a.data[i * 3 + $1] + a.data[$1 * 3 + i]) * v.data[$1] }
      #expect(abs(hv.value.data[i] - expected) <= 1e-12, "entry \(i): \(hv.value.data[i]), expected \(expected)")
    }
  }

  @Test("a known product: [1, 2; 3, 4] [5, 6; 7, 8]")
  func knownValue() throws {
    let a = Variable(try Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
    let b = Variable(try Tensor(shape: [2, 2], data: [5, 6, 7, 8]))
    #expect(try Variable.einsum("ij,jk->ik", [a, b]).value.data == [19, 22, 43, 50])
    #expect(try Variable.einsum("ij,jk", [a, b]).value.data == [19, 22, 43, 50])
    #expect(try Variable.einsum("ii", [a]).value.data == [5])
    #expect(try Variable.einsum("ii->i", [a]).value.data == [1, 4])
    #expect(try Variable.einsum("ji", [a]).value.data == [1, 3, 2, 4])  // implicit output "ij": a transpose
    #expect(try Variable.einsum("ij->ji", [a]).value.data == [1, 3, 2, 4])
    #expect(try Variable.einsum("bA", [Variable(Tensor(repeating: 1, shape: [2, 3]))]).shape == [3, 2])
  }

  /// Every primitive kind in a value's recorded history.
  static func kinds(_ v: Variable) -> [PrimitiveKind] {
    var out: [PrimitiveKind] = []
    var pending = [v]
    while let x = pending.popLast() {
      guard let primitive = x.primitive else { continue }
      out.append(primitive.kind)
      pending.append(contentsOf: x.inputs)
    }
    return out
  }

  @Test("matrix-shaped contractions are one BLAS product, transposes read in place")
  func usesMatrixProducts() throws {
    func graph(_ s: String, _ shapes: [[Int]]) throws -> [PrimitiveKind] {
      try Self.kinds(Variable.einsum(s, shapes.map { Variable(Tensor(repeating: 1, shape: $0)) }))
    }
    let plain = try graph("ij,jk->ik", [[2, 3], [3, 4]])
    #expect(plain.filter { $0 == .matmul }.count == 1 && !plain.contains(.transpose), "\(plain)")
    let nt = try graph("ij,kj->ik", [[2, 3], [4, 3]])
    #expect(nt.contains(.matmulNT) && !nt.contains(.transpose), "\(nt)")
    let tn = try graph("ji,jk->ik", [[3, 2], [3, 4]])
    #expect(tn.contains(.matmulTN) && !tn.contains(.transpose), "\(tn)")
    let batched = try graph("bij,bjk->bik", [[5, 2, 3], [5, 3, 4]])
    #expect(batched.filter { $0 == .matmul }.count == 1 && !batched.contains(.transpose), "\(batched)")
    #expect(try graph("ii->i", [[3, 3]]).contains(.index))
  }

  /// The rule of the ShapeError einsum throws, or nil when it succeeds.
  static func failure(_ subscripts: String, _ shapes: [[Int]]) -> String? {
    do {
      _ = try Variable.einsum(subscripts, shapes.map { Variable(Tensor(repeating: 1, shape: $0)) })
      return nil
    } catch let error as ShapeError {
      return error.operation == "einsum" ? error.rule : "\(error.operation): \(error.rule)"
    } catch {
      return "\(error)"
    }
  }

  static let errorCases: [(String, [[Int]], [String])] = [
    ("ij,jk->ik", [[2, 3], [4, 5]], ["axis j is 3 in operand 0 but 4 in operand 1"]),
    ("i,i", [[2], [3]], ["axis i is 2 in operand 0 but 3 in operand 1"]),
    ("ij,jk,kl->il", [[2, 3], [3, 4], [5, 2]], ["axis k is 4 in operand 1 but 5 in operand 2"]),
    ("ii->i", [[2, 3]], ["axis i is 2 and 3 in operand 0"]),
    ("...i,...i->...", [[2, 3], [4, 3]], ["'...' axis 0 is 2 in operand 0 but 4 in operand 1"]),
    ("ij,jk", [[2, 3]], ["2 subscript groups for 1 operand"]),
    ("ij", [[2, 3], [3]], ["1 subscript group for 2 operands"]),
    ("ijk", [[2, 3]], ["operand 0 has rank 2", "'ijk' names 3 axes"]),
    ("i,ij", [[2], [2]], ["operand 1 has rank 1", "'ij' names 2 axes"]),
    ("ij...", [[2]], ["operand 0 has rank 1", "names 2 axes besides '...'"]),
    ("ij->ik", [[2, 3]], ["output letter k does not appear in the inputs"]),
    ("ij->ii", [[2, 2]], ["output letter i appears more than once"]),
    ("i1->i", [[2, 2]], ["'1' cannot appear"]),
    ("i_j", [[2, 2]], ["'_' cannot appear"]),
    ("i.j", [[2, 2]], ["not part of '...'"]),
    ("......", [[2]], ["'...' appears twice"]),
    ("i-j", [[2, 2]], ["'-' must be part of '->'"]),
    ("i->i->i", [[2]], ["'->' appears more than once"]),
    ("i,j->i,j", [[2], [2]], ["cannot contain ','"]),
    ("...i->i", [[2, 3]], ["no '...'"]),
  ]

  @Test("errors name the letter, the operands and the sizes", arguments: errorCases.indices)
  func errors(_ n: Int) {
    let (subscripts, shapes, fragments) = Self.errorCases[n]
    guard let message = Self.failure(subscripts, shapes) else {
      Issue.record("\"\(subscripts)\" \(shapes) should fail")
      return
    }
    for fragment in fragments {
      #expect(message.contains(fragment), "\"\(subscripts)\" \(shapes): \(message)")
    }
  }

  @Test("einsum needs at least one operand")
  func noOperands() {
    #expect(Self.failure("", [])?.contains("at least one operand") == true)
  }
}
