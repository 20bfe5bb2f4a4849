"""What a member's command, click or context menu does: defer, ask the core, answer.

Every path defers first (Discord waits only three seconds for that) as an ephemeral
"thinking" message. That message becomes the job's status display, and any refusal or
error is written into it, so only the member who asked ever sees either. The finished
result is the public follow-up.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any
from contextlib import asynccontextmanager

import discord

from adapters.discord.attachments import first_image, read_image, read_video
from adapters.discord.buttons import fetch_view
from adapters.discord.destination import Target
from adapters.discord.edit import prompt_modal
from adapters.discord.render import cancelled_embed, clip, jobs_embed, problem_embed
from adapters.discord.several import send_several_again
from bot.domain.requests import Command, GenerationRequest, Requester
from bot.core import Core
from bot.errors import UserError
from bot.history import fetchable
from bot.i18n import T, Text, render
from bot.texts import quota_text

__all__ = ["Actions", "APOLOGY", "SORRY", "language_of_interaction"]

log = logging.getLogger(__name__)

APOLOGY = T("Something went wrong on our side. Please try again in a minute; "
            "if it keeps happening, tell the server's admins.")
SORRY = T("Sorry")


def language_of_interaction(interaction: discord.Interaction) -> str | None:
    """The member's language: their Discord client's locale, else the server's."""
    locale = interaction.locale or interaction.guild_locale
    return locale.value if locale is not None else None


class Actions:
    def __init__(self, core: Core, *, admin_ids: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.time):
        self._core, self._admins, self._clock = core, admin_ids, clock
        self.messenger: Any = None  # the adapter's DiscordMessenger: told when a job is cancelled

    @property
    def catalog(self):
        """The live catalog, for what lists or completes models (adapters.discord.models_pages)."""
        return self._core.catalog

    def requester(self, interaction: discord.Interaction) -> Requester:
        user = interaction.user
        roles = tuple(str(role.id) for role in getattr(user, "roles", ()))  # a Member's roles; none in DMs
        nsfw = getattr(interaction.channel, "is_nsfw", None)  # a thread answers for its parent channel
        return Requester(platform="discord", user_id=str(user.id),
                         chat_id=str(interaction.guild_id) if interaction.guild_id else None,
                         name=user.display_name, is_admin=user.id in self._admins,
                         private=interaction.guild_id is None, roles=roles,
                         language=language_of_interaction(interaction), age_restricted=bool(nsfw and nsfw()),
                         chat_title=getattr(interaction.guild, "name", None) or "")

    # -- generation ------------------------------------------------------------------------

    async def generate(self, interaction: discord.Interaction, command: Command, *, prompt: str = "",
                       model: str | None = None, options: Mapping[str, str | None] | None = None,
                       image: discord.Attachment | None = None, end_image: discord.Attachment | None = None,
                       video: discord.Attachment | None = None) -> None:
        """`end_image`: the last frame (/animate); `video`: a clip to restyle (/video). The core
        refuses either by name where the model does not take it, before anything is charged."""
        async with self._answering(interaction) as target:
            data = await read_image(image) if image is not None else None
            last = await read_image(end_image) if end_image is not None else None
            clip_bytes = await read_video(video) if video is not None else None
            chosen = {k: v for k, v in (options or {}).items() if v is not None and v != ""}
            await self._core.submit(GenerationRequest(
                requester=self.requester(interaction), destination=target.dump(), command=command,
                prompt=prompt or "", model=model, options=chosen, image=data, end_image=last, video=clip_bytes))

    async def animate_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Animate image" context menu."""
        async with self._answering(interaction) as target:
            attachment = first_image(message.attachments)
            if attachment is None:
                raise UserError(T("That message has no picture attached. Use “Animate image” on a message with a "
                                  "JPG, PNG or WebP image, or use /animate and attach one."))
            await self._animate(interaction, target, attachment, prompt="")

    async def reroll(self, interaction: discord.Interaction, job_id: str) -> None:
        async with self._answering(interaction) as target:
            await self._core.rerun(job_id, self.requester(interaction), target.dump(), request_key=_key(interaction))

    async def open_edit(self, interaction: discord.Interaction, job_id: str) -> None:
        """The "Edit" button: a form with the prompt to change. It must be the first answer to
        the click, so nothing is deferred; one database read stays well inside the 3 s."""
        try:
            job = await self._core.job(job_id)
            if job is None:
                raise UserError(T("That job is no longer known to this bot, so it cannot be edited."))
            if not job.prompt and job.command is not Command.ANIMATE:
                raise UserError(T("That job is too old to edit: its prompt is no longer kept. "
                                  "Send the command again."))
            await interaction.response.send_modal(prompt_modal(job, str(interaction.locale)))
        except UserError as err:
            await self._refuse(interaction, problem_embed(err.text, language_of_interaction(interaction)))
        except discord.HTTPException as exc:  # the click expired (over 3 s) or Discord refused the form
            log.warning("discord: could not open the edit form for job %s: %s", job_id, exc)
        except Exception:
            log.exception("discord: opening the edit form for job %s failed", job_id)
            await self._refuse(interaction, problem_embed(APOLOGY, language_of_interaction(interaction), title=SORRY))

    async def edit(self, interaction: discord.Interaction, job_id: str, prompt: str) -> None:
        """The submitted Edit form: the job again with `prompt`, charged to who submitted it."""
        async with self._answering(interaction) as target:
            await self._core.rerun(job_id, self.requester(interaction), target.dump(), request_key=_key(interaction),
                                   prompt=prompt)

    async def animate_result(self, interaction: discord.Interaction, job_id: str) -> None:
        """The "Animate" button under an image result: that image becomes the first frame."""
        async with self._answering(interaction) as target:
            message = interaction.message
            attachment = first_image(message.attachments) if message is not None else None
            if attachment is None:
                raise UserError(T("This image was posted as a link, so it cannot be animated from here. "
                                  "Download it and use /animate with it."))
            job = await self._core.job(job_id)
            await self._animate(interaction, target, attachment, prompt=job.prompt if job else "")

    async def _animate(self, interaction: discord.Interaction, target: Target, attachment: discord.Attachment,
                       prompt: str) -> None:
        data = await read_image(attachment)
        await self._core.submit(GenerationRequest(
            requester=self.requester(interaction), destination=target.dump(), command=Command.ANIMATE,
            prompt=prompt, image=data))

    # -- cancel, /jobs, fetching a result again ----------------------------------------------

    async def cancel(self, interaction: discord.Interaction, job_id: str) -> None:
        """The Cancel button on a waiting job's status message, which becomes the member's one
        notice. The core checks who may cancel, and whether 302.AI has the job already."""
        await interaction.response.defer()  # a button's defer: the message it is on is edited later
        language = language_of_interaction(interaction)
        try:
            job = await self._core.cancel(job_id, self.requester(interaction))
        except UserError as err:
            await self._note(interaction, problem_embed(err.text, language, title=T("Not cancelled")))
            return
        except Exception:
            log.exception("discord: cancelling job %s for user %s failed", job_id, interaction.user.id)
            await self._note(interaction, problem_embed(APOLOGY, language, title=SORRY))
            return
        if self.messenger is not None:
            self.messenger.forget(job_id)
        await self._answer(interaction, cancelled_embed(job, language), view=None)

    async def jobs(self, interaction: discord.Interaction) -> None:
        async with self._answering(interaction):
            jobs = await self._core.jobs(self.requester(interaction))
            now = self._clock()
            numbered = [(n, job) for n, job in enumerate(jobs, start=1) if fetchable(job, now)]
            embed = jobs_embed(jobs, now, len(numbered), language_of_interaction(interaction))
            await self._answer(interaction, embed, view=fetch_view(numbered))

    async def fetch(self, interaction: discord.Interaction, job_id: str) -> None:
        """A button under /jobs: the result again, privately, as a file (or a link when too big)."""
        async with self._answering(interaction) as target:
            result = await self._core.refetch(job_id, self.requester(interaction), target.upload_limit)
            if result.more:  # several pictures: again one message (adapters.discord.several)
                await send_several_again(interaction, result, target.upload_limit)
            elif result.data is not None:
                file = discord.File(io.BytesIO(result.data), filename=result.filename)
                await interaction.edit_original_response(embed=None, attachments=[file])
            else:
                text = T("It is too big to upload here; here is a link (valid for a few hours): {url}", url=result.url)
                await interaction.edit_original_response(
                    content=clip(render(text, language_of_interaction(interaction)), 2000))

    @staticmethod
    async def _note(interaction: discord.Interaction, embed: discord.Embed) -> None:
        """A private note beside the message a button is on (which stays as it is)."""
        try:
            await interaction.followup.send(embed=embed, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("discord: could not answer user %s: %s", interaction.user.id, exc)

    # -- information -----------------------------------------------------------------------

    async def quota(self, interaction: discord.Interaction) -> None:
        async with self._answering(interaction):  # deferred before the database is read
            status = await self._core.quota(self.requester(interaction))
            language = language_of_interaction(interaction)
            await self._answer(interaction, discord.Embed(
                title=render(T("Your credits"), language),
                description=render(quota_text(status, self._clock()), language), colour=discord.Colour.blurple()))

    async def help(self, interaction: discord.Interaction, command: str | None = None) -> None:
        """The short list of commands, or `command`'s details."""
        async with self._answering(interaction):
            text = render(self._core.help_text("slash", command), language_of_interaction(interaction))
            await self._answer(interaction, discord.Embed(title="reelbot", description=text,
                                                          colour=discord.Colour.blurple()))

    async def admin(self, interaction: discord.Interaction,
                    act: Callable[[Requester], Awaitable[str]]) -> None:
        """An /admin command: the core checks the caller's rights; the answer is private."""
        async with self._answering(interaction):
            text = await act(self.requester(interaction))
            await self._answer(interaction, discord.Embed(title="Admin", description=text[:4000],
                                                          colour=discord.Colour.dark_gold()))

    async def settings(self, interaction: discord.Interaction, act: Callable[[Requester], Awaitable[Text]]) -> None:
        """A /settings command (adapters.discord.settings): the core checks the rights; the answer is private."""
        async with self._answering(interaction):
            text = render(await act(self.requester(interaction)), language_of_interaction(interaction))
            await self._answer(interaction, discord.Embed(description=text[:4000], colour=discord.Colour.teal()))

    # -- the shared answer path ------------------------------------------------------------

    @asynccontextmanager
    async def _answering(self, interaction: discord.Interaction) -> AsyncIterator[Target]:
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = Target.from_interaction(interaction, self._clock)
        try:
            yield target
        except UserError as err:
            await self._answer(interaction, problem_embed(err.text, language_of_interaction(interaction)))
        except Exception:
            log.exception("discord: %s by user %s failed", _describe(interaction), interaction.user.id)
            await self._answer(interaction, problem_embed(APOLOGY, language_of_interaction(interaction), title=SORRY))

    @staticmethod
    async def _refuse(interaction: discord.Interaction, embed: discord.Embed) -> None:
        """A private first answer to an interaction that was not deferred."""
        try:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("discord: could not answer user %s: %s", interaction.user.id, exc)

    @staticmethod
    async def _answer(interaction: discord.Interaction, embed: discord.Embed, **fields: Any) -> None:
        """Fill in the deferred (private) response."""
        try:
            await interaction.edit_original_response(embed=embed, **fields)
        except discord.HTTPException as exc:
            log.warning("discord: could not answer user %s: %s", interaction.user.id, exc)


def _key(interaction: discord.Interaction) -> str:
    # One click or one submitted form is one job, however often the event reaches us.
    return f"discord:interaction:{interaction.id}"


def _describe(interaction: discord.Interaction) -> str:
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    return f"component {interaction.data.get('custom_id') if interaction.data else '?'}"
