import Testing

@testable import NablaTensor

@Suite("Tensor kernels")
struct TensorKernelTests {
  func ramp(_ shape: [Int]) -> Tensor {
    Tensor(uncheckedShape: shape, data: (0..<(Tensor.elementCount(shape) ?? 0)).map(Double.init))
  }

  @Test(
    "broadcast shapes follow NumPy",
    arguments: [
      ([3, 1], [1, 4], [3, 4]), ([], [3, 4], [3, 4]), ([2, 3, 4], [2, 1, 4], [2, 3, 4]), ([4], [3, 4], [3, 4]),
      ([5, 1, 3], [4, 1], [5, 4, 3]),
    ])
  func broadcastShapes(a: [Int], b: [Int], expected: [Int]) throws {
    #expect(try Broadcasting.shape(a, b, operation: "+") == expected)
    #expect(try Broadcasting.shape(b, a, operation: "+") == expected)
  }

  @Test("incompatible shapes name the axis and both sizes")
  func broadcastError() throws {
    #expect(throws: ShapeError.self) { try Broadcasting.shape([3], [4], operation: "+") }
    let error = try #require(throws: ShapeError.self) { try Broadcasting.shape([2, 3], [4, 3], operation: "+") }
    #expect(error.rule.contains("sizes 2 and 4"), "\(error.rule)")
  }

  @Test("zip with broadcasting matches explicit loops")
  func zipBroadcast() throws {
    let a = ramp([3, 1])
    let b = ramp([1, 4])
    let c = try Tensor.zip(a, b, operation: "+") { $0 * 10 + $1 }
    #expect(c.shape == [3, 4])
    for i in 0..<3 { for j in 0..<4 { #expect(c.data[i * 4 + j] == Double(i) * 10 + Double(j)) } }
  }

  @Test("sum(toShape:) is the adjoint of broadcast(to:)")
  func sumToShapeAdjoint() throws {
    let x = ramp([2, 1, 3])
    let y = ramp([4, 2, 5, 3])
    // ⟨broadcast(x), y⟩ = ⟨x, sumToShape(y)⟩
    let lhs = zip(try x.broadcast(to: y.shape).data, y.data).reduce(0) { $0 + $1.0 * $1.1 }
    let rhs = zip(x.data, try y.sum(toShape: x.shape).data).reduce(0) { $0 + $1.0 * $1.1 }
    #expect(lhs == rhs)
  }

  @Test("reductions over axes with and without keepdims")
  func reductions() throws {
    let x = ramp([2, 3, 4])
    let s = try x.reduce(axes: [0, 2], keepdims: false, kind: .sum)
    #expect(s.shape == [3])
    let expected: [Double] = [60, 92, 124]  // 0+1+2+3+12+13+14+15, then +4·8 per row
    #expect(s.data == expected)
    let m = try x.reduce(axes: [1], keepdims: true, kind: .max)
    #expect(m.shape == [2, 1, 4])
    #expect(m.data == [8, 9, 10, 11, 20, 21, 22, 23])
  }

  @Test("a sum over a leading or middle axis adds rows one after another, bit for bit", arguments: 1...9)
  func sumAddsRowsInOrder(rows: Int) throws {
    var r = RandomSource(seed: UInt64(rows))
    // Values of mixed magnitude, so a different order of additions would round differently.
    let shape = [2, rows, 5]
    let x = Tensor(
      uncheckedShape: shape, data: (0..<(2 * rows * 5)).map { _ in (r.uniform() - 0.5) * Math.pow(10, 8 * r.uniform()) }
    )
    let s = try x.reduce(axes: [1], keepdims: false, kind: .sum)
    #expect(s.shape == [2, 5])
    for o in 0..<2 {
      for i in 0..<5 {
        var expected = 0.0
        for k in 0..<rows { expected += x.data[(o * rows + k) * 5 + i] }
        #expect(s.data[o * 5 + i].bitPattern == expected.bitPattern, "outer \(o), column \(i)")
      }
    }
  }

  @Test("matmul through BLAS agrees with a direct triple loop", arguments: [(64, 48, 80), (3, 5, 2), (130, 1, 70)])
  func matmul(m: Int, k: Int, n: Int) throws {
    var r = RandomSource(seed: 3)
    let a = Tensor(uncheckedShape: [m, k], data: (0..<(m * k)).map { _ in r.normal() })
    let b = Tensor(uncheckedShape: [k, n], data: (0..<(k * n)).map { _ in r.normal() })
    let c = try Tensor.batchedMatmul(a, b)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += a.data[i * k + p] * b.data[p * n + j] }
        #expect(abs(c.data[i * n + j] - s) <= 1e-12 * max(1, abs(s)))
      }
    }
  }

  @Test("batched matmul broadcasts batch axes")
  func batched() throws {
    let a = ramp([2, 1, 2, 3])
    let b = ramp([3, 3, 2])
    let c = try Tensor.batchedMatmul(a, b)
    #expect(c.shape == [2, 3, 2, 2])
    #expect(throws: ShapeError.self) { try Tensor.batchedMatmul(ramp([2, 3]), ramp([4, 2])) }
  }

  @Test("index plans follow NumPy")
  func indexing() throws {
    let shape = [3, 4]
    let column = try IndexPlan(shape: shape, items: [.slice(start: nil, stop: nil, step: nil), .single(1)])
    #expect(column.shape == [3] && column.offsets == [1, 5, 9])
    let reversed = try IndexPlan(shape: [5], items: [.slice(start: nil, stop: nil, step: -2)])
    #expect(reversed.offsets == [4, 2, 0])
    let picked = try IndexPlan(shape: shape, items: [.array([2, 0]), .slice(start: 1, stop: 3, step: nil)])
    #expect(picked.shape == [2, 2] && picked.offsets == [9, 10, 1, 2])
    let zipped = try IndexPlan(shape: shape, items: [.array([0, 2]), .array([1, 3])])
    #expect(zipped.shape == [2] && zipped.offsets == [1, 11])
    #expect(throws: ShapeError.self) { try IndexPlan(shape: [3], items: [.single(3)]) }
    #expect(throws: ShapeError.self) { try IndexPlan(shape: [3], items: [.slice(start: nil, stop: nil, step: 0)]) }
  }

  @Test("a scatter adds in plan order onto zeros, bit for bit, however its offsets move")
  func scatterAddOrder() throws {
    var r = RandomSource(seed: 12)
    let size = 3000  // several of the blocks the output is zeroed in
    // Forward with repeats (a max pool's), backward, random with repeats, and all out of range.
    let plans: [[Int]] = [
      (0..<1400).map { 2 * $0 + Int(r.next() % 3) },
      (0..<900).map { size - 1 - 3 * $0 },
      (0..<2500).map { _ in Int(r.next() % UInt64(size)) },
      [-1, size, size + 7],
    ]
    for offsets in plans {
      for batch in [1, 3] {
        let plan = IndexPlan(unchecked: offsets, shape: [offsets.count], sourceShape: [size])
        let values = Tensor(
          uncheckedShape: batch == 1 ? [offsets.count] : [batch, offsets.count],
          data: (0..<(batch * offsets.count)).map { _ in (r.uniform() - 0.5) * Math.pow(10, 6 * r.uniform()) })
        let scattered = try values.scatterAdd(plan)
        var expected = [Double](repeating: 0, count: batch * size)
        for b in 0..<batch {
          for (k, o) in offsets.enumerated() where o >= 0 && o < size {
            expected[b * size + o] += values.data[b * offsets.count + k]
          }
        }
        #expect(scattered.shape == (batch == 1 ? [size] : [batch, size]))
        let differing = zip(scattered.data, expected).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(scattered.data.count == expected.count, "\(offsets.count) offsets, batch \(batch)")
        #expect(differing == 0, "\(offsets.count) offsets, batch \(batch): \(differing) entries differ")
      }
    }
  }

  @Test("the fused linear layer equals x Wᵀ + b by explicit loops, through BLAS and without it")
  func fusedLinear() throws {
    var r = RandomSource(seed: 7)
    // Batches of 0, 1 and sizes between powers of two: the bias rows are filled by doubling.
    // (64, 64, 128), (37, 9, 33) and (50, 11, 31) take the transposed copy of x where OpenBLAS
    // runs its SkylakeX kernels (BLAS.prefersTransposedLeft), with odd rows and columns in two.
    for (m, k, n) in [
      (2, 3, 4), (40, 30, 20), (64, 64, 128), (0, 3, 2), (1, 3, 4), (5, 2, 3), (33, 4, 10), (37, 9, 33), (50, 11, 31),
    ] {
      let x = Tensor(uncheckedShape: [m, k], data: (0..<(m * k)).map { _ in r.normal() })
      let w = Tensor(uncheckedShape: [n, k], data: (0..<(n * k)).map { _ in r.normal() })
      let b = Tensor(uncheckedShape: [n], data: (0..<n).map { _ in r.normal() })
      guard let y = try Tensor.linear(x, w, b) else {
        Issue.record("no fused result for \(m)×\(k) and \(n)×\(k)")
        continue
      }
      #expect(y.shape == [m, n])
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<n {
          var s = b.data[j]
          for p in 0..<k { s += x.data[i * k + p] * w.data[j * k + p] }
          worst = max(worst, abs(y.data[i * n + j] - s))
        }
      }
      #expect(worst < 1e-12, "\(m)×\(k)×\(n): worst difference \(worst)")
    }
    // Shapes that are not a plain layer are left to the composed path.
    #expect(try Tensor.linear(ramp([2, 3]), ramp([4, 2]), ramp([4])) == nil)
    #expect(try Tensor.linear(ramp([2, 3]), ramp([4, 3]), ramp([1])) == nil)
  }

  @Test(
    "a transposed copy moves every entry, for even and odd sizes",
    arguments: [(1, 1), (2, 2), (3, 5), (8, 8), (9, 17), (64, 64), (17, 2)])
  func transposeCopy(rows: Int, columns: Int) {
    let a = ramp([rows, columns])
    var t = [Double](repeating: -1, count: rows * columns)
    a.data.withUnsafeBufferPointer { pa in
      t.withUnsafeMutableBufferPointer { pt in
        guard let source = pa.baseAddress, let target = pt.baseAddress else { return }
        Tensor.transpose(source, rows: rows, columns: columns, into: target)
      }
    }
    for i in 0..<rows { for j in 0..<columns { #expect(t[j * rows + i] == a.data[i * columns + j]) } }
    #expect(BLAS.prefersTransposedLeft(m: 64, k: 64, n: 128) == BLAS.usesSkylakeKernels)
    #expect(!BLAS.prefersTransposedLeft(m: 64, k: 64, n: 10))
    #expect(!BLAS.prefersTransposedLeft(m: 1 << 40, k: 1 << 20, n: 1 << 20))
    #expect(!BLAS.prefersTransposedLeft(m: Int.max, k: Int.max, n: Int.max))
  }

  @Test("inverse and determinant against closed forms")
  func linearAlgebra() throws {
    let a = Tensor(uncheckedShape: [2, 2], data: [4, 7, 2, 6])
    #expect(try a.determinant().data == [10])
    let inv = try a.inverse()
    try #require(inv.shape == [2, 2])
    for (x, y) in zip(inv.data, [0.6, -0.7, -0.2, 0.4]) { #expect(abs(x - y) < 1e-15) }
    #expect(throws: ShapeError.self) { try Tensor(uncheckedShape: [2, 2], data: [1, 2, 2, 4]).inverse() }
  }

  @Test("a seeded generator is reproducible and roughly uniform and normal")
  func random() {
    var a = RandomSource(seed: 42)
    var b = RandomSource(seed: 42)
    #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    var r = RandomSource(seed: 1)
    let u = (0..<20000).map { _ in r.uniform() }
    let mean = u.reduce(0, +) / 20000
    #expect(abs(mean - 0.5) < 0.01)
    let z = (0..<20000).map { _ in r.normal() }
    let zm = z.reduce(0, +) / 20000
    let zv = z.reduce(0) { $0 + ($1 - zm) * ($1 - zm) } / 20000
    #expect(abs(zm) < 0.03 && abs(zv - 1) < 0.05)
  }

  @Test("a batch against one matrix is one product, equal to the direct sums, identity rows included")
  func stackedProducts() throws {
    let n = 6
    let a = Tensor(uncheckedShape: [n, n], data: (0..<(n * n)).map { Double(($0 * 7) % 11) - 5 })
    // Vectors: the identity's rows (the copy) and general ones (the GEMM); rows of A batched.
    let identity = Tensor(uncheckedShape: [n, n, 1], data: Tensor.eye(rows: n, cols: n).data)
    let general = Tensor(uncheckedShape: [n, n, 1], data: (0..<(n * n)).map { Double($0 % 5) - 2 })
    var withInf = a
    withInf.data[3] = .infinity
    for (left, vectors) in [(a, identity), (a, general), (withInf, identity)] {
      for transposeA in [false, true] {
        let product = try Tensor.batchedMatmul(left, vectors, transposeA: transposeA)
        #expect(product.shape == [n, n, 1])
        for r in 0..<n {
          for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += (transposeA ? left.data[j * n + i] : left.data[i * n + j]) * vectors.data[r * n + j] }
            let got = product.data[r * n + i]
            #expect(got == s || (got.isNaN && s.isNaN), "row \(r), entry \(i), transposeA \(transposeA)")
          }
        }
      }
    }
    let rows = Tensor(uncheckedShape: [2, 3, n], data: (0..<(6 * n)).map { Double($0 % 4) })
    let stacked = try Tensor.batchedMatmul(rows, a)
    for b in 0..<2 {
      for i in 0..<3 {
        for j in 0..<n {
          var s = 0.0
          for k in 0..<n { s += rows.data[(b * 3 + i) * n + k] * a.data[k * n + j] }
          #expect(stacked.data[(b * 3 + i) * n + j] == s)
        }
      }
    }
  }

  @Test("leaky relu is x > 0 ? x : slope·x bit for bit, for every slope and at ±0, ±inf and nan")
  func leakyReluBits() {
    var random = RandomSource(seed: 7)
    let special: [Double] = [
      0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1,
    ]
    let values = special + (0..<200).map { _ in random.normal() * 10 }
    let x = Tensor(uncheckedShape: [values.count], data: values)
    for slope in [0.01, 0.02, 0.3, 1, 0, 1.5, -0.1, 1e-300] {
      let y = x.leakyRelu(slope: slope)
      for (i, v) in values.enumerated() {
        let expected = v > 0 ? v : slope * v
        #expect(
          y.data[i].bitPattern == expected.bitPattern || (y.data[i].isNaN && expected.isNaN), "x \(v), slope \(slope)")
      }
    }
  }

  @Test(
    "softmax cross-entropy's passes give the bits of one loop per row: its loss, its exponentials and the backward pass that reuses them",
    arguments: [[64, 10], [3, 1], [5], [2, 3, 4], [0, 3]])
  func softmaxCrossEntropyBits(shape: [Int]) throws {
    var random = RandomSource(seed: 11)
    var z = Tensor(
      uncheckedShape: shape, data: (0..<(Tensor.elementCount(shape) ?? 0)).map { _ in random.normal() * 4 })
    let classes = shape.last ?? 1
    let rows = z.count / max(classes, 1)
    var t = Tensor(repeating: 0, shape: shape)
    for r in 0..<rows { t.data[r * classes + r % classes] = 1 }
    if rows > 1 { t.data[classes] = 0.25 }  // a soft target: mass ≠ 1
    // A row with a -inf entry keeps a finite maximum; one with +inf does not.
    if rows > 2 {
      z.data[0] = -.infinity
      z.data[2 * classes] = .infinity
    }
    // One loop over each row, as the kernel was first written.
    var total = 0.0
    var expected: [Double] = []
    var finite = true
    for r in 0..<rows {
      let row = r * classes
      var m = -Double.infinity
      for i in 0..<classes { m = Swift.max(m, z.data[row + i]) }
      if !m.isFinite {
        m = 0
        finite = false
      }
      var (s, dot, mass) = (0.0, 0.0, 0.0)
      for i in 0..<classes {
        let e = Math.exp(z.data[row + i] - m)
        expected.append(e)
        s += e
        dot += t.data[row + i] * z.data[row + i]
        mass += t.data[row + i]
      }
      total += mass * (m + Math.log(s)) - dot
    }
    let (loss, exponentials) = Tensor.softmaxCrossEntropy(z, t, keepingExponentials: true)
    let expectedLoss = total / Double(max(rows, 1))
    #expect(
      loss.bitPattern == expectedLoss.bitPattern || (loss.isNaN && expectedLoss.isNaN), "\(loss) vs \(expectedLoss)")
    #expect((exponentials != nil) == finite)
    if let exponentials {
      #expect(exponentials.map(\.bitPattern) == expected.map(\.bitPattern))
    }
    // With finite logits, the backward pass from the kept exponentials is the one that makes its own.
    let finiteZ = Tensor(uncheckedShape: shape, data: z.data.map { $0.isFinite ? $0 : 1.5 })
    let (_, kept) = Tensor.softmaxCrossEntropy(finiteZ, t, keepingExponentials: true)
    let reused = try #require(Tensor.softmaxCrossEntropyBackward(finiteZ, t, scale: 0.3, exponentials: kept))
    let fresh = try #require(Tensor.softmaxCrossEntropyBackward(finiteZ, t, scale: 0.3))
    #expect(reused.data.map(\.bitPattern) == fresh.data.map(\.bitPattern))
    #expect(reused.shape == shape)
  }
}
