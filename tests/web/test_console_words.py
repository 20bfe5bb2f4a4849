"""Every word the console's templates show has its Chinese in the console's catalog."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.web.words import gettext_for

TEMPLATES = Path(__file__).resolve().parents[2] / "adapters" / "web" / "templates"
MSGID = re.compile(r"""_\((?:"([^"]*)"|'([^']*)')""")


def test_every_template_word_has_a_chinese_translation():
    words = {a or b for path in TEMPLATES.glob("*.html") for a, b in MSGID.findall(path.read_text("utf-8"))}
    zh = gettext_for("zh")
    assert len(words) > 50
    assert sorted(w for w in words if zh(w) == w) == []
