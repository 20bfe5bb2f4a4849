"""Login links: what `reelbot admin console-login` prints and `/admin console` sends."""

from __future__ import annotations

from bot.i18n import language_of
from bot.store.console_sessions import ConsoleSessions

__all__ = ["console_address", "login_link", "chat_login_link"]


def console_address(settings) -> str:
    """REELBOT_CONSOLE_URL, or the listener's own address when none is set."""
    if settings.console_url:
        return settings.console_url
    listen = settings.console_listen or "127.0.0.1:9103"
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    host = "127.0.0.1" if host == "0.0.0.0" else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


async def login_link(db, settings, actor: str, language: str | None = None) -> str:
    """A one-time link (10 minutes) that starts a console session for `actor`."""
    token = await ConsoleSessions(db).issue_link(actor, language_of(language))
    return f"{console_address(settings)}/login?t={token}"


async def chat_login_link(core, admin) -> str:
    """`/admin console` from a chat: a link for that admin (the core's rule: admins only),
    in their language. The answer goes to them privately, as every /admin answer does."""
    from bot.access import Refused
    from bot.admin import NOT_ADMIN

    if not admin.is_admin:
        raise Refused(NOT_ADMIN)
    settings = core.settings
    if not (settings.console_listen or settings.console_url):
        raise Refused("The web console is off: set REELBOT_CONSOLE_LISTEN (or REELBOT_CONSOLE_URL where "
                      "`reelbot console-web` serves it); see docs/console.md.")
    link = await login_link(core.db, settings, admin.user_key, admin.language)
    return f"Your console login link (one use, valid 10 minutes; do not share it): {link}"
