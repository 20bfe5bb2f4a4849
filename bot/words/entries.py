"""A list of blocked words, phrases and regular expressions, compiled once and matched against
normalised text (bot.words.normal).

Words and phrases match on word boundaries in scripts written with spaces ("class" does not
contain "ass") and anywhere in scripts written without them (Chinese, Japanese, Thai): both
the text and each entry are cut into tokens — a run of letters and digits of a spaced
script, or one character of any other kind (a Chinese character, an emoji, a punctuation
mark) — and an entry matches a run of the text's tokens. That costs one dictionary look-up
per token of the prompt, however long the list (one alternation of 10,000 words took the
standard `re` 43 s to compile and 0.7 s per prompt). A
`re:` entry is a regular expression, compiled with a budget: too long, or too slow against
text built to make it backtrack, and it is refused (reported, and skipped) rather than let
one bad line stall the bot on every prompt. The third-party `regex` module is used for the
patterns because it can stop a search after a time limit, which the standard `re` cannot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from bot.validation import MAX_PROMPT_CHARS
from bot.words.normal import SPACELESS, normalise

__all__ = ["WordList", "Refusal", "parse", "tokens", "MAX_ENTRY_CHARS", "MAX_PATTERN_CHARS", "MAX_PATTERNS"]

log = logging.getLogger(__name__)

MAX_ENTRY_CHARS = 200
MAX_PATTERN_CHARS = 200
MAX_PATTERNS = 200
LOAD_SECONDS = 0.1  # one adversarial search at load longer than this: the pattern is refused
RUN_SECONDS = 0.05  # one search of a prompt longer than this (a pattern that slipped through)
# a word of a spaced script ("_" separates, so "nude_pic" holds "nude"), or any other single
# character that is not a space
_TOKEN = re.compile(f"[^\\W_{SPACELESS}]+|[^\\s_]")
_UNITS = ("a", "0", " ", "a ", "ab", "a0", ".")  # what adversarial strings are made of, besides the pattern's own letters


@dataclass(frozen=True)
class Refusal:
    """An entry that was not taken, and why (for the log and `reelbot admin words`)."""

    line: int
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.entry[:60]!r}: {self.reason}"


class WordList:
    """Compiled entries; `match(text)` names the entry a normalised text contains, or None."""

    def __init__(self, words: Iterable[str] = (), patterns: Iterable[tuple[str, regex.Pattern]] = (),
                 refused: Iterable[Refusal] = ()):
        self._by_tokens: dict[tuple[str, ...], str] = {}  # an entry's tokens -> the entry as written
        self._lengths: dict[str, set[int]] = {}  # first token -> how many tokens entries starting with it have
        for word in words:
            key = tokens(normalise(word))
            if key and key not in self._by_tokens:
                self._by_tokens[key] = word
                self._lengths.setdefault(key[0], set()).add(len(key))
        self.patterns = list(patterns)
        self.refused = list(refused)

    def __len__(self) -> int:
        return len(self._by_tokens) + len(self.patterns)

    @property
    def words(self) -> list[str]:
        return list(self._by_tokens.values())

    def match(self, text: str) -> str | None:
        if self._by_tokens:
            found = tokens(text)
            for at, token in enumerate(found):
                for length in self._lengths.get(token, ()):
                    if (entry := self._by_tokens.get(found[at:at + length])) is not None:
                        return entry
        for entry, pattern in list(self.patterns):
            try:
                if pattern.search(text, timeout=RUN_SECONDS):
                    return entry
            except TimeoutError:
                # The prompt is refused (the bot never sends what it could not check) and the
                # pattern is dropped, so it cannot slow another prompt: until the list is reloaded.
                log.error("blocklist: the pattern %r took too long on a prompt and is skipped from now on", entry)
                self.patterns.remove((entry, pattern))
                self.refused.append(Refusal(0, entry, "too slow on a prompt; skipped until the list is reloaded"))
                return entry
        return None


def parse(lines: Iterable[str], *, patterns_allowed: bool = True) -> WordList:
    """One entry a line: a word or phrase, or `re:` and a regular expression; `#` starts a
    comment line. Refused entries are logged and kept in `refused`; the rest apply."""
    words, patterns, refused = [], [], []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("re:"):
            source = line[3:].strip()
            problem = ("regular expressions are for the operator's list only" if not patterns_allowed
                       else f"more than {MAX_PATTERNS} regular expressions" if len(patterns) >= MAX_PATTERNS
                       else None)
            compiled, problem = (None, problem) if problem else _compile(source)
            if compiled is None:
                refused.append(Refusal(number, line, problem))
            else:
                patterns.append((line, compiled))
        elif len(line) > MAX_ENTRY_CHARS:
            refused.append(Refusal(number, line, f"longer than {MAX_ENTRY_CHARS} characters"))
        elif not tokens(normalise(line)):
            refused.append(Refusal(number, line, "nothing visible in it"))
        else:
            words.append(line)
    for refusal in refused:
        log.warning("blocklist: entry refused, %s", refusal)
    return WordList(words, patterns, refused)


def tokens(text: str) -> tuple[str, ...]:
    """`text` (normalised) as the tokens entries are matched on."""
    return tuple(_TOKEN.findall(text))


def _compile(source: str) -> tuple[regex.Pattern | None, str]:
    if not source:
        return None, "empty regular expression"
    if len(source) > MAX_PATTERN_CHARS:
        return None, f"longer than {MAX_PATTERN_CHARS} characters"
    try:
        pattern = regex.compile(source, regex.IGNORECASE | regex.V0)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        return None, f"not a valid regular expression ({exc})"
    if pattern.search("", timeout=LOAD_SECONDS) is not None:
        return None, "matches every prompt (it matches empty text)"
    try:
        for text in _adversarial(source):
            pattern.search(text, timeout=LOAD_SECONDS)
    except TimeoutError:
        return None, "too slow: it backtracks catastrophically on some prompts"
    return pattern, ""


def _adversarial(source: str) -> Iterable[str]:
    """Texts as long as a prompt may be, made of one repeated unit and a character that
    makes the match fail at the end: what makes nested repetition backtrack exponentially."""
    letters = sorted({ch for ch in source.lower() if ch.isalnum()})[:24]
    for unit in (*letters, *_UNITS):
        for tail in ("!", "\n", ""):
            yield unit * (MAX_PROMPT_CHARS // len(unit)) + tail
