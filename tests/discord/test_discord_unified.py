"""302.AI's unified video models on Discord: /video and /animate with a model from the live
catalog (autocomplete filtered by text and mode), typed options, and refusals that cost nothing."""

from __future__ import annotations

from bot.domain.requests import Command
from tests.discord.discord_helpers import member
from tests.media import image_bytes, is_mp4, sample_video


def creates(simulator) -> list[dict]:
    return [r["body"] for r in simulator.requests if r["path"] == "/302/v2/video/create"]


async def test_video_with_a_unified_model_and_typed_options_posts_the_video(start_bot, fake_discord, simulator):
    await start_bot()

    interaction = await fake_discord.invoke("video", prompt="a fox runs", model="kling-21", duration="10",
                                            aspect_ratio="9:16", negative_prompt="blur")
    result = await fake_discord.result_of(interaction)

    assert is_mp4(result.files[0].data)
    [sent] = creates(simulator)
    assert sent == {"model": "kling-21", "prompt": "a fox runs", "duration": 10, "aspect_ratio": "9:16",
                    "negative_prompt": "blur"}


async def test_animate_with_a_unified_model_sends_the_picture_as_the_first_frame(start_bot, fake_discord, simulator):
    await start_bot()
    picture = fake_discord.upload("cat.png", image_bytes(640, 480))

    interaction = await fake_discord.invoke("animate", image=picture, prompt="the cat waves", model="runway-gen4-turbo")
    await fake_discord.result_of(interaction)

    [sent] = creates(simulator)
    assert sent["model"] == "runway-gen4-turbo" and sent["image"][0].startswith("data:image/png;base64,")


async def test_an_option_the_model_does_not_take_is_refused_by_name_and_costs_nothing(start_bot, fake_discord,
                                                                                    simulator):
    bot = await start_bot()

    interaction = await fake_discord.invoke("video", prompt="a fox", model="sora-2", resolution="1080p")
    status = await fake_discord.status_of(interaction, "resolution")

    assert "sora-2 has no option “resolution”" in status.text and "duration, aspect_ratio" in status.text
    assert not creates(simulator) and not simulator.billed
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_model_autocomplete_filters_the_live_catalog_by_what_was_typed_and_by_mode(start_bot, fake_discord):
    bot = await start_bot()

    text = await fake_discord.autocomplete("video", "model", prompt="a fox", model="veo")
    image = await fake_discord.autocomplete("animate", "model", model="runway")

    assert [c["value"] for c in text] == ["google-veo3", "google-veo3-fast", "google-veo31-pro"]
    assert "Google" in text[0]["name"] and "credits" in text[0]["name"]
    assert [c["value"] for c in image] == ["runway-gen4-turbo"]  # image to video only: /animate alone
    assert not await fake_discord.autocomplete("video", "model", prompt="a fox", model="runway-gen")
    # video to video is /video with a clip: its models are offered there
    assert [c["value"] for c in await fake_discord.autocomplete("video", "model", prompt="a fox",
                                                                model="runway")] == ["runway-aleph"]
    assert [c["value"] for c in image] == [m.name for m in bot.core.catalog.search(Command.ANIMATE, "runway")]


async def test_duration_autocomplete_offers_the_steps_of_the_chosen_models_range(start_bot, fake_discord):
    await start_bot(core_settings={"costs": {"doubao-seedance-1-0-pro": 50}})

    choices = await fake_discord.autocomplete("video", "duration", prompt="a fox", model="doubao-seedance-1-0-pro",
                                              duration="1")

    assert [c["value"] for c in choices] == ["10", "11", "12"]


async def test_models_lists_a_page_privately_and_its_buttons_turn_it(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("models")
    listing = await fake_discord.status_of(interaction, "(page 1 of ")
    assert listing.ephemeral
    assert listing.custom_ids() == ["reelbot:models:1"]

    await fake_discord.click(listing, "reelbot:models:1")
    await fake_discord.wait_for(lambda: "(page 2 of " in listing.text, what="the second page")
    assert "google-veo3-fast" in listing.text
    assert listing.custom_ids() == ["reelbot:models:0", "reelbot:models:2"]


async def test_every_value_video_and_animate_complete_is_one_the_core_accepts_for_that_model(start_bot):
    from adapters.discord.autocomplete import value_choices
    from bot.domain.requests import GenerationRequest, Requester
    from bot.errors import ValidationError
    from bot.validation import Validator

    bot = await start_bot()
    catalog = bot.core.catalog
    validator, refused, offered = Validator(catalog), [], 0
    for command in (Command.VIDEO, Command.ANIMATE):
        for model in catalog.for_command(command):
            for option in ("duration", "resolution", "aspect_ratio"):
                for choice in value_choices(catalog, command, model.name, option, ""):
                    offered += 1
                    request = GenerationRequest(
                        Requester("discord", "1"), {}, command, prompt="a test", model=model.name,
                        options={option: choice.value},
                        image=image_bytes(640, 480) if command is Command.ANIMATE else None,
                        video=sample_video() if model.needs_video else None)
                    try:
                        await validator.check(request)
                    except ValidationError as err:
                        refused.append(f"/{command} {model.name} {option}={choice.value}: {err}")

    assert offered > 50 and refused == []
