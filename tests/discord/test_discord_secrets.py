"""No Discord interaction token (each can post as the bot for 15 minutes) reaches the log,
at any level: not in gateway dumps, callback or webhook URLs, nor stored destinations."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactSecrets


async def test_a_debug_log_of_a_whole_job_holds_no_interaction_or_bot_token(start_bot, fake_discord):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([fake_discord.token]))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        await start_bot()
        interaction = await fake_discord.invoke("image", prompt="a fox in a log")
        await fake_discord.result_of(interaction)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    text = out.getvalue()
    assert "INTERACTION_CREATE" in text or "interaction" in text.lower()  # the log did cover the job
    assert interaction.token not in text
    assert "***" in text  # lines that carried it were logged, redacted
    assert fake_discord.token not in text
