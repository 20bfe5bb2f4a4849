"""The floor of the core: jobs, their states, the table of their moves and money, and the
values that travel with them. It imports nothing of bot/ but bot.i18n's texts (a leaf)."""
