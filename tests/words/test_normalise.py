"""The normaliser: every way of writing a word the same word, and nothing else changed."""

from __future__ import annotations

import pytest

from bot.words.normal import normalise


@pytest.mark.parametrize("written", [
    "ｎｕｄｅ",  # full-width letters
    "Ｎｕｄｅ",
    "N\u200cU\u200cD\u200cE",  # zero-width non-joiners between the letters
    "n\u200bu\u200dd\ufeffe",  # zero-width space, joiner, byte-order mark
    "nu\u00adde",  # a soft hyphen
    "\u202enude\u202c",  # a right-to-left override and its end
    "n\u2066ud\u2069e",  # directional isolates
    "nu\u2060de",  # word joiner
    "nud\u0435",  # a Cyrillic е in a Latin word
    "NUDЕ",  # a Cyrillic capital Е
    "ΝUDΕ",  # Greek capital Nu and Epsilon
    "NUDE",
])
def test_spellings_of_one_word_normalise_to_it(written):
    assert normalise(written) == "nude"


def test_case_folding_goes_beyond_lower_case():
    assert normalise("STRASSE") == normalise("straße") == "strasse"


def test_runs_of_white_space_become_one_space():
    assert normalise("  big \t\n  cat ") == "big cat"


def test_chinese_text_keeps_its_characters():
    assert normalise("一个裸体的人") == "一个裸体的人"
    assert normalise("一個　人") == "一個 人"  # the ideographic space is a space after NFKC


def test_normalising_twice_changes_nothing():
    for text in ("ｎｕｄｅ Ｐｉｃ", "N\u200cU\u200cD\u200cE", "Straße", "ǰ", "ﬁne", "一个裸体"):
        assert normalise(normalise(text)) == normalise(text)


def test_ligatures_and_compatibility_forms_are_spelled_out():
    assert normalise("ﬁne") == "fine"
    assert normalise("①") == "1"
