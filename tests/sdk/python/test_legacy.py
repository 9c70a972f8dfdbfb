"""The legacy Python SDK (aliyun-python-sdk-core + -ecs + -ens, RPC HMAC-SHA1 signing) against sgmock
with signatures verified."""

import json

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526 import (
    AuthorizeSecurityGroupEgressRequest,
    AuthorizeSecurityGroupRequest,
    CreateSecurityGroupRequest,
    DeleteSecurityGroupRequest,
    DescribeSecurityGroupAttributeRequest,
    RevokeSecurityGroupEgressRequest,
    RevokeSecurityGroupRequest,
)
from aliyunsdkens.request.v20171110 import CreateSecurityGroupRequest as EnsCreateSecurityGroupRequest
from aliyunsdkens.request.v20171110 import DeleteSecurityGroupRequest as EnsDeleteSecurityGroupRequest
from aliyunsdkens.request.v20171110 import DescribeSecurityGroupAttributeRequest as EnsDescribeSecurityGroupAttributeRequest


def call(client, request, addr):
    request.set_endpoint(addr)
    return json.loads(client.do_action_with_exception(request))


def server_error(client, request, addr):
    with pytest.raises(ServerException) as info:
        call(client, request, addr)
    return info.value


@pytest.fixture
def client():
    return AcsClient("testid", "testsecret", "cn-hangzhou")


def test_ecs_lifecycle(client, sgmock_addr):
    create = CreateSecurityGroupRequest.CreateSecurityGroupRequest()
    create.set_VpcId("vpc-legacy")
    create.set_SecurityGroupName("legacy")
    sg = call(client, create, sgmock_addr)["SecurityGroupId"]

    auth = AuthorizeSecurityGroupRequest.AuthorizeSecurityGroupRequest()
    auth.set_SecurityGroupId(sg)
    auth.set_Permissions([
        {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8", "Description": "a b/c*~+é!(')"},
        {"IpProtocol": "icmp", "PortRange": "-1/-1", "SourceCidrIp": "0.0.0.0/0", "Priority": "2"},
    ])
    call(client, auth, sgmock_addr)
    egress = AuthorizeSecurityGroupEgressRequest.AuthorizeSecurityGroupEgressRequest()
    egress.set_SecurityGroupId(sg)
    egress.set_IpProtocol("udp")
    egress.set_PortRange("53/53")
    egress.set_DestCidrIp("8.8.8.8")
    call(client, egress, sgmock_addr)

    describe = DescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    describe.set_SecurityGroupId(sg)
    rules = call(client, describe, sgmock_addr)["Permissions"]["Permission"]
    assert [(r["Direction"], r["IpProtocol"], r["PortRange"], r["Priority"]) for r in rules] == [
        ("ingress", "TCP", "22/22", "1"),
        ("ingress", "ICMP", "-1/-1", "2"),
        ("egress", "UDP", "53/53", "1"),
    ]
    assert rules[0]["Description"] == "a b/c*~+é!(')"

    revoke_egress = RevokeSecurityGroupEgressRequest.RevokeSecurityGroupEgressRequest()
    revoke_egress.set_SecurityGroupId(sg)
    revoke_egress.set_SecurityGroupRuleIds([rules[2]["SecurityGroupRuleId"]])
    call(client, revoke_egress, sgmock_addr)
    revoke = RevokeSecurityGroupRequest.RevokeSecurityGroupRequest()
    revoke.set_SecurityGroupId(sg)
    revoke.set_Permissions([{"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"}])
    call(client, revoke, sgmock_addr)
    assert len(call(client, describe, sgmock_addr)["Permissions"]["Permission"]) == 1

    delete = DeleteSecurityGroupRequest.DeleteSecurityGroupRequest()
    delete.set_SecurityGroupId(sg)
    call(client, delete, sgmock_addr)
    err = server_error(client, delete, sgmock_addr)
    assert (err.get_http_status(), err.get_error_code()) == (404, "InvalidSecurityGroup.NotFound")


def test_ens_lifecycle(client, sgmock_addr):
    create = EnsCreateSecurityGroupRequest.CreateSecurityGroupRequest()
    create.set_SecurityGroupName("legacy-ens")
    # The legacy request class json.dumps()es the list: ", " / ": " separators (docs/reference/clients.md §3).
    create.set_Permissions([{"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "80/80", "Policy": "Accept", "Priority": 1, "SourceCidrIp": "10.0.0.0/8"}])
    sg = call(client, create, sgmock_addr)["SecurityGroupId"]

    # No request class for Create/DeleteSecurityGroupPermissions: CommonRequest (docs/reference/clients.md §2).
    perms = CommonRequest(domain=sgmock_addr, version="2017-11-10", action_name="CreateSecurityGroupPermissions", product="Ens")
    perms.set_method("POST")
    perms.add_query_param("SecurityGroupId", sg)
    perms.add_query_param("Permissions", json.dumps([{"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "Policy": "Drop", "Priority": 3, "DestCidrIp": "8.8.8.8"}]))
    json.loads(client.do_action_with_exception(perms))

    describe = EnsDescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    describe.set_SecurityGroupId(sg)
    rules = call(client, describe, sgmock_addr)["Permissions"]["Permission"]
    assert [(r["Direction"], r["IpProtocol"], r["Priority"], r["Policy"]) for r in rules] == [("ingress", "TCP", 1, "Accept"), ("egress", "UDP", 3, "Drop")]

    dup = CommonRequest(domain=sgmock_addr, version="2017-11-10", action_name="CreateSecurityGroupPermissions", product="Ens")
    dup.set_method("POST")
    dup.add_query_param("SecurityGroupId", sg)
    dup.add_query_param("Permissions", json.dumps([{"Direction": "egress", "IpProtocol": "UDP", "PortRange": "53/53", "Policy": "Drop", "Priority": 3, "DestCidrIp": "8.8.8.8"}]))
    with pytest.raises(ServerException) as info:
        client.do_action_with_exception(dup)
    assert (info.value.get_http_status(), info.value.get_error_code()) == (400, "SecurityGroupRuleConflict.Duplicated")

    delete = EnsDeleteSecurityGroupRequest.DeleteSecurityGroupRequest()
    delete.set_SecurityGroupId(sg)
    call(client, delete, sgmock_addr)
    err = server_error(client, describe, sgmock_addr)
    assert (err.get_http_status(), err.get_error_code()) == (400, "InvalidSecurityGroupId.NotFound")


def test_a_wrong_secret_is_recognised_by_the_legacy_client(sgmock_addr):
    # The server answers 400 SignatureDoesNotMatch with "server string to sign is:<sts>". The legacy
    # client compares that string with its own and, when they are equal — i.e. only the secret
    # differs — reports it as InvalidAccessKeySecret (aliyunsdkcore/client.py). Equal strings prove
    # sgmock canonicalises exactly as the client does.
    wrong = AcsClient("testid", "wrong-secret", "cn-hangzhou")
    describe = DescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    describe.set_SecurityGroupId("sg-x")
    err = server_error(wrong, describe, sgmock_addr)
    assert (err.get_http_status(), err.get_error_code()) == (400, "InvalidAccessKeySecret")
