"""The `sgmock` fixture from the installed package: no subprocess code, no ports, no sleeps."""

import json

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_tea_openapi.exceptions import ClientException

import sgmock as sgmock_package


def test_three_lines_against_the_official_ecs_sdk(sgmock):
    ecs = sgmock.ecs_client()
    sg = ecs.create_security_group(models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1")).body.security_group_id
    assert sgmock.requests()[-1]["action"] == "CreateSecurityGroup" and sg.startswith("sg-")


def test_the_fixture_says_where_the_server_is(sgmock):
    host, port = sgmock.endpoint.split(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert sgmock.url == f"http://{sgmock.endpoint}"
    assert sgmock.info()["name"] == "sgmock"


def test_the_same_calls_over_https_with_the_ca_file(sgmock):
    # TLS is on by default on the same port; ca_file is the CA certificate to trust.
    assert sgmock.https_url == f"https://{sgmock.endpoint}"
    with open(sgmock.ca_file) as f:
        assert f.read().startswith("-----BEGIN CERTIFICATE-----")
    ecs = sgmock.ecs_client(protocol="https", ca=sgmock.ca_file)
    sg = ecs.create_security_group(models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1")).body.security_group_id
    assert sgmock.state()["accounts"] != {} and sg.startswith("sg-")


def test_with_tls_off_there_is_no_ca_file():
    with sgmock_package.Server(args=["--tls", "off"]) as server:
        assert server.ca_file is None


def test_each_test_starts_empty(sgmock):
    # The tests above created groups; the reset before this one removed them.
    assert sgmock.state()["accounts"] == {}
    assert sgmock.requests() == []


@pytest.mark.sgmock_keep_state
def test_the_reset_can_be_skipped(sgmock):
    sgmock.ecs_client().create_security_group(
        models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1"))
    assert len(sgmock.state()["accounts"]) == 1


@pytest.mark.sgmock_keep_state
def test_the_kept_state_is_there_for_the_next_marked_test(sgmock):
    groups = sgmock.state()["accounts"]["1234567890123456"]["ecs"]["cn-hangzhou"]
    assert len(groups) == 1


def test_state_loads_from_a_dict_or_a_file(sgmock, tmp_path):
    doc = {"format": "sgmock-state", "version": 1, "accounts": {"1234567890123456": {"ecs": {
        "cn-hangzhou": [{"id": "sg-seeded0000000000001", "name": "web", "vpc_id": "vpc-1",
                         "rules": [{"direction": "ingress", "protocol": "TCP", "port_range": "22/22",
                                    "source": {"cidr": "10.0.0.0/8"}}]}]}}}}
    sgmock.load_state(doc)
    attr = sgmock.ecs_client().describe_security_group_attribute(
        models.DescribeSecurityGroupAttributeRequest(region_id="cn-hangzhou",
                                                     security_group_id="sg-seeded0000000000001")).body
    assert attr.security_group_name == "web"
    assert [p.port_range for p in attr.permissions.permission] == ["22/22"]
    path = tmp_path / "seed.json"
    doc["accounts"]["1234567890123456"]["ecs"]["cn-hangzhou"][0]["name"] = "from-file"
    path.write_text(json.dumps(doc))
    sgmock.load_state(path)
    assert sgmock.state()["accounts"]["1234567890123456"]["ecs"]["cn-hangzhou"][0]["name"] == "from-file"
    with pytest.raises(sgmock_package.SgmockError, match="InvalidState"):
        sgmock.load_state({"format": "other", "version": 1})


def test_faults_make_the_sdk_see_an_error(sgmock):
    sgmock.faults({"action": "CreateSecurityGroup", "count": 1, "error": {"code": "Throttling.User"}})
    ecs = sgmock.ecs_client()
    request = models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1")
    with pytest.raises(ClientException) as e:
        ecs.create_security_group(request)
    assert e.value.code == "Throttling.User"
    # Only the next call was to fail.
    assert ecs.create_security_group(request).body.security_group_id.startswith("sg-")
    assert sgmock.faults()[0]["fired"] == 1
    sgmock.clear_faults()
    assert sgmock.faults() == []


def test_the_legacy_sdk_client_is_pointed_at_the_server(sgmock):
    from aliyunsdkecs.request.v20140526.CreateSecurityGroupRequest import CreateSecurityGroupRequest

    answer = json.loads(sgmock.acs_client().do_action_with_exception(CreateSecurityGroupRequest()))
    assert answer["SecurityGroupId"].startswith("sg-")


def test_verify_mode_and_fixtures_come_from_options(pytester):
    # A separate pytest run with the plugin's options: signatures checked, a seed file loaded.
    seed = {"format": "sgmock-state", "version": 1, "accounts": {"1234567890123456": {"ecs": {
        "cn-hangzhou": [{"id": "sg-fixture00000000000001", "name": "seeded", "vpc_id": "vpc-1"}]}}}}
    pytester.makefile(".json", seed=json.dumps(seed))
    pytester.makeini("[pytest]\nsgmock_fixtures = seed.json\n")
    pytester.makepyfile("""
        from alibabacloud_ecs20140526 import models
        from alibabacloud_tea_openapi.exceptions import ClientException
        import pytest

        def test_signed_calls_see_the_fixture(sgmock):
            body = sgmock.ecs_client().describe_security_groups(
                models.DescribeSecurityGroupsRequest(region_id="cn-hangzhou")).body
            assert [g.security_group_name for g in body.security_groups.security_group] == ["seeded"]
            sgmock.ecs_client().create_security_group(
                models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1"))

        def test_a_wrong_secret_is_refused_and_the_fixture_is_back(sgmock):
            assert len(sgmock.state()["accounts"]["1234567890123456"]["ecs"]["cn-hangzhou"]) == 1
            with pytest.raises(ClientException) as e:
                sgmock.ecs_client(access_key_secret="wrong").describe_security_groups(
                    models.DescribeSecurityGroupsRequest(region_id="cn-hangzhou"))
            assert e.value.code == "SignatureDoesNotMatch"
    """)
    result = pytester.runpytest_subprocess("--sgmock-auth=verify")
    result.assert_outcomes(passed=2)


def test_declared_instances_join_groups_through_the_sdk(sgmock):
    ecs = sgmock.ecs_client()
    sg = ecs.create_security_group(models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1")).body.security_group_id
    assert sgmock.instances({"id": "i-plugin", "vpc_id": "vpc-1"}) == {"instances": 1}
    ecs.join_security_group(models.JoinSecurityGroupRequest(region_id="cn-hangzhou", security_group_id=sg, instance_id="i-plugin"))
    [listed] = sgmock.instances()
    assert listed["network_interfaces"][0]["security_group_ids"] == [sg]
    with pytest.raises(ClientException) as info:
        ecs.leave_security_group(models.LeaveSecurityGroupRequest(region_id="cn-hangzhou", security_group_id=sg, instance_id="i-plugin"))
    assert info.value.code == "InstanceLastSecurityGroup"


def test_evaluate_and_lint_from_the_fixture(sgmock):
    ecs = sgmock.ecs_client()
    sg = ecs.create_security_group(models.CreateSecurityGroupRequest(region_id="cn-hangzhou", vpc_id="vpc-1")).body.security_group_id
    ecs.authorize_security_group(models.AuthorizeSecurityGroupRequest(region_id="cn-hangzhou", security_group_id=sg, permissions=[
        models.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0")]))
    answer = sgmock.evaluate(target={"security_group_ids": [sg]}, direction="ingress", protocol="tcp", port=22, peer={"ip": "203.0.113.7"})
    assert answer["verdict"] == "accept" and answer["decided_by"]["kind"] == "rule"
    assert [f["code"] for f in sgmock.lint(security_group_id=sg)] == ["OpenToWorld"]
