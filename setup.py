"""Only the build step pyproject.toml cannot declare: compiling the gettext catalogs.

The translations are kept as .po sources (bot/locale/<lang>/LC_MESSAGES/reelbot.po); the
install compiles each to the .mo that gettext reads, so no binary is committed. An editable
install gets them next to the sources; bot.i18n also compiles a missing or outdated one on
first use, for a checkout run without installing.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path("bot") / "locale"


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            target = mo if getattr(self, "editable_mode", False) else Path(self.build_lib) / mo
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
