"""The import graph between amphase's layers and families, and the imports that break the one-way rule.

    python scripts/import_graph.py            # the graph, then every forbidden import with file:line
    python scripts/import_graph.py --all      # also every import behind each edge of the graph
    python scripts/import_graph.py --root DIR # another checkout (the folder that holds theory/, simulate/, ...)

A node is a layer and a family: ``theory``, ``simulate`` or ``analysis`` × ``hopfield``, ``dense``, ``diffusion`` or
``shared`` (a module beside the family subpackages, e.g. ``simulate/lse.py``); the modules of ``amphase/`` itself
(errors, params, the CLI, the family table) form one node ``amphase``. Imports are read with :mod:`ast` from the
source, never executed: module-level and function-local ``import``/``from`` statements, relative imports resolved
against the importing module's package, imports under ``if TYPE_CHECKING:`` included (they couple the modules all
the same), and ``importlib.import_module("amphase....")`` with a literal string.

Forbidden (issue 18, "One way down"):

* ``simulate`` → ``analysis``;
* ``theory`` → ``simulate`` or ``analysis``;
* a family → another family, in any layers (``simulate/dense`` → ``simulate/hopfield`` as much as
  ``analysis/dense`` → ``theory/diffusion``).

Exit status 0 when no import is forbidden, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

LAYERS = ("theory", "simulate", "analysis")
FAMILIES = ("hopfield", "dense", "diffusion")
#: source folder (relative to the root) → the package it installs as (pyproject.toml's package-dir)
PACKAGES = {
    "amphase": "amphase",
    "theory": "amphase.theory",
    "simulate": "amphase.simulate",
    "analysis": "amphase.analysis",
}


@dataclass(frozen=True)
class Import:
    """One import statement: the importing module and file:line, the module imported, and whether it is local."""

    source: str
    path: str
    line: int
    target: str
    local: bool  # inside a function (or a class body): run only when called


def module_name(path: Path, root: Path) -> str | None:
    """The dotted name under which ``path`` (a ``.py`` file below ``root``) is imported, or ``None`` if outside."""
    rel = path.relative_to(root)
    if rel.parts[0] not in PACKAGES:
        return None
    parts = [*PACKAGES[rel.parts[0]].split("."), *rel.parts[1:]]
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def node(module: str) -> str | None:
    """The graph node of an amphase module: ``layer/family``, ``layer/shared`` or ``amphase``; ``None`` if foreign."""
    parts = module.split(".")
    if parts[0] != "amphase":
        return None
    if len(parts) < 2 or parts[1] not in LAYERS:
        return "amphase"
    family = parts[2] if len(parts) > 2 and parts[2] in FAMILIES else "shared"
    return f"{parts[1]}/{family}"


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module of ``from <level dots><name> import ...`` written in ``module``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, name] if name else base)


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, path: str, known: set[str]) -> None:
        self.module, self.is_package, self.path, self.known = module, is_package, path, known
        self.depth = 0
        self.found: list[Import] = []

    def _add(self, target: str, line: int) -> None:
        self.found.append(Import(self.module, self.path, line, target, self.depth > 0))

    def _scoped(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _scoped

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _resolve(self.module, self.is_package, node.level, node.module) if node.level else node.module
        for alias in node.names:
            # `from amphase.simulate import hopfield` imports the submodule when there is one, else an attribute
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.known else base, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            value = node.args[0].value
            if isinstance(value, str) and value.startswith("amphase"):
                self._add(value, node.lineno)
        self.generic_visit(node)


def imports(root: Path) -> list[Import]:
    """Every import of an amphase module by an amphase module below ``root``, once per statement and module."""
    files = {}
    for folder in PACKAGES:
        for path in sorted((root / folder).rglob("*.py")):
            name = module_name(path, root)
            if name is not None:
                files[path] = name
    known = set(files.values())
    found: list[Import] = []
    for path, name in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        visitor = _Visitor(name, path.name == "__init__.py", str(path.relative_to(root)), known)
        visitor.visit(tree)
        found.extend(i for i in dict.fromkeys(visitor.found) if node(i.target) is not None)
    return found


def forbidden(src: str, dst: str) -> str | None:
    """Why the edge ``src`` → ``dst`` between two nodes is forbidden, or ``None`` if it is allowed."""
    if src == "amphase" or dst == "amphase" or src == dst:
        return None
    (sl, sf), (dl, df) = src.split("/"), dst.split("/")
    if sl == "simulate" and dl == "analysis":
        return "simulate imports analysis"
    if sl == "theory" and dl in ("simulate", "analysis"):
        return f"theory imports {dl}"
    if sf in FAMILIES and df in FAMILIES and sf != df:
        return f"family {sf} imports family {df}"
    return None


def _nodes() -> list[str]:
    return [f"{layer}/{fam}" for layer in LAYERS for fam in (*FAMILIES, "shared")] + ["amphase"]


def report(found: list[Import], show_all: bool = False, out=None) -> int:
    """Print the graph and the forbidden imports (to ``out``, stdout by default); return how many are forbidden."""
    out = sys.stdout if out is None else out
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in found:
        src, dst = node(imp.source), node(imp.target)
        if src != dst:
            edges[src, dst].append(imp)
    print(f"import graph: {len(found)} imports of amphase modules, {len(edges)} edges between nodes", file=out)
    print("  (an edge: importing node -> imported node  [imports, of which function-local]  * = forbidden)", file=out)
    for src in _nodes():
        for (s, dst), imps in sorted(edges.items()):
            if s != src:
                continue
            local = sum(i.local for i in imps)
            mark = "*" if forbidden(s, dst) else " "
            print(f"{mark} {s:<20} -> {dst:<20} [{len(imps):>3}, {local:>2} local]", file=out)
            if show_all:
                for i in imps:
                    print(f"      {i.path}:{i.line}  {i.target}{'  (local)' if i.local else ''}", file=out)
    bad = [(i, forbidden(node(i.source), node(i.target))) for i in found]
    bad = [(i, why) for i, why in bad if why]
    by_rule = Counter(why for _, why in bad)
    print(f"\nforbidden imports: {len(bad)}", file=out)
    for i, why in sorted(bad, key=lambda b: (b[1], b[0].path, b[0].line)):
        print(f"  {why:<36} {i.path}:{i.line}  -> {i.target}{'  (local)' if i.local else ''}", file=out)
    if bad:
        print("by rule: " + ", ".join(f"{k}: {v}" for k, v in sorted(by_rule.items())), file=out)
    else:
        print("imports flow one way: theory <- simulate <- analysis, no family imports another", file=out)
    return len(bad)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--all", action="store_true", help="list every import behind each edge")
    args = parser.parse_args(argv)
    missing = [f for f in PACKAGES if not (args.root / f).is_dir()]
    if missing:
        print(f"import_graph: --root {args.root} lacks {', '.join(missing)}/", file=sys.stderr)
        return 2
    return 1 if report(imports(args.root), show_all=args.all) else 0


if __name__ == "__main__":
    sys.exit(main())
