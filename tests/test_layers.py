"""The package's layers as README's "How it works" states them, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "shotdetect"


def _modules() -> dict[str, ast.Module]:
    return {str(p.relative_to(PACKAGE.parent)): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(path: str, tree: ast.Module) -> set[str]:
    """Absolute names of the modules ``tree`` imports (relative imports resolved)."""
    package = path[:-3].replace("/", ".").removesuffix(".__init__")
    if not path.endswith("__init__.py"):
        package = package.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def test_only_the_program_entry_imports_the_command_line():
    """commands/ and the library never import shotdetect.cli: cli imports them, not the reverse."""
    importers = [path for path, tree in _modules().items()
                 if any(n == "shotdetect.cli" or n.startswith("shotdetect.cli.") for n in _imported(path, tree))]
    assert importers == ["shotdetect/entry.py"]


def test_the_package_holds_no_test_tooling():
    for path, tree in _modules().items():
        text = (PACKAGE.parent / path).read_text(encoding="utf-8")
        assert not any("synth" in n or "tooling" in n for n in _imported(path, tree)), path
        assert "shared/bench" not in text and "shared/footage" not in text, path


def test_only_the_command_line_and_its_own_worker_processes_exit():
    """The library never ends the caller's process; the command line does (commands/), and the batch
    pool's worker processes, which the library started itself, end themselves."""
    exits = sorted({path for path, tree in _modules().items() for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and node.attr == "_exit"})
    assert exits == ["shotdetect/batch.py", "shotdetect/commands/laststop.py", "shotdetect/processes.py"]


def test_engine_settings_are_keyword_only_and_checked():
    from shotdetect.compare import SameRule
    from shotdetect.compare.dedupe import DedupeSettings
    from shotdetect.errors import InvalidSettingsError
    from shotdetect.slides import SlideSettings

    for settings in (SameRule, SlideSettings, DedupeSettings):
        with pytest.raises(TypeError):
            settings(0.5)
    assert DedupeSettings(min_interval=2.5).rule == SameRule()
    with pytest.raises(InvalidSettingsError, match="min_interval"):
        DedupeSettings(min_interval=-1)
    with pytest.raises(InvalidSettingsError, match="image_format"):
        DedupeSettings(image_format="gif")
