"""Text from members made safe to store and send: the one cleaning every prompt and every
free-text option gets (bot.validation, bot.unified_options)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone surrogates (which no database or JSON encoder accepts) and the bidirectional
# overrides that make a prompt display as something other than what it says.
_DROPPED = re.compile("[\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str | None) -> str:
    """`text` as it is safe to store and send: control characters become spaces, lone
    surrogates and direction overrides go, and a text with nothing visible is empty."""
    text = _DROPPED.sub("", _CONTROL.sub(" ", text or "")).strip()
    if not any(unicodedata.category(ch)[0] not in "CZ" for ch in text):
        return ""  # only zero-width or format characters: nothing a model could draw
    return text
