import NablaTensor

/// Running sums and products along one (resolved) axis, as NumPy's `cumsum` and `cumprod`.
extension Primitive {
  /// y_j = Σ_{i ≤ j} x_i along `axis` (with `reverse`, Σ_{i ≥ j} x_i). The sum is linear and its
  /// adjoint is the running sum taken the other way, so the VJP is this primitive again, reversed,
  /// on the cotangent's axis (after its batch axes).
  public static func cumsum(axis: Int, reverse: Bool = false) -> Primitive {
    Primitive(
      .cumsum, attribute: .cumulative(axis: axis, reverse: reverse),
      forward: { try cumulate($0[0], axis: axis, reverse: reverse, product: false) },
      vjps: [
        { a in try Primitive.cumsum(axis: a.batch.count + axis, reverse: !reverse).apply(a.g) }
      ])
  }

  /// y_j = Π_{i ≤ j} x_i along `axis`. Where no factor is zero the gradient is
  /// x̄_k = Σ_{j ≥ k} ȳ_j y_j / x_k (a reversed running sum divided by x), an identity that holds in
  /// a neighbourhood, so its derivatives are right too. With a zero present it is computed as the
  /// polynomial it is, x̄_k = Σ_{j ≥ k} ȳ_j Π_{i ≤ j, i ≠ k} x_i, from running products of the
  /// "other factors" rows (as `prodLast` does): exact at zeros, to every order.
  public static func cumprod(axis: Int) -> Primitive {
    Primitive(
      .cumprod, domain: .awayFromZero, attribute: .cumulative(axis: axis, reverse: false),
      forward: { try cumulate($0[0], axis: axis, reverse: false, product: true) },
      vjps: [
        { (a: VJPArguments) throws -> Variable in
          // y/x is exact only while no running product has reached 0 or overflowed.
          if !a.x.value.data.contains(0) && !a.y.value.data.contains(where: { $0 == 0 || !$0.isFinite }) {
            let along = a.batch.count + axis
            return try Primitive.cumsum(axis: along, reverse: true).apply(a.g * a.y) / a.x
          }
          return try cumprodGradientWithZeros(a, axis: axis)
        }
      ])
  }

  /// x̄_k = Σ_{j ≥ k} ȳ_j Π_{i ≤ j, i ≠ k} x_i along `axis`, written in differentiable operations.
  /// `others[..., k, i]` is x_i for i ≠ k and 1 for i = k, so its running product along i is
  /// `partial[..., k, j]` = Π_{i ≤ j, i ≠ k} x_i; only j ≥ k counts (a constant upper mask).
  static func cumprodGradientWithZeros(_ a: VJPArguments, axis: Int) throws -> Variable {
    let x = a.x
    let rank = x.rank
    guard axis >= 0, axis < rank else {
      throw ShapeError(
        operation: "cumprod", shapes: [x.shape], rule: "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    let n = x.shape[axis]
    // The products of others, weighted by every cotangent of the batch: batch × x.count × n entries.
    let limit = Swift.min(50_000_000, Tensor.maximumElements)
    guard let size = Tensor.elementCount(a.batch + x.shape + [n]), size <= limit else {
      throw DifferentiationError(
        "the gradient of cumprod over \(n) entries with a zero among them needs \(n)×\(n) products per slice, too many"
      )
    }
    let b = a.batch.count
    // The axis moved last, in x and in the cotangent (whose batch axes stay in front).
    let permutation = (0..<rank).filter { $0 != axis } + [axis]
    var inverse = [Int](repeating: 0, count: rank)
    for (i, p) in permutation.enumerated() { inverse[p] = i }
    let xLast = try x.permuted(permutation)
    let gLast = try a.g.permuted(Array(0..<b) + permutation.map { $0 + b })
    let upper = Tensor.triangle(rows: n, cols: n, upper: true)
    let identity = Variable.constant(Tensor.eye(rows: n, cols: n))
    let others = try xLast.unsqueezed(axis: -2) * (1 - identity) + identity
    let partial = try Primitive.cumprod(axis: rank).apply(others)
    let weighted = try partial * Variable.constant(upper) * gLast.unsqueezed(axis: -2)
    let gradient = try weighted.sum(axes: [weighted.rank - 1])
    return try gradient.permuted(Array(0..<b) + inverse.map { $0 + b })
  }
}

/// The running sum or product of `x` along `axis`, in row-major storage: for each outer block the
/// rows along the axis are combined one after another, `inner` contiguous elements at a time.
private func cumulate(_ x: Tensor, axis: Int, reverse: Bool, product: Bool) throws -> Tensor {
  let name = product ? "cumprod" : "cumsum"
  guard axis >= 0, axis < x.rank else {
    throw ShapeError(
      operation: name, shapes: [x.shape], rule: "axis \(axis) is out of range for a tensor of rank \(x.rank)")
  }
  let count = x.count
  let n = x.shape[axis]
  guard count > 0, n > 1 else { return x }
  // Every size is ≥ 1 here (the tensor is not empty), so these products are at most `count`.
  var inner = 1
  for size in x.shape[(axis + 1)...] { inner *= size }
  let block = n * inner
  let outer = count / block
  var out = x.data
  out.withUnsafeMutableBufferPointer { buffer in
    for o in 0..<outer {
      let start = o * block
      if reverse {
        for j in stride(from: n - 2, through: 0, by: -1) {
          let row = start + j * inner
          let next = row + inner
          if product {
            for i in 0..<inner { buffer[row + i] = buffer[next + i] * buffer[row + i] }
          } else {
            for i in 0..<inner { buffer[row + i] = buffer[next + i] + buffer[row + i] }
          }
        }
      } else {
        for j in 1..<n {
          let row = start + j * inner
          let previous = row - inner
          if product {
            for i in 0..<inner { buffer[row + i] = buffer[previous + i] * buffer[row + i] }
          } else {
            for i in 0..<inner { buffer[row + i] = buffer[previous + i] + buffer[row + i] }
          }
        }
      }
    }
  }
  return Tensor(uncheckedShape: x.shape, data: out)
}
