"""The plugin's own tests: they use only what installing the package provides (the `sgmock` fixture,
its helpers, its options), plus pytester to run pytest with other options."""

pytest_plugins = ["pytester"]
