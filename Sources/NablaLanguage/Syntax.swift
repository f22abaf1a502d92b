import NablaAutodiff

/// An expression node. A class, so that a builtin can tell whether it is the statement's own
/// top-level call (which decides how a result is presented).
public final class Expr: Sendable {
  public let kind: Kind
  public let range: SourceRange
  /// A number literal's value, made once: a constant, so arithmetic on literals alone records
  /// nothing. (Assignment turns a constant into a differentiable leaf.)
  let literal: Variable?
  /// For an identifier: where its name was found when it last ran.
  let hint: NameHint?

  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
    if case .number(let v) = kind { literal = .constant(v) } else { literal = nil }
    if case .identifier = kind { hint = NameHint() } else { hint = nil }
  }

  public indirect enum Kind: Sendable {
    case number(Double)
    case string(String)
    case identifier(String)
    /// `[a, b]` has one row; `[1, 2; 3, 4]` (MATLAB rows) has several and `rowSeparated`.
    case bracket(rows: [[Expr]], rowSeparated: Bool)
    case unary(op: String, operand: Expr)
    case binary(op: String, lhs: Expr, rhs: Expr, opRange: SourceRange)
    case call(callee: Expr, arguments: [Argument])
    case index(base: Expr, items: [IndexArgument])
    case transpose(Expr)
    case member(base: Expr, name: String, nameRange: SourceRange)
    /// `a..b`, end exclusive.
    case range(Expr, Expr)
    case ifElse(condition: Expr, then: [Statement], otherwise: [Statement]?)
    case block([Statement])
  }
}

/// A call argument: positional, or named as `name: value` / `name = value`.
public struct Argument: Sendable {
  public let label: String?
  public let labelRange: SourceRange?
  public let value: Expr
}

/// One item between the brackets of `x[...]`.
public enum IndexArgument: Sendable {
  case expression(Expr)
  case slice(start: Expr?, stop: Expr?, step: Expr?, range: SourceRange)
}

/// A statement, and whether a trailing `;` suppressed its output.
public struct Statement: Sendable {
  public enum Kind: Sendable {
    case expression(Expr)
    case assign(name: String, nameRange: SourceRange, value: Expr)
    /// `x += e` and friends: `op` is `+`, `-`, `*` or `/`.
    case compound(name: String, nameRange: SourceRange, op: String, value: Expr)
    /// `x[i, 1:3] = v` (and `x[i] += v`): a new value for x with those entries replaced.
    case assignIndex(name: String, nameRange: SourceRange, items: [IndexArgument], value: Expr)
    /// `X, y = digits()`.
    case unpack(names: [String], value: Expr)
    case function(name: String, parameters: [String], body: Expr)
    case forLoop(variable: String, sequence: Expr, body: [Statement])
  }

  public let kind: Kind
  public let range: SourceRange
  public var suppressed: Bool
  /// For a statement that binds a name (`y = …`, `y += …`, a loop's variable): where the name's
  /// session variable was found when it last ran.
  let target: NameHint?

  public init(kind: Kind, range: SourceRange, suppressed: Bool) {
    self.kind = kind
    self.range = range
    self.suppressed = suppressed
    switch kind {
    case .assign, .compound, .forLoop: target = NameHint()
    default: target = nil
    }
  }
}
