"""Options typed as text, for platforms without typed options (Telegram, the console).

    /video --model=hailuo --duration=10 --camera="Pan left, Zoom in" a cat surfing

An option is `--name=value` anywhere in the text; a value with spaces goes in quotes.
Phones turn `--` into an em dash, so `—name=value` works too. Everything else is the prompt.
Names are not checked here: validation rejects unknown ones with the list of valid ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Parsed", "parse", "OPTION_ALIASES"]

OPTION_ALIASES = {
    "ar": "aspect_ratio",
    "aspect": "aspect_ratio",
    "ratio": "aspect_ratio",
    "aspect-ratio": "aspect_ratio",
    "res": "resolution",
    "dur": "duration",
    "cam": "camera",
    "neg": "negative_prompt",
    "negative": "negative_prompt",
}

_OPTION = re.compile(
    r"""(?:^|(?<=\s))(?:--|—|–)(?P<name>[A-Za-z][\w-]*)=
        (?:"(?P<dq>[^"]*)"|“(?P<sq>[^”]*)”|'(?P<q>[^']*)'|(?P<bare>\S+))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Parsed:
    prompt: str
    model: str | None = None
    options: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> Parsed:
    options: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        name = match["name"].lower()
        name = OPTION_ALIASES.get(name, name).replace("-", "_")
        value = next(v for v in (match["dq"], match["sq"], match["q"], match["bare"]) if v is not None)
        options[name] = value.strip()
        return " "

    rest = _OPTION.sub(take, text)
    prompt = " ".join(rest.split())
    model = options.pop("model", None)
    return Parsed(prompt=prompt, model=model, options=options)
