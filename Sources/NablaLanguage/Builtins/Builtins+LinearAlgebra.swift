import NablaAutodiff
import NablaTensor

extension Builtins {
  static let linearAlgebra: [Builtin] = [
    Builtin(
      "dot", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra",
      doc: "Inner product of two vectors.", example: "dot([1, 2], [3, 4])"
    ) { c in
      .tensor(try Variable.dot(c.tensor("a"), c.tensor("b")))
    },
    Builtin(
      "outer", [Parameter("a", .tensor), Parameter("b", .tensor)], category: "Linear algebra",
      doc: "Outer product a bᵀ of two vectors.", example: "outer([1, 2], [3, 4, 5])"
    ) { c in
      .tensor(try Variable.outer(c.tensor("a"), c.tensor("b")))
    },
    Builtin(
      "trace", [Parameter("A", .tensor)], category: "Linear algebra", doc: "Sum of the diagonal of a matrix.",
      example: "trace([1, 2; 3, 4])"
    ) { c in
      .tensor(try c.tensor("A").trace())
    },
    Builtin(
      "inv", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "Inverse of a square matrix (or of each in a batch).", example: "inv([4, 7; 2, 6])"
    ) { c in
      .tensor(try Primitive.inv.apply(c.tensor("A")))
    },
    Builtin(
      "det", [Parameter("A", .tensor)], category: "Linear algebra",
      doc: "Determinant of a square matrix (or of each in a batch).", example: "det([1, 2; 3, 4])"
    ) { c in
      .tensor(try Primitive.det.apply(c.tensor("A")))
    },
  ]
}
