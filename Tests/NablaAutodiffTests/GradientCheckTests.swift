import NablaTensor
import Testing

@testable import NablaAutodiff

/// Random inputs inside a primitive's domain.
func randomInput(_ shape: [Int], domain: Domain, _ r: inout RandomSource) -> Tensor {
  let n = Tensor.elementCount(shape) ?? 0
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
    case .invertible: return 4 * u - 2
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

@Suite("Primitive table: finite-difference gradient checks")
struct GradientCheckTests {
  static let names = PrimitiveTable.entries.map(\.name)
  static let casesPerPrimitive = 20

  @Test("first derivatives match central differences", arguments: names)
  func firstOrder(name: String) throws {
    let entry = try #require(PrimitiveTable.entries.first { $0.name == name })
    var r = RandomSource(seed: UInt64(name.unicodeScalars.reduce(7) { $0 &* 31 &+ UInt64($1.value) }))
    for _ in 0..<Self.casesPerPrimitive {
      let (p, shapes) = entry.sample(&r)
      let values = shapes.map { randomInput($0, domain: p.domain, &r) }
      let inputs = values.map { Variable($0) }
      let output = try p.apply(inputs)
      let w = randomInput(output.shape, domain: .real, &r)
      let analytic = try ReverseMode.gradients(of: weightedOutput(p, inputs, w), withRespectTo: inputs)
      for k in inputs.indices where p.vjps[k] != nil {
        #expect(analytic.values[k].shape == shapes[k], "\(name): gradient shape for input \(k)")
        let numeric = try numericGradient(values, k, step: 1e-6) { xs in
          try weightedOutput(p, xs.map { .constant($0) }, w).value.data[0]
        }
        for (i, (a, n)) in zip(analytic.values[k].value.data, numeric).enumerated() {
          #expect(
            close(a, n, absolute: 1e-6, relative: 1e-5),
            "\(name) shapes \(shapes) input \(k) entry \(i): analytic \(a), numeric \(n)")
        }
      }
    }
  }

  @Test("second derivatives match differences of the gradient", arguments: names)
  func secondOrder(name: String) throws {
    let entry = try #require(PrimitiveTable.entries.first { $0.name == name })
    var r = RandomSource(seed: UInt64(name.unicodeScalars.reduce(11) { $0 &* 131 &+ UInt64($1.value) }))
    for _ in 0..<Self.casesPerPrimitive {
      let (p, shapes) = entry.sample(&r)
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
        for (i, (a, n)) in zip(analytic.values[k].value.data, numeric).enumerated() {
          #expect(
            close(a, n, absolute: 1e-5, relative: 1e-4),
            "\(name) shapes \(shapes) input \(k) entry \(i): second-order analytic \(a), numeric \(n)")
        }
      }
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
    let entry = try #require(PrimitiveTable.entries.first { $0.name == name })
    var r = RandomSource(seed: 99)
    for _ in 0..<8 {
      let (p, shapes) = entry.sample(&r)
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
          let slice = Array(together.values[k].value.data[(b * n)..<((b + 1) * n)])
          for (a, c) in zip(slice, single.values[k].value.data) {
            #expect(abs(a - c) <= 1e-12 * max(1, abs(c)), "\(name) seed \(b) input \(k): \(a) vs \(c)")
          }
        }
      }
    }
  }
}
