"""Hopfield-network engines: Numba kernels, batched (NumPy/CuPy) kernels, one realization, the runner's model."""
