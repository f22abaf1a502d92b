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
  /// What computed this value; set once more only when a deferred history is rebuilt.
  private(set) var node: Node?
  public let isTracked: Bool
  /// For the result of a first-order derivative pass (which records nothing, to stay cheap):
  /// how to compute the same value again with its history recorded. A reverse pass that reaches
  /// this variable rebuilds it first, so `grad(grad(e, x)·w, x)` works without every gradient
  /// paying for a recorded backward pass.
  private(set) var deferred: (recipe: DerivativeRecipe, index: Int)?
  /// Scratch for the reverse pass: which pass last visited this variable, and its position in
  /// that pass's order. Saves a hash lookup per node.
  var visitedBy: UInt64 = 0
  var orderIndex = 0
  /// The session name this value held before the name was rebound, so a note can tell "x was
  /// reassigned after e was computed" from "e never involved x". A field rather than a weak
  /// record in the interpreter: a weak reference moves every retain of the value to the slow path.
  public var replacedName: String?
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
    if let node {
      var bytes = value.count &* MemoryLayout<Double>.stride
      for input in node.inputs { bytes = bytes &+ input.historyBytes }
      historyBytes = bytes < 0 ? Int.max : bytes
    }
  }

  /// About how many bytes of intermediate values this value's history holds (leaves, which
  /// names hold anyway, count 0). An upper bound: a part used twice counts twice, so a long
  /// loop's history can be kept within a budget without walking it at every step.
  public private(set) var historyBytes = 0

  /// The bytes the history holds, each intermediate value once (a walk of the whole graph);
  /// the bound `historyBytes` becomes this value.
  public func measureHistory() -> Int {
    let steps = ReverseMode.graph(of: self)
    var bytes = 0
    for step in steps where step.primitive != nil { bytes &+= step.shape.reduce(1, &*) &* MemoryLayout<Double>.stride }
    historyBytes = Swift.max(bytes, 0)
    return historyBytes
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

  /// The primitive that produced this value (nil for a leaf), for reading a graph as a formula.
  public var primitive: Primitive? { node?.primitive }

  /// What that primitive was applied to (empty for a leaf).
  public var inputs: [Variable] { node?.inputs ?? [] }

  /// The same value as a fresh leaf with no history (`detach(x)`).
  public func detached() -> Variable { Variable(value) }

  /// Derivatives computed without recording (`values`), made differentiable again: each result
  /// remembers `rebuild`, which computes the same derivatives with the backward pass recorded,
  /// and runs it (once, for all of them) only if a later reverse pass reaches one of them.
  public static func rememberingHistory(_ values: [Variable], rebuild: @escaping () throws -> [Variable])
    -> [Variable]
  {
    let recipe = DerivativeRecipe(rebuild)
    return values.enumerated().map { k, v in
      let result = Variable(value: v.value, node: nil, tracked: true)
      result.deferred = (recipe, k)
      return result
    }
  }

  /// `compute(false)` now, remembering `compute(true)` (the same derivatives with the backward
  /// pass recorded) as the rebuild: a derivative call stated once for both.
  public static func rememberingHistory(_ compute: @escaping (_ createGraph: Bool) throws -> [Variable]) throws
    -> [Variable]
  {
    rememberingHistory(try compute(false)) { try compute(true) }
  }

  /// True when this value's history may still hold a derivative to rebuild.
  var mayHoldDeferred: Bool { deferred != nil || node?.holdsDeferred == true }

  /// Rebuilds a deferred history: this variable becomes the identity of the recorded result.
  func rebuildHistory() throws {
    guard let (recipe, k) = deferred else { return }
    // Cleared only once rebuilt: a rebuild that fails (too large, say) can be asked for again.
    let traced = try recipe.result(k)
    deferred = nil
    guard traced.shape == shape else {
      throw DifferentiationError(
        "internal: a derivative rebuilt with its history has shape \(Tensor.describe(traced.shape)), not \(Tensor.describe(shape))"
      )
    }
    node = Node(primitive: .derivative, inputs: [traced])
  }
}

/// The recorded computation of a list of derivatives, run at most once.
final class DerivativeRecipe {
  private var rebuild: (() throws -> [Variable])?
  private var rebuilt: [Variable] = []

  init(_ rebuild: @escaping () throws -> [Variable]) { self.rebuild = rebuild }

  func result(_ k: Int) throws -> Variable {
    if let rebuild {
      rebuilt = try rebuild()
      self.rebuild = nil
    }
    guard k < rebuilt.count else { throw DifferentiationError("internal: a rebuilt derivative is missing") }
    return rebuilt[k]
  }
}

/// One application of a primitive: what it was and what it was applied to.
final class Node {
  let primitive: Primitive
  var inputs: [Variable]
  /// Whether a deferred derivative history may lie below (checked before a reverse pass).
  let holdsDeferred: Bool

  init(primitive: Primitive, inputs: [Variable]) {
    self.primitive = primitive
    self.inputs = inputs
    self.holdsDeferred = inputs.contains { $0.mayHoldDeferred }
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
