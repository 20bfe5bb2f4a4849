"""The operator's web console (docs/console.md): pages over the store, actions through
bot.admin.AdminDesk, logins by one-time links."""

from adapters.web.app import ConsoleWeb
from adapters.web.links import chat_login_link, console_address, login_link

__all__ = ["ConsoleWeb", "chat_login_link", "console_address", "login_link"]
