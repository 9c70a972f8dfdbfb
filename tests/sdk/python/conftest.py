"""Starts a real sgmock process on a free loopback port, with signatures verified, and builds official
SDK clients for it. Keys: `testid:testsecret` (account `testid`) and `otherid:othersecret` (its own account).
TLS is on (sgmock's default): the same port serves HTTPS, and `sgmock_ca` is its CA certificate's file."""

import os
import pathlib
import subprocess

import pytest
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ens20171110.client import Client as EnsClient
from alibabacloud_tea_openapi import utils_models as open_api_models

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def sgmock_server(tmp_path_factory):
    binary = os.environ.get("SGMOCK_BIN", str(ROOT / "target" / "release" / "sgmock"))
    ca = tmp_path_factory.mktemp("sgmock") / "ca.pem"
    proc = subprocess.Popen(
        [
            binary,
            "--listen", "127.0.0.1:0",
            "--auth", "verify",
            "--access-key", "testid:testsecret",
            "--access-key", "otherid:othersecret",
            "--tls-ca-out", str(ca),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    # sgmock prints exactly one line on stdout once it accepts connections.
    line = proc.stdout.readline()
    assert line.startswith("sgmock listening on "), f"sgmock did not start: {line!r}"
    yield line.split()[-1], str(ca)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def sgmock_addr(sgmock_server):
    return sgmock_server[0]


@pytest.fixture(scope="session")
def sgmock_ca(sgmock_server):
    return sgmock_server[1]


def config_for(addr, signature_algorithm=None, key_id="testid", secret="testsecret"):
    config = open_api_models.Config(
        access_key_id=key_id,
        access_key_secret=secret,
        endpoint=addr,
        protocol="http",
    )
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return config


@pytest.fixture(params=["acs3", "v2"])
def ecs(request, sgmock_addr):
    """The ECS client in its default ACS3 mode and in RPC v2 (HMAC-SHA1) mode."""
    return EcsClient(config_for(sgmock_addr, None if request.param == "acs3" else "v2"))


@pytest.fixture(params=["acs3", "v2"])
def ens(request, sgmock_addr):
    """The ENS client in its default ACS3 mode and in RPC v2 (HMAC-SHA1) mode."""
    return EnsClient(config_for(sgmock_addr, None if request.param == "acs3" else "v2"))
