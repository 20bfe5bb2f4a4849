"""SIGKILL a real bot process while it polls an asynchronous image of several pictures; a
restart on the same database resumes the poll and delivers every picture once, paid once."""

from __future__ import annotations

from tests.conftest import RecordingMessenger, wait_for
from tests.core.bot_process import FileMessenger
from tests.core.test_kill import kill, restart, start_bot


def fetches(simulator) -> int:
    return sum(1 for r in simulator.requests if r["path"].startswith("/302/v2/image/fetch/"))


async def test_a_kill_mid_poll_resumes_and_delivers_every_picture_once(tmp_path, simulator):
    simulator.configure(image_seconds=4.0)  # the pictures take a while: the bot is polling when killed
    # request 1 of the seed is an image; --async-images 1 sends it to the asynchronous
    # interface, asking for several pictures
    bot = await start_bot(tmp_path, simulator, "--submit", "1", "--first", "1", "--only", "image",
                          "--async-images", "1", "--faults", "0")
    await wait_for(lambda: fetches(simulator) >= 1, timeout=30, what="the first fetch")
    await kill(bot)
    assert not FileMessenger(tmp_path / "posts.log").lines()  # nothing was posted before the kill
    polled_before = fetches(simulator)

    messenger = RecordingMessenger()
    await restart(tmp_path, simulator, messenger)

    assert simulator.images.creates == 1 and len(simulator.billed) == 1  # never created again
    assert fetches(simulator) > polled_before  # the restart asked again
    [(job_id, result)] = messenger.delivered
    assert len((result, *result.more)) == 3 and all(p.data for p in (result, *result.more))
    assert not messenger.failures
