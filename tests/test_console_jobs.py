"""The console's /jobs, /fetch and /cancel, with the real core against the simulator."""

from __future__ import annotations

import io
import re
from pathlib import Path

from adapters.console import ConsoleAdapter
from tests.conftest import wait_for
from tests.media import is_mp4


async def test_jobs_fetch_and_cancel_in_the_console(make_core, simulator, tmp_path):
    core = await make_core(max_concurrent_requests=1)
    out = io.StringIO()
    console = ConsoleAdapter(core, tmp_path / "results", out=out, user="ann")
    await core.start()
    await console.handle("/video a cat surfing")
    await core.wait_idle()

    await console.handle("/jobs")
    assert "Your last job:\n1. video · T2V-01 · delivered · 5 credits · just now [" in out.getvalue()
    await console.handle("/fetch 1")
    [saved] = re.findall(r"\] Your video is ready: (\S+)", out.getvalue())[1:]
    assert is_mp4(Path(saved).read_bytes())

    slots = core._runner._ctx.slots
    await slots.acquire()  # the only 302.AI slot busy: the next job waits
    await console.handle("/image a red fox")
    await console.handle("/image a blue fox")
    await wait_for(lambda: "number 2 in line" in out.getvalue(), what="the place in line")
    [waiting] = re.findall(r"\[(\w+)\] Queued your image", out.getvalue())[:1]
    await console.handle(f"/cancel {waiting}")
    assert f"[{waiting}] Cancelled. Nothing was sent to 302.AI, and your credit is back." in out.getvalue()
    slots.release()
    await core.wait_idle()
    assert [b["prompt"] for b in simulator.billed] == ["a cat surfing", "a blue fox"]

    simulator.expire_files()
    await console.handle("/jobs")
    await console.handle("/fetch 3")
    assert "Sorry: That result has expired" in out.getvalue()
