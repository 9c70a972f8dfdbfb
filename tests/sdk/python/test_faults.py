"""Fault injection seen through the official Python SDK: an injected Throttling.User reaches the caller
as the SDK's own exception, and the faulted call changes nothing."""

import json
import urllib.request

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

R = "cn-hangzhou"


def admin(addr, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{addr}{path}", data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def test_an_injected_throttling_fault_is_raised_by_the_sdk(ecs, sgmock_addr):
    sg = ecs.create_security_group(m.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-1")).body.security_group_id
    admin(sgmock_addr, "PUT", "/_sgmock/faults", {"action": "AuthorizeSecurityGroup", "count": 1, "error": {"code": "Throttling.User"}})
    try:
        rule = m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_cidr_ip="10.0.0.0/8")
        with pytest.raises(ClientException) as info:
            ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(region_id=R, security_group_id=sg, permissions=[rule]))
        assert (info.value.status_code, info.value.code) == (400, "Throttling.User")
        attr = ecs.describe_security_group_attribute(m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)).body
        assert attr.permissions.permission == []
        # count=1: the retry goes through.
        ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(region_id=R, security_group_id=sg, permissions=[rule]))
        assert admin(sgmock_addr, "GET", "/_sgmock/faults")[0]["fired"] == 1
    finally:
        admin(sgmock_addr, "DELETE", "/_sgmock/faults")
