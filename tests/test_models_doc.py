"""docs/models.md lists the shipped snapshot's models as `reelbot models` reads them."""

from __future__ import annotations

from pathlib import Path

from bot.catalog.feed import shipped_entries
from bot.config import Settings
from entrypoints.models_cli import rows

DOC = Path(__file__).resolve().parents[1] / "docs" / "models.md"


def test_the_model_table_in_the_docs_matches_the_shipped_snapshot():
    text = DOC.read_text("utf-8")
    table = text.split("<!-- models:begin", 1)[1].split("-->", 1)[1].split("<!-- models:end -->", 1)[0]
    documented = [[c.strip().replace("\\|", "|") for c in line.strip().strip("|").split(" | ")]
                  for line in table.strip().splitlines()[2:]]

    assert documented == [list(row) for row in rows(shipped_entries(), Settings())]
