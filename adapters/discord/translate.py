"""Command names, descriptions and choices in the members' languages, through discord.py's
Translator: Discord shows each member the localization for their client's locale.

A string made with `localized(T(...))` carries its Text, so it is rendered from our gettext
catalog; any other description or choice is looked up there by its English words (a name only
when it carries its Text: the operators' /admin keeps its English names). Locales we have no
catalog for get nothing, and Discord shows the English.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Text, render, translations

__all__ = ["ReelbotTranslator", "localized", "DISCORD_LOCALES"]

# Discord's locales for each language we have (English is the commands' own text)
DISCORD_LOCALES: dict[discord.Locale, str] = {discord.Locale.chinese: "zh"}
assert set(DISCORD_LOCALES.values()) <= set(LANGUAGES)

_NAMES = (Where.command_name, Where.group_name, Where.parameter_name)


def localized(text: Text) -> app_commands.locale_str:
    """`text` for a decorator's name/description: English as the command's own, the Text kept
    for the translator."""
    return app_commands.locale_str(text.render(DEFAULT_LANGUAGE), text=text)


class ReelbotTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        language = DISCORD_LOCALES.get(locale)
        if language is None:
            return None
        text = string.extras.get("text")
        if isinstance(text, Text):
            translated = render(text, language)
        elif context.location in _NAMES:
            return None
        else:
            translated = translations(language).gettext(string.message)
        if translated == string.message:
            return None
        # Discord's limits: 100 characters for a description or a choice (names are short anyway)
        return translated if len(translated) <= 100 else translated[:99] + "…"
