import NablaTensor

extension Variable {
  /// A new value equal to this one with the entries that `items` select replaced by v
  /// (broadcast to the selection), as NumPy's `x[i] = v` reads and JAX's `x.at[i].set(v)`
  /// differentiates: its history holds the old value (through the entries kept) and v (through
  /// the entries replaced). Where an index repeats, the last write wins, as in NumPy.
  public func setting(_ items: [IndexItem], to v: Variable) throws -> Variable {
    let plan = try IndexPlan(shape: shape, items: items)
    let values: Variable
    do {
      values = try v.broadcast(to: plan.shape)
    } catch {
      throw ShapeError(
        operation: "assignment", shapes: [plan.shape, v.shape],
        rule:
          "the entries selected have shape \(Tensor.describe(plan.shape)), and a value of shape \(Tensor.describe(v.shape)) cannot fill them"
      )
    }
    var lastWrite: [Int: Int] = [:]
    for (k, offset) in plan.offsets.enumerated() { lastWrite[offset] = k }
    let written = lastWrite.sorted { $0.key < $1.key }
    if written.isEmpty { return self }
    let picked = try values.flattened().indexed([.array(written.map(\.value))])
    let placed = try Primitive.scatterAdd(
      IndexPlan(unchecked: written.map(\.key), shape: [written.count], sourceShape: shape)
    ).apply(picked)
    var replaced = Tensor(repeating: 0, shape: shape)
    for (offset, _) in written { replaced.data[offset] = 1 }
    return try Variable.where(.boolean(replaced), placed, self)
  }
}
