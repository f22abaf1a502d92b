import NablaTensor
import Testing

@testable import NablaAutodiff

/// The derivative conventions at kinks and ties, checked by value at the kink itself (finite
/// differences straddle a kink, so these are the cases the randomized check cannot reach), with
/// the second derivatives that follow from them.
@Suite("Conventions at kinks and ties")
struct KinkConventionTests {
  /// ∂(Σ f(x))/∂x and the diagonal of its Hessian at x.
  static func firstAndSecond(_ x: [Double], _ f: (Variable) throws -> Variable) throws -> ([Double], [Double]) {
    let v = Variable(Tensor(vector: x))
    let g = try Differentiation.gradient(of: f(v).sum(), withRespectTo: [v], createGraph: true)
    let (h, _) = try Differentiation.jacobian(of: g.values[0], withRespectTo: v)
    let n = x.count
    return (g.values[0].value.data, (0..<n).map { h.value.data[$0 * n + $0] })
  }

  @Test("relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope, sign' = 0; second derivatives 0")
  func elementwiseKinks() throws {
    let x: [Double] = [-1, 0, 2]
    let relu = try Self.firstAndSecond(x) { try Variable.relu($0) }
    #expect(relu.0 == [0, 0, 1])
    #expect(relu.1 == [0, 0, 0])
    let abs = try Self.firstAndSecond(x) { try Variable.abs($0) }
    #expect(abs.0 == [-1, 0, 1])
    #expect(abs.1 == [0, 0, 0])
    let leaky = try Self.firstAndSecond(x) { try Variable.leakyRelu($0, slope: 0.2) }
    #expect(leaky.0 == [0.2, 0.2, 1])
    #expect(leaky.1 == [0, 0, 0])
    let sign = try Self.firstAndSecond(x) { try Variable.sign($0) }
    #expect(sign.0 == [0, 0, 0])
  }

  @Test("maximum and minimum split the gradient ½–½ at a tie")
  func elementwiseTies() throws {
    for largest in [true, false] {
      let a = Variable(Tensor(vector: [1, 2, 3]))
      let b = Variable(Tensor(vector: [2, 2, 2]))
      let y = try largest ? Variable.maximum(a, b) : Variable.minimum(a, b)
      let g = try Differentiation.gradient(of: y.sum(), withRespectTo: [a, b], createGraph: true)
      let (wins, loses): ([Double], [Double]) = ([0, 0.5, 1], [1, 0.5, 0])
      #expect(g.values[0].value.data == (largest ? wins : loses))
      #expect(g.values[1].value.data == (largest ? loses : wins))
      // The split is a constant: no second derivative.
      let h = try Differentiation.gradient(of: (g.values[0] * g.values[0]).sum(), withRespectTo: [a, b])
      let zeros: [Double] = [0, 0, 0]
      #expect(h.values[0].value.data == zeros)
      #expect(h.values[1].value.data == zeros)
    }
  }

  @Test("max and min reductions share the gradient evenly among tied entries")
  func reductionTies() throws {
    let x = Variable(Tensor(vector: [3, 1, 3, 3]))
    let gMax = try Differentiation.gradient(of: x.max(), withRespectTo: [x]).values[0].value.data
    let third = 1.0 / 3
    #expect(gMax == [third, 0, third, third])
    let y = Variable(Tensor(vector: [0, 5, 0]))
    let gMin = try Differentiation.gradient(of: y.min(), withRespectTo: [y]).values[0].value.data
    #expect(gMin == [0.5, 0, 0.5])
    // Along an axis: each row shares its own gradient.
    let m = Variable(try Tensor(shape: [2, 2], data: [1, 1, 4, 2]))
    let gRows = try Differentiation.gradient(of: m.max(axes: [1]).sum(), withRespectTo: [m]).values[0].value.data
    #expect(gRows == [0.5, 0.5, 1, 0])
  }

  @Test("maxpool gives a tied window's gradient to its first largest entry, as PyTorch does")
  func maxpoolTie() throws {
    let x = Variable(try Tensor(shape: [1, 2, 4], data: [5, 5, 1, 7, 5, 0, 7, 7]))
    let g = try Differentiation.gradient(of: x.maxpool2d(kernel: 2, stride: 2, padding: 0).sum(), withRespectTo: [x])
    #expect(g.values[0].value.data == [1, 0, 0, 1, 0, 0, 0, 0])
  }

  @Test("norm'(0) = 0 and its second derivative at 0 is 0 too")
  func normAtZero() throws {
    let zero = Variable(Tensor(vector: [0, 0, 0]))
    let g = try Differentiation.gradient(of: zero.norm(), withRespectTo: [zero], createGraph: true)
    #expect(g.values[0].value.data == [0, 0, 0])
    let (h, _) = try Differentiation.jacobian(of: g.values[0], withRespectTo: zero)
    #expect(h.value.data == [Double](repeating: 0, count: 9))
    // Away from 0 the Hessian is (I − x̂x̂ᵀ)/‖x‖: at x = (3, 4), ‖x‖ = 5.
    let x = Variable(Tensor(vector: [3, 4]))
    let gx = try Differentiation.gradient(of: x.norm(), withRespectTo: [x], createGraph: true)
    let (hx, _) = try Differentiation.jacobian(of: gx.values[0], withRespectTo: x)
    let expected = [16.0 / 125, -12.0 / 125, -12.0 / 125, 9.0 / 125]
    for (a, e) in zip(hx.value.data, expected) { #expect(Swift.abs(a - e) < 1e-15) }
    #expect(hx.value.count == 4)
  }
}

/// det at singular matrices: the gradient is the cofactor matrix adj(A)ᵀ, as JAX and PyTorch
/// give it, checked against the closed form and against central differences (det is a
/// polynomial, so differences are exact up to rounding even there).
@Suite("det at singular matrices")
struct SingularDeterminantTests {
  static func gradient(_ data: [Double], _ n: Int, createGraph: Bool = false) throws -> (Variable, Variable) {
    let x = Variable(try Tensor(shape: [n, n], data: data))
    let g = try Differentiation.gradient(of: Primitive.det.apply(x), withRespectTo: [x], createGraph: createGraph)
    return (x, g.values[0])
  }

  @Test("the gradient is the cofactor matrix")
  func cofactors() throws {
    #expect(try Self.gradient([1, 2, 2, 4], 2).1.value.data == [4, -2, -2, 1])
    // Rank 2: cofactors by hand.
    #expect(try Self.gradient([1, 2, 0, 0, 1, 1, 1, 3, 1], 3).1.value.data == [-2, 1, -1, -2, 1, -1, 2, -1, 1])
    // Rank ≤ n − 2: every cofactor vanishes.
    #expect(try Self.gradient([4, 5, 6, 8, 10, 12, 12, 15, 18], 3).1.value.data == [Double](repeating: 0, count: 9))
    #expect(try Self.gradient([Double](repeating: 0, count: 16), 4).1.value.data == [Double](repeating: 0, count: 16))
  }

  @Test("first and second derivatives at singular matrices match differences", arguments: [2, 3, 4])
  func differences(n: Int) throws {
    var r = RandomSource(seed: UInt64(n))
    // A random matrix whose last row is the sum of the others: rank n − 1.
    var data = (0..<(n * n)).map { _ in 4 * r.uniform() - 2 }
    for j in 0..<n { data[(n - 1) * n + j] = (0..<(n - 1)).reduce(0) { $0 + data[$1 * n + j] } }
    let matrix = try Tensor(shape: [n, n], data: data)
    #expect(Swift.abs(try matrix.determinant().data[0]) < 1e-12)
    let (x, g) = try Self.gradient(data, n, createGraph: true)
    let numeric = try numericGradient([matrix], 0, step: 1e-5) { try $0[0].determinant().data[0] }
    expectClose(g, [n, n], numeric, absolute: 1e-8, relative: 1e-7, "∂det/∂A at rank n − 1")
    // Second order: ⟨∇det, V⟩ differentiated again, against differences of the gradient.
    let v = randomInput([n, n], domain: .real, &r)
    let directional = try (g * Variable.constant(v)).sum()
    let second = try Differentiation.gradient(of: directional, withRespectTo: [x]).values[0]
    let numericSecond = try numericGradient([matrix], 0, step: 1e-5) { xs in
      let (_, gx) = try Self.gradient(xs[0].data, n)
      return zip(gx.value.data, v.data).reduce(0) { $0 + $1.0 * $1.1 }
    }
    expectClose(second, [n, n], numericSecond, absolute: 1e-6, relative: 1e-6, "second derivative of det")
  }
}
