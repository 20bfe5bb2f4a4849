"""The settings' schema catches an operator's mistakes: a typo'd name is refused with the
nearest real one, a negative or absurd value is refused naming its setting, and `reelbot
config` shows what is in effect with every secret masked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from adapters.discord.config import DiscordConfig
from adapters.telegram.config import TelegramConfig
from bot.config import Settings, SettingsError
from bot.settings_schema import secret_names
from entrypoints import exits
from entrypoints.cli import main
from entrypoints.config_cli import LAYERS
from tests.run_process import ROOT


def reelbot(tmp_path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """A real `reelbot …` process in an empty directory, with only `env` set."""
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env})


def test_a_typoed_setting_stops_reelbot_run_with_one_line_naming_the_setting_meant(tmp_path):
    ran = reelbot(tmp_path, {"REELBOT_DAILY_CREDIT": "10", "TELEGRAM_TOKEN": "1:x", "AI302_API_KEY": "k"}, "run")

    assert ran.returncode == exits.CONFIG
    assert ran.stderr.splitlines() == ["reelbot: REELBOT_DAILY_CREDIT is not a reelbot setting: did you mean "
                                       "REELBOT_DAILY_CREDITS?"]
    assert not (tmp_path / "reelbot-data").exists()  # refused before anything was opened


def test_a_typo_in_the_env_file_is_refused_as_well(tmp_path):
    (tmp_path / ".env").write_text("TELEGRAM_TOKN=1:x\n")

    ran = reelbot(tmp_path, {}, "config", "--check")

    assert ran.returncode == exits.CONFIG and "did you mean TELEGRAM_TOKEN?" in ran.stderr


def test_the_test_suites_own_switches_are_not_taken_for_typos(tmp_path):
    assert reelbot(tmp_path, {"REELBOT_TEST_STORE": "sqlite"}, "config", "--check").returncode == exits.OK


@pytest.mark.parametrize("name", ["REELBOT_DAILY_CREDITS", "REELBOT_CHAT_DAILY_CREDITS", "REELBOT_MAX_IN_FLIGHT",
                                  "REELBOT_VIDEO_DEADLINE", "REELBOT_LEASE_SECONDS", "AI302_TIMEOUT",
                                  "REELBOT_BOT_DAILY_PTC", "REELBOT_BOT_DAILY_CREDITS", "REELBOT_KEEP_DAYS",
                                  "REELBOT_MAX_DOWNLOAD_MB", "TELEGRAM_STARS_PER_CREDIT", "REELBOT_QUERY_GRACE"])
def test_a_negative_core_value_is_refused_naming_its_setting(name):
    with pytest.raises(SettingsError, match=f"^{name}='-5'"):
        Settings.from_env({name: "-5"})


@pytest.mark.parametrize("name, value", [("TELEGRAM_SENDS_PER_SECOND", "-1"), ("TELEGRAM_UPLOAD_LIMIT_MB", "50000")])
def test_a_negative_or_absurd_telegram_value_is_refused(name, value):
    with pytest.raises(SettingsError, match=name):
        TelegramConfig.from_env({"TELEGRAM_TOKEN": "1:x", name: value})


def test_a_discord_progress_interval_of_milliseconds_is_refused():
    # 500 meant as milliseconds would be over eight minutes between edits; 0.5 s is past Discord's limit
    with pytest.raises(SettingsError, match="DISCORD_PROGRESS_INTERVAL"):
        DiscordConfig.from_env({"DISCORD_TOKEN": "t", "DISCORD_PROGRESS_INTERVAL": "0.5"}, ROOT)


def test_an_absurd_timeout_is_refused():
    with pytest.raises(SettingsError, match="AI302_SUBMIT_TIMEOUT"):
        Settings.from_env({"AI302_SUBMIT_TIMEOUT": "60000000"})


def test_the_older_bot_daily_credits_is_still_read_at_a_tenth_of_a_ptc():
    assert Settings.from_env({"REELBOT_BOT_DAILY_CREDITS": "30"}).bot_daily_mptc == 3_000
    assert Settings.from_env({"REELBOT_BOT_DAILY_PTC": "2.5"}).bot_daily_mptc == 2_500


def test_a_bad_database_url_is_refused_without_quoting_its_password():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"REELBOT_DATABASE_URL": "mysql://bot:hunter22@db/reelbot"})
    assert "REELBOT_DATABASE_URL" in str(refused.value) and "hunter22" not in str(refused.value)


def secret_values() -> dict[str, str]:
    values = {name: f"s3cret{i}SECRETVALUE" for i, name in enumerate(secret_names(LAYERS))}
    values["REELBOT_DATABASE_URL"] = "postgresql://bot:s3cretPGPASSWORD@127.0.0.1/reelbot"
    return values


def test_every_secret_bearing_setting_of_the_schema_is_marked_secret():
    assert set(secret_names(LAYERS)) >= {"AI302_API_KEY", "TELEGRAM_TOKEN", "DISCORD_TOKEN",
                                         "TELEGRAM_WEBHOOK_SECRET", "REELBOT_DATABASE_URL"}


def test_reelbot_config_masks_every_secret_and_names_each_settings_source(tmp_path, monkeypatch, capsys):
    secrets = secret_values()
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "my.env").write_text("REELBOT_DAILY_CREDITS=9\n")

    assert main(["--env-file", str(tmp_path / "my.env"), "config"]) == exits.OK

    shown = capsys.readouterr().out
    for name, value in secrets.items():
        assert value not in shown and "s3cret" not in shown
        assert f"{name}=***  (environment)" in shown.splitlines()
    assert f"REELBOT_DAILY_CREDITS=9  ({tmp_path / 'my.env'})" in shown.splitlines()
    assert "REELBOT_MAX_IN_FLIGHT=2  (default)" in shown.splitlines()


def test_reelbot_config_lists_every_setting_of_every_layer(tmp_path, capsys):
    assert main(["--env-file", str(tmp_path / "none.env"), "config"]) == exits.OK
    shown = {line.split("=", 1)[0] for line in capsys.readouterr().out.splitlines()}
    assert shown == {name for layer in LAYERS for name in layer.names()}


def test_reelbot_config_check_exits_non_zero_on_a_platform_setting_it_cannot_use(tmp_path):
    ran = reelbot(tmp_path, {"TELEGRAM_TOKEN": "1:x", "TELEGRAM_RECEIVE": "webhook"}, "config", "--check")
    fine = reelbot(tmp_path, {"TELEGRAM_TOKEN": "1:x"}, "config", "--check")

    assert ran.returncode == exits.CONFIG and "TELEGRAM_WEBHOOK_URL" in ran.stderr and "1:x" not in ran.stderr
    assert fine.returncode == exits.OK


def test_env_example_lists_exactly_the_settings_of_the_schema():
    from entrypoints.settings_reference import env_example

    listed = [name for _, names in env_example((ROOT / ".env.example").read_text()) for name in names]
    assert sorted(listed) == sorted(name for layer in LAYERS for name in layer.names())


def test_the_configuration_reference_page_is_the_one_the_schema_makes():
    from entrypoints.settings_reference import markdown

    assert (ROOT / "docs" / "configuration.md").read_text() == markdown(), (
        "run: python -m entrypoints.settings_reference > docs/configuration.md")


def test_reelbot_config_names_a_flag_as_the_source_of_what_it_set(tmp_path, capsys):
    assert main(["--env-file", str(tmp_path / "none.env"), "config", "--data-dir", str(tmp_path)]) == exits.OK
    assert f"REELBOT_DATA_DIR={tmp_path}  (--data-dir)" in capsys.readouterr().out.splitlines()
