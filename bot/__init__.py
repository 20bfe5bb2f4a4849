"""reelbot core: commands, jobs and quotas, free of any chat platform."""
