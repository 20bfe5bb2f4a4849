"""The "Edit" button: a modal prefilled with the prompt; submitting it runs the job again
with the new prompt (same model, options and picture), charged to whoever submitted it."""

from __future__ import annotations

from tests.discord.discord_helpers import member
from tests.media import image_bytes, is_png


def unified_requests(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/image/generate"]


def edit_button(message) -> str:
    [custom_id] = [c for c in message.custom_ids() if c.startswith("reelbot:edit:")]
    return custom_id


def prompt_field(interaction) -> dict:
    [row] = interaction.modal["components"]
    [field] = row["components"]
    return field


async def test_edit_opens_a_form_prefilled_with_the_prompt_and_validation_limits(start_bot, fake_discord):
    await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a green owl"))

    click = await fake_discord.click(result, edit_button(result))
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")

    assert click.response_type == 9
    field = prompt_field(click)
    assert (field["value"], field["min_length"], field["max_length"]) == ("a green owl", 1, 2000)
    assert click.modal["custom_id"] == edit_button(result).replace("edit", "edited")
    assert fake_discord.problems == []


async def test_a_submitted_edit_makes_the_image_again_with_the_new_prompt(start_bot, fake_discord, simulator):
    bot = await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke(
        "image", prompt="a green owl", model="luma-t2i", aspect_ratio="9:16"))
    click = await fake_discord.click(result, edit_button(result), user="bob")
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")

    submitted = await fake_discord.submit_modal(click, {"prompt": "a red owl"}, user="bob")
    again = await fake_discord.result_of(submitted)

    first, second = unified_requests(simulator)
    assert second == {**first, "prompt": "a red owl"}
    assert (second["model"], second["aspect_ratio"]) == ("luma-t2i", "9:16")
    assert is_png(again.files[0].data) and "a red owl" in again.content
    assert again.content.startswith(f"<@{fake_discord.user_id('bob')}>")
    assert submitted.original.ephemeral  # the status of the new job is for bob only
    assert (await bot.core.quota(member(fake_discord, "bob"))).used_today == 1
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 1


async def test_an_edited_i2i_job_keeps_its_picture_and_negative_prompt(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("street.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")
    result = await fake_discord.result_of(await fake_discord.invoke(
        "image", prompt="at night", image=picture, negative_prompt="cars"))
    click = await fake_discord.click(result, edit_button(result))
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")

    await fake_discord.result_of(await fake_discord.submit_modal(click, {"prompt": "in the snow"}))

    first, second = unified_requests(simulator)
    assert second == {**first, "prompt": "in the snow"}
    assert second["negative_prompt"] == "cars" and second["image"] == first["image"]


async def test_the_reroll_of_an_i2i_job_keeps_its_picture(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("street.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="at night", image=picture))

    await fake_discord.result_of(await fake_discord.click(result, result.custom_ids()[0]))

    first, second = unified_requests(simulator)
    assert second == first


async def test_the_edit_form_still_works_after_a_restart(start_bot, fake_discord, simulator):
    first_bot = await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a blue whale"))
    click = await fake_discord.click(result, edit_button(result))
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")
    await first_bot.stop()
    await start_bot()

    again = await fake_discord.result_of(await fake_discord.submit_modal(click, {"prompt": "a grey whale"}))

    assert is_png(again.files[0].data)
    assert [b["prompt"] for b in simulator.billed] == ["a blue whale", "a grey whale"]


async def test_a_submitted_edit_is_validated_and_refused_privately(start_bot, fake_discord, simulator):
    bot = await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a green owl"))
    click = await fake_discord.click(result, edit_button(result))
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")

    submitted = await fake_discord.submit_modal(click, {"prompt": "owl " * 210})
    status = await fake_discord.status_of(submitted, "Nothing was charged")

    assert status.ephemeral and "keep it under 200" in status.text
    assert len(simulator.billed) == 1
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 1


async def test_edit_of_an_unknown_job_says_so_privately_without_a_form(start_bot, fake_discord):
    await start_bot()
    stale = fake_discord.post_message("alice")
    stale.components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "Edit",
                                                    "custom_id": "reelbot:edit:0123456789ab"}]}]

    interaction = await fake_discord.click(stale, "reelbot:edit:0123456789ab")
    status = await fake_discord.status_of(interaction, "no longer known")

    assert status.ephemeral and interaction.modal is None
