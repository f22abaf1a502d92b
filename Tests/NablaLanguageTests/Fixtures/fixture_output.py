# Shared by make_forward_fixtures.py and make_nn_fixtures.py: writes (nabla expression, NumPy
# value) cases as one JSON object per line, inf/nan as strings.
import json
import math
import os

import numpy as np


def encode(value):
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def write_cases(cases, filename):
    seen = set()
    lines = []
    with np.errstate(all="ignore"):
        for expr, fn in cases:
            assert expr not in seen, f"duplicate case: {expr}"
            seen.add(expr)
            r = np.asarray(fn(), dtype=np.float64)
            obj = {"expr": expr, "shape": list(r.shape),
                   "data": [encode(e) for e in r.ravel(order="C")]}
            lines.append(json.dumps(obj, ensure_ascii=False, allow_nan=False))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), filename)
    with open(out, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(lines) + "\n]\n")
    print(f"wrote {len(lines)} cases to {out}")
