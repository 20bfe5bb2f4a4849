"""The operators' files: .env.example names every setting the code reads (and no other), the
compose file and Dockerfile agree on the health check, the image is built from the tested
dependency set, and the release files are there."""

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


def test_the_image_installs_the_tested_dependencies_in_a_layer_before_the_sources():
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")  # continued lines as one
    steps = [line for line in dockerfile.splitlines() if re.match(r"(COPY|RUN) ", line)]
    dependencies = next(i for i, line in enumerate(steps) if "-c constraints.txt" in line)
    sources = next(i for i, line in enumerate(steps) if line.startswith("COPY bot "))
    assert dependencies < sources
    assert all("constraints.txt" in line or "pyproject.toml" in line for line in steps[:dependencies] if "COPY" in line)
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text()


def test_constraints_pin_every_dependency_the_package_declares():
    import tomllib

    pinned = {line.split("==")[0].lower().replace("_", "-") for line in
              (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower().replace("_", "-") for d in declared}
    assert names - pinned == set()


def test_the_image_listener_answers_on_loopback_unless_configured():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "REELBOT_HTTP_LISTEN=127.0.0.1:9102" in dockerfile and "0.0.0.0:9102" not in dockerfile.split("ENV")[1]


def test_the_systemd_unit_and_the_image_name_their_data_directory_where_an_env_file_cannot_move_it():
    # EnvironmentFile= overrides Environment=, so .env.example's REELBOT_DATA_DIR would win
    # over the unit's; a flag wins over both
    unit = (ROOT / "contrib" / "reelbot.service").read_text()
    assert re.search(r"^ExecStart=.* run --data-dir /var/lib/reelbot$", unit, re.MULTILINE)
    assert "Environment=REELBOT_DATA_DIR" not in unit and "StateDirectory=reelbot" in unit
    assert '"--data-dir", "/data"' in (ROOT / "Dockerfile").read_text()
    assert "--data-dir /var/lib/reelbot" in (ROOT / "contrib" / "reelbot-admin").read_text()


def test_the_release_files_are_there_and_agree_on_the_version():
    import bot

    assert "MIT License" in (ROOT / "LICENSE").read_text() and 'license = { text = "MIT" }' in (
        ROOT / "pyproject.toml").read_text()
    assert "Reporting a vulnerability" in (ROOT / "SECURITY.md").read_text()
    assert f"## {bot.__version__} " in (ROOT / "CHANGELOG.md").read_text()
