"""Fast checks of the benchmark harness (amphase.bench) at tiny sizes; no timing assertions."""

from __future__ import annotations

import json
import math
import time
import types

import numpy as np
import pytest


@pytest.fixture(scope="module")
def h() -> types.ModuleType:
    import amphase.bench

    return amphase.bench


def fake_clock(step: float = 1.0) -> types.SimpleNamespace:
    """A stand-in for the time module whose perf_counter advances by ``step`` seconds per call."""
    now = [0.0]

    def perf_counter() -> float:
        now[0] += step
        return now[0]

    return types.SimpleNamespace(perf_counter=perf_counter)


# ---------------------------------------------------------------------------------------------------------------------
# timing and recording


def test_timed_rate_positive_finite_and_honours_min_time(h):
    calls = []

    def step() -> int:
        calls.append(1)
        return 10

    t = time.perf_counter()
    rate = h.timed_rate(step, 0.05)
    elapsed = time.perf_counter() - t
    assert math.isfinite(rate) and rate > 0
    assert elapsed >= 0.05
    assert len(calls) >= 1
    assert rate <= 10 * len(calls) / 0.05  # the units it counted, over at least min_time


def test_timed_rate_zero_min_time_is_one_call(h, monkeypatch):
    monkeypatch.setattr(h.rounds, "time", fake_clock(0.5))
    calls = []
    rate = h.timed_rate(lambda: calls.append(1) or 7, 0.0)
    assert calls == [1]
    assert rate == 7 / 0.5


def test_calibrate_reaches_min_time(h):
    def run_n(n: int) -> float:
        return n * 1e-4  # a step of 0.1 ms

    n = h.calibrate(run_n, 0.1)
    assert n * 1e-4 == pytest.approx(0.1, rel=0.01)


def test_record_median_spread_and_missing(h):
    rec = h.Record()
    for v in (3.0, 1.0, 10.0, 2.0):
        rec.add("a", v)
    rec.add("b", 5.0)
    assert rec.median("a") == 2.5
    assert rec.median("b") == 5.0
    assert rec.spread("a") == (1.0, 10.0)
    assert math.isnan(rec.median("missing"))
    assert rec.medians() == {"a": 2.5, "b": 5.0}


def test_run_rounds_interleaves_and_records_meta(h):
    order = []

    def task(name: str, value: float) -> object:
        return h.Task(name, "u", lambda: order.append(name) or value, {"threads": 1})

    rec = h.run_rounds([task("x", 1.0), task("y", 2.0)], repeats=3)
    assert order == ["x", "y"] * 3
    assert rec.samples == {"x": [1.0] * 3, "y": [2.0] * 3}
    assert rec.meta["x"] == {"unit": "u", "threads": 1}


def test_limit_vs_kernel_medians_ratio_and_alternation(h):
    order = []
    lim = iter([10.0, 8.0, 12.0, 100.0, 10.0])
    ker = iter([5.0, 4.0, 6.0, 1.0, 5.0])
    out = h.limit_vs_kernel(
        lambda: order.append("L") or next(lim),
        lambda: order.append("K") or next(ker),
        5,
        unit="GFLOP/s",
        threads={"limit": 1, "kernel": 1},
    )
    assert order == ["L", "K", "K", "L", "L", "K", "K", "L", "L", "K"]
    assert out["limit"]["median"] == 10.0
    assert out["kernel"]["median"] == 5.0
    assert out["ratio"] == 0.5
    assert out["ratio_per_round"] == 0.5
    assert out["threads"] == {"limit": 1, "kernel": 1}
    with pytest.raises(ValueError):
        h.limit_vs_kernel(lambda: 1.0, lambda: 1.0, 0)


def test_check_raises(h):
    h.check(True, "fine")
    with pytest.raises(AssertionError, match="broken"):
        h.check(False, "broken")


# ---------------------------------------------------------------------------------------------------------------------
# limits


def test_gemm_flop_accounting(h, monkeypatch):
    m, n, k = 3, 5, 7
    assert h.gemm_flops(m, n, k) == 2 * m * n * k
    task = h.gemm_task(m, n, k, np.float64)
    assert task.unit == "GFLOP/s"
    assert task.meta["flops_per_call"] == 2 * m * n * k
    assert (task.meta["m"], task.meta["n"], task.meta["k"], task.meta["dtype"]) == (m, n, k, "float64")
    # one call (min_time 0) timed by a clock that reads exactly 1 s per call: the rate is 2 m n k FLOP per second
    monkeypatch.setattr(h.rounds, "time", fake_clock(1.0))
    assert task.run() == pytest.approx(2 * m * n * k / 1e9)
    # four calls in 4 s (min_time 3.5: the loop stops at the first reading >= 3.5 s)
    task4 = h.gemm_task(m, n, k, np.float32, min_time=3.5)
    assert task4.run() == pytest.approx(2 * m * n * k / 1e9)


def test_gemm_real_call_and_threads(h):
    task = h.gemm_task(64, 32, 16, np.float32)
    t = time.perf_counter()
    rate = task.run()
    outer = time.perf_counter() - t
    assert math.isfinite(rate) and rate > 0
    # the implied duration of the one timed call fits inside the wall time around it
    assert 0 < task.meta["flops_per_call"] / (rate * 1e9) <= outer
    assert "threads" in task.meta
    one = h.gemm_task(16, 16, 16, np.float32, threads=1)
    if h.blas_thread_control() is not None:
        assert one.meta["threads"] == 1
    assert one.run() > 0


def test_blas_thread_limit_restores(h):
    before = h.blas_info()[0]
    with h.blas_thread_limit(1) as used:
        if h.blas_thread_control() is not None:
            assert used == 1
            n = h.blas_info()[0]  # one count per loaded BLAS (two where torch brings its own): each limited to 1
            assert n == 1 or (isinstance(n, list) and n and all(v == 1 for v in n))
        else:
            assert used is None
    assert h.blas_info()[0] == before
    with h.blas_thread_limit(None) as used:
        assert used == before


def test_exp_rate_positive(h):
    for dtype in (np.float32, np.float64):
        x = np.linspace(-5, 0, 10_000, dtype=dtype)
        assert h.exp_rate(x, 0.0) > 0
        task = h.exp_task(10_000, dtype)
        assert task.meta["threads"] == 1
        rate = task.run()
        assert math.isfinite(rate) and rate > 0


def test_bandwidth_tasks_tiny(h):
    tasks = h.bandwidth_tasks(1 << 20, cores=2, prefix="t/")
    assert [t.name for t in tasks] == ["t/bw_1core", "t/bw_allcores", "t/bw_npsum"]
    assert [t.meta["threads"] for t in tasks] == [1, 2, 1]
    for t in tasks:
        rate = t.run()
        assert math.isfinite(rate) and rate > 0


# ---------------------------------------------------------------------------------------------------------------------
# memory, machine, output


def test_peak_memory_sees_a_known_allocation(h):
    nbytes = 50_000_000

    def allocate() -> float:
        a = np.ones(nbytes // 8)  # every page written
        return float(a[-1])

    result, info = h.peak_memory(allocate)
    assert result == 1.0
    assert info["tracemalloc_peak"] >= nbytes
    if info["rss_method"] == "vmhwm":  # the high-water mark could be reset: the true resident peak of the call
        assert info["rss_peak"] >= 0.95 * nbytes

    result, info = h.peak_memory(lambda x: x + 1, 41)
    assert result == 42
    assert info["tracemalloc_peak"] < nbytes / 50
    if info["rss_method"] == "vmhwm":
        assert info["rss_peak"] < nbytes / 5


def test_torch_probe(h):
    info, reason = h.torch_probe()
    assert isinstance(reason, str) and reason
    if info is None:
        assert "not importable" in reason
    else:
        assert {"version", "cuda", "device", "cpu_threads"} <= info.keys()


def test_machine_info(h):
    info = h.machine_info(packages=("numpy", "surely-not-installed-pkg"))
    assert info["usable_cpus"] >= 1
    assert info["cpu_model"]
    assert info["surely-not-installed-pkg"] is None
    assert info["blas_thread_control"] in ("threadpoolctl", None)
    json.dumps(info)


def test_write_json_round_trip_atomic(h, tmp_path):
    data = {
        "a": 1,
        "nan": float("nan"),
        "np_scalar": np.float32(0.5),
        "np_int": np.int64(3),
        "array": np.arange(3),
        "path": tmp_path / "x",
        "nested": {"list": [1.5, "s", None]},
    }
    target = tmp_path / "sub" / "out.json"
    assert h.write_json(target, data) == target
    back = json.loads(target.read_text())
    assert back["a"] == 1 and math.isnan(back["nan"])
    assert back["np_scalar"] == 0.5 and back["np_int"] == 3 and back["array"] == [0, 1, 2]
    assert back["path"] == str(tmp_path / "x")
    assert back["nested"] == {"list": [1.5, "s", None]}
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]  # no temporary file left

    # a value that cannot be written: the old file stays whole, no temporary file behind
    with pytest.raises(TypeError):
        h.write_json(target, {"bad": object()})
    assert json.loads(target.read_text())["a"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_formatting(h):
    assert h.fmt_rate(float("nan")) == "-"
    assert h.fmt_rate(12345.0) == "1.23e+04"
    assert h.fmt_bytes(512) == "512 B"
    assert h.fmt_bytes(1.5 * 2**20) == "1.50 MiB"
    assert h.fmt_bytes(None) == "-"
    rec = h.Record()
    rec.meta["limit/x"] = {"unit": "GB/s", "threads": 2, "what": "thing"}
    rec.add("limit/x", 1.0)
    rec.add("limit/x", 3.0)
    rec.add("other", 1.0)
    (line,) = h.format_limits(rec)
    assert line.split()[:4] == ["x", "2.0", "GB/s", "[1.0"]
    assert line.rstrip().endswith("2  thing")
