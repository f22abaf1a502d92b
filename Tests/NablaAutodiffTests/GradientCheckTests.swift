import NablaTensor
import Testing

@testable import NablaAutodiff

/// Random inputs inside a primitive's domain.
func randomInput(_ shape: [Int], domain: Domain, _ r: inout RandomSource) -> Tensor {
  let n = Tensor.elementCount(shape) ?? 0
  if domain == .positiveDefinite, let size = shape.last {
    // X Xᵀ + size·I per matrix: symmetric, eigenvalues ≥ size.
    let x = randomInput(shape, domain: .real, &r)
    var t = x
    for b in 0..<(n / max(size * size, 1)) {
      for i in 0..<size {
        for j in 0..<size {
          var s = i == j ? Double(size) : 0
          for l in 0..<size { s += x.data[b * size * size + i * size + l] * x.data[b * size * size + j * size + l] }
          t.data[b * size * size + i * size + j] = s
        }
      }
    }
    return t
  }
  if domain == .invertible, let size = shape.last {
    // A random matrix plus size·I: diagonally dominant, so well conditioned.
    var t = randomInput(shape, domain: .real, &r)
    for i in 0..<(n / max(size * size, 1) * size) { t.data[i * size + i % size] += Double(2 * size) }
    return t
  }
  let data = (0..<n).map { _ -> Double in
    let u = r.uniform()
    switch domain {
    case .real: return 4 * u - 2
    case .positive: return 0.5 + 1.5 * u
    case .awayFromZero: return (r.next() % 2 == 0 ? 1 : -1) * (0.3 + 1.7 * u)
    case .bounded: return 2.4 * u - 1.2
    case .unit: return 1.8 * u - 0.9
    case .aboveOne: return 1.2 + 1.8 * u
    case .invertible, .positiveDefinite: return 4 * u - 2
    }
  }
  return Tensor(uncheckedShape: shape, data: data)
}

/// |a − n| within an absolute-plus-relative tolerance.
func close(_ a: Double, _ b: Double, absolute: Double, relative: Double) -> Bool {
  abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// The scalar ⟨w, prim(inputs)⟩, whose gradient is the VJP with cotangent w.
func weightedOutput(_ p: Primitive, _ inputs: [Variable], _ w: Tensor) throws -> Variable {
  try (p.apply(inputs) * Variable.constant(w)).sum()
}

/// Central differences of `f` at each element of input `k`.
func numericGradient(_ inputs: [Tensor], _ k: Int, step h: Double, _ f: ([Tensor]) throws -> Double) throws -> [Double]
{
  var result: [Double] = []
  for i in 0..<inputs[k].count {
    var plus = inputs
    var minus = inputs
    plus[k].data[i] += h
    minus[k].data[i] -= h
    result.append((try f(plus) - f(minus)) / (2 * h))
  }
  return result
}

/// Every case of an entry, `rounds` times with fresh random attributes, each with its number.
func tableCases(_ entry: PrimitiveTable.Entry, rounds: Int, _ r: inout RandomSource) -> [(Primitive, [[Int]])] {
  (0..<rounds).flatMap { _ in entry.cases(&r) }
}

/// Compares a computed gradient with a reference, shape and count first (a zip alone would
/// compare a prefix), then entry by entry.
func expectClose(
  _ analytic: Variable, _ expectedShape: [Int], _ numeric: [Double], absolute: Double, relative: Double,
  _ label: String
) {
  #expect(analytic.shape == expectedShape, "\(label): gradient shape \(analytic.shape), expected \(expectedShape)")
  #expect(analytic.value.count == numeric.count, "\(label): \(analytic.value.count) entries, expected \(numeric.count)")
  guard analytic.value.count == numeric.count else { return }
  for (i, (a, n)) in zip(analytic.value.data, numeric).enumerated() {
    #expect(close(a, n, absolute: absolute, relative: relative), "\(label) entry \(i): analytic \(a), numeric \(n)")
  }
}

@Suite("Primitive table: finite-difference gradient checks")
struct GradientCheckTests {
  static let names = PrimitiveTable.entries.map(\.name)
  /// Each round runs every shape choice of an entry with new random values and attributes.
  static let rounds = 3

  static func entry(_ name: String) throws -> PrimitiveTable.Entry {
    try #require(PrimitiveTable.entries.first { $0.name == name })
  }

  @Test("first derivatives match central differences", arguments: names)
  func firstOrder(name: String) throws {
    let entry = try Self.entry(name)
    var r = RandomSource(seed: UInt64(name.unicodeScalars.reduce(7) { $0 &* 31 &+ UInt64($1.value) }))
    let cases = tableCases(entry, rounds: Self.rounds, &r)
    #expect(!cases.isEmpty, "\(name) has no cases")
    for (p, shapes) in cases {
      #expect(p.kind == entry.kind, "the entry for \(name) builds \(p.name)")
      // An empty input (a plan that failed to build) would compare nothing with nothing.
      #expect(shapes.allSatisfy { (Tensor.elementCount($0) ?? 0) > 0 }, "\(name): an empty input in \(shapes)")
      let values = shapes.map { randomInput($0, domain: p.domain, &r) }
      let inputs = values.map { Variable($0) }
      let output = try p.apply(inputs)
      let w = randomInput(output.shape, domain: .real, &r)
      let analytic = try ReverseMode.gradients(of: weightedOutput(p, inputs, w), withRespectTo: inputs)
      #expect(inputs.indices.contains { p.vjps[$0] != nil }, "\(name): no input has a rule, so nothing is checked")
      for k in inputs.indices where p.vjps[k] != nil {
        let numeric = try numericGradient(values, k, step: 1e-6) { xs in
          try weightedOutput(p, xs.map { .constant($0) }, w).value.data[0]
        }
        expectClose(
          analytic.values[k], shapes[k], numeric, absolute: 1e-6, relative: 1e-5, "\(name) shapes \(shapes) input \(k)")
      }
    }
  }

  @Test("second derivatives match differences of the gradient", arguments: names)
  func secondOrder(name: String) throws {
    let entry = try Self.entry(name)
    var r = RandomSource(seed: UInt64(name.unicodeScalars.reduce(11) { $0 &* 131 &+ UInt64($1.value) }))
    for (p, shapes) in tableCases(entry, rounds: Self.rounds, &r) {
      guard p.twiceDifferentiable else { continue }
      let values = shapes.map { randomInput($0, domain: p.domain, &r) }
      let w = randomInput(try p.apply(values.map { .constant($0) }).shape, domain: .real, &r)
      let directions = shapes.map { randomInput($0, domain: .real, &r) }
      // M(x) = Σ_k ⟨∇_k ⟨w, p(x)⟩, v_k⟩: its gradient is the Hessian of ⟨w, p⟩ applied to v.
      func m(_ xs: [Variable], createGraph: Bool) throws -> Variable {
        let g = try ReverseMode.gradients(of: weightedOutput(p, xs, w), withRespectTo: xs, createGraph: createGraph)
        var total = Variable.constant(0)
        for k in xs.indices where p.vjps[k] != nil {
          total = try total + (g.values[k] * Variable.constant(directions[k])).sum()
        }
        return total
      }
      let inputs = values.map { Variable($0) }
      let analytic = try ReverseMode.gradients(of: m(inputs, createGraph: true), withRespectTo: inputs)
      for k in inputs.indices where p.vjps[k] != nil {
        let numeric = try numericGradient(values, k, step: 1e-5) { xs in
          try m(xs.map { Variable($0) }, createGraph: false).value.data[0]
        }
        expectClose(
          analytic.values[k], shapes[k], numeric, absolute: 1e-5, relative: 1e-4,
          "\(name) shapes \(shapes) input \(k) second order")
      }
    }
  }

  @Test("the convolution entries draw six windows each")
  func windows() {
    var r = RandomSource(seed: 5)
    for _ in 0..<20 { #expect(PrimitiveTable.windows(&r).count == 6) }
  }

  /// The kinds whose second derivatives are not checked: none today. A primitive that declares
  /// itself not twice differentiable must be added here, on purpose.
  static let notTwiceDifferentiable: Set<PrimitiveKind> = []

  @Test("only the listed primitives skip the second-order check")
  func secondOrderCoverage() {
    var r = RandomSource(seed: 3)
    for entry in PrimitiveTable.entries {
      for (p, _) in entry.cases(&r) {
        #expect(
          p.twiceDifferentiable != Self.notTwiceDifferentiable.contains(p.kind),
          "\(p.name): twiceDifferentiable is \(p.twiceDifferentiable)")
      }
    }
  }

  @Test("every primitive kind has an entry in the table")
  func coverage() {
    let covered = Set(PrimitiveTable.entries.map(\.kind))
    for kind in PrimitiveKind.allCases {
      #expect(covered.contains(kind), "primitive \(kind.rawValue) has no entry in PrimitiveTable.entries")
    }
  }

  @Test("every primitive in the table has a distinct name")
  func distinctNames() {
    #expect(Set(Self.names).count == Self.names.count)
  }
}

@Suite("Batched cotangents (one pass, many seeds)")
struct BatchedVJPTests {
  @Test("a batch of seeds gives the stacked single-seed gradients", arguments: GradientCheckTests.names)
  func batched(name: String) throws {
    let entry = try GradientCheckTests.entry(name)
    var r = RandomSource(seed: 99)
    for (p, shapes) in tableCases(entry, rounds: 2, &r) {
      let inputs = shapes.map { Variable(randomInput($0, domain: p.domain, &r)) }
      let output = try p.apply(inputs)
      let seeds = (0..<3).map { _ in randomInput(output.shape, domain: .real, &r) }
      let stacked = Tensor(uncheckedShape: [3] + output.shape, data: seeds.flatMap(\.data))
      let together = try ReverseMode.gradients(of: output, withRespectTo: inputs, seed: .constant(stacked))
      for (b, seed) in seeds.enumerated() {
        let single = try ReverseMode.gradients(of: output, withRespectTo: inputs, seed: .constant(seed))
        for k in inputs.indices where p.vjps[k] != nil {
          let n = single.values[k].value.count
          #expect(together.values[k].shape == [3] + shapes[k], "\(name): batched gradient shape")
          guard together.values[k].value.count == 3 * n else { continue }
          let slice = Array(together.values[k].value.data[(b * n)..<((b + 1) * n)])
          for (a, c) in zip(slice, single.values[k].value.data) {
            #expect(abs(a - c) <= 1e-12 * max(1, abs(c)), "\(name) seed \(b) input \(k): \(a) vs \(c)")
          }
        }
      }
    }
  }
}
