"""The catalogs: every message the code marks with T()/TN() is translated in every language,
with exactly the same placeholders, and nothing in a catalog is stale or fuzzy. Messages are
extracted from the sources with Babel, the way `pybabel extract` (README: Translating) does."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import LANGUAGES, T, TN, Joined, dumps, language_of, loads

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("bot", "adapters")
KEYWORDS = {"T": None, "TN": (1, 2), "N_": None}  # as README's command passes them: -k T -k TN:1,2 -k N_
TRANSLATED = [lang for lang in LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def _extracted() -> dict[str | tuple[str, str], str]:
    """msgid (or (singular, plural)) -> where it is used."""
    found = {}
    for folder in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()):
            found.setdefault(message, f"{folder}/{filename}:{line}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _catalog(language: str):
    with (ROOT / "bot" / "locale" / language / "LC_MESSAGES" / "reelbot.po").open("rb") as source:
        return read_po(source, locale=language)


def test_the_sources_mark_messages_for_extraction():
    # a guard for the tests below: were extraction to find nothing, they would pass vacuously
    messages = _extracted()
    assert "You cannot use this bot." in messages and ("{n} credit", "{n} credits") in messages
    assert len(messages) > 150


def test_every_T_call_passes_a_literal_message():
    """Extraction sees only literal strings: T(f"…") or T(variable) would never be translated."""
    # (Text(msgid) renders a msgid kept as data, such as a model's description marked N_("…"))
    wrong = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                    literal = 2 if node.func.id == "TN" else 1
                    args = node.args[:literal]
                    if len(args) < literal or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                      for a in args):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, f"T()/TN() called without a literal message at {wrong}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_translates_every_message_with_the_same_placeholders(language):
    catalog = _catalog(language)
    missing, fuzzy, mismatched = [], [], []
    for msgid, where in _extracted().items():
        entry = catalog.get(msgid)
        if entry is None or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            missing.append(f"{where}: {msgid!r}")
            continue
        if entry.fuzzy:
            fuzzy.append(f"{where}: {msgid!r}")
        wanted = _placeholders(msgid[0] if isinstance(msgid, tuple) else msgid)
        if isinstance(msgid, tuple):
            wanted |= _placeholders(msgid[1])
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for form in forms:
            if _placeholders(form) != wanted:
                mismatched.append(f"{where}: {msgid!r} has {sorted(wanted)}, "
                                  f"{form!r} has {sorted(_placeholders(form))}")
    assert not missing, f"{language}: untranslated: " + "\n".join(missing)
    assert not fuzzy, f"{language}: fuzzy (check, then remove the flag): " + "\n".join(fuzzy)
    assert not mismatched, f"{language}: placeholders differ: " + "\n".join(mismatched)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_holds_no_message_the_code_no_longer_uses(language):
    used = set(_extracted())
    stale = [m.id for m in _catalog(language) if m.id and m.id not in used]
    assert not stale, f"{language}: remove (pybabel update does): {stale}"


def test_a_chinese_member_reads_chinese_and_everyone_else_english():
    refusal = T("You cannot use this bot.")
    assert refusal.render("zh-hans") == refusal.render("zh-CN") == refusal.render("zh_CN.UTF-8")
    assert refusal.render("zh") == "你无法使用此机器人。"
    assert refusal.render("en-US") == refusal.render("fr") == refusal.render(None) == "You cannot use this bot."
    assert TN("{n} credit", "{n} credits", 1).render("en") == "1 credit"
    assert TN("{n} credit", "{n} credits", 5).render("zh") == "5 积分"


def test_the_default_language_serves_members_whose_language_we_lack():
    try:
        i18n.set_default_language("zh")
        assert language_of("fr") == language_of(None) == "zh" and language_of("en-GB") == "en"
        assert T("You cannot use this bot.").render("de") == "你无法使用此机器人。"
    finally:
        i18n.set_default_language("en")


def test_nested_texts_render_in_the_readers_language():
    text = T("{reason} Your credits are back.", reason=T("302.AI rejected the request's parameters."))
    assert text.render("zh") == "302.AI 拒绝了请求的参数。你的积分已退还。"
    assert Joined([T("Queued"), "GPT", T("Preparing")], " / ").render("zh") == "排队中 / GPT / 准备中"


def test_a_stored_reason_renders_later_in_any_language_and_old_rows_stay_plain():
    reason = T("{reason} Your credits are back.", reason=TN("{n} credit", "{n} credits", 2, x=1))
    stored = dumps(reason)
    assert loads(stored) == reason and loads(stored).render("zh") == "2 积分你的积分已退还。"
    assert loads("Something went wrong before localization.") == "Something went wrong before localization."
    assert loads(None) is None and dumps("plain") == "plain"


def test_a_missing_compiled_catalog_is_compiled_from_its_source(tmp_path, monkeypatch):
    """An editable install or a plain checkout may have no .mo: the .po is compiled on first use."""
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "reelbot.po").write_bytes((ROOT / "bot/locale/zh/LC_MESSAGES/reelbot.po").read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("zh").gettext("Queued") == "排队中"
        assert (folder / "reelbot.mo").is_file()
    finally:
        i18n.translations.cache_clear()
