"""`/admin console` on Telegram: an admin gets a one-time link to the web console, privately,
that starts one session; a member gets none."""

from __future__ import annotations

import re

import aiohttp

from adapters.web import ConsoleWeb
from bot.bootstrap import open_desk
from tests.telegram.conftest import ADMIN_ID
from tests.telegram.test_admin_e2e import boss_started_the_bot, texts_to

LINK = re.compile(r"(http://\S+/login\?t=[\w-]+)")


async def test_an_admin_logs_in_once_by_the_link_from_admin_console(start_bot, fake_api):
    bot = await start_bot(console_listen="127.0.0.1:0")
    boss = await boss_started_the_bot(fake_api)
    await fake_api.send_text(boss, fake_api.private_chat(boss), "/admin console")
    text = await fake_api.wait_until(lambda: next((t for t in texts_to(fake_api, ADMIN_ID) if LINK.search(t)), None))
    desk = await open_desk(bot.core.settings)
    web = ConsoleWeb(desk, bot.core.settings, ("127.0.0.1", 0))
    await web.start()
    try:
        url = LINK.search(text).group(1).replace("127.0.0.1:0", f"127.0.0.1:{web.port}")
        token = url.split("t=", 1)[1]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # an IP's cookies
            async with http.post(url.split("?")[0], data={"token": token}, allow_redirects=False) as first:
                assert first.status == 303
            async with http.get(url.split("/login")[0] + "/", allow_redirects=False) as overview:
                assert overview.status == 200
        async with aiohttp.ClientSession() as http:
            async with http.post(url.split("?")[0], data={"token": token}, allow_redirects=False) as again:
                assert again.status == 403
        [(actor,)] = [tuple(r) for r in await desk.db.fetchall("SELECT actor FROM console_sessions")]
        assert actor == f"telegram:{ADMIN_ID}"
    finally:
        await web.stop()
        await desk.close()


async def test_a_member_gets_no_console_link(start_bot, fake_api, ann, ann_chat):
    bot = await start_bot(console_listen="127.0.0.1:0")
    command = await fake_api.send_text(ann, ann_chat, "/admin console")
    reply = await fake_api.wait_until(lambda: fake_api.reply_with(command, "text"))
    assert "Only the bot's admins" in reply["text"] and "login" not in reply["text"]
    assert await bot.core._store.db.fetchall("SELECT * FROM console_links") == []
