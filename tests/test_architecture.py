"""The shape of the package: no import cycles, public names that resolve, short modules.

Imports inside functions count as imports (they hide a cycle, they do not break it); imports under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import workbench

PACKAGE = Path(workbench.__file__).parent
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path) -> set[str]:
    """The workbench modules ``name`` imports, anywhere in its code (``from pkg import sub`` names ``pkg.sub``)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
            found.update(submodules or [base])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return found


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from workbench import errors\n"
        "def f():\n    from workbench.runlog.store import Store\n"
    )
    assert imports_of("workbench.m", module) == {"workbench.runlog.store"}


def test_no_import_cycles_inside_the_package() -> None:
    graph = {name: imports_of(name, path) for name, path in MODULES.items()}
    assert cycles(graph) == []


def test_every_module_stays_short() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


LAZY_PACKAGES = [name for name, path in MODULES.items() if path.name == "__init__.py" and "_HOMES" in path.read_text()]


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_public_names_and_the_lazy_import_table_agree(package: str) -> None:
    module = importlib.import_module(package)
    for name in MODULES:  # a submodule named like a public name would shadow it once imported
        if name.startswith(f"{package}.") and name.count(".") == package.count(".") + 1:
            importlib.import_module(name)
    homes: dict[str, str] = module._HOMES
    submodules = set(getattr(module, "_SUBMODULES", ()))
    public = set(module.__all__)
    assert set(homes) <= public, "a lazily imported name is missing from __all__"
    defined = {n for n in public if n not in homes and n not in submodules}
    assert all(n in vars(module) for n in defined), "a name in __all__ is neither defined nor in _HOMES"
    for name in sorted(public):
        assert getattr(module, name) is not None, name
    for name, home in homes.items():
        assert getattr(importlib.import_module(home), name) is getattr(module, name), (name, home)


def test_no_backend_branching_or_target_probing_outside_targets() -> None:
    """Backends differ only inside workbench/targets/; elsewhere a target is used through its contract."""
    probes = ("provider ==", "provider !=", "provider in (", "getattr(target", "getattr(self.target")
    found = [
        f"{name}: {line.strip()}"
        for name, path in MODULES.items()
        if not name.startswith("workbench.targets")
        for line in path.read_text().splitlines()
        if any(probe in line for probe in probes)
    ]
    assert found == []


def test_an_object_without_the_target_contract_is_refused_with_the_fix() -> None:
    from workbench.errors import ConfigError
    from workbench.targets import resolve

    class HalfTarget:
        spec, provider, model = "half/one", "half", "one"

        async def stream(self, request: object) -> object:
            raise NotImplementedError

    with pytest.raises(ConfigError, match=r"lacks locality, price, secrets, facts, prepare.*subclass workbench"):
        resolve(HalfTarget())  # type: ignore[arg-type]
