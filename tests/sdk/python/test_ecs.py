"""The official Python SDK alibabacloud-ecs20140526 driving sgmock through the security-group lifecycle.

Each test names the documented behaviour it checks (docs/reference/ecs.md, the ECS seed pages in docs/reference/pages.md).
"""

import re
import uuid

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

R = "cn-hangzhou"


def new_group(ecs, **kw):
    kw.setdefault("vpc_id", "vpc-sdk")
    return ecs.create_security_group(m.CreateSecurityGroupRequest(region_id=R, **kw)).body.security_group_id


def rules_of(ecs, sg, **kw):
    body = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg, **kw)
    ).body
    return body.permissions.permission


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def test_group_lifecycle_create_describe_modify_delete(ecs):
    sg = ecs.create_security_group(
        m.CreateSecurityGroupRequest(
            region_id=R,
            vpc_id="vpc-sdk",
            security_group_name="sdk-web",
            description="first",
            tag=[m.CreateSecurityGroupRequestTag(key="env", value="test")],
        )
    ).body.security_group_id
    assert re.fullmatch(r"sg-[a-z0-9]{20}", sg)

    groups = ecs.describe_security_groups(
        m.DescribeSecurityGroupsRequest(region_id=R, security_group_id=sg)
    ).body
    assert groups.total_count == 1
    g = groups.security_groups.security_group[0]
    assert (g.security_group_id, g.security_group_name, g.description) == (sg, "sdk-web", "first")
    assert (g.vpc_id, g.security_group_type, g.rule_count) == ("vpc-sdk", "normal", 0)
    assert [(t.tag_key, t.tag_value) for t in g.tags.tag] == [("env", "test")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", g.creation_time)

    attr = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)
    ).body
    # A basic group starts with InnerAccessPolicy Accept (CreateSecurityGroup doc).
    assert (attr.security_group_id, attr.inner_access_policy, attr.permissions.permission) == (sg, "Accept", [])

    ecs.modify_security_group_attribute(
        m.ModifySecurityGroupAttributeRequest(region_id=R, security_group_id=sg, security_group_name="sdk-web2", description="")
    )
    # InnerAccessPolicy is case-insensitive on input, capitalised on output (docs/reference/ecs.md §1.6).
    ecs.modify_security_group_policy(
        m.ModifySecurityGroupPolicyRequest(region_id=R, security_group_id=sg, inner_access_policy="drop")
    )
    attr = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)
    ).body
    assert (attr.security_group_name, attr.description, attr.inner_access_policy) == ("sdk-web2", "", "Drop")

    ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg))
    after = ecs.describe_security_groups(m.DescribeSecurityGroupsRequest(region_id=R, security_group_id=sg)).body
    assert after.security_groups.security_group == []
    # DeleteSecurityGroup on a missing group: 404 InvalidSecurityGroup.NotFound (its own page).
    err = error_of(lambda: ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg)))
    assert (err.status_code, err.code) == (404, "InvalidSecurityGroup.NotFound")


def test_rule_lifecycle_authorize_describe_modify_revoke(ecs):
    sg = new_group(ecs)
    ecs.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(
            region_id=R,
            security_group_id=sg,
            permissions=[
                m.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="tcp", port_range="22/22", source_cidr_ip="10.0.0.0/8", description="a b/c*~+é!(')"
                ),
                m.AuthorizeSecurityGroupRequestPermissions(
                    ip_protocol="icmp", port_range="-1/-1", source_cidr_ip="0.0.0.0/0", policy="drop", priority="5"
                ),
            ],
        )
    )
    ecs.authorize_security_group_egress(
        m.AuthorizeSecurityGroupEgressRequest(
            region_id=R,
            security_group_id=sg,
            permissions=[
                m.AuthorizeSecurityGroupEgressRequestPermissions(
                    ip_protocol="TCP", port_range="443/443", ipv_6dest_cidr_ip="2001:0DB8:0000:0000::1/64"
                )
            ],
        )
    )
    ingress = rules_of(ecs, sg, direction="ingress")
    assert [(r.ip_protocol, r.port_range, r.source_cidr_ip, r.policy, r.priority, r.nic_type) for r in ingress] == [
        ("TCP", "22/22", "10.0.0.0/8", "Accept", "1", "intranet"),
        ("ICMP", "-1/-1", "0.0.0.0/0", "Drop", "5", "intranet"),
    ]
    assert ingress[0].description == "a b/c*~+é!(')"
    egress = rules_of(ecs, sg, direction="egress")
    # IPv6 comes back compressed and lower case, host bits kept (docs/reference/rules.md §4.1).
    assert [(r.direction, r.ipv_6dest_cidr_ip) for r in egress] == [("egress", "2001:db8::1/64")]

    # An identical Authorize succeeds and adds nothing (every AuthorizeSecurityGroup doc version).
    ecs.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(
            region_id=R,
            security_group_id=sg,
            permissions=[m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="TCP", port_range="22/22", source_cidr_ip="10.0.0.0/8")],
        )
    )
    assert len(rules_of(ecs, sg)) == 3

    # ModifySecurityGroupRule without a rule id changes the matching rule's description (docs/reference/ecs.md §1.9).
    ecs.modify_security_group_rule(
        m.ModifySecurityGroupRuleRequest(
            region_id=R, security_group_id=sg, ip_protocol="tcp", port_range="22/22", source_cidr_ip="10.0.0.0/8", description="ssh"
        )
    )
    assert rules_of(ecs, sg, direction="ingress")[0].description == "ssh"

    # ModifySecurityGroupEgressRule by id changes the rule in place (seed).
    rid = egress[0].security_group_rule_id
    ecs.modify_security_group_egress_rule(
        m.ModifySecurityGroupEgressRuleRequest(
            region_id=R, security_group_id=sg, security_group_rule_id=rid, port_range="8443/8443", description="tls"
        )
    )
    (changed,) = rules_of(ecs, sg, direction="egress")
    assert (changed.security_group_rule_id, changed.port_range, changed.description) == (rid, "8443/8443", "tls")

    # Revoke by Permissions with no matching rule: success, nothing deleted (seed).
    ecs.revoke_security_group_egress(
        m.RevokeSecurityGroupEgressRequest(
            region_id=R,
            security_group_id=sg,
            permissions=[m.RevokeSecurityGroupEgressRequestPermissions(ip_protocol="UDP", port_range="53/53", dest_cidr_ip="10.0.0.0/8")],
        )
    )
    assert len(rules_of(ecs, sg)) == 3
    # Revoke by rule ids.
    ecs.revoke_security_group(
        m.RevokeSecurityGroupRequest(
            region_id=R, security_group_id=sg, security_group_rule_id=[r.security_group_rule_id for r in ingress]
        )
    )
    ecs.revoke_security_group_egress(
        m.RevokeSecurityGroupEgressRequest(region_id=R, security_group_id=sg, security_group_rule_id=[rid])
    )
    assert rules_of(ecs, sg) == []


def test_documented_errors_reach_the_caller_as_client_exceptions(ecs):
    missing = "sg-" + "0" * 20
    err = error_of(lambda: rules_of(ecs, missing))
    assert (err.status_code, err.code) == (404, "InvalidSecurityGroupId.NotFound")

    sg = new_group(ecs)
    # An unknown rule id is an error (seed RevokeSecurityGroupEgress).
    err = error_of(
        lambda: ecs.revoke_security_group_egress(
            m.RevokeSecurityGroupEgressRequest(region_id=R, security_group_id=sg, security_group_rule_id=["sgr-" + "1" * 20])
        )
    )
    assert (err.status_code, err.code) == (404, "InvalidSecurityGroupRuleId.NotFound")
    # Rule ids and Permissions cannot be combined (seed).
    err = error_of(
        lambda: ecs.revoke_security_group_egress(
            m.RevokeSecurityGroupEgressRequest(
                region_id=R,
                security_group_id=sg,
                security_group_rule_id=["sgr-" + "1" * 20],
                permissions=[m.RevokeSecurityGroupEgressRequestPermissions(ip_protocol="TCP", port_range="1/2", dest_cidr_ip="1.1.1.1")],
            )
        )
    )
    assert (err.status_code, err.code) == (400, "InvalidParam.Permissions")
    err = error_of(
        lambda: ecs.authorize_security_group(
            m.AuthorizeSecurityGroupRequest(
                region_id=R,
                security_group_id=sg,
                permissions=[m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="SCTP", port_range="1/2", source_cidr_ip="1.1.1.1")],
            )
        )
    )
    assert (err.status_code, err.code) == (400, "InvalidIpProtocol.ValueNotSupported")


def test_a_referenced_group_cannot_be_deleted_until_the_reference_goes(ecs):
    a, b = new_group(ecs), new_group(ecs)
    ecs.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(
            region_id=R,
            security_group_id=b,
            permissions=[m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_group_id=a)],
        )
    )
    refs = ecs.describe_security_group_references(
        m.DescribeSecurityGroupReferencesRequest(region_id=R, security_group_id=[a])
    ).body.security_group_references.security_group_reference
    assert [(r.security_group_id, [x.security_group_id for x in r.referencing_security_groups.referencing_security_group]) for r in refs] == [(a, [b])]
    # DeleteSecurityGroup while another group's rule references it: 403 DependencyViolation.
    err = error_of(lambda: ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=a)))
    assert (err.status_code, err.code) == (403, "DependencyViolation")
    ecs.revoke_security_group(
        m.RevokeSecurityGroupRequest(
            region_id=R,
            security_group_id=b,
            permissions=[m.RevokeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_group_id=a)],
        )
    )
    ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=a))


def test_client_token_makes_create_idempotent(ecs):
    token = str(uuid.uuid4())
    first = new_group(ecs, client_token=token, security_group_name="once")
    second = new_group(ecs, client_token=token, security_group_name="once")
    assert first == second
    err = error_of(lambda: new_group(ecs, client_token=token, security_group_name="other"))
    assert (err.status_code, err.code) == (400, "IdempotentParameterMismatch")


def test_describe_regions(ecs):
    regions = ecs.describe_regions(m.DescribeRegionsRequest(accept_language="en-US")).body.regions.region
    hz = [r for r in regions if r.region_id == R]
    assert [(r.local_name, r.status) for r in hz] == [("China (Hangzhou)", "available")]
