"""Telegram adapter: reelbot's commands in Telegram chats, on python-telegram-bot.

`reelbot run` starts it when TELEGRAM_TOKEN is set:

    config = TelegramConfig.from_env(env)      # None when TELEGRAM_TOKEN is unset
    adapter = TelegramAdapter(core, config)    # registers its messenger with the core
    await adapter.start(); await core.start()  # ...run...
    await core.stop_jobs(); await adapter.stop(); await core.stop()  # uploads under way finish first
"""

from adapters.telegram.adapter import TelegramAdapter, TelegramStartError
from adapters.telegram.config import TelegramConfig

__all__ = ["TelegramAdapter", "TelegramConfig", "TelegramStartError"]
