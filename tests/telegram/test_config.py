"""TELEGRAM_* settings."""

from __future__ import annotations

import re

import pytest

from adapters.telegram import TelegramConfig
from bot.config import SettingsError


def test_no_token_means_telegram_stays_off():
    assert TelegramConfig.from_env({"TELEGRAM_API_BASE": "http://127.0.0.1:8081/bot"}) is None


def test_defaults_point_at_telegrams_cloud_api_with_long_polling():
    config = TelegramConfig.from_env({"TELEGRAM_TOKEN": "123:abc"})

    assert config.api_base == "https://api.telegram.org/bot"
    assert config.file_api_base == "https://api.telegram.org/file/bot"
    assert config.webhook_url is None
    assert config.upload_limit == 50 * 1024 * 1024


def test_every_setting_is_read():
    config = TelegramConfig.from_env({
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_API_BASE": "http://127.0.0.1:8081/bot/",
        "TELEGRAM_FILE_API_BASE": "http://127.0.0.1:8081/file/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1:9000",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "TELEGRAM_ADMIN_IDS": "42, 7",
        "TELEGRAM_UPLOAD_LIMIT_MB": "2000",
    })

    assert config.api_base == "http://127.0.0.1:8081/bot"
    assert config.file_api_base == "http://127.0.0.1:8081/file/bot"
    assert (config.listen_host, config.listen_port, config.webhook_path) == ("127.0.0.1", 9000, "tg/hook")
    assert config.webhook_secret == "s3cret"
    assert config.admin_ids == {42, 7}
    assert config.upload_limit == 2000 * 1024 * 1024


def test_the_token_is_not_in_the_repr():
    assert "123:abc" not in repr(TelegramConfig.from_env({"TELEGRAM_TOKEN": "123:abc"}))


@pytest.mark.parametrize("name, value", [
    ("TELEGRAM_ADMIN_IDS", "42,@ann"),
    ("TELEGRAM_UPLOAD_LIMIT_MB", "lots"),
    ("TELEGRAM_UPLOAD_LIMIT_MB", "0"),
    ("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"),
    ("TELEGRAM_WEBHOOK_URL", "bot.example.org/hook"),
])
def test_a_bad_value_is_refused_naming_the_setting(name, value):
    with pytest.raises(SettingsError, match=name):
        TelegramConfig.from_env({"TELEGRAM_TOKEN": "123:abc", name: value})


@pytest.mark.parametrize("env, mode", [
    ({}, "polling"),
    ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "webhook"),
    ({"TELEGRAM_RECEIVE": "Webhook", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "webhook"),
    ({"TELEGRAM_RECEIVE": "off"}, "off"),
    # a deliver-only worker may share the receivers' .env file, webhook address included
    ({"TELEGRAM_RECEIVE": "off", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "off"),
])
def test_telegram_receive_picks_how_updates_come_in(env, mode):
    assert TelegramConfig.from_env({"TELEGRAM_TOKEN": "123:abc", **env}).receive_mode == mode


@pytest.mark.parametrize("env, says", [
    ({"TELEGRAM_RECEIVE": "sometimes"}, "TELEGRAM_RECEIVE='sometimes' should be one of: polling, webhook, off"),
    ({"TELEGRAM_RECEIVE": "webhook"}, "TELEGRAM_RECEIVE=webhook needs TELEGRAM_WEBHOOK_URL"),
    ({"TELEGRAM_RECEIVE": "polling", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "unset one"),
])
def test_a_receive_mode_that_cannot_work_is_refused(env, says):
    with pytest.raises(SettingsError, match=says):
        TelegramConfig.from_env({"TELEGRAM_TOKEN": "123:abc", **env})


def test_without_a_secret_every_webhook_receiver_derives_the_same_one_from_the_token():
    env = {"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}
    one, other = TelegramConfig.from_env(env), TelegramConfig.from_env(env)
    another_bot = TelegramConfig.from_env({**env, "TELEGRAM_TOKEN": "456:def"})

    assert one.secret_token == other.secret_token != another_bot.secret_token
    assert "123:abc" not in one.secret_token and re.fullmatch(r"[A-Za-z0-9_-]{32,256}", one.secret_token)
    assert TelegramConfig.from_env({**env, "TELEGRAM_WEBHOOK_SECRET": "s3cret"}).secret_token == "s3cret"
