"""Text as the blocklist compares it: one spelling for the many ways to write the same word.

A member who wants past a word list writes it in full-width letters (ｎｕｄｅ), splits it
with invisible characters (N\u200cU\u200cD\u200cE), or swaps a letter for a look-alike from
another script (a Cyrillic е in a Latin word). Entries and prompts both go through
`normalise`, so each of those compares equal to the plain word.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise", "INVISIBLE", "SPACELESS"]

# Zero-width characters, direction marks and overrides, invisible operators, the byte-order
# mark and the soft hyphen: none of them shows, so none of them may separate a word's letters.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")

# Letters of other scripts that look like Latin ones. Small on purpose: the common
# look-alikes of Cyrillic and Greek, as used to dodge word lists, not Unicode's whole
# confusables table. Capitals first (before case folding: Greek Ν looks like N, its ν like v).
_CAPITALS = str.maketrans({
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})
_LOOKALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
})

# Scripts written without spaces between words: an entry in them matches anywhere, since no
# boundary could be found; a Latin word next to one of their characters is at a boundary.
SPACELESS = ("\u0e00-\u0eff"  # Thai, Lao
             "\u3040-\u30ff"  # Hiragana, Katakana
             "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
             "\uac00-\ud7af\u1100-\u11ff"  # Hangul
             "\U00020000-\U0003134f")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, case folded, look-alikes mapped to Latin, runs of
    white space made one space. Idempotent: normalise(normalise(x)) == normalise(x)."""
    text = INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_CAPITALS)
    # NFKC again after folding: folding can produce sequences that compose (e.g. ǰ), and a
    # look-alike's mapping must see the folded letter
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_LOOKALIKES)
    return _SPACES.sub(" ", text).strip()
