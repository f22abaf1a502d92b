/// The Jacobian from a traced vector-Jacobian product: the backward pass seeded with a named
/// cotangent Ḡ gives Jᵀ Ḡ as a formula linear in Ḡ; reading off the matrix that multiplies Ḡ
/// (u ⊙ Ḡ → diag(u), M Ḡ → M, u Σ(v ⊙ Ḡ) → u vᵀ) and transposing gives J, rows as outputs.
enum LinearMap {
  /// What multiplies Ḡ in one term: a vector on the diagonal, or a matrix.
  enum Coefficient {
    case diagonal(Formula)
    case matrix(Formula)
  }

  /// J (shape output ++ input) for vectors and scalars, or nil when a term is not of a form read here.
  static func jacobian(_ vjp: Formula, seed: String, output: [Int], input: [Int]) -> Formula? {
    guard output.count == 1 else { return nil }
    let m = output[0]
    let terms: [Formula]
    if case .sum(let xs) = vjp.kind { terms = xs } else { terms = [vjp] }
    if input.isEmpty {
      // A scalar x: the VJP is Σ_i J_i Ḡ_i, a row; J is that row as a vector.
      var rows: [Formula] = []
      for t in terms {
        guard let r = row(t, seed: seed, m: m) else { return nil }
        rows.append(r)
      }
      return Formula(.reshape(rows.count == 1 ? rows[0] : Formula(.sum(rows), shape: [1, m])), shape: [m])
    }
    guard input.count == 1 else { return nil }
    let n = input[0]
    var diagonal: [Formula] = []
    var matrices: [Formula] = []
    for t in terms {
      switch coefficient(t, seed: seed, n: n, m: m) {
      case .diagonal(let w)?: diagonal.append(w)
      case .matrix(let a)?: matrices.append(a)
      case nil: return nil
      }
    }
    var parts = matrices
    if !diagonal.isEmpty {
      let w = diagonal.count == 1 ? diagonal[0] : Formula(.sum(diagonal), shape: [m])
      parts.insert(Formula(.diag(w), shape: [m, m]), at: 0)
    }
    let transposedJacobian = parts.count == 1 ? parts[0] : Formula(.sum(parts), shape: [n, m])
    return Formula(.transpose(transposedJacobian), shape: [m, n])
  }

  /// M with t = M Ḡ (M [n, m]), as a diagonal vector when M is diagonal.
  static func coefficient(_ t: Formula, seed: String, n: Int, m: Int) -> Coefficient? {
    if case .symbol(let s) = t.kind, s == seed { return .diagonal(.number(1)) }
    switch t.kind {
    case .broadcast(let inner) where inner.shape.reduce(1, *) == t.shape.reduce(1, *):
      return coefficient(inner, seed: seed, n: n, m: m)
    case .sum(let terms):
      // A sum of linear terms: diagonals add up; otherwise each becomes a matrix.
      var diagonals: [Formula] = []
      var matrices: [Formula] = []
      for term in terms {
        switch coefficient(term, seed: seed, n: n, m: m) {
        case .diagonal(let w)?: diagonals.append(w)
        case .matrix(let a)?: matrices.append(a)
        case nil: return nil
        }
      }
      if matrices.isEmpty { return .diagonal(Formula(.sum(diagonals), shape: [m])) }
      let all = diagonals.map { Formula(.diag($0), shape: [m, m]) } + matrices
      return .matrix(Formula(.sum(all), shape: [n, m]))
    case .product(let factors):
      let linear = factors.filter { $0.contains(symbol: seed) }
      guard linear.count == 1, let g = linear.first else { return nil }
      let others = factors.filter { !$0.contains(symbol: seed) }
      let w =
        others.isEmpty
        ? Formula.number(1)
        : (others.count == 1
          ? others[0] : Formula(.product(others), shape: Algebra.broadcastShape(others.map(\.shape)) ?? []))
      if g.isScalar {
        // u · (r Ḡ) with r a row: the outer product u r.
        guard let r = row(g, seed: seed, m: m), w.shape == [n] || w.isScalar else { return nil }
        if w.isScalar { return nil }
        return .matrix(Formula(.matmul(Formula(.reshape(w), shape: [n, 1]), r), shape: [n, m]))
      }
      switch coefficient(g, seed: seed, n: n, m: m) {
      case .diagonal(let d)?: return .diagonal(Formula(.product([w, d]), shape: [m]))
      case .matrix(let a)?: return .matrix(Formula(.matmul(Formula(.diag(w), shape: [n, n]), a), shape: [n, m]))
      case nil: return nil
      }
    case .matmul(let a, let g) where !a.contains(symbol: seed) && a.shape.count == 2:
      switch coefficient(g, seed: seed, n: a.shape[1], m: m) {
      case .diagonal(let d)?: return .matrix(Formula(.matmul(a, Formula(.diag(d), shape: [m, m])), shape: [n, m]))
      case .matrix(let b)?: return .matrix(Formula(.matmul(a, b), shape: [n, m]))
      case nil: return nil
      }
    default: return nil
    }
  }

  /// r (a row [1, m]) with the scalar t = r Ḡ.
  static func row(_ t: Formula, seed: String, m: Int) -> Formula? {
    switch t.kind {
    case .total(let g, let axes) where axes.count == g.shape.count && g.shape == [m]:
      // Σ(w ⊙ Ḡ) = wᵀ Ḡ.
      guard case .diagonal(let w)? = coefficient(g, seed: seed, n: m, m: m) else { return nil }
      return Formula(.reshape(Formula(.product([w, Formula(.number(1), shape: [m])]), shape: [m])), shape: [1, m])
    case .matmul(let u, let g) where u.shape.count == 1 && !u.contains(symbol: seed):
      guard case .diagonal(let w)? = coefficient(g, seed: seed, n: m, m: m) else { return nil }
      return Formula(.reshape(Formula(.product([u, w]), shape: [m])), shape: [1, m])
    case .product(let factors):
      let linear = factors.filter { $0.contains(symbol: seed) }
      guard linear.count == 1, let g = linear.first, g.isScalar, let r = row(g, seed: seed, m: m) else { return nil }
      let others = factors.filter { !$0.contains(symbol: seed) }
      guard others.allSatisfy(\.isScalar) else { return nil }
      return Formula(.product(others + [r]), shape: [1, m])
    default: return nil
    }
  }
}
