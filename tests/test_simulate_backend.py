"""The backend seam: names, availability, and host/device conversion."""

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.backend import BACKENDS, get_backend, gpu_available


def test_names():
    assert BACKENDS == ("auto", "cpu", "gpu", "numpy")
    cpu, host = get_backend("cpu"), get_backend("numpy")
    assert (cpu.batched, host.batched) == (False, True)
    assert cpu.xp is np and host.xp is np
    assert get_backend("auto").name == ("gpu" if gpu_available() else "cpu")
    a = host.asarray([1, 2], dtype=np.int8)
    assert host.asnumpy(a).dtype == np.int8


def test_unknown_or_unavailable():
    with pytest.raises(ParameterError, match="backend='tpu' is unknown; allowed: auto, cpu, gpu, numpy"):
        get_backend("tpu")
    if not gpu_available():
        with pytest.raises(ParameterError, match="needs CuPy and a CUDA device"):
            get_backend("gpu")


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device with CuPy")
def test_gpu_round_trip():
    gpu = get_backend("gpu")
    a = gpu.asarray(np.arange(5))
    assert type(a).__module__.startswith("cupy")
    assert np.array_equal(gpu.asnumpy(a * 2), np.arange(5) * 2)
