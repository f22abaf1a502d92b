#!/usr/bin/env python3
"""Generate special.json: the elementwise functions added for NumPy/SciPy users, paired with
NumPy and SciPy (scipy.special) oracle values, in the format of forward.json.

Run:  python3 make_special_fixtures.py   (needs numpy and scipy; writes special.json here)
"""

import numpy as np
from scipy import special

from fixture_output import write_cases

cases = []


def case(expr, fn):
    cases.append((expr, fn))


X = np.array([-2.5, -0.7, 0.0, 0.3, 1.9])
XS = "[-2.5, -0.7, 0, 0.3, 1.9]"
P = np.array([0.01, 0.5, 1.0, 2.5, 7.0, 31.0])
PS = "[0.01, 0.5, 1, 2.5, 7, 31]"
U = np.array([-0.999, -0.5, 0.0, 0.25, 0.9, 0.999999])
US = "[-0.999, -0.5, 0, 0.25, 0.9, 0.999999]"

case(f"log1p({PS})", lambda: np.log1p(P))
case("log1p(1e-12)", lambda: np.log1p(1e-12))
case(f"expm1({XS})", lambda: np.expm1(X))
case("expm1(1e-12)", lambda: np.expm1(1e-12))
case(f"log2({PS})", lambda: np.log2(P))
case(f"log10({PS})", lambda: np.log10(P))
case(f"exp2({XS})", lambda: np.exp2(X))
case(f"sinh({XS})", lambda: np.sinh(X))
case(f"cosh({XS})", lambda: np.cosh(X))
case(f"asin({US})", lambda: np.arcsin(U))
case(f"acos({US})", lambda: np.arccos(U))
case(f"atan({XS})", lambda: np.arctan(X))
case(f"asinh({XS})", lambda: np.arcsinh(X))
case("acosh([1, 1.5, 10, 1e6])", lambda: np.arccosh(np.array([1, 1.5, 10, 1e6])))
case(f"atanh({US})", lambda: np.arctanh(U))
case(f"erf({XS})", lambda: special.erf(X))
case("erfc([-1, 0, 3, 10])", lambda: special.erfc(np.array([-1.0, 0, 3, 10])))
case(f"erfinv({US})", lambda: special.erfinv(U))
case("erfinv([1e-300, -1e-8, 0.999999999])", lambda: special.erfinv(np.array([1e-300, -1e-8, 0.999999999])))
case(f"lgamma({PS})", lambda: special.gammaln(P))
case("lgamma([-0.5, -2.5])", lambda: special.gammaln(np.array([-0.5, -2.5])))
case(f"digamma({PS})", lambda: special.digamma(P))
case("digamma([-0.5, -2.3])", lambda: special.digamma(np.array([-0.5, -2.3])))
for n in [1, 2, 3]:
    case(f"polygamma({n}, {PS})", lambda n=n: special.polygamma(n, P))
case("polygamma(1, [-0.5, -2.3])", lambda: special.polygamma(1, np.array([-0.5, -2.3])))
case(f"rsqrt({PS})", lambda: 1 / np.sqrt(P))
case(f"cbrt({XS})", lambda: np.cbrt(X))
case("reciprocal([2, -4, 0.5])", lambda: np.reciprocal(np.array([2, -4, 0.5])))
case(f"sinc({XS})", lambda: np.sinc(X))
case(f"trunc({XS})", lambda: np.trunc(X))
case(f"deg2rad({XS})", lambda: np.deg2rad(X))
case(f"rad2deg({XS})", lambda: np.rad2deg(X))
case("nan_to_num([1, nan, inf, -inf])", lambda: np.nan_to_num(np.array([1, np.nan, np.inf, -np.inf])))
case("nan_to_num([1, nan, inf, -inf], nan: 5, posinf: 9, neginf: -9)",
     lambda: np.nan_to_num(np.array([1, np.nan, np.inf, -np.inf]), nan=5, posinf=9, neginf=-9))
Y = np.array([1.0, -1.0, 0.0, 2.0])
XX = np.array([-1.0, -1.0, 3.0, 0.0])
case("atan2([1, -1, 0, 2], [-1, -1, 3, 0])", lambda: np.arctan2(Y, XX))
case("hypot([3, 1e200, 0], [4, 1e200, 0])", lambda: np.hypot(np.array([3, 1e200, 0]), np.array([4, 1e200, 0])))
A = np.array([-7.0, -3.5, 0.0, 3.5, 7.0])
AS = "[-7, -3.5, 0, 3.5, 7]"
case(f"mod({AS}, 3)", lambda: np.mod(A, 3))
case(f"mod({AS}, -3)", lambda: np.mod(A, -3))
case(f"{AS} % 2.5", lambda: np.mod(A, 2.5))
case(f"{AS} // 2", lambda: np.floor_divide(A, 2))
case(f"floor_divide({AS}, -3)", lambda: np.floor_divide(A, -3))


# Activations and losses, against their definitions in torch.nn.functional's documentation.
def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def elu(v, a=1.0):
    return np.where(v > 0, v, a * np.expm1(v))


case(f"elu({XS})", lambda: elu(X))
case(f"elu({XS}, 0.5)", lambda: elu(X, 0.5))
case(f"selu({XS})", lambda: 1.0507009873554804934193349852946 * elu(X, 1.6732632423543772848170429916717))
case(f"gelu({XS})", lambda: X * 0.5 * (1 + special.erf(X / np.sqrt(2))))
case(f"silu({XS})", lambda: X * sigmoid(X))
case("log_sigmoid([-50, -1, 0, 2, 50])", lambda: -np.logaddexp(0, -np.array([-50, -1, 0, 2, 50.0])))
case(f"hardtanh({XS})", lambda: np.clip(X, -1, 1))
case(f"hardtanh({XS}, -0.5, 2)", lambda: np.clip(X, -0.5, 2))
Z = np.array([[1, 2, 0.5], [0, 1, 3], [2, -1, 0]])
ZS = "[1, 2, 0.5; 0, 1, 3; 2, -1, 0]"
case(f"nll_loss(log_softmax({ZS}), [1, 2, 0])",
     lambda: -np.mean(log_softmax(Z)[np.arange(3), [1, 2, 0]]))
case(f"l1_loss({XS}, [0, 0, 1, 1, 1])", lambda: np.mean(np.abs(X - np.array([0, 0, 1, 1, 1]))))
D = X - np.array([0, 0, 1, 1, 1.0])
case(f"smooth_l1_loss({XS}, [0, 0, 1, 1, 1])",
     lambda: np.mean(np.where(np.abs(D) < 1, 0.5 * D * D, np.abs(D) - 0.5)))
Q = np.array([0.7, 0.2, 0.1, 0.0])
LP = np.log(np.array([0.25, 0.25, 0.25, 0.25]))
case("kl_div(log([0.25, 0.25, 0.25, 0.25]), [0.7, 0.2, 0.1, 0])",
     lambda: np.sum(np.where(Q > 0, Q * (np.log(np.where(Q > 0, Q, 1)) - LP), 0)))
case("embedding([1, 2; 3, 4; 5, 6], [2, 0; 1, 1])",
     lambda: np.array([[1, 2], [3, 4], [5, 6.0]])[np.array([[2, 0], [1, 1]])])


# Linear algebra, against numpy.linalg. Factors are compared up to the signs LAPACK may
# choose differently (abs of U, V, Q, R); values and reconstructions exactly.
M = np.array([[4.0, 1, 2], [1, 5, 0], [2, 0, 6]])
MS = "[4, 1, 2; 1, 5, 0; 2, 0, 6]"
N = np.array([[1.0, 2], [3, -1], [0.5, 4]])
NS = "[1, 2; 3, -1; 0.5, 4]"
case(f"solve({MS}, [1, 2, 3])", lambda: np.linalg.solve(M, np.array([1.0, 2, 3])))
case(f"solve({MS}, {NS})", lambda: np.linalg.solve(M, N))
case(f"solve(stack([{MS}, 2 * {MS}]), [1, 2, 3])",
     lambda: np.linalg.solve(np.stack([M, 2 * M]), np.array([1.0, 2, 3])[:, None])[..., 0])
case(f"cholesky({MS})", lambda: np.linalg.cholesky(M))
case(f"eigvalsh({MS})", lambda: np.linalg.eigvalsh(M))
case(f"abs(eigh({MS})[1])", lambda: np.abs(np.linalg.eigh(M)[1]))
case(f"svdvals({NS})", lambda: np.linalg.svd(N, compute_uv=False))
case(f"abs(svd({NS})[0])", lambda: np.abs(np.linalg.svd(N, full_matrices=False)[0]))
case(f"abs(svd({NS})[2])", lambda: np.abs(np.linalg.svd(N, full_matrices=False)[2]))
case(f"abs(svd({NS}')[0])", lambda: np.abs(np.linalg.svd(N.T, full_matrices=False)[0]))
case(f"abs(qr({NS})[0])", lambda: np.abs(np.linalg.qr(N)[0]))
case(f"abs(qr({NS})[1])", lambda: np.abs(np.linalg.qr(N)[1]))
case(f"abs(qr({NS}')[1])", lambda: np.abs(np.linalg.qr(N.T)[1]))
case(f"slogdet({MS})[1]", lambda: np.linalg.slogdet(M)[1])
case("slogdet([1, 2; 3, 4])[0]", lambda: np.linalg.slogdet(np.array([[1.0, 2], [3, 4]]))[0])
case(f"pinv({NS})", lambda: np.linalg.pinv(N))
case("pinv([1, 2; 2, 4; 3, 6])", lambda: np.linalg.pinv(np.array([[1.0, 2], [2, 4], [3, 6]])))
case(f"matrix_power({MS}, 5)", lambda: np.linalg.matrix_power(M, 5))
case(f"matrix_power({MS}, -3)", lambda: np.linalg.matrix_power(M, -3))
case(f"matrix_power({MS}, 0)", lambda: np.linalg.matrix_power(M, 0))
case(f"kron({NS}, [1, -1; 2, 0.5])", lambda: np.kron(N, np.array([[1, -1], [2, 0.5]])))
case("kron([1, 2], [3, 4, 5])", lambda: np.kron([1.0, 2], [3.0, 4, 5]))
T = np.arange(24.0).reshape(2, 3, 4)
case("tensordot(reshape(arange(24), 2, 3, 4), reshape(arange(12), 3, 4))",
     lambda: np.tensordot(T, np.arange(12.0).reshape(3, 4)))
case("tensordot(reshape(arange(24), 2, 3, 4), reshape(arange(6), 3, 2), axes: [[1], [0]])",
     lambda: np.tensordot(T, np.arange(6.0).reshape(3, 2), axes=([1], [0])))
case("cross([1, 2, 3], [4, 5, 6])", lambda: np.cross([1.0, 2, 3], [4.0, 5, 6]))
case("cross([1, 2, 3; 0, 1, 0], [4, 5, 6])", lambda: np.cross([[1.0, 2, 3], [0, 1, 0]], [4.0, 5, 6]))
case(f"trace({MS}, offset: 1)", lambda: np.trace(M, offset=1))
case(f"trace({MS}, offset: -2)", lambda: np.trace(M, offset=-2))
V = np.array([3.0, -4, 0, 1])
VS = "[3, -4, 0, 1]"
for o, so in [(1, "1"), (3, "3"), (0.5, "0.5"), (np.inf, "inf"), (-np.inf, "-inf"), (0, "0")]:
    case(f"norm({VS}, ord: {so})", lambda o=o: np.linalg.norm(V, o))
for o, so in [("fro", '"fro"'), ("nuc", '"nuc"'), (2, "2"), (-2, "-2"), (1, "1"), (-1, "-1"), (np.inf, "inf"),
              (-np.inf, "-inf")]:
    case(f"norm({NS}, ord: {so})", lambda o=o: np.linalg.norm(N, o))
case(f"norm({NS}, 0, ord: 1)", lambda: np.linalg.norm(N, 1, axis=0))
case(f"norm(stack([{NS}, {NS}]), [1, 2], ord: 2)", lambda: np.linalg.norm(np.stack([N, N]), 2, axis=(1, 2)))

# Edge cases a review found: inf beside the diagonal, NumPy's axis for cross, negative orders at
# zeros, a matrix norm over axes in the other order, tensordot's axes as a pair.
case("trace([1, inf; 0, 1])", lambda: np.trace(np.array([[1, np.inf], [0, 1]])))
case("cross(ones(3, 2), [1, 2; 4, 5; 7, 8], axis: 0)",
     lambda: np.cross(np.ones((3, 2)), np.array([[1.0, 2], [4, 5], [7, 8]]), axis=0))
case("norm([0, 1], ord: -1)", lambda: np.linalg.norm([0.0, 1], -1))
case("norm([2, 1, 4], ord: -2)", lambda: np.linalg.norm([2.0, 1, 4], -2))
case(f"norm({NS}, [1, 0], ord: 1)", lambda: np.linalg.norm(N, 1, axis=(1, 0)))
case("tensordot(reshape(arange(6), 2, 3), reshape(arange(12), 2, 6), axes: [0, 0])",
     lambda: np.tensordot(np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(2, 6), axes=[0, 0]))
case("einsum(\"bij,bjk->bik\", reshape(arange(15), 5, 1, 3), reshape(arange(15), 5, 3, 1))",
     lambda: np.einsum("bij,bjk->bik", np.arange(15.0).reshape(5, 1, 3), np.arange(15.0).reshape(5, 3, 1)))


def main():
    write_cases(cases, "special.json")


if __name__ == "__main__":
    main()
