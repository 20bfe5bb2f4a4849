"""What admins can do, from a chat or from the command line: grant, limit, ban, report,
refund, pause, a chat's own settings. Every method checks the actor's rights here, in the core, whatever the
adapter showed, and every change leaves an audit row. A change takes the key of the event
that asked for it (a Telegram update, a Discord interaction): handled twice, that event
changes nothing the second time (a grant answers as it did; the others say what holds now).
Replies are plain text."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.access import AccessPolicy, Refused
from bot.catalog import switches
from bot.chats import operator as chat_view
from bot.domain.requests import Requester
from bot.domain.money import ptc_text
from bot.i18n import T
from bot.quota import quota_day
from bot.store.chat_settings import ChatSettingsStore
from bot.store.database import Database
from bot.store.policy import Limit, PolicyStore
from bot.texts import credits_text
from bot.words import desk as words_desk
from bot.words.blocklist import Blocklist

__all__ = ["AdminDesk", "UsageReport", "PERIODS", "NOT_ADMIN"]

PERIODS = {"today": 1, "7d": 7, "30d": 30}
NOT_ADMIN = T("Only the bot's admins can do that.")  # a member may try; the rest is for admins, in English


@dataclass(frozen=True)
class UsageReport:
    period: str
    by_user: list[tuple[str, int, int]]  # (user, credits of price, jobs) of delivered jobs
    by_chat: list[tuple[str, int, int]]
    by_model: list[tuple[str, int, int]]
    members_credits: int  # what members paid for delivered jobs
    operator_mptc: int  # what 302.AI billed (or may have), whatever members paid
    audit: list[tuple[float, str, str, str, str]]

    def table(self) -> str:
        """A compact fixed-width table (Telegram <pre>, a Discord code block, a terminal)."""
        lines = [f"Usage {self.period}: members paid {self.members_credits} credits; 302.AI billed "
                 f"{ptc_text(self.operator_mptc)} PTC"]
        for title, rows in (("user", self.by_user), ("chat", self.by_chat), ("model", self.by_model)):
            lines.append(f"{'top ' + title:<28} {'credits':>8} {'jobs':>6}")
            lines += [f"{name[:28]:<28} {credits:>8} {jobs:>6}" for name, credits, jobs in rows] or ["  -"]
        lines.append("last admin actions")
        for at, actor, action, target, detail in self.audit:
            when = datetime.fromtimestamp(at, UTC).strftime("%m-%d %H:%M")
            lines.append(f"  {when} {actor} {action} {target} {detail}".rstrip())
        if not self.audit:
            lines.append("  -")
        return "\n".join(lines)


class AdminDesk:
    def __init__(self, db: Database, policy: PolicyStore, access: AccessPolicy,
                 clock: Callable[[], float] = time.time, *, blocklist: Blocklist | None = None,
                 video_models: str = ""):
        self._db, self._policy, self._access, self._clock = db, policy, access, clock
        self._video_models = video_models  # REELBOT_VIDEO_MODELS: its denials beat any switch
        self._blocklist = blocklist or Blocklist(None, db, clock=clock)
        # the chats' own settings: bootstrap hands this store to the core's chat rules too, so
        # a reset from chat applies to this process's next request at once
        self.chat_settings_store = ChatSettingsStore(db)

    @staticmethod
    def _check(actor: Requester) -> str:
        if not actor.is_admin:
            raise Refused(NOT_ADMIN)
        return actor.user_key

    async def grant(self, actor: Requester, user_key: str, credits: int, reason: str = "", *,
                    key: str | None = None) -> str:
        who = self._check(actor)
        if not 0 < credits <= 1_000_000:
            raise Refused("Grant a positive number of credits.")
        now = self._clock()
        await self._policy.grant(who, user_key, credits, reason, quota_day(now), now, key=key)
        return f"Granted {credits_text(credits)} to {user_key} for today."

    async def limit(self, actor: Requester, scope: str, target: str, credits: int,
                    in_flight: int | None = None, *, key: str | None = None) -> str:
        who = self._check(actor)
        if scope not in ("user", "chat", "tier"):
            raise Refused("Say which limit: user, chat or tier.")
        if scope == "tier" and target not in self._access.tiers:
            raise Refused(f"There is no tier “{target}”. Tiers: {', '.join(self._access.tiers) or 'none'}.")
        if credits < 0 or (in_flight is not None and in_flight < 1):
            raise Refused("Credits must be 0 or more, and jobs at a time 1 or more.")
        await self._policy.set_limit(who, f"{scope}:{target}", Limit(credits, in_flight), self._clock(), key=key)
        at_once = f", {in_flight} at a time" if in_flight else ""
        return f"Limit for {scope} {target}: {credits_text(credits)} a day{at_once}."

    async def ban(self, actor: Requester, user_key: str, reason: str = "", *, key: str | None = None) -> str:
        await self._policy.ban(self._check(actor), user_key, reason, self._clock(), key=key)
        return f"{user_key} is banned." + (f" Reason: {reason}" if reason else "")

    async def unban(self, actor: Requester, user_key: str, *, key: str | None = None) -> str:
        await self._policy.unban(self._check(actor), user_key, self._clock(), key=key)
        return f"{user_key} may use the bot again."

    async def pause(self, actor: Requester, reason: str = "", *, key: str | None = None) -> str:
        if not await self._policy.pause(self._check(actor), "admin", reason, self._clock(), key=key):
            return "New jobs were already paused."
        return "New jobs are paused; running ones finish." + (f" Members are told: {reason}" if reason else "")

    async def resume(self, actor: Requester, *, key: str | None = None) -> str:
        if not await self._policy.resume(self._check(actor), self._clock(), key=key):
            return "New jobs were not paused."
        return "New jobs are accepted again."

    async def switch_model(self, actor: Requester, name: str, on: bool, *, key: str | None = None) -> str:
        """A model off for new requests on every process at once (running jobs finish), or on
        again, unless the operator's settings deny it (bot.catalog.switches)."""
        who = self._check(actor)
        model = next((m for m in await switches.switchable_models(self._db, self._video_models)
                      if m.name.lower() == name.strip().lower()), None)
        if model is None:
            raise Refused(f"There is no model “{name}”: `reelbot models` lists them.")
        if on and model.denied:
            raise Refused(f"{model.name} stays off: {switches.SETTING} ({self._video_models}) denies it, and the "
                          "settings win over the console. Change the setting to offer it.")
        if not await self._policy.switch_model(who, model.name, on, self._clock(), key=key):
            return f"{model.name} was already {'on' if on else 'off'}; nothing changed."
        if on:
            return f"{model.name} is on again: it takes new requests."
        return f"{model.name} is off: it takes no new requests (running jobs finish)."

    async def models_off(self, actor: Requester) -> dict[str, tuple[str, float]]:
        self._check(actor)
        return await self._policy.models_off()

    @staticmethod
    def models_off_text(off: dict[str, tuple[str, float]]) -> str:
        return "\n".join(f"{name}  off since {datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M} UTC by {who}"
                         for name, (who, at) in off.items()) or "No model is switched off."

    async def refund(self, actor: Requester, job_id: str, *, key: str | None = None) -> str:
        credits = await self._policy.reverse(self._check(actor), job_id, self._clock(), key=key)
        if credits is None:
            return f"Job {job_id} is not a delivered job that can be refunded (or it was refunded already)."
        return f"Job {job_id}: {credits_text(credits)} given back to its member."

    async def jobs(self, actor: Requester, user_key: str | None = None, limit: int = 10) -> str:
        self._check(actor)
        where, params = ("WHERE user_key = ?", (user_key, limit)) if user_key else ("", (limit,))
        rows = await self._db.fetchall(
            f"SELECT id, user_key, model, price, state, created_at FROM jobs {where} "
            "ORDER BY created_at DESC LIMIT ?", params)
        if not rows:
            return "No jobs."
        now = self._clock()
        return "\n".join(f"{r['id']} {r['state']:<10} {r['model']:<20} {r['price']:>3} cr "
                         f"{_age(now - r['created_at']):>4} {r['user_key']}" for r in rows)

    async def usage(self, actor: Requester, period: str = "today", top: int = 5) -> UsageReport:
        self._check(actor)
        if period not in PERIODS:
            raise Refused(f"Choose a period: {', '.join(PERIODS)}.")
        now = self._clock()
        first = quota_day(now - (PERIODS[period] - 1) * 86400)
        # the report's own covering index: without statistics SQLite would rather walk an
        # index in GROUP BY order through every job ever made
        delivered = "FROM jobs INDEXED BY jobs_by_day WHERE quota_day >= ? AND state = 'delivered'"

        async def top_by(column: str) -> list[tuple[str, int, int]]:
            rows = await self._db.fetchall(
                f"SELECT {column} AS k, SUM(price) AS c, COUNT(*) AS n {delivered} AND {column} IS NOT NULL "
                f"GROUP BY {column} ORDER BY c DESC LIMIT ?", (first, top))
            return [(r["k"], r["c"], r["n"]) for r in rows]

        members = await self._db.fetchone(f"SELECT COALESCE(SUM(price), 0) AS c {delivered}", (first,))
        spend = await self._db.fetchone(
            "SELECT COALESCE(SUM(spent), 0) AS s FROM usage WHERE scope = 'spend' AND day >= ?", (first,))
        return UsageReport(period, await top_by("user_key"), await top_by("platform || ':' || chat_id"),
                           await top_by("model"), members["c"], spend["s"], await self._policy.audit_log(5))

    async def words(self, actor: Requester, action: str = "list", chat_key: str | None = None,
                    entries: tuple[str, ...] | list[str] = (), *, key: str | None = None) -> str:
        """A chat's blocked words (list, add, remove); with no chat, the operator's list and
        the entries it refused. `key`: the event's, so that a change handled twice is made once."""
        return await words_desk.words(self._blocklist, self._check(actor), action, chat_key, entries, self._clock(),
                                      key=key)

    async def blocked(self, actor: Requester, limit: int = 20) -> str:
        """The last prompts refused for a blocked word: who, where, what matched."""
        self._check(actor)
        return await words_desk.blocked(self._blocklist, limit)

    async def chat_settings(self, actor: Requester, chat: str, *, reset: bool = False,
                            key: str | None = None) -> str:
        """A chat's own /settings as its admins made them (bot.chats.operator), or with `reset`
        cleared, its own blocked words too: keyed, and audited in the same transaction."""
        who, chat = self._check(actor), chat_view.chat_key(chat)
        if reset:
            return await chat_view.reset(self.chat_settings_store, self._blocklist, who, chat, self._clock(), key=key)
        return await chat_view.report(self.chat_settings_store, self._blocklist, self._access, self._policy, chat,
                                      self._clock())


def _age(seconds: float) -> str:
    delta = timedelta(seconds=max(0, int(seconds)))
    if delta.days:
        return f"{delta.days}d"
    hours, rest = divmod(delta.seconds, 3600)
    return f"{hours}h" if hours else f"{rest // 60}m"
