"""What the bot writes: escaped for HTML, clipped to Telegram's limits."""

from __future__ import annotations

from adapters.telegram import render


def test_markup_in_a_prompt_is_escaped():
    assert render.esc('<b>x</b> & "q"') == "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot;"


def test_clip_counts_utf16_units_like_telegram():
    clipped = render.clip_utf16("🎬" * 10, 9)  # each emoji is two UTF-16 units

    assert clipped == "🎬" * 4 + "…"


def test_clip_leaves_short_text_alone():
    assert render.clip_utf16("a cat", 1024) == "a cat"
