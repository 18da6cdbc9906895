"""Packaging: theory/, simulate/ and analysis/ install inside amphase, and nothing named plain `theory` escapes."""

import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {
    "theory": "amphase.theory",
    "simulate": "amphase.simulate",
    "analysis": "amphase.analysis",
    "amphase": "amphase",
}


def test_every_subpackage_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {v: k for k, v in MAPPED.items()}
    found = set()
    for folder, package in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *rel)))
    assert found == set(config["packages"])
    # every family's built-in configurations ship as package data
    assert set(config["package-data"]) == {p for p in found if p.endswith(".configs")} != set()


def test_installed_modules_live_inside_amphase():
    import amphase.analysis
    import amphase.simulate
    import amphase.theory

    assert amphase.theory.__name__ == "amphase.theory"
    assert Path(amphase.theory.__file__).parent.name == "theory"  # the mapped folder (editable) or the copy (wheel)
    for site_dir in map(Path, site.getsitepackages()):
        assert not (site_dir / "theory").exists() and not (site_dir / "analysis").exists()
        for finder in site_dir.glob("__editable__*amphase*finder.py"):
            assert "'theory'" not in finder.read_text()


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)], check=True
    )
    (wheel,) = tmp_path.glob("amphase-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"amphase", wheel.name.split("-py3")[0] + ".dist-info"}
    # the built-in sweep configurations ship as package data
    configs = {Path(n).name for n in names if n.startswith("amphase/simulate/hopfield/configs/")}
    assert {p.name for p in (ROOT / "simulate" / "hopfield" / "configs").glob("*.toml")} == configs


def test_source_checkout_imports_without_the_install_mapping():
    # python run in the repository root imports ./amphase first; its subpackages must be found there too
    code = (
        "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'Editable' not in type(f).__name__]; "
        f"sys.path.insert(0, {str(ROOT)!r}); import amphase.theory.hopfield, amphase.analysis.figures; "
        "print(amphase.theory.__file__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == str(ROOT / "theory" / "__init__.py")
