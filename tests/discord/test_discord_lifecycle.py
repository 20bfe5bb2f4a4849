"""Expired interaction tokens, restarts, the buttons under results, and the small commands."""

from __future__ import annotations

import logging

import pytest

from tests.discord.discord_helpers import embeds_sent, member
from tests.media import is_mp4, is_png

TOKEN_LIFETIME = 15 * 60


def generation_requests(simulator, path: str) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == path]


async def test_a_job_finishing_after_the_token_expired_is_posted_in_the_channel_mentioning_the_requester(
        start_bot, fake_discord, clock):
    await start_bot()
    interaction = await fake_discord.invoke("video", prompt="a long take [sim:slow=1]")
    await fake_discord.status_of(interaction, "Queued")

    clock.advance(TOKEN_LIFETIME + 60)
    await fake_discord.wait_for(fake_discord.channel_messages, what="a message in the channel")

    [message] = fake_discord.channel_messages()
    alice = fake_discord.user_id("alice")
    assert message.content.startswith(f"<@{alice}>")
    assert fake_discord.pings(message) == {f"user:{alice}"}
    assert is_mp4(message.files[0].data)
    assert [c.split(":")[1] for c in message.custom_ids()] == ["reroll", "edit"]
    assert interaction.followups == []


async def test_a_failure_after_the_token_expired_is_told_in_the_channel_to_the_requester(
        start_bot, fake_discord, clock, simulator):
    bot = await start_bot()
    simulator.configure(video_seconds=1.0)
    interaction = await fake_discord.invoke("video", prompt="a doomed take [sim:fail]")
    await fake_discord.status_of(interaction, "Queued")

    clock.advance(TOKEN_LIFETIME + 60)
    await fake_discord.wait_for(fake_discord.channel_messages, what="a message in the channel")

    [message] = fake_discord.channel_messages()
    alice = fake_discord.user_id("alice")
    assert message.content.startswith(f"<@{alice}>") and "could not be made" in message.content
    assert fake_discord.pings(message) == {f"user:{alice}"}
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_a_bot_stopped_mid_job_delivers_the_result_once_after_it_starts_again(start_bot, fake_discord):
    first = await start_bot(progress_interval=0.0)
    interaction = await fake_discord.invoke("video", prompt="a slow sunrise [sim:slow=1]")
    # a status edit after the acknowledgement comes from polling: 302.AI is working on it
    await fake_discord.wait_for(lambda: interaction.original and len(embeds_sent(interaction.original)) >= 2,
                                what="a progress edit")

    await first.stop()
    second = await start_bot()
    result = await fake_discord.result_of(interaction)
    await second.core.wait_idle()

    assert is_mp4(result.files[0].data)
    assert [m for m in fake_discord.messages.values() if m.files] == [result]


async def test_a_dismissed_status_message_does_not_stop_the_job(start_bot, fake_discord):
    await start_bot()
    interaction = await fake_discord.invoke("video", prompt="a quiet lake [sim:slow=0.5]")
    await fake_discord.status_of(interaction, "Queued")

    await fake_discord.dismiss(interaction)  # every later status edit is refused with 404
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    assert not result.ephemeral


async def test_a_failure_after_the_status_was_dismissed_comes_as_a_new_private_message(
        start_bot, fake_discord, simulator):
    await start_bot()
    simulator.configure(video_seconds=0.5)
    interaction = await fake_discord.invoke("video", prompt="a doomed lake [sim:fail]")
    await fake_discord.status_of(interaction, "Queued")

    await fake_discord.dismiss(interaction)
    await fake_discord.wait_for(lambda: interaction.followups, what="a follow-up")

    [notice] = interaction.followups
    assert notice.ephemeral
    assert "credits are back" in notice.text


async def test_status_edits_come_no_more_often_than_the_configured_interval(start_bot, fake_discord, simulator):
    await start_bot(progress_interval=3600.0)

    interaction = await fake_discord.invoke("video", prompt="a busy hour [sim:slow=2]")
    await fake_discord.result_of(interaction)
    await fake_discord.status_of(interaction, "is ready")

    polls = [r for r in simulator.requests if r["path"] == "/minimaxi/v1/query/video_generation"]
    assert len(polls) > 3
    assert [e["title"] for e in embeds_sent(interaction.original)] == ["Making your video…", "Your video is ready"]


async def test_a_status_edit_comes_once_the_interval_has_passed_on_the_adapters_clock(
        start_bot, fake_discord, clock):
    await start_bot(progress_interval=60.0)
    interaction = await fake_discord.invoke("video", prompt="a slow tide [sim:slow=5]")
    await fake_discord.status_of(interaction, "Queued")

    clock.advance(61)

    def progress_edits() -> int:
        return sum(e["title"] == "Making your video…" for e in embeds_sent(interaction.original)[1:])
    await fake_discord.wait_for(progress_edits, what="a progress edit")


async def test_the_reroll_button_makes_the_same_image_again_for_whoever_clicks(start_bot, fake_discord, simulator):
    bot = await start_bot()
    first = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a green owl", aspect_ratio="16:9"))

    click = await fake_discord.click(first, first.custom_ids()[0], user="bob")
    again = await fake_discord.result_of(click)

    assert is_png(again.files[0].data)
    [one, two] = generation_requests(simulator, "/minimaxi/v1/image_generation")
    assert (one["prompt"], one["aspect_ratio"]) == (two["prompt"], two["aspect_ratio"]) == ("a green owl", "16:9")
    assert again.content.startswith(f"<@{fake_discord.user_id('bob')}>")
    assert (await bot.core.quota(member(fake_discord, "bob"))).used_today == 1


async def test_the_reroll_button_still_works_after_a_restart(start_bot, fake_discord):
    first = await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a blue whale"))
    await first.stop()
    await start_bot()

    again = await fake_discord.result_of(await fake_discord.click(result, result.custom_ids()[0]))

    assert is_png(again.files[0].data)


async def test_the_animate_button_under_an_image_makes_a_video_of_it(start_bot, fake_discord, simulator):
    await start_bot()
    image = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a paper boat"))

    click = await fake_discord.click(image, image.custom_ids()[1])
    video = await fake_discord.result_of(click)

    assert is_mp4(video.files[0].data)
    [sent] = generation_requests(simulator, "/minimaxi/v1/video_generation")
    assert sent["first_frame_image"].startswith("data:image/png;base64,")
    assert sent["prompt"] == "a paper boat"


async def test_the_animate_button_still_works_after_a_restart(start_bot, fake_discord):
    first = await start_bot()
    image = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a kite"))
    await first.stop()
    await start_bot()

    video = await fake_discord.result_of(await fake_discord.click(image, image.custom_ids()[1]))

    assert is_mp4(video.files[0].data)


async def test_the_reroll_button_of_an_unknown_job_says_so_privately(start_bot, fake_discord):
    await start_bot()
    stale = fake_discord.post_message("alice")
    stale.components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "Re-roll",
                                                    "custom_id": "reelbot:reroll:0123456789ab"}]}]

    interaction = await fake_discord.click(stale, "reelbot:reroll:0123456789ab")
    status = await fake_discord.status_of(interaction, "no longer known")

    assert status.ephemeral


@pytest.mark.parametrize("command", ["quota", "help"])
async def test_quota_and_help_defer_privately_before_answering(start_bot, fake_discord, command):
    await start_bot()

    interaction = await fake_discord.invoke(command)
    await fake_discord.wait_for(lambda: interaction.original and not interaction.original.loading,
                                what="the answer")

    assert interaction.response_type == 5  # deferred: the 3-second window cannot be missed
    assert interaction.original.ephemeral


async def test_quota_answers_privately_with_the_members_credits(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("quota")
    answer = await fake_discord.status_of(interaction, "left today")

    assert answer.ephemeral
    assert "50 credits left today" in answer.text


async def test_help_answers_privately_with_the_slash_command_guide(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("help")
    answer = await fake_discord.status_of(interaction, "/animate image")

    assert answer.ephemeral
    assert "Animate image" in answer.text
    assert len(answer.text) < 1000 and "/help command:video" in answer.text


async def test_help_with_a_command_gives_that_commands_details(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("help", command="video")
    answer = await fake_discord.status_of(interaction, "Camera moves")

    assert answer.ephemeral
    assert "A character image uses S2V-01" in answer.text and "Tracking shot" in answer.text
    assert "/quota" not in answer.text


async def test_an_unknown_model_value_gets_the_closest_names_and_costs_nothing(start_bot, fake_discord):
    bot = await start_bot()

    interaction = await fake_discord.invoke("video", prompt="a cat", model="T2V-01-Directr")
    answer = await fake_discord.status_of(interaction, "Unknown model")

    assert "The closest: T2V-01-Director," in answer.text and "/models" in answer.text
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_image_works_in_a_direct_message(start_bot, fake_discord):
    await start_bot()

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a snail", in_guild=False))

    assert result.channel_id == fake_discord.dm_channel_id
    assert is_png(result.files[0].data)


async def test_the_bot_token_never_appears_in_logs_or_messages(start_bot, fake_discord, caplog):
    caplog.set_level(logging.DEBUG)
    await start_bot()

    await fake_discord.result_of(await fake_discord.invoke("image", prompt="a secret garden"))
    await fake_discord.status_of(await fake_discord.invoke("video", prompt="x [sim:flag]"), "could not be made")

    assert "secret garden" in caplog.text  # the log did record the traffic
    assert fake_discord.token not in caplog.text
    assert all(fake_discord.token not in str(body) for m in fake_discord.messages.values() for body in m.history)
