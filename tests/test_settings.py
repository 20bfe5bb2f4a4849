"""Settings from the environment and .env, and the secrets they hold kept out of logs."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Catalog, default_models
from bot.config import Settings, SettingsError, load_env
from bot.logs import RedactSecrets


def test_defaults_need_nothing_set():
    settings = Settings.from_env({})
    assert settings.base_url == "https://api.302.ai" and settings.daily_credits == 50


def test_environment_overrides_and_prices_parse():
    settings = Settings.from_env({"AI302_BASE_URL": "http://127.0.0.1:9/", "REELBOT_DAILY_CREDITS": "7",
                                  "REELBOT_PRICES": "T2V-01=8, S2V-01=9", "REELBOT_DB": "/tmp/x.db"})
    assert settings.base_url == "http://127.0.0.1:9" and settings.daily_credits == 7
    assert str(settings.database) == "/tmp/x.db"
    assert Catalog(default_models(), settings.prices).get("S2V-01").price == 9


def test_a_bad_number_names_the_setting():
    with pytest.raises(SettingsError, match="REELBOT_DAILY_CREDITS"):
        Settings.from_env({"REELBOT_DAILY_CREDITS": "lots"})


def test_a_price_for_an_unknown_model_is_refused():
    with pytest.raises(ValueError, match="no-such-model"):
        Catalog(default_models(), Settings.from_env({"REELBOT_PRICES": "no-such-model=3"}).prices)


def test_env_file_fills_what_the_environment_lacks(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("AI302_API_KEY=from-file\nREELBOT_TEST_ONLY=1\n")
    monkeypatch.setenv("AI302_API_KEY", "from-env")
    values = load_env(env_file)
    assert values["AI302_API_KEY"] == "from-env" and values["REELBOT_TEST_ONLY"] == "1"


def test_secrets_are_redacted_from_messages_and_arguments():
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "POST %s", (
        "https://api.telegram.org/bot123456:ABCDEFsecret/getUpdates",), None)
    RedactSecrets(["123456:ABCDEFsecret"]).filter(record)
    assert record.getMessage() == "POST https://api.telegram.org/bot***/getUpdates"


def test_secrets_are_redacted_from_tracebacks():
    try:
        raise RuntimeError("key sk-abcdefgh12345 refused")
    except RuntimeError:
        import sys
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactSecrets(["sk-abcdefgh12345"]).filter(record)
    assert "sk-abcdefgh12345" not in record.exc_text and "***" in record.exc_text


def test_interaction_tokens_and_bot_token_shapes_are_redacted_without_being_named():
    message = ("POST https://discord.com/api/v10/webhooks/1234567/aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnRva2Vu/messages "
               "and https://api.telegram.org/bot7000001:AAHsomethingSecret_0123456789abcdef/getMe")
    record = logging.LogRecord("discord.webhook", logging.DEBUG, __file__, 1, message, (), None)
    RedactSecrets([]).filter(record)
    assert record.getMessage() == ("POST https://discord.com/api/v10/webhooks/1234567/***/messages "
                                   "and https://api.telegram.org/bot***/getMe")


def test_a_price_given_by_a_models_alias_is_applied():
    catalog = Catalog(default_models(), Settings.from_env({"REELBOT_PRICES": "hailuo=20, director=7"}).prices)
    assert catalog.get("MiniMax-Hailuo-02").price == 20 and catalog.get("T2V-01-Director").price == 7


def test_a_price_given_twice_for_one_model_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Catalog(default_models(), Settings.from_env({"REELBOT_PRICES": "hailuo=20,MiniMax-Hailuo-02=30"}).prices)


def test_backoff_is_jittered_and_capped():
    import random

    from bot.jobs.retry import backoff
    waits = {round(backoff(3, 2.0, 60.0, random.Random(seed)), 6) for seed in range(20)}
    assert len(waits) > 10 and all(4.0 <= w <= 8.0 for w in waits)
    assert all(30.0 <= backoff(20, 2.0, 60.0, random.Random(s)) <= 60.0 for s in range(20))


def test_postgres_migrations_wait_for_the_operator_unless_told_a_backup_exists():
    assert Settings.from_env({}).pg_migrate is False
    assert Settings.from_env({"REELBOT_PG_MIGRATE": "yes"}).pg_migrate is True
    with pytest.raises(SettingsError, match="REELBOT_PG_MIGRATE"):
        Settings.from_env({"REELBOT_PG_MIGRATE": "perhaps"})
