import NablaAutodiff
import NablaTensor

/// Anything a nabla expression can evaluate to.
public enum Value {
  case tensor(Variable)
  case function(FunctionValue)
  case string(String)
  case list([Value])
  /// The result of something run for its effect (`print`): nothing to show.
  case nothing

  public static func scalar(_ v: Double) -> Value { .tensor(Variable(Tensor(scalar: v))) }
  public static func tensor(_ t: Tensor) -> Value { .tensor(Variable(t)) }

  /// What a user would call this kind of value, for messages.
  public var typeName: String {
    switch self {
    case .tensor(let v): v.rank == 0 ? "a scalar" : "a tensor of shape \(Tensor.describe(v.shape))"
    case .function: "a function"
    case .string: "a string"
    case .list(let items): "a list of \(items.count)"
    case .nothing: "nothing"
    }
  }
}

/// A callable value: a builtin, a user definition, or a function made by `grad(f)`.
public final class FunctionValue {
  public enum Kind {
    case builtin(Builtin)
    case user(parameters: [String], body: Expr, source: SourceText)
    /// `grad(f)`: x ↦ ∂f/∂x (first argument), recorded so it can be differentiated again.
    case gradient(of: FunctionValue)
  }

  public let name: String
  public let kind: Kind
  /// The builtin when `kind` is one: read at every call without copying the kind's payload.
  let builtin: Builtin?

  public init(name: String, kind: Kind) {
    self.name = name
    self.kind = kind
    if case .builtin(let b) = kind { builtin = b } else { builtin = nil }
  }

  /// How the function shows: `f(x, W)`.
  public var signature: String {
    switch kind {
    case .builtin(let b): b.signature
    case .user(let parameters, _, _): "\(name)(\(parameters.joined(separator: ", ")))"
    case .gradient(let f): "grad(\(f.name))(\(f.parameterNames.first ?? "x"))"
    }
  }

  var parameterNames: [String] {
    switch kind {
    case .builtin(let b): b.parameters.map(\.name)
    case .user(let parameters, _, _): parameters
    case .gradient(let f): f.parameterNames
    }
  }
}
