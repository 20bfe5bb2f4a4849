"""Members read the bot in their Discord client's language (interaction.locale): command
descriptions and choices through the translator, replies, embeds and buttons through the
catalogs. Through the real discord.py against the fake Discord."""

from __future__ import annotations

from adapters.discord.translate import ReelbotTranslator
from tests.discord.discord_helpers import embeds_sent, fields


def labels(message) -> list[str]:
    return [item["label"] for row in message.components for item in row.get("components", [])]


async def test_synced_commands_carry_chinese_names_descriptions_and_choices(start_bot, fake_discord):
    await start_bot()
    synced = fake_discord.commands["global"]

    video = synced["1:video"]
    assert video["description"] == "Make a video from a text prompt"
    assert video["description_localizations"] == {"zh-CN": "根据文字描述生成视频"}
    options = {o["name"]: o for o in video["options"]}
    assert options["prompt"]["description_localizations"] == {"zh-CN": "视频里发生了什么"}
    assert options["camera"]["description_localizations"]["zh-CN"].startswith("最多 3 个运镜")
    assert options["duration"]["autocomplete"]  # the values come from the live catalog (see below)
    assert synced["1:quota"]["description_localizations"] == {"zh-CN": "查看你今天剩余的积分"}
    assert video["name"] == "video" and video["name_localizations"] == {"zh-CN": "视频"}
    assert {o["name"]: o["name_localizations"]["zh-CN"] for o in video["options"]} == {
        "prompt": "提示词", "model": "模型", "duration": "时长", "resolution": "分辨率", "camera": "运镜",
        "character": "角色", "aspect_ratio": "宽高比", "negative_prompt": "反向提示词", "video": "视频"}
    assert {key: command["name_localizations"] for key, command in synced.items() if key != "1:admin"} == {
        "1:video": {"zh-CN": "视频"}, "1:animate": {"zh-CN": "动画"}, "1:image": {"zh-CN": "图片"},
        "1:models": {"zh-CN": "模型列表"},
        "1:quota": {"zh-CN": "额度"}, "1:help": {"zh-CN": "帮助"}, "1:jobs": {"zh-CN": "任务"},
        "1:settings": {"zh-CN": "设置"}, "3:Animate image": {"zh-CN": "让图片动起来"}}
    # the operators' /admin keeps its English names
    assert not synced["1:admin"].get("name_localizations")


async def test_a_chinese_member_gets_chinese_status_result_and_buttons(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("image", prompt="一只猫", locale="zh-CN")
    result = await fake_discord.result_of(interaction)
    status = await fake_discord.status_of(interaction, "你的图片已生成")

    first = embeds_sent(status)[0]
    assert first["title"] == "正在生成你的图片…"
    assert set(fields(first)) >= {"状态", "模型", "已用时间", "费用", "今日剩余积分"}
    assert fields(first)["状态"] == "排队中"
    assert "你的图片已生成 · " in result.content
    assert labels(result) == ["重新生成", "制作动画", "编辑"]


async def test_an_english_member_gets_the_same_in_english(start_bot, fake_discord):
    await start_bot()

    interaction = await fake_discord.invoke("image", prompt="a cat", locale="en-US")
    result = await fake_discord.result_of(interaction)
    status = await fake_discord.status_of(interaction, "Your image is ready")

    assert embeds_sent(status)[0]["title"] == "Making your image…"
    assert "your image is ready · " in result.content
    assert labels(result) == ["Re-roll", "Animate", "Edit"]


async def test_quota_help_and_refusals_follow_the_interactions_locale(start_bot, fake_discord):
    await start_bot()

    quota = await fake_discord.status_of(await fake_discord.invoke("quota", locale="zh-CN"), "你今天还剩")
    help_ = await fake_discord.status_of(await fake_discord.invoke("help", locale="zh-CN"), "302.AI")
    refused = await fake_discord.status_of(
        await fake_discord.invoke("image", prompt="x", model="no-such-model", locale="zh-CN"), "没有名为")
    english = await fake_discord.status_of(
        await fake_discord.invoke("image", prompt="x", model="no-such-model", locale="en-GB"), "Unknown model")

    assert embeds_sent(quota)[-1]["title"] == "你的积分" and "你今天还剩 50 积分" in quota.text
    assert "reelbot 通过 302.AI 生成 AI 视频和图片。" in help_.text and "右键点击带图片的消息" in help_.text
    assert "/视频 提示词 [模型]" in help_.text  # the names a Chinese member's Discord shows
    assert embeds_sent(refused)[-1]["title"] == "未扣除任何积分"
    assert "/image 没有名为“no-such-model”的模型" in refused.text
    assert embeds_sent(english)[-1]["title"] == "Nothing was charged"


async def test_a_changed_translation_syncs_the_commands_again(start_bot, fake_discord, monkeypatch):
    first = await start_bot()
    await first.stop()
    unchanged = await start_bot()
    await unchanged.stop()
    assert len(fake_discord.sync_calls) == 1  # the same payload is not sent twice

    original = ReelbotTranslator.translate

    async def reworded(self, string, locale, context):
        text = await original(self, string, locale, context)
        return text.replace("视频", "影片") if text else text

    monkeypatch.setattr(ReelbotTranslator, "translate", reworded)
    await start_bot()

    assert len(fake_discord.sync_calls) == 2
    video = fake_discord.commands["global"]["1:video"]
    assert video["description_localizations"] == {"zh-CN": "根据文字描述生成影片"}


async def test_model_choices_describe_the_models_in_the_members_language(start_bot, fake_discord):
    await start_bot()

    english = {c["value"]: c["name"] for c in await fake_discord.autocomplete("animate", "model", model="I2V-01")}
    fake_discord.locales["alice"] = "zh-CN"
    chinese = {c["value"]: c["name"] for c in await fake_discord.autocomplete("animate", "model", model="I2V-01")}
    durations = await fake_discord.autocomplete("video", "duration", model="MiniMax-Hailuo-02", duration="")

    assert english["I2V-01"] == "I2V-01 — MiniMax image to video, 5 credits"
    assert chinese["I2V-01"] == "I2V-01 — MiniMax 图片生成视频，5 积分"
    assert {c["value"]: c["name"] for c in durations} == {"6": "6 秒", "10": "10 秒"}
