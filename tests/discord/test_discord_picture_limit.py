"""Too many pictures for a unified model, through discord.py against the fake Discord: one
sentence naming the limit, and nothing spent (no create at 302.AI, the quota untouched). A
Discord request carries one picture today, so the limit bites where a model takes none."""

from __future__ import annotations

from tests.core.test_picture_limit import STILL, still_entry
from tests.discord.discord_helpers import member
from tests.media import image_bytes


async def test_a_picture_for_a_model_that_takes_none_is_refused_naming_the_limit_at_no_cost(
        start_bot, fake_discord, simulator):
    simulator.unified.models.append(still_entry())
    bot = await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=picture, prompt="the cat waves", model=STILL)

    status = await fake_discord.status_of(interaction, "takes no picture")
    assert f"{STILL} takes no picture; send the command without one." in status.text
    assert not any(r["path"] == "/302/v2/video/create" for r in simulator.requests) and not simulator.billed
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0
