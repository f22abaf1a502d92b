import NablaAutodiff
import NablaTensor

extension Builtins {
  static let einsum: [Builtin] = [
    Builtin(
      "einsum", [Parameter("subscripts", .string), Parameter("operands", .tensor, variadic: true)],
      category: "Linear algebra",
      doc: "Einstein summation in NumPy's notation: ij,jk->ik, ii (trace), ...ij->...ji (batch axes).",
      example: "einsum(\"ij,jk->ik\", [1, 2; 3, 4], [5, 6; 7, 8])"
    ) { c in
      let subscripts = try c.string("subscripts")
      let operands = try c.einsumOperands()
      do {
        return .tensor(try Variable.einsum(subscripts, operands))
      } catch let error as ShapeError {
        throw c.fail(error.rule)
      }
    }
  ]
}

extension BuiltinCall {
  /// The tensors after the subscripts: the first is bound to `operands`, the others arrive in
  /// `rest`. One list argument (`einsum("ij,jk", [A, B])`) is read as the operands too.
  fileprivate func einsumOperands() throws -> [Variable] {
    guard let first = argument("operands") else { throw fail("missing argument 'operands'") }
    if rest.isEmpty, case .list = first.value { return try tensors("operands") }
    return try ([first] + rest).enumerated().map { (i, part) in
      guard case .tensor(let v) = part.value else {
        throw fail("operand \(i) must be a tensor, got \(part.value.typeName)")
      }
      return v
    }
  }
}
