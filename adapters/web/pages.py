"""The console's pages (GET): login, overview, jobs, a job, members, a member, audit, settings.
Every value a member wrote (prompts, names, chat titles) reaches the page only through
Jinja2's autoescape; a result is shown through the console's own route (adapters.web.results)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp_jinja2
from aiohttp import web

from adapters.web import charts, results
from adapters.web.models_page import model_rows
from adapters.web.shared import CONSOLE, DESK, LANGUAGE, context
from adapters.web.words import gettext_for
from bot.domain.money import ptc_text
from bot.store import reports

__all__ = ["routes"]

SECRET_SETTINGS = ("api_key",)


def routes(router: web.UrlDispatcher) -> None:
    router.add_get("/login", login_page)
    router.add_post("/login", login)
    router.add_get("/", overview)
    router.add_get("/jobs", jobs)
    router.add_get("/jobs/{job_id}", job)
    router.add_get("/jobs/{job_id}/result", results.result)
    router.add_get("/members", members)
    router.add_get("/members/{user_key}", member)
    router.add_get("/audit", audit)
    router.add_get("/settings", settings)
    router.add_get("/payments", payments)
    router.add_get("/chats", chats)
    router.add_get("/models", models)


def render(name: str, request: web.Request, **values) -> web.Response:
    return aiohttp_jinja2.render_template(name, request, context(request, **values))


async def login_page(request: web.Request) -> web.Response:
    # the link's GET only shows a button: a chat's link preview (Telegram fetches links it
    # is sent) must not spend the one-time link; the POST does
    return render("login.html", request, token=request.query.get("t", ""), refused=False)


async def login(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    address = request.remote or "?"
    if console.login_blocked(address):
        response = render("login.html", request, token="", refused=True)
        response.set_status(429)
        return response
    token = str((await request.post()).get("token", ""))
    secret = await console.sessions.redeem(token) if token else None
    if secret is None:
        console.login_failed(address)
        response = render("login.html", request, token="", refused=True)
        response.set_status(403)
        return response
    response = web.HTTPSeeOther("/")
    console.set_cookie(response, secret)
    raise response


async def overview(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    seen = await reports.overview(request.app[DESK].db, console.clock(), console.settings.bot_daily_mptc,
                                  await console.week())
    return render("overview.html", request, o=seen, ptc=ptc_text, when=when,
                  spend_chart=charts.bars([v for _, v in seen.spend_by_day], [d for d, _ in seen.spend_by_day]),
                  jobs_chart=charts.stacked([outcomes for _, *outcomes in seen.jobs_by_hour],
                                            [h for h, *_ in seen.jobs_by_hour], _outcomes(request)))


def _outcomes(request: web.Request) -> tuple[str, ...]:
    words = gettext_for(request[LANGUAGE])
    return words("delivered"), words("refunded"), words("cancelled")


async def jobs(request: web.Request) -> web.Response:
    filters = {name: request.query.get(name, "").strip() for name in reports.JOB_FILTERS}
    error = None
    try:
        if filters["date"]:
            datetime.strptime(filters["date"], "%Y-%m-%d")
        before = float(request.query["before"]) if request.query.get("before") else None
        found = await reports.jobs(request.app[DESK].db, filters, before)
    except ValueError:
        found, error = [], "date"
    return render("jobs.html", request, jobs=found, filters=filters, error=error, when=when, ptc=ptc_text,
                  page=reports.PAGE, titles=await reports.chat_titles(request.app[DESK].db))


async def job(request: web.Request) -> web.Response:
    found = await reports.job(request.app[DESK].db, request.match_info["job_id"])
    if found is None:
        raise web.HTTPNotFound(text="No such job.")
    return render("job.html", request, job=found, when=when, ptc=ptc_text,
                  shown=results.reachable(found, request.app[CONSOLE].clock()), kind=results.media_kind(found))


async def members(request: web.Request) -> web.Response:
    query = request.query.get("q", "")
    return render("members.html", request, members=await reports.members(request.app[DESK].db, query), q=query,
                  when=when)


async def member(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    found = await reports.member(request.app[DESK].db, request.match_info["user_key"], console.clock())
    return render("member.html", request, m=found, when=when)


async def audit(request: web.Request) -> web.Response:
    before = request.query.get("before", "")
    rows = await reports.audit(request.app[DESK].db, int(before) if before.isdigit() else None)
    return render("audit.html", request, rows=rows, when=when, page=reports.PAGE)


async def payments(request: web.Request) -> web.Response:
    before = request.query.get("before", "")
    try:
        rows = await reports.payments(request.app[DESK].db, float(before) if before else None)
    except ValueError:
        rows = []
    return render("payments.html", request, rows=rows, when=when, page=reports.PAGE)


async def chats(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    allowed = console.settings.allowed_chats
    rows = await reports.chats(request.app[DESK].db, console.clock())
    return render("chats.html", request, rows=rows, everywhere=not allowed,
                  allowed={c.removeprefix("telegram:").removeprefix("discord:") for c in allowed})


async def models(request: web.Request) -> web.Response:
    desk, settings = request.app[DESK], request.app[CONSOLE].settings
    return render("models.html", request, models=await model_rows(desk.db, settings, desk.policy), ptc=ptc_text,
                  when=when, patterns=settings.video_models)


async def settings(request: web.Request) -> web.Response:
    values = dataclasses.asdict(request.app[CONSOLE].settings)
    shown = [(name, _masked(name, value)) for name, value in sorted(values.items())]
    return render("settings.html", request, settings=shown)


def _masked(name: str, value) -> str:
    if name in SECRET_SETTINGS:
        return "•••• (set)" if value else ""
    if name == "database_url" and value:
        parts = urlsplit(str(value))
        if parts.password:  # the address stays readable, its password does not
            host = parts.hostname or ""
            return urlunsplit(parts._replace(netloc=f"{parts.username}:••••@{host}" +
                                             (f":{parts.port}" if parts.port else "")))
    if isinstance(value, (set, frozenset)):
        return ", ".join(sorted(map(str, value)))
    return "" if value is None else str(value)


def when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S") if at else ""
