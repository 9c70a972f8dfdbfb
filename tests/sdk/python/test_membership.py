"""Instances in security groups through the official Python SDKs, signatures verified
(docs/reference/membership.md): the Tea clients (ACS3 and v2) and the legacy SDK join and leave,
read membership back, and get the documented refusals. Instances are declared through
`PUT /_sgmock/instances` for the keys' account (`testid`)."""

import json
import urllib.request
import uuid

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import JoinSecurityGroupRequest, LeaveSecurityGroupRequest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ens20171110 import models as e
from alibabacloud_tea_openapi.exceptions import ClientException

R = "cn-hangzhou"


def declare(addr, body):
    """PUT /_sgmock/instances for account testid; the answer's JSON."""
    body = dict(body, account="testid")
    req = urllib.request.Request(
        f"http://{addr}/_sgmock/instances",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def new_group(ecs):
    req = m.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-members")
    return ecs.create_security_group(req).body.security_group_id


def ecs_count(ecs, sg):
    req = m.DescribeSecurityGroupsRequest(region_id=R, security_group_id=sg, is_query_ecs_count=True)
    g = ecs.describe_security_groups(req).body.security_groups.security_group[0]
    return g.ecs_count, g.available_instance_amount


def groups_of(ecs, instance):
    req = m.DescribeInstancesRequest(region_id=R, instance_ids=json.dumps([instance]))
    return ecs.describe_instances(req).body.instances.instance[0].security_group_ids.security_group_id


def test_ecs_join_and_leave_with_the_tea_client(ecs, sgmock_addr):
    a, b = new_group(ecs), new_group(ecs)
    i = f"i-{uuid.uuid4().hex[:12]}"
    assert declare(sgmock_addr, {"region": R, "instances": [
        {"id": i, "vpc_id": "vpc-members",
         "network_interfaces": [{"id": f"eni-{i}", "security_group_ids": [a]}]}]}) == {"instances": 1}

    ecs.join_security_group(m.JoinSecurityGroupRequest(region_id=R, security_group_id=b, instance_id=i))
    assert groups_of(ecs, i) == [a, b]
    assert ecs_count(ecs, b) == (1, 1999)

    # Joining twice is refused (§2 step 8), as is leaving a group one is not in after leaving it.
    err = error_of(lambda: ecs.join_security_group(
        m.JoinSecurityGroupRequest(region_id=R, security_group_id=b, instance_id=i)))
    assert (err.status_code, err.code) == (403, "InvalidInstanceId.AlreadyExists")
    ecs.leave_security_group(m.LeaveSecurityGroupRequest(region_id=R, security_group_id=a, instance_id=i))
    err = error_of(lambda: ecs.leave_security_group(
        m.LeaveSecurityGroupRequest(region_id=R, security_group_id=a, instance_id=i)))
    assert (err.status_code, err.code) == (400, "InvalidSecurityGroupAssociation.NotFound")
    # The last group cannot be left, and a group with members cannot be deleted.
    err = error_of(lambda: ecs.leave_security_group(
        m.LeaveSecurityGroupRequest(region_id=R, security_group_id=b, instance_id=i)))
    assert (err.status_code, err.code) == (403, "InstanceLastSecurityGroup")
    err = error_of(lambda: ecs.delete_security_group(
        m.DeleteSecurityGroupRequest(region_id=R, security_group_id=b)))
    assert (err.status_code, err.code) == (403, "DependencyViolation")
    assert "There is still instance(s) in the specified security group." in err.message
    assert groups_of(ecs, i) == [b]
    assert ecs_count(ecs, a) == (0, 2000)


def test_ecs_eni_form_needs_a_region_and_names_the_interface(ecs, sgmock_addr):
    a = new_group(ecs)
    i = f"i-{uuid.uuid4().hex[:12]}"
    declare(sgmock_addr, {"region": R, "instances": [{"id": i, "vpc_id": "vpc-members"}]})
    eni = "eni-" + i[2:]
    ecs.join_security_group(m.JoinSecurityGroupRequest(region_id=R, security_group_id=a, network_interface_id=eni))
    assert groups_of(ecs, i) == [a]
    err = error_of(lambda: ecs.join_security_group(
        m.JoinSecurityGroupRequest(region_id=R, security_group_id=a, network_interface_id="eni-none")))
    assert (err.status_code, err.code) == (404, "InvalidEniId.NotFound")


def test_ens_join_leave_and_describe(ens, sgmock_addr):
    sg = ens.create_security_group(e.CreateSecurityGroupRequest(security_group_name="ens-members")).body.security_group_id
    i = f"i-{uuid.uuid4().hex[:12]}"
    declare(sgmock_addr, {"product": "ens", "instances": [{"id": i, "ens_region_id": "cn-beijing-cmcc"}]})

    for _ in range(2):  # lenient: a second join changes nothing (§4)
        ens.join_security_group(e.JoinSecurityGroupRequest(security_group_id=sg, instance_id=i))
    g = ens.describe_security_groups(e.DescribeSecurityGroupsRequest(security_group_id=sg)).body
    g = g.security_groups.security_group[0]
    assert (g.instance_count, g.instance_ids.instance_id) == (1, [i])
    d = ens.describe_instances(e.DescribeInstancesRequest(instance_id=i, security_group_id=sg)).body
    assert [(x.instance_id, x.ens_region_id, x.security_group_ids.security_group_id) for x in d.instances.instance] == [
        (i, "cn-beijing-cmcc", [sg])]

    err = error_of(lambda: ens.delete_security_group(e.DeleteSecurityGroupRequest(security_group_id=sg)))
    assert (err.status_code, err.code) == (400, "DependencyViolation")
    ens.leave_security_group(e.LeaveSecurityGroupRequest(security_group_id=sg, instance_id=i))
    d = ens.describe_instances(e.DescribeInstancesRequest(instance_id=i, security_group_id=sg)).body
    assert d.instances.instance == []
    err = error_of(lambda: ens.join_security_group(
        e.JoinSecurityGroupRequest(security_group_id=sg, instance_id="i-none")))
    assert (err.status_code, err.code) == (400, "InvalidParameter.InstanceId")


def test_the_legacy_sdk_joins_and_leaves(ecs, sgmock_addr):
    a, b = new_group(ecs), new_group(ecs)
    i = f"i-{uuid.uuid4().hex[:12]}"
    declare(sgmock_addr, {"region": R, "instances": [
        {"id": i, "vpc_id": "vpc-members", "network_interfaces": [{"id": f"eni-{i}", "security_group_ids": [a]}]}]})
    client = AcsClient("testid", "testsecret", R)

    def send(request, group):
        request.set_endpoint(sgmock_addr)
        request.set_InstanceId(i)
        request.set_SecurityGroupId(group)
        return json.loads(client.do_action_with_exception(request))

    assert "RequestId" in send(JoinSecurityGroupRequest.JoinSecurityGroupRequest(), b)
    assert "RequestId" in send(LeaveSecurityGroupRequest.LeaveSecurityGroupRequest(), a)
    assert groups_of(ecs, i) == [b]
    with pytest.raises(ServerException) as info:
        send(LeaveSecurityGroupRequest.LeaveSecurityGroupRequest(), b)
    assert (info.value.http_status, info.value.error_code) == (403, "InstanceLastSecurityGroup")
