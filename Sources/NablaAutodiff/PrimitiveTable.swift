import NablaTensor

/// The primitive table's index: every primitive kind, with its applications (every shape choice,
/// random attributes) for the gradient checks. A kind missing here fails the coverage test, so
/// none goes unchecked.
public enum PrimitiveTable {
  /// One primitive kind and its test applications.
  public struct Entry: Sendable {
    public let kind: PrimitiveKind
    public var name: String { kind.rawValue }
    /// Every shape choice of the primitive, each with random attributes (axes, slopes, windows)
    /// drawn from the source: the checks run all of them, so no broadcast case is left to chance.
    public let cases: @Sendable (inout RandomSource) -> [(Primitive, [[Int]])]

    init(_ kind: PrimitiveKind, cases: @escaping @Sendable (inout RandomSource) -> [(Primitive, [[Int]])]) {
      self.kind = kind
      self.cases = cases
    }
  }

  static let unaryShapes: [[Int]] = [[], [3], [2, 3], [2, 1, 3]]
  /// Broadcast pairs, as NumPy allows them.
  static let binaryShapes: [[[Int]]] = [
    [[], [3, 4]], [[3, 4], []], [[3, 1], [1, 4]], [[2, 3, 4], [2, 1, 4]], [[3], [3]], [[4], [3, 4]],
    [[2, 3], [2, 3]], [[], []], [[3, 4], [4]], [[2, 1], [2, 3]],
  ]

  static func pick<T>(_ items: [T], _ r: inout RandomSource) -> T {
    items[Int(r.next() % UInt64(items.count))]
  }

  static func unary(_ p: Primitive, shapes: [[Int]] = unaryShapes) -> Entry {
    Entry(p.kind) { _ in shapes.map { (p, [$0]) } }
  }

  static func binary(_ p: Primitive) -> Entry {
    Entry(p.kind) { _ in binaryShapes.map { (p, $0) } }
  }

  /// One case per input shape list, the primitive made by `make` (with random attributes).
  static func each(
    _ kind: PrimitiveKind, _ shapes: [[[Int]]],
    _ make: @escaping @Sendable ([[Int]], inout RandomSource) -> Primitive
  ) -> Entry {
    Entry(kind) { r in shapes.map { (make($0, &r), $0) } }
  }

  /// A convolution window over an input: kernel 1–3 (not always square), stride 1–3, padding
  /// 0–2, CHW or NCHW, drawn until the window fits. Each call gives six windows.
  static func windows(_ r: inout RandomSource) -> [(geometry: WindowGeometry, input: [Int])] {
    var found: [(WindowGeometry, [Int])] = []
    for attempt in 0..<1000 where found.count < 6 {
      let kh = 1 + Int(r.next() % 3)
      let kw = 1 + Int(r.next() % 3)
      let stride = 1 + Int(r.next() % 3)
      let padding = Int(r.next() % 3)
      let batch = attempt % 2 == 0 ? [] : [2]
      let input = batch + [1 + Int(r.next() % 2), 3 + Int(r.next() % 3), 3 + Int(r.next() % 3)]
      do {
        found.append(
          (
            try WindowGeometry(
              inputShape: input, kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding,
              operation: "test"), input
          ))
      } catch { continue }
    }
    return found
  }

  /// Random distinct axes of a shape, possibly none.
  static func randomAxes(_ rank: Int, _ r: inout RandomSource) -> [Int] {
    (0..<rank).filter { _ in r.next() % 2 == 0 }
  }

  static let reductionShapes: [[[Int]]] = [[[3]], [[2, 3]], [[2, 3, 4]]]

  /// An index plan valid by construction; the test of the table fails if one is not.
  static func plan(_ shape: [Int], _ items: [IndexItem]) -> IndexPlan {
    do { return try IndexPlan(shape: shape, items: items) } catch {
      return IndexPlan(unchecked: [], shape: [0], sourceShape: shape)
    }
  }

  static let indexCases: [([Int], [IndexItem])] = [
    ([4], [.single(-1)]), ([3, 4], [.slice(start: nil, stop: nil, step: nil), .single(1)]),
    ([5], [.slice(start: nil, stop: nil, step: 2)]), ([5], [.array([0, 2, 2])]),
    ([3, 4], [.array([2, 0]), .slice(start: 1, stop: 3, step: 1)]),
    ([2, 3, 4], [.single(0), .slice(start: nil, stop: nil, step: -1)]),
  ]

  public static let entries: [Entry] = [
    unary(.neg), unary(.exp), unary(.log), unary(.sqrt), unary(.abs), unary(.sin), unary(.cos), unary(.tan),
    unary(.tanh), unary(.sigmoid), unary(.relu), unary(.softplus), unary(.sign),
    unary(.floor), unary(.ceil), unary(.round), unary(.derivative), unary(.isPositive), unary(.isZero),
    unary(.log1p), unary(.expm1), unary(.log2), unary(.log10), unary(.exp2), unary(.sinh), unary(.cosh),
    unary(.asin), unary(.acos), unary(.atan), unary(.asinh), unary(.acosh), unary(.atanh), unary(.erf), unary(.erfc),
    unary(.erfinv), unary(.lgamma), unary(.rsqrt), unary(.cbrt), unary(.reciprocal), unary(.sinc), unary(.trunc),
    unary(.deg2rad), unary(.rad2deg),
    Entry(.polygamma) { r in unaryShapes.map { (.polygamma(Int(r.next() % 3)), [$0]) } },
    Entry(.nanToNum) { r in unaryShapes.map { (.nanToNum(nan: 0, posinf: 1e300, neginf: -r.uniform()), [$0]) } },
    binary(.atan2), binary(.hypot), binary(.mod), binary(.floorDivide),
    Entry(.leakyRelu) { r in unaryShapes.map { (.leakyRelu(slope: pick([0.01, 0.02, 0.3], &r)), [$0]) } },
    binary(.add), binary(.sub), binary(.mul), binary(.div), binary(.pow), binary(.maximum), binary(.minimum),
    each(.sum, reductionShapes) { s, r in .sum(axes: randomAxes(s[0].count, &r), keepdims: r.next() % 2 == 0) },
    each(.max, reductionShapes) { s, r in
      .extreme(axes: randomAxes(s[0].count, &r), keepdims: r.next() % 2 == 0, largest: true)
    },
    each(.min, reductionShapes) { s, r in
      .extreme(axes: randomAxes(s[0].count, &r), keepdims: r.next() % 2 == 0, largest: false)
    },
    each(.softmax, [[[3]], [[2, 3]], [[2, 3, 2]]]) { s, r in .softmax(axis: Int(r.next() % UInt64(s[0].count))) },
    each(.softmaxCrossEntropy, [[[3], [3]], [[4, 3], [4, 3]], [[2, 2, 3], [2, 2, 3]]]) { _, _ in .softmaxCrossEntropy },
    each(.matmulNT, [[[2, 3], [4, 3]], [[2, 2, 3], [4, 3]]]) { _, _ in .matmul(transposeA: false, transposeB: true) },
    each(.matmulTN, [[[3, 2], [3, 4]], [[2, 3, 2], [3, 4]]]) { _, _ in .matmul(transposeA: true, transposeB: false) },
    each(.matmulTT, [[[3, 2], [4, 3]], [[2, 3, 2], [4, 3]]]) { _, _ in .matmul(transposeA: true, transposeB: true) },
    each(
      .matmul,
      [
        [[2, 3], [3, 4]], [[1, 3], [3, 1]], [[2, 2, 3], [3, 2]], [[2, 1, 2, 3], [3, 3, 2]], [[4, 3], [2, 3, 2]],
      ]
    ) { _, _ in .matmul },
    each(.linear, [[[1, 1], [1, 1], [1]], [[3, 2], [4, 2], [4]], [[2, 4], [1, 4], [1]]]) { _, _ in .linear },
    each(.prod, [[[1]], [[4]], [[2, 3]], [[2, 2, 5]]]) { _, _ in .prodLast },
    each(.norm, [[[]], [[3]], [[2, 2]]]) { _, _ in .norm },
    each(.cumsum, [[[4]], [[2, 3]], [[2, 3, 4]], [[3, 1, 2]]]) { s, r in
      .cumsum(axis: Int(r.next() % UInt64(s[0].count)), reverse: r.next() % 2 == 0)
    },
    each(.cumprod, [[[4]], [[2, 3]], [[2, 3, 4]], [[3, 1, 2]]]) { s, r in
      .cumprod(axis: Int(r.next() % UInt64(s[0].count)))
    },
    Entry(.root) { r in unaryShapes.map { (.root(pick([1.5, 3, 0.5], &r)), [$0]) } },
    Entry(.reshape) { _ in
      [([2, 3], [3, 2]), ([6], [2, 3]), ([2, 3, 4], [4, 6]), ([1], [])].map { (.reshape($1), [$0]) }
    },
    Entry(.transpose) { _ in
      [([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 2, 1]), ([3], [0])].map { (.transpose($1), [$0]) }
    },
    Entry(.broadcast) { _ in
      [([], [2, 3]), ([3], [2, 3]), ([2, 1], [2, 4]), ([1, 3, 1], [2, 3, 2])].map { (.broadcast(to: $1), [$0]) }
    },
    Entry(.sumToShape) { _ in
      [([2, 3], []), ([2, 3], [3]), ([2, 4], [2, 1]), ([2, 3, 2], [1, 3, 1])].map { (.sum(toShape: $1), [$0]) }
    },
    Entry(.index) { _ in indexCases.map { (.gather(plan($0, $1)), [$0]) } },
    Entry(.scatterAdd) { _ in
      [([4], [IndexItem.array([0, 3, 3])]), ([3, 4], [.slice(start: nil, stop: nil, step: nil), .single(1)])].map {
        let p = plan($0, $1)
        return (.scatterAdd(p), [p.shape])
      }
    },
    Entry(.concat) { _ in
      [([[2], [3]], 0), ([[2, 3], [2, 1]], 1), ([[1, 3], [2, 3], [1, 3]], 0)].map { shapes, axis in
        (.concat(axis: axis, sizes: shapes.map { $0[axis] }), shapes)
      }
    },
    each(.inv, [[[2, 2]], [[3, 3]], [[2, 3, 3]]]) { _, _ in .inv },
    each(.det, [[[2, 2]], [[3, 3]], [[2, 3, 3]]]) { _, _ in .det },
    each(.solve, [[[3, 3], [3, 2]], [[2, 2], [2, 1]], [[2, 3, 3], [3, 1]], [[3, 3], [2, 3, 2]]]) { _, _ in .solve },
    each(.solveTriangular, [[[3, 3], [3, 2]], [[2, 3, 3], [3, 1]], [[2, 2], [2, 2, 3]]]) { _, r in
      .solveTriangular(lower: r.next() % 2 == 0, transpose: r.next() % 2 == 0)
    },
    each(.cholesky, [[[1, 1]], [[3, 3]], [[2, 2, 2]]]) { _, _ in .cholesky },
    each(.eigvalsh, [[[2, 2]], [[3, 3]], [[2, 3, 3]]]) { _, _ in .eigvalsh },
    each(.eigenvectors, [[[2, 2]], [[3, 3]], [[2, 3, 3]]]) { _, _ in .eigenvectors },
    each(.svdvals, [[[3, 3]], [[4, 2]], [[2, 4]], [[2, 3, 2]]]) { _, _ in .svdvals },
    each(.svdU, [[[3, 3]], [[4, 2]], [[2, 4]], [[2, 3, 2]]]) { _, _ in .svdU },
    each(.svdVt, [[[3, 3]], [[4, 2]], [[2, 4]], [[2, 3, 2]]]) { _, _ in .svdVt },
    each(.qrQ, [[[3, 3]], [[4, 2]], [[2, 4]], [[2, 3, 2]]]) { _, _ in .qrQ },
    each(.qrR, [[[3, 3]], [[4, 2]], [[2, 4]], [[2, 3, 2]]]) { _, _ in .qrR },
    each(.logAbsDet, [[[2, 2]], [[3, 3]], [[2, 3, 3]]]) { _, _ in .logAbsDet },
    each(.pinv, [[[3, 2]], [[2, 3]], [[3, 3]], [[2, 2, 3]]]) { _, _ in .pinv },
    Entry(.conv2d) { r in
      windows(&r).enumerated().map { k, window in
        let g = window.geometry
        let filters = [1 + k % 3, g.channels, g.kernelHeight, g.kernelWidth]
        return k % 2 == 0
          ? (.conv2d(g, bias: true), [window.input, filters, [filters[0]]])
          : (.conv2d(g, bias: false), [window.input, filters])
      }
    },
    Entry(.im2col) { r in windows(&r).map { (.im2col($0.geometry), [$0.input]) } },
    Entry(.col2im) { r in
      windows(&r).map { g in
        (.col2im(g.geometry), [Array(g.input.dropLast(3)) + [g.geometry.patchSize, g.geometry.positions]])
      }
    },
    Entry(.avgpool2d) { r in windows(&r).map { (.avgpool2d($0.geometry), [$0.input]) } },
    Entry(.avgpool2dTranspose) { r in
      windows(&r).map { g in
        (
          .avgpool2dTranspose(g.geometry),
          [Array(g.input.dropLast(2)) + [g.geometry.outputHeight, g.geometry.outputWidth]]
        )
      }
    },
  ]
}
