"""Too many pictures for a unified model, through python-telegram-bot against the fake Bot API:
one sentence naming the limit, and nothing spent (no create at 302.AI, the quota untouched).
A Telegram request carries one picture today, so the limit bites where a model takes none."""

from __future__ import annotations

from bot.domain.requests import Requester
from tests.core.test_picture_limit import STILL, still_entry
from tests.media import image_bytes


async def test_a_picture_for_a_model_that_takes_none_is_refused_naming_the_limit_at_no_cost(
        start_bot, simulator, fake_api, ann, ann_chat):
    simulator.unified.models.append(still_entry())
    bot = await start_bot()

    command = await fake_api.send_photo(ann, ann_chat, image_bytes(640, 480, "JPEG"),
                                        caption=f"/animate --model={STILL} the cat waves")

    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert f"{STILL} takes no picture; send the command without one." in reply["text"]
    assert not any(r["path"] == "/302/v2/video/create" for r in simulator.requests) and not simulator.billed
    assert (await bot.core.quota(Requester("telegram", str(ann["id"])))).used_today == 0
