"""The pytest plugin: registered through the `pytest11` entry point, so installing the package is all
it takes.

Fixtures:
- `sgmock`: the session's server (see `sgmock.Server`), reset before each test that uses it — unless
  the test is marked `@pytest.mark.sgmock_keep_state` or `sgmock_reset = false` is set.
- `sgmock_server`: the same server without the reset (session scope, for fixtures of your own).

Options (command line, or the ini file without the dashes):
- `--sgmock-bin PATH` / `sgmock_bin`: the binary (default: the one this package installed);
- `--sgmock-auth off|verify` / `sgmock_auth`: check signatures (key `testid:testsecret`);
- `sgmock_fixtures`: a state document, or a folder of them, loaded at start;
- `sgmock_args`: more flags for the server (`--rule-limit 500`, …);
- `sgmock_reset`: reset before each test (default true).
"""

import pytest

from . import Server


def pytest_addoption(parser):
    group = parser.getgroup("sgmock", "sgmock (Alibaba Cloud security-group emulator)")
    group.addoption("--sgmock-bin", default=None, help="the sgmock binary to run")
    group.addoption("--sgmock-auth", default=None, choices=["off", "verify"],
                    help="check request signatures (key testid:testsecret)")
    parser.addini("sgmock_bin", "the sgmock binary to run", default=None)
    parser.addini("sgmock_auth", "off or verify", default="off")
    parser.addini("sgmock_fixtures", "a state document (or folder) loaded at start", default=None)
    parser.addini("sgmock_args", "more sgmock flags", type="args", default=[])
    parser.addini("sgmock_reset", "reset sgmock before each test", type="bool", default=True)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sgmock_keep_state: do not reset sgmock before this test")


def _fixtures_path(config):
    """`sgmock_fixtures`, relative to the ini file's directory."""
    import os

    value = config.getini("sgmock_fixtures")
    if not value:
        return None
    return value if os.path.isabs(value) else os.path.join(str(config.rootpath), value)


def _option(config, name):
    value = config.getoption(f"--sgmock-{name}")
    return value if value is not None else config.getini(f"sgmock_{name}")


@pytest.fixture(scope="session")
def sgmock_server(pytestconfig):
    """The session's sgmock server, started on a free loopback port."""
    server = Server(
        bin=_option(pytestconfig, "bin") or None,
        auth=_option(pytestconfig, "auth") or "off",
        fixtures=_fixtures_path(pytestconfig),
        args=pytestconfig.getini("sgmock_args"),
    )
    server.start()
    # With fixtures, what a reset returns to: the state as they loaded it.
    server.seeded_state = server.state() if server.fixtures else None
    yield server
    server.stop()


@pytest.fixture
def sgmock(sgmock_server, request):
    """The session's sgmock server, emptied before this test — back to the configured fixtures, if
    any (opt out with `@pytest.mark.sgmock_keep_state` or `sgmock_reset = false`)."""
    keep = request.node.get_closest_marker("sgmock_keep_state") is not None
    if request.config.getini("sgmock_reset") and not keep:
        sgmock_server.reset()
        if sgmock_server.seeded_state is not None:
            sgmock_server.load_state(sgmock_server.seeded_state)
    return sgmock_server
