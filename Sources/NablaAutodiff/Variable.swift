import NablaTensor

/// A tensor together with the record of how it was computed.
///
/// A *tracked* variable can be differentiated against: leaves made from user values, and every
/// result of a primitive with at least one tracked input. A *constant* is never part of a graph;
/// the reverse pass computes with constants when no higher derivative is requested, which is why
/// a first-order backward pass records nothing.
///
/// Unchecked `Sendable`: the value and history never change after creation; the two scratch
/// fields below are used only by a reverse pass, which runs on the thread that owns the graph.
public final class Variable: @unchecked Sendable {
  public let value: Tensor
  let node: Node?
  public let isTracked: Bool
  /// Scratch for the reverse pass: which pass last visited this variable, and its position in
  /// that pass's order. Saves a hash lookup per node.
  var visitedBy: UInt64 = 0
  var orderIndex = 0
  /// True for the 0/1 result of a comparison (or `true`/`false`): indexing with it selects
  /// where it is 1, as NumPy's boolean masks do, instead of reading positions 0 and 1.
  public private(set) var isBoolean = false

  /// A tracked leaf: something a user can take derivatives with respect to.
  public init(_ value: Tensor) {
    self.value = value
    self.node = nil
    self.isTracked = true
  }

  init(value: Tensor, node: Node?, tracked: Bool) {
    self.value = value
    self.node = node
    self.isTracked = tracked
  }

  /// A value that never joins a graph (masks, seeds, values in a first-order backward pass).
  public static func constant(_ value: Tensor) -> Variable {
    Variable(value: value, node: nil, tracked: false)
  }

  /// The value as a tracked leaf (what a name holds), still a mask if it was one.
  public func leaf() -> Variable {
    let v = Variable(value)
    v.isBoolean = isBoolean
    return v
  }

  /// A constant of 0s and 1s that indexes as a boolean mask.
  public static func boolean(_ value: Tensor) -> Variable {
    let v = Variable(value: value, node: nil, tracked: false)
    v.isBoolean = true
    return v
  }

  public static func constant(_ scalar: Double) -> Variable {
    Variable(value: Tensor(scalar: scalar), node: nil, tracked: false)
  }

  public var shape: [Int] { value.shape }
  public var rank: Int { value.rank }

  /// The name of the primitive that produced this value, or nil for a leaf.
  public var producer: String? { node?.primitive.name }

  /// The same value as a fresh leaf with no history (`detach(x)`).
  public func detached() -> Variable { Variable(value) }
}

/// One application of a primitive: what it was and what it was applied to.
final class Node {
  let primitive: Primitive
  var inputs: [Variable]

  init(primitive: Primitive, inputs: [Variable]) {
    self.primitive = primitive
    self.inputs = inputs
  }

  // A long history (a loop of a million steps) would otherwise be freed recursively, one stack
  // frame per node, and overflow the stack. Unlink it iteratively instead.
  deinit {
    var pending = inputs
    inputs = []
    while var variable = pending.popLast() {
      guard isKnownUniquelyReferenced(&variable), let node = variable.node else { continue }
      pending.append(contentsOf: node.inputs)
      node.inputs = []
    }
  }
}
