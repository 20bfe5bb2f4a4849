"""The models reelbot offers: the compiled MiniMax and image models (bot.catalog.models), the
unified video models 302.AI lists (bot.catalog.unified, refreshed by bot.catalog.feed), and
the catalog that looks them all up (bot.catalog.lookup)."""

from bot.catalog.lookup import Catalog, Unpriced
from bot.catalog.models import CAMERA_MOVES, MAX_CAMERA_MOVES, Endpoint, ImageRole, Model, Parameter, default_models

__all__ = ["Catalog", "Unpriced", "Endpoint", "ImageRole", "Model", "Parameter", "CAMERA_MOVES",
           "MAX_CAMERA_MOVES", "default_models"]
