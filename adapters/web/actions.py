"""The console's actions (POST, behind the session and CSRF checks of app._guard). Each goes
through bot.admin.AdminDesk, as `/admin` and `reelbot admin` do, so the rules and the audit
row are the same; the actor is the operator who logged in (`console:<who>`), and the key is
the form's nonce, so a form sent twice (a double click, a reload) acts once."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from adapters.web.shared import CONSOLE, DESK, SECRET, SESSION, context
from adapters.web.words import LANGUAGES
from bot.access import Refused
from bot.domain.requests import Requester
from bot.members import is_banned, member_key, why_not_refundable

__all__ = ["routes"]


def routes(router: web.UrlDispatcher) -> None:
    for name, handler in (("pause", pause), ("resume", resume), ("grant", grant), ("limit", limit),
                          ("ban", ban), ("unban", unban), ("refund", refund), ("model", model), ("language", language),
                          ("logout", logout)):
        router.add_post(f"/{name}", handler)


def _operator(request: web.Request) -> Requester:
    return Requester("console", request[SESSION].actor, is_admin=True)


async def _form(request: web.Request) -> tuple[dict[str, str], str]:
    form = {k: str(v).strip() for k, v in (await request.post()).items()}
    nonce = form.get("nonce", "")
    if not 8 <= len(nonce) <= 64:
        raise web.HTTPBadRequest(text="This form has no nonce: reload the page.")
    return form, f"console:{nonce}"


def _done(request: web.Request, answer: str, back: str) -> web.StreamResponse:
    """Back to the page the form was on, with the answer shown there once."""
    request.app[CONSOLE].flashes[request[SECRET]] = answer
    if not back.startswith("/") or back.startswith("//"):  # only our own pages
        back = "/"
    raise web.HTTPSeeOther(back)


async def _act(request: web.Request, act) -> web.StreamResponse:
    form, key = await _form(request)
    try:
        answer = await act(form, key)
    except Refused as refused:
        answer = str(refused)
    except ValueError:
        answer = "Give whole numbers."
    return _done(request, answer, form.get("back", "/"))


async def pause(request: web.Request) -> web.StreamResponse:
    form, key = await _form(request)
    answer = await request.app[DESK].admin.pause(_operator(request), form.get("reason", ""), key=key)
    return await _pause_answer(request, answer, form)


async def resume(request: web.Request) -> web.StreamResponse:
    form, key = await _form(request)
    answer = await request.app[DESK].admin.resume(_operator(request), key=key)
    return await _pause_answer(request, answer, form)


async def _pause_answer(request: web.Request, answer: str, form: dict[str, str]) -> web.StreamResponse:
    if request.headers.get("HX-Request"):  # htmx swaps the pause box in place
        pause = await request.app[DESK].db.fetchone("SELECT cause, reason, actor, at FROM pause")
        return aiohttp_jinja2.render_template("_pause.html", request, context(
            request, pause=dict(pause) if pause else None, answer=answer))
    return _done(request, answer, form.get("back", "/"))


async def grant(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        who = await member_key(desk.db, form.get("user", ""))
        return await desk.admin.grant(_operator(request), who, int(form.get("credits", "")), form.get("reason", ""),
                                      key=key)
    return await _act(request, act)


async def limit(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        scope, target = form.get("scope", "user"), form.get("target", "")
        if scope == "user":
            target = await member_key(desk.db, target)
        in_flight = int(form["in_flight"]) if form.get("in_flight") else None
        return await desk.admin.limit(_operator(request), scope, target, int(form.get("credits", "")), in_flight,
                                      key=key)
    return await _act(request, act)


async def ban(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        who = await member_key(desk.db, form.get("user", ""))
        if await is_banned(desk.db, who):
            return f"{who} was already banned; nothing changed."
        return await desk.admin.ban(_operator(request), who, form.get("reason", ""), key=key)
    return await _act(request, act)


async def unban(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        who = await member_key(desk.db, form.get("user", ""))
        if not await is_banned(desk.db, who):
            return f"{who} was not banned; nothing changed."
        return await desk.admin.unban(_operator(request), who, key=key)
    return await _act(request, act)


async def refund(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        job_id = form.get("job", "")
        if why := await why_not_refundable(desk.db, job_id):
            return why
        return await desk.admin.refund(_operator(request), job_id, key=key)
    return await _act(request, act)


async def model(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]

    async def act(form, key):
        if form.get("switch") not in ("on", "off"):
            return "Say on or off."
        return await desk.admin.switch_model(_operator(request), form.get("model", ""), form["switch"] == "on", key=key)
    return await _act(request, act)


async def language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    chosen = str(form.get("language", ""))
    if chosen in LANGUAGES:
        await request.app[CONSOLE].sessions.set_language(request[SECRET], chosen)
    back = str(form.get("back", "/"))
    raise web.HTTPSeeOther(back if back.startswith("/") and not back.startswith("//") else "/")


async def logout(request: web.Request) -> web.StreamResponse:
    await request.app[CONSOLE].sessions.end(request[SECRET])
    response = web.HTTPSeeOther("/login")
    response.del_cookie("reelbot_console", path="/")
    raise response
