"""The declaration system: one class body gives the Model the sweep runner knows (amphase.simulate.declare)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from amphase.dataset import COORDINATES
from amphase.errors import ParameterError
from amphase.params import Choice, Param
from amphase.simulate.declare import REQUIRED, Dim, Var, choice, declared, model, number, registry_name

_TILE = Param("tile", "items per tile", lower=1, upper=100, integer=True)


@model(
    title="a toy",
    references="none",
    name="toy.walk",
    dims={
        "step": Dim(lambda r: r.steps),
        "pair": Dim(lambda r: 2, lambda n: np.arange(n) + 10, {"units": "1", "long_name": "member"}),
    },
    variables={
        "x": Var(("step",), "float64", np.nan, "position", units="m"),
        "kind": Var((), "int8", -1, "end class", flags=("left", "right")),
        "both": Var(("pair",), "int64", -1, "a pair"),
        "extra": Var((), "float64", np.nan, "only when asked", when=lambda r: r.mode == "full"),
    },
    attrs=lambda r: {"first_steps": r.steps},
    rate=3.0,
)
class Walk:
    """A random walk of ``steps`` steps of size ``h`` (dimensionless except ``x`` in metres)."""

    steps: int = number("steps", ge=1, le=1000, grid=True)
    h: float = number("step size", default=0.5, gt=0.0, units="m", grid=True)
    mode: str = choice("what to record", ("short", "full"), default="short")
    tile: int = declared(_TILE, default=8)

    def check(self) -> None:
        if self.steps * self.h > 100:
            raise ParameterError(f"steps*h = {self.steps * self.h} > 100: too far")

    def cost(self) -> float:
        return float(self.steps)

    def memory(self, realizations: int) -> float:
        return 8.0 * self.steps * realizations

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        x = np.cumsum(self.h * np.random.default_rng(seed).choice([-1.0, 1.0], self.steps))
        out = {"x": x, "kind": np.int8(x[-1] > 0), "both": np.arange(2)}
        return {**out, "extra": np.float64(x.max())} if self.mode == "full" else out


@model(title="a longer toy", references="none", name="toy.long", variables={"y": Var((), "float64", np.nan, "y")})
class LongWalk(Walk):
    """Inherits Walk's fields (first, with their defaults) and adds one."""

    drift: float = number("drift per step", default=0.0, ge=-1.0, lt=1.0)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        return {"y": np.float64(self.steps * self.drift)}


def _config(grid: dict, **params) -> dict:
    return {
        "model": "toy.walk",
        "seed": 1,
        "realizations": 1,
        "grid": grid,
        "params": {**Walk.MODEL.defaults, **params},
    }


def test_the_declaration_gives_params_defaults_and_grid_dimensions_in_field_order():
    m = Walk.MODEL
    assert m.name == "toy.walk" and m.title == "a toy" and m.rate == 3.0
    assert [p.name for p in m.params] == ["steps", "h", "mode", "tile"]
    assert m.params[0] == Param("steps", "steps", lower=1, upper=1000, integer=True)
    assert m.params[1] == Param("h", "step size", lower=0.0, lower_open=True, units="m")  # gt: an open bound
    assert LongWalk.MODEL.params[-1] == Param("drift", "drift per step", lower=-1.0, upper=1.0, upper_open=True)
    assert m.params[2] == Choice("mode", "what to record", ("short", "full"))
    assert m.params[3] is not _TILE and m.params[3] == _TILE  # a shared parameter, named by its own field
    assert m.gridable == ("steps", "h")
    assert dict(m.defaults) == {"h": 0.5, "mode": "short", "tile": 8}
    assert "steps" not in m.defaults  # required
    assert dataclasses.is_dataclass(Walk) and [f.name for f in dataclasses.fields(Walk)] == [p.name for p in m.params]


def test_values_are_checked_on_construction_naming_the_parameter_and_its_domain():
    assert Walk(steps=3.0).steps == 3 and isinstance(Walk(steps=3.0).steps, int)  # canonical: an int
    with pytest.raises(ParameterError, match=r"steps=0 is outside its domain; allowed: 1 <= integer steps <= 1000"):
        Walk(steps=0)
    with pytest.raises(ParameterError, match=r"h=0 is outside its domain; allowed: 0 < h"):
        Walk(steps=2, h=0)
    with pytest.raises(ParameterError, match=r"mode='long' is not allowed; allowed: mode in \{short, full\}"):
        Walk(steps=2, mode="long")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Walk(steps=2).steps = 3  # type: ignore[misc]
    # the model's check: the domains first, then the class's cross-parameter check
    with pytest.raises(ParameterError, match="tile=0 is outside"):
        Walk.MODEL.check({"steps": 2, "h": 0.5, "mode": "short", "tile": 0})
    with pytest.raises(ParameterError, match="too far"):
        Walk.MODEL.check({"steps": 1000, "h": 0.5, "mode": "short", "tile": 1})
    assert Walk.MODEL.check({"steps": 10, "h": 0.5, "mode": "short", "tile": 1}) is None
    with pytest.raises(ParameterError, match=r"missing parameter steps: give steps=VALUE with 1 <= integer steps"):
        Walk.MODEL.run({"h": 0.5}, np.random.SeedSequence(0))


def test_sizes_are_the_largest_over_the_grid_and_coords_come_from_the_dims():
    config = _config({"steps": [3, 7, 5]})
    assert Walk.MODEL.sizes(config) == {"step": 7, "pair": 2}
    coords = Walk.MODEL.coords(config)
    assert np.array_equal(coords["step"][0], np.arange(7)) and coords["step"][1] == COORDINATES["step"]
    assert np.array_equal(coords["pair"][0], [10, 11]) and coords["pair"][1] == {"units": "1", "long_name": "member"}


@model(
    title="a timed toy",
    references="none",
    name="toy.timed",
    dims={
        "time": Dim(lambda r: r.n_times, attrs={"units": "s"}, coordinate=lambda r: r.t0 * 2.0 ** np.arange(r.n_times))
    },
    variables={"z": Var(("time",), "float64", np.nan, "z")},
)
class Timed:
    """A time grid from its parameters: t0, 2 t0, 4 t0, ..."""

    t0: float = number("first time", default=1.0, gt=0.0, grid=True)
    n_times: int = number("times", default=3, ge=1, le=100)
    k: int = number("a grid parameter the times do not read", default=1, ge=1, le=9, grid=True)

    def run(self, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        return {"z": np.zeros(self.n_times)}


def test_a_coordinate_from_the_parameters_is_the_same_at_every_grid_point_or_refused():
    config = {"model": "toy.timed", "seed": 1, "realizations": 1, "params": {**Timed.MODEL.defaults, "t0": 0.5}}
    values, attrs = Timed.MODEL.coords({**config, "grid": {"k": [1, 2, 3]}})["time"]
    assert values.tolist() == [0.5, 1.0, 2.0] and attrs == {"units": "s"}  # from t0 and n_times, not arange(3)
    with pytest.raises(ParameterError, match="coordinate 'time' depends on a parameter that varies over the grid"):
        Timed.MODEL.coords({**config, "grid": {"t0": [0.5, 1.0]}})


def test_variables_carry_their_attributes_and_exist_only_when_asked():
    v = Walk.MODEL.variables(_config({"steps": [3]}))
    assert set(v) == {"x", "kind", "both"}
    assert (
        v["x"].dims == ("step",)
        and v["x"].dtype == "float64"
        and v["x"].attrs == {"long_name": "position", "units": "m"}
    )
    assert v["kind"].attrs["flag_meanings"] == "left right" and list(v["kind"].attrs["flag_values"]) == [0, 1]
    assert "units" not in v["both"].attrs
    assert set(Walk.MODEL.variables(_config({"steps": [3]}, mode="full"))) == {"x", "kind", "both", "extra"}
    assert Walk.MODEL.attrs(_config({"steps": [4, 9]})) == {"first_steps": 4}


def test_run_memory_and_cost_go_through_a_picklable_instance():
    params = {"steps": 6, "h": 0.25, "mode": "full", "tile": 8}
    out = Walk.MODEL.run(params, np.random.SeedSequence(3))
    again = pickle.loads(pickle.dumps(Walk.MODEL.run))(params, np.random.SeedSequence(3))
    assert out.keys() == {"x", "kind", "both", "extra"} and np.array_equal(out["x"], again["x"])
    np.testing.assert_array_equal(np.abs(np.diff(out["x"])), 0.25)
    assert Walk.MODEL.cost(params) == 6.0 and Walk.MODEL.memory({**params, "realizations": 3}) == 8.0 * 6 * 3


def test_a_subclass_inherits_the_fields_first():
    m = LongWalk.MODEL
    assert [p.name for p in m.params] == ["steps", "h", "mode", "tile", "drift"]
    assert m.gridable == ("steps", "h") and m.defaults["drift"] == 0.0 and m.name == "toy.long"
    assert Walk.MODEL.name == "toy.walk"  # the parent's model is its own
    with pytest.raises(ParameterError, match="h=-1"):
        LongWalk(steps=2, h=-1)
    assert m.run({"steps": 4, "drift": 0.5}, np.random.SeedSequence(0)) == {"y": 2.0}


def test_declaration_mistakes_are_refused_at_import():
    def declare(body: dict, variables=None, dims=None):
        cls = type("Bad", (), {"run": lambda self, seed: {}, **body})
        return model(title="t", references="r", name="toy.bad", variables=variables or {}, dims=dims)(cls)

    with pytest.raises(TypeError, match=r"default n=0 is refused by its own domain: n=0 is outside"):
        declare({"__annotations__": {"n": "int"}, "n": number("n", default=0, ge=1)})
    with pytest.raises(TypeError, match=r"default n=1.5 is refused by its own domain: .*integer n"):
        declare({"__annotations__": {"n": "int"}, "n": number("n", default=1.5)})  # int: an integer parameter
    with pytest.raises(TypeError, match="number field 'n' must be annotated int or float, not str"):
        declare({"__annotations__": {"n": "str"}, "n": number("n")})
    with pytest.raises(TypeError, match="choice field 'n' must be annotated str, not int"):
        declare({"__annotations__": {"n": "int"}, "n": choice("n", ("a", "b"))})
    with pytest.raises(TypeError, match=r"field 'tile' is annotated float but its parameter is 1 <= integer tile"):
        declare({"__annotations__": {"tile": "float"}, "tile": declared(_TILE)})
    with pytest.raises(TypeError, match="field 'n' is odd, so an integer: annotate it int"):
        declare({"__annotations__": {"n": "float"}, "n": number("n", odd=True)})
    with pytest.raises(TypeError, match="give one lower bound"):
        number("n", ge=0, gt=0)
    with pytest.raises(TypeError, match="field 'n' is not declared with number"):
        declare({"__annotations__": {"n": "int"}, "n": 3})
    with pytest.raises(TypeError, match="field 'n' declares the parameter 'tile'"):
        declare({"__annotations__": {"n": "int"}, "n": declared(_TILE)})
    with pytest.raises(TypeError, match=r"variable 'x' uses undeclared dimension\(s\) \['step'\]"):
        declare({}, variables={"x": Var(("step",), "float64", np.nan, "x")})
    with pytest.raises(TypeError, match="dimension 'pair' needs attrs"):
        declare({}, dims={"pair": Dim(lambda r: 2)})
    with pytest.raises(TypeError, match="defines no run"):
        model(title="t", references="r", name="toy.bad", variables={})(type("NoRun", (), {}))
    assert REQUIRED is not None and repr(REQUIRED) == "REQUIRED"


def test_the_registry_name_is_the_module_path():
    assert registry_name("amphase.simulate.dense.lse") == "dense.lse"
    assert registry_name("amphase.simulate.hopfield.hopfield") == "hopfield"
    assert registry_name("amphase.simulate.dense.exp_retrieval") == "dense.exp_retrieval"
    with pytest.raises(ValueError, match="give name= to @model"):
        registry_name("amphase.simulate.sweep")
