"""An asynchronous image with several pictures, through the real discord.py and the fake
Discord: ONE message carrying every picture as a file (or, past the limit, as links)."""

from __future__ import annotations

from tests.media import is_png

MODEL = "302ai-flux-v1.1-ultra-t2i"  # drawn through 302.AI's asynchronous interface


def results_posted(fake_discord) -> list:
    bot = fake_discord.bot_user["id"]
    return [m for m in fake_discord.messages.values() if str(m.author["id"]) == str(bot) and m.files]


async def test_several_pictures_arrive_as_one_message_with_several_files(start_bot, fake_discord, simulator):
    bot = await start_bot()

    interaction = await fake_discord.invoke("image", prompt="three owls [sim:images=3]", model=MODEL)
    result = await fake_discord.result_of(interaction)
    await bot.core.wait_idle()

    assert len(result.files) == 3 and all(is_png(f.data) for f in result.files)
    assert len({f.data for f in result.files}) == 3 and "three owls" in result.content
    assert [m.id for m in results_posted(fake_discord)] == [result.id]  # one message, not three
    assert simulator.images.creates == 1 and len(simulator.billed) == 1


async def test_pictures_over_the_upload_limit_go_as_links_in_that_same_message(start_bot, fake_discord, simulator):
    bot = await start_bot()

    interaction = await fake_discord.invoke("image", prompt="two owls [sim:images=2]", model=MODEL,
                                            upload_limit=1024)
    result = await fake_discord.result_of(interaction)
    await bot.core.wait_idle()

    assert not result.files
    assert result.content.count(f"{simulator.base_url}/files/") == 2


async def test_fetching_a_job_of_several_pictures_again_brings_them_all(start_bot, fake_discord, simulator):
    bot = await start_bot()
    await fake_discord.result_of(await fake_discord.invoke("image", prompt="two owls [sim:images=2]", model=MODEL))
    await bot.core.wait_idle()

    listing = await fake_discord.status_of(await fake_discord.invoke("jobs"), "Your last job")
    fetch = await fake_discord.click(listing, listing.custom_ids()[0])
    await fake_discord.wait_for(lambda: fetch.original and fetch.original.files, what="the pictures again")

    assert fetch.original.ephemeral and len(fetch.original.files) == 2
    assert all(is_png(f.data) for f in fetch.original.files)
    assert simulator.images.creates == 1  # fetched again, not made again


async def test_one_message_of_several_pictures_created_before_a_502_is_not_posted_again(start_bot, fake_discord):
    bot = await start_bot()
    fake_discord.followup_errors_after_create = [502]  # Discord made the message, then lost its answer

    interaction = await fake_discord.invoke("image", prompt="two owls posted once [sim:images=2]", model=MODEL)
    await fake_discord.result_of(interaction)
    await bot.core.wait_idle()

    [result] = [m for m in interaction.followups if m.files]
    assert len(result.files) == 2 and not fake_discord.channel_messages()
    posts = [r for r in fake_discord.requests if r[0] == "POST" and "/webhooks/" in r[1]]
    assert len(posts) == 1  # the bot looked in the channel (files named after the job) instead
    assert not await bot.core._store.unfinished()
