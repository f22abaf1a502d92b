/// Every kind of primitive, by the name it shows in `:graph` and error messages.
///
/// A primitive can only be declared with one of these kinds, and the coverage test checks that
/// each kind has an entry in `PrimitiveTable.entries`: a primitive added without a gradient check
/// fails `make test`. The symbolic layer switches over the same list, so it cannot miss one either.
public enum PrimitiveKind: String, CaseIterable, Sendable {
  // Unary elementwise.
  case neg, exp, log, sqrt, abs, sin, cos, tan, tanh, sigmoid, relu, softplus, sign, floor, ceil, round
  case leakyRelu = "leaky_relu"
  case log1p, expm1, log2, log10, exp2, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, erf, erfc, erfinv
  case lgamma, polygamma, rsqrt, cbrt, reciprocal, sinc, trunc, deg2rad, rad2deg
  case nanToNum = "nan_to_num"
  // Binary elementwise, with broadcasting.
  case add, sub, mul, div, pow, maximum, minimum, atan2, hypot, mod
  case floorDivide = "floor_divide"
  // Reductions and normalisations.
  case sum, max, min, prod, norm, root, softmax, cumsum, cumprod
  case softmaxCrossEntropy = "softmax_cross_entropy"
  // Layout: moves elements without arithmetic.
  case reshape, transpose, broadcast, concat
  case sumToShape = "sum_to_shape"
  case index
  case scatterAdd = "scatter_add"
  // Products and linear algebra.
  case matmul
  case matmulNT = "matmul_nt"
  case matmulTN = "matmul_tn"
  case matmulTT = "matmul_tt"
  case linear, inv, det, solve, cholesky, eigvalsh, eigenvectors, svdvals, pinv
  case solveTriangular = "solve_triangular"
  case svdU = "svd_u"
  case svdVt = "svd_vt"
  case qrQ = "qr_q"
  case qrR = "qr_r"
  case logAbsDet = "logabsdet"
  // Convolution and its lowering; average pooling and its adjoint.
  case conv2d, im2col, col2im, avgpool2d
  case avgpool2dTranspose = "avgpool2d_transpose"
  /// 0/1 masks inside derivative rules (1{x > 0}, 1{x = 0}), recorded so that a traced rule
  /// shows them as what they are; their own derivative is 0.
  case isPositive = "is_positive"
  case isZero = "is_zero"
  /// The result of a derivative, re-recorded on demand (see `Variable.deferredHistory`).
  case derivative
}
