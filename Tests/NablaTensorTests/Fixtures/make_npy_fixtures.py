# Writes the .npy/.npz files NumpyFixtureTests reads: each dtype, Fortran order, big-endian,
# and np.savez / np.savez_compressed archives. Run: python3 make_npy_fixtures.py
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
a = np.arange(6).reshape(2, 3)
for dtype in ["f8", "f4", "i8", "i4", "i2", "u1", "b1"]:
    np.save(os.path.join(here, dtype + ".npy"), a.astype(dtype))
np.save(os.path.join(here, "f8_fortran.npy"), np.asfortranarray(a.astype("f8")))
np.save(os.path.join(here, "f8_bigendian.npy"), a.astype(">f8"))
np.savez(os.path.join(here, "plain.npz"), w=a.astype("f8"), b=np.array([0.5, -1.5]))
np.savez_compressed(os.path.join(here, "compressed.npz"), w=a.astype("f8"), b=np.array([0.5, -1.5]))
