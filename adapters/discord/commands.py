"""The slash commands and the "Animate image" context menu, with typed options.

Models and their values are completed from the core's live catalog (adapters.discord.autocomplete),
so the commands Discord shows always match the models the core accepts, and 302.AI's list
can change without a re-sync.
Names, descriptions and labels are Texts: the translator (adapters.discord.translate) gives
Discord their translations, and a changed translation re-syncs the commands too. Discord
sends back the English names whatever the member's language, so the code sees only those.
"""

from __future__ import annotations

import discord
from discord import app_commands

from adapters.discord.actions import Actions
from adapters.discord.autocomplete import value_choices, video_model_choices
from adapters.discord.models_pages import show_models
from adapters.discord.suggest import camera_choices, model_choices, ratio_choices
from adapters.discord.translate import localized as L
from bot.catalog import MAX_CAMERA_MOVES, Catalog
from bot.domain.requests import Command
from bot.i18n import T
from bot.validation import MAX_PROMPT_CHARS

__all__ = ["install_commands"]

Prompt = app_commands.Range[str, 1, MAX_PROMPT_CHARS]

# the commands' and options' names, which Discord shows translated in the member's language
NAMES = {"video": T("video"), "animate": T("animate"), "image": T("image"), "quota": T("quota"),
         "help": T("help"), "prompt": T("prompt"), "model": T("model"), "duration": T("duration"),
         "resolution": T("resolution"), "camera": T("camera"), "character": T("character"),
         "aspect_ratio": T("aspect_ratio"), "negative_prompt": T("negative_prompt"), "jobs": T("jobs"),
         "models": T("models"), "command": T("command"), "end_image": T("end_image")}

# what `/help command:` offers (Discord has no /buy: the shop is Telegram Stars)
HELP_CHOICES = [app_commands.Choice(name=name, value=name)
                for name in ("video", "animate", "image", "models", "quota", "jobs", "settings", "help")]


def _named(name: str) -> app_commands.locale_str:
    return L(NAMES[name])


def _renamed(*options: str):
    """The options' names, translatable (their English names are unchanged)."""
    return app_commands.rename(**{option: _named(option) for option in options})


def _complete_from_catalog(command: app_commands.Command, catalog: Catalog, mode: Command) -> None:
    """Model, duration, resolution and aspect ratio completed from the live catalog
    (adapters.discord.autocomplete), so models 302.AI adds need no re-sync of the commands."""
    async def model(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return video_model_choices(catalog, mode, current)

    def values_of(option: str):
        async def values(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return value_choices(catalog, mode, interaction.namespace.model, option, current)
        return values

    command.autocomplete("model")(model)
    for option in ("duration", "resolution", "aspect_ratio"):
        command.autocomplete(option)(values_of(option))


async def _camera(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return camera_choices(current)


def install_commands(tree: app_commands.CommandTree, catalog: Catalog, actions: Actions) -> None:
    @app_commands.command(name=_named("video"), description=L(T("Make a video from a text prompt")))
    @_renamed("prompt", "model", "duration", "resolution", "camera", "character", "aspect_ratio", "negative_prompt")
    @app_commands.rename(clip=_named("video"))
    @app_commands.describe(
        clip=L(T("A video to restyle (video to video: MP4 or MOV, up to 20 MB; models that take one)")),
        prompt=L(T("What happens in the video")),
        model=L(T("Which model makes it (type to search; default: the first listed)")),
        duration=L(T("Length in seconds (the values the model takes)")),
        resolution=L(T("Resolution (the values the model takes)")),
        camera=L(T("Up to {n} camera moves, comma-separated (Director models, Hailuo-02)", n=MAX_CAMERA_MOVES)),
        character=L(T("A picture of a character to star in the video (uses S2V-01)")),
        aspect_ratio=L(T("Shape of the video, e.g. 16:9 (302.AI's unified models)")),
        negative_prompt=L(T("What the video should not show (models that take it)")),
    )
    async def video(interaction: discord.Interaction, prompt: Prompt, model: str | None = None,
                    duration: str | None = None, resolution: str | None = None, camera: str | None = None,
                    character: discord.Attachment | None = None, aspect_ratio: str | None = None,
                    negative_prompt: Prompt | None = None, clip: discord.Attachment | None = None) -> None:
        await actions.generate(interaction, Command.VIDEO, prompt=prompt, model=model, image=character, video=clip,
                               options={"duration": duration, "resolution": resolution, "camera": camera,
                                        "aspect_ratio": aspect_ratio, "negative_prompt": negative_prompt})

    @app_commands.command(name=_named("animate"), description=L(T("Bring a picture to life as a video")))
    @_renamed("image", "prompt", "model", "duration", "resolution", "camera", "aspect_ratio", "negative_prompt",
              "end_image")
    @app_commands.describe(
        image=L(T("The picture to animate (JPG, PNG or WebP, up to 20 MB)")),
        end_image=L(T("The last frame: the video ends on this picture (models that take one)")),
        prompt=L(T("What should happen (optional)")),
        model=L(T("Which model animates it (type to search)")),
        duration=L(T("Length in seconds (the values the model takes)")),
        resolution=L(T("Resolution (the values the model takes)")),
        camera=L(T("Up to {n} camera moves, comma-separated (I2V-01-Director, Hailuo-02)", n=MAX_CAMERA_MOVES)),
        aspect_ratio=L(T("Shape of the video, e.g. 16:9 (302.AI's unified models)")),
        negative_prompt=L(T("What the video should not show (models that take it)")),
    )
    async def animate(interaction: discord.Interaction, image: discord.Attachment, prompt: Prompt | None = None,
                      model: str | None = None, duration: str | None = None, resolution: str | None = None,
                      camera: str | None = None, aspect_ratio: str | None = None,
                      negative_prompt: Prompt | None = None, end_image: discord.Attachment | None = None) -> None:
        await actions.generate(interaction, Command.ANIMATE, prompt=prompt or "", model=model, image=image,
                               end_image=end_image, options={"duration": duration, "resolution": resolution, "camera": camera,
                                        "aspect_ratio": aspect_ratio, "negative_prompt": negative_prompt})

    for command, mode in ((video, Command.VIDEO), (animate, Command.ANIMATE)):
        command.autocomplete("camera")(_camera)
        _complete_from_catalog(command, catalog, mode)

    @app_commands.command(name=_named("image"), description=L(T("Make an image from a text prompt")))
    @_renamed("prompt", "model", "aspect_ratio", "image", "negative_prompt")
    @app_commands.describe(prompt=L(T("What the image shows")), model=L(T("Which model draws it (type to search)")),
                           aspect_ratio=L(T("Shape of the image, e.g. 16:9 (depends on the model)")),
                           image=L(T("A picture to redraw (JPG, PNG or WebP; uses an image-to-image model)")),
                           negative_prompt=L(T("What the image should not show (image-to-image models)")))
    async def image(interaction: discord.Interaction, prompt: Prompt, model: str | None = None,
                    aspect_ratio: str | None = None, image: discord.Attachment | None = None,
                    negative_prompt: Prompt | None = None) -> None:
        await actions.generate(interaction, Command.IMAGE, prompt=prompt, model=model, image=image,
                               options={"aspect_ratio": aspect_ratio, "negative_prompt": negative_prompt})

    @image.autocomplete("model")
    async def _image_model(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return model_choices(catalog, Command.IMAGE, current)

    @image.autocomplete("aspect_ratio")
    async def _ratio(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return ratio_choices(catalog, interaction.namespace.model, current)

    @app_commands.command(name=_named("models"), description=L(T("The video models, their prices and options")))
    async def models(interaction: discord.Interaction) -> None:
        await show_models(interaction, catalog, 0)

    @app_commands.command(name=_named("quota"), description=L(T("How many credits you have left today")))
    async def quota(interaction: discord.Interaction) -> None:
        await actions.quota(interaction)

    @app_commands.command(name=_named("jobs"), description=L(T("Your last 10 jobs; get a delivered result again")))
    async def jobs(interaction: discord.Interaction) -> None:
        await actions.jobs(interaction)

    @app_commands.command(name=_named("help"), description=L(T("What reelbot can do and how to ask")))
    @app_commands.describe(command=L(T("One command in detail")))
    @app_commands.choices(command=HELP_CHOICES)
    @_renamed("command")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await actions.help(interaction, command)

    async def animate_message(interaction: discord.Interaction, message: discord.Message) -> None:
        await actions.animate_message(interaction, message)

    for command in (video, animate, image, models, quota, jobs, help_):
        tree.add_command(command)
    tree.add_command(app_commands.ContextMenu(name=L(T("Animate image")), callback=animate_message))
