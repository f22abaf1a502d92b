import NablaTensor

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
  /// - Parameter createGraph: record the backward computation so its result can be differentiated
  ///   again (`hessian`, `grad(grad(f))`). When false, rules run on constants and nothing is recorded.
  public static func gradients(
    of output: Variable, withRespectTo targets: [Variable], seed: Variable? = nil, createGraph: Bool = false
  ) throws -> Gradients {
    let targetIDs = Set(targets.map(ObjectIdentifier.init))
    let order = topologicalOrder(from: output)
    // Which variables lie on a path to a target; only their cotangents are needed.
    var reaches: [ObjectIdentifier: Bool] = [:]
    for variable in order {
      let id = ObjectIdentifier(variable)
      var r = targetIDs.contains(id)
      if !r, let node = variable.node {
        r = node.inputs.contains { reaches[ObjectIdentifier($0)] == true }
      }
      reaches[id] = r
    }
    var cotangents: [ObjectIdentifier: Variable] = [:]
    let start = seed ?? Variable.constant(Tensor(repeating: 1, shape: output.shape))
    cotangents[ObjectIdentifier(output)] = createGraph ? start : Variable.constant(start.value)
    for variable in order.reversed() {
      let id = ObjectIdentifier(variable)
      guard reaches[id] == true, let node = variable.node, let g = cotangents[id] else { continue }
      let args: VJPArguments
      if createGraph {
        args = VJPArguments(cotangent: g, inputs: node.inputs, output: variable)
      } else {
        args = VJPArguments(
          cotangent: g, inputs: node.inputs.map { Variable.constant($0.value) },
          output: Variable.constant(variable.value))
      }
      for (i, input) in node.inputs.enumerated() {
        let inputID = ObjectIdentifier(input)
        guard reaches[inputID] == true, i < node.primitive.vjps.count, let rule = node.primitive.vjps[i] else {
          continue
        }
        var contribution = try rule(args)
        if contribution.shape != input.shape {
          contribution = try contribution.summed(toShape: input.shape)
        }
        if let existing = cotangents[inputID] {
          cotangents[inputID] = try existing + contribution
        } else {
          cotangents[inputID] = contribution
        }
      }
      // Free intermediate cotangents as soon as they are consumed.
      if !targetIDs.contains(id) { cotangents[id] = nil }
    }
    var values: [Variable] = []
    var depends: [Bool] = []
    for target in targets {
      if let g = cotangents[ObjectIdentifier(target)] {
        values.append(g)
        depends.append(true)
      } else {
        values.append(Variable.constant(Tensor(repeating: 0, shape: target.shape)))
        depends.append(false)
      }
    }
    return Gradients(values: values, dependsOn: depends)
  }

  /// Every variable reachable from `output`, inputs before the variables computed from them.
  /// Iterative, so a history of a million steps does not overflow the stack.
  static func topologicalOrder(from output: Variable) -> [Variable] {
    var order: [Variable] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Variable, Int)] = [(output, 0)]
    visited.insert(ObjectIdentifier(output))
    while let (variable, next) = stack.popLast() {
      let inputs = variable.node?.inputs ?? []
      if next < inputs.count {
        stack.append((variable, next + 1))
        let child = inputs[next]
        if visited.insert(ObjectIdentifier(child)).inserted {
          stack.append((child, 0))
        }
      } else {
        order.append(variable)
      }
    }
    return order
  }
}
