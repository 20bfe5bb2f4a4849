"""What the platform tests of blocked words share: the operator's list they run with, the
spellings of its words that must still be caught, and which simulator calls cost money."""

from __future__ import annotations

from pathlib import Path

__all__ = ["OPERATOR_LIST", "FORMS", "operator_file", "paid_calls"]

OPERATOR_LIST = "# the film club's list\nnude\nass\n裸体\nre:\\bgore\\w*\n"
# each way of writing a blocked word that the list must still catch
FORMS = {
    "full-width": "a ｎｕｄｅ statue",
    "zero-width joiners": "a N\u200cU\u200cD\u200cE statue",
    "Cyrillic e": "a nud\u0435 statue",
    "Chinese": "一个裸体的雕像",
    "pattern": "a GOREFEST poster",
}


def paid_calls(simulator) -> list[dict]:
    """Every POST the simulator saw: video submissions and image generations (status queries are GETs)."""
    return [r for r in simulator.requests if r["method"] == "POST"]


def operator_file(folder: Path) -> Path:
    """OPERATOR_LIST as the file REELBOT_BLOCKLIST_FILE names."""
    path = folder / "blocked.txt"
    path.write_text(OPERATOR_LIST, encoding="utf-8")
    return path
