"""One way to register a family: every layer finds it, and the CLI serves a new one without edits."""

import sys
import textwrap

import numpy as np
import pytest
import xarray as xr

from amphase import families, theory
from amphase.cli import main
from amphase.families import FAMILIES, Family, comparison_for, load, register
from amphase.simulate.config import builtin_configs, load_config
from amphase.theory.registry import REGISTRY


@pytest.mark.parametrize("family", families.families(), ids=lambda f: f.name)
def test_every_family_brings_theory_models_comparisons_and_configs(family):
    names = theory.names()
    assert any(n.startswith(family.name + ".") for n in names), "no theory quantity registered"
    assert set(family.models) == set(family.comparisons), "a model without its comparison, or the reverse"
    if not family.models:
        return  # a family whose simulations have not landed yet: its theory is served already
    for model, target in family.models.items():
        assert load(target).name == model
        assert callable(load(family.comparisons[model]).compare)
    configs = {name: path for name, path in builtin_configs().items() if path.parent.name == "configs"}
    own = [name for name, path in configs.items() if load_config(str(path))[1]["model"] in family.models]
    assert own, "no built-in configuration"


def test_names_are_unique_across_families():
    with pytest.raises(ValueError, match="registered twice"):
        register(Family("hopfield", theory="x"))
    with pytest.raises(ValueError, match="registered by another family"):
        register(Family("other", theory="x", models={"hopfield": "x:y"}))
    assert set(FAMILIES) >= {"hopfield"} and "other" not in FAMILIES
    assert comparison_for("no-such-model") is None


FAKE = {
    "fakefam/__init__.py": "",
    "fakefam/theory.py": """
        from amphase.params import Param
        from amphase.theory.registry import CHEAP, Result, quantity

        NOISE = Param("noise", "a width", units="m", long_name="width of the Gaussian noise")

        @quantity("fake.double", params=[NOISE], results=[Result("y", "twice the width")], reference="none", cost=CHEAP)
        def double(noise: float) -> float:
            '''y = 2 noise (a test family).'''
            return 2 * noise
        """,
    "fakefam/model.py": """
        import numpy as np
        from amphase.params import Param
        from amphase.simulate.models import Model, Variable

        def run(params, seed):
            rng = np.random.default_rng(seed)
            return {"y": 2 * params["noise"] + rng.normal(0, 0.01, 3)}

        MODEL = Model(
            name="fake", title="fake", references="none",
            params=(Param("noise", "a width", units="m", long_name="width of the Gaussian noise"),),
            gridable=("noise",), defaults={}, variables=lambda c: {"y": Variable(("draw",), "float64", np.nan)},
            sizes=lambda c: {"draw": 3}, coords=lambda c: {}, run=run,
        )
        """,
    "fakefam/compare.py": """
        import xarray as xr
        from amphase.analysis.compare import Comparison
        from amphase.analysis.figures import new_figure
        from amphase import theory

        def compare(ds):
            th = [theory.get("fake.double")(noise=float(x))["y"] for x in ds["noise"].values]
            return xr.Dataset({"measured": ds["y"].mean(("realization", "draw")), "theory": ("noise", th)})

        COMPARISON = Comparison(
            compare=compare,
            table=lambda res: "fake table " + " ".join(f"{v:.2f}" for v in res["measured"].values),
            plot=lambda res, title: new_figure(),
        )
        """,
    "fakefam/configs/__init__.py": "",
    "fakefam/configs/fake-run.toml": """
        model = "fake"
        title = "A fake family"
        realizations = 2
        [grid]
        noise = [1.0, 2.0]
        """,
}


@pytest.fixture
def fake_family(tmp_path, monkeypatch):
    for rel, text in FAKE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(families, "FAMILIES", dict(FAMILIES))
    monkeypatch.setattr("amphase.theory.registry.REGISTRY", dict(REGISTRY))
    register(
        Family(
            "fake",
            theory="fakefam.theory",
            models={"fake": "fakefam.model:MODEL"},
            comparisons={"fake": "fakefam.compare:COMPARISON"},
            configs="fakefam.configs",
        )
    )
    yield
    for name in [m for m in sys.modules if m.startswith("fakefam")]:
        del sys.modules[name]


def test_a_new_family_appears_everywhere_without_edits(fake_family, tmp_path, capsys):
    assert main(["theory", "--list"]) == 0
    assert "fake.double(noise) -> y" in capsys.readouterr().out
    assert main(["theory", "fake.double", "noise=1.5"]) == 0
    assert "y = 3 " in capsys.readouterr().out
    assert main(["run", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "fake-run" in listing and "A fake family" in listing and "hopfield-capacity" in listing
    out = tmp_path / "fake.nc"
    assert main(["run", "fake-run", "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    ds = xr.load_dataset(out, engine="h5netcdf")
    # a family's own parameter labels its coordinate (the Hopfield "noise" is a fraction of flipped bits)
    assert ds["y"].dims == ("noise", "realization", "draw")
    assert ds["noise"].attrs == {"long_name": "width of the Gaussian noise", "units": "m"}
    grid = theory.get("fake.double").grid(noise=[1.0, 2.0])
    assert grid["noise"].attrs == {"long_name": "width of the Gaussian noise", "units": "m"}
    np.testing.assert_allclose(ds["y"].mean(("realization", "draw")), [2.0, 4.0], atol=0.05)
    assert main(["compare", str(out)]) == 0
    means = ds["y"].mean(("realization", "draw")).values
    assert capsys.readouterr().out.startswith("fake table " + " ".join(f"{v:.2f}" for v in means))


def test_a_model_listed_by_module_is_named_and_found_from_the_file_name():
    fam = Family("toy", theory="x", models={"toy.old": "a.b:MODEL"}, comparisons={"toy.old": "c.d:C"},
                 modules=("walk", "toy"))  # fmt: skip
    assert fam.models == {
        "toy.old": "a.b:MODEL",
        "toy.walk": "amphase.simulate.toy.walk:MODEL",
        "toy": "amphase.simulate.toy.toy:MODEL",  # a module named for its family serves the family's model
    }
    assert fam.comparisons["toy.walk"] == "amphase.analysis.toy.walk:COMPARISON"
    with pytest.raises(ValueError, match=r"model 'toy\.old' of family 'toy' is listed twice"):
        Family("toy", theory="x", models={"toy.old": "a.b:MODEL"}, modules=("old",))
    dense = FAMILIES["dense"]
    assert "exp_retrieval" in dense.modules
    assert load(dense.models["dense.exp_retrieval"]).name == "dense.exp_retrieval"  # declared: named by its module
