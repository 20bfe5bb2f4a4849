"""/image end to end: real discord.py on the fake Discord, the real core on the simulator."""

from __future__ import annotations

import pytest

from bot.domain.requests import Command
from tests.discord.discord_helpers import embeds_sent, fields, member
from tests.discord.fake_discord_payloads import EPHEMERAL, pings
from tests.media import is_png


async def test_image_defers_then_edits_in_progress_then_follows_up_with_a_png(start_bot, fake_discord):
    await start_bot(progress_interval=0.0)  # every progress report becomes an edit

    interaction = await fake_discord.invoke("image", prompt="a red fox in the snow")
    result = await fake_discord.result_of(interaction)

    assert interaction.response_type == 5  # deferred at once
    assert interaction.original.ephemeral  # the status is for the member who asked
    first_status = embeds_sent(interaction.original)[0]
    assert fields(first_status) | {"Elapsed": "-"} == {
        "Status": "Queued", "Model": "minimaxi-image-01", "Elapsed": "-", "Cost": "1 credit",
        "Credits left today": "49"}
    assert "Fetching the result" in [fields(e).get("Status") for e in embeds_sent(interaction.original)]
    await fake_discord.status_of(interaction, "is ready")
    assert not result.ephemeral
    [png] = result.files
    assert is_png(png.data)
    assert "a red fox in the snow" in result.content


async def test_the_image_result_carries_reroll_and_animate_buttons(start_bot, fake_discord):
    await start_bot()

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a lighthouse at dusk"))

    [reroll, animate, edit] = result.custom_ids()
    assert reroll.startswith("reelbot:reroll:")
    assert animate == reroll.replace("reroll", "animate") and edit == reroll.replace("reroll", "edit")


async def test_a_prompt_with_everyone_and_mentions_pings_nobody_but_the_requester(start_bot, fake_discord):
    await start_bot()
    prompt = "@everyone look @here <@&4242> <@1234567>"

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt=prompt))

    assert prompt in result.content  # shown as typed, and inert
    bodies = [body for message in fake_discord.messages.values() for body in message.history]
    alice = fake_discord.user_id("alice")
    assert all(pings(body.get("content") or "", body.get("allowed_mentions")) <= {f"user:{alice}"}
               for body in bodies)
    assert fake_discord.pings(result) == {f"user:{alice}"}


async def test_a_result_over_the_interactions_upload_limit_is_posted_as_a_link(start_bot, fake_discord, simulator):
    await start_bot()

    interaction = await fake_discord.invoke("image", prompt="a tiny limit", upload_limit=1024)
    result = await fake_discord.result_of(interaction)

    assert result.files == []
    assert f"{simulator.base_url}/files/" in result.content
    assert [c.split(":")[1] for c in result.custom_ids()] == ["reroll", "edit"]  # nothing attached to animate


async def test_an_upload_discord_refuses_as_too_large_is_sent_again_as_a_link(start_bot, fake_discord, simulator):
    await start_bot()
    fake_discord.refuse_uploads_over = 1024  # Discord answers 413 although it reported a larger limit

    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a surprise limit"))

    assert result.files == []
    assert f"{simulator.base_url}/files/" in result.content


async def test_links_in_the_prompt_get_no_preview_under_the_result(start_bot, fake_discord):
    await start_bot()

    result = await fake_discord.result_of(await fake_discord.invoke(
        "image", prompt="a cat like https://example.com/cat_1.png and http://example.org"))

    assert "https://example.com/cat_1.png" in result.content
    assert fake_discord.previews(result) == set()


async def test_a_result_posted_as_a_link_previews_that_link_only(start_bot, fake_discord, simulator):
    await start_bot()

    interaction = await fake_discord.invoke("image", prompt="a dog like https://example.com/dog.png",
                                            upload_limit=1024)
    result = await fake_discord.result_of(interaction)

    [preview] = fake_discord.previews(result)
    assert preview.startswith(f"{simulator.base_url}/files/")


async def test_model_autocomplete_offers_the_catalogs_image_models_matching_the_text(start_bot, fake_discord):
    bot = await start_bot()

    choices = await fake_discord.autocomplete("image", "model", prompt="a cat", model="flux")

    assert [c["value"] for c in choices] == [m.name for m in bot.core.catalog.search(Command.IMAGE, "flux")]
    assert 0 < len(choices) <= 25


async def test_aspect_ratio_autocomplete_offers_the_ratios_of_the_chosen_model(start_bot, fake_discord):
    bot = await start_bot()

    choices = await fake_discord.autocomplete("image", "aspect_ratio", prompt="a cat", model="ideogram-v2-t2i",
                                              aspect_ratio="")

    assert [c["value"] for c in choices] == list(bot.core.catalog.get("ideogram-v2-t2i").options["aspect_ratio"])


@pytest.mark.parametrize("command", ["video", "animate"])
async def test_camera_autocomplete_completes_the_last_of_several_moves(start_bot, fake_discord, command):
    await start_bot()

    choices = await fake_discord.autocomplete(command, "camera", prompt="a cat", camera="Pan left, zoo")

    assert [c["value"] for c in choices] == ["Pan left, Zoom in", "Pan left, Zoom out"]


async def test_members_of_one_server_share_its_per_server_limit(start_bot, fake_discord):
    bot = await start_bot(core_settings={"chat_daily_credits": 1})
    await fake_discord.result_of(await fake_discord.invoke("image", prompt="alice's cat"))

    refused = await fake_discord.invoke("image", prompt="bob's cat", user="bob")
    status = await fake_discord.status_of(refused, "Nothing was charged")

    assert status.ephemeral
    assert (await bot.core.quota(member(fake_discord, "bob"))).used_today == 0
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 1


async def test_an_invalid_option_is_refused_privately_and_costs_nothing(start_bot, fake_discord):
    bot = await start_bot()

    interaction = await fake_discord.invoke("image", prompt="a cat", aspect_ratio="7:3")
    status = await fake_discord.status_of(interaction, "Nothing was charged")

    assert status.flags & EPHEMERAL
    assert "Choose one of" in status.text
    assert interaction.followups == []
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0
