import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks its module up there
    spec.loader.exec_module(mod)
    return mod


ig = _script()


def _tree(tmp_path, files):
    for name in ("amphase", "theory", "simulate", "analysis"):
        (tmp_path / name).mkdir(exist_ok=True)
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_module_names_follow_the_package_dir_mapping(tmp_path):
    # pyproject.toml installs theory/ as amphase.theory, etc.
    assert ig.module_name(tmp_path / "simulate/dense/engine.py", tmp_path) == "amphase.simulate.dense.engine"
    assert ig.module_name(tmp_path / "theory/hopfield/__init__.py", tmp_path) == "amphase.theory.hopfield"
    assert ig.module_name(tmp_path / "amphase/cli.py", tmp_path) == "amphase.cli"
    assert ig.module_name(tmp_path / "scripts/harness.py", tmp_path) is None
    assert ig.node("amphase.simulate.lse") == "simulate/shared"
    assert ig.node("amphase.analysis.diffusion.basins") == "analysis/diffusion"
    assert ig.node("amphase.errors") == "amphase"
    assert ig.node("numpy") is None


def test_every_kind_of_import_is_found_with_its_line(tmp_path):
    root = _tree(
        tmp_path,
        {
            "simulate/__init__.py": "",
            "simulate/dense/__init__.py": "",
            "simulate/hopfield/__init__.py": "",
            "simulate/hopfield/kernels.py": "",
            "analysis/__init__.py": "",
            "analysis/diffusion/__init__.py": "",
            "analysis/diffusion/classify.py": "",
            "theory/__init__.py": "",
            "theory/registry.py": "",
            "simulate/dense/engine.py": """\
                import numpy as np
                from ..hopfield import kernels
                from . import batched

                def run():
                    from amphase.analysis.diffusion.classify import classify
                    return classify

                class Model:
                    def f(self):
                        import importlib
                        return importlib.import_module("amphase.theory.registry")
                """,
            "simulate/dense/batched.py": "from .. import lse\n",
            "simulate/lse.py": "",
        },
    )
    found = {(i.path, i.line, i.target, i.local) for i in ig.imports(root)}
    assert found == {
        ("simulate/dense/engine.py", 2, "amphase.simulate.hopfield.kernels", False),  # relative, submodule
        ("simulate/dense/engine.py", 3, "amphase.simulate.dense.batched", False),  # `from . import` a module
        ("simulate/dense/engine.py", 6, "amphase.analysis.diffusion.classify", True),  # function-local
        ("simulate/dense/engine.py", 12, "amphase.theory.registry", True),  # import_module with a literal
        ("simulate/dense/batched.py", 1, "amphase.simulate.lse", False),  # two dots, to the shared module
    }


@pytest.mark.parametrize(
    ("src", "dst", "why"),
    [
        ("simulate/diffusion", "analysis/diffusion", "simulate imports analysis"),
        ("simulate/shared", "analysis/shared", "simulate imports analysis"),
        ("theory/shared", "simulate/shared", "theory imports simulate"),
        ("theory/dense", "analysis/dense", "theory imports analysis"),
        ("simulate/dense", "simulate/hopfield", "family dense imports family hopfield"),
        ("analysis/dense", "theory/diffusion", "family dense imports family diffusion"),
        ("analysis/diffusion", "simulate/diffusion", None),
        ("analysis/hopfield", "theory/shared", None),
        ("simulate/dense", "simulate/shared", None),
        ("simulate/shared", "theory/dense", None),
        ("amphase", "analysis/shared", None),
        ("theory/dense", "amphase", None),
    ],
)
def test_the_rule(src, dst, why):
    assert ig.forbidden(src, dst) == why


def test_exit_status_says_whether_a_tree_keeps_the_rule(tmp_path, capsys):
    files = {
        "amphase/__init__.py": "",
        "amphase/errors.py": "",
        "theory/__init__.py": "from amphase.errors import ParameterError\n",
        "simulate/__init__.py": "",
        "simulate/diffusion/__init__.py": "",
        "simulate/diffusion/exact.py": "from amphase.theory import registry\n",
        "theory/registry.py": "",
        "analysis/__init__.py": "",
        "analysis/diffusion/__init__.py": "from amphase.simulate.diffusion import model\n",
    }
    root = _tree(tmp_path, files)
    assert ig.main(["--root", str(root)]) == 0
    assert "forbidden imports: 0" in capsys.readouterr().out
    (root / "theory/registry.py").write_text("def f():\n    from amphase.simulate.diffusion.exact import x\n")
    assert ig.main(["--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "forbidden imports: 1" in out and "theory/registry.py:2" in out


def test_the_package_imports_one_way(capsys):
    # Before issue 18: 8 forbidden imports (simulate/diffusion -> analysis/diffusion 6, simulate/dense ->
    # simulate/hopfield 2); none since the binary engine and the diffusion kernels moved.
    assert ig.main(["--root", str(ROOT)]) == 0, capsys.readouterr().out
