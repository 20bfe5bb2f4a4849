"""The operators' files: .env.example names every setting the code reads (and no other),
and the compose file and Dockerfile agree on the health check."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["bot/config.py", "adapters/discord/config.py", "adapters/telegram/config.py"]


def test_env_example_lists_every_setting_the_code_reads():
    read = set()
    for source in SOURCES:
        read |= set(re.findall(r'"((?:AI302|REELBOT|DISCORD|TELEGRAM)_[A-Z0-9_]+)"', (ROOT / source).read_text()))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read == listed


def test_compose_and_dockerfile_check_health_on_the_listener():
    compose, dockerfile = (ROOT / "compose.yaml").read_text(), (ROOT / "Dockerfile").read_text()
    assert "127.0.0.1:9102/healthz" in compose and "127.0.0.1:9102/healthz" in dockerfile
    assert "restart: unless-stopped" in compose and "env_file: .env" in compose
    assert "USER reelbot" in dockerfile and "HEALTHCHECK" in dockerfile


def test_the_image_build_compiles_the_translations():
    # setup.py's build step turns bot/locale/*/LC_MESSAGES/*.po into the .mo files gettext reads
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY .*\bsetup\.py\b", dockerfile, re.MULTILINE)
    assert "Babel" in (ROOT / "pyproject.toml").read_text().split("[project]")[0]  # a build requirement
