"""reelbot core: commands, jobs and quotas, free of any chat platform."""

__version__ = "0.2.0"  # the release; pyproject.toml reads it from here
