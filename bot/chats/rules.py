"""A chat's own settings applied to one request, in the core, before quota is reserved:
the command and the model must be on there, an adult-only model must be in a place for it,
and the chat's budget and per-member limit narrow the operator's (never widen them: the
operator's settings always win, whatever a chat's admins stored before the operator lowered
them). A refusal here is one sentence and costs nothing.

The marks a request leaves in its job's destination: ADULT (an adult-only model's result,
which Telegram shows under a spoiler) and QUIET (the chat shows no progress updates).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import Refused
from bot.chats.adult import AdultModels, matches
from bot.domain.requests import Command, Requester
from bot.i18n import T
from bot.store.chat_settings import ChatSettings, ChatSettingsStore

__all__ = ["ChatRules", "ChatPolicy", "ADULT", "QUIET", "COMMANDS"]

ADULT = "adult"
QUIET = "quiet"
COMMANDS = tuple(command.value for command in Command)


@dataclass(frozen=True)
class ChatPolicy:
    """What holds for one requester in their chat now."""

    who: Requester
    settings: ChatSettings
    adult: AdultModels

    def check_command(self, command: Command) -> None:
        allowed = self.settings.commands
        if allowed is not None and command.value not in allowed:
            if not allowed:
                raise Refused(T("This chat's admins have turned generation off here."))
            raise Refused(T("This chat's admins allow only {commands} here.",
                            commands=", ".join(f"/{name}" for name in COMMANDS if name in allowed)))

    def check_model(self, model: str) -> dict[str, bool]:
        """Raises Refused for a model not on here; else the marks for the job's destination."""
        if self.settings.models and not matches(model, self.settings.models):
            raise Refused(T("This chat's admins do not allow the model {model} here.", model=model))
        marks = {} if self.settings.progress else {QUIET: True}
        if self.adult.adult(model):
            refusal = self.adult.refusal(self.who)
            if refusal is not None:
                raise Refused(refusal)
            marks[ADULT] = True
        return marks


class ChatRules:
    def __init__(self, store: ChatSettingsStore, adult: AdultModels):
        self.store, self.adult = store, adult

    async def policy(self, who: Requester) -> ChatPolicy:
        # a private chat has no admins but its member: only the operator's settings hold there
        settings = ChatSettings() if who.private else await self.store.get(who.chat_key)
        return ChatPolicy(who, settings, self.adult)
