"""Keeps the operator's account safe: pauses new jobs when 302.AI refuses the key or the
balance, tells the admins (at most once an hour per cause), and watches spend against the
bot-wide ceiling.

A pause for the key lifts itself once a free query is answered (that proves the key). A
pause for the balance does not: a free query works with an empty balance, so lifting on
one made the bot flap (pause, a burst of 1008s, pause again). Only a paid call proves the
balance, so that pause is lifted by an operator's resume; the first paid call after it is
the check (bot.jobs.slots.BalanceProof lets one through at a time until one is accepted)
and another 1008 pauses again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.access import PAUSED_BY_ACCOUNT
from bot.ai302.client import Ai302Client
from bot.background import Background
from bot.domain.money import ptc_text
from bot.errors import AuthFailed, RetryLater
from bot.domain.job import JobState
from bot.jobs.texts import credits_back
from bot.ports import Messenger
from bot.quota import quota_day
from bot.store.jobs import JobStore
from bot.store.policy import PolicyStore

__all__ = ["AccountGuard"]

log = logging.getLogger(__name__)

ALERTS = {
    "auth": "302.AI refused the bot's API key (AI302_API_KEY). New jobs are paused; check the key. "
            "The pause lifts by itself once the key works again, or with /admin resume.",
    "balance": "The 302.AI balance has run out. New jobs are paused; top up the account, then lift the "
               "pause with /admin resume. The first job after that checks the balance: if 302.AI still "
               "refuses it, the bot pauses again.",
}
_SELF_LIFTING = ("auth",)  # what a free query proves; the balance takes a paid call (see above)
_SPEND_STEPS = (80, 100)  # per cent of the bot-wide ceiling


class AccountGuard:
    def __init__(self, policy: PolicyStore, store: JobStore, client: Ai302Client,
                 messengers: dict[str, Messenger], *, ceiling: int, probe_interval: float,
                 clock: Callable[[], float], alert_every: float = 3600.0):
        self._policy, self._store, self._client = policy, store, client
        self._messengers, self._ceiling = messengers, ceiling
        self._probe_interval, self._clock, self._alert_every = probe_interval, clock, alert_every
        self._probe = Background("account-probe", self._probe_until_lifted)
        self._last_spend_check = 0.0

    async def account_problem(self, cause: str, detail: str) -> None:
        """302.AI refused the key or the balance: pause, tell the admins, refund queued jobs."""
        now = self._clock()
        if await self._policy.pause("302.AI", cause, detail, now):
            log.error("new jobs paused: %s (%s)", ALERTS[cause], detail)
            await self.alert(cause, ALERTS[cause])
            await self._refund_queued()
        if cause in _SELF_LIFTING:
            self._probe.start()

    async def _refund_queued(self) -> None:
        for job in await self._store.in_state(JobState.QUEUED):
            # not yet sent: the member loses nothing; a job whose call has left goes on
            await self._store.refund(job, credits_back(PAUSED_BY_ACCOUNT), self._clock(),
                                     refused=True)

    async def spent(self) -> None:
        """After a paid call: tell the admins when spend passes 80 % and 100 % of the ceiling."""
        now = self._clock()
        if not self._ceiling or now - self._last_spend_check < 5.0:
            return
        self._last_spend_check = now
        day = quota_day(now)
        spent = await self._store.operator_spend(day)  # mPTC, as the ceiling
        for step in _SPEND_STEPS:
            if spent * 100 >= self._ceiling * step and await self._policy.alert_due(f"spend{step}:{day}", now,
                                                                                     86400):
                await self._send(f"reelbot has spent {ptc_text(spent)} of its {ptc_text(self._ceiling)} PTC for today "
                                 f"({step} % of the bot-wide ceiling)."
                                 + (" New jobs are refused until midnight UTC." if step == 100 else ""))

    async def alert(self, cause: str, text: str) -> None:
        if await self._policy.alert_due(cause, self._clock(), self._alert_every):
            await self._send(text)

    async def _send(self, text: str) -> None:
        log.warning("alert to the admins: %s", text)
        for platform, messenger in list(self._messengers.items()):
            alert = getattr(messenger, "alert_admins", None)
            if alert is None:
                continue
            try:
                await alert(text)
            except Exception as exc:  # an alert is a courtesy: the log line above stays
                log.warning("could not alert the %s admins: %s", platform, exc)

    # -- the probe ---------------------------------------------------------------------------

    async def start(self) -> None:
        snapshot = await self._policy.snapshot(quota_day(self._clock()))
        if snapshot.pause is not None and snapshot.pause.cause in _SELF_LIFTING:
            self._probe.start()

    async def stop(self) -> None:
        await self._probe.stop()

    async def _probe_until_lifted(self) -> None:
        while True:
            await asyncio.sleep(self._probe_interval)
            snapshot = await self._policy.snapshot(quota_day(self._clock()))
            if snapshot.pause is None or snapshot.pause.cause not in _SELF_LIFTING:
                return  # lifted by an admin, or paused by one (which only an admin lifts)
            try:
                await self._client.query_video("0")  # free; a known key gets "no such task"
            except (AuthFailed, RetryLater) as err:
                log.info("302.AI still refuses (%s); new jobs stay paused", err.detail)
                continue
            except Exception:  # any other answer means the key was taken
                pass
            if await self._policy.resume("302.AI", self._clock(), only_cause=snapshot.pause.cause):
                log.warning("302.AI answers again: new jobs resumed")
                await self._send("302.AI answers the bot's key again: new jobs are accepted again.")
            return
