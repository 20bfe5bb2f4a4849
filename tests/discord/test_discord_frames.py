"""First and last frame, and video to video, on Discord: /animate's end_image and /video's video
attachment, sent to 302.AI where the model takes them and refused by name, at no cost, where
it does not."""

from __future__ import annotations

from tests.discord.discord_helpers import member
from tests.media import image_bytes, is_mp4, sample_video

MB = 1024 * 1024


def sent_to(simulator, path: str) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == path]


def creates(simulator) -> list[dict]:
    return sent_to(simulator, "/302/v2/video/create")


async def test_animate_with_an_end_image_sends_first_and_last_frame(start_bot, fake_discord, simulator):
    await start_bot()
    first = fake_discord.upload("first.png", image_bytes(640, 480))
    last = fake_discord.upload("last.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")

    interaction = await fake_discord.invoke("animate", image=first, end_image=last, prompt="day to night",
                                            model="kling-21")
    await fake_discord.result_of(interaction)

    [sent] = creates(simulator)
    assert sent["image"][0].startswith("data:image/png;base64,")
    assert sent["end_image"].startswith("data:image/jpeg;base64,")


async def test_hailuo_02_gets_the_end_image_as_its_last_frame_image(start_bot, fake_discord, simulator):
    await start_bot()
    first = fake_discord.upload("first.png", image_bytes(640, 480))
    last = fake_discord.upload("last.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")

    interaction = await fake_discord.invoke("animate", image=first, end_image=last, model="MiniMax-Hailuo-02")
    await fake_discord.result_of(interaction)

    [sent] = sent_to(simulator, "/minimaxi/v1/video_generation")
    assert sent["first_frame_image"].startswith("data:image/png;base64,")
    assert sent["last_frame_image"].startswith("data:image/jpeg;base64,")


async def test_an_end_image_for_a_model_without_one_is_refused_by_name_at_no_cost(start_bot, fake_discord,
                                                                                 simulator):
    bot = await start_bot()
    first = fake_discord.upload("first.png", image_bytes(640, 480))
    last = fake_discord.upload("last.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=first, end_image=last, model="I2V-01")
    status = await fake_discord.status_of(interaction, "end_image")

    assert "I2V-01 takes no last frame (end_image)" in status.text and "MiniMax-Hailuo-02" in status.text
    assert not simulator.requests and not simulator.billed
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_video_with_a_video_attachment_restyles_it_priced_by_the_clips_seconds(start_bot, fake_discord,
                                                                                      simulator):
    bot = await start_bot()
    clip = fake_discord.upload("clip.mp4", sample_video(), "video/mp4")

    interaction = await fake_discord.invoke("video", prompt="as a watercolour", model="runway-aleph", video=clip)
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    [sent] = creates(simulator)
    assert sent["model"] == "runway-aleph" and sent["video"].startswith("data:video/mp4;base64,")
    # 0.15 PTC per second of the 2 s clip: 0.3 PTC, 3 credits at the default 10 credits per PTC
    [job] = await bot.core.jobs(member(fake_discord, "alice"))
    assert (job.cost_mptc, job.price) == (300, 3)


async def test_a_video_for_a_model_that_takes_none_is_refused_at_no_cost(start_bot, fake_discord, simulator):
    bot = await start_bot()
    clip = fake_discord.upload("clip.mp4", sample_video(), "video/mp4")

    interaction = await fake_discord.invoke("video", prompt="as a watercolour", model="kling-21", video=clip)
    status = await fake_discord.status_of(interaction, "does not take a video")

    assert "runway-aleph" in status.text  # the models that do
    assert not simulator.requests and not simulator.billed
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_an_oversize_video_is_refused_before_it_is_downloaded(start_bot, fake_discord, simulator):
    await start_bot()
    clip = fake_discord.upload("long.mp4", sample_video() + bytes(21 * MB), "video/mp4")

    interaction = await fake_discord.invoke("video", prompt="as a watercolour", model="runway-aleph", video=clip)
    status = await fake_discord.status_of(interaction, "MB")

    assert "attach a video of 20 MB or less" in status.text
    assert fake_discord.cdn_downloads == 0 and not simulator.requests
