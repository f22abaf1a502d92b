# Checks the row-major recipes for LAPACK calls through ctypes on Debian's libopenblas.so.0.
import ctypes as C, numpy as np
lib = C.CDLL("libopenblas.so.0")
i32 = C.c_int32; P = C.POINTER
dp = lambda a: a.ctypes.data_as(P(C.c_double))
ip = lambda a: a.ctypes.data_as(P(i32))
def I(v): return C.byref(i32(v))
def ch(s): return C.c_char_p(s.encode())
L1 = C.c_size_t(1)
rng = np.random.default_rng(0)

# --- solve: dgetrf on the row-major copy (= column-major A^T), then dgetrs TRANS='T' with B^T rows
n, k = 5, 3
A = rng.standard_normal((n, n)); B = rng.standard_normal((n, k))
lu = A.copy(); piv = np.zeros(n, np.int32); info = i32(0)
lib.dgetrf_(I(n), I(n), dp(lu), I(n), ip(piv), C.byref(info)); assert info.value == 0
bt = np.ascontiguousarray(B.T)  # row-major B^T == column-major B
lib.dgetrs_(ch("T"), I(n), I(k), dp(lu), I(n), ip(piv), dp(bt), I(n), C.byref(info), L1); assert info.value == 0
print("solve getrf+getrs(T)", np.abs(bt.T - np.linalg.solve(A, B)).max())
# dgesv with explicit column-major copies
acm = np.ascontiguousarray(A.T); bcm = np.ascontiguousarray(B.T)
lib.dgesv_(I(n), I(k), dp(acm), I(n), ip(piv), dp(bcm), I(n), C.byref(info)); assert info.value == 0
print("solve gesv on transposed copies", np.abs(bcm.T - np.linalg.solve(A, B)).max())
# slogdet from getrf on the raw row-major buffer (det A^T = det A)
d = np.diag(lu); sign = (-1) ** np.sum(piv != np.arange(1, n + 1)) * np.prod(np.sign(d))
print("slogdet", sign, np.sum(np.log(np.abs(d))), np.linalg.slogdet(A))

# --- cholesky: dpotrf UPLO='U' on the row-major buffer of symmetric S gives L in the row-major lower triangle
M = rng.standard_normal((n, n)); S = M @ M.T + n * np.eye(n)
c = S.copy(); lib.dpotrf_(ch("U"), I(n), dp(c), I(n), C.byref(info), L1); assert info.value == 0
Lc = np.tril(c); print("cholesky", np.abs(Lc - np.linalg.cholesky(S)).max())

# --- triangular solve: row-major lower L, solve L X = B -> column-major view is upper L^T: UPLO='U', TRANS='T'
bt = np.ascontiguousarray(B.T)
lib.dtrtrs_(ch("U"), ch("T"), ch("N"), I(n), I(k), dp(np.ascontiguousarray(Lc)), I(n), dp(bt), I(n), C.byref(info), L1, L1, L1)
print("trtrs lower", np.abs(bt.T - np.linalg.solve(Lc, B)).max())
bt = np.ascontiguousarray(B.T)   # solve L^T X = B: UPLO='U', TRANS='N'
lib.dtrtrs_(ch("U"), ch("N"), ch("N"), I(n), I(k), dp(np.ascontiguousarray(Lc)), I(n), dp(bt), I(n), C.byref(info), L1, L1, L1)
print("trtrs lower^T", np.abs(bt.T - np.linalg.solve(Lc.T, B)).max())

# --- eigh: dsyevd JOBZ='V' on the symmetric buffer; the buffer then holds V^T row-major
a = S.copy(); w = np.zeros(n); work = np.zeros(1); iwork = np.zeros(1, np.int32)
lib.dsyevd_(ch("V"), ch("L"), I(n), dp(a), I(n), dp(w), dp(work), I(-1), ip(iwork), I(-1), C.byref(info), L1, L1)
lw, liw = int(work[0]), int(iwork[0]); work = np.zeros(lw); iwork = np.zeros(liw, np.int32)
lib.dsyevd_(ch("V"), ch("L"), I(n), dp(a), I(n), dp(w), dp(work), I(lw), ip(iwork), I(liw), C.byref(info), L1, L1)
V = a.T
print("eigh", lw, liw, np.abs(V @ np.diag(w) @ V.T - S).max(), np.all(np.diff(w) > 0))

# --- svd: dgesdd JOBZ='S' with M=n_cols, N=m_rows on the row-major buffer (= column-major A^T);
#     its "U" buffer is the row-major Vt and its "VT" buffer is the row-major U.
for (m, nn) in [(6, 4), (4, 6), (5, 5)]:
    A2 = rng.standard_normal((m, nn)); kk = min(m, nn)
    a = A2.copy(); s = np.zeros(kk); vt = np.zeros((kk, nn)); u = np.zeros((m, kk))
    iw = np.zeros(8 * kk, np.int32); work = np.zeros(1)
    args = lambda lwork: (ch("S"), I(nn), I(m), dp(a), I(nn), dp(s), dp(vt), I(nn), dp(u), I(kk), dp(work), I(lwork), ip(iw), C.byref(info), L1)
    lib.dgesdd_(*args(-1)); lw = int(work[0]); work = np.zeros(lw)
    lib.dgesdd_(*args(lw)); assert info.value == 0
    print("svd", (m, nn), np.abs(u @ np.diag(s) @ vt - A2).max(), np.abs(u.T @ u - np.eye(kk)).max(), np.abs(vt @ vt.T - np.eye(kk)).max())

# --- qr (m >= n): transpose-copy to column-major, dgeqrf, take R = triu of the top n x n, dorgqr
for (m, nn) in [(6, 4), (4, 4)]:
    A2 = rng.standard_normal((m, nn)); kk = min(m, nn)
    a = np.ascontiguousarray(A2.T)  # column-major m x n
    tau = np.zeros(kk); work = np.zeros(1)
    lib.dgeqrf_(I(m), I(nn), dp(a), I(m), dp(tau), dp(work), I(-1), C.byref(info)); lw = int(work[0]); work = np.zeros(lw)
    lib.dgeqrf_(I(m), I(nn), dp(a), I(m), dp(tau), dp(work), I(lw), C.byref(info))
    R = np.triu(a.T[:kk, :])           # back to row-major, top k rows
    lib.dorgqr_(I(m), I(kk), I(kk), dp(a), I(m), dp(tau), dp(work), I(-1), C.byref(info)); lw = int(work[0]); work = np.zeros(lw)
    lib.dorgqr_(I(m), I(kk), I(kk), dp(a), I(m), dp(tau), dp(work), I(lw), C.byref(info))
    Q = a.T[:, :kk]                    # column-major m x k -> row-major
    print("qr", (m, nn), np.abs(Q @ R - A2).max(), np.abs(Q.T @ Q - np.eye(kk)).max())
# --- qr (m < n): Q = m x m from dorgqr(M=m, N=m, K=m), R = triu(m x n)
m, nn = 3, 5; A2 = rng.standard_normal((m, nn)); kk = m
a = np.ascontiguousarray(A2.T); tau = np.zeros(kk); work = np.zeros(4096)
lib.dgeqrf_(I(m), I(nn), dp(a), I(m), dp(tau), dp(work), I(4096), C.byref(info))
R = np.triu(a.T[:kk, :])
lib.dorgqr_(I(m), I(m), I(kk), dp(a), I(m), dp(tau), dp(work), I(4096), C.byref(info))
Q = a.T[:m, :m]
print("qr wide", np.abs(Q @ R - A2).max(), np.abs(Q.T @ Q - np.eye(m)).max())

# --- cblas_dtrsm, row-major, in place on B (n x k): solve L X = B and L^T X = B
CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasTrans, CblasNonUnit = 101, 141, 122, 111, 112, 131
for tr, ref in [(CblasNoTrans, np.linalg.solve(Lc, B)), (CblasTrans, np.linalg.solve(Lc.T, B))]:
    X = B.copy()
    lib.cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, tr, CblasNonUnit, n, k, C.c_double(1.0),
                    dp(np.ascontiguousarray(Lc)), n, dp(X), k)
    print("cblas_dtrsm", "T" if tr == CblasTrans else "N", np.abs(X - ref).max())
