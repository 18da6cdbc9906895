"""Simulation: the backend seam, the model-agnostic sweep runner, and the model families' engines.

* :mod:`.backend`: NumPy/Numba on the CPU, CuPy on a GPU, and the GPU algorithm run by NumPy for testing;
* :mod:`.models`: what a model family gives the runner; :mod:`.config`: TOML configurations and overrides;
* :mod:`.sweep`: grid x realizations -> one dataset, with :mod:`.executors` (serial, processes, Dask) and
  :mod:`.store` (Zarr checkpoints that make a sweep resumable);
* :mod:`.hopfield`: Numba and batched kernels of Hopfield dynamics, one realization, and the runner's model.
"""
