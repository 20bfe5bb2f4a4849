"""The console's /help: the short list, and /help <command> with that command's details."""

from __future__ import annotations

import io

from adapters.console import ConsoleAdapter


async def test_console_help_is_short_and_help_video_gives_the_details(make_core, tmp_path):
    core = await make_core()
    out = io.StringIO()
    console = ConsoleAdapter(core, tmp_path / "results", out=out, user="ann", language="en")

    await console.handle("/help")
    listed = out.getvalue()
    await console.handle("/help video")
    video = out.getvalue()[len(listed):]

    assert len(listed) < 1000 and "/help video" in listed and "/fetch N" in listed
    assert "--model=NAME" not in listed and "/buy" not in listed
    assert "--camera=" in video and "/video --character=PATH" in video and "/fetch N" not in video
