"""HTTPS on sgmock's one port (TLS is its default): the official Python clients with their default
protocol and sgmock's CA trusted the ways the README gives, a strict X.509 check as Python 3.13+ and
urllib3 2.3+ apply it, and a client that does not trust the CA gets a certificate error, not a hang.
"""

import json
import os
import socket
import ssl
import subprocess
import sys

import pytest
from aliyunsdkcore.acs_exception.exceptions import ClientException as LegacyClientException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    AuthorizeSecurityGroupRequest,
    CreateSecurityGroupRequest,
    DeleteSecurityGroupRequest,
    DescribeSecurityGroupAttributeRequest,
    RevokeSecurityGroupRequest,
)
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ens20171110 import models as ens_m
from alibabacloud_ens20171110.client import Client as EnsClient
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException

R = "cn-hangzhou"


def tea_config(addr, ca=None, signature_algorithm=None):
    """No `protocol`: the Tea SDKs' default, HTTPS."""
    config = open_api_models.Config(access_key_id="testid", access_key_secret="testsecret", endpoint=addr)
    if ca:
        config.ca = ca
    if signature_algorithm:
        config.signature_algorithm = signature_algorithm
    return config


@pytest.mark.parametrize("mode", ["acs3", "v2"])
def test_tea_ecs_full_flow_over_https_with_the_ca_option(sgmock_addr, sgmock_ca, mode):
    """The issue's bar: the ECS SDK pointed at 127.0.0.1:PORT without `protocol`, the CA trusted."""
    ecs = EcsClient(tea_config(sgmock_addr, sgmock_ca, None if mode == "acs3" else "v2"))
    sg = ecs.create_security_group(m.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-tls")).body.security_group_id
    ecs.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(
            region_id=R,
            security_group_id=sg,
            permissions=[
                m.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp", port_range="443/443", source_cidr_ip="0.0.0.0/0", description="https"
                )
            ],
        )
    )
    rules = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)
    ).body.permissions.permission
    assert [(r.ip_protocol, r.port_range, r.source_cidr_ip, r.description) for r in rules] == [
        ("TCP", "443/443", "0.0.0.0/0", "https")
    ]
    ecs.revoke_security_group(
        m.RevokeSecurityGroupRequest(
            region_id=R, security_group_id=sg, security_group_rule_id=[rules[0].security_group_rule_id]
        )
    )
    ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg))
    with pytest.raises(ClientException) as info:
        ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg))
    assert (info.value.status_code, info.value.code) == (404, "InvalidSecurityGroup.NotFound")


def test_tea_ens_over_https_with_the_ca_option(sgmock_addr, sgmock_ca):
    ens = EnsClient(tea_config(sgmock_addr, sgmock_ca))
    sg = ens.create_security_group(ens_m.CreateSecurityGroupRequest(security_group_name="ens-tls")).body.security_group_id
    attr = ens.describe_security_group_attribute(ens_m.DescribeSecurityGroupAttributeRequest(security_group_id=sg)).body
    assert (attr.security_group_id, attr.security_group_name) == (sg, "ens-tls")
    ens.delete_security_group(ens_m.DeleteSecurityGroupRequest(security_group_id=sg))
    with pytest.raises(ClientException) as info:
        ens.describe_security_group_attribute(ens_m.DescribeSecurityGroupAttributeRequest(security_group_id=sg))
    assert (info.value.status_code, info.value.code) == (400, "InvalidSecurityGroupId.NotFound")


def test_tea_ecs_trusts_the_ca_through_ssl_cert_file(sgmock_addr, sgmock_ca):
    """SSL_CERT_FILE (read by Python's ssl when the SDK makes its context) needs no code change at all.
    A child process: the variable must be there before the SDK's first HTTPS session."""
    code = (
        "import sys\n"
        "from alibabacloud_ecs20140526.client import Client\n"
        "from alibabacloud_ecs20140526 import models as m\n"
        "from alibabacloud_tea_openapi import utils_models as o\n"
        "c = Client(o.Config(access_key_id='testid', access_key_secret='testsecret', endpoint=sys.argv[1]))\n"
        "print(sorted(r.region_id for r in c.describe_regions(m.DescribeRegionsRequest()).body.regions.region)[:2])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, sgmock_addr],
        env={**os.environ, "SSL_CERT_FILE": sgmock_ca},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (out.returncode, out.stdout.strip()) == (0, "['ap-northeast-1', 'ap-northeast-2']"), out.stderr


def test_tea_without_the_ca_is_a_certificate_error_not_a_hang(sgmock_addr):
    # `localhost`, not the address the other tests use: the SDK keeps one connection pool per host,
    # and a kept-alive connection verified earlier with the CA would be reused without a handshake.
    config = tea_config("localhost:" + sgmock_addr.rsplit(":", 1)[1])
    config.read_timeout = 20000
    config.connect_timeout = 20000
    ecs = EcsClient(config)
    with pytest.raises(Exception) as info:
        ecs.describe_regions(m.DescribeRegionsRequest())
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


@pytest.mark.parametrize(
    "name", ["localhost", "127.0.0.1", "ecs.aliyuncs.com", "ecs.cn-hangzhou.aliyuncs.com", "ecs-cn-hangzhou.aliyuncs.com"]
)
def test_the_certificate_passes_strict_x509_verification(sgmock_addr, sgmock_ca, name):
    """Python 3.13+ (and urllib3 2.3+) set VERIFY_X509_STRICT: it rejects a CA without a critical
    basicConstraints or key usages, and certificates without key identifiers. Set here explicitly so
    the check holds on every Python the suite runs on."""
    context = ssl.create_default_context(cafile=sgmock_ca)
    context.verify_flags |= ssl.VERIFY_X509_STRICT | getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
    host, port = sgmock_addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            tls.sendall(f"GET /_sgmock/health HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := tls.recv(4096):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body) == {"status": "ok"}


def legacy_call(client, request, addr):
    request.set_endpoint(addr)
    request.set_protocol_type("https")
    return json.loads(client.do_action_with_exception(request))


def legacy_flow(client, addr):
    create = CreateSecurityGroupRequest.CreateSecurityGroupRequest()
    create.set_VpcId("vpc-legacy-tls")
    sg = legacy_call(client, create, addr)["SecurityGroupId"]
    auth = AuthorizeSecurityGroupRequest.AuthorizeSecurityGroupRequest()
    auth.set_SecurityGroupId(sg)
    auth.set_Permissions([{"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"}])
    legacy_call(client, auth, addr)
    describe = DescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    describe.set_SecurityGroupId(sg)
    rules = legacy_call(client, describe, addr)["Permissions"]["Permission"]
    revoke = RevokeSecurityGroupRequest.RevokeSecurityGroupRequest()
    revoke.set_SecurityGroupId(sg)
    revoke.set_Permissions([{"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"}])
    legacy_call(client, revoke, addr)
    after = legacy_call(client, describe, addr)["Permissions"]["Permission"]
    delete = DeleteSecurityGroupRequest.DeleteSecurityGroupRequest()
    delete.set_SecurityGroupId(sg)
    legacy_call(client, delete, addr)
    return [(r["IpProtocol"], r["PortRange"], r["SourceCidrIp"]) for r in rules], after


def test_legacy_sdk_over_https_with_verify(sgmock_addr, sgmock_ca):
    client = AcsClient("testid", "testsecret", R, verify=sgmock_ca)
    assert legacy_flow(client, sgmock_addr) == ([("TCP", "22/22", "10.0.0.0/8")], [])


def test_legacy_sdk_over_https_with_alibaba_cloud_ca_bundle(sgmock_addr, sgmock_ca, monkeypatch):
    # aliyun-python-sdk-core reads ALIBABA_CLOUD_CA_BUNDLE when no `verify` is given.
    monkeypatch.setenv("ALIBABA_CLOUD_CA_BUNDLE", sgmock_ca)
    client = AcsClient("testid", "testsecret", R)
    assert legacy_flow(client, sgmock_addr) == ([("TCP", "22/22", "10.0.0.0/8")], [])


def test_legacy_sdk_without_the_ca_is_a_certificate_error(sgmock_addr, monkeypatch):
    monkeypatch.delenv("ALIBABA_CLOUD_CA_BUNDLE", raising=False)
    client = AcsClient("testid", "testsecret", R, timeout=20, connect_timeout=20)
    create = CreateSecurityGroupRequest.CreateSecurityGroupRequest()
    with pytest.raises(LegacyClientException) as info:
        legacy_call(client, create, sgmock_addr)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
