"""Adult-only models: the operator names them by pattern (REELBOT_ADULT_MODELS). On Discord
they run only in channels marked age-restricted (the interaction's channel is NSFW), on
Telegram only in the chats the operator allows for them (REELBOT_ADULT_CHATS); anywhere else
the member is told where they can use one, before anything is spent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from bot.domain.requests import Requester
from bot.i18n import T

__all__ = ["AdultModels", "matches", "ONLY_NSFW_CHANNELS", "ONLY_ALLOWED_CHATS"]

ONLY_NSFW_CHANNELS = T("This model is for adults only: use it in a channel marked age-restricted (NSFW).")
ONLY_ALLOWED_CHATS = T("This model is for adults only: use it in a chat the bot's operator has set aside for it.")


def matches(name: str, patterns: Iterable[str]) -> bool:
    """`name` matches one of the shell-style patterns (`MiniMax-*`, `image-01`), in any case."""
    folded = name.casefold()
    return any(fnmatchcase(folded, pattern.casefold()) for pattern in patterns)


@dataclass(frozen=True)
class AdultModels:
    patterns: tuple[str, ...] = ()
    chats: frozenset[str] = frozenset()  # Telegram chat ids or "telegram:id"

    def adult(self, model: str) -> bool:
        return bool(self.patterns) and matches(model, self.patterns)

    def refusal(self, who: Requester):
        """None where an adult-only model may run for `who`; else what they are told."""
        if who.platform == "console":
            return None  # the operator's own console
        if who.platform == "discord":
            return None if who.age_restricted else ONLY_NSFW_CHANNELS
        if who.chat_id is not None and {who.chat_id, who.chat_key} & self.chats:
            return None
        return ONLY_ALLOWED_CHATS
