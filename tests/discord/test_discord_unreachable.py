"""Channels that refuse the bot: for good (refund at once, no retries) or for a moment (retried)."""

from __future__ import annotations

import pytest

from tests.discord.discord_helpers import member
from tests.discord.fake_discord import DiscordError
from tests.media import is_png

TOKEN_LIFETIME = 15 * 60


async def expired_job(bot, fake_discord, clock, prompt: str, *, in_guild: bool = True) -> None:
    """Run a slow video whose interaction token expires meanwhile, so only the channel is left;
    returns when the job is over."""
    interaction = await fake_discord.invoke("video", prompt=f"{prompt} [sim:slow=1]", in_guild=in_guild)
    await fake_discord.status_of(interaction, "Queued")
    clock.advance(TOKEN_LIFETIME + 60)
    await settled(bot, fake_discord, interaction.channel_id)


async def settled(bot, fake_discord, channel_id: int) -> None:
    # the status shows "Queued" a moment before the job's task exists, so wait_idle alone
    # could return at once; once the channel has been tried, the task is running
    await fake_discord.wait_for(lambda: fake_discord.channel_posts(channel_id), what="a post in the channel")
    await bot.core.wait_idle()


# tries: the file, then (after a 403, in case only files are refused) a link, then the notice
# of the refund; a retrying bot would try each of them several times
@pytest.mark.parametrize("cause, tries", [("no Send Messages permission", 3), ("channel deleted", 2),
                                          ("DMs closed", 3)])
async def test_a_result_the_channel_refuses_for_good_is_refunded_without_retrying(
        start_bot, fake_discord, clock, cause, tries):
    bot = await start_bot()
    channel = fake_discord.dm_channel_id if cause == "DMs closed" else fake_discord.channel_id
    if cause == "channel deleted":
        del fake_discord.channels[channel]
    else:
        fake_discord.missing_permissions[channel] = {"SEND_MESSAGES"}

    await expired_job(bot, fake_discord, clock, "a lost video", in_guild=cause != "DMs closed")

    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0
    assert fake_discord.channel_posts(channel) == tries


async def test_a_failure_the_channel_refuses_for_good_is_not_retried(start_bot, fake_discord, clock, simulator):
    bot = await start_bot()
    simulator.configure(video_seconds=1.0)
    fake_discord.missing_permissions[fake_discord.channel_id] = {"SEND_MESSAGES"}

    interaction = await fake_discord.invoke("video", prompt="a doomed take [sim:fail]")
    await fake_discord.status_of(interaction, "Queued")
    clock.advance(TOKEN_LIFETIME + 60)
    await settled(bot, fake_discord, fake_discord.channel_id)

    assert fake_discord.channel_posts() == 1


async def test_a_channel_error_that_may_pass_is_retried_until_the_result_is_posted(start_bot, fake_discord, clock):
    bot = await start_bot()
    fake_discord.post_faults = [DiscordError(503, 0, "Service Unavailable")]

    await expired_job(bot, fake_discord, clock, "a patient video")

    [message] = fake_discord.channel_messages()
    assert message.files


async def test_a_channel_that_refuses_attachments_gets_the_result_as_a_link(
        start_bot, fake_discord, clock, simulator):
    bot = await start_bot()
    fake_discord.missing_permissions[fake_discord.channel_id] = {"ATTACH_FILES"}

    await expired_job(bot, fake_discord, clock, "a linked video")

    [message] = fake_discord.channel_messages()
    assert message.files == []
    assert f"{simulator.base_url}/files/" in message.content and "may not attach files" in message.content
