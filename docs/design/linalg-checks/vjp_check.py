# Finite-difference checks of the VJP formulas written in linalg-rules.md (real, float64).
import numpy as np, scipy.linalg as sl
rng = np.random.default_rng(1)
T = lambda x: np.swapaxes(x, -1, -2)
sym = lambda x: (x + T(x)) / 2
def fd(f, A, dA, h=1e-6):
    p, m = f(A + h * dA), f(A - h * dA)
    return [(a - b) / (2 * h) for a, b in zip(p, m)]
def check(name, f, vjp, A, h=1e-6):
    outs = f(A); gs = [rng.standard_normal(o.shape) for o in outs]
    dA = rng.standard_normal(A.shape)
    num = sum(np.sum(g * d) for g, d in zip(gs, fd(f, A, dA, h)))
    ana = np.sum(vjp(A, outs, gs) * dA)
    print(f"{name:28s} analytic {ana: .10f}  numeric {num: .10f}  rel {abs(ana-num)/max(1,abs(num)):.1e}")

# solve (matrix rhs): Bbar = A^-T Xbar ; Abar = -Bbar X^T
n, k = 4, 3; A0 = rng.standard_normal((n, n)); B0 = rng.standard_normal((n, k))
check("solve wrt A", lambda A: [np.linalg.solve(A, B0)],
      lambda A, o, g: -np.linalg.solve(A.T, g[0]) @ o[0].T, A0)
check("solve wrt B", lambda B: [np.linalg.solve(A0, B)], lambda B, o, g: np.linalg.solve(A0.T, g[0]), B0)

# cholesky of sym(A): Abar = L^-T * 1/2 (tril(M) + tril(M,-1)^T) * L^-1, M = L^T Lbar
M0 = rng.standard_normal((n, n)); S0 = M0 @ M0.T + n * np.eye(n) + 0.3 * rng.standard_normal((n, n))
def chol_vjp(A, o, g):
    L = o[0]; M = L.T @ np.tril(g[0])   # the cotangent of the lower-triangular output (upper part unused)
    P = 0.5 * (np.tril(M) + np.tril(M, -1).T)
    W = sl.solve_triangular(L, P, lower=True, trans='T')        # L^-T P
    return sl.solve_triangular(L, W.T, lower=True, trans='T').T  # (L^-T W^T)^T = W L^-1
check("cholesky(sym A)", lambda A: [np.linalg.cholesky(sym(A))], chol_vjp, S0)
# without tril on the cotangent: same answer (PyTorch's remark)
def chol_vjp2(A, o, g):
    L = o[0]; M = L.T @ g[0]; P = 0.5 * (np.tril(M) + np.tril(M, -1).T)
    return np.linalg.inv(L).T @ P @ np.linalg.inv(L)
outs = [np.linalg.cholesky(sym(S0))]; g = [np.tril(rng.standard_normal((n, n)))]
print("cholesky: tril(g) vs g agree:", np.allclose(chol_vjp(S0, outs, g), chol_vjp2(S0, outs, g)))

# eigh of sym(A): Abar = V (diag(wbar) + sym(F o (V^T Vbar))) V^T, F_ij = 1/(w_j - w_i)
def eigh_f(A):
    w, V = np.linalg.eigh(sym(A)); V = V * np.sign(V[0])  # fixed sign gauge for the finite differences
    return [w, V]
def eigh_vjp(A, o, g):
    w, V = o; wb, Vb = g
    D = w[None, :] - w[:, None]; I = np.eye(len(w))
    F = 1 / (D + I) - I
    inner = np.diag(wb) + F * (V.T @ Vb)
    return sym(V @ inner @ V.T)
A_e = rng.standard_normal((n, n))
check("eigh (w, V)", eigh_f, eigh_vjp, A_e)
check("eigvalsh", lambda A: [np.linalg.eigvalsh(sym(A))],
      lambda A, o, g: (lambda w, V: V @ np.diag(g[0]) @ V.T)(*np.linalg.eigh(sym(A))), A_e)

# svd thin (PyTorch svd_backward, real)
def svd_f(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    sg = np.sign(U[0]); return [U * sg, s, Vt * sg[:, None]]
def svd_vjp(A, o, g):
    U, s, Vt = o; Ub, sb, Vtb = g; m, nn = A.shape
    skew = lambda X: X - X.T
    E = s[None, :] ** 2 - s[:, None] ** 2; np.fill_diagonal(E, 1)
    J = skew(U.T @ Ub); K = skew(Vt @ Vtb.T)
    core = (J * s[None, :] + s[:, None] * K) / E + np.diag(sb)
    if m > nn:
        return (U @ core + (Ub - U @ (U.T @ Ub)) / s[None, :]) @ Vt
    if m < nn:
        return U @ (core @ Vt + (Vtb - (Vtb @ Vt.T) @ Vt) / s[:, None])
    return U @ core @ Vt
for shp in [(5, 3), (3, 5), (4, 4)]:
    check(f"svd {shp}", svd_f, svd_vjp, rng.standard_normal(shp))
check("svdvals (5,3)", lambda A: [np.linalg.svd(A, compute_uv=False)],
      lambda A, o, g: (lambda U, s, Vt: U @ np.diag(g[0]) @ Vt)(*np.linalg.svd(A, full_matrices=False)), rng.standard_normal((5, 3)))

# qr reduced (PyTorch linalg_qr_backward, real)
def qr_f(A):
    Q, R = np.linalg.qr(A); sg = np.sign(np.diag(R)); return [Q * sg, R * sg[:, None]]
def qr_vjp(A, o, g):
    Q, R = o; Qb, Rb = g; m, nn = A.shape
    N = Rb @ R.T - Q.T @ Qb
    if m >= nn:
        Tu = np.triu(N); C = Tu + np.triu(Tu, 1).T      # symmetric matrix whose upper triangle is triu(N)
        X = Qb + Q @ C
        return sl.solve_triangular(R, X.T, lower=False).T      # X R^-T
    Y = -N; Sk = np.tril(Y - Y.T)                     # = Q^T Qbar - Rbar R^T, skew part, lower
    R1 = R[:, :m]
    G = Q @ Sk @ np.linalg.inv(R1).T
    return np.concatenate([G, np.zeros((m, nn - m))], axis=1) + Q @ Rb
for shp in [(5, 3), (4, 4), (3, 5)]:
    check(f"qr {shp}", qr_f, qr_vjp, rng.standard_normal(shp))

# slogdet: logabsdet bar * A^-T ; sign has zero gradient
check("slogdet logabsdet", lambda A: [np.array(np.linalg.slogdet(A)[1])],
      lambda A, o, g: g[0] * np.linalg.inv(A).T, rng.standard_normal((n, n)))

# pinv: Abar = -P^T G P^T + P^T P G^T (I - P A) + (I - A P) G^T P P^T
def pinv_vjp(A, o, g):
    P = o[0]; G = g[0]; m, nn = A.shape
    return -P.T @ G @ P.T + P.T @ P @ G.T @ (np.eye(nn) - P @ A) + (np.eye(m) - A @ P) @ G.T @ P @ P.T
for shp in [(5, 3), (3, 5), (4, 4)]:
    check(f"pinv {shp}", lambda A: [np.linalg.pinv(A)], pinv_vjp, rng.standard_normal(shp))
# constant-rank rank-deficient case: A = X Y^T with rank 2, perturbation keeps rank 2 (dA = dX Y^T + X dY^T)
X0 = rng.standard_normal((5, 2)); Y0 = rng.standard_normal((4, 2))
def pinv_lowrank(theta):
    X = X0 + theta[:10].reshape(5, 2); Y = Y0 + theta[10:].reshape(4, 2); return X @ Y.T
th = np.zeros(18); dth = rng.standard_normal(18); G = rng.standard_normal((4, 5)); h = 1e-6
num = np.sum(G * (np.linalg.pinv(pinv_lowrank(th + h * dth)) - np.linalg.pinv(pinv_lowrank(th - h * dth))) / (2 * h))
A = pinv_lowrank(th); dA = (pinv_lowrank(th + h * dth) - pinv_lowrank(th - h * dth)) / (2 * h)
ana = np.sum(pinv_vjp(A, [np.linalg.pinv(A)], [G]) * dA)
print(f"{'pinv rank-deficient (const rank)':28s} analytic {ana: .10f}  numeric {num: .10f}")

# matrix_power k = 3 and k = -2 via sums
def mpow_vjp(A, k, G):
    if k < 0:
        B = np.linalg.inv(A); Bb = mpow_vjp(B, -k, G); return -B.T @ Bb @ B.T
    return sum(np.linalg.matrix_power(A.T, j) @ G @ np.linalg.matrix_power(A.T, k - 1 - j) for j in range(k))
for kk in [3, -2]:
    check(f"matrix_power k={kk}", lambda A: [np.linalg.matrix_power(A, kk)], lambda A, o, g: mpow_vjp(A, kk, g[0]), rng.standard_normal((n, n)))

# kron
Bk = rng.standard_normal((2, 3))
def kron_vjp_A(A, o, g):
    m, nn = A.shape; p, q = Bk.shape
    return np.einsum('ikjl,kl->ij', g[0].reshape(m, p, nn, q), Bk)
check("kron wrt A", lambda A: [np.kron(A, Bk)], kron_vjp_A, rng.standard_normal((3, 2)))

# cross: ubar = v x g, vbar = g x u
v0 = rng.standard_normal(3)
check("cross wrt u", lambda u: [np.cross(u, v0)], lambda u, o, g: np.cross(v0, g[0]), rng.standard_normal(3))
u0 = rng.standard_normal(3)
check("cross wrt v", lambda v: [np.cross(u0, v)], lambda v, o, g: np.cross(g[0], u0), rng.standard_normal(3))

# vector p-norm, p = 3 and 1.5: xbar = g * sign(x)|x|^(p-1) / n^(p-1)
for p in [3.0, 1.5]:
    check(f"vector norm p={p}", lambda x: [np.array(np.linalg.norm(x, p))],
          lambda x, o, g: g[0] * np.sign(x) * np.abs(x) ** (p - 1) / o[0] ** (p - 1), rng.standard_normal(5))
# nuclear norm: U Vt ; 2-norm: u1 v1^T
check("nuclear norm", lambda A: [np.array(np.linalg.norm(A, 'nuc'))],
      lambda A, o, g: (lambda U, s, Vt: g[0] * U @ Vt)(*np.linalg.svd(A, full_matrices=False)), rng.standard_normal((4, 3)))
check("spectral norm", lambda A: [np.array(np.linalg.norm(A, 2))],
      lambda A, o, g: (lambda U, s, Vt: g[0] * np.outer(U[:, 0], Vt[0]))(*np.linalg.svd(A, full_matrices=False)), rng.standard_normal((4, 3)))
# trace with offset
check("trace offset=1", lambda A: [np.array(np.trace(A, offset=1))], lambda A, o, g: g[0] * np.eye(3, 4, k=1), rng.standard_normal((3, 4)))

# adjugate/cofactor from the SVD: cof(A) = det(U) det(Vt) U diag(p) Vt, p_i = prod_{j != i} s_j
def cofactor_brute(A):
    n = A.shape[0]; C = np.zeros_like(A)
    for i in range(n):
        for j in range(n):
            C[i, j] = (-1) ** (i + j) * np.linalg.det(np.delete(np.delete(A, i, 0), j, 1))
    return C
def cofactor_svd(A):
    U, s, Vt = np.linalg.svd(A)
    p = np.array([np.prod(np.delete(s, i)) for i in range(len(s))])
    return np.linalg.det(U) * np.linalg.det(Vt) * (U * p) @ Vt
for r in [4, 3, 2]:
    A = rng.standard_normal((4, r)) @ rng.standard_normal((r, 4))
    print(f"cofactor via SVD, rank {r}: max err", np.abs(cofactor_svd(A) - cofactor_brute(A)).max(),
          " |cof| =", np.abs(cofactor_brute(A)).max())
# d det / dA at a rank-3 4x4 matrix equals the cofactor matrix (finite differences)
A = rng.standard_normal((4, 3)) @ rng.standard_normal((3, 4)); dA = rng.standard_normal((4, 4)); h = 1e-6
print("det FD at singular vs <cof, dA>:", (np.linalg.det(A + h * dA) - np.linalg.det(A - h * dA)) / (2 * h), np.sum(cofactor_svd(A) * dA))

# triangular solve X = op(T)^-1 B, T lower: Bbar = op(T)^-T Xbar; Tbar = -tril(Bbar X^T) (plain), -tril(X Bbar^T) (transposed)
T0 = np.tril(rng.standard_normal((n, n))) + 3 * np.eye(n); Bt = rng.standard_normal((n, 2))
for trans in [False, True]:
    f = lambda T: [sl.solve_triangular(np.tril(T), Bt, lower=True, trans='T' if trans else 'N')]
    def tri_vjp(T, o, g):
        X = o[0]; Bb = sl.solve_triangular(np.tril(T), g[0], lower=True, trans='N' if trans else 'T')
        return -np.tril(X @ Bb.T) if trans else -np.tril(Bb @ X.T)
    check(f"solveTriangular trans={trans}", f, tri_vjp, T0)
