import NablaTensor

/// Elementwise algebra in a normal form: a sum of terms, each a coefficient times powers of
/// atoms (anything that is not a sum, product or power). Expanding and collecting cancels what
/// cancels (−t ⊘ p ⊙ p = −t, x + x = 2x); building back pulls out common factors
/// (σ − σ² = σ ⊙ (1 − σ)) and collects products with a common vector (Ax + Aᵀx = (A + Aᵀ)x).
struct Algebra {
  let shape: [Int]
  /// Whether building back pulls out common factors (off while reading a Jacobian, which needs
  /// the terms apart).
  var factoring = true
  /// Whether the terms of a sum are ordered simplest first (the sum of matrices in (A + Aᵀ) x).
  var simplerFirst = false

  struct Term {
    var coefficient: Double
    /// Atom → exponent, and the order atoms first appeared in.
    var powers: [Formula: Double] = [:]
    var order: [Formula] = []

    static func number(_ c: Double) -> Term { Term(coefficient: c) }

    static func atom(_ f: Formula, _ k: Double = 1) -> Term {
      Term(coefficient: 1, powers: [f: k], order: [f])
    }

    func times(_ other: Term) -> Term {
      var t = self
      t.coefficient *= other.coefficient
      for a in other.order {
        let k = (t.powers[a] ?? 0) + (other.powers[a] ?? 0)
        if t.powers[a] == nil { t.order.append(a) }
        t.powers[a] = k
      }
      t.order.removeAll { t.powers[$0] == 0 }
      t.powers = t.powers.filter { $0.value != 0 }
      return t
    }
  }

  /// The most terms an expansion may make; beyond it the product stays as it is.
  static let maximumTerms = 64

  /// The normal form, at exactly the shape asked for: a term whose factors broadcast to less
  /// (x ⊙ 1 with x smaller) is broadcast back, so a Σ over it still counts every entry.
  func normalize(_ f: Formula) -> Formula {
    var built = build(collect(expand(f)))
    // Expanding pays when terms cancel (p − t); when they do not, the product as written is
    // shorter and reads as the homework writes it ((x − μ) ⊘ σ), so the shorter form wins.
    if factoring {
      let kept = build(collect(expand(f, distributing: false)))
      if kept.nodeCount < built.nodeCount { built = kept }
    }
    if built.shape == shape { return built }
    if case .number(let v) = built.kind { return Formula(.number(v), shape: shape) }
    return Formula(.broadcast(built), shape: shape)
  }

  /// The terms of f; without `distributing`, a sum inside a product stays one atom.
  func expand(_ f: Formula, distributing: Bool = true) -> [Term] {
    switch f.kind {
    case .number(let v): return v == 0 ? [] : [.number(v)]
    case .sum(let xs): return xs.flatMap { expand($0, distributing: distributing) }
    case .product(let xs):
      var terms = [Term.number(1)]
      for x in xs {
        var e = expand(x, distributing: distributing)
        if !distributing && e.count > 1 { e = [.atom(x)] }
        guard terms.count * Swift.max(e.count, 1) <= Self.maximumTerms else { return [.atom(f)] }
        terms = terms.flatMap { t in e.map { t.times($0) } }
      }
      return terms
    case .power(let a, let k):
      let e = expand(a)
      if e.count == 1, let t = e.first {
        // (c·Π aᵢ^eᵢ)^k: only where the coefficient's power is real, and for a fractional k only
        // over first powers (√(a²) is |a|, not a).
        guard t.coefficient > 0 || k == k.rounded() else { return [.atom(f)] }
        guard k == k.rounded() || t.order.allSatisfy({ t.powers[$0] == 1 }) else { return [.atom(f)] }
        var raised = Term.number(Math.pow(t.coefficient, k))
        for a in t.order { raised = raised.times(.atom(a, (t.powers[a] ?? 0) * k)) }
        return [raised]
      }
      if k == k.rounded(), k >= 2, k <= 3, e.count > 1 {
        var terms = e
        for _ in 1..<Int(k) { terms = terms.flatMap { t in e.map { t.times($0) } } }
        if terms.count <= Self.maximumTerms { return terms }
      }
      return [.atom(f)]
    case .broadcast(let a): return expand(a, distributing: distributing)
    case .reshape(let a) where a.isScalar && f.isScalar: return expand(a, distributing: distributing)
    default: return [.atom(f)]
    }
  }

  func collect(_ terms: [Term]) -> [Term] {
    var order: [[Formula: Double]] = []
    var merged: [[Formula: Double]: Term] = [:]
    for t in terms {
      if var existing = merged[t.powers] {
        existing.coefficient += t.coefficient
        merged[t.powers] = existing
      } else {
        merged[t.powers] = t
        order.append(t.powers)
      }
    }
    return order.compactMap { merged[$0] }.filter { $0.coefficient != 0 }
  }

  // MARK: Building back

  func build(_ terms: [Term]) -> Formula {
    if terms.isEmpty { return Formula(.number(0), shape: shape) }
    if terms.count == 1 { return formula(terms[0]) }
    // A factor common to every term comes out: σ ⊙ (1 − σ).
    if factoring, let (atom, k) = commonFactor(terms) {
      let reduced = terms.map { $0.times(.atom(atom, -k)) }
      let inner = build(collect(reduced))
      return Formula(.product([power(atom, k), inner]), shape: shape)
    }
    // A coefficient every term shares (up to sign) comes out: 2(Wx + c), (p − t)/5.
    if factoring, let c = terms.first.map({ Swift.abs($0.coefficient) }), c != 1,
      terms.allSatisfy({ Swift.abs($0.coefficient) == c }), terms.allSatisfy({ !$0.order.isEmpty })
    {
      let inner = build(terms.map { t in Term(coefficient: t.coefficient / c, powers: t.powers, order: t.order) })
      return Formula(.product([.number(c), inner]), shape: shape)
    }
    // Matrix products sharing their first or last factors: M + M D = M (I + D).
    if factoring, let chained = commonChain(terms) { return chained }
    // Diagonal matrices add on the diagonal: I + diag(w) = diag(1 + w).
    if let diagonal = diagonalSum(terms) { return diagonal }
    // A factor shared by some of the terms comes out of those, when that is shorter.
    if factoring, terms.count > 2, let grouped = partialFactor(terms) { return grouped }
    let collected = collectProducts(terms)
    // Positive terms first (p − t), then as they came, or the simpler first where asked (A + Aᵀ).
    let sorted = collected.enumerated().sorted { x, y in
      let (a, b) = (x.element, y.element)
      if (a.negative) != (b.negative) { return !a.negative }
      if simplerFirst || shape.count == 2, a.formula.nodeCount != b.formula.nodeCount {
        return a.formula.nodeCount < b.formula.nodeCount
      }
      return x.offset < y.offset
    }
    let parts = sorted.map(\.element.formula)
    return parts.count == 1 ? parts[0] : Formula(.sum(parts), shape: shape)
  }

  /// Σ_{i ∈ S} cᵢ A rᵢ + rest → A ⊙ (Σ cᵢ rᵢ) + rest for an atom A in at least two terms (not
  /// all: that is `commonFactor`), if the result is shorter.
  func partialFactor(_ terms: [Term]) -> Formula? {
    let plain = Algebra(shape: shape, factoring: false, simplerFirst: simplerFirst).build(terms)
    var best: Formula? = nil
    var seen: Set<Formula> = []
    for t in terms {
      for atom in t.order where !seen.contains(atom) {
        seen.insert(atom)
        let with = terms.filter { ($0.powers[atom] ?? 0) >= 1 }
        guard with.count >= 2, with.count < terms.count else { continue }
        let without = terms.filter { ($0.powers[atom] ?? 0) < 1 }
        let inner = build(collect(with.map { $0.times(.atom(atom, -1)) }))
        let grouped = Term.atom(Formula(.product([atom, inner]), shape: shape))
        let candidate = Algebra(shape: shape, factoring: false, simplerFirst: simplerFirst).build(without + [grouped])
        if candidate.nodeCount < (best ?? plain).nodeCount { best = candidate }
      }
    }
    return best
  }

  /// The factors of a chain of matrix products.
  static func chain(_ f: Formula) -> [Formula] {
    if case .matmul(let a, let b) = f.kind { return chain(a) + chain(b) }
    return [f]
  }

  static func product(_ factors: ArraySlice<Formula>, shape: [Int]) -> Formula? {
    guard var result = factors.first else { return nil }
    for f in factors.dropFirst() {
      let rows = result.shape.count == 2 ? result.shape[0] : 1
      let cols = f.shape.count == 2 ? f.shape[1] : 1
      result = Formula(.matmul(result, f), shape: f.shape.count == 2 ? [rows, cols] : [rows])
    }
    return result
  }

  /// Σ cᵢ (P Rᵢ S) with a common first factors P or last factors S (matrices) → P (Σ cᵢ Rᵢ) S,
  /// an empty Rᵢ being I.
  func commonChain(_ terms: [Term]) -> Formula? {
    guard shape.count == 2, terms.count >= 2 else { return nil }
    var chains: [(Double, [Formula])] = []
    for t in terms {
      guard t.order.count == 1, let atom = t.order.first, t.powers[atom] == 1, case .matmul = atom.kind else {
        return nil
      }
      chains.append((t.coefficient, Self.chain(atom)))
    }
    let shortest = chains.map(\.1.count).min() ?? 0
    var prefix = 0
    while prefix < shortest, chains.allSatisfy({ $0.1[prefix] == chains[0].1[prefix] }) { prefix += 1 }
    var suffix = 0
    while suffix < shortest - prefix,
      chains.allSatisfy({ $0.1[$0.1.count - 1 - suffix] == chains[0].1[chains[0].1.count - 1 - suffix] })
    {
      suffix += 1
    }
    guard prefix + suffix > 0 else { return nil }
    // The middles must all have one shape, square where one of them is empty (an identity).
    let middleShapes = chains.map { _, chain -> [Int]? in
      let middle = chain[prefix..<(chain.count - suffix)]
      return Self.product(middle, shape: [])?.shape
    }
    let present = middleShapes.compactMap { $0 }
    guard present.allSatisfy({ $0 == present.first }) else { return nil }
    if present.count < middleShapes.count, let s = present.first, s.count != 2 || s[0] != s[1] { return nil }
    let middles = chains.map { c, chain -> Formula? in
      let middle = chain[prefix..<(chain.count - suffix)]
      guard let m = Self.product(middle, shape: []) else { return nil }
      return c == 1 ? m : Formula(.product([.number(c), m]), shape: m.shape)
    }
    // An empty middle is the identity of the right size.
    let size =
      prefix > 0
      ? (chains[0].1[prefix - 1].shape.last ?? 1) : (chains[0].1[chains[0].1.count - suffix].shape.first ?? 1)
    let inner = middles.enumerated().map { i, m in
      m
        ?? (chains[i].0 == 1
          ? Formula(.identity, shape: [size, size])
          : Formula(.product([.number(chains[i].0), Formula(.identity, shape: [size, size])]), shape: [size, size]))
    }
    let middle = Algebra(shape: [size, size], factoring: true, simplerFirst: true).normalize(
      Formula(.sum(inner), shape: [size, size]))
    let pieces = Array(chains[0].1[0..<prefix]) + [middle] + Array(chains[0].1[(chains[0].1.count - suffix)...])
    guard let result = Self.product(pieces[...], shape: shape), result.shape == shape else { return nil }
    return result
  }

  /// Terms that are all diagonal (I, c·I, diag(w)) as one diag(Σ).
  func diagonalSum(_ terms: [Term]) -> Formula? {
    guard shape.count == 2, shape[0] == shape[1], terms.count >= 2 else { return nil }
    var entries: [Formula] = []
    for t in terms {
      guard t.order.count == 1, let atom = t.order.first, t.powers[atom] == 1 else { return nil }
      let c = Formula.number(t.coefficient)
      switch atom.kind {
      case .identity: entries.append(c)
      case .diag(let w): entries.append(t.coefficient == 1 ? w : Formula(.product([c, w]), shape: w.shape))
      default: return nil
      }
    }
    let w = Algebra(shape: [shape[0]], factoring: true).normalize(Formula(.sum(entries), shape: [shape[0]]))
    return Formula(.diag(w), shape: shape)
  }

  func formula(_ t: Term) -> Formula {
    // Scalar factors before tensors (det(X)·X⁻ᵀ), each in the order they appeared.
    let atoms = t.order.filter(\.shape.isEmpty) + t.order.filter { !$0.shape.isEmpty }
    var factors = atoms.map { power($0, t.powers[$0] ?? 1) }
    if factors.isEmpty { return Formula(.number(t.coefficient), shape: []) }
    if t.coefficient != 1 { factors.insert(.number(t.coefficient), at: 0) }
    if factors.count == 1 { return factors[0] }
    return Formula(.product(factors), shape: Self.broadcastShape(factors.map(\.shape)) ?? shape)
  }

  func power(_ a: Formula, _ k: Double) -> Formula {
    k == 1 ? a : Formula(.power(a, k), shape: a.shape)
  }

  /// An atom in every term with a positive power in each (the smallest of those powers), so it
  /// can be pulled out; numbers-only terms have none.
  func commonFactor(_ terms: [Term]) -> (Formula, Double)? {
    guard let first = terms.first else { return nil }
    for atom in first.order {
      let ks = terms.map { $0.powers[atom] ?? 0 }
      if let smallest = ks.min(), smallest > 0 { return (atom, smallest) }
    }
    return nil
  }

  /// Terms c·(M v) with the same v become (Σ c·M) v; then terms c·(M u) with the same M
  /// become M (Σ c·u).
  func collectProducts(_ terms: [Term]) -> [(formula: Formula, negative: Bool)] {
    // Each term keeps its place; a group of products takes the place of its first member.
    enum Slot {
      case term(Term)
      case group(Formula)
    }
    var slots: [Slot] = []
    var byRight: [Formula: [(Double, Formula)]] = [:]
    for t in terms {
      if t.order.count == 1, let atom = t.order.first, t.powers[atom] == 1, case .matmul(let m, let v) = atom.kind {
        if byRight[v] == nil { slots.append(.group(v)) }
        byRight[v, default: []].append((t.coefficient, m))
      } else {
        slots.append(.term(t))
      }
    }
    // Products left alone by that, with the same matrix on the left: M (Σ c·u).
    var byLeft: [Formula: [(Double, Formula)]] = [:]
    for case .group(let v) in slots {
      if let group = byRight[v], group.count == 1, let (c, m) = group.first { byLeft[m, default: []].append((c, v)) }
    }
    var placed: Set<Formula> = []
    return slots.compactMap { slot -> (formula: Formula, negative: Bool)? in
      switch slot {
      case .term(let t): return (formula(t), t.coefficient < 0)
      case .group(let v):
        let group = byRight[v] ?? []
        if group.count == 1, let (c, m) = group.first {
          if let shared = byLeft[m], shared.count > 1 {
            if placed.contains(m) { return nil }
            placed.insert(m)
            let right = Algebra(shape: v.shape, factoring: factoring).normalize(
              Formula(
                .sum(shared.map { c, u in c == 1 ? u : Formula(.product([.number(c), u]), shape: u.shape) }),
                shape: v.shape))
            return (Formula(.matmul(m, right), shape: shape), false)
          }
          let product = Formula(.matmul(m, v), shape: shape)
          return (c == 1 ? product : Formula(.product([.number(c), product]), shape: shape), c < 0)
        }
        let matrixShape = group.first?.1.shape ?? []
        let left = Algebra(shape: matrixShape, factoring: factoring, simplerFirst: true).normalize(
          Formula(
            .sum(group.map { c, m in c == 1 ? m : Formula(.product([.number(c), m]), shape: m.shape) }),
            shape: matrixShape))
        return (Formula(.matmul(left, v), shape: shape), false)
      }
    }
  }

  static func broadcastShape(_ shapes: [[Int]]) -> [Int]? {
    let rank = shapes.map(\.count).max() ?? 0
    var out = [Int](repeating: 1, count: rank)
    for s in shapes {
      for (i, d) in s.enumerated() {
        let j = rank - s.count + i
        if out[j] == 1 { out[j] = d } else if d != 1 && d != out[j] { return nil }
      }
    }
    return out
  }
}
