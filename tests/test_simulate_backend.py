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


def test_host_helpers_on_the_host():
    from amphase.simulate.backend import array_module, to_host

    a = np.arange(4, dtype=np.int16)
    assert array_module(a) is np and array_module([1.0, 2.0]) is np and array_module(np.float32(1)) is np
    assert to_host(a) is a  # no copy on the host
    h = to_host(a, dtype=np.float64)
    assert h.dtype == np.float64 and np.array_equal(h, [0.0, 1.0, 2.0, 3.0])
    assert to_host([1, 2]).dtype.kind == "i"
    assert array_module({"get": 1}) is np  # a dict has .get(), but is not a device array


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device with CuPy")
def test_host_helpers_on_the_device():
    import cupy

    from amphase.simulate.backend import array_module, to_host

    d = cupy.arange(5, dtype=cupy.float32)
    assert array_module(d) is cupy
    h = to_host(d, dtype=np.float64)
    assert isinstance(h, np.ndarray) and h.dtype == np.float64 and np.array_equal(h, np.arange(5))
