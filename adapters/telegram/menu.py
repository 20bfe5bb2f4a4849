"""The bot's command menu (setMyCommands, per language and scope) and what a command is: the
text `/name@ThisBot the rest` of a message or a caption."""

from __future__ import annotations

import re

from telegram import BotCommand

from bot import i18n
from bot.i18n import DEFAULT_LANGUAGE, T

__all__ = ["BOT_COMMANDS", "COMMAND_MENU", "CHAT_ADMIN_MENU", "bot_commands", "parse_command"]

# the command menu; set once per language (setMyCommands with that language_code)
COMMAND_MENU = (
    ("video", T("Text to video: /video a cat surfing")),
    ("image", T("Text to image: /image a red fox in the snow")),
    ("animate", T("Photo to video: caption a photo, or reply to one")),
    ("models", T("The video models, their prices and options")),
    ("quota", T("Your credits left today")),
    ("jobs", T("Your last 10 jobs; get a result again")),
    ("help", T("Commands and options")),
    ("start", T("What this bot does")),
)
# what a group's administrators see besides (scope all_chat_administrators: Telegram shows that
# scope's menu instead of the general one, so it repeats every command); who may change
# settings is still checked with getChatMember on each use, the menu only shows the way
CHAT_ADMIN_MENU = (("settings", T("This group's own settings (for its admins)")),)


def bot_commands(language: str | None = None, *, chat_admin: bool = False) -> list[BotCommand]:
    menu = COMMAND_MENU + CHAT_ADMIN_MENU if chat_admin else COMMAND_MENU
    return [BotCommand(name, i18n.render(text, language)) for name, text in menu]


BOT_COMMANDS = bot_commands(DEFAULT_LANGUAGE)

_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+|$)(.*)", re.DOTALL)


def parse_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """(command, the rest) when `text` is a command for this bot; None otherwise,
    including `/cmd@OtherBot`."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    name, target, rest = match.groups()
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower(), rest.strip()
