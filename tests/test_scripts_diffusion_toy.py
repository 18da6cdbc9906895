import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from amphase.simulate.diffusion.network import load

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _script(name, monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))  # as when the script runs: its folder is on sys.path
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_train_toy_score_writes_loadable_weights_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    tr = _script("train_toy_score", monkeypatch)
    args = ["--K", "2", "9", "--steps", "3", "--width", "8", "--depth", "1", "--out", str(tmp_path)]
    assert tr.main(args) == 0
    for K in (2, 9):
        net = load(tmp_path / f"toy-score-K{K}.npz")
        assert np.array_equal(net.points, tr.toy_points(K))
        np.testing.assert_allclose(np.hypot(*net.points.T), 1.0, rtol=1e-12)  # on the unit circle
        assert net.settings.steps == 3 and net.schedule["kind"] == "ve" and net.schedule["sigma"] == 1.0
    # nested in K: the 9 training points contain the 2
    p2, p9 = tr.toy_points(2), tr.toy_points(9)
    assert all(np.isclose(p9, q).all(axis=1).any() for q in p2)
    assert tr.main(args) == 2
    assert "exists" in capsys.readouterr().err


@pytest.mark.slow
def test_diffusion_toy_compares_exact_and_network(tmp_path, monkeypatch):
    tr = _script("train_toy_score", monkeypatch)
    assert tr.main(["--K", "2", "--steps", "300", "--width", "16", "--depth", "2", "--out", str(tmp_path)]) == 0
    toy = _script("diffusion_toy", monkeypatch)
    out = tmp_path / "toy.png"
    assert toy.main(["--K", "2", "--weights", str(tmp_path), "--out", str(out), "--samples", "50", "--t", "0.05"]) == 0
    rows = json.loads(out.with_suffix(".json").read_text())
    assert rows[0]["K"] == 2 and rows[0]["beta"] == pytest.approx(10.0)
    # two training points at beta = 10: both are attractors of the exact score, and the exact ODE to t = 1e-3 lands
    # every sample on one of them
    assert rows[0]["exact_memorized"] == 2 and rows[0]["exact_spurious"] == 0
    assert rows[0]["ode_classes_exact"]["memorized"] == 50
    assert out.stat().st_size > 1000
