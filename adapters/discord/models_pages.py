"""/models on Discord: the video models offered, a page at a time, turned with buttons.

The page buttons are dynamic items like the buttons under results (adapters.discord.buttons):
the page number in the custom id is all a click needs, so they work after a restart, and a
click edits the list in place (turning a page twice shows the same page: nothing to undo)."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.actions import language_of_interaction
from bot.catalog import Catalog
from bot.catalog.listing import models_page
from bot.i18n import T, render

__all__ = ["ModelsPageButton", "show_models"]


def _view(page: int, pages: int, language: str | None) -> discord.ui.View | None:
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    if page > 0:
        view.add_item(ModelsPageButton(page - 1, render(T("Previous"), language)))
    if page + 1 < pages:
        view.add_item(ModelsPageButton(page + 1, render(T("Next"), language)))
    return view


async def show_models(interaction: discord.Interaction, catalog: Catalog, page: int, *, edit: bool = False) -> None:
    language = language_of_interaction(interaction)
    shown = models_page(catalog, page)
    embed = discord.Embed(title=render(T("Video models"), language),
                          description=shown.text.render(language)[:4000], colour=discord.Colour.blurple())
    view = _view(shown.page, shown.pages, language)
    kwargs = {"embed": embed, "view": view} if view is not None else {"embed": embed}
    if edit:
        await interaction.response.edit_message(**kwargs)
    else:
        await interaction.response.send_message(ephemeral=True, **kwargs)


class ModelsPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"reelbot:models:(?P<page>[0-9]{1,4})"):
    def __init__(self, page: int, label: str = "›") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"reelbot:models:{page}"))
        self.page = page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> ModelsPageButton:
        return cls(int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await show_models(interaction, interaction.client.actions.catalog, self.page,  # type: ignore[attr-defined]
                          edit=True)
