"""Registering the commands with Discord, only when they changed.

Discord rate-limits command registration (a few hundred a day, and bursts fail), so every
start would be wasteful: the hash of what was last registered, per application and scope
(global, or each guild of DISCORD_GUILD_IDS), is kept in the data directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import discord
from discord import app_commands

__all__ = ["sync_commands", "STATE_FILE"]

log = logging.getLogger(__name__)

STATE_FILE = "discord-commands.json"


def _digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    payload = sorted((c.to_dict(tree) for c in tree.get_commands(guild=guild)),
                     key=lambda c: (c.get("type", 1), c["name"]))
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):  # missing or damaged: everything counts as changed
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save(path: Path, state: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(state, indent=1, sort_keys=True))
    partial.replace(path)  # atomic: a crash mid-write never leaves half a file


async def sync_commands(tree: app_commands.CommandTree, application_id: int, guild_ids: Sequence[int],
                        data_dir: Path) -> list[str]:
    """Register the tree globally, or in each of `guild_ids`; returns the scopes synced."""
    path = data_dir / STATE_FILE
    state = _load(path)
    scopes: list[discord.Object | None] = [discord.Object(g) for g in guild_ids] or [None]
    synced = []
    for guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
        scope = f"guild:{guild.id}" if guild is not None else "global"
        key, digest = f"{application_id}:{scope}", _digest(tree, guild)
        if state.get(key) == digest:
            log.info("discord: %s commands unchanged; not syncing", scope)
            continue
        try:
            await tree.sync(guild=guild)
        except discord.Forbidden:
            # the other scopes can still work; the operator learns exactly what to fix
            log.error("discord: cannot register commands in guild %s: the bot is not in that server, or was "
                      "invited without the applications.commands scope. Check DISCORD_GUILD_IDS or invite "
                      "the bot again.", guild.id if guild is not None else "?")
            continue
        log.info("discord: synced %s commands", scope)
        state[key] = digest
        _save(path, state)
        synced.append(scope)
    return synced
