"""Screenshots of every console page, in English and in Chinese, for docs/console.md:

    .venv/bin/python -m tests.web.screenshots [--out docs/console]

The same set-up as the browser tests (tests/web/conftest.py: a core on the 302.AI simulator,
the console beside it, Debian's chromium through Playwright), with a few jobs, members, a
titled chat and admin actions made through the core first, so that each page has something
to show. Chinese needs a CJK font in the system (Debian: fonts-noto-cjk). Each shot is the
1280×800 viewport, reduced to a 64-colour palette so the set stays small in git.
"""

from __future__ import annotations

import argparse
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path

from PIL import Image

from bot.domain.requests import Requester
from tests.core.helpers import request
from tests.web.conftest import ARGS, CHROMIUM, Served

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = Requester("console", "cli:operator", is_admin=True)
VIEWPORT = {"width": 1280, "height": 800}


def member(name: str, chat: str, title: str) -> Requester:
    return Requester("telegram", str(zlib.crc32(name.encode())), chat_id=chat, name=name, chat_title=title)


def seed(served: Served) -> tuple[str, str]:
    """Jobs, members, chats and admin actions to show; the id of an image job and its member."""
    film, birds = ("-1001", "Film club"), ("-1002", "Birders 观鸟")
    people = [member("Ann", *film), member("Bo 波", *film), member("Chen", *birds)]
    shown = served.delivered_job("a red fox in the snow, watercolour", people[0])
    for who, prompt in zip(people, ("a lighthouse at dusk", "一只在雪地里的狐狸", "an owl on a branch")):
        served.delivered_job(prompt, who)

    async def more() -> None:
        core, admin = served.core, served.desk.admin
        await core.submit(request("image", "a flagged prompt [sim:flag]", who=people[2]))
        await core.submit(request("video", "a cat surfing a wave", who=people[1]))
        await core.wait_idle()
        await admin.grant(OPERATOR, people[0].user_key, 20, "contest winner", key="shots:grant")
        await admin.limit(OPERATOR, "chat", people[2].chat_key, 200, key="shots:limit")
        await admin.switch_model(OPERATOR, "kling-21", False, key="shots:model")
    served.call(more, timeout=120)
    return shown, people[0].user_key


def small_png(path: Path) -> None:
    """The screenshot as a 64-colour palette PNG: text and flat colours survive, the size drops."""
    with Image.open(path) as shot:
        reduced = shot.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        served = Served(Path(data))
        try:
            job_id, user_key = seed(served)
            pages = {"overview": "/", "jobs": "/jobs", "job": f"/jobs/{job_id}", "members": "/members",
                     "member": f"/members/{user_key}", "chats": "/chats", "payments": "/payments",
                     "models": "/models", "audit": "/audit", "settings": "/settings"}
            saved = []
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for language in ("en", "zh"):
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                    page.goto(served.link(language))
                    page.click("#login")
                    page.wait_for_url(served.url + "/")
                    for name, path in pages.items():
                        page.goto(served.url + path)
                        page.wait_for_load_state("networkidle")
                        shot = out / f"{language}-{name}.png"
                        page.screenshot(path=str(shot))
                        small_png(shot)
                        saved.append(shot)
                    context.close()
                browser.close()
            return saved
        finally:
            served.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    args = parser.parse_args()
    saved = shoot(args.out)
    total = sum(p.stat().st_size for p in saved)
    print(f"{len(saved)} screenshots in {args.out}, {total / 1024:.0f} KB")


if __name__ == "__main__":
    main()
