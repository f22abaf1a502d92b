import NablaTensor
import Testing

@testable import NablaAutodiff

/// A primitive's `scalarVJP` is its rules again, on numbers: it must give the rules' bits, or a
/// scalar loop's gradient would differ from the same gradient taken on a vector.
@Suite("Scalar rules give their primitive's rules, bit for bit")
struct ScalarRuleTests {
  /// Same bits, or both NaN (a NaN's payload is not part of any result nabla shows).
  static func same(_ a: Double, _ b: Double) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
  }

  static let specials: [Double] = [0, -0.0, 1, -1, 2, 0.5, .infinity, -.infinity, .nan, 1e-300, 1e300]

  @Test("every scalar rule matches its VJP rules at random and special points")
  func scalarRulesMatchRules() throws {
    var r = RandomSource(seed: 41)
    var checked = Set<PrimitiveKind>()
    for entry in PrimitiveTable.entries {
      for (p, shapes) in entry.cases(&r) {
        guard let scalarVJP = p.scalarVJP else { continue }
        checked.insert(p.kind)
        let arity = shapes.count
        var points: [[Double]] = (0..<200).map { _ in
          (0..<arity).map { _ in randomInput([], domain: p.domain, &r).data[0] }
        }
        for a in Self.specials {
          for b in arity == 2 ? Self.specials : [a] { points.append(arity == 2 ? [a, b] : [a]) }
        }
        for point in points {
          let g = r.next() % 4 == 0 ? Self.specials[Int(r.next() % UInt64(Self.specials.count))] : 4 * r.uniform() - 2
          let inputs = point.map { Variable(Tensor(scalar: $0)) }
          let output = try p.apply(inputs)
          let args = VJPArguments(
            cotangent: .constant(Tensor(scalar: g)), inputs: output.inputs, output: output, recording: false)
          let fast = scalarVJP(g, point[0], point[arity == 2 ? 1 : 0], output.value.data[0])
          for i in 0..<arity {
            let rule = try #require(p.vjps[i])
            let expected = try Recording.off { try rule(args) }.value.data[0]
            let got = i == 0 ? fast.0 : fast.1
            #expect(Self.same(got, expected), "\(p.name) at \(point), ḡ = \(g), input \(i): \(got) against \(expected)")
          }
        }
      }
    }
    // The scalar chain's primitives at least, so the check cannot pass by checking nothing.
    #expect(checked.isSuperset(of: [.add, .sub, .mul, .div, .neg, .sin, .cos, .exp, .log, .tanh, .sigmoid]))
  }

  @Test("a scalar chain's first-order gradient is the recorded pass's, bit for bit")
  func chainMatchesRecordedPass() throws {
    var r = RandomSource(seed: 8)
    for _ in 0..<20 {
      let x = Variable(Tensor(scalar: 2 * r.uniform() - 1))
      let c = Variable(Tensor(scalar: 0.5 + r.uniform()))
      var y = x
      for step in 0..<30 {
        // Scalar rules (sin, mul, add, div, tanh, exp, log) mixed with ones that have none (pow,
        // maximum), and names used twice, so numbers and variables meet in one cotangent.
        switch step % 6 {
        case 0: y = try Variable.sin(y) * c + y
        case 1: y = try Variable.pow(y * y + 1, c) / (c + 1)
        case 2: y = try Variable.tanh(y - c) * y
        case 3: y = try Variable.log(Variable.exp(y) + c)
        case 4: y = try Variable.sigmoid(y) + Primitive.maximum.apply(y, c * 0.25)
        default: y = try -(y / (y * y + c))
        }
      }
      let numbers = try ReverseMode.gradients(of: y, withRespectTo: [x, c])
      let recorded = try ReverseMode.gradients(of: y, withRespectTo: [x, c], createGraph: true)
      for k in 0..<2 {
        let a = numbers.values[k].value.data[0]
        let b = recorded.values[k].value.data[0]
        #expect(Self.same(a, b), "input \(k): \(a) against the recorded pass's \(b)")
        #expect(a.isFinite)
        #expect(!numbers.values[k].isTracked)
      }
    }
  }

  @Test("targets inside the chain, the output itself, a given seed and repeated operands")
  func targetsSeedsAndRepeatedOperands() throws {
    let x = Variable(Tensor(scalar: 0.7))
    let y = try Variable.sin(x)
    // z = y² + (y − y) + y/y + (y + y): each operation meets the same operand twice.
    let z = try y * y + (y - y) + y / y + (y + y)
    let sine = Math.sin(0.7)
    for k in [1.0, 2.5] {
      let seed: Variable? = k == 1 ? nil : .constant(Tensor(scalar: k))
      let numbers = try ReverseMode.gradients(of: z, withRespectTo: [y, x, z], seed: seed)
      let recorded = try ReverseMode.gradients(of: z, withRespectTo: [y, x, z], seed: seed, createGraph: true)
      // dz/dy = 2y + 0 + 0 + 2, dz/dx = dz/dy · cos x, dz/dz = 1, each times the seed.
      let expected = [k * (2 * sine + 2), k * (2 * sine + 2) * Math.cos(0.7), k]
      for t in 0..<3 {
        let a = numbers.values[t].value.data[0]
        let b = recorded.values[t].value.data[0]
        #expect(Self.same(a, b), "target \(t), seed \(k): \(a) against the recorded pass's \(b)")
        #expect(
          abs(a - expected[t]) <= 1e-12 * abs(expected[t]), "target \(t), seed \(k): \(a), expected \(expected[t])")
        #expect(numbers.dependsOn[t])
      }
    }
  }
}
