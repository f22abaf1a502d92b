import NablaAutodiff
import NablaTensor

extension Builtins {
  /// `∂e/∂x`, with the numerator in parentheses when it is an expression.
  public static func derivativeTitle(_ of: String, _ wrt: String) -> String {
    let simple = of.unicodeScalars.allSatisfy { Lexer.isIdentifierContinue($0) }
    return "∂\(simple ? of : "(\(of))")/∂\(wrt)"
  }

  /// The names of the targets: `[W, b]` → W, b; a single name as written.
  public static func targetNames(_ text: String?, count: Int) -> [String] {
    guard let text else { return (0..<count).map { "x\($0)" } }
    if count == 1 && !text.hasPrefix("[") { return [text] }
    if text.hasPrefix("[") && text.hasSuffix("]") {
      let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters() }
      if parts.count == count { return parts }
    }
    return (0..<count).map { "\(text)[\($0)]" }
  }

  /// True for text that is a plain name (`x`, `W1`, `θ̂`), not an expression.
  public static func isPlainName(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, Lexer.isIdentifierStart(first) else { return false }
    return text.unicodeScalars.allSatisfy(Lexer.isIdentifierContinue)
  }

  static let differentiation: [Builtin] = [
    Builtin(
      "grad", [Parameter("e", .any), Parameter("x", .withRespectTo, default: .absent)], category: "Differentiation",
      doc:
        "∂e/∂x for a scalar e (a list of gradients for [W, b]); grad(f) is the function x ↦ ∂f/∂x; grad(f, x0) evaluates it.",
      example: "grad(sum(x^2), x)"
    ) { c in
      switch try c.value("e") {
      case .function(let f):
        let gradient = FunctionValue(name: "grad(\(f.name))", kind: .gradient(of: f))
        guard c.has("x") else { return .function(gradient) }
        let x0 = try c.tensor("x")
        let value = try c.interpreter.call(gradient, [.tensor(x0)], at: c.argument("x")?.range)
        c.interpreter.present(.gradient(titles: [derivativeTitle(f.name, c.pointName("x", of: f))]), for: c)
        return value
      case .tensor(let e):
        guard c.has("x") else {
          throw c.fail("needs what to differentiate with respect to, as in grad(e, x); grad(f) takes a function")
        }
        let targets: [Variable]
        let isList: Bool
        switch try c.value("x") {
        case .tensor(let t): (targets, isList) = ([t], false)
        case .list: (targets, isList) = (try c.tensors("x"), true)
        case let other: throw c.fail("'x' must be a variable or a list of them, got \(other.typeName)", argument: "x")
        }
        let result = try Differentiation.gradient(of: e, withRespectTo: targets)
        let eName = c.text("e") ?? "e"
        let names = targetNames(c.text("x"), count: targets.count)
        for (name, depends) in zip(names, result.dependsOn) where !depends {
          c.interpreter.notes.append(
            c.interpreter.independenceNote(of: e, eName, on: name, result: "\(derivativeTitle(eName, name)) is zeros"))
        }
        c.interpreter.present(.gradient(titles: names.map { derivativeTitle(eName, $0) }), for: c)
        let grads = Variable.rememberingHistory(result.values) {
          try Differentiation.gradient(of: e, withRespectTo: targets, createGraph: true).values
        }.map(Value.tensor)
        return isList ? .list(grads) : grads[0]
      case let other:
        throw c.fail("'e' must be a scalar tensor or a function, got \(other.typeName)", argument: "e")
      }
    },
    Builtin(
      "jacobian", [Parameter("y", .any), Parameter("x", .withRespectTo)], category: "Differentiation",
      doc: "∂y/∂x with shape y.shape ++ x.shape, shown as a table; jacobian(f, x0) for a function.",
      example: "jacobian(softmax(x), x)"
    ) { c in
      if case .list(let targets) = try c.value("x") { return try jacobians(c, targets) }
      let y: Variable
      let x: Variable
      let yName: String
      switch try c.value("y") {
      case .function(let f):
        // At the variable itself when it is one, so the Jacobian keeps its history in x.
        let x0 = try c.tensor("x")
        x = x0.isTracked ? x0 : Variable(x0.value)
        guard case .tensor(let out) = try c.interpreter.call(f, [.tensor(x)], at: c.argument("x")?.range) else {
          throw c.fail("\(f.name) must return a tensor")
        }
        y = out
        yName = f.name
      case .tensor(let t):
        y = t
        x = try c.tensor("x")
        yName = c.text("y") ?? "y"
      case let other:
        throw c.fail("'y' must be a tensor or a function, got \(other.typeName)", argument: "y")
      }
      let xName = try c.wrtName("x", differentiating: "y")
      let (j, depends) = try Differentiation.jacobian(of: y, withRespectTo: x)
      if !depends {
        c.interpreter.notes.append(
          c.interpreter.independenceNote(of: y, yName, on: xName, result: "the Jacobian is zeros"))
      }
      c.interpreter.present(.jacobian(output: yName, input: xName, outputShape: y.shape, inputShape: x.shape), for: c)
      return .tensor(rememberingHistory(jacobian: j, of: y, withRespectTo: x))
    },
    Builtin(
      "hessian", [Parameter("e", .any), Parameter("x", .withRespectTo)], category: "Differentiation",
      doc: "Second derivatives ∂²e/∂x², shape x.shape ++ x.shape; hessian(f, x0) for a function.",
      example: "hessian(sum(x^3), x)"
    ) { c in
      if case .list(let targets) = try c.value("x") { return try hessianBlocks(c, targets) }
      let (e, x, eName) = try c.functionOrValue("e", at: "x")
      let xName = try c.wrtName("x", differentiating: "e")
      let (h, depends) = try Differentiation.hessian(of: e, withRespectTo: x)
      if !depends {
        c.interpreter.notes.append(
          c.interpreter.independenceNote(of: e, eName, on: xName, result: "the Hessian is zeros"))
      }
      c.interpreter.present(.hessian(of: eName, input: xName, inputShape: x.shape), for: c)
      return .tensor(
        Variable.rememberingHistory([h]) {
          [try Differentiation.hessian(of: e, withRespectTo: x, createGraph: true).hessian]
        }[0])
    },
    Builtin(
      "jvp", [Parameter("f", .function), Parameter("x0", .tensor), Parameter("v", .tensor)],
      category: "Differentiation",
      doc: "The Jacobian-vector product J v of f at x0 (forward mode, without building J).",
      example: "jvp(softmax, x, [1, 0, 0])"
    ) { c in
      let (y, x, _) = try c.functionOrValue("f", at: "x0")
      let v = try c.tensor("v")
      return .tensor(
        try Variable.rememberingHistory {
          try Differentiation.jvp(of: y, withRespectTo: x, tangent: v, createGraph: $0).values
        }[0])
    },
    Builtin(
      "vjp", [Parameter("f", .function), Parameter("x0", .tensor), Parameter("u", .tensor)],
      category: "Differentiation",
      doc: "The vector-Jacobian product uᵀ J of f at x0 (one reverse pass).",
      example: "vjp(softmax, x, [1, 0, 0])"
    ) { c in
      let (y, x, _) = try c.functionOrValue("f", at: "x0")
      let u = try c.tensor("u")
      return .tensor(
        try Variable.rememberingHistory {
          try Differentiation.vjp(of: y, withRespectTo: x, cotangent: u, createGraph: $0).values
        }[0])
    },
    derive,
    Builtin(
      "gradcheck",
      [
        Parameter("f", .function), Parameter("x0", .tensor),
        Parameter("step", .scalar, default: .value(.scalar(1e-6)), namedOnly: true),
        Parameter("tol", .scalar, default: .value(.scalar(1e-6)), namedOnly: true),
      ], category: "Differentiation",
      doc:
        "Autodiff against central finite differences: a table, PASS or FAIL with the likely cause; its value is 1 or 0.",
      example: "gradcheck(softmax, x)"
    ) { c in
      let f = try c.function("f")
      let x0 = try c.tensor("x0")
      let (h, tol) = (try c.double("step"), try c.double("tol"))
      guard h > 0, h.isFinite, tol > 0 else { throw c.fail("step: and tol: must be positive") }
      let interpreter = c.interpreter
      let report = try GradientCheck.run(
        { x in
          guard case .tensor(let y) = try interpreter.call(f, [.tensor(x)], at: c.argument("x0")?.range) else {
            throw c.fail("\(f.name) must return a tensor")
          }
          return y
        }, at: x0.value, step: h, tolerance: tol)
      c.interpreter.present(.gradientCheck(report, output: f.name, input: c.pointName("x0", of: f)), for: c)
      return .scalar(report.passed ? 1 : 0)
    },
    Builtin(
      "detach", [x], category: "Differentiation", doc: "The value of x without its history: a new leaf.",
      example: "detach(x)"
    ) { c in
      .tensor(try c.tensor("x").detached())
    },
  ]
}

extension Builtins {
  /// A Jacobian computed without recording, made differentiable again on demand.
  static func rememberingHistory(jacobian j: Variable, of y: Variable, withRespectTo x: Variable) -> Variable {
    Variable.rememberingHistory([j]) {
      [try Differentiation.jacobian(of: y, withRespectTo: x, createGraph: true).jacobian]
    }[0]
  }

  /// `jacobian(y, [W, b])`: one Jacobian per variable, each shown as its own table.
  static func jacobians(_ c: BuiltinCall, _ targets: [Value]) throws -> Value {
    guard case .tensor(let y) = try c.value("y") else {
      throw c.fail("a list of variables needs y as a value, as in jacobian(y, [W, b])", argument: "y")
    }
    let yName = c.text("y") ?? "y"
    let names = targetNames(c.text("x"), count: targets.count)
    var results: [Value] = []
    var shown: [Presentation] = []
    for (name, x) in zip(names, try c.tensors("x")) {
      let (j, depends) = try Differentiation.jacobian(of: y, withRespectTo: x)
      if !depends {
        c.interpreter.notes.append(
          c.interpreter.independenceNote(of: y, yName, on: name, result: "\(derivativeTitle(yName, name)) is zeros"))
      }
      results.append(.tensor(rememberingHistory(jacobian: j, of: y, withRespectTo: x)))
      shown.append(.jacobian(output: yName, input: name, outputShape: y.shape, inputShape: x.shape))
    }
    c.interpreter.present(.items(shown), for: c)
    return .list(results)
  }

  /// `hessian(e, [a, b])`: the blocks [[∂²e/∂a², ∂²e/∂a∂b], [∂²e/∂b∂a, ∂²e/∂b²]], as
  /// torch.autograd.functional.hessian gives them for a tuple of inputs.
  static func hessianBlocks(_ c: BuiltinCall, _ targets: [Value]) throws -> Value {
    guard case .tensor(let e) = try c.value("e") else {
      throw c.fail("a list of variables needs e as a value, as in hessian(e, [a, b])", argument: "e")
    }
    let eName = c.text("e") ?? "e"
    let names = targetNames(c.text("x"), count: targets.count)
    let xs = try c.tensors("x")
    for a in xs {
      for b in xs {
        guard let n = Tensor.elementCount(a.shape + b.shape), n <= 50_000_000 else {
          throw c.fail(
            "a Hessian block would have shape \(Tensor.describe(a.shape + b.shape)), too large to build; use vjp or jvp of the gradient"
          )
        }
      }
    }
    let gradients = try Differentiation.gradient(of: e, withRespectTo: xs, createGraph: true)
    var rows: [Value] = []
    var shown: [Presentation] = []
    for (i, a) in xs.enumerated() {
      var row: [Value] = []
      var rowShown: [Presentation] = []
      for (j, b) in xs.enumerated() {
        if gradients.dependsOn[i] {
          let g = gradients.values[i]
          let block = try Differentiation.jacobian(of: g, withRespectTo: b).jacobian
          row.append(.tensor(rememberingHistory(jacobian: block, of: g, withRespectTo: b)))
        } else {
          row.append(.tensor(.constant(Tensor(repeating: 0, shape: a.shape + b.shape))))
        }
        rowShown.append(
          .hessianBlock(of: eName, row: names[i], rowShape: a.shape, column: names[j], columnShape: b.shape))
      }
      rows.append(.list(row))
      shown.append(.items(rowShown))
    }
    for (name, depends) in zip(names, gradients.dependsOn) where !depends {
      c.interpreter.notes.append(c.interpreter.independenceNote(of: e, eName, on: name, result: "its blocks are zeros"))
    }
    c.interpreter.present(.items(shown), for: c)
    return .list(rows)
  }
}

extension BuiltinCall {
  /// The name of what `differentiating` is differentiated with respect to: the point's name
  /// for a function (see `pointName`), the argument as written for a value.
  func wrtName(_ argument: String, differentiating first: String) throws -> String {
    if case .function(let f) = try value(first) { return pointName(argument, of: f) }
    return text(argument) ?? "x"
  }

  /// What to call the point a function is differentiated at, in titles and labels: the
  /// argument as written when it is a name (`grad(f, x)` → ∂f/∂x), else the function's own
  /// parameter (`grad(f, [1, 2])` with f(v) → ∂f/∂v), else x.
  func pointName(_ argument: String, of f: FunctionValue) -> String {
    if let written = text(argument), Builtins.isPlainName(written) { return written }
    var function = f
    while case .gradient(let inner) = function.kind { function = inner }
    if case .user(let parameters, _, _) = function.kind, let first = parameters.first { return first }
    return "x"
  }

  /// `(y, x, name)` from `f, x0` (calling f on x0) or from `y, x` (a value and a variable).
  func functionOrValue(_ first: String, at second: String) throws -> (Variable, Variable, String) {
    switch try value(first) {
    case .function(let f):
      let x0 = try tensor(second)
      let x = x0.isTracked ? x0 : Variable(x0.value)
      guard case .tensor(let y) = try interpreter.call(f, [.tensor(x)], at: argument(second)?.range) else {
        throw fail("\(f.name) must return a tensor")
      }
      return (y, x, f.name)
    case .tensor(let y):
      return (y, try tensor(second), text(first) ?? first)
    case let other:
      throw fail("'\(first)' must be a tensor or a function, got \(other.typeName)", argument: first)
    }
  }
}

extension Substring {
  func trimmingCharacters() -> String {
    String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
