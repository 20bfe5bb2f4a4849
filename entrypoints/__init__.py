"""Entry points: the CLI, the admin CLI and the operators' listener. They start things and
translate input and errors; the rules live in bot/, the platforms in adapters/."""
