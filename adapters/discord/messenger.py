"""The core's messenger port on Discord, working from a job's stored destination alone."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import discord

from adapters.discord.buttons import result_view, status_view
from adapters.discord.destination import Target
from adapters.discord.once import PostUncertain, nonce_for
from adapters.discord.outbox import Outbox
from adapters.discord.several import send_several
from adapters.discord.render import (
    NO_ATTACHING, done_embed, failed_embed, failure_notice, link_caption, only_requester, result_caption,
    status_embed, too_big,
)
from bot.domain.answers import Ticket
from bot.domain.requests import Destination
from bot.errors import DestinationGone
from bot.i18n import Text
from bot.domain.job import Job
from bot.ports import Progress, Result
from bot.statusline import FAILED, GONE, SHOWN, Key, Outcome, StatusLine

__all__ = ["DiscordMessenger"]

log = logging.getLogger(__name__)

# 401 Invalid Webhook Token (expired), 404 Unknown Webhook/Message (e.g. the member
# dismissed the ephemeral status message): the interaction cannot carry this answer.
_TOKEN_REFUSED = (401, 404)
# The channel refuses for good: 403 (no Send Messages permission, the member's DMs closed,
# the bot no longer in the server), 404 Unknown Channel (deleted). Once the token has
# expired nothing else can carry the answer, so retrying would only download it again.
_CHANNEL_GONE = (403, 404)
_FORBIDDEN = 403
_TOO_LARGE = 413
_UNCERTAIN_KEPT = 100
_ORIGINAL = "@original"  # Discord's name for an interaction's own response (the status message)

Send = Callable[..., Awaitable[Any]]


class DiscordMessenger:
    def __init__(self, outbox: Outbox, *, progress_interval: float = 5.0,
                 clock: Callable[[], float] = time.time, admin_ids: frozenset[int] = frozenset()):
        self._outbox, self._interval, self._clock = outbox, progress_interval, clock
        self._admins = admin_ids
        # Status edits go through the core's one throttle (bot.statusline), keyed by job:
        # Discord rate-limits edits, and discord.py waits out a limit inside the call, which
        # would hold up the job's polling. An update that comes too soon is merged (latest wins).
        self._line = StatusLine(self._edit_status, platform="discord", interval=progress_interval, clock=clock,
                                extra_key=lambda extra: extra is not None and extra[1] is not None)
        # job id -> channel id: results answered with a 5xx whose channel history could not
        # tell whether they arrived (bounded: the newest _UNCERTAIN_KEPT)
        self.uncertain_posts: dict[str, int] = {}

    async def acknowledge(self, job: Job, ticket: Ticket) -> Destination:
        target = Target.load(job.destination)
        embed, view = status_embed(job, "queued", 0.0, None, ticket.credits_left), status_view(job)
        self._line.edited(_status_key(job), _embed_text(embed), (target, view))  # the next edit waits its turn
        await self._quietly(job, self._outbox.edit_original(target, embed=embed, view=view))
        # kept with the job so that later status edits (even after a restart) can show it
        return {"credits_left": ticket.credits_left}

    async def progress(self, job: Job, progress: Progress) -> None:
        target = Target.load(job.destination)
        # past the token's life the status message can no longer be edited
        if not target.token_alive(self._clock()):
            return
        embed = status_embed(job, progress.stage, progress.elapsed, progress.expected,
                             job.destination.get("credits_left"), eta=progress.eta, position=progress.position)
        # the Cancel button stays only while the job waits for 302.AI; any later edit removes it
        view = status_view(job) if progress.stage == "queued" else None
        await self._line.show(_status_key(job), _embed_text(embed), extra=(target, view))

    async def _edit_status(self, key: Key, text: str, extra: tuple[Target, discord.ui.View | None]) -> Outcome:
        target, view = extra
        if not target.token_alive(self._clock()):
            return GONE  # past the token's life the status message can no longer be edited
        try:
            await self._outbox.edit_original(target, embed=discord.Embed.from_dict(json.loads(text)), view=view)
            return SHOWN
        except discord.HTTPException as exc:
            log.info("job %s: status edit failed: %s", key[0], exc)
            return GONE if exc.status in _TOKEN_REFUSED else FAILED

    def forget(self, job_id: str) -> None:
        """No more status edits for this job (it ended: delivered, failed or cancelled)."""
        self._line.forget((job_id, _ORIGINAL))

    async def close(self) -> None:
        await self._line.close(grace=0)

    async def deliver(self, job: Job, result: Result) -> None:
        target = Target.load(job.destination)
        self.forget(job.id)
        if target.token_alive(self._clock()):
            # The status message first: while a deferred response is still "thinking", Discord
            # turns the next follow-up into that (private) response instead of a public message.
            await self._quietly(job, self._outbox.edit_original(target, embed=done_embed(job), view=None))
            try:
                await self._send_result(job, result, self._limit(target, via_token=True),
                                        partial(self._outbox.follow_up, target))
                return
            except PostUncertain as unsure:
                found = await self._found(job, target)
                if found:
                    log.info("job %s: %s, but the result is in the channel: not posting it again", job.id, unsure)
                    return
                if found is None:
                    self._count_as_posted(job, target, str(unsure))
                    return
                raise ConnectionError(f"{unsure}; it is not in the channel") from None
            except discord.HTTPException as exc:
                if exc.status not in _TOKEN_REFUSED:
                    raise
                log.info("job %s: interaction refused the result (%s); posting in the channel", job.id, exc)
        with _gone_if_refused(target):
            # the nonce makes a repeat of this post (discord.py retries a 5xx) the same message
            await self._send_result(job, result, self._limit(target, via_token=False),
                                    partial(self._outbox.post, target, nonce=nonce_for("r", job.id)))

    async def _found(self, job: Job, target: Target) -> bool | None:
        """True: the result is in the channel; False: the history was read and it is not;
        None: the history cannot tell (refused, or empty where the bot may not read it)."""
        try:
            return await self._outbox.find_result(target, job.id)
        except discord.HTTPException as exc:
            log.warning("job %s: cannot look for the result in the channel (%s)", job.id, exc)
            return None

    def _count_as_posted(self, job: Job, target: Target, why: str) -> None:
        """Never post blind: a second public post is worse than a result the member may have
        to scroll up for, and the operator sees why in the log and in /healthz."""
        self.uncertain_posts[job.id] = target.channel_id
        while len(self.uncertain_posts) > _UNCERTAIN_KEPT:
            del self.uncertain_posts[next(iter(self.uncertain_posts))]
        log.warning("job %s: %s, and channel %s's history cannot be read (does the bot have Read "
                    "Message History?): counting the result as posted, not posting it again",
                    job.id, why, target.channel_id)

    def health(self) -> dict[str, Any]:
        """For /healthz: results that may or may not have reached their channel."""
        if not self.uncertain_posts:
            return {}
        return {"posts_uncertain": len(self.uncertain_posts),
                "hint": "grant Read Message History so the bot can check its posts"}

    async def find_post(self, job: Job) -> bool | None:
        """After a crash mid-post: is the result already in the channel? None for failure
        notices (mostly private edits, which can be repeated harmlessly). Where the history
        cannot tell (refused, or empty where the bot may not read it) the result may be
        there: True, noted as uncertain, as after a 5xx on the post itself."""
        if job.state != "ready":
            return None
        target = Target.load(job.destination)
        found = await self._found(job, target)
        if found is None:
            self._count_as_posted(job, target, "a post was under way when the bot stopped")
            return True
        return found

    async def _send_result(self, job: Job, result: Result, limit: int, send: Send) -> None:
        mentions = only_requester(int(job.requester.user_id))
        if result.more:  # several pictures: one message with several files (adapters.discord.several)
            await send_several(job, result, limit, send, mentions)
            return
        size = result.size if result.size is not None else (len(result.data) if result.data else None)
        why = too_big(size, limit)
        if result.data is not None and len(result.data) <= limit:
            try:
                file = discord.File(io.BytesIO(result.data), filename=result.filename)
                await send(content=result_caption(job), file=file, view=result_view(job, attached=True),
                           allowed_mentions=mentions)
                return
            except discord.HTTPException as exc:
                if exc.status not in (_TOO_LARGE, _FORBIDDEN):
                    raise
                # 403: the bot may lack only Attach Files there; a link still reaches the member
                why = NO_ATTACHING if exc.status == _FORBIDDEN else why
                log.info("job %s: Discord refused the %d-byte upload (%s); sending a link",
                         job.id, len(result.data), exc.status)
        await send(content=link_caption(job, result.url, why), view=result_view(job, attached=False),
                   allowed_mentions=mentions)

    async def fail(self, job: Job, reason: Text | str) -> None:
        target = Target.load(job.destination)
        self.forget(job.id)
        embed = failed_embed(job, reason)
        if target.token_alive(self._clock()):
            # privately: the status message turns into the reason, or a new ephemeral note
            # when the member has dismissed it
            for send in (partial(self._outbox.edit_original, target, embed=embed, view=None),
                         partial(self._outbox.follow_up, target, embed=embed, ephemeral=True)):
                try:
                    await send()
                    return
                except discord.HTTPException as exc:
                    if exc.status not in _TOKEN_REFUSED:
                        raise
                    log.info("job %s: interaction refused the failure notice (%s)", job.id, exc)
        with _gone_if_refused(target):
            await self._outbox.post(target, content=failure_notice(job, reason), nonce=nonce_for("f", job.id),
                                    allowed_mentions=only_requester(target.user_id))

    async def alert_admins(self, text: str) -> None:
        """A direct message to each of the bot's admins (the operator's alerts)."""
        for admin_id in sorted(self._admins):
            try:
                await self._outbox.direct(admin_id, content=f"⚠️ reelbot: {text}",
                                          allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException as exc:
                log.warning("could not alert Discord admin %s: %s", admin_id, exc)

    def upload_limit(self, job: Job) -> int:
        target = Target.load(job.destination)
        return self._limit(target, via_token=target.token_alive(self._clock()))

    def _limit(self, target: Target, *, via_token: bool) -> int:
        # the interaction reported its channel's limit; a plain post also obeys the guild's
        # current one (its boost level may have dropped since)
        if via_token:
            return target.upload_limit
        return min(target.upload_limit, self._outbox.channel_upload_limit(target))

    @staticmethod
    async def _quietly(job: Job, edit: Awaitable[Any]) -> None:
        """A status edit is a courtesy: the job goes on without it."""
        try:
            await edit
        except discord.HTTPException as exc:
            log.info("job %s: status edit failed: %s", job.id, exc)


def _status_key(job: Job) -> Key:
    return (job.id, _ORIGINAL)


def _embed_text(embed: discord.Embed) -> str:
    """What the status message is to show, as the throttle compares (and could keep) it."""
    return json.dumps(embed.to_dict(), sort_keys=True, ensure_ascii=False)


@contextmanager
def _gone_if_refused(target: Target) -> Iterator[None]:
    """Posting in the channel, the last way to reach the member: a refusal for good becomes
    DestinationGone; anything else (5xx, a rate limit discord.py gave up on, a dropped
    connection) stays an ordinary error, which the core retries."""
    try:
        yield
    except discord.HTTPException as exc:
        if exc.status in _CHANNEL_GONE:
            raise DestinationGone(f"channel {target.channel_id} refused the bot: {exc.status} {exc.text}") from exc
        raise
