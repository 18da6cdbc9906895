"""The binary DenseAM comparison figure (amphase.analysis.dense.figures): it says what it draws."""

import numpy as np
import pytest
import xarray as xr

from amphase.analysis.dense.binary import compare
from amphase.analysis.dense.figures import plot_comparison
from amphase.simulate.config import apply_overrides, load_config, resolve
from amphase.simulate.sweep import run_sweep


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    raw = apply_overrides(load_config("dense-capacity")[1], ["N=30,40", "realizations=1", "grid.noise=0,0.05",
                                                             "trials=4", "alpha=0.02,0.05,0.08,0.12"])  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path_factory.mktemp("d") / "d.nc", executor="serial", progress=False)
    return compare(ds)


def texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []


def test_every_noise_is_drawn_in_its_own_row(res):
    # issue 17: with noise = 0, 0.05 only noise 0 was drawn, without a word about the other
    fig = plot_comparison(res)
    axes = fig.get_axes()
    assert len(axes) == 6
    assert [axes[0].get_title(), axes[3].get_title()] == ["noise = 0.0", "noise = 0.05"]


def test_the_legend_lists_what_is_drawn_and_names_the_line_styles(res):
    fig = plot_comparison(res)
    a, b, c = fig.get_axes()[:3]
    assert "finite N: dense.poly_stability" in texts(a) and "signal-to-noise alpha (KH 2016)" in texts(a)
    assert "finite N: dense.poly_stability" not in texts(b)  # no finite-N curve drawn in (b)
    fits = [ln for ln in a.lines if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 200]
    assert ("erfc fit of the 1/2 point" in texts(a)) == bool(fits)
    # panel (c): the finite-N half loads are drawn; a measured 1/2 point is listed only where there is one
    assert "finite N: dense.poly_half_load" in texts(c)
    measured = np.isfinite(res["alpha_stable_half"].isel(noise=0).values).any()
    assert ("measured stable: erfc 1/2 point" in texts(c)) == bool(measured)


def test_sub_decade_log_axis_has_plain_tick_labels(res):
    # issue 17: the N axis read 5×10¹ ... 9×10¹
    fig = plot_comparison(res)
    c = fig.get_axes()[2]
    fig.canvas.draw()
    labels = [t.get_text() for t in c.get_xticklabels()]
    assert labels == ["30", "40"] and not [t for t in c.get_xticklabels(minor=True) if t.get_text()]


def test_rows_beyond_the_limit_are_named(res):
    from amphase.analysis.dense import figures

    many = xr.concat([res.isel(noise=[0])] * 5, dim="noise", data_vars="all").assign_coords(
        noise=[0.0, 0.1, 0.2, 0.3, 0.4]
    )
    fig = figures.plot_comparison(many)
    assert len(fig.get_axes()) == 3 * figures.MAX_ROWS
    assert "not drawn (1 more): noise = 0.4" in fig._suptitle.get_text()
