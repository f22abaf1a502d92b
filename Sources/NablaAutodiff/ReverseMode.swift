import NablaTensor
import Synchronization

/// The result of a reverse pass: one gradient per target, and whether the output depends on it.
public struct Gradients {
  public let values: [Variable]
  /// False where the output does not depend on the target (its gradient is zeros).
  public let dependsOn: [Bool]
}

/// Reverse-mode differentiation over the recorded graph.
public enum ReverseMode {
  /// `∂output/∂targets` contracted with `seed` (ones for a scalar output when nil).
  ///
  /// The seed may have leading batch axes in front of the output's shape: each batch entry is
  /// one cotangent, and every gradient comes back with the same leading axes. A Jacobian is one
  /// such pass with the identity as the seed.
  ///
  /// - Parameter createGraph: record the backward computation so its result can be differentiated
  ///   again (`hessian`, `grad(grad(f))`). When false, rules run on constants and nothing is recorded.
  public static func gradients(
    of output: Variable, withRespectTo targets: [Variable], seed: Variable? = nil, createGraph: Bool = false
  ) throws -> Gradients {
    if output.mayHoldDeferred { try rebuildDeferredHistories(from: output) }
    let pass = ReverseMode.passCounter.wrappingAdd(1, ordering: .relaxed).newValue
    let order = topologicalOrder(from: output, pass: pass)
    // Targets not in the graph at all get zeros below.
    var isTarget = [Bool](repeating: false, count: order.count)
    for t in targets where t.visitedBy == pass { isTarget[t.orderIndex] = true }
    // Which variables lie on a path to a target; only their cotangents are needed.
    var reaches = isTarget
    for k in order.indices where !reaches[k] {
      reaches[k] = Unmanaged.passUnretained(order[k])._withUnsafeGuaranteedRef { variable in
        variable.inputs.contains { reaches[$0.orderIndex] }
      }
    }
    var cotangents = [Cotangent](repeating: .none, count: order.count)
    let start = seed ?? Variable.constant(Tensor(repeating: 1, shape: output.shape))
    guard start.rank >= output.rank, Array(start.shape.suffix(output.rank)) == output.shape else {
      throw ShapeError(
        operation: "vjp", shapes: [start.shape, output.shape],
        rule: "the cotangent must have the output's shape \(Tensor.describe(output.shape))")
    }
    let batch = Array(start.shape.prefix(start.rank - output.rank))
    // A first-order pass with one cotangent keeps a scalar's cotangent as a number, and runs a
    // scalar primitive's `scalarVJP` on numbers: a chain of scalar operations then makes no
    // graph objects at all on the way back.
    let numbers = !createGraph && batch.isEmpty
    // A seed made here is a constant already; one passed in may be tracked.
    let first = createGraph || seed == nil ? start : Variable.constant(start.value)
    // A number only for a step with a scalar rule: any other would make it a variable again.
    cotangents[order.count - 1] =
      output.primitive?.scalarVJP != nil ? Cotangent(first, numbers: numbers) : .variable(first)
    // A first-order pass records nothing: its rules run on the graph's own variables with
    // recording off on this thread.
    func runPass() throws {
      for k in stride(from: order.count - 1, through: 0, by: -1) {
        guard reaches[k] else { continue }
        if case .number(let g) = cotangents[k],
          Unmanaged.passUnretained(order[k])._withUnsafeGuaranteedRef({
            Self.addScalarContributions(of: $0, g, to: &cotangents, reaches: reaches)
          })
        {
          if !isTarget[k] { cotangents[k] = .none }
          continue
        }
        let variable = order[k]
        guard let primitive = variable.primitive else { continue }
        let inputs = variable.inputs
        guard let g = cotangents[k].variable else { continue }
        let args = VJPArguments(cotangent: g, inputs: inputs, output: variable, recording: createGraph)
        for (i, input) in inputs.enumerated() {
          let j = input.orderIndex
          guard reaches[j], i < primitive.vjps.count, let rule = primitive.vjps[i] else { continue }
          var contribution = try rule(args)
          if batch.isEmpty ? contribution.shape != input.shape : contribution.shape != batch + input.shape {
            contribution = try contribution.unbroadcast(to: input.shape, batch: batch)
          }
          // A first-order pass computes with values only (a rule that hands back one of the
          // graph's own variables gives its value).
          if !createGraph && contribution.isTracked { contribution = .constant(contribution.value) }
          switch cotangents[j] {
          case .none: cotangents[j] = Cotangent(contribution, numbers: numbers)
          case .number(let existing):
            cotangents[j] = Cotangent(try .constant(Tensor(scalar: existing)) + contribution, numbers: numbers)
          case .variable(let existing): cotangents[j] = .variable(try existing + contribution)
          }
        }
        // Free intermediate cotangents as soon as they are consumed.
        if !isTarget[k] { cotangents[k] = .none }
      }
    }
    if createGraph { try runPass() } else { try Recording.off { try runPass() } }
    var values: [Variable] = []
    var depends: [Bool] = []
    for target in targets {
      if target.visitedBy == pass, let g = cotangents[target.orderIndex].variable {
        values.append(g)
        depends.append(true)
      } else {
        values.append(Variable.constant(Tensor(repeating: 0, shape: batch + target.shape)))
        depends.append(false)
      }
    }
    return Gradients(values: values, dependsOn: depends)
  }

  /// A cotangent during a pass: nothing yet, a number (a scalar's, in a first-order pass with one
  /// cotangent), or a variable.
  enum Cotangent {
    case none
    case number(Double)
    case variable(Variable)

    /// `v`, as a number when `numbers` allows and it is a scalar.
    init(_ v: Variable, numbers: Bool) {
      self = numbers && v.rank == 0 ? .number(v.value.data[0]) : .variable(v)
    }

    /// The cotangent as a variable (a number becomes a constant), or nil for none.
    var variable: Variable? {
      switch self {
      case .none: nil
      case .number(let n): .constant(Tensor(scalar: n))
      case .variable(let v): v
      }
    }
  }

  /// A step of a first-order pass over scalars: `variable`'s scalar rule run on numbers, each
  /// result added to its input's cotangent (kept a number). False, having done nothing, when the
  /// step needs the general rules. The inputs are read unretained (the graph holds them): a
  /// retain and release per read was most of a scalar step's cost.
  @inline(__always)
  static func addScalarContributions(
    of variable: Variable, _ g: Double, to cotangents: inout [Cotangent], reaches: [Bool]
  ) -> Bool {
    guard let primitive = variable.primitive, let scalarVJP = primitive.scalarVJP else { return false }
    let inputs = variable.inputs
    let count = inputs.count
    guard count == 1 || count == 2, primitive.vjps.count >= count else { return false }
    let first = Unmanaged.passUnretained(inputs[0])
    let second = Unmanaged.passUnretained(inputs[count - 1])
    let operands = first._withUnsafeGuaranteedRef { a in
      second._withUnsafeGuaranteedRef { b -> (Double, Int, Double, Int)? in
        guard a.value.shape.isEmpty, b.value.shape.isEmpty else { return nil }
        return (a.value.data[0], a.orderIndex, b.value.data[0], b.orderIndex)
      }
    }
    guard let (a, i, b, j) = operands, variable.value.shape.isEmpty else { return false }
    // Every cotangent of a scalar is a number in such a pass; were one a variable, the general
    // rules would add to it.
    if case .variable = cotangents[i] { return false }
    if case .variable = cotangents[j] { return false }
    let (ga, gb) = scalarVJP(g, a, b, variable.value.data[0])
    func add(_ contribution: Double, at index: Int) {
      switch cotangents[index] {
      case .none: cotangents[index] = .number(contribution)
      case .number(let existing): cotangents[index] = .number(existing + contribution)
      case .variable: break  // ruled out above
      }
    }
    if reaches[i], primitive.vjps[0] != nil { add(ga, at: i) }
    if count == 2, reaches[j], primitive.vjps[1] != nil { add(gb, at: j) }
    return true
  }

  /// Rebuilds every deferred derivative history reachable from `output`, before a pass walks the
  /// graph (a rebuild runs reverse passes of its own, which would disturb a walk in progress).
  /// A rebuilt history may itself reach deferred derivatives, so repeat until none is left.
  static func rebuildDeferredHistories(from output: Variable) throws {
    while true {
      let pass = passCounter.wrappingAdd(1, ordering: .relaxed).newValue
      let pending = topologicalOrder(from: output, pass: pass).filter { $0.deferred != nil }
      if pending.isEmpty { return }
      for variable in pending { try variable.rebuildHistory() }
    }
  }

  /// The element count of the largest value in the graph of `output`.
  static func largestValue(from output: Variable) -> Int {
    let pass = passCounter.wrappingAdd(1, ordering: .relaxed).newValue
    return topologicalOrder(from: output, pass: pass).reduce(0) { max($0, $1.value.count) }
  }

  /// One step of a recorded computation, for showing the graph (`:graph`, `:explain`).
  public struct GraphStep {
    /// Position in the order below; inputs refer to earlier positions.
    public let index: Int
    /// The primitive, or nil for a leaf.
    public let primitive: String?
    public let shape: [Int]
    public let inputs: [Int]
    /// Whether a path leads from this step to `target` (the variable asked about).
    public let reachesTarget: Bool
    public let isTarget: Bool
    /// The value itself, so a leaf can be named by the variable that holds it.
    public let variable: Variable
  }

  /// The graph that computed `output`, inputs first; `target` marks the steps on its paths.
  public static func graph(of output: Variable, target: Variable? = nil) -> [GraphStep] {
    let pass = passCounter.wrappingAdd(1, ordering: .relaxed).newValue
    let order = topologicalOrder(from: output, pass: pass)
    var reaches = [Bool](repeating: false, count: order.count)
    for (k, v) in order.enumerated() {
      reaches[k] = v === target || v.inputs.contains { reaches[$0.orderIndex] }
    }
    return order.enumerated().map { k, v in
      GraphStep(
        index: k, primitive: v.primitive?.name, shape: v.shape, inputs: v.inputs.map(\.orderIndex),
        reachesTarget: reaches[k], isTarget: v === target, variable: v)
    }
  }

  /// Numbers each reverse pass, so a variable's stamp says whether this pass has visited it.
  /// (A counter, not an object's address: addresses are reused and would alias old stamps.)
  static let passCounter = Atomic<UInt64>(0)

  /// Every variable reachable from `output`, inputs before the variables computed from them,
  /// each stamped with its position. Iterative, so a long history does not overflow the stack.
  static func topologicalOrder(from output: Variable, pass token: UInt64) -> [Variable] {
    // Room for a training step's graph from the start (growing from empty reallocated the
    // order five times per step).
    var order: [Variable] = []
    order.reserveCapacity(64)
    // Unretained references on the stack: the graph below `output` keeps every variable alive
    // for the walk, and a retain and release per push and pop was a fifth of a scalar
    // gradient's time.
    var stack: [(variable: Unmanaged<Variable>, next: Int)] = []
    stack.reserveCapacity(32)
    stack.append((.passUnretained(output), 0))
    output.visitedBy = token
    while let top = stack.last {
      let descend: Unmanaged<Variable>? = top.variable._withUnsafeGuaranteedRef { variable in
        guard top.next < variable.inputs.count else { return nil }
        return Unmanaged.passUnretained(variable.inputs[top.next])
      }
      if let child = descend {
        stack[stack.count - 1].next += 1
        let fresh = child._withUnsafeGuaranteedRef { child in
          guard child.visitedBy != token else { return false }
          child.visitedBy = token
          return true
        }
        if fresh { stack.append((child, 0)) }
      } else {
        stack.removeLast()
        let variable = top.variable.takeUnretainedValue()
        variable.orderIndex = order.count
        order.append(variable)
      }
    }
    return order
  }
}
