"""The catalog in use: looks models up by command and name, prices them, and takes a new
list of unified models whenever 302.AI's changes (bot.catalog.feed).

Three kinds of names besides the models offered:
- a *retired* model, one that 302.AI's list no longer has: it takes no new request (a clear
  sentence says so), but `get` still finds it, so a job already running polls and delivers;
- an *unpriced* model: listed to the operator (`reelbot models`), refused to members until
  REELBOT_COSTS gives it a cost; the bot never spends blind;
- an unknown name a job row holds (a model this process never listed): `get` gives a model of
  its family's endpoint, enough to poll and deliver that job.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.catalog.models import Endpoint, ImageRole, Model
from bot.domain.requests import Command
from bot.errors import ValidationError
from bot.i18n import T

__all__ = ["Catalog", "Unpriced"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unpriced:
    """A unified model 302.AI lists whose cost is unknown: its price_text did not read as PTC
    per video or per second, and the operator set no cost."""

    name: str
    display_name: str
    price_text: str
    commands: frozenset[Command]


class Catalog:
    """`prices` (credits) and `costs` (mPTC) override the models' own, by any of a model's names.
    A name no model has is refused; with `unified_later`, names the compiled models lack are kept
    for the unified ones (bot.catalog.unified applies them), and `unknown_overrides` checks them
    once 302.AI's list is in."""

    def __init__(self, models: Iterable[Model], prices: Mapping[str, int] | None = None,
                 costs: Mapping[str, int] | None = None, *, unified_later: bool = False):
        self._later = unified_later
        self._models: dict[str, Model] = {}
        self._names: dict[str, str] = {}
        self._unified: set[str] = set()
        self._retired: dict[str, Model] = {}
        self.unpriced: dict[str, Unpriced] = {}
        self.version = 0  # counts changes of the unified list (adapters re-read when it moves)
        # lower-case names an operator switched off (bot.catalog.switches), as this process last
        # read them: lists and completions leave them out; the core refuses them either way
        self.switched_off: frozenset[str] = frozenset()
        for model in models:
            self._add(model)
        self._compiled = frozenset(self._names)  # MiniMax's and the image models' names: never replaced
        self.prices, self.costs = dict(prices or {}), dict(costs or {})
        for field_name, what, values in (("price", "prices", self.prices), ("cost_mptc", "costs", self.costs)):
            for name, value in self._overrides(what, values).items():
                self._models[name] = replace(self._models[name], **{field_name: value})

    def _add(self, model: Model) -> None:
        self._models[model.name] = model
        for key in (model.name, *model.aliases):
            self._names[key.lower()] = model.name

    def _overrides(self, what: str, values: Mapping[str, int]) -> dict[str, int]:
        """An override may name a model by any of its names ("hailuo=20"); each model once."""
        overrides: dict[str, tuple[str, int]] = {}
        unknown = []
        for key, value in values.items():
            name = self._names.get(key.strip().lower())
            if name is None:
                unknown.append(key)  # with unified_later: a unified model's, applied when 302.AI's list arrives
            elif name in overrides:
                raise ValueError(f"{what} given twice for {name}: as {overrides[name][0]} and as {key}")
            else:
                overrides[name] = (key, value)
        if unknown and not self._later:
            raise ValueError(f"{what} given for unknown models: {', '.join(sorted(unknown))}")
        return {name: value for name, (_, value) in overrides.items()}

    def unknown_overrides(self, listed: Iterable[str]) -> list[str]:
        """Names in prices or costs that neither a compiled model nor 302.AI's list (`listed`) has."""
        known = set(self._names) | {n.lower() for n in listed}
        return sorted({k for k in (*self.prices, *self.costs) if k.strip().lower() not in known})

    def set_unified(self, models: Iterable[Model], unpriced: Iterable[Unpriced] = ()) -> None:
        """The unified models offered from now on; those that left 302.AI's list retire. A name
        of a compiled model (MiniMax-Hailuo-02 listed by 302.AI too) keeps its own endpoint."""
        models = [m for m in models if m.name.lower() not in self._compiled]
        new = {m.name for m in models}
        for name in self._unified - new:
            self._retired[name] = self._models.pop(name)
            log.info("model %s is no longer in 302.AI's list: it takes no new requests", name)
        for key in [k for k, v in self._names.items() if v in self._unified]:
            del self._names[key]
        for model in models:
            self._retired.pop(model.name, None)
            self._add(model)
        self._unified = new
        self.unpriced = {u.name: u for u in unpriced}
        self.version += 1

    def __iter__(self):
        return iter(self._models.values())

    def get(self, name: str) -> Model:
        """Any model a job may name: offered, retired, or of a family this process never listed."""
        if (model := self._models.get(name) or self._retired.get(name)) is not None:
            return model
        if name.startswith(("T2V-", "I2V-", "S2V-", "MiniMax-", "minimaxi-")) or name.endswith(("-t2i", "-i2i")):
            raise KeyError(name)
        # a unified video model: all of them share one endpoint, which is all a job in flight needs
        return Model(name, frozenset(), Endpoint.UNIFIED_VIDEO, 0, name, 300, cost_mptc=0)

    def unified(self) -> list[Model]:
        return [self._models[n] for n in sorted(self._unified)]

    def for_command(self, command: Command) -> list[Model]:
        return [m for m in self._models.values() if command in m.commands]

    def offered(self, command: Command) -> list[Model]:
        """`command`'s models less those switched off: what /models, completions and the
        default choose from."""
        return [m for m in self.for_command(command) if m.name.lower() not in self.switched_off]

    def default(self, command: Command, *, image: bool = False) -> Model:
        """The first model listed for `command`; with `image`, the first that redraws a picture
        (for /image with one attached), if `command` has such a model."""
        models = self.for_command(command)  # the operator's default, switched off or not (then refused)
        if image:
            redraw = [m for m in models if m.image_role is ImageRole.SOURCE]
            if redraw:
                return redraw[0]
        return models[0]

    def resolve(self, command: Command, name: str | None) -> Model:
        """The model `name` names for `command`, or a ValidationError saying why not."""
        if not name:
            return self.default(command)
        key = name.strip().lower()
        found = self._names.get(key)
        model = self._models.get(found) if found else None
        if model is None:
            retired = next((m for m in self._retired.values() if m.name.lower() == key), None)
            if retired is not None:
                raise ValidationError(T("{model} is no longer offered: 302.AI took it off its list. "
                                        "Choose another one (see /models).", model=retired.name))
            unpriced = next((u for u in self.unpriced.values() if u.name.lower() == key), None)
            if unpriced is not None:
                raise ValidationError(T("{model} is not available yet: its price is not set. "
                                        "Choose another one (see /models).", model=unpriced.name))
        if model is None or command not in model.commands:
            raise ValidationError(T("Unknown model “{name}” for /{command}. The closest: {names}. "
                                    "/models lists them all.", name=name, command=str(command),
                                    names=", ".join(self.closest(command, name))))
        return model

    def closest(self, command: Command, name: str, n: int = 3) -> list[str]:
        """The `n` names of `command`'s models nearest to `name` (a typo's likely meaning), best
        first; refusing with these beats listing dozens of models in a chat message."""
        names = {m.name.lower(): m.name for m in self.offered(command)}
        near = difflib.get_close_matches(name.strip().lower(), list(names), n=n, cutoff=0.0)
        return [names[key] for key in near]

    def search(self, command: Command, text: str, limit: int = 25) -> list[Model]:
        """Models for `command` whose name, provider or description contains `text` (autocomplete)."""
        needle = text.strip().lower()
        hits = [m for m in self.offered(command)
                if needle in m.name.lower() or needle in m.description.lower() or needle in m.provider.lower()]
        hits.sort(key=lambda m: (not m.name.lower().startswith(needle), m.name))
        return hits[:limit]
