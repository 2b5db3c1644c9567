"""The import rules of the layout (README, "What is where"), read from the code's own imports.

Every import counts, at the top of a module or inside a function: an import moved into a
function still runs. The rules:

- no cycles between our modules;
- lib/ imports none of our apps, and lib/crypto.py imports no Django;
- cases/ never imports whistle/ or staff/ (the screens call the domain, not the reverse);
- nothing under stats/ or alerts/ reaches cases.keys, cases.content, cases.access or
  lib.crypto, directly or through another module: they read clear metadata only.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "lib", "places", "cases", "staff", "whistle", "stats", "alerts", "actors")
APPS += ("api", "federation")
SECRET_MODULES = {"cases.keys", "cases.content", "cases.access", "lib.crypto"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = our_modules()


def resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = importer.split(".")
    is_package = MODULES[importer].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str) -> set[str]:
    """The modules of ours (and third-party top names) that `name` imports, anywhere in it."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            target = resolve(name, node)
            found.add(target)
            # "from cases import keys" imports the module cases.keys.
            found |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
    return found


GRAPH = {name: {i for i in imports_of(name) if i in MODULES} for name in MODULES}
EVERY_IMPORT = {name: imports_of(name) for name in MODULES}


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in GRAPH[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def app_of(module: str) -> str:
    return module.split(".")[0]


def find_cycle() -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH[node]):
            # A package's __init__ importing its own modules is not a cycle through them.
            if target == node:
                continue
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if state.get(target) is None and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walk_sees_the_imports_it_checks():
    """Positive controls: known edges are found, function-level imports included."""
    assert "cases.models" in GRAPH["cases.workflow"]
    assert "cases.keys" in GRAPH["cases.access"]
    assert "staff.login" in GRAPH["staff.sites"]  # imported inside methods
    assert "lib.crypto" in reachable("cases.intake")
    assert "django" in {i.split(".")[0] for i in EVERY_IMPORT["lib.clock"]}


def test_there_is_no_import_cycle():
    assert find_cycle() is None, " → ".join(find_cycle() or [])


def test_the_cycle_finder_finds_a_cycle(monkeypatch):
    monkeypatch.setitem(GRAPH, "cases.models", GRAPH["cases.models"] | {"cases.workflow"})
    cycle = find_cycle()
    assert cycle and cycle[0] == cycle[-1] and "cases.workflow" in cycle


def test_lib_imports_none_of_our_apps():
    for name in (m for m in MODULES if app_of(m) == "lib"):
        foreign = {i for i in GRAPH[name] if app_of(i) != "lib"}
        assert not foreign, f"{name} imports {sorted(foreign)}"


def test_crypto_imports_no_django():
    assert not {i for i in EVERY_IMPORT["lib.crypto"] if i.split(".")[0] == "django"}


def test_cases_never_imports_the_screens():
    for name in (m for m in MODULES if app_of(m) == "cases"):
        screens = {i for i in GRAPH[name] if app_of(i) in ("whistle", "staff")}
        assert not screens, f"{name} imports {sorted(screens)}"


@pytest.mark.parametrize("app", ["stats", "alerts"])
def test_statistics_and_alerts_reach_no_key_content_or_crypto(app):
    modules = [m for m in MODULES if app_of(m) == app]
    assert modules, f"{app}/ has no module"
    for name in modules:
        leaked = reachable(name) & SECRET_MODULES
        assert not leaked, f"{name} reaches {sorted(leaked)}"


def test_the_secret_rule_catches_an_indirect_import(monkeypatch):
    """Positive control: a stats module importing a module that imports keys is caught."""
    monkeypatch.setitem(GRAPH, "stats", GRAPH["stats"] | {"cases.intake"})
    assert reachable("stats") & SECRET_MODULES == SECRET_MODULES  # intake → search → access
