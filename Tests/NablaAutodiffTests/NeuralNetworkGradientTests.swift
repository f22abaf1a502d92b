import NablaTensor
import Testing

@testable import NablaAutodiff

/// The neural-network layers against finite differences, on random shapes, kernels, strides and
/// paddings, to first and second order; batch norm against the homework's closed form.
@Suite("Neural-network layers: gradient checks")
struct NeuralNetworkGradientTests {
  struct Layer: CustomTestStringConvertible, Sendable {
    let name: String
    let twice: Bool
    /// Random inputs (with their domain) and the layer applied to them.
    let make: @Sendable (inout RandomSource) -> (inputs: [Tensor], f: @Sendable ([Variable]) throws -> Variable)
    var testDescription: String { name }
  }

  static func random(_ shape: [Int], _ r: inout RandomSource, domain: Domain = .real) -> Tensor {
    randomInput(shape, domain: domain, &r)
  }

  static let layers: [Layer] = [
    Layer(name: "conv2d", twice: true) { r in
      let (g, input) = PrimitiveTable.windows(&r)[0]
      let out = 1 + Int(r.next() % 3)
      let w = random([out, g.channels, g.kernelHeight, g.kernelWidth], &r)
      let (s, p) = (g.stride, g.padding)
      return (
        [random(input, &r), w, random([out], &r)], { try Variable.conv2d($0[0], $0[1], $0[2], stride: s, padding: p) }
      )
    },
    Layer(name: "maxpool2d", twice: true) { r in
      let k = 1 + Int(r.next() % 3)
      let stride = 1 + Int(r.next() % 2)
      let padding = Int(r.next() % UInt64(k / 2 + 1))
      let shape = (r.next() % 2 == 0 ? [] : [2]) + [2, 4 + Int(r.next() % 2), 4]
      return ([random(shape, &r)], { try $0[0].maxpool2d(kernel: k, stride: stride, padding: padding) })
    },
    Layer(name: "avgpool2d", twice: true) { r in
      let k = 1 + Int(r.next() % 3)
      let stride = 1 + Int(r.next() % 2)
      let padding = Int(r.next() % UInt64(k / 2 + 1))
      let shape = (r.next() % 2 == 0 ? [] : [2]) + [2, 4, 5]
      return ([random(shape, &r)], { try $0[0].avgpool2d(kernel: k, stride: stride, padding: padding) })
    },
    Layer(name: "batchnorm 2-D", twice: true) { r in
      (
        [random([4, 3], &r), random([3], &r), random([3], &r)],
        { try Variable.batchnorm($0[0], $0[1], $0[2], eps: 1e-5) }
      )
    },
    Layer(name: "batchnorm 4-D", twice: true) { r in
      (
        [random([2, 3, 2, 2], &r), random([3], &r), random([3], &r)],
        {
          try Variable.batchnorm($0[0], $0[1], $0[2], eps: 1e-3)
        }
      )
    },
    Layer(name: "linear", twice: true) { r in
      ([random([4, 3], &r), random([2, 3], &r), random([2], &r)], { try Variable.linear($0[0], $0[1], $0[2]) })
    },
    Layer(name: "softmax_cross_entropy (indices)", twice: true) { r in
      let labels = Tensor(vector: (0..<4).map { _ in Double(r.next() % 3) })
      return ([random([4, 3], &r)], { try Variable.softmaxCrossEntropy($0[0], .constant(labels)) })
    },
    Layer(name: "softmax_cross_entropy (one-hot)", twice: true) { r in
      var t = Tensor(repeating: 0, shape: [3])
      t.data[Int(r.next() % 3)] = 1
      let target = t
      return ([random([3], &r)], { try Variable.softmaxCrossEntropy($0[0], .constant(target)) })
    },
    Layer(name: "mse", twice: true) { r in
      ([random([2, 3], &r), random([2, 3], &r)], { try Variable.mse($0[0], $0[1]) })
    },
    Layer(name: "bce", twice: true) { r in
      let p = random([5], &r).map { 0.1 + 0.8 * abs($0) / 2 }
      return ([p, random([5], &r).map { abs($0) / 2 }], { try Variable.bce($0[0], $0[1]) })
    },
  ]

  @Test("first and second derivatives match finite differences", arguments: layers)
  func layer(_ layer: Layer) throws {
    var r = RandomSource(seed: UInt64(layer.name.count * 104_729))
    for _ in 0..<20 {
      let (values, f) = layer.make(&r)
      let inputs = values.map { Variable($0) }
      let w = Self.random(try f(inputs).shape, &r)
      let loss = { (xs: [Variable]) throws -> Variable in try (f(xs) * Variable.constant(w)).sum() }
      let analytic = try ReverseMode.gradients(of: loss(inputs), withRespectTo: inputs)
      for k in inputs.indices {
        let numeric = try numericGradient(values, k, step: 1e-6) { xs in
          try loss(xs.map { .constant($0) }).value.data[0]
        }
        expectClose(
          analytic.values[k], values[k].shape, numeric, absolute: 1e-6, relative: 1e-5, "\(layer.name) input \(k)")
      }
      guard layer.twice else { continue }
      // Hessian-vector products against differences of the gradient.
      let directions = values.map { Self.random($0.shape, &r) }
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
          second.values[k], values[k].shape, numeric, absolute: 1e-5, relative: 1e-4,
          "\(layer.name) second order, input \(k)")
      }
    }
  }

  @Test("batch norm's input gradient equals the closed form (1/N)·γ/σ·(N·dy − Σdy − x̂·Σ(dy·x̂))")
  func batchNormClosedForm() throws {
    var r = RandomSource(seed: 5)
    let (n, f) = (6, 3)
    let x = Variable(Self.random([n, f], &r))
    let gamma = Variable(Self.random([f], &r))
    let beta = Variable(Self.random([f], &r))
    let dy = Self.random([n, f], &r)
    let eps = 1e-5
    let y = try Variable.batchnorm(x, gamma, beta, eps: eps)
    let dx = try ReverseMode.gradients(of: y, withRespectTo: [x], seed: .constant(dy)).values[0].value
    for j in 0..<f {
      let column = (0..<n).map { x.value.data[$0 * f + j] }
      let mean = column.reduce(0, +) / Double(n)
      let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
      let sigma = (variance + eps).squareRoot()
      let xhat = column.map { ($0 - mean) / sigma }
      let g = (0..<n).map { dy.data[$0 * f + j] }
      let sumG = g.reduce(0, +)
      let sumGX = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 }
      for i in 0..<n {
        let expected = gamma.value.data[j] / (Double(n) * sigma) * (Double(n) * g[i] - sumG - xhat[i] * sumGX)
        #expect(abs(dx.data[i * f + j] - expected) <= 1e-12 * max(1, abs(expected)))
      }
    }
  }

  @Test("conv2d equals im2col followed by one matrix product, and each filter's direct sum")
  func convolutionLowering() throws {
    var r = RandomSource(seed: 8)
    let x = Self.random([2, 4, 4], &r)
    let w = Self.random([3, 2, 2, 2], &r)
    let y = try Variable.conv2d(.constant(x), .constant(w), nil, stride: 1, padding: 0).value
    #expect(y.shape == [3, 3, 3])
    for o in 0..<3 {
      for i in 0..<3 {
        for j in 0..<3 {
          var s = 0.0
          for c in 0..<2 {
            for a in 0..<2 {
              for b in 0..<2 { s += w.data[((o * 2 + c) * 2 + a) * 2 + b] * x.data[(c * 4 + i + a) * 4 + j + b] }
            }
          }
          #expect(abs(y.data[(o * 3 + i) * 3 + j] - s) < 1e-12)
        }
      }
    }
  }
}

@Suite("Higher-order and forward-mode derivatives against closed forms")
struct HigherOrderTests {
  @Test(
    "a max pool over a large batch, scanned on all cores, has a gather's value and a scatter's gradient, bit for bit")
  func largeMaxPool() throws {
    var r = RandomSource(seed: 9)
    let x = Variable(randomInput([5, 16, 30, 30], domain: .real, &r))
    let weights = randomInput([5, 16, 15, 15], domain: .real, &r)
    let y = try x.maxpool2d(kernel: 2, stride: 2, padding: 0)
    let e = try (y * .constant(weights)).sum()
    let gradients = try Differentiation.gradient(of: e, withRespectTo: [x]).values
    // The same offsets as a plain plan (no blocks): one gather, one scatter.
    guard case .plan(let plan)? = y.primitive?.attribute else {
      Issue.record("the max pool is not recorded as a gather")
      return
    }
    #expect(plan.blocks == 5 * 16 && plan.holdsBlocks())
    let plain = IndexPlan(unchecked: plan.offsets, shape: plan.shape, sourceShape: plan.sourceShape)
    #expect(try y.value.data.map(\.bitPattern) == x.value.gather(plain).data.map(\.bitPattern))
    #expect(try gradients[0].value.data.map(\.bitPattern) == weights.scatterAdd(plain).data.map(\.bitPattern))
  }

  @Test("the Hessian of xᵀAx is A + Aᵀ")
  func quadraticForm() throws {
    var r = RandomSource(seed: 2)
    let a = randomInput([4, 4], domain: .real, &r)
    let x = Variable(randomInput([4], domain: .real, &r))
    let e = try Variable.dot(x, Variable.matmul(.constant(a), x))
    let (h, depends) = try Differentiation.hessian(of: e, withRespectTo: x)
    #expect(depends && h.shape == [4, 4])
    for i in 0..<4 {
      for j in 0..<4 { #expect(abs(h.value.data[i * 4 + j] - (a.data[i * 4 + j] + a.data[j * 4 + i])) < 1e-12) }
    }
  }

  @Test("the Hessian of sum(tanh(A x)²) is Aᵀ diag(2(1 − t²)(1 − 3t²)) A")
  func tanhSquares() throws {
    var r = RandomSource(seed: 3)
    let (m, n) = (5, 4)
    let a = randomInput([m, n], domain: .real, &r)
    let x = Variable(randomInput([n], domain: .real, &r))
    let t = try Variable.tanh(Variable.matmul(.constant(a), x))
    let d = t.value.data.map { 2 * (1 - $0 * $0) * (1 - 3 * $0 * $0) }
    // t·t, and t², whose rule multiplies by the seed of ones that sum's rule broadcasts (a
    // factor the first-order pass over the recorded gradient skips).
    for e in [try (t * t).sum(), try Variable.pow(t, .constant(2)).sum()] {
      let (h, _) = try Differentiation.hessian(of: e, withRespectTo: x)
      for i in 0..<n {
        for j in 0..<n {
          var expected = 0.0
          for k in 0..<m { expected += a.data[k * n + i] * d[k] * a.data[k * n + j] }
          #expect(abs(h.value.data[i * n + j] - expected) <= 1e-12 * max(1, abs(expected)))
        }
      }
    }
  }

  @Test("jvp and vjp equal central differences of the function itself", arguments: [[4], [2, 3]])
  func products(inputShape: [Int]) throws {
    var r = RandomSource(seed: 4)
    let n = inputShape[0]
    let w = randomInput([3, n], domain: .real, &r)
    // A map from inputShape to [3] or [3, 3]: not square, not symmetric.
    let f = { (x: Variable) throws -> Variable in try Variable.tanh(Variable.matmul(.constant(w), x)).softmax(axis: 0) }
    let x0 = randomInput(inputShape, domain: .real, &r)
    let v = randomInput(inputShape, domain: .real, &r)
    let x = Variable(x0)
    let y = try f(x)
    let u = randomInput(y.shape, domain: .real, &r)
    let jv = try Differentiation.jvp(of: y, withRespectTo: x, tangent: .constant(v)).values[0]
    let uj = try Differentiation.vjp(of: y, withRespectTo: x, cotangent: .constant(u)).values[0]
    let h = 1e-6
    func value(_ t: Tensor) throws -> [Double] { try f(.constant(t)).value.data }
    // J v = (f(x + hv) − f(x − hv)) / 2h.
    let plus = Tensor(uncheckedShape: inputShape, data: zip(x0.data, v.data).map { $0 + h * $1 })
    let minus = Tensor(uncheckedShape: inputShape, data: zip(x0.data, v.data).map { $0 - h * $1 })
    let fdJv = zip(try value(plus), try value(minus)).map { ($0 - $1) / (2 * h) }
    expectClose(jv, y.shape, fdJv, absolute: 1e-8, relative: 1e-6, "J v")
    // (uᵀJ)_k = ∂⟨u, f⟩/∂x_k.
    let fdUJ = try numericGradient([x0], 0, step: h) { xs in
      zip(u.data, try value(xs[0])).reduce(0) { $0 + $1.0 * $1.1 }
    }
    expectClose(uj, inputShape, fdUJ, absolute: 1e-8, relative: 1e-6, "uᵀJ")
  }

  @Test("gradcheck passes on a smooth function and names the kink on relu at 0")
  func gradcheck() throws {
    let smooth = try GradientCheck.run({ try ($0 * Variable.sin($0)).sum() }, at: Tensor(vector: [0.3, -1.2, 2]))
    #expect(smooth.passed && smooth.diagnosis == nil)
    let kinked = try GradientCheck.run({ try Variable.relu($0).sum() }, at: Tensor(vector: [0, 1, -1]))
    #expect(!kinked.passed)
    #expect(kinked.diagnosis?.contains("relu") == true)
    let coarse = try GradientCheck.run({ try Variable.exp($0 * 5).sum() }, at: Tensor(vector: [1]), step: 0.01)
    #expect(!coarse.passed)
    #expect(coarse.diagnosis?.contains("too large") == true)
  }
}
