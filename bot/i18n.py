"""Member-facing text in the member's language (gettext; the English text is the message id).

The core never renders text for a chat itself: it builds `T("Queued your {what}…", what=…)`
(a `Text`, the message id and its parameters) and the adapter renders it with
`text.render(language)` once it knows who reads it. `T` also marks the string for
extraction (Babel's `-k T`).

Languages are gettext catalogs under `bot/locale/<lang>/LC_MESSAGES/reelbot.mo`; a language
without a catalog, or a message missing from one, falls back to English.
"""

from __future__ import annotations

import gettext
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["T", "Text", "DEFAULT_LANGUAGE", "LANGUAGES", "language_of", "translations", "render"]

DOMAIN = "reelbot"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Text:
    """A message id (English, with `{name}` placeholders) and the values for them.
    `plural`/`n`: an ngettext pair chosen by `n` (also available as `{n}`)."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, language: str | None = None) -> str:
        catalog = translations(language_of(language))
        if self.plural is not None:
            template = catalog.ngettext(self.msgid, self.plural, self.n or 0)
        else:
            template = catalog.gettext(self.msgid)
        values = {name: _rendered(value, language) for name, value in self.params.items()}
        if self.n is not None:
            values.setdefault("n", self.n)
        return template.format(**values) if values else template

    def __str__(self) -> str:
        return self.render(DEFAULT_LANGUAGE)


def T(msgid: str, /, **params: Any) -> Text:  # noqa: N802 - gettext-style marker name
    return Text(msgid, params)


def render(text: Text | str, language: str | None) -> str:
    """Text in `language`; a plain str (a name, a model id) as it is."""
    return text.render(language) if isinstance(text, Text) else text


def _rendered(value: Any, language: str | None) -> Any:
    return value.render(language) if isinstance(value, Text) else value


def language_of(tag: str | None) -> str:
    """A platform's locale tag ('zh-CN', 'zh_Hans', 'en-US', None) → one of LANGUAGES."""
    if not tag:
        return DEFAULT_LANGUAGE
    base = tag.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
