"""JSON log lines parse, name the job they are about, and carry no secret."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import setup_logging

KEY = "sk-live-0123456789abcdef"
TOKEN = "7000001:AAHtestTOKEN-never-in-logs_0123456789"


def test_json_lines_parse_carry_the_job_id_and_no_secret():
    setup_logging("DEBUG", [KEY, TOKEN], "json")
    root = logging.getLogger()
    out = io.StringIO()
    root.handlers[0].setStream(out)
    try:
        log = logging.getLogger("bot.jobs.life")
        log.info("job 3fa2c91b0d4e: 302.AI busy; key %s", KEY)
        log.debug("POST https://api.telegram.org/bot%s/sendMessage with {'token': 'itoken.abcdefghijklmnop'}", TOKEN)
        try:
            raise RuntimeError(f"refused {KEY}")
        except RuntimeError:
            log.exception("job 3fa2c91b0d4e failed")
    finally:
        root.handlers[:] = []
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [entry["level"] for entry in lines] == ["INFO", "DEBUG", "ERROR"]
    assert lines[0]["job_id"] == "3fa2c91b0d4e" and lines[0]["logger"] == "bot.jobs.life"
    assert "exception" in lines[2] and "RuntimeError" in lines[2]["exception"]
    text = out.getvalue()
    assert KEY not in text and TOKEN not in text and "itoken.abc" not in text
