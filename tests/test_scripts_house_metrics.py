import importlib.util
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("house_metrics", ROOT / "scripts" / "house_metrics.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


hm = _script()

FAMILIES = """\
register(
    Family(
        "toy",
        theory="amphase.theory.toy",
        models={"toy.one": "amphase.simulate.toy.one:MODEL"},
        comparisons={"toy.one": "amphase.analysis.toy.compare:COMPARISON"},
    )
)
"""

ENGINE = """\
from dataclasses import dataclass


@dataclass(frozen=True)
class OneRun:
    N: int
    T: float = 0.0
"""

MODEL = """\
from amphase.simulate.toy.engine import OneRun

PARAMS = (
    Param("N", "spins"),
    Param("T", "temperature"),
)

DEFAULTS = {"T": 0.0}


def run(params, seed):
    r = OneRun(**params)
    return {"m": r.N}


def variables(config):
    return {"m": Variable((), "int32", 0)}


def sizes(config):
    return {}


def coords(config):
    return {}


MODEL = Model(
    name="toy.one",
    params=PARAMS,
    defaults=DEFAULTS,
    variables=variables,
    sizes=sizes,
    coords=coords,
    run=run,
)
"""


def test_declaration_lines_are_followed_to_their_definitions(tmp_path, capsys):
    files = {
        "amphase/families.py": FAMILIES,
        "simulate/toy/engine.py": ENGINE,
        "simulate/toy/one.py": MODEL,
        "analysis/toy/compare.py": "COMPARISON = None\n",
        "simulate/toy/configs/toy-a.toml": 'model = "toy.one"\n',
        "simulate/toy/configs/toy-b.toml": 'model = "other"\n',
        "theory/__init__.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text))
    assert hm.registry(tmp_path) == (
        {"toy.one": "amphase.simulate.toy.one:MODEL"},
        {"toy.one": "amphase.analysis.toy.compare:COMPARISON"},
    )
    hm.models_table(tmp_path)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| toy.one"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # params 4 lines, defaults 1, run dataclass 4 (decorator included), variables+sizes+coords 2+2+2, Model(...) 9;
    # declaration 4+1+4+6+9 = 24; run() 3; module 36 lines; files: one.py, engine.py, compare.py, families.py;
    # the name written three times in .py files (families.py twice, Model(name=...)); one config
    assert cells[1:] == ["4", "1", "4", "6", "9", "24", "3", "36", "4", "3", "1", "-"]


def test_long_files_are_counted_from_git(tmp_path, capsys):
    hm.long_files(ROOT)
    out = capsys.readouterr().out
    assert "theory/hopfield/replica_symmetric.py" in out  # 472 lines (theory/lse_landscape.py was 779 before its split)
    assert "scripts/import_graph.py" not in out


DECLARED = """\
def _per(text):
    return Var(("step",), "float64", 0.0, text)


@model(
    title="toy",
    references="none",
    dims={"step": Dim(lambda r: r.N)},
    variables={
        "m": _per("m"),
    },
)
class Two:
    \"\"\"A declared toy.\"\"\"

    N: int = number("spins", lower=1, grid=True)
    T: float = number(
        "temperature", default=0.0
    )

    def run(self, seed):
        return {"m": self.N}


MODEL = Two.MODEL
"""


def test_a_declared_model_is_measured_by_the_same_columns(tmp_path, capsys):
    files = {
        "amphase/families.py": 'register(Family("toy", theory="amphase.theory.toy", modules=("two",)))\n',
        "simulate/toy/two.py": DECLARED,
        "analysis/toy/two.py": "COMPARISON = None\n",
        "simulate/toy/configs/toy-a.toml": 'model = "toy.two"\n',
        "theory/__init__.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert hm.registry(tmp_path) == (
        {"toy.two": "amphase.simulate.toy.two:MODEL"},
        {"toy.two": "amphase.analysis.toy.two:COMPARISON"},
    )
    hm.models_table(tmp_path)
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| toy.two"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # params: the field lines 1 + 3; vars+sizes+coords: dims 1, variables 3, _per 2; Model(...): the decorator's
    # other lines 4 (@model(, title, references, closing), class line and docstring 2, MODEL = Two.MODEL 1;
    # declaration 4+6+7 = 17; run() 2; module 25 lines; files: two.py, analysis two.py, families.py; name written
    # nowhere in .py files (derived from the file name), one config
    assert cells[1:] == ["4", "0", "0", "6", "7", "17", "2", "25", "3", "0", "1", "-"]
