import NablaAutodiff
import NablaTensor

/// Facts about named values that a simplification may use (Σt = 1 for a one-hot or a
/// probability vector t), each reported in the derivation's notes when used.
public struct Facts {
  public let values: [String: Variable]

  public init(values: [String: Variable]) { self.values = values }

  /// Whether the named value's entries add up to 1 (to rounding).
  func sumsToOne(_ name: String) -> Bool {
    guard let v = values[name], v.value.count > 0 else { return false }
    return Swift.abs(v.value.data.reduce(0, +) - 1) <= 1e-12
  }
}

/// Rewrites a formula as a person would write it: the plumbing of the implementation (reshapes
/// around vector products, broadcasts, sums back to a shape) removed, like terms collected,
/// coefficients of 0 and 1 and double transposes gone, common factors pulled out, and products
/// with a common factor collected ((A + Aᵀ) x). Every rewrite is an identity, and the formula is
/// checked against autodiff after all of them.
public struct Simplifier {
  let facts: Facts
  /// Whether common factors are pulled out of sums (see `Algebra.factoring`).
  public var factoring = true
  /// The facts used, as notes ("t sums to 1").
  public private(set) var usedFacts: [String] = []

  public init(facts: Facts) { self.facts = facts }

  public mutating func simplify(_ f: Formula) -> Formula {
    var current = f
    // A few rounds reach a fixed point for the formulas derivatives produce.
    for _ in 0..<8 {
      let next = pass(current)
      // Expansion can grow a formula; past a size nobody reads, stop where it is.
      if next == current || next.nodeCount > 20_000 { break }
      current = next
    }
    return current
  }

  mutating func pass(_ f: Formula) -> Formula {
    let inner = f.mapChildren { pass($0) }
    return rewrite(inner)
  }

  // MARK: One node

  mutating func rewrite(_ f: Formula) -> Formula {
    switch f.kind {
    case .reshape(let a): return reshape(a, to: f.shape)
    case .broadcast(let a):
      if a.shape == f.shape { return a }
      if case .number = a.kind { return Formula(a.kind, shape: f.shape) }
      return f
    case .transpose(let a): return transpose(a, f)
    case .total(let a, let axes): return total(a, axes: axes, f)
    case .matmul(let a, let b): return matmul(a, b, f)
    case .power(let a, let k):
      if k == 1 { return a }
      if k == 0 { return Formula(.number(1), shape: f.shape) }
      if case .number(let v) = a.kind { return Formula(.number(Math.pow(v, k)), shape: f.shape) }
      // (bʲ)ᵏ = bʲᵏ for a whole k (√(b²) is |b|, not b).
      if case .power(let b, let j) = a.kind, k == k.rounded() {
        return rewrite(Formula(.power(b, j * k), shape: f.shape))
      }
      return f
    case .sum, .product: return transposesOut(recognize(Algebra(shape: f.shape, factoring: factoring).normalize(f)))
    case .function("softmax", let a):
      // softmax(u + c) = softmax(u) for a number c (the shift cancels).
      if case .sum(let xs) = a.kind, xs.count == 2, let c = xs.firstIndex(where: { $0.numberValue != nil }) {
        return Formula(.function("softmax", xs[1 - c]), shape: f.shape)
      }
      return f
    case .diag(let a):
      if case .number(let v) = a.kind {
        // diag(1) = I, diag(c) = c·I.
        let eye = Formula(.identity, shape: f.shape)
        return v == 1 ? eye : Formula(.product([.number(v), eye]), shape: f.shape)
      }
      // diag(c) of a scalar c (or of a scalar broadcast) is c·I.
      if case .broadcast(let s) = a.kind, s.isScalar {
        return Algebra(shape: f.shape, factoring: factoring).normalize(
          Formula(.product([reshape(s, to: []), Formula(.identity, shape: f.shape)]), shape: f.shape))
      }
      if a.isScalar {
        return Algebra(shape: f.shape, factoring: factoring).normalize(
          Formula(.product([reshape(a, to: []), Formula(.identity, shape: f.shape)]), shape: f.shape))
      }
      return f
    default: return f
    }
  }

  /// A vector as a row [1, n] or a column [n, 1] keeps its numbers; scalars of any shape are one.
  func reshape(_ a: Formula, to shape: [Int]) -> Formula {
    if a.shape == shape { return a }
    if case .number(let v) = a.kind { return Formula(.number(v), shape: shape) }
    if case .reshape(let b) = a.kind { return reshape(b, to: shape) }
    // Scalar factors come out of a reshape (so a row −pᵀ is −1 times pᵀ).
    if case .product(let xs) = a.kind, xs.contains(where: \.shape.isEmpty), xs.contains(where: { !$0.shape.isEmpty }) {
      let rest = xs.filter { !$0.shape.isEmpty }
      let inner = rest.count == 1 ? rest[0] : Formula(.product(rest), shape: a.shape)
      return Algebra(shape: shape, factoring: factoring).normalize(
        Formula(.product(xs.filter(\.shape.isEmpty) + [reshape(inner, to: shape)]), shape: shape))
    }
    if case .broadcast(let b) = a.kind, b.isScalar, shape.reduce(1, *) == a.shape.reduce(1, *) {
      return Formula(.broadcast(b), shape: shape)
    }
    // A matrix-vector product shaped as a column is the 1-D product.
    if shape.count == 1, a.shape == [shape[0], 1], case .matmul(let m, let c) = a.kind, let v = Self.column(c) {
      return Formula(.matmul(m, v), shape: shape)
    }
    if shape.count == 1, a.shape == [1, shape[0]], case .matmul(let r, let m) = a.kind, let u = Self.row(r) {
      // uᵀM as a vector is Mᵀu.
      return Formula(.matmul(transpose(m, Formula(.transpose(m), shape: Self.swapped(m.shape))), u), shape: shape)
    }
    if shape.isEmpty || shape.allSatisfy({ $0 == 1 }), a.isScalar {
      if case .matmul(let r, let c) = a.kind, let u = Self.row(r), let v = Self.column(c) {
        return Formula(.matmul(u, v), shape: shape)
      }
    }
    return Formula(.reshape(a), shape: shape)
  }

  /// The vector v when f is v as a row ([1, n]).
  static func row(_ f: Formula) -> Formula? {
    guard f.shape.count == 2, f.shape[0] == 1 else { return nil }
    switch f.kind {
    case .reshape(let v) where v.shape == [f.shape[1]]: return v
    case .transpose(let c): return column(c)
    default: return nil
    }
  }

  /// The vector v when f is v as a column ([n, 1]).
  static func column(_ f: Formula) -> Formula? {
    guard f.shape.count == 2, f.shape[1] == 1 else { return nil }
    switch f.kind {
    case .reshape(let v) where v.shape == [f.shape[0]]: return v
    case .transpose(let r): return row(r)
    default: return nil
    }
  }

  static func swapped(_ s: [Int]) -> [Int] {
    guard s.count >= 2 else { return s }
    var t = s
    t.swapAt(t.count - 1, t.count - 2)
    return t
  }

  /// Mᵀ or c·Mᵀ.
  static func isTransposeTerm(_ f: Formula) -> Bool {
    switch f.kind {
    case .transpose: return true
    case .product(let fs): return fs.count == 2 && fs[0].numberValue != nil && isTransposeTerm(fs[1])
    default: return false
    }
  }

  func transpose(_ a: Formula, _ f: Formula) -> Formula {
    if a.shape.count < 2 { return a }
    switch a.kind {
    case .transpose(let b): return b
    case .number, .identity, .diag: return Formula(a.kind, shape: f.shape)
    // A vector as a row is the vector as a column, and back (only those: a reshape to a
    // matrix is not transposed by swapping its shape).
    case .reshape(let v) where v.shape.count == 1 && a.shape.contains(1): return Formula(.reshape(v), shape: f.shape)
    // Only over terms of the same shape: a broadcast term would be transposed the wrong way.
    case .sum(let xs) where xs.allSatisfy({ $0.shape == a.shape }):
      let terms = xs.map { transpose($0, Formula(.transpose($0), shape: Self.swapped($0.shape))) }
      // (P − T)ᵀ stays as it is rather than Pᵀ − Tᵀ (the form `transposesOut` makes).
      if terms.allSatisfy(Self.isTransposeTerm) { return f }
      return Formula(.sum(terms), shape: f.shape)
    case .product(let xs) where xs.allSatisfy({ $0.shape == a.shape || $0.shape.isEmpty }):
      return Formula(
        .product(xs.map { transpose($0, Formula(.transpose($0), shape: Self.swapped($0.shape))) }), shape: f.shape)
    case .matmul(let x, let y):
      let yt = transpose(y, Formula(.transpose(y), shape: Self.swapped(y.shape)))
      let xt = transpose(x, Formula(.transpose(x), shape: Self.swapped(x.shape)))
      return Formula(.matmul(yt, xt), shape: f.shape)
    default: return f
    }
  }

  mutating func total(_ a: Formula, axes: [Int], _ f: Formula) -> Formula {
    if axes.isEmpty { return reshape(a, to: f.shape) }
    let count = axes.reduce(1) { $0 * (a.shape.indices.contains($1) ? a.shape[$1] : 1) }
    switch a.kind {
    case .number(let v): return Formula(.number(v * Double(count)), shape: f.shape)
    case .broadcast(let s) where s.isScalar:
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(.product([.number(Double(count)), reshape(s, to: [])]), shape: f.shape))
    case .sum(let xs):
      // Σ is linear: sum each term, so terms can cancel.
      let parts = xs.map { term -> Formula in
        // Each term at the sum's shape, so Σ counts the entries a smaller term was broadcast to.
        let full = term.shape == a.shape ? term : Formula(.broadcast(term), shape: a.shape)
        return total(full, axes: axes, Formula(.total(full, axes: axes), shape: f.shape))
      }
      return Algebra(shape: f.shape, factoring: factoring).normalize(Formula(.sum(parts), shape: f.shape))
    case .product(let xs) where axes.count == a.shape.count || xs.contains(where: { $0.numberValue != nil }):
      // Scalar factors come out of Σ (numbers over any axes, scalars over all of them).
      let scalars = xs.filter { axes.count == a.shape.count ? $0.shape.isEmpty : $0.numberValue != nil }
      let rest = xs.filter { x in !scalars.contains(x) }
      if !scalars.isEmpty, !rest.isEmpty {
        let inner = rest.count == 1 ? rest[0] : Formula(.product(rest), shape: a.shape)
        return Algebra(shape: f.shape, factoring: factoring).normalize(
          Formula(
            .product(scalars + [total(inner, axes: axes, Formula(.total(inner, axes: axes), shape: f.shape))]),
            shape: f.shape))
      }
    case .symbol(let name) where axes.count == a.shape.count && facts.sumsToOne(name):
      let note = "note: Σ\(name) = 1 (the entries of \(name) add up to 1), which simplifies the formula"
      if !usedFacts.contains(note) { usedFacts.append(note) }
      return Formula(.number(1), shape: f.shape)
    default: break
    }
    if a.isScalar, f.isScalar { return reshape(a, to: f.shape) }
    return f
  }

  mutating func matmul(_ a: Formula, _ b: Formula, _ f: Formula) -> Formula {
    // Vectors kept 1-D: a row times a column is uᵀv; a matrix times a column is M v.
    if let u = Self.row(a), let v = Self.column(b) { return reshape(Formula(.matmul(u, v), shape: []), to: f.shape) }
    if let v = Self.column(b), a.shape.count == 2 {
      return reshape(Formula(.matmul(a, v), shape: [a.shape[0]]), to: f.shape)
    }
    if let u = Self.row(a), b.shape.count == 2 {
      let bt = transpose(b, Formula(.transpose(b), shape: Self.swapped(b.shape)))
      return reshape(Formula(.matmul(bt, u), shape: [b.shape[1]]), to: f.shape)
    }
    // (Mᵀu)ᵀv is written uᵀ M v.
    if a.shape.count == 1, b.shape.count == 1, case .matmul(let mt, let u) = a.kind, u.shape.count == 1,
      case .transpose(let m) = mt.kind
    {
      return Formula(.matmul(u, Formula(.matmul(m, b), shape: [m.shape[0]])), shape: f.shape)
    }
    if case .identity = a.kind { return b }
    if case .identity = b.kind { return a }
    // diag(v) u is v ⊙ u for a vector u (for a matrix, diag(v) M reads better as it is).
    if case .diag(let v) = a.kind, b.shape.count == 1 {
      return Algebra(shape: f.shape, factoring: factoring).normalize(Formula(.product([v, b]), shape: f.shape))
    }
    // A 1 × 1 factor is a scalar: s·M.
    if a.shape.count == 2, a.isScalar {
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(.product([reshape(a, to: []), reshape(b, to: f.shape)]), shape: f.shape))
    }
    if b.shape.count == 2, b.isScalar {
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(.product([reshape(a, to: f.shape), reshape(b, to: [])]), shape: f.shape))
    }
    // Numbers and scalar factors come out of a product.
    if case .product(let xs) = a.kind, xs.contains(where: \.shape.isEmpty), xs.contains(where: { !$0.shape.isEmpty }) {
      let rest = xs.filter { !$0.shape.isEmpty }
      let m = rest.count == 1 ? rest[0] : Formula(.product(rest), shape: a.shape)
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(
          .product(xs.filter(\.shape.isEmpty) + [matmul(m, b, Formula(.matmul(m, b), shape: f.shape))]), shape: f.shape)
      )
    }
    if case .product(let xs) = b.kind, xs.contains(where: \.shape.isEmpty), xs.contains(where: { !$0.shape.isEmpty }) {
      let rest = xs.filter { !$0.shape.isEmpty }
      let m = rest.count == 1 ? rest[0] : Formula(.product(rest), shape: b.shape)
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(
          .product(xs.filter(\.shape.isEmpty) + [matmul(a, m, Formula(.matmul(a, m), shape: f.shape))]), shape: f.shape)
      )
    }
    // Products distribute over sums (the terms are collected again later).
    // (Only over terms of the operand's own shape: a broadcast term would multiply wrongly.)
    if case .sum(let xs) = a.kind, xs.allSatisfy({ $0.shape == a.shape }) {
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(.sum(xs.map { matmul($0, b, Formula(.matmul($0, b), shape: f.shape)) }), shape: f.shape))
    }
    if case .sum(let xs) = b.kind, xs.allSatisfy({ $0.shape == b.shape }) {
      return Algebra(shape: f.shape, factoring: factoring).normalize(
        Formula(.sum(xs.map { matmul(a, $0, Formula(.matmul(a, $0), shape: f.shape)) }), shape: f.shape))
    }
    return f
  }

  /// Composites seen as what they are: exp(u) ⊘ Σexp(u) is softmax(u), and log Σexp(u − c) + c
  /// (the stable form, shifted by a constant) is logsumexp(u).
  func recognize(_ f: Formula) -> Formula {
    switch f.kind {
    case .product(let xs):
      for (i, e) in xs.enumerated() {
        guard case .function("exp", let u) = e.kind, u.shape.count == 1 else { continue }
        if let j = xs.firstIndex(where: { factor in
          if case .power(let s, -1) = factor.kind, case .total(let t, let axes) = s.kind, axes.count == t.shape.count,
            t == e
          {
            return true
          }
          return false
        }) {
          var rest = xs.enumerated().filter { $0.offset != i && $0.offset != j }.map(\.element)
          rest.append(Formula(.function("softmax", u), shape: u.shape))
          return rest.count == 1 ? rest[0] : Formula(.product(rest), shape: f.shape)
        }
      }
      return f
    case .sum(let xs) where xs.count == 2:
      guard let k = xs.firstIndex(where: { $0.numberValue != nil }), let c = xs[k].numberValue,
        case .function("log", let s) = xs[1 - k].kind, case .total(let e, let axes) = s.kind,
        axes.count == e.shape.count,
        case .function("exp", let shifted) = e.kind, case .sum(let parts) = shifted.kind, parts.count == 2,
        let m = parts.firstIndex(where: { $0.numberValue == -c })
      else { return f }
      return Formula(.function("logsumexp", parts[1 - m]), shape: f.shape)
    default: return f
    }
  }

  /// Pᵀ − Tᵀ is (P − T)ᵀ: one transpose outside a sum of transposes.
  func transposesOut(_ f: Formula) -> Formula {
    guard case .sum(let xs) = f.kind, xs.count > 1, f.shape.count == 2 else { return f }
    var inner: [Formula] = []
    for x in xs {
      switch x.kind {
      case .transpose(let a): inner.append(a)
      case .product(let fs) where fs.count == 2 && fs[0].numberValue != nil:
        guard case .transpose(let a) = fs[1].kind else { return f }
        inner.append(Formula(.product([fs[0], a]), shape: a.shape))
      default: return f
      }
    }
    let s = Self.swapped(f.shape)
    return Formula(.transpose(Formula(.sum(inner), shape: s)), shape: f.shape)
  }

  // MARK: Names

  /// Subformulas equal to a named value's formula written as its name (p for softmax(x)).
  /// Bottom up, so a name found inside (x3 = Hx + v) lets an outer one match (y = x + relu(x3)).
  /// At the top (`whole: false`) the formula itself is never replaced: a derivative replaced
  /// by a hand-derived name (d2 = (P − T)/5) would hide the formula asked for.
  public func name(_ f: Formula, _ definitions: [(name: String, formula: Formula)], whole: Bool = true) -> Formula {
    let inner = f.mapChildren { name($0, definitions) }
    for d in definitions where whole && d.formula.nodeCount > 1 && (d.formula == inner || d.formula == f) {
      return .symbol(d.name, f.shape)
    }
    // Some of a sum's terms may make up a named sum: y + Hᵀ(…) for y = x + relu(x3).
    if case .sum(var terms) = inner.kind {
      for d in definitions {
        guard case .sum(let parts) = d.formula.kind, parts.count < terms.count, d.formula.shape == f.shape else {
          continue
        }
        var rest = terms
        var found = true
        for p in parts {
          guard let i = rest.firstIndex(of: p) else {
            found = false
            break
          }
          rest.remove(at: i)
        }
        if found {
          terms = [.symbol(d.name, f.shape)] + rest
          return Formula(.sum(terms), shape: f.shape)
        }
      }
    }
    return inner
  }
}
