import NablaAutodiff
import NablaTensor

extension Builtins {
  static let linearAlgebra: [Builtin] = [
    Builtin("dot", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra", doc: "Inner product of two vectors.", example: "dot([1, 2], [3, 4])") { c in
      .tensor(try Variable.dot(c.tensor("a"), c.tensor("b")))
    },
    Builtin("outer", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra", doc: "Outer product a bᵀ of two vectors.", example: "outer([1, 2], [3, 4, 5])") { c in
      .tensor(try Variable.outer(c.tensor("a"), c.tensor("b")))
    },
    Builtin("trace", [Parameter("A", .tensor)], category: "Linear algebra", doc: "Sum of the diagonal of a matrix.", example: "trace([1, 2; 3, 4])") { c in
      .tensor(try c.tensor("A").trace())
    },
  ]
}
