"""The console adapter with an asynchronous image of several pictures: every one saved and named."""

from __future__ import annotations

import io
import re
from pathlib import Path

from adapters.console import ConsoleAdapter
from tests.media import is_png


async def test_the_console_saves_and_prints_every_picture_of_one_job(make_core, simulator, tmp_path):
    core = await make_core()
    out = io.StringIO()
    console = ConsoleAdapter(core, tmp_path / "results", out=out, user="ann")
    await core.start()

    await console.handle("/image --model=302ai-flux-v1.1-ultra-t2i three owls [sim:images=3]")
    await core.wait_idle()

    saved = re.findall(r"\] Your image is ready: (\S+)", out.getvalue())
    assert len(saved) == 3 and len(set(saved)) == 3
    assert all(is_png(Path(path).read_bytes()) for path in saved)
    assert simulator.images.creates == 1


async def test_the_consoles_fetch_saves_every_picture_again(make_core, simulator, tmp_path):
    core = await make_core()
    out = io.StringIO()
    console = ConsoleAdapter(core, tmp_path / "results", out=out, user="ann")
    await core.start()
    await console.handle("/image --model=302ai-flux-v1.1-ultra-t2i two owls [sim:images=2]")
    await core.wait_idle()
    await console.handle("/jobs")

    await console.handle("/fetch 1")

    again = re.findall(r"\] Your image is ready: (\S+)", out.getvalue())[2:]
    assert len(again) == 2 and all(is_png(Path(path).read_bytes()) for path in again)
