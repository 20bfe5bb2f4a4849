"""The console's words in the session's language, through the project's gettext machinery
(bot.i18n): English is the message id, `locale/zh/LC_MESSAGES/console.po` the Chinese. A
catalog of its own, so that the members' catalog holds only what members read."""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, compile_po

__all__ = ["gettext_for", "LANGUAGES"]

LOCALE = Path(__file__).parent / "locale"


@functools.cache
def _catalog(language: str) -> gettext.NullTranslations:
    po = LOCALE / language / "LC_MESSAGES" / "console.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(po)))


def gettext_for(language: str) -> Callable[..., str]:
    """`_("Jobs")`, or `_("{n} queued", n=3)` with its values filled in after translation."""
    catalog = _catalog(language if language in LANGUAGES else DEFAULT_LANGUAGE)

    def words(msgid: str, **values) -> str:
        text = catalog.gettext(msgid)
        return text.format(**values) if values else text

    return words
