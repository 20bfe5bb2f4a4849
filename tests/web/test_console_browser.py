"""The operator's console in Debian's chromium: logging in, what needs a session, CSRF, what a
member wrote shown as text, the CSP, actions that reach the store and the audit once, a phone's
width, and Chinese. Screenshots of each test's last page are saved in its temp dir."""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.web.app import CSP
from bot.access import Refused
from bot.domain.requests import Requester
from bot.errors import ValidationError
from tests.core.helpers import request
from tests.web.conftest import log_in

PAGES = ("/", "/jobs", "/members", "/chats", "/payments", "/models", "/audit", "/settings")
MARKUP = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> @everyone'


def member(name: str) -> Requester:
    return Requester("telegram", str(zlib.crc32(name.encode())), chat_id="-100", name=name)


def test_a_login_link_starts_one_session_and_is_refused_the_second_time(page, served, browser):
    link = served.link()
    page.goto(link)
    page.click("#login")
    page.wait_for_url(served.url + "/")
    other = browser.new_context().new_page()
    other.goto(link)
    with other.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        other.click("#login")
    assert answer.value.status == 403
    other.goto(served.url + "/jobs")
    assert other.url == served.url + "/login"
    other.context.close()


def test_a_login_link_older_than_ten_minutes_is_refused(page, served):
    link = served.link()
    served.rows("UPDATE console_links SET created_at = created_at - 601 WHERE used_at IS NULL RETURNING 1")
    page.goto(link)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#login")
    assert answer.value.status == 403
    assert "not valid" in page.inner_text("main")


def test_every_page_without_a_session_leads_to_the_login_page(page, served):
    for path in PAGES + ("/jobs/anything", "/members/telegram:1"):
        page.goto(served.url + path)
        assert page.url == served.url + "/login", path
    refused = page.request.post(served.url + "/pause", form={"nonce": "n" * 12}, max_redirects=0)
    assert refused.status == 303 and served.rows("SELECT * FROM pause") == []


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(page, served):
    who = member("csrf")
    served.delivered_job("a cat", who)
    log_in(page, served)
    refused = page.request.post(served.url + "/grant", form={"user": who.user_key, "credits": "5",
                                                             "nonce": "nonce-csrf-1"}, max_redirects=0)
    assert refused.status == 403
    wrong = page.request.post(served.url + "/grant", form={"user": who.user_key, "credits": "5", "csrf": "guess",
                                                           "nonce": "nonce-csrf-2"}, max_redirects=0)
    assert wrong.status == 403
    assert served.rows("SELECT * FROM audit WHERE target = ?", (who.user_key,)) == []


def test_a_prompt_with_markup_shows_as_text_and_runs_nothing(page, served):
    job_id = served.delivered_job(MARKUP, member("markup"))
    log_in(page, served)
    answer = page.goto(f"{served.url}/jobs/{job_id}")
    assert page.inner_text("#prompt") == MARKUP
    assert page.evaluate("window.pwned") is None
    assert page.locator("main img:not(#result-media), main script").count() == 0  # only the job's own result
    assert answer.headers["content-security-policy"] == CSP
    page.goto(f"{served.url}/jobs")
    assert MARKUP[:60] in page.inner_text("table.jobs")
    assert page.evaluate("window.pwned") is None
    assert page.errors == []


def test_a_chat_title_with_markup_shows_as_text_on_the_chats_and_jobs_pages_and_filters_them(page, served):
    who = replace(member("titled"), chat_id="-1009", chat_title=MARKUP)
    job_id = served.delivered_job("a titled fox", who)
    log_in(page, served)
    page.goto(f"{served.url}/chats")
    assert MARKUP in page.inner_text("#chats")
    page.click("#chats a >> text=telegram:-1009")
    assert page.locator("table.jobs a[href^='/jobs/']").all_inner_texts() == [job_id]
    assert MARKUP in page.inner_text("table.jobs")
    page.fill("input[name=chat]", MARKUP)  # the title itself, as the filter's list offers it
    page.click("form.filters button")
    assert page.locator("table.jobs a[href^='/jobs/']").all_inner_texts() == [job_id]
    page.goto(f"{served.url}/jobs/{job_id}")
    assert MARKUP in page.inner_text("main")
    assert page.evaluate("window.pwned") is None and page.locator("main script").count() == 0
    assert page.errors == []


def test_a_model_switched_off_on_the_models_page_is_refused_to_members_once_and_on_again(page, served):
    log_in(page, served)
    page.goto(f"{served.url}/models")
    row = page.locator("#models tr[data-model='minimaxi-image-01']")
    form = {name: row.locator(f"input[name={name}]").get_attribute("value")
            for name in ("csrf", "nonce", "model", "switch", "back")}
    row.locator("button.switch-off").click()
    assert "is off" in page.inner_text(".flash")
    assert "switched off" in page.inner_text("#models tr[data-model='minimaxi-image-01']")
    with pytest.raises(ValidationError, match="switched off by the bot's operator"):
        served.call(lambda: served.core.submit(request("image", "refused", who=member("switched"))))
    assert page.request.post(served.url + "/model", form=form).ok  # the same form once more
    assert served.rows("SELECT COUNT(*) FROM audit WHERE action = 'model off'") == [(1,)]
    page.locator("#models tr[data-model='minimaxi-image-01'] button.switch-on").click()
    assert "is on again" in page.inner_text(".flash")
    assert served.rows("SELECT actor FROM audit WHERE action = 'model on'") == [("console:cli:tester",)]
    assert served.delivered_job("accepted again", member("switched"))
    denied = page.locator("#models tr[data-model='sora-2-pro']")
    assert "REELBOT_VIDEO_MODELS" in denied.inner_text() and denied.locator("button").count() == 0
    assert page.errors == []


def test_a_job_page_shows_its_image_through_the_console_and_the_policy_still_refuses_inline_script(page, served):
    job_id = served.delivered_job("a shown fox", member("shown"))
    log_in(page, served)
    answer = page.goto(f"{served.url}/jobs/{job_id}")
    assert "media-src 'self'" in answer.headers["content-security-policy"]
    shown = page.locator("img#result-media")
    assert shown.get_attribute("src") == f"/jobs/{job_id}/result"
    page.wait_for_function("document.querySelector('#result-media').complete")
    assert page.evaluate("document.querySelector('#result-media').naturalWidth") > 0  # the PNG itself
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.inline = 1';
                             document.body.appendChild(s); }""")
    assert page.evaluate("window.inline") is None
    assert any("Content Security Policy" in e for e in page.errors)  # the browser refused it, and said so


def test_a_video_job_page_has_a_player_and_an_expired_result_says_expired(page, served):
    def video_job() -> str:
        async def run() -> str:
            ticket = await served.core.submit(request("video", "a shown cat", who=member("player")))
            await served.core.wait_idle()
            return ticket.job_id
        return served.call(run, timeout=60)
    job_id = video_job()
    log_in(page, served)
    page.goto(f"{served.url}/jobs/{job_id}")
    assert page.locator("video#result-media[controls]").get_attribute("src") == f"/jobs/{job_id}/result"
    fetched = page.request.get(f"{served.url}/jobs/{job_id}/result")
    assert fetched.status == 200 and fetched.headers["content-type"] == "video/mp4"
    served.rows("UPDATE jobs SET ready_at = ready_at - 10 * 3600, finished_at = finished_at - 10 * 3600 "
                "WHERE id = ? RETURNING 1", (job_id,))
    page.goto(f"{served.url}/jobs/{job_id}")
    assert page.locator("#result-media").count() == 0 and "expired" in page.inner_text("#result")
    assert page.request.get(f"{served.url}/jobs/{job_id}/result").status == 410
    assert page.errors == []


def test_a_result_that_is_not_a_picture_or_a_video_is_never_served_on_the_consoles_origin(page, served):
    job_id = served.delivered_job("a page, not a picture", member("not-media"))
    # a file host answering with a web page (the console's own login page, on loopback)
    served.rows("UPDATE jobs SET result_url = ? WHERE id = ? RETURNING 1", (served.url + "/login", job_id))
    log_in(page, served)
    answer = page.request.get(f"{served.url}/jobs/{job_id}/result")
    assert answer.status == 502 and "not a picture or a video" in answer.text()
    assert answer.headers["content-type"].startswith("text/plain")


def test_every_page_sends_the_policy_and_the_browser_logs_no_error(page, served):
    log_in(page, served)
    for path in PAGES:
        answer = page.goto(served.url + path)
        assert answer.status == 200, path
        assert answer.headers["content-security-policy"] == CSP
        assert "no-store" in answer.headers["cache-control"]
    assert page.errors == []


def test_the_cookie_is_http_only_and_strict(page, served):
    log_in(page, served)
    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""


def test_a_grant_from_a_member_page_reaches_the_store_the_audit_and_their_quota(page, served):
    who = member("granted")
    served.delivered_job("a dog", who)
    before = served.call(lambda: served.core.quota(who))
    log_in(page, served)
    page.goto(f"{served.url}/members?q=granted")
    page.click(f"a[href='/members/{who.user_key}']")
    page.fill("input[name=credits] >> nth=0", "7")
    page.fill("input[name=reason] >> nth=0", "for the contest")
    page.click("#grant")
    assert "Granted 7 credits" in page.inner_text(".flash")
    after = served.call(lambda: served.core.quota(who))
    assert after.granted_today == before.granted_today + 7
    [(actor, detail)] = served.rows("SELECT actor, detail FROM audit WHERE action = 'grant' AND target = ?",
                                    (who.user_key,))
    assert actor == "console:cli:tester" and "for the contest" in detail
    page.goto(f"{served.url}/audit")
    assert who.user_key in page.inner_text("#audit")


def test_a_refund_pressed_twice_gives_the_credits_back_once(page, served):
    job_id = served.delivered_job("a bird", member("refunded"))
    log_in(page, served)
    page.goto(f"{served.url}/jobs/{job_id}")
    form = {name: page.get_attribute(f"form[action='/refund'] input[name={name}]", "value")
            for name in ("csrf", "nonce", "job")}
    page.click("#refund")
    assert "given back" in page.inner_text(".flash")
    again = page.request.post(served.url + "/refund", form=form)  # the same form once more
    assert again.ok
    assert served.rows("SELECT COUNT(*) FROM ledger WHERE job_id = ? AND entry = 'reversal'", (job_id,)) == [(1,)]
    assert served.rows("SELECT COUNT(*) FROM audit WHERE action = 'refund' AND target = ?", (job_id,)) == [(1,)]
    page.goto(f"{served.url}/jobs/{job_id}")
    assert page.locator("#refund").count() == 0 and "reversal" in page.inner_text("main")


def test_pause_from_the_overview_refuses_members_and_resume_lets_them_in(page, served):
    log_in(page, served)
    page.fill("#pause input[name=reason]", "maintenance")
    page.click("#pause-button")
    page.wait_for_selector("#resume")
    with pytest.raises(Refused, match="maintenance"):
        served.call(lambda: served.core.submit(request("image", "refused", who=member("paused"))))
    page.click("#resume")
    page.wait_for_selector("#pause-button")
    assert served.delivered_job("accepted", member("paused"))
    assert page.errors == []


def test_the_charts_have_a_bar_for_every_day_and_hour(page, served):
    served.delivered_job("a chart", member("charted"))
    log_in(page, served)
    spend, hours = page.locator("svg.chart").all()
    assert spend.get_attribute("data-points") == "30" and spend.locator("rect").count() == 30
    assert hours.get_attribute("data-points") == "168" and hours.locator("rect").count() == 3 * 168
    assert [hours.locator(f"rect.{kind}").count() for kind in "abc"] == [168, 168, 168]  # delivered, refunded, cancelled
    last_hour = hours.locator("rect.a").last.locator("title").text_content()  # "12-01 23:00: delivered 5"
    start = datetime.strptime(f"{datetime.now(UTC).year}-{last_hour[:11]}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    delivered = served.rows("SELECT COUNT(*) FROM jobs WHERE state = 'delivered' AND finished_at >= ? "
                            "AND finished_at < ?", (start.timestamp(), start.timestamp() + 3600))[0][0]
    assert delivered > 0 and last_hour.endswith(f" {delivered}")


def test_every_page_fits_a_phone_without_scrolling_sideways(page, served, tmp_path):
    served.delivered_job("a " + "very-long-prompt-" * 20, member("phone"))
    log_in(page, served)
    job_id = served.rows("SELECT id FROM jobs ORDER BY created_at DESC LIMIT 1")[0][0]
    user = served.rows("SELECT user_key FROM jobs WHERE id = ?", (job_id,))[0][0]
    for path in PAGES + (f"/jobs/{job_id}", f"/members/{user}"):
        page.goto(served.url + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        shot = tmp_path / ("page" + path.replace("/", "_").replace(":", "-") + ".png")
        page.screenshot(path=str(shot), full_page=True)  # every page, for the CI log
        print(f"screenshot: {shot}")


def test_a_chinese_session_sees_chinese_pages(page, served):
    log_in(page, served, language="zh")
    assert "概览" in page.inner_text("h1")
    page.goto(served.url + "/jobs")
    assert "任务" in page.inner_text("h1")
    assert page.get_attribute("html", "lang") == "zh-Hans"
