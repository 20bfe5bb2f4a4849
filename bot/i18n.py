"""Member-facing text in the member's language (gettext; the English text is the message id).

The core never renders text for a chat itself: it builds `T("Queued your {what}…", what=…)`
(a `Text`, the message id and its parameters) and the adapter renders it with
`text.render(language)` once it knows who reads it. `T` (and `TN` for plurals, `N_` for a
str kept as data) also mark the string for extraction (Babel's `-k T -k TN:1,2 -k N_`, see
babel.cfg and the README).

Languages are gettext catalogs under `bot/locale/<lang>/LC_MESSAGES/reelbot.mo`; a language
without a catalog, or a message missing from one, falls back to English. The install
compiles the .mo files from the .po sources (setup.py); an editable install or a checkout
may not have them, so a missing or outdated .mo is compiled from its .po on first use.
"""

from __future__ import annotations

import functools
import gettext
import io
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["T", "TN", "N_", "Text", "Joined", "DEFAULT_LANGUAGE", "LANGUAGES", "language_of", "translations",
           "render", "set_default_language", "default_language", "dumps", "loads"]

log = logging.getLogger(__name__)

DOMAIN = "reelbot"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"  # the message ids' language; also what logs and str() show
LANGUAGES = ("en", "zh")
_default = DEFAULT_LANGUAGE  # for members whose platform names no language we have (settings)


@dataclass(frozen=True)
class Text:
    """A message id (English, with `{name}` placeholders) and the values for them.
    `plural`/`n`: an ngettext pair chosen by `n` (also available as `{n}`)."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def render(self, language: str | None = None) -> str:
        language = language_of(language)
        catalog = translations(language)
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

    def __hash__(self) -> int:
        # the parameters are a dict; equal Texts share their message id, which is enough
        return hash((self.msgid, self.plural, self.n))


@dataclass(frozen=True)
class Joined:
    """Several texts rendered in one language and joined (a help page, a list of lines)."""

    parts: Sequence[Text | str | Joined]
    sep: str = "\n"

    def render(self, language: str | None = None) -> str:
        return self.sep.join(render(part, language) for part in self.parts)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANGUAGE)


def T(msgid: str, /, **params: Any) -> Text:  # noqa: N802 - gettext-style marker name
    return Text(msgid, params)


def TN(singular: str, plural: str, n: int, /, **params: Any) -> Text:  # noqa: N802
    """A text whose wording depends on the number `n` ("1 credit" / "5 credits")."""
    return Text(singular, params, plural, n)


def N_(msgid: str, /) -> str:  # noqa: N802 - gettext's name for it
    """Marks a str kept as data (a model's description) for extraction; whoever shows it to
    a member renders `Text(msgid)` in their language."""
    return msgid


def render(text: Text | Joined | str, language: str | None) -> str:
    """Text in `language`; a plain str (a name, a model id, an old stored reason) as it is."""
    return text.render(language) if isinstance(text, (Text, Joined)) else text


def _rendered(value: Any, language: str | None) -> Any:
    return value.render(language) if isinstance(value, (Text, Joined)) else value


def set_default_language(tag: str | None) -> str:
    """The language for members whose platform says nothing we have (REELBOT_DEFAULT_LANGUAGE)."""
    global _default
    base = _base(tag)
    _default = base if base in LANGUAGES else DEFAULT_LANGUAGE
    return _default


def default_language() -> str:
    return _default


def language_of(tag: str | None) -> str:
    """A platform's locale tag ('zh-CN', 'zh_Hans', 'zh-hans', 'en-US', 'zh_CN.UTF-8', None)
    → one of LANGUAGES; the default language when there is none or we lack it."""
    base = _base(tag)
    return base if base in LANGUAGES else _default


def _base(tag: str | None) -> str:
    return (tag or "").split(".")[0].replace("_", "-").split("-")[0].lower()


# ---- storing a Text (a job's failure reason, read back to render later) ----------------------

def dumps(text: Text | str | None) -> str | None:
    """JSON for a Text (message id and parameters, nested texts included); a str as it is."""
    if text is None or isinstance(text, str):
        return text
    # default=str: a refund must never fail on a parameter JSON cannot hold (it is kept as text)
    return json.dumps(_plain(text), ensure_ascii=False, default=str)


def loads(stored: str | None) -> Text | str | None:
    """What dumps() wrote; a plain string (rows from before localization) stays a str."""
    if not stored or not stored.startswith("{"):
        return stored
    try:
        return _text(json.loads(stored))
    except (ValueError, KeyError, TypeError):
        return stored


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        out: dict[str, Any] = {"msgid": value.msgid, "params": {k: _plain(v) for k, v in value.params.items()}}
        if value.plural is not None:
            out.update(plural=value.plural, n=value.n)
        return out
    if isinstance(value, Joined):
        return {"joined": [_plain(p) for p in value.parts], "sep": value.sep}
    return value


def _text(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        return Text(value["msgid"], {k: _text(v) for k, v in value["params"].items()},
                    value.get("plural"), value.get("n"))
    if isinstance(value, dict) and "joined" in value:
        return Joined([_text(p) for p in value["joined"]], value["sep"])
    return value


# ---- catalogs ------------------------------------------------------------------------------

@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if po.is_file() and (not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime):
        compiled = compile_po(po)
        try:  # for the next start (an installed package may be read-only); atomic, as other
            # processes may read it meanwhile
            partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
            partial.write_bytes(compiled)
            os.replace(partial, mo)
        except OSError:
            pass
        return gettext.GNUTranslations(io.BytesIO(compiled))
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def compile_po(po: Path) -> bytes:
    """A .po file compiled to .mo bytes with Babel (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()
