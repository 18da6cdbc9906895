"""key=value assignments: numbers, linspace grids and lists."""

import pytest

from amphase.assignments import parse_assignment
from amphase.errors import ParameterError


def test_parse_assignment():
    key, grid = parse_assignment("T=0:1:5")
    assert key == "T" and grid.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_assignment("n=1,3,5")[1].tolist() == [1.0, 3.0, 5.0]
    assert parse_assignment(" alpha = 0.1 ") == ("alpha", 0.1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alpha", "parameters are given as key=value"),
        ("=1", "parameters are given as key=value"),
        ("T=0:1", "a grid is start:stop:num"),
        ("T=0:1:2.5", "must be an integer >= 1"),
        ("T=a,b", "'a' is not a number"),
    ],
)
def test_bad_assignments(text, message):
    with pytest.raises(ParameterError) as err:
        parse_assignment(text)
    assert message in str(err.value)


def test_name_keys_take_names_and_lists_of_names():
    from amphase.assignments import parse_assignments

    out = parse_assignments(["process=vp", "t=0.5", "kind=a,b"], names={"process", "kind"})
    assert out["process"] == "vp" and out["t"] == 0.5 and out["kind"] == ["a", "b"]
    with pytest.raises(ParameterError, match="repeats the value"):
        parse_assignments(["kind=a,a"], names={"kind"})
    with pytest.raises(ParameterError, match="empty entry"):
        parse_assignments(["kind=a,,b"], names={"kind"})
