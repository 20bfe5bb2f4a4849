"""Registering the commands with Discord, only when they changed.

Discord rate-limits command registration (a few hundred a day, and bursts fail), so every
start would be wasteful: the hash of what was last registered, per application and scope
(global, or each guild of DISCORD_GUILD_IDS), is kept in the data directory.

The same record tells which scopes an earlier configuration registered. A scope no longer
configured is emptied once; otherwise members would see each command twice (globally and
in their server), or keep stale commands in a server dropped from DISCORD_GUILD_IDS.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import discord
from discord import app_commands

__all__ = ["sync_commands", "STATE_FILE"]

log = logging.getLogger(__name__)

STATE_FILE = "discord-commands.json"
_SCOPE = re.compile(r"global|guild:\d+")


async def _digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """The hash of what tree.sync would send: with a translator, the payload with every
    localization in it, so that a changed translation syncs again like a changed command."""
    translator = tree.translator
    commands = tree.get_commands(guild=guild)
    if translator is not None:
        dicts = [await c.get_translated_payload(tree, translator) for c in commands]
    else:
        dicts = [c.to_dict(tree) for c in commands]
    payload = sorted(dicts, key=lambda c: (c.get("type", 1), c["name"]))
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
    """Register the tree globally, or in each of `guild_ids`, and empty the scopes registered
    before but no longer configured; returns the scopes changed."""
    path = data_dir / STATE_FILE
    state = _load(path)
    scopes: list[discord.Object | None] = [discord.Object(g) for g in guild_ids] or [None]
    changed = []
    for guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
        scope = _scope(guild)
        key, digest = f"{application_id}:{scope}", await _digest(tree, guild)
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
        changed.append(scope)
    return changed + await _clear_unconfigured(tree, application_id, {_scope(g) for g in scopes}, path, state)


async def _clear_unconfigured(tree: app_commands.CommandTree, application_id: int, configured: set[str],
                              path: Path, state: dict[str, str]) -> list[str]:
    cleared = []
    for key in list(state):
        app, _, scope = key.partition(":")
        # another application's record (the token changed) is not ours to act on
        if app != str(application_id) or scope in configured or not _SCOPE.fullmatch(scope):
            continue
        if await _clear(tree, application_id, scope):
            del state[key]
            _save(path, state)
            cleared.append(scope)
    return cleared


def _scope(guild: discord.abc.Snowflake | None) -> str:
    return f"guild:{guild.id}" if guild is not None else "global"


async def _clear(tree: app_commands.CommandTree, application_id: int, scope: str) -> bool:
    """Register no commands in `scope`; False when it should be tried again at the next start."""
    http = tree.client.http
    try:
        if scope == "global":
            await http.bulk_upsert_global_commands(application_id, payload=[])
        else:
            await http.bulk_upsert_guild_commands(application_id, int(scope.removeprefix("guild:")), payload=[])
    except (discord.Forbidden, discord.NotFound):
        # the bot's access to that server is gone, and members there cannot use its commands
        log.info("discord: %s is no longer reachable; nothing to remove there", scope)
        return True
    except discord.HTTPException as exc:
        log.warning("discord: could not remove the commands %s had before (%s); trying again at the next "
                    "start", scope, exc)
        return False
    log.info("discord: removed the commands of %s, which is no longer configured", scope)
    return True
