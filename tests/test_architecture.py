"""The core knows nothing of chat platforms: nothing under bot/ imports adapters, discord or telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

FORBIDDEN = ("adapters", "discord", "telegram")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names.append(str(node.args[0].value))
    return names


def test_nothing_under_bot_imports_a_platform_or_an_adapter():
    root = Path(bot.__file__).parent
    files = sorted(root.rglob("*.py"))
    offenders = [f"{path.relative_to(root.parent)} imports {name}"
                 for path in files for name in imported_modules(path)
                 if name.split(".")[0] in FORBIDDEN]
    assert len(files) > 10
    assert offenders == []


def test_the_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\nfrom telegram.ext import Application\n"
                      "importlib.import_module('adapters.console')\n")
    assert imported_modules(sample) == ["discord", "telegram.ext", "adapters.console"]
