"""The Hopfield comparison figure: what it draws, read from the matplotlib objects (not from pixels)."""

import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D

from amphase.analysis.hopfield.figures import plot_comparison
from amphase.analysis.hopfield.hopfield import compare
from amphase.simulate.config import resolve
from amphase.simulate.sweep import run_sweep

RAW = {
    "model": "hopfield",
    "seed": 11,
    "realizations": 2,
    "grid": {"N": [200, 400], "cue": ["random", "pattern", "mixture"], "alpha": [0.02, 0.1, 0.2]},
    "params": {"trials": 3, "noise": 0.1, "overlaps": "top", "top": 6},
}


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig") / "sweep.nc"
    run_sweep(resolve(RAW), out, executor="serial", progress=False)
    return compare(xr.load_dataset(out, engine="h5netcdf"))


def _draw(res, title=""):
    fig = plot_comparison(res, title)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig


def _axes(fig):
    """The panels, by the letter their title starts with ('a', 'b', ...)."""
    out = {}
    for ax in fig.get_axes():
        t = ax.get_title(loc="left")
        if t.startswith("("):
            out[t[1]] = ax
    return out


def _legend_texts(fig):
    texts = [t.get_text() for ax in fig.get_axes() if ax.get_legend() for t in ax.get_legend().get_texts()]
    return texts + [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def _gids(ax, prefix):
    return [a for a in [*ax.lines, *ax.texts] if (a.get_gid() or "").startswith(prefix)]


def _vertical_lines(fig):
    """x of every two-point line with one x: axvline and the like."""
    return [
        line.get_xdata()[0]
        for ax in fig.get_axes()
        for line in ax.lines
        if len(line.get_xdata()) == 2 and np.asarray(line.get_xdata(), float)[0] == np.asarray(line.get_xdata())[1]
    ]


def test_upper_bounds_and_alpha_c_have_legend_entries(res):
    fig = _draw(res.sel(cue=["pattern"]))
    ax_a = _axes(fig)["a"]
    assert _gids(ax_a, "upper_bound"), "no end state without error at alpha = 0.02: the fixture should have one"
    texts = [t.get_text() for t in ax_a.get_legend().get_texts()]
    assert any("upper bound" in t for t in texts)
    assert _gids(ax_a, "alpha_c") and any(r"\alpha_c" in t for t in texts)
    # the bottom row's alpha_c and alpha_max lines are explained in its legend
    bottom = _legend_texts(fig)
    assert any(r"RS $\alpha_c$" == t for t in bottom) and any(r"\alpha_{max}(k)" in t for t in bottom)
    # every line the bottom row draws for a class has the class in the legend
    assert {"retrieval", "spin glass"} <= set(bottom)


def test_end_state_panels_draw_every_size(res):
    fig = _draw(res)
    axes = _axes(fig)
    for letter, cue in zip("def", ["random", "pattern", "mixture"], strict=True):
        sub = res.sel(cue=cue)
        drawn = {line.get_gid() for line in _gids(axes[letter], "fraction:")}
        for s in sub["state"].values:
            expected = {f"fraction:{s}:{N}" for N in res["N"].values}
            if float(sub["fraction"].sel(state=s).max()) > 0:
                assert expected <= drawn, (cue, s)
            else:
                assert not expected & drawn
        # independent of the gids: one line through the loads per (class, N)
        through = [line for line in axes[letter].lines if len(line.get_xdata()) == res.sizes["alpha"]]
        n_classes = int((sub["fraction"].max(("N", "alpha")).squeeze() > 0).sum())
        assert len(through) == n_classes * res.sizes["N"], cue
    texts = _legend_texts(fig)
    assert "N=200" in texts and "N=400" in texts


def test_panel_titles_name_the_cue(res):
    axes = _axes(_draw(res))
    for letter in "abc":
        assert "pattern cues" in axes[letter].get_title(loc="left")
    for letter, cue in zip("def", ["random", "pattern", "mixture"], strict=True):
        assert f"{cue} cues" in axes[letter].get_title(loc="left")


def test_alpha_max_labels_clear_of_curves_legends_and_each_other(res):
    fig = _draw(res.sel(alpha=[0.02, 0.1, 0.2]))
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend().get_window_extent(renderer) for ax in fig.get_axes() if ax.get_legend()]
    for letter in "def":
        ax = _axes(fig)[letter]
        labels = [t for t in ax.texts if (t.get_gid() or "").startswith("alpha_max")]
        assert labels, letter
        boxes = [t.get_window_extent(renderer) for t in labels]
        top_of_data = ax.transData.transform((0, 1.0))[1]  # fractions and their Wilson bounds end at 1
        for box in boxes:
            assert box.y0 > top_of_data
            assert box.y1 <= ax.get_window_extent(renderer).y1
            assert not any(box.overlaps(leg) for leg in legends)
        for i, a in enumerate(boxes):
            assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_unreliable_points_are_marked(res):
    res = res.copy()
    res["unreliable"] = xr.zeros_like(res["total"])
    res["unreliable"].loc[dict(N=400, alpha=0.02)] = 1
    fig = _draw(res)
    axes = _axes(fig)
    for letter in "bdef":
        marks = _gids(axes[letter], "unreliable")
        assert marks, letter
        xs = np.concatenate([m.get_xdata() for m in marks])
        np.testing.assert_array_equal(np.unique(xs), [0.02])
        assert all(m.get_markerfacecolor() in ("white", "w", (1.0, 1.0, 1.0, 1.0)) for m in marks)
    assert any("uncertain" in t for t in _legend_texts(fig))
    # nothing marked where every classification is reliable
    res["unreliable"][:] = 0
    assert not any(_gids(ax, "unreliable") for ax in _draw(res).get_axes())


def test_one_size_one_load(res):
    for sub in (res.sel(N=[400]), res.sel(alpha=[0.1]), res.sel(N=[200], alpha=[0.1], cue=["pattern"])):
        fig = _draw(sub)
        axes = _axes(fig)
        assert "three sizes" in " ".join(t.get_text() for t in axes["c"].texts)
        for letter in "def"[: sub.sizes["cue"]]:
            assert len(_gids(axes[letter], "fraction:")) >= sub.sizes["N"]


@pytest.mark.parametrize("alpha_c_hot", [np.nan, 0.0])
def test_temperature_grid_draws_the_lowest_T_and_no_line_without_alpha_c(res, alpha_c_hot):
    pattern = res.sel(cue=["pattern"]).drop_vars("alpha_c_theory").squeeze("T", drop=True)
    grid = xr.concat([pattern, pattern], dim=xr.DataArray([1.2, 0.0], dims="T", name="T"))
    grid["alpha_c_theory"] = ("T", [alpha_c_hot, float(res["alpha_c_theory"][0])])
    fig = _draw(grid)
    axes = _axes(fig)
    for letter in "abcd":
        assert "lowest T = 0" in axes[letter].get_title(loc="left")
    assert _gids(axes["a"], "alpha_c") and _gids(axes["d"], "alpha_c")
    # T = 1.2 alone: no retrieval state, alpha_c NaN (0 in older datasets); no line at NaN or 0
    hot = grid.sel(T=[1.2])
    fig = _draw(hot)
    assert not any(_gids(ax, "alpha_c") for ax in fig.get_axes())
    xs = _vertical_lines(fig)
    assert all(np.isfinite(x) and x > 0 for x in xs)
    assert not any(isinstance(h, Line2D) and "alpha_c" in h.get_label() for ax in fig.get_axes() for h in ax.lines)
    assert "no RS retrieval state" in " ".join(t.get_text() for t in _axes(fig)["a"].texts)


def test_alpha_max_has_a_colour_of_its_own_and_the_largest_size_carries_the_bars(res):
    # issue 17: 12 overlapping curves in panel (d), and an alpha_max legend line in the "correlated" colour
    from matplotlib.colors import to_hex

    from amphase.analysis.hopfield import figures

    fig = _draw(res.sel(cue=["pattern"]))
    ax = _axes(fig)["d"]
    amax = {to_hex(line.get_color()) for line in _gids(ax, "alpha_max") if hasattr(line, "get_xdata")}
    assert amax == {figures._ALPHA_MAX_COLOUR}
    assert figures._ALPHA_MAX_COLOUR not in {to_hex(c) for c in figures._STATE_COLOURS.values()}
    largest = res["N"].values[-1]
    for line in _gids(ax, "fraction:"):
        bold = line.get_gid().endswith(f":{largest}")
        assert (line.get_alpha() in (None, 1.0)) == bold and (line.get_linewidth() > 1.2) == bold
