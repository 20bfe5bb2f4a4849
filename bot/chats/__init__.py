"""Communities run themselves, within the operator's bounds: what a chat's own admins set for
their chat (bot.chats.desk), how the core applies it to every request before quota is
reserved (bot.chats.rules), and the operator's adult-only models (bot.chats.adult)."""
