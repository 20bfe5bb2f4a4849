"""DISCORD_* settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord import DiscordConfig
from adapters.discord.config import DEFAULT_API_BASE
from bot.config import SettingsError

TOKEN = "MTA5.fake.discord-token-never-shown"


def test_no_token_means_no_discord_adapter():
    assert DiscordConfig.from_env({"DISCORD_API_BASE": "http://127.0.0.1:1"}, Path("data")) is None


def test_settings_are_read_with_defaults():
    config = DiscordConfig.from_env({"DISCORD_TOKEN": f" {TOKEN} ", "DISCORD_GUILD_IDS": "111, 222",
                                     "DISCORD_ADMIN_IDS": "333"}, Path("data"))

    assert config is not None
    assert (config.token, config.api_base, config.gateway_url) == (TOKEN, DEFAULT_API_BASE, None)
    assert (config.guild_ids, config.admin_ids, config.data_dir) == ((111, 222), frozenset({333}), Path("data"))


def test_a_rest_proxy_and_gateway_can_be_configured():
    config = DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "http://proxy:8080/api/v10/",
                                     "DISCORD_GATEWAY_URL": "ws://proxy:8081/"}, Path("data"))

    assert (config.api_base, config.gateway_url) == ("http://proxy:8080/api/v10", "ws://proxy:8081/")


@pytest.mark.parametrize("env, named", [
    ({"DISCORD_GUILD_IDS": "my-server"}, "DISCORD_GUILD_IDS"),
    ({"DISCORD_ADMIN_IDS": "@alice"}, "DISCORD_ADMIN_IDS"),
    ({"DISCORD_API_BASE": "discord.com/api"}, "DISCORD_API_BASE"),
    ({"DISCORD_GATEWAY_URL": "https://gateway.discord.gg"}, "DISCORD_GATEWAY_URL"),
    ({"DISCORD_PROGRESS_INTERVAL": "often"}, "DISCORD_PROGRESS_INTERVAL"),
])
def test_a_bad_value_is_refused_naming_its_setting(env, named):
    with pytest.raises(SettingsError, match=named):
        DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN, **env}, Path("data"))


def test_the_token_is_not_in_the_configs_repr():
    config = DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN}, Path("data"))

    assert TOKEN not in repr(config)


def test_without_shard_settings_one_unsharded_session_syncs_the_commands():
    config = DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN}, Path("data"))

    assert (config.sharded, config.shard_count, config.shard_ids, config.syncs_commands) == (False, None, None, True)


def test_shard_settings_name_the_shards_of_this_process():
    shard_1 = DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN, "DISCORD_SHARD_COUNT": "4",
                                      "DISCORD_SHARD_IDS": "3, 1"}, Path("data"))
    every_shard = DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN, "DISCORD_SHARD_COUNT": "2"}, Path("data"))

    assert (shard_1.shard_count, shard_1.shard_ids, shard_1.syncs_commands) == (4, (1, 3), False)
    assert (every_shard.shard_count, every_shard.shard_ids, every_shard.syncs_commands) == (2, None, True)


@pytest.mark.parametrize("env, says", [
    ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "shard 2 does not exist with DISCORD_SHARD_COUNT=2"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,1"}, "names a shard twice"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "first"}, "DISCORD_SHARD_IDS='first' should list shard"),
    ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT='0' should be a whole number"),
    ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT='two'"),
])
def test_shard_settings_that_cannot_work_are_refused_at_start(env, says):
    with pytest.raises(SettingsError, match=says):
        DiscordConfig.from_env({"DISCORD_TOKEN": TOKEN, **env}, Path("data"))
