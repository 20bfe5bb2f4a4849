"""What `reelbot demo` shows of 302.AI's unified video models: the interactive demo names one to
try on the console's first screen, and `reelbot demo --tour` runs a few commands itself, one
of them a video of a unified model from the simulator's catalog (a Kling model where one is
offered), each line echoed as if typed: the MiniMax and the unified families side by side."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.catalog import Catalog
from bot.core import Core
from bot.domain.requests import Command

__all__ = ["unified_example", "tour_lines", "run_tour"]

PREFERRED = "kling-"  # the family members ask for by name most


def unified_example(catalog: Catalog) -> str | None:
    """A unified model that makes videos from text: a Kling one where offered, else the first."""
    names = [m.name for m in catalog.unified() if Command.VIDEO in m.commands]
    return next((n for n in names if n.startswith(PREFERRED)), names[0] if names else None)


def tour_lines(catalog: Catalog) -> list[str]:
    lines = ["/image a red fox", "/video a cat surfing"]
    if (model := unified_example(catalog)) is not None:
        lines.append(f"/video --model={model} a fox running through the snow")
    return lines + ["/quota"]


async def run_tour(console: ConsoleAdapter, core: Core) -> None:
    """Each line echoed, then run to its end before the next: one job at a time keeps the
    output in order (and within the member's jobs-at-once limit)."""
    for line in tour_lines(core.catalog):
        console.messenger.say(f"reelbot> {line}")
        await console.handle(line)
        await core.wait_idle()
