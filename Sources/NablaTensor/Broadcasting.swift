import Synchronization

/// NumPy broadcasting: shapes are aligned at their last axis; sizes must agree or be 1.
public enum Broadcasting {
  /// The broadcast shape of `a` and `b`, or a `ShapeError` naming the axis that disagrees.
  public static func shape(_ a: [Int], _ b: [Int], operation: String) throws(ShapeError) -> [Int] {
    if a == b { return a }
    let rank = Swift.max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 {
        result[i] = da
      } else if da == 1 {
        result[i] = db
      } else {
        throw ShapeError(
          operation: operation, shapes: [a, b],
          rule:
            "axis \(i - rank) has sizes \(da) and \(db), which do not broadcast (they must be equal or one of them 1)")
      }
    }
    try Tensor.checkSize(result, operation: operation)
    return result
  }

  /// Strides to read an operand of `shape` as if it had `target` shape (0 on broadcast axes).
  public static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
    let own = Tensor.strides(for: shape)
    let offset = target.count - shape.count
    var result = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
      result[i + offset] = shape[i] == 1 ? 0 : own[i]
    }
    return result
  }

  /// Calls `body(offsetA, offsetB, outIndex)` for every element of `outShape`, row-major.
  @inline(__always)
  public static func forEachPair(
    outShape: [Int], stridesA: [Int], stridesB: [Int], _ body: (Int, Int, Int) -> Void
  ) {
    let rank = outShape.count
    let total = Tensor.elementCount(outShape) ?? 0
    if total == 0 { return }
    if rank == 0 {
      body(0, 0, 0)
      return
    }
    var index = [Int](repeating: 0, count: rank)
    var offA = 0
    var offB = 0
    let last = rank - 1
    let inner = outShape[last]
    let sa = stridesA[last]
    let sb = stridesB[last]
    var out = 0
    while out < total {
      var a = offA
      var b = offB
      for _ in 0..<inner {
        body(a, b, out)
        a += sa
        b += sb
        out += 1
      }
      // Advance the outer multi-index.
      var axis = last - 1
      while axis >= 0 {
        index[axis] += 1
        offA += stridesA[axis]
        offB += stridesB[axis]
        if index[axis] < outShape[axis] { break }
        offA -= stridesA[axis] * outShape[axis]
        offB -= stridesB[axis] * outShape[axis]
        index[axis] = 0
        axis -= 1
      }
      if axis < 0 { break }
    }
  }
}

extension Tensor {
  /// This tensor repeated along broadcast axes to `target`.
  public func broadcast(to target: [Int]) throws(ShapeError) -> Tensor {
    if shape == target { return self }
    let full = try Broadcasting.shape(shape, target, operation: "broadcast")
    guard full == target else {
      throw ShapeError(
        operation: "broadcast", shapes: [shape, target],
        rule: "\(Tensor.describe(shape)) cannot be broadcast to \(Tensor.describe(target))")
    }
    let total = Tensor.elementCount(target) ?? 0
    var out = [Double](repeating: 0, count: total)
    let strides = Broadcasting.strides(of: shape, broadcastTo: target)
    data.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        Broadcasting.forEachPair(outShape: target, stridesA: strides, stridesB: strides) { a, _, o in
          dst[o] = src[a]
        }
      }
    }
    return Tensor(uncheckedShape: target, data: out)
  }

  /// Sums over the axes that broadcasting added or stretched, giving a tensor of `target` shape.
  /// This is the adjoint of `broadcast(to:)` and undoes broadcasting in every gradient.
  public func sum(toShape target: [Int]) throws(ShapeError) -> Tensor {
    if shape == target { return self }
    guard target.count <= shape.count else {
      throw ShapeError(
        operation: "sum to shape", shapes: [shape, target],
        rule: "target has more axes than the source")
    }
    let lead = shape.count - target.count
    var axes: [Int] = Array(0..<lead)
    for i in 0..<target.count where target[i] != shape[i + lead] {
      guard target[i] == 1 else {
        throw ShapeError(
          operation: "sum to shape", shapes: [shape, target],
          rule: "axis \(i) has size \(shape[i + lead]), not 1 or \(target[i])")
      }
      axes.append(i + lead)
    }
    let reduced = try reduce(axes: axes, keepdims: true, kind: .sum)
    return try reduced.reshaped(target)
  }

  /// Elementwise `f(a, b)` with NumPy broadcasting.
  @inlinable
  public static func zip(
    _ a: Tensor, _ b: Tensor, operation: String, _ f: (Double, Double) -> Double
  ) throws(ShapeError) -> Tensor {
    if a.shape == b.shape {
      let out = [Double](unsafeUninitializedCapacity: a.count) { po, initialized in
        a.data.withUnsafeBufferPointer { pa in
          b.data.withUnsafeBufferPointer { pb in
            // Base pointers, not buffers: the loop then vectorises (no index overflow checks).
            guard let x = pa.baseAddress, let y = pb.baseAddress, let o = po.baseAddress else { return }
            for i in 0..<pa.count { o[i] = f(x[i], y[i]) }
          }
        }
        initialized = a.count
      }
      return Tensor(uncheckedShape: a.shape, data: out)
    }
    if b.count == 1 && b.rank <= a.rank {
      let s = b.data[0]
      return a.map { f($0, s) }
    }
    if a.count == 1 && a.rank <= b.rank {
      let s = a.data[0]
      return b.map { f(s, $0) }
    }
    // One operand repeated along leading axes (a batch of rows against one row): the common
    // case of batched cotangents, without per-element index arithmetic.
    if b.rank < a.rank, b.count > 0, Array(a.shape.suffix(b.rank)) == b.shape {
      return repeatedRows(a, b, f)
    }
    if a.rank < b.rank, a.count > 0, Array(b.shape.suffix(a.rank)) == a.shape {
      return repeatedRows(b, a) { f($1, $0) }
    }
    // One operand with a size-1 last axis against rows (a keepdims reduction against its input).
    if a.rank == b.rank, a.rank >= 1, b.shape.last == 1, a.shape.dropLast() == b.shape.dropLast() {
      return repeatedColumns(a, b, f)
    }
    if a.rank == b.rank, a.rank >= 1, a.shape.last == 1, a.shape.dropLast() == b.shape.dropLast() {
      return repeatedColumns(b, a) { f($1, $0) }
    }
    return try zipBroadcasting(a, b, operation: operation, f)
  }

  /// `f(big[i], small[i mod small.count])`, for `small` repeated along `big`'s leading axes.
  @inlinable
  static func repeatedRows(_ big: Tensor, _ small: Tensor, _ f: (Double, Double) -> Double) -> Tensor {
    let n = small.count
    let out = [Double](unsafeUninitializedCapacity: big.count) { po, initialized in
      big.data.withUnsafeBufferPointer { pa in
        small.data.withUnsafeBufferPointer { pb in
          guard let x = pa.baseAddress, let y = pb.baseAddress, let o = po.baseAddress else { return }
          var base = 0
          while base < pa.count {
            let (row, out) = (x + base, o + base)
            for i in 0..<n { out[i] = f(row[i], y[i]) }
            base &+= n
          }
        }
      }
      initialized = big.count
    }
    return Tensor(uncheckedShape: big.shape, data: out)
  }

  /// `f(rows[r, i], column[r])`: one value per row of `rows` (shapes equal but for a last axis of 1).
  @inlinable
  static func repeatedColumns(_ rows: Tensor, _ column: Tensor, _ f: (Double, Double) -> Double) -> Tensor {
    let n = rows.shape.last ?? 1
    let out = [Double](unsafeUninitializedCapacity: rows.count) { po, initialized in
      rows.data.withUnsafeBufferPointer { pa in
        column.data.withUnsafeBufferPointer { pb in
          guard let x = pa.baseAddress, let o = po.baseAddress else { return }
          for r in 0..<pb.count {
            let v = pb[r]
            let (row, out) = (x + r &* n, o + r &* n)
            for i in 0..<n { out[i] = f(row[i], v) }
          }
        }
      }
      initialized = rows.count
    }
    return Tensor(uncheckedShape: rows.shape, data: out)
  }

  @usableFromInline
  static func zipBroadcasting(
    _ a: Tensor, _ b: Tensor, operation: String, _ f: (Double, Double) -> Double
  ) throws(ShapeError) -> Tensor {
    let outShape = try Broadcasting.shape(a.shape, b.shape, operation: operation)
    let total = Tensor.elementCount(outShape) ?? 0
    var out = [Double](repeating: 0, count: total)
    let sa = Broadcasting.strides(of: a.shape, broadcastTo: outShape)
    let sb = Broadcasting.strides(of: b.shape, broadcastTo: outShape)
    a.data.withUnsafeBufferPointer { pa in
      b.data.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { po in
          Broadcasting.forEachPair(outShape: outShape, stridesA: sa, stridesB: sb) { i, j, o in
            po[o] = f(pa[i], pb[j])
          }
        }
      }
    }
    return Tensor(uncheckedShape: outShape, data: out)
  }

  /// Elementwise `f(x)`.
  @inlinable
  public func map(_ f: (Double) -> Double) -> Tensor {
    let out = [Double](unsafeUninitializedCapacity: count) { dst, initialized in
      data.withUnsafeBufferPointer { src in
        guard let x = src.baseAddress, let o = dst.baseAddress else { return }
        for i in 0..<src.count { o[i] = f(x[i]) }
      }
      initialized = count
    }
    return Tensor(uncheckedShape: shape, data: out)
  }

  /// True when every element is finite: one pass of integer maxima over the exponent bits
  /// (all ones exactly for inf and nan), which the compiler vectorises.
  /// Large tensors are checked on all cores (the interpreter checks every result).
  public var allFinite: Bool {
    data.withUnsafeBufferPointer { p in
      p.withMemoryRebound(to: UInt64.self) { bits in
        // A value is inf or nan when its exponent bits are all ones; adding one more at the
        // exponent's lowest bit then carries into the sign bit. Or-ing and adding integers
        // vectorises (an unsigned 64-bit max does not, before AVX-512).
        // A counted loop over a pointer: as fast as iterating the buffer once optimised, and
        // several times faster in a debug build (the fuzzer's), which calls an iterator per element.
        func carried(_ range: Range<Int>) -> UInt64 {
          guard let base = bits.baseAddress else { return 0 }
          let exponent: UInt64 = 0x7FF0_0000_0000_0000
          var carried: UInt64 = 0
          var i = range.lowerBound
          while i < range.upperBound {
            carried |= (base[i] & exponent) &+ (1 << 52)
            i &+= 1
          }
          return carried
        }
        let parts = CoreSplit.parts(elements: bits.count, units: bits.count)
        guard parts > 1 else { return carried(bits.indices) & (1 << 63) == 0 }
        let found = Atomic<UInt64>(0)
        CoreSplit.forEachPart(units: bits.count, parts: parts) { range in
          _ = found.bitwiseOr(carried(range), ordering: .relaxed)
        }
        return found.load(ordering: .relaxed) & (1 << 63) == 0
      }
    }
  }

  /// The identity matrix's rows as a batch of one-hot seeds: [rows] ++ shape, with a 1 at
  /// flat position `start + r` of row r.
  public static func oneHotRows(_ rows: Int, start: Int, shape: [Int]) -> Tensor {
    let n = Tensor.elementCount(shape) ?? 0
    var t = Tensor(repeating: 0, shape: [rows] + shape)
    for r in 0..<rows where start + r < n { t.data[r * n + start + r] = 1 }
    return t
  }
}
