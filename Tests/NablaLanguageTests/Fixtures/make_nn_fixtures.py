#!/usr/bin/env python3
"""Generate nn.json: nabla neural-network builtins paired with a NumPy oracle.

Same format and conventions as make_forward_fixtures.py / forward.json:
a JSON array, one case per line,
  {"expr": "...", "shape": [...], "data": [...]}
with data flattened row-major; inf/-inf/nan encoded as strings.

Inputs are built deterministically inside each nabla expression, e.g.
  reshape(sin(arange(0, 50) * 1.7), 1, 2, 5, 5)
and the identical array is rebuilt here with NumPy
  np.sin(np.arange(0, 50) * 1.7).reshape(1, 2, 5, 5)
so each expr is self-contained.

The oracles below are written with DIRECT LOOPS over output positions (no
im2col, no strided views, no library convolution/pooling) so that they are an
independent check of nabla's implementation. Conventions follow PyTorch:
  conv2d       cross-correlation, OIHW weights, zero padding, floor output size
  im2col       like torch.nn.functional.unfold; rows (c, i, j), cols (oh, ow)
  maxpool2d    default stride = k, padding counts as -inf
  avgpool2d    default stride = k, count_include_pad=True (divide by k*k)
  batchnorm    training-mode batch statistics, biased variance
  softmax_cross_entropy  mean over the batch of -log softmax[target]

Run:  python3 make_nn_fixtures.py   (writes nn.json next to this file)
"""
import math

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


def gen(shape, fn="sin", start=0, mul=1.7, scale=None, shift=None):
    """A deterministic input: nabla source and the same NumPy array.

    value = shift + scale * fn(arange(start, start + n) * mul), reshaped.
    """
    shape = tuple(shape)
    n = int(np.prod(shape)) if shape else 1
    src = f"{fn}(arange({start}, {start + n}) * {num(mul)})"
    val = getattr(np, fn)(np.arange(start, start + n) * F(mul))
    if scale is not None:
        src = f"{num(scale)} * {src}"
        val = F(scale) * val
    if shift is not None:
        src = f"{num(shift)} + {src}"
        val = F(shift) + val
    if len(shape) != 1:
        src = f"reshape({src}, {', '.join(str(d) for d in shape)})"
        val = val.reshape(shape)
    return src, np.asarray(val, dtype=F)


cases = []


def case(expr, fn):
    cases.append((expr, fn))


def kwargs(**kw):
    """Render named arguments (skipping None) as ', name: v, ...'."""
    parts = [f"{k}: {num(v)}" for k, v in kw.items() if v is not None]
    return "".join(", " + p for p in parts)


# ---- oracles (direct loops) --------------------------------------------------------
def out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def conv2d_ref(x, w, b=None, stride=1, padding=0):
    x = np.asarray(x, dtype=F)
    chw = x.ndim == 3
    if chw:
        x = x[None]
    N, C, H, W = x.shape
    O, C2, kh, kw = w.shape
    assert C == C2
    s, p = stride, padding
    Ho, Wo = out_size(H, kh, s, p), out_size(W, kw, s, p)
    out = np.zeros((N, O, Ho, Wo), dtype=F)
    for n in range(N):
        for o in range(O):
            for oh in range(Ho):
                for ow in range(Wo):
                    acc = 0.0
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                ih = oh * s + i - p
                                iw = ow * s + j - p
                                if 0 <= ih < H and 0 <= iw < W:
                                    acc += float(x[n, c, ih, iw]) * float(w[o, c, i, j])
                    if b is not None:
                        acc += float(b[o])
                    out[n, o, oh, ow] = acc
    return out[0] if chw else out


def im2col_ref(x, kh, kw, stride=1, padding=0):
    x = np.asarray(x, dtype=F)
    chw = x.ndim == 3
    if chw:
        x = x[None]
    N, C, H, W = x.shape
    s, p = stride, padding
    Ho, Wo = out_size(H, kh, s, p), out_size(W, kw, s, p)
    out = np.zeros((N, C * kh * kw, Ho * Wo), dtype=F)
    for n in range(N):
        for c in range(C):
            for i in range(kh):
                for j in range(kw):
                    row = c * kh * kw + i * kw + j
                    for oh in range(Ho):
                        for ow in range(Wo):
                            ih = oh * s + i - p
                            iw = ow * s + j - p
                            v = 0.0
                            if 0 <= ih < H and 0 <= iw < W:
                                v = float(x[n, c, ih, iw])
                            out[n, row, oh * Wo + ow] = v
    return out[0] if chw else out


def pool_ref(x, k, stride=None, padding=0, mode="max"):
    x = np.asarray(x, dtype=F)
    chw = x.ndim == 3
    if chw:
        x = x[None]
    N, C, H, W = x.shape
    s = k if stride is None else stride
    p = padding
    Ho, Wo = out_size(H, k, s, p), out_size(W, k, s, p)
    out = np.zeros((N, C, Ho, Wo), dtype=F)
    for n in range(N):
        for c in range(C):
            for oh in range(Ho):
                for ow in range(Wo):
                    best = -math.inf
                    total = 0.0
                    for i in range(k):
                        for j in range(k):
                            ih = oh * s + i - p
                            iw = ow * s + j - p
                            if 0 <= ih < H and 0 <= iw < W:
                                v = float(x[n, c, ih, iw])
                                best = v if v > best else best
                                total += v
                            # padded positions: -inf for max (never wins), 0 for avg
                    out[n, c, oh, ow] = best if mode == "max" else total / (k * k)
    return out[0] if chw else out


def batchnorm_ref(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=F)
    out = np.zeros_like(x)
    if x.ndim == 2:
        N, Fn = x.shape
        for f in range(Fn):
            m = 0.0
            for n in range(N):
                m += x[n, f]
            m /= N
            v = 0.0
            for n in range(N):
                v += (x[n, f] - m) ** 2
            v /= N
            for n in range(N):
                out[n, f] = (x[n, f] - m) / math.sqrt(v + eps) * gamma[f] + beta[f]
        return out
    assert x.ndim == 4
    N, C, H, W = x.shape
    cnt = N * H * W
    for c in range(C):
        m = 0.0
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    m += x[n, c, h, w]
        m /= cnt
        v = 0.0
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    v += (x[n, c, h, w] - m) ** 2
        v /= cnt
        sd = math.sqrt(v + eps)
        for n in range(N):
            for h in range(H):
                for w in range(W):
                    out[n, c, h, w] = (x[n, c, h, w] - m) / sd * gamma[c] + beta[c]
    return out


def linear_ref(x, Wt, b):
    x = np.asarray(x, dtype=F)
    vec = x.ndim == 1
    if vec:
        x = x[None]
    N, I = x.shape
    O, I2 = Wt.shape
    assert I == I2
    out = np.zeros((N, O), dtype=F)
    for n in range(N):
        for o in range(O):
            acc = 0.0
            for i in range(I):
                acc += x[n, i] * Wt[o, i]
            out[n, o] = acc + b[o]
    return out[0] if vec else out


def lse_row(z):
    m = max(float(t) for t in z)
    return m + math.log(sum(math.exp(float(t) - m) for t in z))


def sce_ref(logits, target):
    z = np.asarray(logits, dtype=F)
    t = np.asarray(target, dtype=F)
    if z.ndim == 1:
        if t.ndim == 0:
            return F(lse_row(z) - z[int(t)])
        return F(sum(-t[c] * (z[c] - lse_row(z)) for c in range(z.shape[0])))
    N, C = z.shape
    total = 0.0
    for n in range(N):
        l = lse_row(z[n])
        if t.ndim == 1:
            total += l - z[n, int(t[n])]
        else:
            total += sum(-t[n, c] * (z[n, c] - l) for c in range(C))
    return F(total / N)


def mse_ref(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=F), np.asarray(b, dtype=F))
    a, b = a.ravel(), b.ravel()
    return F(sum((a[i] - b[i]) ** 2 for i in range(a.size)) / a.size)


def bce_ref(p, t):
    p, t = np.broadcast_arrays(np.asarray(p, dtype=F), np.asarray(t, dtype=F))
    p, t = p.ravel(), t.ravel()
    s = 0.0
    for i in range(p.size):
        s += t[i] * math.log(p[i]) + (1 - t[i]) * math.log(1 - p[i])
    return F(-s / p.size)


def accuracy_ref(scores, labels):
    z = np.asarray(scores, dtype=F)
    y = np.asarray(labels, dtype=F)
    if z.ndim == 1:
        best = max(range(z.shape[0]), key=lambda c: z[c])
        return F(1.0 if best == int(y) else 0.0)
    hits = 0
    for n in range(z.shape[0]):
        best = 0
        for c in range(1, z.shape[1]):
            if z[n, c] > z[n, best]:
                best = c
        hits += 1 if best == int(y[n]) else 0
    return F(hits / z.shape[0])


# ---- conv2d -------------------------------------------------------------------------
# (x shape, w shape, with bias, stride, padding, spell named args)
conv_specs = [
    ((1, 1, 4, 4), (1, 1, 3, 3), True, None, None),     # defaults
    ((1, 2, 5, 5), (3, 2, 3, 3), True, 1, 0),
    ((1, 2, 5, 5), (3, 2, 3, 3), True, 1, 1),
    ((2, 2, 5, 5), (3, 2, 3, 3), True, 2, 1),
    ((2, 3, 6, 5), (2, 3, 2, 3), True, 1, 0),           # non-square kernel + image
    ((1, 2, 5, 7), (2, 2, 2, 3), True, 2, 1),
    ((1, 1, 7, 7), (2, 1, 2, 2), True, 3, 0),           # stride 3 (drops last row/col)
    ((2, 1, 8, 6), (2, 1, 3, 3), True, 3, 1),
    ((1, 2, 4, 4), (2, 2, 3, 3), True, 1, 2),           # padding 2
    ((1, 1, 3, 5), (1, 1, 3, 2), True, 2, 2),
    ((3, 2, 4, 4), (4, 2, 1, 1), True, 1, 0),           # 1x1 conv
    ((1, 2, 5, 5), (3, 2, 3, 3), False, 1, 1),          # no bias
    ((2, 1, 6, 6), (2, 1, 2, 3), False, 2, 0),
    ((1, 1, 5, 5), (1, 1, 5, 5), True, 1, 0),           # kernel covers image -> 1x1
]
for xs_, ws_, has_b, s, p in conv_specs:
    xsrc, X = gen(xs_, "sin", 0, 1.7)
    wsrc, Wt = gen(ws_, "cos", 1, 0.9, scale=0.5)
    bsrc, B = gen((ws_[0],), "sin", 3, 1.3)
    args = f"{xsrc}, {wsrc}" + (f", {bsrc}" if has_b else "")
    expr = f"conv2d({args}{kwargs(stride=s, padding=p)})"
    case(expr, lambda X=X, Wt=Wt, B=B, h=has_b, s=s, p=p:
         conv2d_ref(X, Wt, B if h else None, stride=s or 1, padding=p or 0))

# CHW input -> [O, Ho, Wo]
chw_specs = [
    ((2, 5, 5), (3, 2, 3, 3), True, 1, 0),
    ((2, 5, 4), (2, 2, 2, 3), True, 2, 1),
    ((1, 6, 6), (2, 1, 3, 3), False, 1, 1),
    ((3, 4, 5), (2, 3, 2, 2), True, 3, 2),
]
for xs_, ws_, has_b, s, p in chw_specs:
    xsrc, X = gen(xs_, "cos", 2, 1.1)
    wsrc, Wt = gen(ws_, "sin", 5, 0.7, scale=0.5)
    bsrc, B = gen((ws_[0],), "cos", 0, 2.1)
    args = f"{xsrc}, {wsrc}" + (f", {bsrc}" if has_b else "")
    expr = f"conv2d({args}{kwargs(stride=s, padding=p)})"
    case(expr, lambda X=X, Wt=Wt, B=B, h=has_b, s=s, p=p:
         conv2d_ref(X, Wt, B if h else None, stride=s, padding=p))

# '=' style named arguments
_x, _X = gen((1, 1, 4, 4), "sin", 0, 1.7)
_w, _W = gen((1, 1, 2, 2), "cos", 0, 0.9)
case(f"conv2d({_x}, {_w}, stride=2, padding=1)", lambda: conv2d_ref(_X, _W, None, 2, 1))

# ---- im2col -------------------------------------------------------------------------
im2col_specs = [
    ((1, 3, 3), 2, 2, None, None),
    ((2, 4, 4), 2, 2, None, None),
    ((2, 4, 5), 2, 3, 1, 0),
    ((1, 5, 5), 3, 3, 2, 1),
    ((2, 3, 4), 2, 2, 1, 1),
    ((1, 7, 7), 2, 2, 3, 0),
    ((1, 3, 3), 3, 3, 1, 2),
    ((2, 2, 4, 4), 2, 2, None, None),                   # NCHW -> batch
    ((2, 1, 5, 5), 3, 3, 2, 1),
    ((1, 2, 3, 4), 2, 3, 1, 1),
]
for xs_, kh, kw, s, p in im2col_specs:
    xsrc, X = gen(xs_, "sin", 0, 1.7)
    expr = f"im2col({xsrc}, {kh}, {kw}{kwargs(stride=s, padding=p)})"
    case(expr, lambda X=X, kh=kh, kw=kw, s=s, p=p:
         im2col_ref(X, kh, kw, stride=s or 1, padding=p or 0))

# im2col reproduces the convolution: reshape(w, O, -1) @ im2col(x, kh, kw) (CHW)
for xs_, ws_, s, p in [((2, 4, 4), (3, 2, 2, 2), None, None),
                       ((2, 5, 4), (3, 2, 2, 2), 1, 0),
                       ((3, 5, 5), (2, 3, 3, 3), 2, 1)]:
    xsrc, X = gen(xs_, "sin", 0, 1.7)
    wsrc, Wt = gen(ws_, "cos", 1, 0.9, scale=0.5)
    O, kh, kw = ws_[0], ws_[2], ws_[3]
    expr = f"reshape({wsrc}, {O}, -1) @ im2col({xsrc}, {kh}, {kw}{kwargs(stride=s, padding=p)})"

    def conv_as_matrix(X=X, Wt=Wt, s=s, p=p):
        y = conv2d_ref(X, Wt, None, stride=s or 1, padding=p or 0)
        return y.reshape(y.shape[0], -1)
    case(expr, conv_as_matrix)

# ---- maxpool2d / avgpool2d ---------------------------------------------------------
pool_specs = [
    ((1, 1, 4, 4), 2, None, None),                      # default stride = k
    ((1, 2, 5, 5), 2, None, None),                      # odd size, floor
    ((2, 2, 4, 4), 2, 1, 0),
    ((1, 1, 5, 5), 3, 2, 0),
    ((1, 2, 5, 5), 3, 2, 1),
    ((1, 1, 4, 4), 2, 2, 1),
    ((2, 1, 4, 5), 3, 1, 1),
    ((1, 1, 6, 6), 3, None, None),
    ((2, 4, 4), 2, None, None),                         # CHW
    ((1, 5, 4), 3, 1, 1),                               # CHW, padding
    ((2, 3, 3), 2, 1, 1),
]
for op in ("maxpool2d", "avgpool2d"):
    mode = "max" if op == "maxpool2d" else "avg"
    for xs_, k, s, p in pool_specs:
        xsrc, X = gen(xs_, "sin", 0, 1.7)
        expr = f"{op}({xsrc}, {k}{kwargs(stride=s, padding=p)})"
        case(expr, lambda X=X, k=k, s=s, p=p, m=mode: pool_ref(X, k, s, p or 0, m))
# all-negative input: padding must act as -inf (not 0) for max
xsrc, X = gen((1, 4, 4), "sin", 0, 1.7, shift=-2)
case(f"maxpool2d({xsrc}, 2, stride: 1, padding: 1)", lambda X=X: pool_ref(X, 2, 1, 1, "max"))
case(f"maxpool2d({xsrc}, 3, stride: 2, padding: 1)", lambda X=X: pool_ref(X, 3, 2, 1, "max"))
# constant input: padding counts as 0 in the average (count_include_pad)
case("avgpool2d(ones(1, 4, 4), 2, stride: 1, padding: 1)",
     lambda: pool_ref(np.ones((1, 4, 4)), 2, 1, 1, "avg"))
case("avgpool2d(ones(1, 1, 3, 3), 3, stride: 1, padding: 1)",
     lambda: pool_ref(np.ones((1, 1, 3, 3)), 3, 1, 1, "avg"))

# ---- batchnorm ------------------------------------------------------------------------
for xs_, eps in [((4, 3), None), ((5, 2), 1e-3), ((2, 4), None),
                 ((2, 3, 3, 3), None), ((3, 2, 2, 4), 0.1), ((1, 2, 3, 3), None)]:
    xsrc, X = gen(xs_, "sin", 0, 1.7, scale=2, shift=0.5)
    ch = xs_[1]
    gsrc, G = gen((ch,), "cos", 0, 0.7, scale=0.5, shift=1)
    bsrc, Bb = gen((ch,), "sin", 2, 1.3)
    expr = f"batchnorm({xsrc}, {gsrc}, {bsrc}{kwargs(eps=eps)})"
    case(expr, lambda X=X, G=G, Bb=Bb, eps=eps: batchnorm_ref(X, G, Bb, 1e-5 if eps is None else eps))
case("batchnorm([[1, 2], [3, 6]], [1, 1], [0, 0])",
     lambda: batchnorm_ref(np.array([[1, 2], [3, 6]], dtype=F), np.ones(2), np.zeros(2)))
case("batchnorm([[1, 2], [3, 6]], [2, 0.5], [1, -1], eps: 0)",
     lambda: batchnorm_ref(np.array([[1, 2], [3, 6]], dtype=F), np.array([2, 0.5]), np.array([1, -1.0]), 0.0))

# ---- linear ----------------------------------------------------------------------------
for xs_, out in [((3,), 2), ((4,), 4), ((2, 3), 2), ((5, 4), 3), ((1, 2), 1)]:
    xsrc, X = gen(xs_, "sin", 0, 1.7)
    inn = xs_[-1]
    wsrc, Wt = gen((out, inn), "cos", 1, 0.9)
    bsrc, Bv = gen((out,), "sin", 4, 1.1)
    case(f"linear({xsrc}, {wsrc}, {bsrc})", lambda X=X, Wt=Wt, Bv=Bv: linear_ref(X, Wt, Bv))
case("linear([1, 2], [[1, 0], [0, 1], [1, 1]], [0.5, -0.5, 0])",
     lambda: linear_ref(np.array([1, 2.0]), np.array([[1, 0], [0, 1], [1, 1.0]]), np.array([0.5, -0.5, 0])))

# ---- softmax_cross_entropy -----------------------------------------------------------
Lsrc, L = gen((4, 3), "sin", 0, 1.7, scale=3)
case(f"softmax_cross_entropy({Lsrc}, [0, 2, 1, 1])", lambda: sce_ref(L, np.array([0, 2, 1, 1])))
case(f"softmax_cross_entropy({Lsrc}, onehot([0, 2, 1, 1], 3))",
     lambda: sce_ref(L, np.eye(3)[[0, 2, 1, 1]]))
case(f"softmax_cross_entropy({Lsrc}, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]])",
     lambda: sce_ref(L, np.eye(3)[[0, 2, 1, 1]]))
L5src, L5 = gen((2, 5), "cos", 1, 0.6, scale=2)
case(f"softmax_cross_entropy({L5src}, [4, 0])", lambda: sce_ref(L5, np.array([4, 0])))
case("softmax_cross_entropy([1, 2, 0.5], 1)", lambda: sce_ref(np.array([1, 2, 0.5]), F(1)))
case("softmax_cross_entropy([1, 2, 0.5], 0)", lambda: sce_ref(np.array([1, 2, 0.5]), F(0)))
case("softmax_cross_entropy([1000, 0, -1000], 0)", lambda: sce_ref(np.array([1000, 0, -1000.0]), F(0)))
case("softmax_cross_entropy([1000, 0, -1000], 2)", lambda: sce_ref(np.array([1000, 0, -1000.0]), F(2)))
case("softmax_cross_entropy([[1000, 0, -1000], [0, 1000, 1000]], [1, 2])",
     lambda: sce_ref(np.array([[1000, 0, -1000], [0, 1000, 1000.0]]), np.array([1, 2])))
case("softmax_cross_entropy([[1000, 0, -1000], [-1000, -1000, -999]], onehot([0, 2], 3))",
     lambda: sce_ref(np.array([[1000, 0, -1000], [-1000, -1000, -999.0]]), np.eye(3)[[0, 2]]))
case("softmax_cross_entropy([[0, 0, 0, 0]], [3])", lambda: F(math.log(4)))

# ---- mse / bce / accuracy --------------------------------------------------------------
case("mse([1, 2, 3], [1, 2, 3])", lambda: F(0))
case("mse([1, 2, 3], [2, 0, 3])", lambda: mse_ref(np.array([1, 2, 3.0]), np.array([2, 0, 3.0])))
Psrc, P = gen((3, 4), "sin", 0, 1.7)
Tsrc, Tt = gen((3, 4), "cos", 0, 1.1)
case(f"mse({Psrc}, {Tsrc})", lambda: mse_ref(P, Tt))
pbsrc, PB = gen((6,), "sin", 0, 1.3, scale=0.4, shift=0.5)
case(f"bce({pbsrc}, [1, 0, 1, 1, 0, 0])", lambda: bce_ref(PB, np.array([1, 0, 1, 1, 0, 0.0])))
pb2src, PB2 = gen((2, 3), "cos", 1, 0.8, scale=0.45, shift=0.5)
case(f"bce({pb2src}, [[1, 0, 0], [0, 1, 1]])", lambda: bce_ref(PB2, np.array([[1, 0, 0], [0, 1, 1.0]])))
case(f"bce({pb2src}, [[0.2, 0.5, 1], [0, 0.9, 0.3]])",
     lambda: bce_ref(PB2, np.array([[0.2, 0.5, 1], [0, 0.9, 0.3]])))
case("bce([0.9, 0.1], [1, 0])", lambda: bce_ref(np.array([0.9, 0.1]), np.array([1, 0.0])))
Ssrc, S = gen((5, 3), "sin", 0, 1.7)
labels = np.array([1, 0, 2, 2, 1.0])  # argmax rows of S are [1, 2, 2, 0, 0] -> 2/5
case(f"accuracy({Ssrc}, {lit(labels)})", lambda: accuracy_ref(S, labels))
labels_all = np.array([int(np.argmax(S[n])) for n in range(5)], dtype=F)
case(f"accuracy({Ssrc}, {lit(labels_all)})", lambda: F(1))
case("accuracy([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], [1, 1, 1, 0])", lambda: F(0.75))
case("accuracy([[1, 2, 3], [3, 2, 1]], [0, 1])", lambda: F(0))


# ---- emit ------------------------------------------------------------------------------
def main():
    write_cases(cases, "nn.json")


if __name__ == "__main__":
    main()
