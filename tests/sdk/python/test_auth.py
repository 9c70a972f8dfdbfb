"""Signature verification and accounts, seen through the official Tea SDKs (ECS and ENS), in their
default ACS3 mode and in RPC v2 mode."""

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ens20171110 import models as ens_models
from alibabacloud_ens20171110.client import Client as EnsClient
from alibabacloud_tea_openapi.exceptions import ClientException

from conftest import config_for

R = "cn-hangzhou"
MODES = [None, "v2"]


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value


@pytest.mark.parametrize("mode", MODES)
def test_a_wrong_secret_raises_signature_does_not_match(sgmock_addr, mode):
    ecs = EcsClient(config_for(sgmock_addr, mode, secret="not-the-secret"))
    err = error_of(lambda: ecs.describe_regions(ecs_models.DescribeRegionsRequest()))
    assert (err.status_code, err.code) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:" in err.message
    ens = EnsClient(config_for(sgmock_addr, mode, secret="not-the-secret"))
    err = error_of(lambda: ens.describe_security_groups(ens_models.DescribeSecurityGroupsRequest()))
    assert (err.status_code, err.code) == (400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_key_raises_invalid_access_key_id_not_found(sgmock_addr, mode):
    ecs = EcsClient(config_for(sgmock_addr, mode, key_id="nobody", secret="x"))
    err = error_of(lambda: ecs.describe_regions(ecs_models.DescribeRegionsRequest()))
    assert (err.status_code, err.code) == (404, "InvalidAccessKeyId.NotFound")


@pytest.mark.parametrize("mode", MODES)
def test_one_account_cannot_see_another_accounts_groups(sgmock_addr, mode):
    mine = EcsClient(config_for(sgmock_addr, mode))
    theirs = EcsClient(config_for(sgmock_addr, mode, key_id="otherid", secret="othersecret"))
    sg = mine.create_security_group(ecs_models.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-1")).body.security_group_id
    err = error_of(
        lambda: theirs.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg))
    )
    assert (err.status_code, err.code) == (404, "InvalidSecurityGroupId.NotFound")
    listed = theirs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(region_id=R, security_group_id=sg)).body
    assert listed.security_groups.security_group == []
    mine.delete_security_group(ecs_models.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg))
