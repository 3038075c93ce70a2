"""Which way imports go (README, "Layout"), and no import cycles.

- knowledge/ and moderation/ (the domain) never import telegram, bot, emulator or bench;
- bot/ (the Telegram adapter) never imports bench; of bot/, only console.py and
  cli/console.py (the console entry) import emulator;
- emulator/ (the local Bot API) stands alone: it imports none of bot, knowledge,
  moderation, bench;
- nothing installed (bot, knowledge, moderation, emulator) imports bench or tests;
- no import cycle among the project's modules.

Every import statement counts, at module level or inside a function (a lazy import still
ties two modules together), except those under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("bot", "knowledge", "moderation", "emulator", "bench", "tests")
INSTALLED = ("bot", "knowledge", "moderation", "emulator")
DOMAIN = ("knowledge", "moderation")
EMULATOR_ENTRIES = (
    "bot.console",
    "bot.console.actions",
    "bot.console.demo",
    "bot.console.inline",
    "bot.cli.console",
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node`, leaving out the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield other
                yield from _statements(other)
            continue
        yield child
        yield from _statements(child)


def imports(module: str) -> list[tuple[str, int]]:
    """(imported name, line) for each import in `module`; `from a import b` names `a.b`
    when that is one of the project's modules, else `a`."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in _statements(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.append((name if name in MODULES else base, node.lineno))
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return _top(module) in packages


def _violations(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {name}"
        for module in MODULES
        if _in(module, sources)
        for name, line in imports(module)
        if _top(name) in forbidden
    ]


def test_the_walk_sees_every_package():
    for package in PACKAGES:
        assert package in MODULES, f"{package}/ has no __init__.py"
    assert imports("bot.console"), "bot/console.py should show its imports"


def test_domain_packages_import_no_telegram_nor_any_tool():
    assert _violations(DOMAIN, ("telegram", "bot", "emulator", "bench")) == []


def test_the_adapter_never_imports_the_benchmarks():
    assert _violations(("bot",), ("bench",)) == []


def test_only_the_console_entry_imports_the_emulator():
    found = [
        f"{module} imports {name}"
        for module in MODULES
        if _in(module, INSTALLED) and not _in(module, ("emulator",))
        if module not in EMULATOR_ENTRIES
        for name, _ in imports(module)
        if _top(name) == "emulator"
    ]
    assert found == []


def test_the_emulator_stands_alone():
    assert _violations(("emulator",), ("bot", "knowledge", "moderation", "bench")) == []


def test_nothing_installed_imports_the_benchmarks_or_the_tests():
    assert _violations(INSTALLED, ("bench", "tests")) == []


def test_the_installed_packages_are_the_ones_named_here():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    assert {name.rstrip("*") for name in find["include"]} == set(INSTALLED)
    assert {"bench", "tests"} <= {name.rstrip("*") for name in find.get("exclude", [])}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        edges = set()
        for name, _ in imports(module):
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                edges.add(name)
        graph[module] = edges
    return graph


def test_no_import_cycles():
    assert _cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_importing_the_domain_loads_no_telegram_module():
    code = (
        "import sys, knowledge.base, knowledge.loader, knowledge.search, moderation.store;"
        "print(any(m == 'telegram' or m.startswith('telegram.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
