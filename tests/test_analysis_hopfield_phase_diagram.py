"""The phase-diagram figure and the main-job script."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.figures import save_figure
from amphase.analysis.hopfield.phase_diagram import plot_phase_diagram, t_c_curve, t_m_curve
from amphase.theory import hopfield
from amphase.theory.hopfield import lines

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ds():
    return hopfield.phase_diagram(alpha=[0.0, 0.02, 0.0525, 0.1, 0.15], T=[0.0, 0.05, 0.3, 0.8, 1.3])


def test_curves_are_ordered(ds):
    a, t = t_m_curve(ds)
    assert np.all(np.diff(t) <= 0) and t[0] == 1.0 and t[-1] == 0.0
    assert a[-1] == pytest.approx(0.13790557, abs=1e-8)
    a, t = t_c_curve(ds)
    assert np.all(np.diff(t) <= 0) and t[0] == 1.0 and a[-1] == pytest.approx(0.0518543, abs=1e-7)


def test_figure_has_the_four_labelled_lines(ds, tmp_path):
    fig = plot_phase_diagram(ds)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for name in ("T_g", "T_M", "T_c", "T_R"):
        assert any(name in label for label in labels), name
    assert fig.axes[0].get_xlabel().startswith("load") and "temperature" in fig.axes[0].get_ylabel()
    path = save_figure(fig, tmp_path / "pd.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["pd.png"]


def test_main_job_script(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "hopfield_phase_diagram.py"),
            "--out",
            str(tmp_path),
            "--alpha-points",
            "4",
            "--T-points",
            "4",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's package, not whichever one is installed
    )
    assert proc.returncode == 0, proc.stderr
    assert "alpha_c(T=0) = 0.13791" in proc.stdout
    with xr.open_dataset(tmp_path / "hopfield_phase_diagram.nc", engine="h5netcdf") as out:
        assert out["phase"].shape == (4, 4)
    assert (tmp_path / "hopfield_phase_diagram.png").stat().st_size > 10_000


def test_t_m_curve_has_both_branches():
    # the reentrant part of T_M (alpha_c(0) < alpha <= max alpha_c(T)) is on the curve; every point is on alpha_c(T)
    ds = hopfield.phase_diagram(alpha=[0.1, 0.138, 0.1381], T=[0.0, 0.01, 0.03, 0.2])
    a, t = t_m_curve(ds)
    assert np.all(np.diff(t) <= 0)
    low = lines.T_M_crossings(0.138)[0]
    assert any(x == 0.138 and y == low for x, y in zip(a, t, strict=True))
    for x, y in zip(a, t, strict=True):
        assert lines.alpha_c(y)[0] == pytest.approx(x, rel=1e-9)


def test_phases_are_regions_bounded_by_the_lines_and_the_legend_covers_none(ds, tmp_path):
    from matplotlib.collections import PolyCollection, QuadMesh

    fig = plot_phase_diagram(ds)
    save_figure(fig, tmp_path / "pd.png")  # draws it: the extents below are final
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, QuadMesh)]  # no cell-by-cell staircase
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) >= 4
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= frame.x1  # outside the axes, to their right
