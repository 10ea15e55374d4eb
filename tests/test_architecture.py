"""The house plan holds: dependencies inside `assistant/` point one way (no import cycle, function-local
imports included), the library never imports the web UI, no module reaches for another's private name,
and `assistant ui` comes from the entry point that pyproject.toml declares, not from a hidden import."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assistant", "ui")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:`: read by type checkers, never run."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for child in node.body for n in ast.walk(child) if hasattr(n, "lineno")}
    return lines


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, str | None]]:
    """(module, name) for every import in the file, at any depth, relative ones resolved; `name` is the
    imported name of a `from` import, None for a plain `import`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from . import x` names a module when x is one; otherwise it imports x from `base`.
                target = f"{base}.{alias.name}"
                found.append((target, None) if target in known else (base, alias.name))
    return found


def graph() -> dict[str, set[str]]:
    known = set(modules("assistant"))
    edges: dict[str, set[str]] = {m: set() for m in known}
    for name, path in modules("assistant").items():
        edges[name] |= {target for target, _ in imports(name, path, known) if target in known and target != name}
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_checker_sees_a_cycle_and_a_function_local_import(tmp_path):
    """The cycle finder itself: it must not pass a graph that has one, nor miss an import in a function."""
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
    fake = tmp_path / "assistant" / "x.py"
    fake.parent.mkdir()
    fake.write_text("def f():\n    from .y import g\n    from ui.server import serve\n", encoding="utf-8")
    found = imports("assistant.x", fake, {"assistant.x", "assistant.y"})
    assert found == [("assistant.y", "g"), ("ui.server", "serve")]


def test_no_import_cycle_inside_the_package():
    edges = graph()
    assert len(edges) > 30 and edges["assistant.sources.library"] >= {"assistant.indexing"}
    assert cycle(edges) is None, " -> ".join(cycle(edges) or [])


def test_the_library_never_imports_the_ui():
    known = set(modules("assistant"))
    offenders = []
    for name, path in modules("assistant").items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = [t for t, _ in imports(name, path, known)]
        targets += [  # importlib.import_module("ui.server") would hide the same dependency
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith(("import_module", "__import__"))
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ]
        offenders += [f"{name} imports {t}" for t in targets if t == "ui" or str(t).startswith("ui.")]
    assert offenders == []


def test_no_private_name_is_imported_across_modules():
    ours = set(modules("assistant")) | set(modules("ui"))
    offenders = [
        f"{name} imports {imported} from {source}"
        for package in PACKAGES
        for name, path in modules(package).items()
        for source, imported in imports(name, path, ours)
        if imported
        and imported.startswith("_")
        and not imported.startswith("__")
        and source.split(".")[0] in PACKAGES
        and source != name
    ]
    assert offenders == []


def test_the_ui_command_comes_from_the_declared_entry_point(tmp_path):
    """A distribution that declares pyproject.toml's entry points gives `assistant` its `ui` command with
    the options it always had; the command list is built from importlib.metadata, as an installed
    package's would be."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["entry-points"]["assistant.commands"]
    assert declared == {"ui": "ui.cli:command"}
    dist = tmp_path / f"un_cyber_assistant-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in declared.items())
    (dist / "entry_points.txt").write_text(f"[assistant.commands]\n{lines}", encoding="utf-8")

    def cli(*args: str) -> subprocess.CompletedProcess:
        code = "import sys; from assistant.cli import main; main(sys.argv[1:], prog_name='assistant')"
        env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
        )

    listed = cli("--help")
    assert listed.returncode == 0, listed.stderr
    assert "  ui " in listed.stdout and "The web UI and the HTTP API" in listed.stdout
    helped = cli("ui", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "Usage: assistant ui [OPTIONS]" in helped.stdout
    for option in ("--host", "--port", "--generator", "local|openai|extractive"):
        assert option in helped.stdout
    refused = cli("ui", "--port", "70000")
    assert refused.returncode == 2 and "70000 is not in the range 0<=x<=65535" in refused.stderr
