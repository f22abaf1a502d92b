import NablaTensor

#if canImport(Glibc)
  import Glibc
#endif

/// What a VJP rule receives: the cotangent of the output, the inputs and the output, which are
/// the graph's own variables. When a higher derivative is requested (`recording`), the rule's
/// operations are recorded and can be differentiated again; in a first-order pass recording is
/// off on this thread, so the same operations record nothing, and a rule may compute its result
/// with a fused kernel instead.
///
/// The cotangent may carry leading *batch* axes in front of the output's shape (one per seed,
/// as when a Jacobian is computed in one pass); rules that use shapes put `batch` in front.
public struct VJPArguments {
  public let cotangent: Variable
  public let inputs: [Variable]
  public let output: Variable
  /// Whether the rule's operations are being recorded (a higher derivative will follow).
  public let recording: Bool

  public var g: Variable { cotangent }
  public var x: Variable { inputs[0] }
  public var y: Variable { output }

  /// The cotangent's leading axes in front of the output's shape.
  public var batch: [Int] { Array(cotangent.shape.prefix(cotangent.rank - output.rank)) }

  /// `batch ++ shape`: a shape as the cotangents of this pass have it.
  public func batched(_ shape: [Int]) -> [Int] { batch + shape }
}

/// The inputs for which a primitive's finite-difference check is valid.
public enum Domain: Sendable {
  /// Any real number.
  case real
  /// Strictly positive numbers (log, sqrt).
  case positive
  /// Values kept away from zero (division, kinks such as relu and abs at 0).
  case awayFromZero
  /// Inside (-1.4, 1.4), away from tan's poles.
  case bounded
  /// Inside (−0.9, 0.9): asin, acos, atanh, erfinv.
  case unit
  /// Above 1 (1.2 to 3): acosh.
  case aboveOne
  /// Square matrices far from singular (inv, det).
  case invertible
  /// Symmetric positive definite matrices (cholesky).
  case positiveDefinite
}

/// What an application of a primitive needs besides its inputs (axes, a permutation, a slope):
/// visible, so the symbolic layer can write the operation as a formula.
public enum PrimitiveAttribute: Sendable {
  case none
  case axes([Int])
  case permutation([Int])
  case axis(Int)
  case number(Double)
  case plan(IndexPlan)
  case window(WindowGeometry)
  /// A running sum or product along an axis, possibly from the end.
  case cumulative(axis: Int, reverse: Bool)
  /// A triangular solve: which triangle is read, and whether it is transposed.
  case triangle(lower: Bool, transpose: Bool)
}

/// A differentiable operation, declared once: its forward computation and one VJP rule per input,
/// side by side. VJP rules are written with `Variable` operations, so the rules themselves are
/// differentiable and higher derivatives need no second set of rules.
public final class Primitive: Sendable {
  public typealias Forward = @Sendable ([Tensor]) throws -> Tensor
  public typealias Rule = @Sendable (VJPArguments) throws -> Variable

  public let kind: PrimitiveKind
  public let attribute: PrimitiveAttribute
  /// The name shown in `:graph` and messages.
  public var name: String { kind.rawValue }
  /// Valid input domain for gradient checks.
  public let domain: Domain
  /// Whether second derivatives exist away from kinks (checked by the second-order test).
  public let twiceDifferentiable: Bool
  let forward: Forward
  /// For an elementwise primitive, the same function on one number (one or two operands): a
  /// scalar operation then skips the tensor kernels' set-up, which costs more than its
  /// arithmetic. Must give the numbers `forward` gives.
  let scalarForward: (@Sendable (Double, Double) -> Double)?
  /// One rule per input; nil marks an input the output does not depend on smoothly.
  let vjps: [Rule?]
  /// For an elementwise primitive, its rules on one number each, for a first-order pass over
  /// scalars (a chain of scalar operations would otherwise make four graph objects per rule):
  /// `(ḡ, a, b, y) → (ā, b̄)`, with `b = a` for one operand. Each must do the operations of its
  /// rules in the same order, so it gives the same bits; a test holds every one to its rules.
  let scalarVJP: ScalarVJP?

  /// `(ḡ, a, b, y) → (ā, b̄)`: see `scalarVJP`.
  public typealias ScalarVJP = @Sendable (_ g: Double, _ a: Double, _ b: Double, _ y: Double) -> (Double, Double)

  public init(
    _ kind: PrimitiveKind, domain: Domain = .real, twiceDifferentiable: Bool = true,
    attribute: PrimitiveAttribute = .none, forward: @escaping Forward,
    scalarForward: (@Sendable (Double, Double) -> Double)? = nil, vjps: [Rule?], scalarVJP: ScalarVJP? = nil
  ) {
    self.kind = kind
    self.attribute = attribute
    self.domain = domain
    self.twiceDifferentiable = twiceDifferentiable
    self.forward = forward
    self.scalarForward = scalarForward
    self.vjps = vjps
    self.scalarVJP = scalarVJP
  }

  /// Runs the forward computation and records the application when any input is tracked.
  public func apply(_ inputs: [Variable]) throws -> Variable {
    if let scalarForward, let first = inputs.first, first.value.shape.isEmpty,
      inputs.count == 1 || (inputs.count == 2 && inputs[1].value.shape.isEmpty)
    {
      let a = first.value.data[0]
      let value = Tensor(scalar: scalarForward(a, inputs.count == 2 ? inputs[1].value.data[0] : a))
      let tracked = (first.isTracked || (inputs.count == 2 && inputs[1].isTracked)) && Recording.isOn
      return tracked ? Variable(value: value, primitive: self, inputs: inputs) : Variable(value: value, tracked: false)
    }
    // A result is about as large as the largest operand (larger ones check their shape):
    // refused with an error when the machine cannot give that much, rather than aborting.
    let largest = inputs.reduce(0) { Swift.max($0, $1.value.count) } * MemoryLayout<Double>.stride
    if largest >= MemoryBudget.unchecked, let shortfall = MemoryBudget.shortfall(largest) {
      throw MemoryError("\(name): a result the size of its operand (\(MemoryBudget.describe(largest))) \(shortfall)")
    }
    let value = try forward(inputs.map(\.value))
    // A long kernel stops early at Ctrl-C (see `Interruption`); its partial result ends here.
    if Interruption.isPending { try Interruption.checkpoint() }
    return record(value, inputs: inputs)
  }

  /// The application to `inputs` whose value a fused kernel has already computed (a max pool's
  /// scan picks its gather's values): recorded when any input is tracked. `value` must be what
  /// `forward` gives, to the bit.
  func record(_ value: Tensor, inputs: [Variable]) -> Variable {
    if inputs.contains(where: \.isTracked) && Recording.isOn {
      return Variable(value: value, primitive: self, inputs: inputs)
    }
    return Variable(value: value, tracked: false)
  }

  public func apply(_ inputs: Variable...) throws -> Variable { try apply(inputs) }

  /// One operand: a scalar is computed without the tensor kernels' set-up (which costs more
  /// than its arithmetic), and without the array of inputs when it records nothing (a
  /// first-order backward pass, or constants).
  public func apply(_ a: Variable) throws -> Variable {
    guard let scalarForward, a.value.shape.isEmpty else { return try apply([a]) }
    let x = a.value.data[0]
    let value = Tensor(scalar: scalarForward(x, x))
    guard a.isTracked, Recording.isOn else { return Variable(value: value, tracked: false) }
    return Variable(value: value, primitive: self, inputs: [a])
  }

  /// Two operands: as `apply(_:)` for one.
  public func apply(_ a: Variable, _ b: Variable) throws -> Variable {
    guard let scalarForward, a.value.shape.isEmpty, b.value.shape.isEmpty else { return try apply([a, b]) }
    let value = Tensor(scalar: scalarForward(a.value.data[0], b.value.data[0]))
    guard a.isTracked || b.isTracked, Recording.isOn else { return Variable(value: value, tracked: false) }
    return Variable(value: value, primitive: self, inputs: [a, b])
  }
}

/// A unary elementwise primitive from a scalar function and its VJP.
func elementwise(
  _ name: PrimitiveKind, domain: Domain = .real, twice: Bool = true, attribute: PrimitiveAttribute = .none,
  _ f: @escaping @Sendable (Double) -> Double, vjp: @escaping Primitive.Rule,
  scalarVJP: (@Sendable (_ g: Double, _ x: Double, _ y: Double) -> Double)? = nil
) -> Primitive {
  Primitive(
    name, domain: domain, twiceDifferentiable: twice, attribute: attribute, forward: { $0[0].map(f) },
    scalarForward: { x, _ in f(x) }, vjps: [vjp],
    scalarVJP: scalarVJP.map { rule in { @Sendable g, x, _, y in (rule(g, x, y), 0) } })
}

/// A unary elementwise primitive from a whole-tensor kernel (for the hot ones, inlined loops).
func elementwise(
  _ name: PrimitiveKind, domain: Domain = .real, twice: Bool = true, attribute: PrimitiveAttribute = .none,
  kernel: @escaping @Sendable (Tensor) -> Tensor, vjp: @escaping Primitive.Rule,
  scalarVJP: (@Sendable (_ g: Double, _ x: Double, _ y: Double) -> Double)? = nil
) -> Primitive {
  Primitive(
    name, domain: domain, twiceDifferentiable: twice, attribute: attribute, forward: { kernel($0[0]) }, vjps: [vjp],
    scalarVJP: scalarVJP.map { rule in { @Sendable g, x, _, y in (rule(g, x, y), 0) } })
}

/// A binary elementwise primitive with NumPy broadcasting; rules return output-shaped cotangents
/// and the reverse pass sums them back to each input's shape.
func broadcasting(
  _ name: PrimitiveKind, domain: Domain = .real, twice: Bool = true,
  _ kernel: @escaping @Sendable (Tensor, Tensor) throws -> Tensor,
  scalar: (@Sendable (Double, Double) -> Double)? = nil,
  vjpA: @escaping Primitive.Rule, vjpB: @escaping Primitive.Rule, scalarVJP: Primitive.ScalarVJP? = nil
) -> Primitive {
  Primitive(
    name, domain: domain, twiceDifferentiable: twice, forward: { try kernel($0[0], $0[1]) }, scalarForward: scalar,
    vjps: [vjpA, vjpB], scalarVJP: scalarVJP)
}

/// Whether operations on tracked values record nodes on this thread: off while a first-order
/// reverse pass runs its rules on the graph's own variables (which then need no constant
/// copies), on everywhere else.
enum Recording {
  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  static var isOn: Bool { pthread_getspecific(key) == nil }

  /// Runs `body` with recording off on this thread.
  static func off<T>(_ body: () throws -> T) rethrows -> T {
    let previous = pthread_getspecific(key)
    pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
    defer { pthread_setspecific(key, previous) }
    return try body()
  }
}
