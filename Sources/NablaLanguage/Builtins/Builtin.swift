import NablaAutodiff
import NablaTensor

/// One parameter of a builtin.
public struct Parameter {
  public enum Kind {
    case tensor, scalar, integer, bool, string, function, list, any
    /// A shape given as separate integers or one vector: `zeros(2, 3)`, `zeros([2, 3])`.
    case dimensions
    /// What to differentiate with respect to: a bracket literal of names is always a list.
    case withRespectTo
  }

  public let name: String
  public let kind: Kind
  /// Nil for a required parameter.
  public let defaultValue: DefaultValue?
  /// Only accepted as `name: value`.
  public let namedOnly: Bool
  /// Collects the remaining positional arguments.
  public let variadic: Bool

  public enum DefaultValue {
    case value(Value)
    /// Optional with no value: the builtin decides (`axis` absent means all axes).
    case absent
  }

  public init(
    _ name: String, _ kind: Kind, default defaultValue: DefaultValue? = nil, namedOnly: Bool = false,
    variadic: Bool = false
  ) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.namedOnly = namedOnly
    self.variadic = variadic
  }

  /// How the parameter reads in a signature: `axis: -1`, `dims...`, `[seed:]`.
  var signatureText: String {
    if variadic { return "\(name)..." }
    switch defaultValue {
    case nil: return name
    case .absent: return namedOnly ? "\(name):" : "\(name)?"
    case .value(let v): return "\(name): \(Parameter.describeDefault(v))"
    }
  }

  static func describeDefault(_ v: Value) -> String {
    switch v {
    case .tensor(let t):
      guard let s = t.value.scalarValue else { return "…" }
      return s.rounded() == s && abs(s) < 1e15 ? String(Int(s)) : String(s)
    case .string(let s): return "\"\(s)\""
    default: return "…"
    }
  }
}

/// A name a user can call, declared once: signature, one-line doc, example and implementation.
/// The same entry drives argument checking, error messages, `:help`, completion and README.
/// A class, not a struct: a call passes one reference instead of copying (and retaining)
/// every field.
public final class Builtin {
  public let name: String
  public let parameters: [Parameter]
  public let doc: String
  public let example: String
  public let category: String
  let implementation: (BuiltinCall) throws -> Value
  /// For a function of one tensor (sin, exp, relu): the operation itself, so a call with one
  /// positional tensor goes straight to it without binding arguments by name.
  var unaryOperation: ((Variable) throws -> Variable)?
  /// The parameters that take positional arguments, in order, and their places in `parameters`.
  let positionalParameters: [Parameter]
  let positionalIndices: [Int]

  public init(
    _ name: String, _ parameters: [Parameter], category: String, doc: String, example: String,
    _ implementation: @escaping (BuiltinCall) throws -> Value
  ) {
    self.name = name
    self.parameters = parameters
    self.doc = doc
    self.example = example
    self.category = category
    self.implementation = implementation
    self.positionalParameters = parameters.filter { !$0.namedOnly }
    self.positionalIndices = parameters.indices.filter { !parameters[$0].namedOnly }
  }

  /// The place of the parameter called `name` in `parameters`.
  func parameterIndex(_ name: String) -> Int? {
    parameters.firstIndex { $0.name == name }
  }

  /// `softmax(x, axis: -1)`.
  public var signature: String {
    "\(name)(" + parameters.map(\.signatureText).joined(separator: ", ") + ")"
  }
}

/// Every builtin by name, in declaration order.
public struct BuiltinRegistry {
  public private(set) var ordered: [Builtin] = []
  var byName: [String: Int] = [:]
  /// One function value per builtin, made once rather than at every call.
  var functions: [FunctionValue] = []

  public init(_ builtins: [Builtin] = []) {
    for b in builtins { register(b) }
  }

  /// Adds a builtin; a later declaration of the same name replaces the earlier one.
  public mutating func register(_ builtin: Builtin) {
    let function = FunctionValue(name: builtin.name, kind: .builtin(builtin))
    if let i = byName[builtin.name] {
      ordered[i] = builtin
      functions[i] = function
    } else {
      byName[builtin.name] = ordered.count
      ordered.append(builtin)
      functions.append(function)
    }
  }

  public subscript(name: String) -> Builtin? {
    byName[name].map { ordered[$0] }
  }

  public var names: [String] { ordered.map(\.name) }

  /// The callable value of a builtin.
  public func function(named name: String) -> FunctionValue? {
    byName[name].map { functions[$0] }
  }

  /// The callable value of a builtin, found at the place `hint` remembers when it is there.
  /// Mutating though it changes nothing, as `SessionVariables.value(of:hint:)` is: the registry
  /// is then read in place, not copied at every call.
  mutating func function(named name: String, hint: NameHint) -> FunctionValue? {
    let known = hint.builtin
    if known >= 0, known < ordered.count, ordered[known].name == name { return functions[known] }
    guard let i = byName[name] else { return nil }
    hint.builtin = i
    return functions[i]
  }

  /// The builtins of the language itself (the session adds its own).
  public static var standard: BuiltinRegistry {
    BuiltinRegistry(
      Builtins.construction + Builtins.shape + Builtins.elementwise + Builtins.moreElementwise + Builtins.reductions
        + Builtins.linearAlgebra + Builtins.einsum + Builtins.selection + Builtins.neuralNetwork + Builtins.activations
        + Builtins.differentiation
        + Builtins.showing)
  }
}

/// Namespace for the builtin declarations, one file per category.
public enum Builtins {}

/// An argument after binding: its value and where it was written.
public struct BoundArgument {
  public let value: Value
  public let range: SourceRange?
  /// Whether it was written in the call's source (its text is there, at `range`).
  let written: Bool
}

/// A call to a builtin with its arguments bound to parameters, and typed accessors that report
/// a wrong argument with its place and the expected signature.
public final class BuiltinCall {
  public let builtin: Builtin
  public let interpreter: Interpreter
  /// The call expression, when the call was written in source.
  public let expression: Expr?
  /// The argument bound to each of `builtin.parameters`, in their order (an array rather than a
  /// dictionary by name: a call then hashes no strings).
  let arguments: [BoundArgument?]
  /// Extra positional arguments collected by a variadic parameter.
  let rest: [BoundArgument]

  init(
    builtin: Builtin, interpreter: Interpreter, expression: Expr?, arguments: [BoundArgument?],
    rest: [BoundArgument]
  ) {
    self.builtin = builtin
    self.interpreter = interpreter
    self.expression = expression
    self.arguments = arguments
    self.rest = rest
  }

  public func has(_ name: String) -> Bool { argument(name) != nil }

  public func argument(_ name: String) -> BoundArgument? {
    guard let i = builtin.parameterIndex(name), i < arguments.count else { return nil }
    return arguments[i]
  }

  public var range: SourceRange? { expression?.range }
  /// The call as the user wrote it.
  public var callText: String? { expression.map { interpreter.source.slice($0.range) } }

  public func fail(_ message: String, argument name: String? = nil) -> Diagnostic {
    let place = name.flatMap { argument($0)?.range } ?? expression?.range
    return Diagnostic("\(builtin.name): \(message)", at: place, notes: ["usage: \(builtin.signature)"])
  }

  public func value(_ name: String) throws -> Value {
    guard let a = argument(name) else { throw fail("missing argument '\(name)'") }
    return a.value
  }

  public func tensor(_ name: String) throws -> Variable {
    switch try value(name) {
    case .tensor(let v): return v
    case let other: throw fail("'\(name)' must be a tensor, got \(other.typeName)", argument: name)
    }
  }

  public func optionalTensor(_ name: String) throws -> Variable? {
    has(name) ? try tensor(name) : nil
  }

  public func double(_ name: String) throws -> Double {
    let t = try tensor(name)
    guard let v = t.value.scalarValue, t.rank == 0 || t.value.count == 1 else {
      throw fail("'\(name)' must be a number, got a tensor of shape \(Tensor.describe(t.shape))", argument: name)
    }
    return v
  }

  public func integer(_ name: String) throws -> Int {
    let v = try double(name)
    guard let i = Int(exactly: v), i.magnitude <= 1 << 40 else {
      let bound = v.rounded() == v ? " of at most 2^40 in size" : ""
      throw fail("'\(name)' must be a whole number\(bound), got \(v)", argument: name)
    }
    return i
  }

  /// Whole numbers from a number or a vector argument, each at most 2^40 in size.
  public func integers(_ name: String) throws -> [Int] {
    try integers(tensor(name).value, argument: name)
  }

  /// Whole numbers from a number or a vector given for the argument `name`.
  public func integers(_ t: Tensor, argument name: String) throws -> [Int] {
    guard t.rank <= 1 else {
      throw fail(
        "'\(name)' must be a whole number or a vector of them, got a tensor of shape \(Tensor.describe(t.shape))",
        argument: name)
    }
    return try t.data.map { v in
      guard let i = Int(exactly: v), i.magnitude <= 1 << 40 else {
        throw fail("'\(name)' must hold whole numbers, got \(v)", argument: name)
      }
      return i
    }
  }

  public func optionalInteger(_ name: String) throws -> Int? {
    has(name) ? try integer(name) : nil
  }

  public func bool(_ name: String) throws -> Bool {
    try double(name) != 0
  }

  public func string(_ name: String) throws -> String {
    switch try value(name) {
    case .string(let s): return s
    case let other: throw fail("'\(name)' must be a string, got \(other.typeName)", argument: name)
    }
  }

  public func function(_ name: String) throws -> FunctionValue {
    switch try value(name) {
    case .function(let f): return f
    case let other: throw fail("'\(name)' must be a function, got \(other.typeName)", argument: name)
    }
  }

  /// A list of tensors (`concat([a, b])`); a tensor counts as the list of its rows.
  public func tensors(_ name: String) throws -> [Variable] {
    switch try value(name) {
    case .list(let items):
      return try items.enumerated().map { (i, item) in
        guard case .tensor(let v) = item else {
          throw fail("item \(i) of '\(name)' must be a tensor, got \(item.typeName)", argument: name)
        }
        return v
      }
    case .tensor(let v) where v.rank >= 1:
      return try (0..<v.shape[0]).map { try v.indexed([.single($0)]) }
    case let other:
      throw fail("'\(name)' must be a list of tensors, got \(other.typeName)", argument: name)
    }
  }

  /// Axes from `axis:`: absent means all; a number or a vector of numbers.
  public func axes(_ name: String = "axis") throws -> [Int]? {
    guard has(name) else { return nil }
    let t = try tensor(name)
    return try t.value.data.map { v in
      guard let i = Int(exactly: v), i.magnitude < 1 << 20 else {
        throw fail("'\(name)' must hold whole numbers, got \(v)", argument: name)
      }
      return i
    }
  }

  /// Dimensions given as `f(2, 3)` or `f([2, 3])`, each a non-negative whole number.
  public func dimensions(_ name: String, allowInferred: Bool = false) throws -> [Int] {
    var values: [Double] = []
    var parts: [BoundArgument] = []
    if let first = argument(name) { parts.append(first) }
    parts.append(contentsOf: rest)
    for part in parts {
      guard case .tensor(let t) = part.value, t.rank <= 1 else {
        throw fail("'\(name)' must be whole numbers or a vector of them, got \(part.value.typeName)", argument: name)
      }
      values.append(contentsOf: t.value.data)
    }
    return try values.map { v in
      guard v == v.rounded(), v >= (allowInferred ? -1 : 0) else {
        throw fail("sizes must be whole numbers ≥ \(allowInferred ? -1 : 0), got \(v)", argument: name)
      }
      guard let i = Int(exactly: v), i < 1 << 40 else {
        throw fail("a size of \(Interpreter.describe(number: v)) is too large (at most 2^40)", argument: name)
      }
      return i
    }
  }

  /// The source text of an argument (`W`, `softmax(x)`), for titles and messages, when it was
  /// written in source; computed only when asked, so calls do not pay for it.
  public func text(_ name: String) -> String? {
    guard let a = argument(name), a.written, let range = a.range else { return nil }
    return interpreter.source.slice(range)
  }
}
