"""/help: a short list, one line per command, and `/help <command>` for that command's details.
The list stays short (under 1,000 characters in every language) so it fits a chat message
at a glance; every detail lives under the command it is about."""

from __future__ import annotations

from bot.catalog import CAMERA_MOVES, Catalog, ImageRole
from bot.domain.requests import Command
from bot.i18n import Joined, T, Text
from bot.texts import credits_text

__all__ = ["HELP_TOPICS", "help_text", "help_topic"]

# the commands /help lists, in its order; /buy only where the shop is on
HELP_TOPICS = ("video", "animate", "image", "models", "quota", "jobs", "settings", "buy", "help")

INTRO = T("reelbot makes AI videos and images with 302.AI.")
CANCEL = T("While a job waits its turn, its status message has a Cancel button: all credits back.")
OPTIONS = T("Options go anywhere in the command as --name=value (quote values with spaces):")


def help_topic(word: str | None) -> str | None:
    """The command `/help <word>` asks about (`video`, `/video`, `/video@bot`), or None."""
    name = (word or "").strip().lstrip("/").split("@")[0].split(" ")[0].lower()
    return name if name in HELP_TOPICS else None


def _short(catalog: Catalog, style: str, shop: bool) -> Joined:
    price = _prices(catalog)
    slash = style == "slash"
    lines: list[Text] = [
        INTRO,
        T("/video prompt [model] [duration] [resolution] [camera] [character] — text to video (from {price})",
          price=price[Command.VIDEO]) if slash else
        T("/video PROMPT — text to video (from {price})", price=price[Command.VIDEO]),
        T("/animate image [prompt] — bring a picture to life (from {price})", price=price[Command.ANIMATE])
        if slash else T("/animate PROMPT — a photo to video (from {price})", price=price[Command.ANIMATE]),
        T("/image prompt — text to image ({price}), or redraw an attached picture", price=price[Command.IMAGE])
        if slash else T("/image PROMPT — text to image ({price}), or redraw a photo", price=price[Command.IMAGE]),
        T("/models — the models, their prices and options"),
        T("/quota — your credits left today"),
        T("/jobs — your last 10 jobs; get a result again"),
        T("/settings — this chat's own settings (for chat admins)"),
    ]
    if shop:
        lines.append(T("/buy — buy credits that do not expire"))
    if slash:
        lines.append(T("Right-click a message with an image → Apps → Animate image."))
        lines.append(T("/help command — one command in detail, e.g. /help command:video"))
    else:
        lines.append(T("/help COMMAND — one command in detail, e.g. /help video"))
    return Joined(lines)


def _prices(catalog: Catalog) -> dict[Command, Text]:
    return {c: credits_text(min(m.price for m in catalog.for_command(c))) for c in Command}


def _names(catalog: Catalog, command: Command) -> str:
    return ", ".join(m.name for m in catalog.offered(command))


def _details(catalog: Catalog, topic: str, style: str) -> Joined:
    price = _prices(catalog)
    slash = style == "slash"
    moves = ", ".join(CAMERA_MOVES)
    video, animate = _names(catalog, Command.VIDEO), _names(catalog, Command.ANIMATE)
    image_default = catalog.default(Command.IMAGE)
    redraw_default = catalog.default(Command.IMAGE, image=True).name
    redraw = ", ".join(m.name for m in catalog.for_command(Command.IMAGE) if m.image_role is ImageRole.SOURCE)
    camera = (T("Camera moves (Director models and Hailuo-02, up to 3): {moves}.", moves=moves) if slash else
              T('  --camera="Pan left,Zoom in"  up to 3 moves (Director models, Hailuo-02): {moves}', moves=moves))
    duration = T("  --duration=6|10 and --resolution=512P|768P|1080P  (MiniMax-Hailuo-02)")
    images = T("Images for /animate: JPG, PNG or WebP, up to 20 MB, shorter side over 300 px, between 2:5 and 5:2.")
    model_option = T("  --model=NAME  video: {video}; animate: {animate}; image: {image} and more "
                     "(an unknown name gets the closest ones; /models lists them all)",
                     video=video, animate=animate, image=image_default.name)
    frames = ", ".join(m.name for m in catalog.for_command(Command.ANIMATE) if m.last_frame)
    clips = ", ".join(m.name for m in catalog.for_command(Command.VIDEO) if m.takes_video)
    last_frame = (T("end_image: a second picture, the last frame the video ends on (models: {models}).",
                    models=frames) if slash else
                  T("First and last frame: send two pictures as one album with /animate as its caption "
                    "(models: {models}).", models=frames))
    video_to_video = (T("video: a clip to restyle, video to video (MP4 or MOV, up to 20 MB; models: {models}).",
                        models=clips) if slash else
                      T("Video to video: send /video as the caption of a video, or as a reply to one (MP4 or "
                        "MOV, up to 20 MB; models: {models}).", models=clips))
    if topic == "video":
        lines = ([T("/video prompt [model] [duration] [resolution] [camera] [character] — text to video "
                    "(from {price}). Models: {models}. A character image uses S2V-01.",
                    price=price[Command.VIDEO], models=video), video_to_video, camera, CANCEL] if slash else
                 [T("/video a cat surfing — text to video (from {price}). Send it as the caption of a photo to "
                    "make a video of that character (S2V-01).", price=price[Command.VIDEO]),
                  video_to_video, OPTIONS, model_option, duration, camera,
                  T('Example: /video --model=hailuo --duration=10 --camera="Tracking shot" a fox running '
                    'through snow'), CANCEL])
    elif topic == "animate":
        lines = ([T("/animate image [prompt] [model] [duration] [resolution] [camera] — bring a picture to life "
                    "(from {price}). Models: {models}.", price=price[Command.ANIMATE], models=animate),
                  last_frame, T("Right-click a message with an image → Apps → Animate image."), camera, images,
                  CANCEL]
                 if slash else
                 [T("/animate make it move — as the caption of a photo, or as a reply to one: image to video "
                    "(from {price}).", price=price[Command.ANIMATE]),
                  last_frame, OPTIONS, model_option, duration, camera, images, CANCEL])
    elif topic == "image":
        lines = ([T("/image prompt [model] [aspect_ratio] — text to image ({price}; default {model}).",
                    price=price[Command.IMAGE], model=image_default.name),
                  T("/image with an image attached redraws that picture (default {model}; models: {models}); "
                    "negative_prompt says what it should not show. Under each result: Re-roll makes it again, "
                    "Edit changes the prompt (each charged as a new job).", model=redraw_default, models=redraw),
                  CANCEL] if slash else
                 [T("/image a red fox in the snow — text to image ({price}).", price=price[Command.IMAGE]),
                  T("/image as the caption of a photo, or as a reply to one, redraws that picture (default {model}; "
                    "models: {models}); --negative_prompt=\"…\" says what it should not show.",
                    model=redraw_default, models=redraw),
                  OPTIONS, model_option, T("  --ar=16:9  aspect ratio for /image"), CANCEL])
    elif topic == "models":
        lines = [T("/models — every model with its price and the options it takes, page by page. "
                   "An unknown model name is answered with the closest names, at no cost.")]
    elif topic == "quota":
        lines = [T("/quota — your credits left today. Credits reset at midnight UTC.")]
    elif topic == "jobs":
        lines = [T("/jobs — your last 10 jobs; fetch a delivered result again while 302.AI still serves it."),
                 CANCEL]
    elif topic == "settings":
        lines = [T("/settings — a chat's admins set its own daily budget, commands, models and blocked words, "
                   "within the operator's bounds.")]
    elif topic == "buy":
        lines = [T("/buy — buy credits; they do not expire and are spent once today's credits are used up.")]
    else:
        lines = [T("/help — the list of commands. /help COMMAND — that command in detail.")]
    return Joined(lines)


def help_text(catalog: Catalog, style: str = "text", command: str | None = None, *, shop: bool = False) -> Joined:
    """`style` "text" documents the `--option=value` syntax; "slash" the slash-command options.
    Without `command` (or with one /help does not know) the short list; with one, its details."""
    topic = help_topic(command)
    if topic is None or (topic == "buy" and not shop):
        return _short(catalog, style, shop)
    return _details(catalog, topic, style)
