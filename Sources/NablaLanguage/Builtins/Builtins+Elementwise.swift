import NablaAutodiff
import NablaTensor

extension Builtins {
  static func unary(
    _ name: String, doc: String, example: String, _ f: @escaping (Variable) throws -> Variable
  ) -> Builtin {
    let builtin = Builtin(name, [x], category: "Elementwise", doc: doc, example: example) { c in
      let input = try c.tensor("x")
      return .tensor(try f(input))
    }
    builtin.unaryOperation = f
    return builtin
  }

  static func binary(
    _ name: String, _ a: String, _ b: String, doc: String, example: String,
    _ f: @escaping (Variable, Variable) throws -> Variable
  ) -> Builtin {
    Builtin(name, [Parameter(a, .tensor), Parameter(b, .tensor)], category: "Elementwise", doc: doc, example: example) {
      c in
      let (u, v) = (try c.tensor(a), try c.tensor(b))
      return .tensor(try f(u, v))
    }
  }

  static let elementwise: [Builtin] = [
    unary("exp", doc: "e to the power x.", example: "exp(1)", Variable.exp),
    unary("log", doc: "Natural logarithm; log(0) is -inf with a note.", example: "log([1, 10])", Variable.log),
    unary("sqrt", doc: "Square root.", example: "sqrt(2)", Variable.sqrt),
    unary("abs", doc: "Absolute value (derivative 0 at 0).", example: "abs([-1, 2])", Variable.abs),
    unary("sin", doc: "Sine.", example: "sin(pi / 2)", Variable.sin),
    unary("cos", doc: "Cosine.", example: "cos(0)", Variable.cos),
    unary("tan", doc: "Tangent.", example: "tan(0.5)", Variable.tan),
    unary("tanh", doc: "Hyperbolic tangent.", example: "tanh([-1, 0, 1])", Variable.tanh),
    unary("sigmoid", doc: "The logistic function 1 / (1 + e^-x).", example: "sigmoid(0)", Variable.sigmoid),
    unary("relu", doc: "max(x, 0), with relu'(0) = 0.", example: "relu([-1, 0, 2])", Variable.relu),
    unary("softplus", doc: "log(1 + e^x), a smooth relu.", example: "softplus(0)", Variable.softplus),
    unary("floor", doc: "Largest whole number ≤ x (derivative 0).", example: "floor([-1.5, 2.7])") {
      try Primitive.floor.apply($0)
    },
    unary("ceil", doc: "Smallest whole number ≥ x (derivative 0).", example: "ceil([-1.5, 2.2])") {
      try Primitive.ceil.apply($0)
    },
    unary(
      "round", doc: "Nearest whole number, ties to even as NumPy (derivative 0).", example: "round([0.5, 1.5, 2.7])"
    ) {
      try Primitive.round.apply($0)
    },
    unary("sign", doc: "-1, 0 or 1 by the sign of x (derivative 0).", example: "sign([-2, 0, 3])", Variable.sign),
    Builtin(
      "leaky_relu", [x, Parameter("a", .scalar, default: .value(.scalar(0.01)))], category: "Elementwise",
      doc: "x for x > 0, a·x otherwise (derivative a at 0); differentiable in a too.",
      example: "leaky_relu([-1, 2], 0.02)"
    ) { c in .tensor(try Variable.leakyRelu(c.tensor("x"), slope: c.tensor("a"))) },
    binary(
      "maximum", "a", "b", doc: "Elementwise larger of a and b (ties share the gradient).",
      example: "maximum([1, 5], [3, 2])", Variable.maximum),
    binary(
      "minimum", "a", "b", doc: "Elementwise smaller of a and b (ties share the gradient).",
      example: "minimum([1, 5], [3, 2])", Variable.minimum),
    Builtin(
      "clip", [x, Parameter("lo", .tensor), Parameter("hi", .tensor)], category: "Elementwise",
      doc: "x limited to [lo, hi].", example: "clip([-2, 0.5, 3], -1, 1)"
    ) { c in .tensor(try Variable.clip(c.tensor("x"), c.tensor("lo"), c.tensor("hi"))) },
    binary(
      "pow", "x", "p", doc: "x to the power p, elementwise (also x ^ p and x ** p).", example: "pow([1, 2, 3], 2)",
      Variable.pow),
  ]
}
