"""The one binary engine, shared by the Hopfield and binary DenseAM families.

``energy`` (the seam: one class per separation function ``F``, in ``energy_polynomial`` and ``energy_exponential``
over ``energy_base``, where the kind codes are written once), ``exact`` (wrapped int64 tables and the float64 error
bound), Numba kernels (``hebbian_kernels`` for the Hebbian fast path, ``kernels`` for the flip tables; ``prefetch``
their software prefetch), their batched NumPy/CuPy forms (``hebbian_batched``, ``batched``) and ``engine`` (one
realization).
"""
