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
  /// The primitive that computed this value (nil for a leaf or a constant), and what it was
  /// applied to; set once more only when a deferred history is rebuilt. Fields of the variable
  /// itself rather than a separate node object: one allocation less for every operation.
  public private(set) var primitive: Primitive?
  public private(set) var inputs: [Variable] = []
  /// Whether a deferred derivative history may lie below (checked before a reverse pass).
  private(set) var historyHoldsDeferred = false
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
    self.isTracked = true
  }

  /// A value with no history (a constant when not `tracked`).
  init(value: Tensor, tracked: Bool) {
    self.value = value
    self.isTracked = tracked
  }

  /// The result of applying `primitive` to `inputs`, recorded (so tracked).
  init(value: Tensor, primitive: Primitive, inputs: [Variable]) {
    self.value = value
    self.isTracked = true
    record(primitive, inputs)
  }

  /// Consuming: the initializer's own references are moved in, not retained again and then
  /// released.
  private func record(_ primitive: consuming Primitive, _ inputs: consuming [Variable]) {
    self.primitive = primitive
    self.inputs = inputs
    var bytes = value.count &* MemoryLayout<Double>.stride
    var deferredBelow = false
    let inputs = self.inputs
    for k in inputs.indices {
      // Read unretained (the list holds them): a retain and release per input was a fifth of
      // recording a scalar operation.
      Unmanaged.passUnretained(inputs[k])._withUnsafeGuaranteedRef { input in
        // Saturating: a bound that doubles every step (y = y + f(y)) passes Int.max in about
        // 60 steps, and wrapping around would make it small again.
        bytes = Variable.saturatingSum(bytes, input.historyBytes)
        deferredBelow = deferredBelow || input.mayHoldDeferred
      }
    }
    historyBytes = bytes
    historyMeasured = false
    historyHoldsDeferred = deferredBelow
  }

  // A long history (a loop of a million steps) would otherwise be freed recursively, one stack
  // frame per variable, and overflow the stack. Unlink it iteratively instead: a stack of input
  // lists, each moved out of the variable that is about to go (never copied, so no retain per
  // input). Entries are popped one at a time, so a variable listed twice (`y + y`) is unique
  // once its first entry has gone, and is unlinked here rather than freed recursively.
  deinit {
    guard !inputs.isEmpty else { return }
    var stack: [[Variable]] = []
    stack.append(inputs)
    inputs = []
    while var level = stack.popLast() {
      while var variable = level.popLast() {
        guard isKnownUniquelyReferenced(&variable), !variable.inputs.isEmpty else { continue }
        var below: [Variable] = []
        swap(&below, &variable.inputs)
        stack.append(below)
      }
    }
  }

  /// About how many bytes of intermediate values this value's history holds (leaves, which
  /// names hold anyway, count 0). An upper bound: a part used twice counts twice, so a long
  /// loop's history can be kept within a budget without walking it at every step.
  public private(set) var historyBytes = 0

  /// Whether `historyBytes` came from `measureHistory` (a walk), not from adding up the
  /// inputs' bounds: a later walk stops here and takes the number as it is.
  private(set) var historyMeasured = false

  /// The bytes the history holds, each intermediate value once (a walk of the graph); the
  /// bound `historyBytes` becomes this value. The walk stops at values measured before and
  /// adds their measurement, so measuring a loop's value every few steps walks only the steps
  /// since the last measurement (a walk of the whole graph each time made `y = y + h·f(y)`
  /// quadratic: 8000 steps took 3.9 s). Still an upper bound: a measured value's history
  /// reached again by another path, below it, counts twice.
  public func measureHistory() -> Int {
    let pass = ReverseMode.passCounter.wrappingAdd(1, ordering: .relaxed).newValue
    var bytes = 0
    var pending: [Variable] = [self]
    visitedBy = pass
    while let variable = pending.popLast() {
      if variable !== self, variable.historyMeasured {
        bytes = Variable.saturatingSum(bytes, variable.historyBytes)
        continue
      }
      if variable.primitive != nil {
        bytes = Variable.saturatingSum(bytes, variable.value.count &* MemoryLayout<Double>.stride)
      }
      for input in variable.inputs where input.visitedBy != pass {
        input.visitedBy = pass
        pending.append(input)
      }
    }
    historyBytes = bytes
    historyMeasured = true
    return historyBytes
  }

  /// a + b for byte counts, held at Int.max rather than wrapping around.
  static func saturatingSum(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
  }

  /// A value that never joins a graph (masks, seeds, values in a first-order backward pass).
  public static func constant(_ value: Tensor) -> Variable {
    Variable(value: value, tracked: false)
  }

  /// The value as a tracked leaf (what a name holds), still a mask if it was one.
  public func leaf() -> Variable {
    let v = Variable(value)
    v.isBoolean = isBoolean
    return v
  }

  /// A constant of 0s and 1s that indexes as a boolean mask.
  public static func boolean(_ value: Tensor) -> Variable {
    let v = Variable(value: value, tracked: false)
    v.isBoolean = true
    return v
  }

  public static func constant(_ scalar: Double) -> Variable {
    Variable(value: Tensor(scalar: scalar), tracked: false)
  }

  public var shape: [Int] { value.shape }
  public var rank: Int { value.rank }

  /// The name of the primitive that produced this value, or nil for a leaf.
  public var producer: String? { primitive?.name }

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
      let result = Variable(value: v.value, tracked: true)
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
  var mayHoldDeferred: Bool { deferred != nil || historyHoldsDeferred }

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
    record(.derivative, [traced])
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
