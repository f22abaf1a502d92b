import NablaAutodiff
import NablaTensor

/// An argument as written at a call site, evaluated.
struct CallArgument {
  let label: String?
  let value: Value
  let range: SourceRange?
  /// Where the label was written, for an error about it.
  var labelRange: SourceRange? = nil
  /// Whether the argument was written in the source being run (not a value passed by a
  /// builtin); its text is then that source's, at `range`.
  var written = false
}

extension Interpreter {
  func evaluateCall(_ callExpr: Expr, callee: Expr, arguments: [Argument]) throws -> Value {
    if interruptRequested() { throw Diagnostic("interrupted", at: callExpr.range) }
    let function: FunctionValue
    switch try evaluate(callee) {
    case .function(let f): function = f
    case let other:
      throw Diagnostic("\(operandName(callee)) is \(other.typeName), not a function", at: callee.range)
    }
    // sin(y): one positional tensor to a function of one tensor, without binding by name.
    // (Anything else, or an error, takes the general path, which words the message.)
    if let b = function.builtin, let operation = b.unaryOperation, arguments.count == 1,
      arguments[0].label == nil
    {
      let value = try evaluate(arguments[0].value)
      if case .tensor(let v) = value {
        let result: Variable
        do {
          result = try operation(v)
        } catch {
          throw builtinError(error, b, expression: callExpr)
        }
        traceHook?(b.name, result, [value])
        noteNonFinite(result.value, inputs: [v.value], operation: self.source.slice(callExpr.range))
        return .tensor(result)
      }
      let argument = CallArgument(
        label: nil, value: value, range: arguments[0].value.range, labelRange: nil, written: true)
      return try call(function, [argument], expression: callExpr)
    }
    var evaluated: [CallArgument] = []
    evaluated.reserveCapacity(arguments.count)
    var positional = 0
    for argument in arguments {
      let kind = parameterKind(function, label: argument.label, position: positional)
      if argument.label == nil { positional += 1 }
      let value: Value
      if kind == .withRespectTo, case .bracket(let rows, false) = argument.value.kind,
        rows.count == 1, rows[0].allSatisfy({ if case .identifier = $0.kind { return true } else { return false } })
      {
        // `grad(e, [a, b])`: a bracket of names is a list of those variables, scalars included.
        value = .list(try rows[0].map { try evaluate($0) })
      } else {
        value = try evaluate(argument.value)
      }
      evaluated.append(
        CallArgument(
          label: argument.label, value: value, range: argument.value.range, labelRange: argument.labelRange,
          written: true))
    }
    return try call(function, evaluated, expression: callExpr)
  }

  /// The kind of the parameter an argument binds to (by label, or by position).
  func parameterKind(_ function: FunctionValue, label: String?, position: Int) -> Parameter.Kind? {
    guard let b = function.builtin else { return nil }
    if let label { return b.parameterIndex(label).map { b.parameters[$0].kind } }
    let positional = b.positionalParameters
    if position < positional.count { return positional[position].kind }
    return positional.last?.variadic == true ? positional.last?.kind : nil
  }

  /// Calls a function with positional values (used by builtins such as `grad(f)`, `jacobian(f, x0)`).
  public func call(_ function: FunctionValue, _ values: [Value], at range: SourceRange? = nil) throws -> Value {
    try call(function, values.map { CallArgument(label: nil, value: $0, range: range) }, expression: nil)
  }

  func call(_ function: FunctionValue, _ arguments: [CallArgument], expression: Expr?) throws -> Value {
    if let builtin = function.builtin { return try callBuiltin(builtin, arguments, expression: expression) }
    switch function.kind {
    case .builtin(let builtin):
      return try callBuiltin(builtin, arguments, expression: expression)
    case .user(let parameters, let body, let definitionSource):
      var frame = [String: Value](minimumCapacity: parameters.count)
      var position = 0
      for argument in arguments {
        if let label = argument.label {
          guard parameters.contains(label) else {
            throw Diagnostic(
              "\(function.name) has no parameter '\(label)'", at: argument.labelRange ?? argument.range,
              notes: ["usage: \(function.signature)"], suggestion: NameSuggestion.nearest(to: label, in: parameters))
          }
          guard frame[label] == nil else {
            throw Diagnostic(
              "\(function.name): '\(label)' is given twice", at: argument.labelRange ?? argument.range,
              notes: ["usage: \(function.signature)"])
          }
          frame[label] = argument.value
        } else {
          guard position < parameters.count else {
            throw Diagnostic(
              "\(function.name) takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(arguments.count)",
              at: argument.range ?? expression?.range, notes: ["usage: \(function.signature)"])
          }
          frame[parameters[position]] = argument.value
          position += 1
        }
      }
      for p in parameters where frame[p] == nil {
        throw Diagnostic(
          "\(function.name) is missing its argument '\(p)'", at: expression?.range,
          notes: ["usage: \(function.signature)"])
      }
      guard callDepth < Interpreter.maximumCallDepth else {
        throw Diagnostic(
          "recursion deeper than \(Interpreter.maximumCallDepth) calls (in \(function.name)); is a base case missing?",
          at: expression?.range ?? body.range)
      }
      callDepth += 1
      frames.append(frame)
      let savedSource = source
      source = definitionSource
      defer {
        frames.removeLast()
        callDepth -= 1
        source = savedSource
      }
      do {
        return try evaluate(body)
      } catch var d as Diagnostic {
        // The error points into the function's body, which may be text from an earlier input:
        // keep that text with it, and say which call led there (innermost first).
        if d.source == nil, d.range != nil { d.source = definitionSource }
        if let call = expression?.range.start {
          let note =
            "in \(function.name), called at line \(call.line + savedSource.firstLine - 1), column \(call.column)"
          // Recursion repeats one call site: count it rather than list it 200 times.
          if let last = d.notes.last, last == note || last.hasPrefix(note + " (") {
            let times = Int(last.dropFirst(note.count + 2).prefix(while: \.isNumber)) ?? 1
            d.notes[d.notes.count - 1] = note + " (\(times + 1) times)"
          } else {
            d.notes.append(note)
          }
        }
        throw d
      }
    case .gradient(let f):
      guard let first = arguments.first, case .tensor(let x0) = first.value else {
        throw Diagnostic("\(function.signature) needs a tensor argument", at: expression?.range)
      }
      // Differentiate at the value passed in, keeping its history, so grad(grad(f)) sees the
      // outer variable; a constant becomes a leaf.
      let x = x0.isTracked ? x0 : Variable(x0.value)
      var rest = arguments
      rest[0] = CallArgument(label: first.label, value: .tensor(x), range: first.range, written: first.written)
      guard case .tensor(let y) = try call(f, rest, expression: expression) else {
        throw Diagnostic(
          "\(f.name) must return a tensor to be differentiated", at: expression?.range ?? first.range)
      }
      // Differentiable again (grad(grad(f))): the backward pass is recorded only if asked.
      let g = try Variable.rememberingHistory {
        try Differentiation.gradient(of: y, withRespectTo: [x], createGraph: $0).values
      }[0]
      // As grad(f, x0) does, a derivative that comes out inf or nan at a finite point says so.
      noteNonFinite(
        g.value, inputs: [x0.value], operation: expression.map { self.source.slice($0.range) } ?? function.signature)
      return .tensor(g)
    }
  }

  func callBuiltin(_ builtin: Builtin, _ arguments: [CallArgument], expression: Expr?) throws -> Value {
    let parameters = builtin.parameters
    var bound = [BoundArgument?](repeating: nil, count: parameters.count)
    var rest: [BoundArgument] = []
    let positional = builtin.positionalIndices
    var position = 0
    func usage() -> [String] { ["usage: \(builtin.signature)"] }
    for argument in arguments {
      let b = BoundArgument(value: argument.value, range: argument.range, written: argument.written)
      if let label = argument.label {
        guard let i = builtin.parameterIndex(label) else {
          throw Diagnostic(
            "\(builtin.name) has no parameter '\(label)'", at: argument.labelRange ?? argument.range, notes: usage(),
            suggestion: NameSuggestion.nearest(to: label, in: parameters.map(\.name)))
        }
        guard bound[i] == nil else {
          throw Diagnostic("\(builtin.name): '\(label)' is given twice", at: argument.range, notes: usage())
        }
        bound[i] = b
      } else if position < positional.count {
        let i = positional[position]
        if bound[i] != nil {
          if parameters[i].variadic {
            rest.append(b)
            continue
          }
          throw Diagnostic(
            "\(builtin.name): '\(parameters[i].name)' is given twice", at: argument.range, notes: usage())
        }
        bound[i] = b
        if !parameters[i].variadic { position += 1 }
      } else {
        let count = positional.count
        throw Diagnostic(
          "\(builtin.name) takes at most \(count) positional argument\(count == 1 ? "" : "s"), got \(arguments.filter { $0.label == nil }.count)",
          at: argument.range ?? expression?.range, notes: usage())
      }
    }
    for (i, p) in parameters.enumerated() where bound[i] == nil {
      switch p.defaultValue {
      case nil:
        throw Diagnostic("\(builtin.name) is missing its argument '\(p.name)'", at: expression?.range, notes: usage())
      case .absent?:
        break
      case .value(let v)?:
        bound[i] = BoundArgument(value: v, range: nil, written: false)
      }
    }
    let call = BuiltinCall(builtin: builtin, interpreter: self, expression: expression, arguments: bound, rest: rest)
    do {
      let result = try builtin.implementation(call)
      if case .tensor(let v) = result {
        traceHook?(builtin.name, v, arguments.map(\.value))
        // The first operation to turn finite inputs into inf or nan gets named in a note.
        noteNonFinite(
          v.value,
          inputs: bound.compactMap { if case .tensor(let t)? = $0?.value { t.value } else { nil } }
            + rest.compactMap { if case .tensor(let t) = $0.value { t.value } else { nil } },
          operation: expression.map { self.source.slice($0.range) } ?? builtin.name)
      }
      return result
    } catch {
      throw builtinError(error, builtin, expression: expression)
    }
  }

  /// An error thrown inside a builtin, as the user sees it: placed at the call, with the
  /// shapes and the usage line for a shape error.
  func builtinError(_ error: Error, _ builtin: Builtin, expression: Expr?) -> Error {
    switch error {
    case var d as Diagnostic:
      // An error from a function this builtin called points at the builtin's call when it has
      // no place of its own.
      if d.range == nil { d.range = expression?.range }
      return d
    case let error as ShapeError:
      return Diagnostic(
        "\(builtin.name): \(error.rule)", at: expression?.range,
        notes: ["shapes: " + error.shapes.map(Tensor.describe).joined(separator: ", ")].filter { _ in
          !error.shapes.isEmpty
        } + ["usage: \(builtin.signature)"])
    default:
      return Diagnostic("\(builtin.name): \(Interpreter.describe(error))", at: expression?.range)
    }
  }

  /// Asks the statement to present this call's result (a titled gradient, a Jacobian table), if
  /// the call is the statement's own expression.
  public func present(_ presentation: Presentation, for call: BuiltinCall) {
    if let e = call.expression { pendingPresentation = (e, presentation) }
  }

  /// Text the call shows whether or not its value is: in place of the value when the call is
  /// the whole statement, on its own when the value is assigned (`h = train(...)` still shows
  /// its curve); nothing after a trailing `;`.
  public func report(_ text: DrawnText, for call: BuiltinCall) {
    if let e = call.expression { pendingReport = (e, text) }
  }
}
