import NablaTensor

/// NumPy's `einsum`, composed of existing differentiable operations (gather, sum, permute,
/// reshape, broadcast multiply and the batched matrix product), so every derivative of it, to any
/// order, comes from theirs and needs no rule of its own.
extension Variable {
  /// Einstein summation in NumPy's notation: `"ij,jk->ik"`, an implicit output (`"ij,jk"`: the
  /// letters written once, in character order, capitals first, as NumPy), `...` for broadcast
  /// leading axes, repeated letters in one operand for diagonals (`"ii->i"`, `"ii"`), and empty
  /// subscripts for scalars. Spaces are ignored.
  ///
  /// Each operand first loses what only it can lose (repeated letters become a diagonal, letters
  /// found nowhere else are summed); operands are then contracted pairwise left to right, each
  /// contraction one batched matrix product so the work goes through BLAS.
  public static func einsum(_ subscripts: String, _ operands: [Variable]) throws -> Variable {
    let spec = try EinsumSpec(subscripts, shapes: operands.map(\.shape))
    var terms: [EinsumTerm] = []
    for (k, operand) in operands.enumerated() {
      var term = EinsumTerm(value: operand, labels: spec.inputs[k])
      // A broadcast axis of size 1 against a larger size is simply absent from this operand.
      let kept = term.labels.indices.filter { !(operand.shape[$0] == 1 && spec.sizes[term.labels[$0]] != 1) }
      if kept.count < term.labels.count {
        let labels = kept.map { term.labels[$0] }
        term = EinsumTerm(value: try operand.reshaped(kept.map { operand.shape[$0] }), labels: labels)
      }
      terms.append(try term.diagonal())
    }
    let output = Set(spec.output)
    // Letters in a single operand and not in the output are summed before any product.
    for k in terms.indices {
      var elsewhere = output
      for j in terms.indices where j != k { elsewhere.formUnion(terms[j].labels) }
      terms[k] = try terms[k].summing { !elsewhere.contains($0) }
    }
    var result = terms[0]
    for k in 1..<terms.count {
      var needed = output
      for later in terms[(k + 1)...] { needed.formUnion(later.labels) }
      result = try contract(result, terms[k], keeping: needed)
    }
    guard Set(result.labels) == output, result.labels.count == spec.output.count else {
      throw ShapeError(
        operation: "einsum", shapes: operands.map(\.shape), rule: "internal: the result's axes do not match the output")
    }
    return try result.arranged(spec.output)
  }

  /// Contracts two terms, keeping the labels in `keeping` (the output's and later operands').
  /// Shared kept labels are the batch, shared others are summed; the operands are permuted and
  /// reshaped to [batch, m, k] × [batch, k, n] for one BLAS product, read transposed in place
  /// when an operand already lies that way.
  private static func contract(_ first: EinsumTerm, _ second: EinsumTerm, keeping: Set<Int>) throws -> EinsumTerm {
    let a = try first.summing { !second.labels.contains($0) && !keeping.contains($0) }
    let b = try second.summing { !a.labels.contains($0) && !keeping.contains($0) }
    let batch = a.labels.filter { b.labels.contains($0) && keeping.contains($0) }
    let inner = a.labels.filter { b.labels.contains($0) && !keeping.contains($0) }
    let left = a.labels.filter { !b.labels.contains($0) }
    let right = b.labels.filter { !a.labels.contains($0) }
    let labels = batch + left + right
    let shape = a.sizes(batch) + a.sizes(left) + b.sizes(right)
    let ones = { (n: Int) in [Int](repeating: 1, count: n) }
    if inner.isEmpty {
      // Nothing to sum: an outer or elementwise product by broadcasting, with no matrix product.
      let x = try a.arranged(batch + left).reshaped(a.sizes(batch) + a.sizes(left) + ones(right.count))
      let y = try b.arranged(batch + right).reshaped(b.sizes(batch) + ones(left.count) + b.sizes(right))
      return EinsumTerm(value: try x * y, labels: labels)
    }
    let count = { (sizes: [Int]) in sizes.reduce(1, *) }
    let (nb, m, k, n) = (count(a.sizes(batch)), count(a.sizes(left)), count(a.sizes(inner)), count(b.sizes(right)))
    if left.isEmpty && right.isEmpty && nb > 1 {
      // A batch of dot products: one multiply and one sum beat nb tiny matrix products.
      let x = try a.arranged(batch + inner)
      let y = try b.arranged(batch + inner)
      let dots = try (x * y).sum(axes: Array(batch.count..<(batch.count + inner.count)))
      return EinsumTerm(value: try dots.reshaped(shape), labels: labels)
    }
    let (x, transposeA) = try a.matrices(batch, rows: left, columns: inner, [nb, m, k])
    let (y, transposeB) = try b.matrices(batch, rows: inner, columns: right, [nb, k, n])
    let product = try Variable.product(x, y, transposeA, transposeB)
    return EinsumTerm(value: try product.reshaped(shape), labels: labels)
  }
}

/// An operand during the computation: its value and the label of each axis.
private struct EinsumTerm {
  var value: Variable
  var labels: [Int]

  func sizes(_ of: [Int]) -> [Int] {
    of.map { label in value.shape[labels.firstIndex(of: label) ?? 0] }
  }

  /// The value with its axes in `order` (a permutation of `labels`).
  func arranged(_ order: [Int]) throws -> Variable {
    try value.permuted(order.map { labels.firstIndex(of: $0) ?? -1 })
  }

  /// The value as a stack of matrices: [nb, rows, columns], or [nb, columns, rows] with `true`
  /// when the axes already lie that way (BLAS then reads it transposed, with no copy).
  func matrices(_ batch: [Int], rows: [Int], columns: [Int], _ shape: [Int]) throws -> (Variable, Bool) {
    if labels != batch + rows + columns && labels == batch + columns + rows {
      return (try value.reshaped([shape[0], shape[2], shape[1]]), true)
    }
    return (try arranged(batch + rows + columns).reshaped(shape), false)
  }

  /// Sums the axes whose labels satisfy `drop`.
  func summing(_ drop: (Int) -> Bool) throws -> EinsumTerm {
    let axes = labels.indices.filter { drop(labels[$0]) }
    if axes.isEmpty { return self }
    let kept = labels.indices.filter { !axes.contains($0) }.map { labels[$0] }
    return EinsumTerm(value: try value.sum(axes: axes), labels: kept)
  }

  /// Repeated labels read as one axis: a gather of the elements where their indices agree (the
  /// diagonal of `ii`, `iij`), whose adjoint scatters back onto that diagonal.
  func diagonal() throws -> EinsumTerm {
    var unique: [Int] = []
    for l in labels where !unique.contains(l) { unique.append(l) }
    if unique.count == labels.count { return self }
    let strides = Tensor.strides(for: value.shape)
    // Stepping a repeated label steps every axis it names at once.
    let steps = unique.map { u in labels.indices.filter { labels[$0] == u }.reduce(0) { $0 + strides[$1] } }
    let shape = sizes(unique)
    let offsets = IndexPlan.sums(of: zip(shape, steps).map { size, step in (0..<size).map { $0 * step } })
    let plan = IndexPlan(unchecked: offsets, shape: shape, sourceShape: value.shape)
    return EinsumTerm(value: try Primitive.gather(plan).apply(value), labels: unique)
  }
}

/// Parsed and checked subscripts. A letter's label is its character code; broadcast axis `k` of
/// `...` (counted from the left of the broadcast shape) is `ellipsisBase + k`.
private struct EinsumSpec {
  static let ellipsisBase = 1000
  /// Each operand's labels, one per axis.
  var inputs: [[Int]] = []
  var output: [Int] = []
  /// The size of each label (broadcast axes: the broadcast size).
  var sizes: [Int: Int] = [:]

  private enum Token: Equatable {
    case letter(Character)
    case ellipsis
  }

  init(_ subscripts: String, shapes: [[Int]]) throws {
    func fail(_ rule: String) -> ShapeError { ShapeError(operation: "einsum", shapes: shapes, rule: rule) }
    func axes(_ n: Int) -> String { n == 1 ? "1 axis" : "\(n) axes" }
    guard !shapes.isEmpty else { throw fail("einsum needs at least one operand") }
    let chars = Array(subscripts.filter { !$0.isWhitespace })
    for c in chars where !(c.isASCII && c.isLetter) && !".,->".contains(c) {
      throw fail("'\(c)' cannot appear in subscripts: only letters a–z and A–Z, '...', ',' and '->'")
    }
    let arrows = chars.indices.dropLast().filter { chars[$0] == "-" && chars[$0 + 1] == ">" }
    guard arrows.count <= 1 else { throw fail("'->' appears more than once") }
    let lhs = arrows.first.map { Array(chars[..<$0]) } ?? chars
    let rhs = arrows.first.map { Array(chars[($0 + 2)...]) }
    for c in lhs + (rhs ?? []) where c == "-" || c == ">" { throw fail("'\(c)' must be part of '->'") }
    if rhs?.contains(",") == true { throw fail("the output after '->' cannot contain ','") }
    let groups = lhs.split(separator: Character(","), omittingEmptySubsequences: false).map { Array($0) }
    guard groups.count == shapes.count else {
      let operands = shapes.count == 1 ? "1 operand" : "\(shapes.count) operands"
      throw fail("'\(String(lhs))' has \(groups.count) subscript group\(groups.count == 1 ? "" : "s") for \(operands)")
    }

    func tokens(_ group: [Character], _ place: String) throws -> [Token] {
      var out: [Token] = []
      var i = 0
      while i < group.count {
        if group[i] == "." {
          guard i + 2 < group.count, group[i + 1] == ".", group[i + 2] == "." else {
            throw fail("a '.' in \(place) is not part of '...'")
          }
          guard !out.contains(.ellipsis) else { throw fail("'...' appears twice in \(place)") }
          out.append(.ellipsis)
          i += 3
        } else {
          out.append(.letter(group[i]))
          i += 1
        }
      }
      return out
    }

    // Tokens and ranks: the broadcast rank is the most axes any '...' stands for.
    var parsed: [[Token]] = []
    var ellipsisRanks: [Int] = []
    for (k, group) in groups.enumerated() {
      let t = try tokens(group, "operand \(k)'s subscripts")
      let letters = t.filter { $0 != .ellipsis }.count
      let rank = shapes[k].count
      if t.contains(.ellipsis) {
        guard letters <= rank else {
          throw fail("operand \(k) has rank \(rank) but '\(String(group))' names \(axes(letters)) besides '...'")
        }
      } else if letters != rank {
        throw fail("operand \(k) has rank \(rank) but '\(String(group))' names \(axes(letters))")
      }
      parsed.append(t)
      ellipsisRanks.append(rank - letters)
    }
    let broadcastRank = zip(parsed, ellipsisRanks).map { $0.contains(.ellipsis) ? $1 : 0 }.max() ?? 0
    let base = EinsumSpec.ellipsisBase

    var counts: [Character: Int] = [:]
    var seenIn: [Int: Int] = [:]
    for (k, t) in parsed.enumerated() {
      var labels: [Int] = []
      for token in t {
        switch token {
        case .letter(let c):
          counts[c, default: 0] += 1
          labels.append(Int(c.asciiValue ?? 0))
        case .ellipsis:
          let r = ellipsisRanks[k]
          labels += (0..<r).map { base + broadcastRank - r + $0 }
        }
      }
      for (axis, label) in labels.enumerated() {
        let n = shapes[k][axis]
        guard let m = sizes[label], let j = seenIn[label] else {
          sizes[label] = n
          seenIn[label] = k
          continue
        }
        if m == n { continue }
        if label >= base {
          // Broadcast axes follow NumPy: a size of 1 stretches.
          if m == 1 {
            sizes[label] = n
            seenIn[label] = k
          } else if n != 1 {
            throw fail("'...' axis \(label - base) is \(m) in operand \(j) but \(n) in operand \(k) (no broadcast)")
          }
          continue
        }
        let c = Character(Unicode.Scalar(UInt8(label)))
        throw fail(
          j == k
            ? "axis \(c) is \(m) and \(n) in operand \(k): a repeated letter takes a diagonal, which needs equal sizes"
            : "axis \(c) is \(m) in operand \(j) but \(n) in operand \(k)")
      }
      inputs.append(labels)
    }

    let broadcastLabels = (0..<broadcastRank).map { base + $0 }
    guard let rhs else {
      // Implicit output: the broadcast axes, then each letter written once, in character order.
      output = broadcastLabels + counts.filter { $0.value == 1 }.keys.sorted().map { Int($0.asciiValue ?? 0) }
      return
    }
    let outTokens = try tokens(rhs, "the output")
    for token in outTokens {
      switch token {
      case .ellipsis: output += broadcastLabels
      case .letter(let c):
        guard counts[c] != nil else { throw fail("output letter \(c) does not appear in the inputs") }
        let label = Int(c.asciiValue ?? 0)
        guard !output.contains(label) else { throw fail("output letter \(c) appears more than once") }
        output.append(label)
      }
    }
    if broadcastRank > 0 && !outTokens.contains(.ellipsis) {
      // NumPy refuses too: broadcast axes are kept only where the output says where.
      throw fail("the inputs' '...' stands for \(axes(broadcastRank)) but the output has no '...' to keep them")
    }
  }
}
