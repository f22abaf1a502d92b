import NablaAutodiff
import NablaTensor

extension Builtins {
  static let linearAlgebra: [Builtin] = [
    Builtin(
      "dot", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra",
      doc: "Inner product of two vectors.", example: "dot([1, 2], [3, 4])"
    ) { c in
      .tensor(try Variable.dot(c.tensor("a"), c.tensor("b")))
    },
    Builtin(
      "outer", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra",
      doc: "Outer product a bᵀ of two vectors.", example: "outer([1, 2], [3, 4, 5])"
    ) { c in
      .tensor(try Variable.outer(c.tensor("a"), c.tensor("b")))
    },
    Builtin(
      "trace", [Parameter("A", .tensor), Parameter("offset", .integer, default: .value(.scalar(0)), namedOnly: true)],
      category: "Linear algebra",
      doc: "Sum of the diagonal of a matrix (or of each in a batch); offset: k sums the k-th diagonal above.",
      example: "trace([1, 2; 3, 4])"
    ) { c in
      .tensor(try c.tensor("A").trace(offset: c.integer("offset")))
    },
    Builtin(
      "inv", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "Inverse of a square matrix (or of each in a batch).", example: "inv([4, 7; 2, 6])"
    ) { c in
      .tensor(try Primitive.inv.apply(c.tensor("A")))
    },
    Builtin(
      "det", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "Determinant of a square matrix (or of each in a batch).", example: "det([1, 2; 3, 4])"
    ) { c in
      .tensor(try Primitive.det.apply(c.tensor("A")))
    },
    matrixBuiltin(
      "solve", doc: "x with A x = b (b a vector or a matrix of right-hand sides), by LU; better than inv(A) @ b.",
      example: "solve([2, 1; 1, 3], [3, 5])", second: "b"
    ) {
      try Variable.solve($0, $1)
    },
    matrixBuiltin(
      "cholesky", doc: "The lower-triangular L with L Lᵀ = A, for symmetric positive definite A.",
      example: "cholesky([4, 2; 2, 3])"
    ) {
      a, _ in try Primitive.cholesky.apply(a)
    },
    Builtin(
      "eigh", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "[w, V]: eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.",
      example: "eigh([2, 1; 1, 2])"
    ) { c in
      let a = try c.tensor("A")
      let (w, v) = try matrixCall(c) { try a.eigh() }
      noteRepeated(c, w.value, what: "eigenvalues", factor: "V")
      return .list([.tensor(w), .tensor(v)])
    },
    matrixBuiltin("eigvalsh", doc: "Eigenvalues of a symmetric matrix, ascending.", example: "eigvalsh([2, 1; 1, 2])") {
      a, _ in try Primitive.eigvalsh.apply(a)
    },
    Builtin(
      "svd", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "[U, S, Vt]: the thin SVD A = U diag(S) Vt, S descending.", example: "svd([3, 0; 4, 5])"
    ) { c in
      let a = try c.tensor("A")
      let (u, s, vt) = try matrixCall(c) { try a.svd() }
      noteRepeated(c, s.value, what: "singular values", factor: "U and Vt")
      return .list([.tensor(u), .tensor(s), .tensor(vt)])
    },
    matrixBuiltin("svdvals", doc: "Singular values, descending.", example: "svdvals([3, 0; 4, 5])") { a, _ in
      try Primitive.svdvals.apply(a)
    },
    Builtin(
      "qr", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "[Q, R]: the reduced QR decomposition A = Q R (signs as LAPACK and NumPy give them).",
      example: "qr([1, 2; 3, 4; 5, 6])"
    ) { c in
      let a = try c.tensor("A")
      let (q, r) = try matrixCall(c) { try a.qr() }
      return .list([.tensor(q), .tensor(r)])
    },
    Builtin(
      "slogdet", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "[sign, logabsdet]: det A = sign · exp(logabsdet), without overflow.", example: "slogdet([1, 2; 3, 4])"
    ) { c in
      let a = try c.tensor("A")
      let (sign, log) = try matrixCall(c) { try a.slogdet() }
      return .list([.tensor(sign), .tensor(log)])
    },
    matrixBuiltin("pinv", doc: "The Moore–Penrose pseudo-inverse (from the SVD).", example: "pinv([1, 2; 2, 4; 3, 6])")
    {
      a, _ in try Primitive.pinv.apply(a)
    },
    Builtin(
      "matrix_power", [Parameter("A", .tensor), Parameter("k", .integer)], category: "Linear algebra",
      doc: "A to the whole power k by repeated squaring (k < 0 powers inv(A); k = 0 is I).",
      example: "matrix_power([1, 1; 1, 0], 10)"
    ) { c in
      let (a, k) = (try c.tensor("A"), try c.integer("k"))
      return .tensor(try matrixCall(c) { try a.matrixPower(k) })
    },
    matrixBuiltin("kron", doc: "The Kronecker product of A and B.", example: "kron(eye(2), [1, 2; 3, 4])", second: "B")
    {
      try Variable.kron($0, $1)
    },
    Builtin(
      "tensordot",
      [Parameter("a", .tensor), Parameter("b", .tensor), Parameter("axes", .any, default: .value(.scalar(2)))],
      category: "Linear algebra",
      doc: "Σ over the last `axes` axes of a and the first of b, or axes: [[a's axes], [b's axes]], as NumPy.",
      example: "tensordot(ones(2, 3, 4), ones(3, 4, 5))"
    ) { c in
      let (a, b) = (try c.tensor("a"), try c.tensor("b"))
      let (axesA, axesB): ([Int], [Int])
      switch try c.value("axes") {
      case .tensor(let t) where t.rank == 0:
        let n = try c.integer("axes")
        guard n >= 0, n <= a.rank, n <= b.rank else {
          throw c.fail("axes must be from 0 to the ranks of a and b", argument: "axes")
        }
        (axesA, axesB) = (Array((a.rank - n)..<a.rank), Array(0..<n))
      case .tensor(let t) where t.rank == 1 && t.value.count == 2:
        // axes: [1, 0] pairs a's axis 1 with b's axis 0, as NumPy reads it.
        let pair = try c.integers(t.value, argument: "axes")
        (axesA, axesB) = ([pair[0]], [pair[1]])
      case .tensor(let t) where t.rank == 2 && t.shape[0] == 2:
        let all = try c.integers(Tensor(vector: t.value.data), argument: "axes")
        (axesA, axesB) = (Array(all[0..<t.shape[1]]), Array(all[t.shape[1]...]))
      case .list(let items) where items.count == 2:
        func axes(_ v: Value) throws -> [Int] {
          guard case .tensor(let t) = v else { throw c.fail("axes must be two lists of axes", argument: "axes") }
          return try c.integers(t.value, argument: "axes")
        }
        (axesA, axesB) = (try axes(items[0]), try axes(items[1]))
      default: throw c.fail("axes must be a whole number or [[a's axes], [b's axes]]", argument: "axes")
      }
      return .tensor(try matrixCall(c) { try Variable.tensordot(a, b, axesA: axesA, axesB: axesB) })
    },
    Builtin(
      "cross",
      [
        Parameter("u", .tensor), Parameter("v", .tensor),
        Parameter("axis", .integer, default: .value(.scalar(-1)), namedOnly: true),
      ],
      category: "Linear algebra", doc: "The cross product u × v of 3-vectors (along axis:, broadcasting).",
      example: "cross([1, 0, 0], [0, 1, 0])"
    ) { c in
      let (u, v, axis) = (try c.tensor("u"), try c.tensor("v"), try c.integer("axis"))
      return .tensor(try matrixCall(c) { try Variable.cross(u, v, axis: axis) })
    },
  ]
}

extension Builtins {
  /// A one- or two-argument linear-algebra builtin whose shape errors point at the call.
  static func matrixBuiltin(
    _ name: String, doc: String, example: String, second: String? = nil,
    _ f: @escaping (Variable, Variable?) throws -> Variable
  ) -> Builtin {
    let first = Parameter("A", .tensor)
    let parameters = second.map { [first, Parameter($0, .tensor)] } ?? [first]
    return Builtin(name, parameters, category: "Linear algebra", doc: doc, example: example) { c in
      let a = try c.tensor("A")
      let b = try second.map { try c.tensor($0) }
      return .tensor(try matrixCall(c) { try f(a, b) })
    }
  }

  static func matrixBuiltin(
    _ name: String, doc: String, example: String, second: String,
    _ f: @escaping (Variable, Variable) throws -> Variable
  ) -> Builtin {
    matrixBuiltin(name, doc: doc, example: example, second: Optional(second)) { a, b in
      guard let b else { throw ShapeError(operation: name, shapes: [a.shape], rule: "needs two arguments") }
      return try f(a, b)
    }
  }

  /// Runs a factorization, turning its shape errors (not square, singular, not positive
  /// definite) into errors at the call.
  static func matrixCall<T>(_ c: BuiltinCall, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ShapeError { throw c.fail(error.rule) }
  }

  /// Eigen- or singular vectors of a repeated value are not unique: say what their derivative means.
  static func noteRepeated(_ c: BuiltinCall, _ values: Tensor, what: String, factor: String) {
    let n = values.shape.last ?? 0
    guard n > 1 else { return }
    for b in 0..<(values.count / n) {
      let v = Array(values.data[(b * n)..<((b + 1) * n)])
      let scale = v.reduce(0) { Swift.max($0, Swift.abs($1)) }
      for i in 1..<n where Swift.abs(v[i] - v[i - 1]) <= 1e-10 * Swift.max(scale, 1e-300) {
        c.interpreter.notes.append(
          "note: \(c.builtin.name): repeated \(what) (\(v[i])): \(factor) are not unique there; derivatives through them hold the basis fixed and are meaningful only for a loss that does not depend on that choice (as in JAX and PyTorch, where they are inf or nan)"
        )
        return
      }
    }
  }
}
