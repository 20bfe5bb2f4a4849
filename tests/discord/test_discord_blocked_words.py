"""Blocked words through real discord.py: a prompt with an operator's or a server's blocked
word, however it is spelled, is refused privately in one neutral sentence before anything is
spent — for /image, /video, /animate, Edit and Re-roll; `/admin words` sets a server's own."""

from __future__ import annotations

import pytest

from bot.domain.requests import Requester
from bot.words.blocklist import BLOCKED
from tests.discord.discord_helpers import embeds_sent, member
from tests.media import image_bytes
from tests.words.forms import FORMS, operator_file, paid_calls

REFUSAL = BLOCKED.render("en")


def text_of(message) -> str:
    return message.content + " ".join(e.get("description", "") for e in embeds_sent(message))


@pytest.fixture
def blocklist_file(tmp_path):
    return operator_file(tmp_path)


async def invoke(fake_discord, command: str, prompt: str, **options):
    if command == "animate":
        options["image"] = fake_discord.upload("cat.jpg", image_bytes(640, 480, "JPEG"), "image/jpeg")
    return await fake_discord.invoke(command, prompt=prompt, **options)


@pytest.mark.parametrize("command", ["image", "video", "animate"])
@pytest.mark.parametrize("form", list(FORMS))
async def test_a_blocked_word_in_any_spelling_is_refused_privately_at_no_cost(start_bot, fake_discord, simulator,
                                                                             blocklist_file, command, form):
    bot = await start_bot(core_settings={"blocklist_file": blocklist_file})

    interaction = await invoke(fake_discord, command, FORMS[form])
    status = await fake_discord.status_of(interaction, REFUSAL)

    assert status.ephemeral and interaction.followups == []
    assert "nude" not in status.text.lower()
    assert paid_calls(simulator) == []
    assert (await bot.core.quota(member(fake_discord, "alice"))).used_today == 0


async def test_a_word_that_only_contains_a_blocked_one_is_not_blocked(start_bot, fake_discord, simulator,
                                                                      blocklist_file):
    await start_bot(core_settings={"blocklist_file": blocklist_file})

    await fake_discord.result_of(await fake_discord.invoke("image", prompt="a class photo in a glass house"))

    assert len(paid_calls(simulator)) == 1


async def test_the_member_is_told_in_their_discord_language(start_bot, fake_discord, blocklist_file):
    await start_bot(core_settings={"blocklist_file": blocklist_file})

    interaction = await fake_discord.invoke("image", prompt="一个裸体的雕像", locale="zh-CN")
    status = await fake_discord.status_of(interaction, BLOCKED.render("zh"))

    assert "裸体" not in status.text


@pytest.mark.parametrize("form", list(FORMS))
async def test_an_edit_with_a_blocked_word_is_refused_at_no_cost(start_bot, fake_discord, simulator, blocklist_file,
                                                                form):
    bot = await start_bot(core_settings={"blocklist_file": blocklist_file})
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a marble statue"))
    [edit] = [c for c in result.custom_ids() if c.startswith("reelbot:edit:")]
    click = await fake_discord.click(result, edit, user="bob")
    await fake_discord.wait_for(lambda: click.modal is not None, what="the edit form")

    submitted = await fake_discord.submit_modal(click, {"prompt": FORMS[form]}, user="bob")
    await fake_discord.status_of(submitted, REFUSAL)

    assert len(paid_calls(simulator)) == 1
    assert (await bot.core.quota(member(fake_discord, "bob"))).used_today == 0


async def test_reroll_of_a_prompt_blocked_since_is_refused_at_no_cost(start_bot, fake_discord, simulator):
    bot = await start_bot()
    result = await fake_discord.result_of(await fake_discord.invoke("image", prompt="a white owl"))
    operator = Requester("cli", "operator", is_admin=True)
    await bot.core.admin.words(operator, "add", f"discord:{fake_discord.guild_id}", ["owl"])

    [reroll] = [c for c in result.custom_ids() if c.startswith("reelbot:reroll:")]
    await fake_discord.status_of(await fake_discord.click(result, reroll, user="bob"), REFUSAL)

    assert len(paid_calls(simulator)) == 1
    assert (await bot.core.quota(member(fake_discord, "bob"))).used_today == 0


async def test_a_servers_own_words_set_with_admin_words_apply_only_in_that_server(start_bot, fake_discord, simulator):
    other_guild, other_channel = fake_discord.add_guild()
    await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}))

    added = await fake_discord.invoke("admin", sub="words", action="add", words="owl, barn cat")
    assert "Added to discord:" in text_of(await fake_discord.status_of(added, "Added to"))
    refused = await fake_discord.invoke("image", prompt="a BARN cat and an owl")
    allowed = await fake_discord.invoke("image", prompt="a barn cat and an owl", channel=other_channel)

    await fake_discord.status_of(refused, REFUSAL)
    await fake_discord.result_of(allowed)
    assert [r["body"]["prompt"] for r in paid_calls(simulator)] == ["a barn cat and an owl"]
    listed = await fake_discord.invoke("admin", sub="words", action="list", channel=other_channel)
    assert "No blocked words of its own" in text_of(await fake_discord.status_of(listed, "No blocked words"))


async def test_admin_words_is_refused_to_a_member_who_is_not_a_bot_admin(start_bot, fake_discord):
    fake_discord.add_user("bob")
    bot = await start_bot(admin_ids=frozenset({int(fake_discord.user_id("alice"))}))

    refused = await fake_discord.invoke("admin", sub="words", user="bob", action="add", words="owl")
    await fake_discord.status_of(refused, "Only the bot's admins")

    assert await bot.core.blocklist.chats.words(f"discord:{fake_discord.guild_id}") == []
