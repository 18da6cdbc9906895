"""The device executor: prepared ahead on CPU threads, launched in order by one worker; backend/executor fit."""

from __future__ import annotations

import threading
import time

import pytest

from amphase.errors import ParameterError
from amphase.simulate.device_executor import DeviceExecutor, check_backend_executor
from amphase.simulate.executors import make_executor


class TwoPhase:
    """A task whose host phase sleeps (as drawing would) and whose device phase records what it saw."""

    def __init__(self) -> None:
        self.prepared_by: dict[int, str] = {}
        self.launch_order: list[int] = []
        self.launch_thread: set[str] = set()
        self.prepared_before_launch: list[int] = []

    def prepare(self, item: int) -> int:
        time.sleep(0.01)
        self.prepared_by[item] = threading.current_thread().name
        return item

    def launch(self, item: int) -> int:
        self.launch_order.append(item)
        self.launch_thread.add(threading.current_thread().name)
        self.prepared_before_launch.append(len(self.prepared_by))
        return item * item

    def __call__(self, item: int) -> int:
        return self.launch(self.prepare(item))


def test_two_phase_tasks_prepared_ahead_and_launched_in_order():
    fn = TwoPhase()
    with DeviceExecutor(prepare_threads=2, depth=2) as ex:
        assert list(ex.imap_unordered(fn, range(8))) == [i * i for i in range(8)]
    assert fn.launch_order == list(range(8))
    assert fn.launch_thread == {threading.current_thread().name}  # one device worker: the caller
    assert all(name.startswith("amphase-prepare") for name in fn.prepared_by.values())
    # when task k is launched, tasks up to k + depth have been submitted for preparation and k itself is ready
    assert all(seen >= k + 1 for k, seen in enumerate(fn.prepared_before_launch))


def test_plain_function_runs_whole_on_the_device_worker():
    seen = []
    with make_executor("device", 3) as ex:
        assert ex.name == "device" and ex.workers == 1
        assert list(ex.map(lambda i: seen.append(threading.current_thread().name) or -i, range(4))) == [0, -1, -2, -3]
    assert set(seen) == {threading.current_thread().name}


def test_backend_and_executor_that_do_not_fit_are_refused(monkeypatch):
    import amphase.simulate.device_executor as de

    with pytest.raises(ParameterError, match="executor='processes'"):
        check_backend_executor(["gpu"], "processes")
    with pytest.raises(ParameterError, match="executor='dask'"):
        check_backend_executor(["cpu", "gpu"], "dask")
    with pytest.raises(ParameterError, match="runs backend='gpu'; this sweep uses backend cpu"):
        check_backend_executor(["cpu"], "device")
    monkeypatch.setattr(de, "device_present", lambda: False)
    with pytest.raises(ParameterError, match="needs a CUDA device"):
        check_backend_executor(["gpu"], "device")
    check_backend_executor(["auto"], "processes")  # no device: auto is the CPU
    check_backend_executor(["gpu"], "serial")
    check_backend_executor([], "processes")
    monkeypatch.setattr(de, "device_present", lambda: True)
    check_backend_executor(["gpu"], "device")
    with pytest.raises(ParameterError, match="executor='processes'"):
        check_backend_executor(["auto"], "processes")  # a device: auto is the GPU


def test_sweep_refuses_gpu_without_device_before_any_work(tmp_path):
    """No device here: backend='gpu' is refused by the configuration's check, with nothing written."""
    from amphase.simulate.backend import gpu_available
    from amphase.simulate.sweep import run_sweep

    if gpu_available():
        pytest.skip("a CUDA device is present")
    config = {"model": "hopfield", "seed": 1, "realizations": 1, "grid": {"N": [50]},
              "params": {"alpha": 0.05, "backend": "gpu"}}  # fmt: skip
    for executor in ("processes", "device"):
        with pytest.raises(ParameterError, match="backend='gpu' needs CuPy and a CUDA device"):
            run_sweep(config, tmp_path / "x.nc", executor=executor, workers=2, progress=False, notify=None)
    assert list(tmp_path.iterdir()) == []
