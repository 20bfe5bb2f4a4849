"""Telegram's message budgets, enforced by the fake Bot API when a test or bench asks for it.

Telegram refuses a bot that sends more than about 30 messages a second overall or 20 in a
minute to one group (its Bot FAQ), edits included, with a 429 that says how long to wait.
Here each is a sliding window over the calls that arrived (a call refused is not counted):
a budget that keeps to Telegram's window passes, one that only keeps an average (a leaky
bucket that lets 20 through and then one every 3 s) is refused. `refused` counts the 429s.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

__all__ = ["TelegramLimits", "counted"]


def counted(method: str) -> bool:
    """A message Telegram counts: sends and edits, not reactions, chat actions or updates."""
    return method.startswith(("send", "edit", "copy", "forward")) and method != "sendChatAction"


@dataclass
class TelegramLimits:
    per_second: int = 30
    group_messages: int = 20  # in any `group_window` seconds, to one group
    group_window: float = 60.0
    refused: int = 0  # 429s answered
    refused_in_groups: int = 0  # of which for a group's window
    _overall: deque = field(default_factory=deque)
    _groups: dict[int, deque] = field(default_factory=dict)

    def check(self, method: str, chat_id: object, now: float) -> float | None:
        """None when the call may go (and it is counted), else the seconds to retry after."""
        if not counted(method):
            return None
        windows = [(self._overall, self.per_second, 1.0)]
        if isinstance(chat_id, int) and chat_id < 0:
            windows.append((self._groups.setdefault(chat_id, deque()), self.group_messages, self.group_window))
        for n, (times, size, seconds) in enumerate(windows):
            while times and times[0] <= now - seconds:
                times.popleft()
            if len(times) >= size:
                self.refused += 1
                self.refused_in_groups += n
                return max(1, math.ceil(times[0] + seconds - now))
        for times, _, _ in windows:
            times.append(now)
        return None
