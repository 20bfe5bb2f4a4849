"""Where a job's messages go in Telegram, in the JSON form the core stores with the job.

After a restart there is no live update to answer, so everything needed to reply is
here: the chat, the message to reply to, the forum topic, and (once acknowledged) the
status message that shows progress (and whether it is a placeholder photo that becomes the
result).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Message, ReplyParameters

from bot.domain.requests import Destination
from bot.domain.job import Job

__all__ = ["Where"]


@dataclass(frozen=True)
class Where:
    chat_id: int
    reply_to: int | None = None
    thread_id: int | None = None  # forum topic
    status_id: int | None = None
    in_place: bool = False  # the status message is a placeholder photo that becomes the result

    @classmethod
    def answering(cls, message: Message) -> Where:
        return cls(message.chat_id, message.message_id,
                   message.message_thread_id if message.is_topic_message else None)

    @classmethod
    def of(cls, job: Job) -> Where:
        d = job.destination
        return cls(int(d["chat_id"]), d.get("reply_to"), d.get("thread_id"), d.get("status_id"),
                   bool(d.get("in_place")))

    def stored(self) -> Destination:
        return {"chat_id": self.chat_id, "reply_to": self.reply_to, "thread_id": self.thread_id}

    def reply(self) -> dict[str, Any]:
        """Keyword arguments that make a send* call answer in the right place."""
        # The member may have deleted their command by the time the result is ready.
        params = (ReplyParameters(self.reply_to, allow_sending_without_reply=True)
                  if self.reply_to is not None else None)
        return {"chat_id": self.chat_id, "reply_parameters": params, "message_thread_id": self.thread_id}

    def reply_json(self) -> dict[str, Any]:
        """The same as Bot API JSON values, for adapters.telegram.lean's calls."""
        params = ({"message_id": self.reply_to, "allow_sending_without_reply": True}
                  if self.reply_to is not None else None)
        return {"chat_id": self.chat_id, "reply_parameters": params, "message_thread_id": self.thread_id}
