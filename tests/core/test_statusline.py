"""The one status throttle every platform uses (bot.statusline): the newest text wins, and a
final text that has to wait is kept in the database under the platform's name until shown."""

from __future__ import annotations

import asyncio
import time

from bot.statusline import DROPPED, FAILED, SHOWN, StatusLine
from tests.conftest import wait_for


async def test_a_burst_of_progress_edits_the_message_twice_with_the_newest_text_last():
    sent: list[str] = []
    first_edit = asyncio.Event()

    async def send(key, text, extra):
        sent.append(text)
        first_edit.set()
        return SHOWN

    line = StatusLine(send, platform="test", interval=0.2, clock=time.monotonic)
    await line.show(("chat", "1"), "0 s")
    await first_edit.wait()
    for second in range(1, 10):  # all within the interval after that edit
        await line.show(("chat", "1"), f"{second} s")
    assert await line.show(("chat", "1"), "10 s", wait=True)

    assert sent == ["0 s", "10 s"]
    await line.close()


async def test_a_final_text_that_must_wait_is_kept_under_its_platform_until_it_is_shown(make_core):
    core = await make_core()
    answers = [FAILED, SHOWN]
    kept_while_failing: list[list] = []

    async def send(key, text, extra):
        kept_while_failing.append(await core.statuses.pending("discord"))
        return answers.pop(0)

    line = StatusLine(send, platform="discord", interval=0.01, clock=time.time, pending=core.statuses)
    assert await line.show(("job-1", "@original"), "✅ Done", final=True, wait=True)

    assert kept_while_failing[0] == []  # the first try costs no write
    assert [s.text for s in kept_while_failing[1]] == ["✅ Done"]  # kept while it waited for the second
    await wait_for(lambda: not answers, what="both tries")
    assert await core.statuses.pending("discord") == []  # shown: nothing left for a next start
    await line.close()


async def test_a_dropped_progress_text_is_not_tried_again_and_the_final_text_still_goes():
    sent: list[str] = []

    async def send(key, text, extra):
        sent.append(text)
        return DROPPED if text.startswith("⏳") else SHOWN

    line = StatusLine(send, platform="test", interval=0.01, clock=time.monotonic)
    await line.show(("chat", "1"), "⏳ Generating", wait=True)  # the budget had no room for it
    await line.show(("chat", "1"), "⏳ Generating", wait=True)  # the same text again: not tried again
    assert await line.show(("chat", "1"), "✅ Done", final=True, wait=True)

    assert sent == ["⏳ Generating", "✅ Done"]
    await line.close()


async def test_a_retired_message_has_no_edit_under_way_once_retire_returns_and_none_was_cut_off():
    # cut off, the platform would still carry an edit out, maybe after the message became the result
    sent: list[str] = []
    ended: list[str] = []
    cut: list[str] = []
    release = asyncio.Event()

    async def send(key, text, extra):
        sent.append(text)
        try:
            await release.wait()  # an edit under way when the message is retired
        except asyncio.CancelledError:
            cut.append(text)
            raise
        finally:
            ended.append(text)
        return SHOWN

    line = StatusLine(send, platform="test", interval=0.01, clock=time.monotonic)
    await line.show(("chat", "1"), "⏳ Generating")
    await wait_for(lambda: sent, what="the edit to start")
    await line.show(("chat", "1"), "⏳ Fetching")  # waits behind it

    retiring = asyncio.create_task(line.retire(("chat", "1")))
    release.set()  # the platform answers the edit it has
    await retiring

    assert ended == ["⏳ Generating"]  # the edit under way has ended, not merely been told to
    assert cut == []  # it got its answer: it was not cancelled
    assert sent == ["⏳ Generating"]  # and the text waiting behind it is never sent
    await line.close()


async def test_a_retired_message_waiting_for_its_next_edit_gets_none():
    sent: list[str] = []

    async def send(key, text, extra):
        sent.append(text)
        return SHOWN

    line = StatusLine(send, platform="test", interval=3600.0, clock=time.monotonic)
    assert await line.show(("chat", "1"), "⏳ Generating", wait=True)
    await line.show(("chat", "1"), "⏳ Fetching")  # waits out the interval: nothing sent yet

    await line.retire(("chat", "1"))

    assert sent == ["⏳ Generating"]
    await line.close()
