# Adjugate three ways against the brute-force cofactor definition, at ranks n, n-1, n-2:
# SVD formula (PyTorch's singular path) and Faddeev-LeVerrier (a polynomial in A, exact to all orders).
import numpy as np
def cof(A):
    n = A.shape[0]; C = np.zeros_like(A)
    for i in range(n):
        for j in range(n):
            C[i, j] = (-1) ** (i + j) * np.linalg.det(np.delete(np.delete(A, i, 0), j, 1))
    return C
def cof_svd(A):
    U, s, Vt = np.linalg.svd(A)
    others = s[None, :] * (1 - np.eye(len(s))) + np.eye(len(s))   # row i: s with s_i replaced by 1
    p = np.prod(others, axis=-1)                                    # p_i = prod_{j != i} s_j
    return np.linalg.det(U) * np.linalg.det(Vt) * (U * p[None, :]) @ Vt
def adj_faddeev_leverrier(A):
    n = A.shape[0]; I = np.eye(n); M = I.copy(); c = -np.trace(A)
    for k in range(2, n + 1):
        M = A @ M + c * I
        c = -np.trace(A @ M) / k
    return (-1) ** (n + 1) * M       # adj(A); cof(A) = adj(A)^T
rng = np.random.default_rng(5)
for r in [5, 4, 3]:
    A = rng.standard_normal((5, r)) @ rng.standard_normal((r, 5))
    print(f"rank {r}: |cof_svd - cof| = {np.abs(cof_svd(A) - cof(A)).max():.1e}, "
          f"|adj_FL^T - cof| = {np.abs(adj_faddeev_leverrier(A).T - cof(A)).max():.1e}, |cof| = {np.abs(cof(A)).max():.2e}")
