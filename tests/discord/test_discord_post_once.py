"""A result reaches the channel once, even when Discord loses its answer after creating the
message (discord.py would retry the request and post it twice)."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.job import JobState
from tests.discord.fake_discord import DiscordError
from tests.discord.test_discord_unreachable import expired_job


async def test_a_follow_up_created_before_a_502_is_not_posted_again(start_bot, fake_discord):
    bot = await start_bot()
    fake_discord.followup_errors_after_create = [502]

    interaction = await fake_discord.invoke("image", prompt="a fox posted once")
    await fake_discord.result_of(interaction)
    await bot.core.wait_idle()

    results = [m for m in interaction.followups if m.files]
    assert len(results) == 1 and not fake_discord.channel_messages()
    posts = [r for r in fake_discord.requests if r[0] == "POST" and "/webhooks/" in r[1]]
    assert len(posts) == 1  # discord.py did not repeat it; the bot looked instead
    assert not await bot.core._store.unfinished()


async def test_a_follow_up_lost_for_real_after_a_502_is_posted_once_more(start_bot, fake_discord):
    bot = await start_bot()
    original_followup = fake_discord._followup

    async def lose_first(token, **kwargs):  # Discord answers 502 and really has no message
        fake_discord._followup = original_followup
        raise DiscordError(502, 0, "502: Bad Gateway")

    fake_discord._followup = lose_first
    interaction = await fake_discord.invoke("image", prompt="a fox posted after a loss")
    await fake_discord.result_of(interaction)
    await bot.core.wait_idle()
    assert len([m for m in interaction.followups if m.files]) == 1
    posts = [r for r in fake_discord.requests if r[0] == "POST" and "/webhooks/" in r[1]]
    assert len(posts) == 2  # looked, found nothing, posted again


async def test_a_channel_post_repeated_after_a_502_is_one_message(start_bot, fake_discord, clock):
    bot = await start_bot()
    fake_discord.post_errors_after_create = [502]

    await expired_job(bot, fake_discord, clock, "a video in the channel")

    [message] = fake_discord.channel_messages()
    assert message.files
    bodies = [r[2] for r in fake_discord.requests if r[0] == "POST" and r[1].startswith("/channels/")]
    assert len(bodies) >= 2 and len({b.get("nonce") for b in bodies}) == 1 and bodies[0]["enforce_nonce"]


async def test_after_a_crash_mid_post_the_messenger_finds_a_result_already_in_the_channel_or_counts_an_unreadable_history_as_posted(start_bot, fake_discord):
    bot = await start_bot()
    interaction = await fake_discord.invoke("image", prompt="a fox to be found")
    await fake_discord.result_of(interaction)
    await bot.core.wait_idle()
    [job] = [j for j in [await bot.core.job(i) for i in _job_ids(fake_discord)] if j]
    messenger = bot.adapter.messenger

    assert await messenger.find_post(replace(job, state=JobState.READY)) is True
    other = replace(job, id="0123456789ab", state=JobState.READY)
    assert await messenger.find_post(other) is False
    fake_discord.history_forbidden = True
    # an unreadable history may hide the post: counted as posted (never post blind), and shown
    assert await messenger.find_post(other) is True
    assert messenger.health()["posts_uncertain"] == 1


def _job_ids(fake_discord) -> set[str]:
    ids = set()
    for message in fake_discord.messages.values():
        for f in message.files:
            if f.filename.startswith("reelbot-"):
                ids.add(f.filename.removeprefix("reelbot-").split(".")[0])
    return ids
