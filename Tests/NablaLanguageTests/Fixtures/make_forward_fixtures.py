#!/usr/bin/env python3
"""Generate forward.json: nabla expressions paired with NumPy oracle values.

Each case is defined once as (nabla source, NumPy thunk). Inputs are written as
literals inside the nabla source (via lit()), and the NumPy side recomputes the
same quantity directly from the same Python arrays.

Output: a JSON array, one case per line:
  {"expr": "...", "shape": [...], "data": [...]}
with data flattened row-major; inf/-inf/nan encoded as strings.

Run:  python3 make_forward_fixtures.py   (writes forward.json next to this file)
"""

import numpy as np

from fixture_output import write_cases

F = np.float64


def num(v):
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def lit(a):
    """Format a NumPy array / number as a nabla bracket literal."""
    a = np.asarray(a, dtype=F)
    if a.ndim == 0:
        return num(a)
    return "[" + ", ".join(lit(s) for s in a) + "]"


A = lambda *rows: np.array(rows, dtype=F)  # noqa: E731

# ---- inputs ---------------------------------------------------------------
x = np.array([-2, -0.5, 0, 1, 3], dtype=F)          # mixed signs, includes 0
p = np.array([0.5, 1, 2, 4], dtype=F)               # positive
v = np.array([2, -1, 3.5, 0.5, -4], dtype=F)        # reductions, no ties
R = A([3, -1, 4, 1.5], [-5, 9, 2, 6], [5, 3, -5.5, 8])   # [3,4], no ties per row/col
M23 = A([1, -2, 3], [4, 5, -6])                     # [2,3]
M33 = A([1, 2, 3], [4, 5, 6], [7, 8, 9])            # [3,3]
M34 = np.arange(1, 13, dtype=F).reshape(3, 4)       # [3,4]
T = np.arange(24, dtype=F).reshape(2, 3, 4)         # [2,3,4]
T214 = A([[1, -1, 2, 0.5]], [[3, 0, -2, 1]])        # [2,1,4]
c31 = A([1], [2], [3])                              # [3,1]
r14 = A([10, 20, 30, 40])                           # [1,4]
w4 = np.array([1, 0.5, -1, 2], dtype=F)             # [4]
lg = np.array([1, 2, 0.5], dtype=F)                 # logits

xs, ps, vs, Rs = lit(x), lit(p), lit(v), lit(R)
M23s, M33s, M34s, Ts = lit(M23), lit(M33), lit(M34), lit(T)

cases = []


def case(expr, fn):
    cases.append((expr, fn))


# ---- oracle helpers (written directly, not via any nabla-like library) ----
def softmax(z, axis=-1):
    z = np.asarray(z, dtype=F)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def logsumexp(z, axis=None, keepdims=False):
    z = np.asarray(z, dtype=F)
    m = z.max(axis=axis, keepdims=True)
    r = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    if not keepdims:
        r = np.squeeze(r, axis=axis) if axis is not None else r.reshape(())
    return r


def log_softmax(z, axis=-1):
    return z - logsumexp(z, axis=axis, keepdims=True)


def norm(z, axis=None, keepdims=False):
    return np.sqrt(np.sum(np.asarray(z, dtype=F) ** 2, axis=axis, keepdims=keepdims))


def swap_last2(z):
    return np.swapaxes(z, -1, -2)


# ---- literals ---------------------------------------------------------------
case("[1, 2, 3]", lambda: A(1, 2, 3))
case("[[1, 2], [3, 4]]", lambda: A([1, 2], [3, 4]))
case("[1, 2; 3, 4]", lambda: A([1, 2], [3, 4]))
case("[1, 2, 3; 4, 5, 6]", lambda: A([1, 2, 3], [4, 5, 6]))
case("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", lambda: np.arange(1, 9, dtype=F).reshape(2, 2, 2))
case("3.5", lambda: F(3.5))
case("-2.5", lambda: F(-2.5))
case(".5", lambda: F(0.5))
case("1e-3", lambda: F(1e-3))
case("true", lambda: F(1))
case("false", lambda: F(0))
case("pi", lambda: F(np.pi))
case("[pi, 2 * pi]", lambda: np.array([np.pi, 2 * np.pi]))
case("[1/3, 2*2, -1]", lambda: np.array([1 / 3, 4, -1]))
case("[1, -2.5, .5, 1e-3]", lambda: np.array([1, -2.5, 0.5, 1e-3]))
case("inf", lambda: F(np.inf))
case("-inf", lambda: F(-np.inf))
case("nan", lambda: F(np.nan))
case("[1, inf, -inf, nan]", lambda: np.array([1, np.inf, -np.inf, np.nan]))
case("true + true", lambda: F(2))

# ---- arithmetic, precedence, broadcasting ----------------------------------
case("1 + 2 * 3", lambda: F(7))
case("(1 + 2) * 3", lambda: F(9))
case("1 - 2 - 3", lambda: F(-4))
case("8 / 4 / 2", lambda: F(1))
case("2 * 3 ^ 2", lambda: F(18))
case("2^3^2", lambda: F(512))
case("2**3**2", lambda: F(512))
case("-2^2", lambda: F(-4))
case("-2**2", lambda: F(-4))
case("(-2)^2", lambda: F(4))
case("-[1, 2, 3]^2", lambda: -(A(1, 2, 3) ** 2))
case("2 ^ -1", lambda: F(0.5))
case("+[1, -2]", lambda: A(1, -2))
case("-" + M23s, lambda: -M23)
case("[1, 2, 3] * 2 + 1", lambda: A(1, 2, 3) * 2 + 1)
case("2 - [1, 2, 3]", lambda: 2 - A(1, 2, 3))
case("1 / [1, 2, 4]", lambda: 1 / A(1, 2, 4))
case("[[1, 2], [3, 4]]^2", lambda: A([1, 2], [3, 4]) ** 2)
case("2 ** [1, 2, 3]", lambda: 2 ** A(1, 2, 3))
case(f"2 * {M34s}", lambda: 2 * M34)
case(f"{M34s} - 1", lambda: M34 - 1)
case(f"{lit(c31)} + {lit(r14)}", lambda: c31 + r14)
case(f"{lit(c31)} - {lit(r14)}", lambda: c31 - r14)
case(f"{lit(c31)} * {lit(r14)}", lambda: c31 * r14)
case(f"{lit(c31)} / {lit(r14)}", lambda: c31 / r14)
case(f"{Ts} + {lit(T214)}", lambda: T + T214)
case(f"{Ts} * {lit(T214)}", lambda: T * T214)
case(f"{lit(w4)} + {M34s}", lambda: w4 + M34)
case(f"{M34s} / {lit(w4)}", lambda: M34 / w4)
case(f"{M34s} * {lit(w4)}", lambda: M34 * w4)
case("1 / 0", lambda: F(np.inf))
case("-1 / 0", lambda: F(-np.inf))
case("0 / 0", lambda: F(np.nan))

# ---- comparisons -------------------------------------------------------------
case("[1, 2, 3] == [1, 5, 3]", lambda: (A(1, 2, 3) == A(1, 5, 3)).astype(F))
case("[1, 2, 3] != [1, 5, 3]", lambda: (A(1, 2, 3) != A(1, 5, 3)).astype(F))
case("[1, 2, 3] < 2", lambda: (A(1, 2, 3) < 2).astype(F))
case("[1, 2, 3] <= 2", lambda: (A(1, 2, 3) <= 2).astype(F))
case("[[1, 2], [3, 4]] > 2", lambda: (A([1, 2], [3, 4]) > 2).astype(F))
case("[[1, 2], [3, 4]] >= [2, 4]", lambda: (A([1, 2], [3, 4]) >= A(2, 4)).astype(F))
case("1 + 1 == 2", lambda: F(1))
case("2 > 3", lambda: F(0))

# ---- matmul, transpose, shape -------------------------------------------------
B32 = A([1, 0], [2, -1], [0.5, 3])
case(f"{M23s} @ {lit(B32)}", lambda: M23 @ B32)
case(f"{M23s} @ [1, 2, 3]", lambda: M23 @ A(1, 2, 3))
case(f"[1, 2] @ {M23s}", lambda: A(1, 2) @ M23)
case("[1, 2, 3] @ [4, 5, 6]", lambda: F(32))
case("reshape(arange(0, 24, 1), 2, 3, 4) @ reshape(arange(0, 20, 1), 4, 5)",
     lambda: np.arange(24, dtype=F).reshape(2, 3, 4) @ np.arange(20, dtype=F).reshape(4, 5))
case("reshape(arange(0, 24, 1), 2, 1, 3, 4) @ reshape(arange(0, 40, 1), 5, 4, 2)",
     lambda: np.arange(24, dtype=F).reshape(2, 1, 3, 4) @ np.arange(40, dtype=F).reshape(5, 4, 2))
case(f"{Ts} @ [1, 2, 3, 4]", lambda: T @ A(1, 2, 3, 4))
case(f"{M23s}'", lambda: M23.T)
case(f"{M23s}.T", lambda: M23.T)
case(f"{Ts}.T", lambda: swap_last2(T))
case(f"{Ts}'", lambda: swap_last2(T))
case(f"{M23s}' @ {M23s}", lambda: M23.T @ M23)
case(f"{M23s}.shape", lambda: np.array(M23.shape, dtype=F))
case(f"{Ts}.shape", lambda: np.array(T.shape, dtype=F))
case("[1, 2, 3].shape", lambda: A(3))

# ---- indexing / slicing ---------------------------------------------------------
y = np.array([10, 20, 30, 40, 50, 60], dtype=F)
ys = lit(y)
case(f"{M33s}[0]", lambda: M33[0])
case(f"{M33s}[0, 1]", lambda: M33[0, 1])
case(f"{M33s}[:, 1]", lambda: M33[:, 1])
case(f"{M33s}[1:3]", lambda: M33[1:3])
case(f"{M33s}[-1]", lambda: M33[-1])
case(f"{M33s}[0][1]", lambda: M33[0][1])
case(f"{M33s}[1:, :2]", lambda: M33[1:, :2])
case(f"{M33s}[::-1]", lambda: M33[::-1])
case(f"{M33s}[:, ::-1]", lambda: M33[:, ::-1])
case(f"{M33s}[::2, ::-2]", lambda: M33[::2, ::-2])
case(f"{M33s}[-1, -2]", lambda: M33[-1, -2])
case(f"{M33s}[[0, 2]]", lambda: M33[[0, 2]])
case(f"{M33s}[:, [0, 2]]", lambda: M33[:, [0, 2]])
case(f"{M33s}[[2, 0], 1]", lambda: M33[[2, 0], 1])
case(f"{ys}[::2]", lambda: y[::2])
case(f"{ys}[::-1]", lambda: y[::-1])
case(f"{ys}[::-2]", lambda: y[::-2])
case(f"{ys}[4:1:-1]", lambda: y[4:1:-1])
case(f"{ys}[1:4]", lambda: y[1:4])
case(f"{ys}[-2:]", lambda: y[-2:])
case(f"{ys}[:-1]", lambda: y[:-1])
case(f"{ys}[-1]", lambda: y[-1])
case(f"{ys}[[0, 2]]", lambda: y[[0, 2]])
case(f"{ys}[[-1, 0, 0]]", lambda: y[[-1, 0, 0]])
case(f"{Ts}[1]", lambda: T[1])
case(f"{Ts}[:, 1]", lambda: T[:, 1])
case(f"{Ts}[:, :, 0]", lambda: T[:, :, 0])
case(f"{Ts}[1, ::-1, 1:3]", lambda: T[1, ::-1, 1:3])
case(f"{Ts}[:, 1:, ::2]", lambda: T[:, 1:, ::2])
case(f"{Ts}[-1, -1, -1]", lambda: T[-1, -1, -1])

# ---- construction -------------------------------------------------------------
case("zeros(2, 3)", lambda: np.zeros((2, 3)))
case("zeros(3)", lambda: np.zeros(3))
case("ones(3)", lambda: np.ones(3))
case("ones(2, 2)", lambda: np.ones((2, 2)))
case("full([2, 3], 7)", lambda: np.full((2, 3), 7.0))
case("eye(3)", lambda: np.eye(3))
case("arange(0, 5, 1)", lambda: np.arange(0, 5, 1, dtype=F))
case("arange(1, 2, 0.25)", lambda: np.arange(1, 2, 0.25))
case("arange(5, 0, -1)", lambda: np.arange(5, 0, -1, dtype=F))
case("arange(0, 5)", lambda: np.arange(0, 5, dtype=F))
case("linspace(0, 1, 5)", lambda: np.linspace(0, 1, 5))
case("onehot(1, 3)", lambda: np.eye(3)[1])
case("onehot([0, 2, 1], 3)", lambda: np.eye(3)[[0, 2, 1]])
case("diag([1, 2, 3])", lambda: np.diag(A(1, 2, 3)))
case("diag([[1, 2], [3, 4]])", lambda: np.diag(A([1, 2], [3, 4])))
case("range(5)", lambda: np.arange(5, dtype=F))

# ---- shape builtins -------------------------------------------------------------
case(f"shape({M23s})", lambda: np.array(M23.shape, dtype=F))
case(f"shape({Ts})", lambda: np.array(T.shape, dtype=F))
case("shape(3)", lambda: np.zeros(0))
case(f"numel({M23s})", lambda: F(M23.size))
case(f"numel({Ts})", lambda: F(T.size))
case("reshape(arange(0, 6, 1), 2, 3)", lambda: np.arange(6, dtype=F).reshape(2, 3))
case("reshape([1, 2, 3, 4, 5, 6], -1, 2)", lambda: np.arange(1, 7, dtype=F).reshape(-1, 2))
case("reshape([1, 2, 3, 4, 5, 6], 3, -1)", lambda: np.arange(1, 7, dtype=F).reshape(3, -1))
case(f"flatten({M23s})", lambda: M23.flatten())
case(f"flatten({Ts})", lambda: T.flatten())
case(f"transpose({M23s})", lambda: M23.T)
case(f"transpose({Ts}, [2, 0, 1])", lambda: np.transpose(T, (2, 0, 1)))
case("squeeze(reshape([1, 2, 3], 1, 3, 1))", lambda: np.squeeze(A(1, 2, 3).reshape(1, 3, 1)))
case("unsqueeze([1, 2, 3], 0)", lambda: np.expand_dims(A(1, 2, 3), 0))
case("unsqueeze([1, 2, 3], -1)", lambda: np.expand_dims(A(1, 2, 3), -1))
case("concat([ones(2), zeros(3)], axis: 0)", lambda: np.concatenate([np.ones(2), np.zeros(3)], axis=0))
case("concat([eye(2), full([2, 1], 5)], axis: 1)",
     lambda: np.concatenate([np.eye(2), np.full((2, 1), 5.0)], axis=1))
case("concat([eye(2), ones(1, 2)], axis: 0)", lambda: np.concatenate([np.eye(2), np.ones((1, 2))], axis=0))
case("stack([arange(0, 3, 1), arange(3, 6, 1)], axis: 0)",
     lambda: np.stack([np.arange(0, 3, dtype=F), np.arange(3, 6, dtype=F)], axis=0))
case("stack([arange(0, 3, 1), arange(3, 6, 1)], axis: 1)",
     lambda: np.stack([np.arange(0, 3, dtype=F), np.arange(3, 6, dtype=F)], axis=1))
case("stack([arange(0, 3, 1), arange(3, 6, 1)])",
     lambda: np.stack([np.arange(0, 3, dtype=F), np.arange(3, 6, dtype=F)]))

# ---- elementwise -----------------------------------------------------------------
case(f"exp({xs})", lambda: np.exp(x))
case(f"log({ps})", lambda: np.log(p))
case(f"sqrt({ps})", lambda: np.sqrt(p))
case(f"abs({xs})", lambda: np.abs(x))
case(f"sin({xs})", lambda: np.sin(x))
case(f"cos({xs})", lambda: np.cos(x))
case(f"tan({xs})", lambda: np.tan(x))
case(f"tanh({xs})", lambda: np.tanh(x))
case(f"sigmoid({xs})", lambda: 1 / (1 + np.exp(-x)))
case(f"relu({xs})", lambda: np.where(x > 0, x, 0.0))
case(f"softplus({xs})", lambda: np.log1p(np.exp(x)))
case(f"sign({xs})", lambda: np.sign(x))
case(f"leaky_relu({xs}, 0.1)", lambda: np.where(x > 0, x, 0.1 * x))
case(f"exp({M23s})", lambda: np.exp(M23))
case(f"relu({M23s})", lambda: np.where(M23 > 0, M23, 0.0))
case(f"maximum({xs}, 0)", lambda: np.maximum(x, 0))
case("maximum([[1], [5]], [2, 4, 6])", lambda: np.maximum(A([1], [5]), A(2, 4, 6)))
case("minimum([[1], [5]], [2, 4, 6])", lambda: np.minimum(A([1], [5]), A(2, 4, 6)))
case("minimum([3, -1, 2], [1, 0, 5])", lambda: np.minimum(A(3, -1, 2), A(1, 0, 5)))
case(f"clip({xs}, -1, 1)", lambda: np.clip(x, -1, 1))
case(f"pow({xs}, 3)", lambda: x ** 3)
case(f"pow(2, {xs})", lambda: 2 ** x)
case(f"pow({ps}, 0.5)", lambda: p ** 0.5)
case("log(0)", lambda: F(-np.inf))
case("sqrt(-1)", lambda: F(np.nan))

# ---- reductions --------------------------------------------------------------------
def var(z, axis=None, keepdims=False, ddof=0):
    return np.var(z, axis=axis, keepdims=keepdims, ddof=ddof)


def std(z, axis=None, keepdims=False, ddof=0):
    return np.std(z, axis=axis, keepdims=keepdims, ddof=ddof)


reductions = {
    "sum": lambda z, axis=None, keepdims=False: np.sum(z, axis=axis, keepdims=keepdims),
    "mean": lambda z, axis=None, keepdims=False: np.mean(z, axis=axis, keepdims=keepdims),
    "max": lambda z, axis=None, keepdims=False: np.max(z, axis=axis, keepdims=keepdims),
    "min": lambda z, axis=None, keepdims=False: np.min(z, axis=axis, keepdims=keepdims),
    "prod": lambda z, axis=None, keepdims=False: np.prod(z, axis=axis, keepdims=keepdims),
    "norm": norm,
    "var": var,
    "std": std,
    "logsumexp": logsumexp,
    "argmax": lambda z, axis=None, keepdims=False: np.argmax(z, axis=axis, keepdims=keepdims),
    "argmin": lambda z, axis=None, keepdims=False: np.argmin(z, axis=axis, keepdims=keepdims),
}
for name in ["sum", "prod", "norm", "var", "logsumexp", "argmax", "argmin"]:
    case(f"{name}({vs})", lambda fn=reductions[name]: fn(v))
for name, fn in reductions.items():
    case(f"{name}({Rs})", lambda fn=fn: fn(R))
    case(f"{name}({Rs}, axis: 0)", lambda fn=fn: fn(R, axis=0))
    case(f"{name}({Rs}, axis: 1)", lambda fn=fn: fn(R, axis=1))
    case(f"{name}({Rs}, axis: -1)", lambda fn=fn: fn(R, axis=-1))
    case(f"{name}({Rs}, axis: 0, keepdims: true)", lambda fn=fn: fn(R, axis=0, keepdims=True))
case(f"sum({Rs}, keepdims: true)", lambda: np.sum(R, keepdims=True))
case(f"mean({Rs}, keepdims: true)", lambda: np.mean(R, keepdims=True))
case(f"sum({Ts}, axis: 1)", lambda: np.sum(T, axis=1))
case(f"max({Ts}, axis: -1, keepdims: true)", lambda: np.max(T, axis=-1, keepdims=True))
case(f"var({vs}, ddof: 1)", lambda: np.var(v, ddof=1))
case(f"std({vs}, ddof: 1)", lambda: np.std(v, ddof=1))
case(f"var({Rs}, axis: 0, ddof: 1)", lambda: np.var(R, axis=0, ddof=1))
case(f"std({Rs}, axis: 1, ddof: 1)", lambda: np.std(R, axis=1, ddof=1))

# ---- named-argument styles ----------------------------------------------------------
case(f"sum({M23s}, axis=0)", lambda: np.sum(M23, axis=0))
case(f"mean({Rs}, axis=1, keepdims=true)", lambda: np.mean(R, axis=1, keepdims=True))
case(f"var({vs}, ddof=1)", lambda: np.var(v, ddof=1))
case(f"softmax({M23s}, axis=0)", lambda: softmax(M23, axis=0))

# ---- linear algebra / nn pieces --------------------------------------------------------
case("dot([1, 2, 3], [4, 5, 6])", lambda: F(np.dot(A(1, 2, 3), A(4, 5, 6))))
case("outer([1, 2, 3], [4, 5])", lambda: np.outer(A(1, 2, 3), A(4, 5)))
case(f"trace({M33s})", lambda: np.trace(M33))
case("det([[1, 2], [3, 4]])", lambda: np.linalg.det(A([1, 2], [3, 4])))
case("inv([[4, 7], [2, 6]])", lambda: np.linalg.inv(A([4, 7], [2, 6])))
case(f"softmax({lit(lg)})", lambda: softmax(lg))
case(f"softmax({M23s})", lambda: softmax(M23, axis=-1))
case(f"softmax({M23s}, axis: 0)", lambda: softmax(M23, axis=0))
case(f"softmax({M23s}, axis: -1)", lambda: softmax(M23, axis=-1))
case(f"log_softmax({lit(lg)})", lambda: log_softmax(lg))
case(f"log_softmax({M23s}, axis: 0)", lambda: log_softmax(M23, axis=0))
case(f"log_softmax({M23s})", lambda: log_softmax(M23, axis=-1))
case("softmax([1000, 1001, 1002])", lambda: softmax(A(1000, 1001, 1002)))
case("log_softmax([1000, 1001, 1002])", lambda: log_softmax(A(1000, 1001, 1002)))
case("logsumexp([1000, 1000])", lambda: F(1000 + np.log(2)))
case("logsumexp([-1000, -1000])", lambda: F(-1000 + np.log(2)))
case("cross_entropy(softmax([1, 2, 0.5]), onehot(1, 3))",
     lambda: -np.sum(np.eye(3)[1] * np.log(softmax(A(1, 2, 0.5)))))

# ---- compound ---------------------------------------------------------------------------
case("sum(softmax([1, 2, 0.5]) * [1, 2, 3])", lambda: np.sum(softmax(A(1, 2, 0.5)) * A(1, 2, 3)))
case("if 2 > 1 { 3 } else { 4 }", lambda: F(3))
case("if 1 > 2 { 3 } else { 4 }", lambda: F(4))
case("sqrt(sum([3, 4]^2))", lambda: F(5))
case("exp(log(5))", lambda: np.exp(np.log(F(5))))
case(f"sum(eye(3) * {M33s})", lambda: np.sum(np.eye(3) * M33))
case("max(relu([-1, 2, -3]))", lambda: F(2))
case("sum(arange(1, 11, 1))", lambda: F(55))
case("mean(([1, 2, 3] @ [[1, 0], [0, 1], [1, 1]] - [1, 1])^2)",
     lambda: np.mean((A(1, 2, 3) @ A([1, 0], [0, 1], [1, 1]) - A(1, 1)) ** 2))
case("(2 * pi - 1) / (1 + 2^(0 - 1)) * 3 - 4 / 8",
     lambda: F((2 * np.pi - 1) / (1 + 2 ** -1) * 3 - 4 / 8))
case("[[1, 2], [3, 4]] @ [[1, 2], [3, 4]] - [[1, 2], [3, 4]]^2",
     lambda: A([1, 2], [3, 4]) @ A([1, 2], [3, 4]) - A([1, 2], [3, 4]) ** 2)
case("sigmoid(0) + tanh(0) + relu(-1) + abs(-2)", lambda: F(0.5 + 0 + 0 + 2))


# ---- emit ------------------------------------------------------------------------------
def main():
    write_cases(cases, "forward.json")


if __name__ == "__main__":
    main()
