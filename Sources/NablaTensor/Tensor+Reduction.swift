/// The reductions a kernel can perform along axes.
public enum ReductionKind: Sendable {
  case sum, max, min, prod

  var identity: Double {
    switch self {
    case .sum: 0
    case .max: -.infinity
    case .min: .infinity
    case .prod: 1
    }
  }

  @inline(__always)
  func combine(_ a: Double, _ b: Double) -> Double {
    switch self {
    case .sum: a + b
    // NaN propagates, as in NumPy.
    case .max: (a.isNaN || b.isNaN) ? .nan : Swift.max(a, b)
    case .min: (a.isNaN || b.isNaN) ? .nan : Swift.min(a, b)
    case .prod: a * b
    }
  }
}

extension Tensor {
  /// Resolves an optional list of axes (nil = all) to sorted, distinct, non-negative axes.
  public func resolveAxes(_ axes: [Int]?, operation: String) throws(ShapeError) -> [Int] {
    guard let axes else { return Array(0..<rank) }
    var resolved: [Int] = []
    for axis in axes {
      let a = try Tensor.normalizeAxis(axis, rank: rank, operation: operation)
      if resolved.contains(a) {
        throw ShapeError(operation: operation, shapes: [shape], rule: "axis \(axis) is repeated")
      }
      resolved.append(a)
    }
    return resolved.sorted()
  }

  /// The shape after reducing `axes` (already resolved).
  public func reducedShape(axes: [Int], keepdims: Bool) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(shape.count)
    for (i, size) in shape.enumerated() {
      if axes.contains(i) {
        if keepdims { out.append(1) }
      } else {
        out.append(size)
      }
    }
    return out
  }

  /// Reduces along resolved `axes` with `kind`.
  public func reduce(axes: [Int], keepdims: Bool, kind: ReductionKind) throws(ShapeError) -> Tensor {
    var current = self
    // Reduce one axis at a time, highest first, so lower axis numbers stay valid.
    for axis in axes.sorted(by: >) {
      current = current.reduceOne(axis: axis, kind: kind)
    }
    let target = reducedShape(axes: axes, keepdims: keepdims)
    return Tensor(uncheckedShape: target, data: current.data)
  }

  /// Reduces one axis, keeping it with size 1. One loop per kind, so the inner loop has no
  /// switch in it.
  func reduceOne(axis: Int, kind: ReductionKind) -> Tensor {
    let n = shape[axis]
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    var newShape = shape
    newShape[axis] = 1
    let out = [Double](unsafeUninitializedCapacity: outer * inner) { dst, initialized in
      dst.initialize(repeating: kind.identity)
      data.withUnsafeBufferPointer { src in
        @inline(__always) func run(_ f: (Double, Double) -> Double) {
          for o in 0..<outer {
            let base = o * n * inner
            let target = o * inner
            if inner == 1 {
              var acc = dst[target]
              for k in 0..<n { acc = f(acc, src[base + k]) }
              dst[target] = acc
            } else {
              for k in 0..<n {
                let row = base + k * inner
                for i in 0..<inner { dst[target + i] = f(dst[target + i], src[row + i]) }
              }
            }
          }
        }
        switch kind {
        case .sum:
          // Written out (no closure) so the row additions vectorise: bias gradients and
          // softmax sums run through here every training step.
          guard let d = dst.baseAddress, let s = src.baseAddress else { return }
          for o in 0..<outer {
            let base = o * n * inner
            let target = d + o * inner
            if inner == 1 {
              var acc = 0.0
              for k in 0..<n { acc += s[base + k] }
              target[0] = acc
            } else {
              // Four rows per pass over the target, added in the same order as one at a time
              // (so the same bits): a quarter of the target's loads and stores.
              var k = 0
              while k + 4 <= n {
                let r0 = s + base + k * inner
                let (r1, r2, r3) = (r0 + inner, r0 + 2 * inner, r0 + 3 * inner)
                for i in 0..<inner { target[i] = target[i] + r0[i] + r1[i] + r2[i] + r3[i] }
                k += 4
              }
              while k < n {
                let row = s + base + k * inner
                for i in 0..<inner { target[i] += row[i] }
                k += 1
              }
            }
          }
        case .prod: run { $0 * $1 }
        case .max: run { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }
        case .min: run { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }
        }
      }
      initialized = outer * inner
    }
    return Tensor(uncheckedShape: newShape, data: out)
  }

  /// Index of the largest (or smallest) element along `axis`, or of the flattened tensor when nil.
  /// Ties go to the first occurrence, as in NumPy.
  public func argExtreme(axis: Int?, keepdims: Bool, largest: Bool) throws(ShapeError) -> Tensor {
    let name = largest ? "argmax" : "argmin"
    guard count > 0 else {
      throw ShapeError(
        operation: name, shapes: [shape], rule: "an empty tensor has no \(largest ? "maximum" : "minimum")")
    }
    func better(_ a: Double, _ b: Double) -> Bool {
      if b.isNaN { return false }
      if a.isNaN { return true }
      return largest ? a > b : a < b
    }
    guard let axis else {
      var best = 0
      for i in 1..<count where better(data[i], data[best]) { best = i }
      let outShape = keepdims ? [Int](repeating: 1, count: rank) : []
      return Tensor(uncheckedShape: outShape, data: [Double(best)])
    }
    let a = try Tensor.normalizeAxis(axis, rank: rank, operation: name)
    let n = shape[a]
    guard n > 0 else {
      throw ShapeError(operation: name, shapes: [shape], rule: "axis \(axis) is empty")
    }
    let outer = shape[..<a].reduce(1, *)
    let inner = shape[(a + 1)...].reduce(1, *)
    var out = [Double](repeating: 0, count: outer * inner)
    for o in 0..<outer {
      for i in 0..<inner {
        var best = 0
        var bestValue = data[o * n * inner + i]
        for k in 1..<n {
          let v = data[o * n * inner + k * inner + i]
          if better(v, bestValue) {
            best = k
            bestValue = v
          }
        }
        out[o * inner + i] = Double(best)
      }
    }
    return Tensor(uncheckedShape: reducedShape(axes: [a], keepdims: keepdims), data: out)
  }
}
