"""The layers' imports run one way: entry points may import adapters and bot, adapters may
import bot, and bot/ imports no adapter, entry point, discord or telegram. And the core's
floors only look down: bot/domain imports nothing of bot/ above it, bot/store nothing of bot/jobs."""

from __future__ import annotations

import ast
from pathlib import Path

import adapters
import bot
import entrypoints

FORBIDDEN = ("adapters", "entrypoints", "discord", "telegram")


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


def offenders(package, forbidden: tuple[str, ...]) -> tuple[int, list[str]]:
    root = Path(package.__file__).parent
    files = sorted(root.rglob("*.py"))
    found = [f"{path.relative_to(root.parent)} imports {name}"
             for path in files for name in imported_modules(path) if name.split(".")[0] in forbidden]
    return len(files), found


def test_nothing_under_bot_imports_a_platform_an_adapter_or_an_entry_point():
    files, found = offenders(bot, FORBIDDEN)
    assert files > 10
    assert found == []


def test_no_adapter_imports_an_entry_point():
    files, found = offenders(adapters, ("entrypoints",))
    assert files > 10
    assert found == []


def test_adapters_hold_only_the_platforms():
    root = Path(adapters.__file__).parent
    assert sorted(p.name for p in root.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()) == [
        "__init__.py", "console", "discord", "telegram", "web"]


def test_the_entry_points_live_apart():
    root = Path(entrypoints.__file__).parent
    assert {"cli.py", "admin_cli.py", "ops.py"} <= {p.name for p in root.glob("*.py")}


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


def test_the_core_builds_none_of_its_collaborators():
    # bot.bootstrap builds them all and hands them in: Core.__init__ calls no class
    tree = ast.parse((Path(bot.__file__).parent / "core.py").read_text(encoding="utf-8"))
    core = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Core")
    init = next(n for n in core.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    called = {n.func.id for n in ast.walk(init) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    called |= {n.func.attr for n in ast.walk(init) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert {name for name in called if name[:1].isupper() or name == "from_settings"} == set()
