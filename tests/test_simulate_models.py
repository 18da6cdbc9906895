"""The Model protocol's helpers (amphase.simulate.models)."""

import pytest

from amphase.errors import ParameterError
from amphase.simulate.models import get_model, parameters_help


def test_parameters_help_lists_every_parameter_with_domain_default_and_grid():
    text = parameters_help(get_model("dense.exp_retrieval")).splitlines()
    assert text[0].startswith("model dense.exp_retrieval: Exponential (log-sum-exp) memory")
    assert text[1] == "source: Lucibello & Mezard, Phys. Rev. Lett. 132, 077301 (2024), arXiv:2304.14964"
    rows = {line.split()[0]: line for line in text[4:]}
    assert list(rows) == [p.name for p in get_model("dense.exp_retrieval").params]
    assert rows["N"].endswith("dimension of the patterns; 2 <= integer N <= 100000 (required) [grid]")
    assert rows["cues"].endswith("1 <= integer cues <= 4096 (default 8)")
    assert rows["tol"].endswith("0 < tol (default 1e-08)")
    assert rows["patterns"].endswith("patterns in {spherical, gaussian} (default spherical) [grid]")


def test_parameters_help_shows_units_other_than_dimensionless():
    import numpy as np

    from amphase.simulate.declare import Var, model, number

    @model(title="t", references="r", name="toy.units", variables={"x": Var((), "float64", np.nan, "x")})
    class Toy:
        width: float = number("a width", default=0.5, gt=0, units="m", grid=True)
        count: int = number("a count", ge=1)

        def run(self, seed):
            return {"x": np.float64(self.width)}

    rows = parameters_help(Toy.MODEL).splitlines()[4:]
    assert rows == [
        "  width  a width [m]; 0 < width (default 0.5) [grid]",
        "  count  a count; 1 <= integer count (required)",
    ]


def test_unknown_model_and_parameter_are_named():
    with pytest.raises(ParameterError, match=r"model='dense\.lsr' is unknown \(did you mean dense\.lse\?\)"):
        get_model("dense.lsr")
    with pytest.raises(ParameterError, match=r"has no parameter 'betta' \(did you mean beta\?\)"):
        get_model("dense.lse").param("betta")
