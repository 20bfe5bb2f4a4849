"""The operator's policy through real discord.py: tiers bound to roles, bans, DMs refused."""

from __future__ import annotations

from bot.domain.requests import Requester
from tests.discord.discord_helpers import embeds_sent


async def test_a_member_with_a_tiered_role_gets_the_tiers_credits(start_bot, fake_discord):
    vip = fake_discord.guild_roles[0]
    fake_discord.member_roles["alice"] = [vip]
    await start_bot(core_settings={"tiers": {"vip": (300, 3)}, "role_tiers": {str(vip): "vip"}})

    interaction = await fake_discord.invoke("quota")
    status = await fake_discord.status_of(interaction, "left today")
    text = status.content + " ".join(str(e) for e in embeds_sent(status))
    assert "300" in text and "vip" in text


async def test_a_banned_member_is_refused_privately_and_nothing_is_spent(start_bot, fake_discord, simulator):
    bot = await start_bot()
    admin = Requester("discord", "0", is_admin=True)
    await bot.core.admin.ban(admin, f"discord:{fake_discord.user_id('alice')}", "spam")

    interaction = await fake_discord.invoke("image", prompt="a fox")
    reply = await fake_discord.status_of(interaction, "cannot use this bot")
    assert reply.ephemeral and not simulator.requests


async def test_dms_are_refused_when_the_operator_turned_them_off(start_bot, fake_discord, simulator):
    await start_bot(core_settings={"allow_dms": False})
    interaction = await fake_discord.invoke("image", prompt="a fox", in_guild=False)
    await fake_discord.status_of(interaction, "private messages")
    assert not simulator.requests
