"""A list of entries as the blocklist compiles it: boundaries in spaced scripts, none in
Chinese; regular expressions under a budget; the operator's file reloaded when it changes."""

from __future__ import annotations

import logging
import os

import pytest
import regex

from bot.words.blocklist import OperatorList
from bot.words.entries import MAX_PATTERN_CHARS, WordList, parse
from bot.words.normal import normalise


def hit(entries: list[str], prompt: str) -> str | None:
    return parse(entries).match(normalise(prompt))


def test_a_latin_word_matches_only_as_a_whole_word():
    assert hit(["ass"], "kick ass") == "ass"
    assert hit(["ass"], "a class photo of a glass bass") is None
    assert hit(["ass"], "ass.") == "ass"


def test_an_underscore_or_a_neighbouring_chinese_character_is_a_boundary():
    assert hit(["nude"], "nude_pic") == "nude"
    assert hit(["nude"], "一个nude女人") == "nude"
    assert hit(["nude"], "nudes") is None


def test_a_chinese_entry_matches_inside_a_run_of_chinese_text():
    assert hit(["裸体"], "一个裸体的人在海边") == "裸体"
    assert hit(["裸体"], "一个裸的人") is None


def test_an_emoji_entry_matches_next_to_words_or_other_emoji():
    assert hit(["🍆"], "a purple🍆🍆 on a plate") == "🍆"


def test_a_long_list_is_one_look_up_per_word_of_the_prompt():
    words = parse([f"word{n}" for n in range(10_000)] + ["中文词"])
    assert words.match(normalise("a prompt with word9999 in it")) == "word9999"
    assert words.match(normalise("一个中文词")) == "中文词"
    assert words.match(normalise("word10000 word")) is None


def test_a_phrase_matches_across_any_white_space_and_the_entry_named_is_as_written():
    assert hit(["Big Cat"], "a  BIG\tcat on a roof") == "Big Cat"


def test_entries_are_normalised_like_prompts():
    assert hit(["ｎｕｄｅ"], "nude") == "ｎｕｄｅ"


def test_comments_and_blank_lines_are_not_entries():
    words = parse(["# words for the film club", "", "   ", "nude"])
    assert words.words == ["nude"] and words.refused == []


def test_a_regular_expression_entry_matches_the_normalised_prompt():
    assert hit([r"re:\bgore\w*"], "GOREFEST poster") == r"re:\bgore\w*"
    assert hit([r"re:\bgore\w*"], "a gore-tex jacket") == r"re:\bgore\w*"
    assert hit([r"re:\bgore\w*"], "algorithm") is None


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)+$", r"(x+x+)+y",
                                     r"^(([a-z])+.)+[A-Z]([a-z])+$"])
def test_a_catastrophic_regular_expression_is_refused_at_load_and_the_rest_apply(pattern, caplog):
    with caplog.at_level(logging.WARNING, "bot.words.entries"):
        words = parse(["nude", f"re:{pattern}", r"re:\bgore"])

    [refused] = words.refused
    assert refused.entry == f"re:{pattern}" and refused.line == 2 and "too slow" in refused.reason
    assert [entry for entry, _ in words.patterns] == [r"re:\bgore"]
    assert words.match("a" * 2000 + "!") is None and words.match("nude") == "nude"
    assert any("refused, line 2" in r.getMessage() and "too slow" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("line, reason", [
    ("re:[unclosed", "not a valid regular expression"),
    ("re:" + "a" * (MAX_PATTERN_CHARS + 1), "longer than"),
    ("re:.*", "matches every prompt"),
    ("re:", "empty"),
    ("\u200b\u200c", "nothing visible"),
])
def test_a_bad_entry_is_refused_with_its_reason(line, reason):
    [refused] = parse([line]).refused
    assert reason in refused.reason


def test_a_pattern_that_runs_out_of_time_on_a_prompt_blocks_it_and_is_dropped(caplog):
    # as if it had slipped past the load-time check: the prompt is not sent unchecked
    words = WordList(patterns=[("re:(a+)+$", regex.compile(r"(a+)+$"))])
    with caplog.at_level(logging.ERROR, "bot.words.entries"):
        assert words.match("a" * 2000 + "!") == "re:(a+)+$"
    assert words.patterns == [] and "too slow" in words.refused[0].reason
    assert words.match("a" * 2000 + "!") is None
    assert any("took too long" in r.getMessage() for r in caplog.records)


def test_chat_lists_take_no_regular_expressions():
    words = parse(["owl", r"re:\bowl"], patterns_allowed=False)
    assert words.words == ["owl"] and "operator" in words.refused[0].reason


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_operator_file_is_read_again_after_it_changed(tmp_path):
    path, clock = tmp_path / "blocked.txt", Clock()
    path.write_text("nude\n", encoding="utf-8")
    operator = OperatorList(path, clock=clock, check_every=3.0)
    assert (await operator.current()).match("nude") == "nude"

    path.write_text("nude\ngore\n", encoding="utf-8")
    assert (await operator.current()).match("gore") is None  # not looked at again yet
    clock.now += 3.0
    assert (await operator.current()).match("gore") == "gore"


async def test_a_change_of_the_same_size_within_the_same_second_is_seen(tmp_path):
    path, clock = tmp_path / "blocked.txt", Clock()
    path.write_text("nude\n", encoding="utf-8")
    operator = OperatorList(path, clock=clock, check_every=0.0)
    await operator.current()
    stat = os.stat(path)
    replacement = tmp_path / "new.txt"
    replacement.write_text("gore\n", encoding="utf-8")
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(replacement, path)  # as editors and config tools save: a new file in its place

    words = await operator.current()
    assert words.match("gore") == "gore" and words.match("nude") is None


async def test_an_unreadable_file_keeps_the_list_read_before(tmp_path, caplog):
    path, clock = tmp_path / "blocked.txt", Clock()
    path.write_text("nude\n", encoding="utf-8")
    operator = OperatorList(path, clock=clock, check_every=0.0)
    await operator.current()

    path.unlink()
    with caplog.at_level(logging.ERROR, "bot.words.blocklist"):
        words = await operator.current()

    assert words.match("nude") == "nude" and "cannot be read" in operator.problem
    assert any("keeping the 1 entries" in r.getMessage() for r in caplog.records)


async def test_a_missing_file_at_start_is_reported_and_nothing_is_blocked(tmp_path):
    operator = OperatorList(tmp_path / "missing.txt", check_every=0.0)
    assert len(await operator.current()) == 0 and "missing.txt cannot be read" in operator.problem
