import NablaAutodiff
import NablaTensor

/// ∂y/∂x as a formula, with the autodiff value it was checked against.
public struct Derivation {
  /// The derivative in matrix notation: the gradient (shape of x) for a scalar y, the Jacobian
  /// (rows are outputs) otherwise. Nil when no closed form could be written.
  public let formula: Formula?
  /// The autodiff value (differentiable again).
  public let value: Variable
  /// The largest difference between the formula's own value and autodiff's, relative to the
  /// size of the value; nil when there is no formula.
  public let mismatch: Double?
  /// Why there is no formula, or what a simplification assumed (Σt = 1).
  public let notes: [String]
  /// False when y does not depend on x at all (the derivative is zeros).
  public var dependsOn = true

  public init(formula: Formula?, value: Variable, mismatch: Double?, notes: [String]) {
    self.formula = formula
    self.value = value
    self.mismatch = mismatch
    self.notes = notes
  }

  /// Whether the formula and autodiff agree to rounding.
  public var agrees: Bool { (mismatch ?? 0) <= 1e-8 }
}

/// Derivatives as formulas: the backward pass is traced with recording on (so the VJP rules of
/// the primitive table write the formula), read back as a formula, simplified, and checked
/// against the autodiff value by evaluating the simplified formula itself.
public enum Deriver {
  /// `∂y/∂x`. `names` maps values (by identity) to the names they have in the session; `x` is
  /// named `xName`. `definitions` are the session's named values as formulas, so a subformula
  /// that computes one of them (softmax(x) when p = softmax(x)) is written with its name.
  public static func derive(
    _ y: Variable, withRespectTo x: Variable, xName: String, names: [ObjectIdentifier: String],
    values: [String: Variable], definitions: [(name: String, formula: Formula)] = []
  ) throws -> Derivation {
    let scalar = y.value.count == 1
    // The autodiff value, first.
    let value: Variable
    if scalar {
      value = try Differentiation.gradient(of: y, withRespectTo: [x]).values[0]
    } else {
      value = try Differentiation.jacobian(of: y, withRespectTo: x).jacobian
    }
    var notes: [String] = []
    guard scalar || (y.rank <= 1 && x.rank <= 1) else {
      notes.append(
        "a Jacobian of \(Tensor.describe(y.shape)) by \(Tensor.describe(x.shape)) has no matrix form; here is its value"
      )
      return Derivation(formula: nil, value: value, mismatch: nil, notes: notes)
    }
    // Trace: seed 1 for a gradient, a named seed Ḡ for a Jacobian (the result is linear in it).
    let seed =
      scalar ? Variable.constant(Tensor(repeating: 1, shape: y.shape)) : Variable(Tensor(repeating: 0, shape: y.shape))
    let traced = try ReverseMode.gradients(of: y, withRespectTo: [x], seed: seed, createGraph: true)
    guard traced.dependsOn[0] else {
      var zero = Derivation(formula: Formula(.number(0), shape: value.shape), value: value, mismatch: 0, notes: notes)
      zero.dependsOn = false
      return zero
    }
    var allNames = names
    allNames[ObjectIdentifier(x)] = xName
    if !scalar { allNames[ObjectIdentifier(seed)] = Deriver.seedName }
    var lifter = FormulaLifter(names: allNames)
    for (name, v) in values.sorted(by: { $0.key < $1.key }) where v.value.count > 1 {
      let key = Formula.Constant(v.value)
      if lifter.constantNames[key] == nil { lifter.constantNames[key] = name }
    }
    var formula: Formula
    do {
      formula = try lifter.lift(traced.values[0])
    } catch {
      notes.append("the history is too long to write as one formula; here is its value")
      return Derivation(formula: nil, value: value, mismatch: nil, notes: notes)
    }
    var simplifier = Simplifier(facts: Facts(values: values.merging([xName: x]) { a, _ in a }))
    // A Jacobian is read from the expanded terms, then simplified as a whole.
    simplifier.factoring = scalar
    formula = simplifier.simplify(formula)
    simplifier.factoring = true
    if !scalar {
      guard let jacobian = LinearMap.jacobian(formula, seed: Deriver.seedName, output: y.shape, input: x.shape) else {
        notes.append("no matrix form was found for this Jacobian; here is its value")
        return Derivation(formula: nil, value: value, mismatch: nil, notes: notes)
      }
      formula = simplifier.simplify(jacobian)
    }
    formula = simplifier.name(formula, definitions, whole: false)
    notes.append(contentsOf: simplifier.usedFacts)
    guard formula.nodeCount <= 4000 else {
      notes.append("the formula is too long to show; here is its value")
      return Derivation(formula: nil, value: value, mismatch: nil, notes: notes)
    }
    // The check: the formula's own value against autodiff's.
    var bindings = values
    bindings[xName] = x
    let mismatch: Double
    do {
      let check = try FormulaEvaluator(bindings: bindings).evaluate(formula)
      mismatch = relativeDifference(check.value, value.value)
    } catch let unknown as FormulaEvaluator.Unbound {
      // An operation with no symbolic rule yet: say so, and show the value.
      notes.append("no closed form for \(Self.describe(operation: unknown.name)) yet; here is the value")
      return Derivation(formula: nil, value: value, mismatch: nil, notes: notes)
    } catch {
      mismatch = .infinity
    }
    return Derivation(formula: formula, value: value, mismatch: mismatch, notes: notes)
  }

  /// An operation as the note names it: the adjoints that derivative rules bring in, which
  /// a student never wrote, by what they do.
  static func describe(operation name: String) -> String {
    switch name {
    case "avgpool2d_transpose": return "avgpool2d's adjoint (each entry spread over its window)"
    case "col2im": return "col2im (im2col's adjoint: the columns added back into the image)"
    default: return name
    }
  }

  /// The name of a Jacobian's cotangent seed while the formula is being read.
  public static let seedName = "Ḡ"

  /// max |a − b| / max(1, max |b|), or infinity for different shapes.
  static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    var scale = 1.0
    for (u, v) in zip(a.data, b.data) {
      if u.isNaN != v.isNaN { return .infinity }
      if u.isNaN || u == v { continue }
      worst = Swift.max(worst, Swift.abs(u - v))
      scale = Swift.max(scale, Swift.abs(v))
    }
    return worst / scale
  }
}
