"""Connecting to Discord and registering the commands."""

from __future__ import annotations

import asyncio
import json

import discord
import pytest
from discord.http import Route

from adapters.discord import DiscordAdapter
from adapters.discord.sync import STATE_FILE
from bot.config import SettingsError

COMMANDS = {"1:video", "1:animate", "1:image", "1:models", "1:quota", "1:jobs", "1:help", "1:admin", "1:settings",
            "3:Animate image"}


async def test_bot_identifies_without_privileged_intents_and_syncs_commands_globally(start_bot, fake_discord):
    await start_bot()

    [identify] = fake_discord.identifies
    assert identify["token"] == fake_discord.token
    assert identify["intents"] == discord.Intents(guilds=True).value
    assert [scope for scope, _ in fake_discord.sync_calls] == ["global"]
    assert set(fake_discord.commands["global"]) == COMMANDS


async def test_slash_commands_have_the_typed_options_of_the_issue(start_bot, fake_discord):
    await start_bot()

    def options(name: str) -> dict[str, tuple[int, bool]]:
        command = fake_discord.commands["global"][f"1:{name}"]
        return {o["name"]: (o["type"], bool(o.get("required"))) for o in command.get("options", [])}

    string, attachment = 3, 11
    assert options("video") == {"prompt": (string, True), "model": (string, False), "duration": (string, False),
                                "resolution": (string, False), "camera": (string, False),
                                "character": (attachment, False), "aspect_ratio": (string, False),
                                "negative_prompt": (string, False), "video": (attachment, False)}
    assert options("animate") == {"image": (attachment, True), "prompt": (string, False), "model": (string, False),
                                  "duration": (string, False), "resolution": (string, False),
                                  "camera": (string, False), "aspect_ratio": (string, False),
                                  "negative_prompt": (string, False), "end_image": (attachment, False)}
    assert options("image") == {"prompt": (string, True), "model": (string, False), "aspect_ratio": (string, False),
                                "image": (attachment, False), "negative_prompt": (string, False)}
    assert options("quota") == {}
    assert options("help") == {"command": (string, False)}  # /help command:video, a choice


async def test_guild_ids_sync_the_commands_to_those_guilds_instead_of_globally(start_bot, fake_discord):
    await start_bot(guild_ids=(fake_discord.guild_id,))

    assert [scope for scope, _ in fake_discord.sync_calls] == [str(fake_discord.guild_id)]
    assert set(fake_discord.commands[str(fake_discord.guild_id)]) == COMMANDS
    assert "global" not in fake_discord.commands


async def test_commands_synced_to_a_guild_answer_there(start_bot, fake_discord):
    await start_bot(guild_ids=(fake_discord.guild_id,))

    interaction = await fake_discord.invoke("help")

    await fake_discord.status_of(interaction, "/video")


async def test_a_guild_the_bot_is_not_in_is_reported_and_the_others_still_sync(start_bot, fake_discord, caplog):
    await start_bot(guild_ids=(123456789, fake_discord.guild_id))

    assert [scope for scope, _ in fake_discord.sync_calls] == [str(fake_discord.guild_id)]
    assert "cannot register commands in guild 123456789" in caplog.text


async def test_an_unchanged_command_set_is_not_synced_again_after_a_restart(start_bot, fake_discord):
    first = await start_bot()
    await first.stop()

    await start_bot()

    assert len(fake_discord.sync_calls) == 1
    assert len(fake_discord.identifies) == 2


async def test_a_changed_command_set_is_synced_again(start_bot, fake_discord):
    first = await start_bot()
    await first.stop()
    state = first.config.data_dir / STATE_FILE
    recorded = json.loads(state.read_text())
    state.write_text(json.dumps(dict.fromkeys(recorded, "digest of an older command set")))

    await start_bot()

    assert len(fake_discord.sync_calls) == 2


async def test_switching_from_guild_commands_to_global_ones_empties_the_guild(start_bot, fake_discord):
    first = await start_bot(guild_ids=(fake_discord.guild_id,))
    await first.stop()

    await start_bot()

    assert fake_discord.commands[str(fake_discord.guild_id)] == {}
    assert set(fake_discord.commands["global"]) == COMMANDS


async def test_switching_from_global_commands_to_guild_ones_empties_the_global_scope(start_bot, fake_discord):
    first = await start_bot()
    await first.stop()

    await start_bot(guild_ids=(fake_discord.guild_id,))

    assert fake_discord.commands["global"] == {}
    assert set(fake_discord.commands[str(fake_discord.guild_id)]) == COMMANDS


async def test_a_scope_emptied_once_is_not_emptied_again_at_the_next_start(start_bot, fake_discord):
    guild = str(fake_discord.guild_id)
    for config in ({"guild_ids": (fake_discord.guild_id,)}, {}, {}):
        bot = await start_bot(**config)
        await bot.stop()

    assert [(scope, len(commands)) for scope, commands in fake_discord.sync_calls] == [
        (guild, len(COMMANDS)), ("global", len(COMMANDS)), (guild, 0)]


async def test_the_gateway_address_is_asked_from_the_api_when_not_configured(start_bot, fake_discord):
    await start_bot(gateway_url=None)

    assert ("GET", "/gateway/bot", None) in fake_discord.requests
    assert len(fake_discord.identifies) == 1


async def test_stopping_the_adapter_puts_discord_py_addresses_back(start_bot, fake_discord):
    before = Route.BASE
    bot = await start_bot()
    assert Route.BASE == fake_discord.api_base

    await bot.adapter.stop()

    assert Route.BASE == before


async def test_a_session_discord_ends_for_good_is_reported(start_bot, fake_discord, caplog):
    bot = await start_bot()

    await fake_discord.gateway.disconnect(4004, "Authentication failed.")

    with pytest.raises(discord.ConnectionClosed):
        await asyncio.wait_for(bot.adapter.wait_closed(), 10)
    assert "gateway connection ended for good" in caplog.text


async def test_stopping_an_adapter_that_never_started_is_harmless(make_core, discord_config):
    adapter = DiscordAdapter(await make_core(), discord_config())

    await adapter.stop()


async def test_a_refused_token_fails_start_naming_the_setting_but_not_the_token(start_bot, fake_discord):
    with pytest.raises(SettingsError, match="DISCORD_TOKEN") as refused:
        await start_bot(token="not-the-right-token-0123456789")

    assert "not-the-right-token" not in str(refused.value)
