# Runs jax_cofactor_port.py with a NaN/inf-propagating triangular solve (as XLA's is), instead of
# scipy's, which raises on a zero pivot.
import numpy as np, warnings, scipy.linalg as sl
warnings.simplefilter("ignore")
def tri_solve(a, b, lower=False, unit_diagonal=False, check_finite=False):
    a = np.asarray(a, float); x = np.array(b, float); n = a.shape[0]
    with np.errstate(all='ignore'):
        for i in (range(n) if lower else range(n - 1, -1, -1)):
            idx = range(i) if lower else range(i + 1, n)
            s = x[i] - sum(a[i, j] * x[j] for j in idx)
            x[i] = s if unit_diagonal else s / a[i, i]
    return x
sl.solve_triangular = tri_solve
exec(open(__file__.replace("_run.py", ".py")).read())
