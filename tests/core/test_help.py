"""/help: a short list (one line per command, under 1,000 characters in every language and
style) and `/help <command>` with the details the long help used to give, under their command."""

from __future__ import annotations

import pytest

from bot.catalog import CAMERA_MOVES, Catalog, default_models
from bot.help import HELP_TOPICS, help_text, help_topic
from bot.i18n import render

CATALOG = Catalog(default_models())
LISTED = ("/video", "/animate", "/image", "/models", "/quota", "/jobs", "/settings", "/help")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("style", ["text", "slash"])
def test_the_short_help_is_under_1000_characters_and_names_every_command(language, style):
    text = render(help_text(CATALOG, style, shop=True), language)
    # a Chinese member's Discord shows the slash commands by their Chinese names
    names = (*LISTED, "/buy") if (style, language) != ("slash", "zh") else (
        "/视频", "/动画", "/图片", "/models", "/quota", "/jobs", "/settings", "/帮助", "/buy")

    assert len(text) < 1000
    for name in names:
        assert name in text, name
    assert len(text.splitlines()) <= len(HELP_TOPICS) + 2  # one line per command, the intro, one more


def test_buy_is_listed_only_where_the_shop_is_on():
    assert "/buy" not in render(help_text(CATALOG, "text"), "en")
    assert "/buy" in render(help_text(CATALOG, "text", shop=True), "en")
    assert render(help_text(CATALOG, "text", "buy"), "en") == render(help_text(CATALOG, "text"), "en")


def test_help_for_video_gives_its_option_syntax_models_and_camera_moves():
    text = render(help_text(CATALOG, "text", "video"), "en")

    for fact in ("--model=NAME", "--duration=6|10", "--resolution=512P|768P|1080P", "--camera=", "S2V-01",
                 "T2V-01-Director", "Example: /video", "Cancel button", *CAMERA_MOVES):
        assert fact in text, fact
    assert "/quota" not in text


def test_help_for_image_and_animate_give_their_own_details():
    image = render(help_text(CATALOG, "text", "image"), "en")
    animate = render(help_text(CATALOG, "text", "/animate"), "en")
    slash_image = render(help_text(CATALOG, "slash", "image"), "en")

    assert "--ar=16:9" in image and "--negative_prompt=" in image and "minimaxi-image-01" in image
    assert "JPG, PNG or WebP, up to 20 MB" in animate and "I2V-01-live" in animate
    assert "negative_prompt" in slash_image and "Re-roll" in slash_image and "Edit changes the prompt" in slash_image


def test_help_for_jobs_and_quota_keep_their_facts():
    assert "fetch a delivered result again" in render(help_text(CATALOG, "text", "jobs"), "en")
    assert "credits left today" in render(help_text(CATALOG, "slash", "quota"), "en")


def test_the_details_are_translated():
    assert "文字生成视频" in render(help_text(CATALOG, "text", "video"), "zh")
    assert "命令" in render(help_text(CATALOG, "text"), "zh")


def test_the_topic_is_read_from_what_follows_help():
    assert help_topic(" /Video@ReelTestBot ") == "video"
    assert help_topic("dance") is None and help_topic("") is None and help_topic(None) is None
