import NablaTensor

/// The primitive table's index: every primitive, with a generator of random valid applications
/// (shapes and attributes) for the gradient checks. A primitive missing here fails the
/// coverage test, so none goes unchecked.
public enum PrimitiveTable {
  public struct Entry: Sendable {
    public let name: String
    /// A random application: the primitive (with its attributes) and its input shapes.
    public let sample: @Sendable (inout RandomSource) -> (Primitive, [[Int]])
  }

  static let unaryShapes: [[Int]] = [[], [3], [2, 3], [2, 1, 3]]
  /// Broadcast pairs, as NumPy allows them.
  static let binaryShapes: [[[Int]]] = [
    [[], [3, 4]], [[3, 4], []], [[3, 1], [1, 4]], [[2, 3, 4], [2, 1, 4]], [[3], [3]], [[4], [3, 4]],
    [[2, 3], [2, 3]], [[], []],
  ]

  static func pick<T>(_ items: [T], _ r: inout RandomSource) -> T {
    items[Int(r.next() % UInt64(items.count))]
  }

  static func unary(_ p: Primitive) -> Entry {
    Entry(name: p.name) { r in (p, [pick(unaryShapes, &r)]) }
  }

  static func binary(_ p: Primitive) -> Entry {
    Entry(name: p.name) { r in (p, pick(binaryShapes, &r)) }
  }

  /// A random convolution window over a random input: kernel 1–3 (not always square), stride
  /// 1–3, padding 0–2, CHW or NCHW.
  static func randomGeometry(_ r: inout RandomSource) -> (geometry: WindowGeometry, input: [Int]) {
    while true {
      let kh = 1 + Int(r.next() % 3)
      let kw = 1 + Int(r.next() % 3)
      let stride = 1 + Int(r.next() % 3)
      let padding = Int(r.next() % 3)
      let input =
        (r.next() % 2 == 0 ? [] : [2]) + [1 + Int(r.next() % 2), 3 + Int(r.next() % 3), 3 + Int(r.next() % 3)]
      if let g = try? WindowGeometry(
        inputShape: input, kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding, operation: "test")
      {
        return (g, input)
      }
    }
  }

  /// Random distinct axes of a shape, possibly none.
  static func randomAxes(_ rank: Int, _ r: inout RandomSource) -> [Int] {
    (0..<rank).filter { _ in r.next() % 2 == 0 }
  }

  public static let entries: [Entry] = [
    unary(.neg), unary(.exp), unary(.log), unary(.sqrt), unary(.abs), unary(.sin), unary(.cos), unary(.tan),
    unary(.tanh), unary(.sigmoid), unary(.relu), unary(.softplus), unary(.sign),
    unary(.floor), unary(.ceil), unary(.round),
    Entry(name: "leaky_relu") { r in (.leakyRelu(slope: pick([0.01, 0.02, 0.3], &r)), [pick(unaryShapes, &r)]) },
    binary(.add), binary(.sub), binary(.mul), binary(.div), binary(.pow), binary(.maximum), binary(.minimum),
    Entry(name: "sum") { r in
      let shape = pick([[3], [2, 3], [2, 3, 4]], &r)
      return (.sum(axes: randomAxes(shape.count, &r), keepdims: r.next() % 2 == 0), [shape])
    },
    Entry(name: "max") { r in
      let shape = pick([[3], [2, 3], [2, 3, 4]], &r)
      return (.extreme(axes: randomAxes(shape.count, &r), keepdims: r.next() % 2 == 0, largest: true), [shape])
    },
    Entry(name: "min") { r in
      let shape = pick([[3], [2, 3], [2, 3, 4]], &r)
      return (.extreme(axes: randomAxes(shape.count, &r), keepdims: r.next() % 2 == 0, largest: false), [shape])
    },
    Entry(name: "softmax") { r in
      let shape = pick([[3], [2, 3], [2, 3, 2]], &r)
      return (.softmax(axis: Int(r.next() % UInt64(shape.count))), [shape])
    },
    Entry(name: "softmax_cross_entropy") { r in
      let shape = pick([[3], [4, 3], [2, 2, 3]], &r)
      return (.softmaxCrossEntropy, [shape, shape])
    },
    Entry(name: "matmul_nt") { r in
      (.matmul(transposeA: false, transposeB: true), pick([[[2, 3], [4, 3]], [[2, 2, 3], [4, 3]]], &r))
    },
    Entry(name: "matmul_tn") { r in
      (.matmul(transposeA: true, transposeB: false), pick([[[3, 2], [3, 4]], [[2, 3, 2], [3, 4]]], &r))
    },
    Entry(name: "matmul_tt") { r in
      (.matmul(transposeA: true, transposeB: true), pick([[[3, 2], [4, 3]], [[2, 3, 2], [4, 3]]], &r))
    },
    Entry(name: "linear") { r in
      let (m, k, n) = (1 + Int(r.next() % 4), 1 + Int(r.next() % 4), 1 + Int(r.next() % 4))
      return (.linear, [[m, k], [n, k], [n]])
    },
    Entry(name: "prod") { r in (.prodLast, [pick([[1], [4], [2, 3], [2, 2, 5]], &r)]) },
    Entry(name: "norm") { r in (.norm, [pick([[], [3], [2, 2]], &r)]) },
    Entry(name: "reshape") { r in
      let (from, to) = pick([([2, 3], [3, 2]), ([6], [2, 3]), ([2, 3, 4], [4, 6]), ([1], [])], &r)
      return (.reshape(to), [from])
    },
    Entry(name: "transpose") { r in
      let (shape, perm) = pick(
        [([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 2, 1]), ([3], [0])], &r)
      return (.transpose(perm), [shape])
    },
    Entry(name: "broadcast") { r in
      let (from, to) = pick([([], [2, 3]), ([3], [2, 3]), ([2, 1], [2, 4]), ([1, 3, 1], [2, 3, 2])], &r)
      return (.broadcast(to: to), [from])
    },
    Entry(name: "sum_to_shape") { r in
      let (from, to) = pick([([2, 3], []), ([2, 3], [3]), ([2, 4], [2, 1]), ([2, 3, 2], [1, 3, 1])], &r)
      return (.sum(toShape: to), [from])
    },
    Entry(name: "index") { r in
      let (shape, items): ([Int], [IndexItem]) = pick(
        [
          ([4], [.single(-1)]), ([3, 4], [.slice(start: nil, stop: nil, step: nil), .single(1)]),
          ([5], [.slice(start: nil, stop: nil, step: 2)]), ([5], [.array([0, 2, 2])]),
          ([3, 4], [.array([2, 0]), .slice(start: 1, stop: 3, step: 1)]),
          ([2, 3, 4], [.single(0), .slice(start: nil, stop: nil, step: -1)]),
        ], &r)
      // The plans here are valid by construction.
      let plan = (try? IndexPlan(shape: shape, items: items)) ?? IndexPlan.identity(shape)
      return (.gather(plan), [shape])
    },
    Entry(name: "scatter_add") { r in
      let (shape, items): ([Int], [IndexItem]) = pick(
        [([4], [.array([0, 3, 3])]), ([3, 4], [.slice(start: nil, stop: nil, step: nil), .single(1)])], &r)
      let plan = (try? IndexPlan(shape: shape, items: items)) ?? IndexPlan.identity(shape)
      return (.scatterAdd(plan), [plan.shape])
    },
    Entry(name: "concat") { r in
      let (shapes, axis) = pick([([[2], [3]], 0), ([[2, 3], [2, 1]], 1), ([[1, 3], [2, 3], [1, 3]], 0)], &r)
      return (.concat(axis: axis, sizes: shapes.map { $0[axis] }), shapes)
    },
    Entry(name: "inv") { r in (.inv, [pick([[2, 2], [3, 3], [2, 3, 3]], &r)]) },
    Entry(name: "det") { r in (.det, [pick([[2, 2], [3, 3], [2, 3, 3]], &r)]) },
    Entry(name: "im2col") { r in
      let g = randomGeometry(&r)
      return (.im2col(g.geometry), [g.input])
    },
    Entry(name: "col2im") { r in
      let g = randomGeometry(&r)
      return (.col2im(g.geometry), [Array(g.input.dropLast(3)) + [g.geometry.patchSize, g.geometry.positions]])
    },
    Entry(name: "matmul") { r in
      (
        .matmul,
        pick(
          [
            [[2, 3], [3, 4]], [[1, 3], [3, 1]], [[2, 2, 3], [3, 2]], [[2, 1, 2, 3], [3, 3, 2]], [[4, 3], [2, 3, 2]],
          ], &r)
      )
    },
  ]
}

extension IndexPlan {
  /// Reads every element in order.
  static func identity(_ shape: [Int]) -> IndexPlan {
    (try? IndexPlan(shape: shape, items: []))
      ?? IndexPlan(unchecked: Array(0..<(Tensor.elementCount(shape) ?? 0)), shape: shape, sourceShape: shape)
  }
}
