"""The documentation an operator finds: a README of one page whose first screen says what
reelbot is, how to try it and how to test it; the rest a MkDocs site that builds without a
warning, every page of it reachable from the navigation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_is_one_page_that_starts_with_what_it_is_the_demo_and_the_tests():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    demo, tests = readme.index("reelbot demo"), readme.index(".venv/bin/pytest")
    assert readme.startswith("# reelbot\n") and demo < tests < 1500  # both on the first screen


def test_every_link_from_the_readme_to_the_docs_names_a_page_there():
    readme = (ROOT / "README.md").read_text()
    pages = set(re.findall(r"\]\((docs/[\w/-]+\.md)", readme))
    assert pages and all((ROOT / page).is_file() for page in pages)


def test_every_docs_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    listed = set(re.findall(r":\s*([\w/-]+\.md)\s*$", nav, re.MULTILINE))
    assert listed == {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}


@pytest.mark.timeout(120)
@pytest.mark.skipif(shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None,
                    reason='mkdocs is not installed (pip install -e ".[docs]"; .ci/run does)')
def test_the_docs_site_builds_with_no_warning(tmp_path):
    built = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--quiet",
                            "--site-dir", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                           timeout=110, env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
