"""The interleave benchmark: bad input refused before any work; its ratios are its rates over its own bandwidth."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("amphase_bench_interleave", SCRIPTS / "bench_interleave.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "argv", [["--repeats", "0"], ["--alpha", "1.5"], ["--sizes", "8"], ["--min-time", "0"], ["--bw-bytes", "10"]]
)
def test_bad_input_exits_2_naming_the_parameter(bench, argv, capsys):
    assert bench.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{argv[0]} " in err and "allowed" in err


def test_rows_are_rates_over_the_bandwidth_of_the_same_run(bench, tmp_path):
    out = tmp_path / "b.json"
    argv = ["--sizes", "200", "--repeats", "2", "--min-time", "0.001", "--bw-bytes", str(2**22), "--json", str(out)]
    assert bench.main(argv) == 0
    data = json.loads(out.read_text())
    rows = {row["kernel"]: row for row in data["rows"]}
    expected = {"plain", "prefetch"} | {f"R={k}{p}" for k in bench.REPLICAS for p in ("", " prefetch")}
    assert set(rows) == expected
    bw = data["medians"]["limit/bw_1core"]
    for row in rows.values():
        assert row["P"] == 20
        assert row["ratio_bandwidth"] == pytest.approx(row["updates_per_s"] * 20 / 1e9 / bw, rel=1e-12)
