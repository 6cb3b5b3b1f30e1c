"""Top-level pytest configuration: fixtures live in tests/fixtures/, one module per subsystem."""

pytest_plugins = ["tests.fixtures.sim", "tests.fixtures.botapi", "tests.fixtures.bot"]
