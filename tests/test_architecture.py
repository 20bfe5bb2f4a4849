"""The core knows nothing of chat platforms: nothing under bot/ imports adapters, discord or telegram.
And its floors only look down: bot/domain imports nothing of bot/ above it, bot/store nothing of bot/jobs."""

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


def _bot_imports(folder: str) -> dict[str, list[str]]:
    """Each module under bot/`folder`, and the bot modules it imports."""
    root = Path(bot.__file__).parent
    return {str(path.relative_to(root.parent)): [name for name in imported_modules(path) if name.split(".")[0] == "bot"]
            for path in sorted((root / folder).rglob("*.py"))}


def test_the_domain_imports_nothing_above_it():
    # bot.i18n is a leaf (it imports nothing of bot/): a job's failure reason is one of its texts
    found = _bot_imports("domain")
    offenders = [f"{path} imports {name}" for path, names in found.items() for name in names
                 if not (name == "bot.domain" or name.startswith("bot.domain.") or name == "bot.i18n")]
    assert len(found) >= 5
    assert offenders == []
    assert [name for name in imported_modules(Path(bot.__file__).parent / "i18n.py") if name.startswith("bot")] == []


def test_the_store_imports_nothing_from_the_jobs_above_it():
    found = _bot_imports("store")
    offenders = [f"{path} imports {name}" for path, names in found.items() for name in names
                 if name == "bot.jobs" or name.startswith("bot.jobs.")]
    assert len(found) >= 10
    assert offenders == []
