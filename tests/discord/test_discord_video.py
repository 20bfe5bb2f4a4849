"""/video, /animate and the "Animate image" context menu, end to end, and their failures."""

from __future__ import annotations

from tests.discord.discord_helpers import member
from tests.media import image_bytes, is_mp4


def video_requests(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/minimaxi/v1/video_generation"]


async def test_animate_with_an_attached_image_posts_a_video(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=picture, prompt="the cat waves")
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    [sent] = video_requests(simulator)
    assert sent["model"] == "I2V-01"
    assert sent["first_frame_image"].startswith("data:image/png;base64,")


async def test_the_animate_image_context_menu_posts_a_video_of_the_messages_picture(
        start_bot, fake_discord, simulator):
    await start_bot()
    message = fake_discord.post_message("bob", "look at this", files=[fake_discord.upload("dog.jpg", image_bytes(
        800, 600, "JPEG"), "image/jpeg")])

    interaction = await fake_discord.invoke_message_command("Animate image", message, user="alice")
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    assert video_requests(simulator)[0]["first_frame_image"].startswith("data:image/jpeg;base64,")


async def test_the_context_menu_on_a_message_without_a_picture_says_what_to_do(start_bot, fake_discord):
    await start_bot()
    message = fake_discord.post_message("bob", "no pictures here")

    interaction = await fake_discord.invoke_message_command("Animate image", message)
    status = await fake_discord.status_of(interaction, "no picture attached")

    assert status.ephemeral
    assert "/animate" in status.text


async def test_video_with_a_character_attachment_asks_for_s2v01(start_bot, fake_discord, simulator):
    await start_bot()
    character = fake_discord.upload("hero.png", image_bytes(600, 800))

    interaction = await fake_discord.invoke("video", prompt="the hero walks into town", character=character)
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    [sent] = video_requests(simulator)
    assert sent["model"] == "S2V-01"
    assert sent["subject_reference"][0]["type"] == "character"


async def test_video_options_reach_the_model(start_bot, fake_discord, simulator):
    await start_bot()

    interaction = await fake_discord.invoke("video", prompt="a fox runs", model="MiniMax-Hailuo-02", duration="10",
                                            resolution="768P", camera="Tracking shot, Zoom in")
    await fake_discord.result_of(interaction)

    [sent] = video_requests(simulator)
    assert (sent["model"], sent["duration"], sent["resolution"]) == ("MiniMax-Hailuo-02", 10, "768P")
    assert sent["prompt"] == "[Tracking shot,Zoom in] a fox runs"


async def test_animate_options_reach_the_model(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=picture, prompt="the cat waves",
                                            model="MiniMax-Hailuo-02", duration="10", resolution="512P")
    await fake_discord.result_of(interaction)

    [sent] = video_requests(simulator)
    assert (sent["model"], sent["duration"], sent["resolution"]) == ("MiniMax-Hailuo-02", 10, "512P")


async def test_animate_camera_moves_reach_the_director_model(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=picture, prompt="the cat waves",
                                            model="I2V-01-Director", camera="Pan left, Zoom in")
    await fake_discord.result_of(interaction)

    [sent] = video_requests(simulator)
    assert (sent["model"], sent["prompt"]) == ("I2V-01-Director", "[Pan left,Zoom in] the cat waves")


async def test_a_failed_generation_shows_the_reason_privately_and_refunds(start_bot, fake_discord):
    bot = await start_bot()

    interaction = await fake_discord.invoke("video", prompt="a storm at sea [sim:fail]")
    status = await fake_discord.status_of(interaction, "could not be made")

    assert status.ephemeral
    assert "credits are back" in status.text
    assert interaction.followups == []
    quota = await bot.core.quota(member(fake_discord, "alice"))
    assert (quota.used_today, quota.jobs_in_flight) == (0, 0)


async def test_a_flagged_prompt_shows_the_reason_privately_and_refunds(start_bot, fake_discord):
    bot = await start_bot()

    interaction = await fake_discord.invoke("video", prompt="something sensitive [sim:flag]")
    status = await fake_discord.status_of(interaction, "could not be made")

    assert status.ephemeral
    assert "flagged" in status.text and "rephrase" in status.text
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_an_attachment_that_is_not_a_picture_is_refused_before_download(start_bot, fake_discord):
    await start_bot()
    notes = fake_discord.upload("notes.txt", b"hello", "text/plain")

    interaction = await fake_discord.invoke("animate", image=notes)
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert "JPG, PNG or WebP" in status.text
    assert fake_discord.cdn_downloads == 0


async def test_an_attachment_over_20_mb_is_refused_before_download(start_bot, fake_discord):
    await start_bot()
    huge = fake_discord.upload("huge.png", b"\x89PNG" + bytes(21 * 1024 * 1024))
    fake_discord.upload_limit = 50 * 1024 * 1024

    interaction = await fake_discord.invoke("animate", image=huge)
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert "20 MB or less" in status.text
    assert fake_discord.cdn_downloads == 0
