"""The console adapter: one line is one command; results are saved as files. It speaks the
language the terminal's locale names (LC_ALL, LC_MESSAGES, LANG, as gettext reads them)."""

from __future__ import annotations

import asyncio
import getpass
import os
import shlex
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.domain.requests import Command, GenerationRequest, Requester
from bot.core import Core
from bot.errors import UserError
from bot.help import help_topic
from bot.history import job_line, jobs_heading
from bot.i18n import Joined, T, Text, render
from bot.jobs.cancel import cancelled_text
from bot.jobs.eta import progress_notes
from bot.domain.job import Job
from bot.ports import Progress, Result
from bot.texts import kind_text, quota_text, stage_text, ticket_text
from bot.textsyntax import parse
from bot.validation import MAX_IMAGE_BYTES

__all__ = ["ConsoleAdapter", "ConsoleMessenger"]

PLATFORM = "console"


class ConsoleMessenger:
    """Prints what happens; saves each result under `out_dir` and prints its path."""

    def __init__(self, out_dir: Path, out: TextIO):
        self._out_dir, self._out = out_dir, out
        self._last_stage: dict[str, tuple[str, int | None]] = {}

    def say(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    def tell(self, job: Job, text: Text) -> None:
        self.say(f"[{job.id}] {render(text, job.requester.language)}")

    async def acknowledge(self, job: Job, ticket) -> None:
        self.tell(job, ticket_text(ticket))

    async def progress(self, job: Job, progress: Progress) -> None:
        seen = (progress.stage, progress.position)
        if self._last_stage.get(job.id) != seen:  # one line per stage (and place in line), not per poll
            self._last_stage[job.id] = seen
            self.tell(job, Joined([T("{stage}… ({elapsed}s)", stage=stage_text(progress.stage),
                                     elapsed=f"{progress.elapsed:.0f}"), *progress_notes(progress)], sep=" "))

    async def deliver(self, job: Job, result: Result) -> None:
        self._last_stage.pop(job.id, None)
        for picture in (result, *result.more):  # an answer of several pictures: each saved and named
            self.tell(job, await self.save(picture))

    async def save(self, result: Result) -> Text:
        """Saves `result` under the output folder; what to tell the user."""
        if result.data is None:
            return T("Your {kind} is ready (too large to save here): {url}", kind=kind_text(result.kind),
                     url=result.url)
        self._out_dir.mkdir(parents=True, exist_ok=True)
        path = (self._out_dir / result.filename).resolve()
        await asyncio.to_thread(path.write_bytes, result.data)
        return T("Your {kind} is ready: {path}", kind=kind_text(result.kind), path=str(path))

    async def fail(self, job: Job, reason: Text | str) -> None:
        self._last_stage.pop(job.id, None)
        self.tell(job, T("Failed: {reason}", reason=reason))

    def upload_limit(self, job: Job) -> int:
        return 1024 * 1024 * 1024


class ConsoleAdapter:
    def __init__(self, core: Core, out_dir: Path, *, out: TextIO = sys.stdout, user: str | None = None,
                 language: str | None = None):
        self._core = core
        language = language or _locale()
        # a member, not an admin: the console shows what members see (operators have `reelbot admin`)
        self._user = Requester(PLATFORM, user or getpass.getuser(), name=user or getpass.getuser(),
                               language=language)
        self.language = language
        self.messenger = ConsoleMessenger(out_dir, out)
        core.register(PLATFORM, self.messenger)
        self._listed: list[str] = []  # job ids of the last /jobs, so /fetch 2 means its line 2

    async def handle(self, line: str) -> bool:
        """Run one command line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        head, _, rest = line.partition(" ")
        name = head.lstrip("/").lower()
        def say(text: Text | str) -> None:
            self.messenger.say(render(text, self.language))

        try:
            if name in ("quit", "exit"):
                return False
            if name == "help":
                topic = help_topic(rest)  # /help video: that command's details
                say(self._core.help_text("text", topic))
                ways = T("In the console: /animate PATH [prompt], /video --character=PATH prompt, /quit.")
                fetch = T("/fetch N saves result N of /jobs again; /cancel JOB_ID cancels a waiting job.")
                console = {None: [ways, fetch], "animate": [ways], "video": [ways], "jobs": [fetch],
                           "image": [T("/image --image=PATH prompt redraws that picture.")]}
                for note in console.get(topic, []):
                    say(note)
            elif name == "quota":
                say(quota_text(await self._core.quota(self._user), time.time()))
            elif name == "jobs":
                await self._jobs()
            elif name == "fetch":
                await self._fetch(rest.strip())
            elif name == "cancel":
                job = await self._core.cancel(rest.strip(), self._user)
                say(f"[{job.id}] {cancelled_text(job)}")
            elif name in ("image", "video", "animate"):
                await self._generate(Command(name), rest)
            else:
                say(T("Unknown command {command}. Type /help.", command=repr(head)))
        except UserError as err:
            say(T("Sorry: {reason}", reason=err.text))
        return True

    async def _jobs(self) -> None:
        jobs = await self._core.jobs(self._user)
        self._listed = [job.id for job in jobs]
        now = time.time()
        self.messenger.say("\n".join([str(jobs_heading(len(jobs))),
                                       *(f"{job_line(n, job, now)} [{job.id}]" for n, job in enumerate(jobs, 1))]))

    async def _fetch(self, which: str) -> None:
        """`/fetch 2` (line 2 of the last /jobs) or `/fetch JOB_ID`."""
        if which.isdigit() and 1 <= int(which) <= len(self._listed):
            which = self._listed[int(which) - 1]
        if not which:
            raise UserError(T("Say which: /fetch N (a line of /jobs) or /fetch JOB_ID."))
        result = await self._core.refetch(which, self._user, self.messenger.upload_limit(None))
        for picture in (result, *result.more):
            self.messenger.say(f"[{which}] {render(await self.messenger.save(picture), self._user.language)}")

    async def _generate(self, command: Command, text: str) -> None:
        image = None
        if command is Command.ANIMATE:
            path, _, text = _split_path(text)
            if not path:
                raise UserError(T("Give the image's path: /animate PATH [prompt]"))
            image = await _read(path)
        parsed = parse(text)
        options = dict(parsed.options)
        if (character := options.pop("character", None)) is not None:
            image = await _read(character)
        if command is Command.IMAGE and (picture := options.pop("image", None)) is not None:
            image = await _read(picture)  # image to image
        await self._core.submit(GenerationRequest(self._user, {}, command, parsed.prompt, parsed.model,
                                                  options, image))

    async def run(self, stream: TextIO = sys.stdin, *, unified_example: str | None = None) -> None:
        """Read commands until end of input or /quit, then wait for every job to finish.
        `unified_example`: a unified video model the first screen suggests (the demo's)."""
        interactive = stream.isatty()
        if interactive:
            self.messenger.say(render(T("reelbot console. Type /help for commands, /quit to leave."), self.language))
            if unified_example:
                self.messenger.say(render(T("302.AI's unified video models work too, e.g. /video --model={model} "
                                            "a fox running through the snow", model=unified_example), self.language))
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, _read_line, stream, interactive)
            if line is None or not await self.handle(line):
                break
        if self._core.busy:
            self.messenger.say(render(T("Waiting for running jobs to finish…"), self.language))
        await self._core.wait_idle()


def _locale() -> str | None:
    """The terminal's language, in gettext's order of precedence."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return os.environ[name]
    return None


def _read_line(stream: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return input("reelbot> ")
        except EOFError:
            return None
    line = stream.readline()
    return line if line else None


def _split_path(text: str) -> tuple[str, str, str]:
    """`"my pic.png" make it move` -> path, " ", prompt (quotes allow spaces in the path)."""
    text = text.strip()
    if text[:1] in "\"'":
        try:
            first = shlex.split(text)[0]
        except ValueError:
            return "", "", text
        return first, " ", text[len(first) + 2:]
    return text.partition(" ")


async def _read(path: str) -> bytes:
    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(T("No image file at {path}.", path=path))

    def head() -> bytes:
        # one byte past the limit is enough for validation to refuse it by size
        with file.open("rb") as f:
            return f.read(MAX_IMAGE_BYTES + 1)

    return await asyncio.to_thread(head)
