"""The shape of the package: SQL only under ``qcoder/store/``, and no import cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import qcoder

ROOT = Path(qcoder.__file__).parent
STORE = ROOT / "store"
RUNS_SQL = {"execute", "executemany", "executescript"}
TAKES_SQL = {"query", "scalar"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|PRAGMA|REPLACE|"
                 r"ATTACH|DETACH|BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__``)."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _text(node: ast.AST) -> str | None:
    """The literal text of a string, f-string or concatenation (None: not literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left)
    return None


def sql_outside_store(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, what)`` of each statement run, or SQL text queried, in this tree."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name in RUNS_SQL:
            found.append((node.lineno, f".{name}(...)"))
        elif name in TAKES_SQL and node.args:
            text = _text(node.args[0])
            if text is not None and SQL.match(text):
                found.append((node.lineno, f".{name}({text.split()[0]} ...)"))
    return found


def test_sql_lives_only_in_the_store() -> None:
    offenders = [f"{path.relative_to(ROOT.parent)}:{line}: {what}"
                 for path in modules().values() if STORE not in path.parents
                 for line, what in sql_outside_store(ast.parse(path.read_text("utf-8")))]
    assert offenders == [], "SQL outside qcoder/store/; add a named function there:\n" + \
        "\n".join(offenders)


def test_the_sql_check_sees_what_it_forbids() -> None:
    tree = ast.parse("conn.execute('SELECT 1')\nstore.query(f'UPDATE t SET a = {x}')\n"
                     "store.query(name)\nstore.scalar('DELETE FROM t')\nrows.query('a > 1')\n")
    assert [line for line, _ in sql_outside_store(tree)] == [1, 2, 4]


# -- import cycles ----------------------------------------------------------------------------
def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (never run, so never a cycle)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that ``name`` imports anywhere (module level or in a function)."""
    tree = ast.parse(path.read_text("utf-8"))
    skip = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif target in known:
                    out.add(target)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    found = modules()
    graph = {name: imports_of(name, path, set(found)) for name, path in found.items()}
    assert sum(len(v) for v in graph.values()) > 100  # the walk does see the imports
    assert cycles(graph) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
