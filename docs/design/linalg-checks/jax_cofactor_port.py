# Run it through jax_cofactor_port_run.py: SciPy's solve_triangular raises on a zero pivot, where XLA returns inf/NaN.
# A numpy port of jax.numpy.linalg._cofactor_solve (jax/_src/numpy/linalg.py), to see which singular
# matrices it handles. Returns det(a) and adj(a) @ b.
import numpy as np, scipy.linalg as sl
def perm_from_swaps(piv, n):
    p = np.arange(n)
    for i, j in enumerate(piv): p[i], p[j] = p[j], p[i]
    return p
def cofactor_solve(a, b):
    n = a.shape[-1]
    lu, piv = sl.lu_factor(a, check_finite=False)
    perm = perm_from_swaps(piv, n)
    diag = np.diag(lu).copy()
    parity = np.count_nonzero(piv != np.arange(n)); sign = -2 * (parity % 2) + 1
    partial_det = np.cumprod(diag) * sign
    lu = lu.copy()
    with np.errstate(divide='ignore', invalid='ignore'):
        lu[-1, -1] = 1.0 / partial_det[-2]
        d = sl.solve_triangular(lu, np.ones(n), lower=False, check_finite=False)
    bad = np.any(~np.isfinite(d))
    x = np.zeros_like(b) if bad else b.copy()
    x = x[perm, :]
    x = sl.solve_triangular(lu, x, lower=True, unit_diagonal=True, check_finite=False)
    x = np.concatenate([x[:-1] * partial_det[-1], x[-1:]], axis=0)
    with np.errstate(divide='ignore', invalid='ignore'):
        x = sl.solve_triangular(lu, x, lower=False, check_finite=False)
    if bad: x = np.zeros_like(x)
    return partial_det[-1], x
def cof(A):
    n = A.shape[0]; C = np.zeros_like(A)
    for i in range(n):
        for j in range(n):
            C[i, j] = (-1) ** (i + j) * np.linalg.det(np.delete(np.delete(A, i, 0), j, 1))
    return C
rng = np.random.default_rng(3)
A = rng.standard_normal((4, 3)) @ rng.standard_normal((3, 4))           # generic rank 3
print("generic rank n-1: max|adj - JAX| =", np.abs(cofactor_solve(A, np.eye(4))[1] - cof(A).T).max())
B = rng.standard_normal((4, 4)); B[:, 0] = 0                            # rank 3, zero first column
print("zero first column: JAX-style adj =\n", cofactor_solve(B, np.eye(4))[1].round(6), "\n true adj =\n", cof(B).T.round(6))
