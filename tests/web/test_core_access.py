"""Adapters and entry points read the core through its public names (Core.db for the
database), never through the private attributes Core.__init__ keeps for itself."""

from __future__ import annotations

import ast
from pathlib import Path

import adapters
import bot.core
import entrypoints


def _core_private_attributes() -> set[str]:
    tree = ast.parse(Path(bot.core.__file__).read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
            and node.attr.startswith("_") and not node.attr.startswith("__")}


def test_no_adapter_or_entry_point_reads_a_private_attribute_of_the_core():
    private = _core_private_attributes()
    assert "_store" in private  # the check looks at what Core really keeps
    found = []
    for package in (adapters, entrypoints):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Attribute) and node.attr in private
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} .{node.attr}")
    assert found == []
