"""/image with a picture attached: image-to-image through real discord.py, the fake Discord
and the simulator."""

from __future__ import annotations

from bot.catalog import ImageRole
from tests.discord.discord_helpers import member
from tests.media import image_bytes, is_png


def unified_requests(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/image/generate"]


async def test_image_with_a_picture_is_redrawn_by_the_default_i2i_model(start_bot, fake_discord, simulator):
    bot = await start_bot()
    picture = fake_discord.upload("street.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="at night", image=picture))

    [body] = unified_requests(simulator)
    assert body["model"] == "stable-sd3-i2i" and body["prompt"] == "at night"
    assert body["image"].startswith("data:image/jpeg;base64,") and "aspect_ratio" not in body
    assert is_png(result.files[0].data) and "stable-sd3-i2i" in result.content
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 1


async def test_a_chosen_i2i_model_gets_the_negative_prompt(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(800, 600))

    await fake_discord.result_of(await fake_discord.invoke(
        "image", prompt="a tiger", model="stable-sd3.5-medium-i2i", negative_prompt="stripes", image=picture))

    [body] = unified_requests(simulator)
    assert (body["model"], body["negative_prompt"]) == ("stable-sd3.5-medium-i2i", "stripes")
    assert body["image"].startswith("data:image/png;base64,")


async def test_an_i2i_model_without_a_picture_is_refused_privately(start_bot, fake_discord, simulator):
    bot = await start_bot()

    interaction = await fake_discord.invoke("image", prompt="a tiger", model="302ai-kolors-i2i")
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert status.ephemeral and "302ai-kolors-i2i redraws a picture" in status.text
    assert simulator.billed == [] and interaction.followups == []
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_a_text_only_model_with_a_picture_is_refused_naming_the_i2i_models(start_bot, fake_discord, simulator):
    bot = await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(800, 600))

    interaction = await fake_discord.invoke("image", prompt="a tiger", model="ideogram-v2-t2i", image=picture)
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert "ideogram-v2-t2i draws from text only" in status.text
    redraw = [m.name for m in bot.core.catalog if m.image_role is ImageRole.SOURCE]
    assert redraw and all(name in status.text for name in redraw)
    assert simulator.billed == []


async def test_an_aspect_ratio_with_a_picture_is_refused(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(800, 600))

    interaction = await fake_discord.invoke("image", prompt="a tiger", aspect_ratio="16:9", image=picture)
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert "has no option “aspect_ratio”" in status.text
    assert simulator.billed == []


async def test_a_picture_of_the_wrong_shape_is_refused_before_anything_is_spent(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("banner.png", image_bytes(1800, 400))

    interaction = await fake_discord.invoke("image", prompt="a tiger", image=picture)
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert "between 2:5 (tall) and 5:2 (wide)" in status.text
    assert simulator.billed == []
