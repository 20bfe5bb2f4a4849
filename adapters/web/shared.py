"""What the console's app, pages and actions share: the app's keys and every template's context."""

from __future__ import annotations

import secrets

from aiohttp import web

from adapters.web.words import gettext_for
from bot.store.console_sessions import ConsoleSessions

__all__ = ["DESK", "SESSIONS", "CONSOLE", "SESSION", "SECRET", "LANGUAGE", "context"]

DESK = web.AppKey("desk", object)
SESSIONS = web.AppKey("sessions", ConsoleSessions)
CONSOLE = web.AppKey("console", object)
SESSION = web.RequestKey("session", object)  # the live session (bot.store.console_sessions.Session)
SECRET = web.RequestKey("secret", str)  # its cookie's secret
LANGUAGE = web.RequestKey("language", str)


def context(request: web.Request, **values) -> dict:
    """What every template gets: the words in the session's language, the CSRF token, a
    fresh nonce for each form (its admin action's key: submitted twice, it acts once)."""
    session = request.get(SESSION)
    console = request.app[CONSOLE]
    flash = console.flashes.pop(request.get(SECRET) or "", None)
    return {"_": gettext_for(request[LANGUAGE]), "lang": request[LANGUAGE], "session": session,
            "csrf": session.csrf if session else "", "nonce": lambda: secrets.token_urlsafe(12),
            "flash": flash, "path": request.path, **values}
