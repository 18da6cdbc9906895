"""The "before/after" figures of issue 18: declaration lines and files per model, duplicates, long files.

    python scripts/house_metrics.py                    # this checkout
    python scripts/house_metrics.py --root /work/main  # another checkout (read, never imported)
    python scripts/house_metrics.py --no-duplicates    # skip the `duplicates` run (about two minutes)

Everything is read from the source with :mod:`ast`; nothing of the package is imported, so any checkout can be
measured with the same script.

* **Models** are those registered in ``amphase/families.py`` (``models={name: "module:ATTR"}``). For each, the
  ``ATTR = Model(...)`` call is found and its keyword arguments ``params``, ``defaults``, ``variables``, ``sizes``
  and ``coords`` are followed to their definitions (a module-level assignment or function, in the same module or
  where it is imported from); a frozen ``*Run`` dataclass the module names is counted too. *Declaration lines* are
  the lines of those definitions (statement first line to last, docstrings and comments included) plus the
  ``Model(...)`` call itself; a definition two models share is counted once in the total. *run()* is the lines of
  the function given as ``run`` (for the binary models a thin wrapper of the engine's ``run_realization``);
  *module* the lines of the file that holds ``Model(...)``.
* **Files per model**: the distinct source files holding the model's definitions above, its ``run`` function, its
  comparison (``comparisons={name: ...}``) and its registration (``amphase/families.py``); configurations
  (``model = "name"`` in the built-in TOML files) are counted apart. **Name written**: string literals equal to the
  registry name in the package's ``.py`` files, plus its configs.
* **Added in**: the commit that first added the model's module (``git log --diff-filter=A``), with the files it
  changed and the lines it added, the cost of adding a model at the time.
* **Duplicates**: the ``duplicates`` command over the whole tree, ``--most 200 --seconds 120``: its count line.
* **Long files**: tracked ``.py`` files over 300 lines.

A model declared with ``@model`` (:mod:`amphase.simulate.declare`; ``ATTR = TheClass.MODEL``) is measured by the
same columns: *params* the field lines of the class, *vars+sizes+coords* the decorator's ``variables`` and ``dims``
arguments (and module-level helpers they name), *Model(...)* the rest of the decorator, the class line and docstring
and the ``ATTR = ...`` line; *defaults* and *run dataclass* are 0 (the fields are both); *run()* the ``run`` method.
Families that list models by module (``modules=("exp_retrieval",)``) are read as :mod:`amphase.families` derives them.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = {
    "amphase": "amphase",
    "theory": "amphase.theory",
    "simulate": "amphase.simulate",
    "analysis": "amphase.analysis",
}
DECLARATION = ("params", "defaults", "variables", "sizes", "coords")
LONG = 300


def module_path(root: Path, module: str) -> Path:
    """The source file of ``amphase.x.y`` below ``root`` (pyproject.toml's package-dir mapping)."""
    parts = module.split(".")
    for folder, package in sorted(PACKAGES.items(), key=lambda kv: -len(kv[1])):
        pp = package.split(".")
        if parts[: len(pp)] == pp:
            base = root / folder / Path(*parts[len(pp) :]) if parts[len(pp) :] else root / folder
            return base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    raise ValueError(f"{module} is not an amphase module")


def registry(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``({model: "module:ATTR"}, {model: comparison "module:ATTR"})`` from ``amphase/families.py``."""
    tree = ast.parse((root / "amphase" / "families.py").read_text(encoding="utf-8"))
    models: dict[str, str] = {}
    comparisons: dict[str, str] = {}
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Family":
            family = ast.literal_eval(call.args[0]) if call.args else None
            for kw in call.keywords:
                if kw.arg in ("models", "comparisons") and isinstance(kw.value, ast.Dict):
                    target = models if kw.arg == "models" else comparisons
                    target.update(ast.literal_eval(kw.value))
                elif kw.arg == "modules" and family:
                    for module in ast.literal_eval(kw.value):
                        name = family if module == family else f"{family}.{module}"
                        models[name] = f"amphase.simulate.{family}.{module}:MODEL"
                        comparisons[name] = f"amphase.analysis.{family}.{module}:COMPARISON"
    return models, comparisons


@dataclass
class Module:
    """A parsed module: its top-level definitions and where its imported names come from."""

    path: Path
    tree: ast.Module
    defs: dict[str, ast.stmt] = field(default_factory=dict)
    imported: dict[str, str] = field(default_factory=dict)  # local name -> "module:name"

    @classmethod
    def read(cls, path: Path) -> Module:
        mod = cls(path, ast.parse(path.read_text(encoding="utf-8")))
        for stmt in mod.tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                mod.defs[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        mod.defs[t.id] = stmt
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                mod.defs[stmt.target.id] = stmt
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                for alias in stmt.names:
                    mod.imported[alias.asname or alias.name] = f"{stmt.module}:{alias.name}"
        return mod


class Resolver:
    """Follows names to their definitions across the package's modules."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[Path, Module] = {}

    def module(self, name: str) -> Module:
        path = module_path(self.root, name)
        if path not in self.cache:
            self.cache[path] = Module.read(path)
        return self.cache[path]

    def find(self, module: str, name: str, depth: int = 0) -> tuple[Path, ast.stmt] | None:
        """The definition of ``name`` as seen from ``module``: ``(file, statement)``, or ``None`` if foreign."""
        mod = self.module(module)
        if name in mod.defs:
            return mod.path, mod.defs[name]
        target = mod.imported.get(name)
        if target and target.startswith("amphase") and depth < 5:
            src, _, attr = target.partition(":")
            try:
                return self.find(src, attr, depth + 1)
            except (ValueError, FileNotFoundError):
                return None
        return None


def _lines(stmt: ast.stmt) -> int:
    first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
    return stmt.end_lineno - first + 1


@dataclass
class Pieces:
    """Where one model's declaration and run code live."""

    name: str
    parts: dict[str, list[tuple[Path, ast.stmt]]]
    run: tuple[Path, ast.stmt] | None
    files: set[Path]


@dataclass
class Span:
    """Lines ``lineno .. end_lineno`` of a part of a statement (counted like a statement)."""

    lineno: int
    end_lineno: int


def declared_pieces(res: Resolver, module: str, attr_stmt: ast.stmt, cls: ast.ClassDef) -> Pieces | None:
    """The pieces of a model declared with ``@model`` on class ``cls`` (module docstring); None if not decorated."""
    mod = res.module(module)
    deco = next(
        (d for d in cls.decorator_list if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "model"), None
    )
    if deco is None:
        return None
    parts: dict[str, list[tuple[Path, ast.stmt]]] = {k: [] for k in (*DECLARATION, "run dataclass", "Model(...)")}
    parts["params"] = [(mod.path, s) for s in cls.body if isinstance(s, ast.AnnAssign)]
    rest = set(range(deco.lineno, deco.end_lineno + 1))
    for kw in deco.keywords:
        if kw.arg in ("variables", "dims"):
            parts["variables"].append((mod.path, kw.value))
            rest -= set(range(kw.value.lineno, kw.value.end_lineno + 1))
            for n in sorted({n.id for n in ast.walk(kw.value) if isinstance(n, ast.Name)}):
                found = res.find(module, n)
                if found and found[0] == mod.path and found not in parts["variables"]:
                    parts["variables"].append(found)
    header_end = cls.lineno
    if cls.body and isinstance(cls.body[0], ast.Expr) and isinstance(cls.body[0].value, ast.Constant):
        header_end = cls.body[0].end_lineno  # the docstring
    rest |= set(range(cls.lineno, header_end + 1))
    parts["Model(...)"] = [(mod.path, Span(n, n)) for n in sorted(rest)] + [(mod.path, attr_stmt)]
    run = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "run"), None)
    return Pieces("", parts, (mod.path, run) if run else None, {mod.path})


def model_pieces(res: Resolver, name: str, target: str) -> Pieces:
    """Follow ``ATTR = Model(...)`` of ``target`` to the definitions of its declaration and its run function."""
    module, _, attr = target.partition(":")
    mod = res.module(module)
    call_stmt = mod.defs[attr]
    call = call_stmt.value
    while isinstance(call, ast.Call) and call.args and isinstance(call.args[0], (ast.Call, ast.Attribute)):  # wrapper
        call = call.args[0]
    if isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name):  # ATTR = TheClass.MODEL
        cls = mod.defs.get(call.value.id)
        pieces = declared_pieces(res, module, call_stmt, cls) if isinstance(cls, ast.ClassDef) else None
        if pieces is not None:
            pieces.name = name
            return pieces
    parts: dict[str, list[tuple[Path, ast.stmt]]] = {k: [] for k in (*DECLARATION, "run dataclass", "Model(...)")}
    parts["Model(...)"].append((mod.path, call_stmt))
    run = None
    for kw in call.keywords:
        names = [n.id for n in ast.walk(kw.value) if isinstance(n, ast.Name)]
        if kw.arg in DECLARATION:
            for n in names:
                found = res.find(module, n)
                if found and found not in parts[kw.arg]:
                    parts[kw.arg].append(found)
        elif kw.arg == "run" and names:
            run = res.find(module, names[0])
    # a *Run dataclass the model module names (defined there or imported)
    used = {n.id for n in ast.walk(mod.tree) if isinstance(n, ast.Name)} | set(mod.imported)
    for n in sorted(used):
        if n.endswith("Run"):
            found = res.find(module, n)
            if found and isinstance(found[1], ast.ClassDef):
                parts["run dataclass"].append(found)
    files = {p for found in parts.values() for p, _ in found}
    if run:
        files.add(run[0])
    return Pieces(name, parts, run, files)


def name_places(root: Path, name: str) -> tuple[int, int]:
    """``(string literals equal to name in the package's .py files, built-in configs of the model)``."""
    literals = 0
    for folder in PACKAGES:
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            literals += sum(isinstance(n, ast.Constant) and n.value == name for n in ast.walk(tree))
    configs = 0
    for path in (root / "simulate").rglob("configs/*.toml"):
        configs += tomllib.loads(path.read_text(encoding="utf-8")).get("model") == name
    return literals, configs


def added_in(root: Path, path: Path) -> str:
    """``commit: files changed, lines added`` of the commit that first added ``path``."""
    rel = path.relative_to(root)
    log = subprocess.run(
        ["git", "log", "--diff-filter=A", "--follow", "--format=%h", "--", str(rel)],
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout.split()
    if not log:
        return "-"
    commit = log[-1]
    stat = subprocess.run(
        ["git", "show", "--shortstat", "--format=", commit], capture_output=True, text=True, cwd=root
    ).stdout
    files = re.search(r"(\d+) files? changed", stat)
    added = re.search(r"(\d+) insertion", stat)
    return f"{commit}: {files.group(1) if files else 0} files, +{added.group(1) if added else 0}"


def models_table(root: Path) -> None:
    models, comparisons = registry(root)
    res = Resolver(root)
    print(f"## Models ({len(models)} registered in amphase/families.py)\n")
    heads = ["params", "defaults", "run dataclass", "vars+sizes+coords", "Model(...)", "declaration", "run()", "module"]
    print(f"| model | {' | '.join(heads)} | files | name written | configs | added in |")
    print("|---|" + "---:|" * len(heads) + "---:|---:|---:|---|")
    seen: set[tuple[Path, int]] = set()
    totals = {"declaration": 0, "unique": 0, "run": 0, "files": 0}
    for name, target in models.items():
        p = model_pieces(res, name, target)
        files = set(p.files) | {root / "amphase" / "families.py"}
        if name in comparisons:
            files.add(module_path(root, comparisons[name].partition(":")[0]))
        per = {k: sum(_lines(s) for _, s in v) for k, v in p.parts.items()}
        decl = sum(per.values())
        for found in p.parts.values():
            for path, stmt in found:
                if (path, stmt.lineno) not in seen:
                    seen.add((path, stmt.lineno))
                    totals["unique"] += _lines(stmt)
        run_lines = _lines(p.run[1]) if p.run else 0
        literals, configs = name_places(root, name)
        cols = [per["params"], per["defaults"], per["run dataclass"]]
        where = module_path(res.root, target.partition(":")[0])
        module_lines = len(where.read_text(encoding="utf-8").splitlines())
        cols += [per["variables"] + per["sizes"] + per["coords"], per["Model(...)"], decl, run_lines, module_lines]
        print(
            f"| {name} | {' | '.join(map(str, cols))} | {len(files)} | {literals} | {configs} | "
            f"{added_in(root, where)} |"
        )
        totals["declaration"] += decl
        totals["run"] += run_lines
        totals["files"] += len(files)
    print(
        f"\ndeclaration lines: {totals['declaration']} summed over models, {totals['unique']} counting shared "
        f"definitions once; run() lines: {totals['run']}; files per model: "
        f"{totals['files'] / max(len(models), 1):.1f} on average"
    )


def duplicates(root: Path) -> None:
    print("\n## Duplicates (`duplicates --most 200 --seconds 120`)\n")
    try:
        out = subprocess.run(
            ["duplicates", "--most", "200", "--seconds", "120"], capture_output=True, text=True, cwd=root, timeout=300
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as err:
        print(f"not measured: {err}")
        return
    lines = out.stdout.splitlines()
    print(lines[0] if lines else "(no output)")
    for line in lines[1:]:
        if line.startswith(("(+", "left out:", "incomplete:")):
            print(line)


def long_files(root: Path) -> None:
    tracked = subprocess.run(["git", "ls-files", "*.py"], capture_output=True, text=True, cwd=root).stdout.split()
    sizes = []
    for rel in tracked:
        with open(root / rel, encoding="utf-8") as fh:
            sizes.append((sum(1 for _ in fh), rel))
    long = sorted((s for s in sizes if s[0] > LONG), reverse=True)
    print(f"\n## Long files: {len(long)} of {len(sizes)} tracked .py files over {LONG} lines\n")
    for n, rel in long:
        print(f"{n:>5}  {rel}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--no-duplicates", action="store_true", help="skip the duplicates run")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root)
    print(f"# amphase house metrics at {root} ({commit.stdout.strip() or 'no git'})\n")
    models_table(root)
    if not args.no_duplicates:
        duplicates(root)
    long_files(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
