"""The house rules of the code, read from the package's own imports (ast, not the program): one
package per pipeline stage, arrows one way, no import cycle, modules of a readable size, and
printing only in the application layer."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "typeset"
# the stages in pipeline order; a stage may import only stages before it
ORDER = ["model", "system", "sources", "compose", "plan", "render", "preflight", "output", "by_page", "pipeline"]
APPLICATION = {"cli", "batch", "workers", "watch", "serve", "_batch_worker", "__main__"}
MAX_LINES = 520


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules that module `name` imports, anywhere in it (top level or inside a
    function), relative imports resolved."""
    package = name if name in known and _is_package(name) else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            candidates = {base} | {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            candidates = {a.name for a in node.names}
        else:
            continue
        out |= {c for c in candidates if c in known and c != name}
    return out


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, tree, known) for name, tree in modules.items()}


def _stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycle():
    graph = _graph()
    # a package's __init__ re-exporting its own modules is no cycle between modules
    edges = {a: {b for b in bs if not (b.startswith(a + ".") or a.startswith(b + ".") and _is_package(b))}
             for a, bs in graph.items()}
    assert not _cycles(edges), f"import cycles: {_cycles(edges)[:3]}"


def test_the_cycle_finder_finds_a_hand_made_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_a_stage_imports_only_earlier_stages():
    graph = _graph()
    wrong = []
    for name, imported in graph.items():
        stage = _stage(name)
        if stage not in ORDER:
            continue
        for other in imported:
            target = _stage(other)
            if target in APPLICATION or (target in ORDER and ORDER.index(target) > ORDER.index(stage)):
                wrong.append(f"{name} → {other}")
    assert not wrong, wrong


def test_the_checker_sees_a_back_arrow():
    """The stage rule itself, on a hand-made bad import: model importing the planner."""
    tree = ast.parse("from typeset.plan import Planner\n")
    known = {"typeset.plan", "typeset.model.records"}
    imported = _imports("typeset.model.records", tree, known)
    assert imported == {"typeset.plan"}
    assert ORDER.index(_stage("typeset.plan")) > ORDER.index(_stage("typeset.model.records"))


def test_modules_stay_readable():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_LINES}
    assert not long, long


def test_only_the_application_layer_prints_and_exits():
    offenders = []
    for name, tree in _modules().items():
        if _stage(name) in APPLICATION or name.split(".")[-1] in APPLICATION:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else f"{getattr(f.value, 'id', '')}.{f.attr}" \
                    if isinstance(f, ast.Attribute) else ""
                if called in ("print", "sys.exit", "exit", "click.echo", "os._exit"):
                    offenders.append(f"{name}: {called}")
    assert not offenders, offenders
