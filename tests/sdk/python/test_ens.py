"""The official Python SDK alibabacloud-ens20171110 driving sgmock's ENS security groups.

Each test names the documented behaviour it checks (docs/reference/ens.md, the ENS seed pages in docs/reference/pages.md).
"""

import pytest
from alibabacloud_ens20171110 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def rules_of(ens, sg):
    body = ens.describe_security_group_attribute(m.DescribeSecurityGroupAttributeRequest(security_group_id=sg)).body
    assert body.security_group_id == sg
    return body.permissions.permission


def test_group_lifecycle_with_embedded_permissions(ens):
    sg = ens.create_security_group(
        m.CreateSecurityGroupRequest(
            security_group_name="sdk-ens",
            description="Edge group",
            permissions=[
                m.CreateSecurityGroupRequestPermissions(
                    direction="ingress", ip_protocol="TCP", port_range="80/80", policy="Accept", priority=1,
                    source_cidr_ip="10.0.0.0/8", description="web",
                ),
                m.CreateSecurityGroupRequestPermissions(
                    direction="egress", ip_protocol="ALL", port_range="-1/-1", policy="Drop", priority=2, dest_cidr_ip="0.0.0.0/0",
                ),
            ],
        )
    ).body.security_group_id
    rules = rules_of(ens, sg)
    # Priority is a number, IpProtocol upper case, Policy capitalised, CIDRs as sent (docs/reference/ens.md §2.0).
    assert [(r.direction, r.ip_protocol, r.port_range, r.policy, r.priority, r.source_cidr_ip, r.dest_cidr_ip, r.description) for r in rules] == [
        ("ingress", "TCP", "80/80", "Accept", 1, "10.0.0.0/8", "", "web"),
        ("egress", "ALL", "-1/-1", "Drop", 2, "", "0.0.0.0/0", ""),
    ]
    groups = ens.describe_security_groups(m.DescribeSecurityGroupsRequest(security_group_id=sg)).body
    assert groups.total_count == 1
    g = groups.security_groups.security_group[0]
    assert (g.security_group_id, g.security_group_name, g.description, g.instance_count) == (sg, "sdk-ens", "Edge group", 0)

    ens.modify_security_group_attribute(m.ModifySecurityGroupAttributeRequest(security_group_id=sg, security_group_name="sdk-ens-2"))
    body = ens.describe_security_group_attribute(m.DescribeSecurityGroupAttributeRequest(security_group_id=sg)).body
    assert (body.security_group_name, body.description) == ("sdk-ens-2", "Edge group")

    ens.delete_security_group(m.DeleteSecurityGroupRequest(security_group_id=sg))
    # ENS answers not-found with HTTP 400 (seeds).
    err = error_of(lambda: rules_of(ens, sg))
    assert (err.status_code, err.code) == (400, "InvalidSecurityGroupId.NotFound")


def test_flat_authorize_and_revoke_with_ens_semantics(ens):
    sg = ens.create_security_group(m.CreateSecurityGroupRequest(security_group_name="flat")).body.security_group_id
    ens.authorize_security_group(
        m.AuthorizeSecurityGroupRequest(security_group_id=sg, ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0", policy="accept", priority=1)
    )
    ens.authorize_security_group_egress(
        m.AuthorizeSecurityGroupEgressRequest(security_group_id=sg, ip_protocol="udp", port_range="53/53", dest_cidr_ip="10.0.0.0/8")
    )
    assert [(r.direction, r.ip_protocol, r.priority) for r in rules_of(ens, sg)] == [("ingress", "TCP", 1), ("egress", "UDP", 1)]
    # An identical rule is refused (seed RevokeSecurityGroupEgress's list: SecurityGroupRuleConflict.Duplicated).
    err = error_of(
        lambda: ens.authorize_security_group(
            m.AuthorizeSecurityGroupRequest(security_group_id=sg, ip_protocol="TCP", port_range="22/22", source_cidr_ip="0.0.0.0/0")
        )
    )
    assert (err.status_code, err.code) == (400, "SecurityGroupRuleConflict.Duplicated")
    ens.revoke_security_group_egress(
        m.RevokeSecurityGroupEgressRequest(security_group_id=sg, ip_protocol="udp", port_range="53/53", dest_cidr_ip="10.0.0.0/8")
    )
    # Removing a rule that does not exist is an error (seed: SecurityGroupRule.NotFound).
    err = error_of(
        lambda: ens.revoke_security_group_egress(
            m.RevokeSecurityGroupEgressRequest(security_group_id=sg, ip_protocol="udp", port_range="53/53", dest_cidr_ip="10.0.0.0/8")
        )
    )
    assert (err.status_code, err.code) == (400, "SecurityGroupRule.NotFound")
    ens.revoke_security_group(m.RevokeSecurityGroupRequest(security_group_id=sg, ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0"))
    assert rules_of(ens, sg) == []


def test_create_and_delete_security_group_permissions(ens):
    sg = ens.create_security_group(m.CreateSecurityGroupRequest(security_group_name="perms")).body.security_group_id
    ens.create_security_group_permissions(
        m.CreateSecurityGroupPermissionsRequest(
            security_group_id=sg,
            permissions=[
                m.CreateSecurityGroupPermissionsRequestPermissions(
                    direction="ingress", ip_protocol="TCP", port_range="443/443", policy="Accept", priority=10,
                    ipv_6source_cidr_ip="2001:DB8::/32", description="v6 in",
                ),
                m.CreateSecurityGroupPermissionsRequestPermissions(
                    direction="egress", ip_protocol="ICMP", port_range="-1/-1", policy="Accept", priority=1, dest_cidr_ip="10.0.0.0/8",
                ),
            ],
        )
    )
    rules = rules_of(ens, sg)
    # ENS echoes IPv6 verbatim (docs/reference/terraform.md D10).
    assert [(r.ipv_6source_cidr_ip, r.priority, r.description) for r in rules] == [("2001:DB8::/32", 10, "v6 in"), ("", 1, "")]
    # ICMP with an IPv6 address is refused with the seed's conflict code.
    err = error_of(
        lambda: ens.delete_security_group_permissions(
            m.DeleteSecurityGroupPermissionsRequest(
                security_group_id=sg,
                permissions=[m.DeleteSecurityGroupPermissionsRequestPermissions(
                    direction="egress", ip_protocol="ICMP", port_range="-1/-1", policy="Accept", priority=1, ipv_6dest_cidr_ip="::/0")],
            )
        )
    )
    assert (err.status_code, err.code) == (400, "InvalidParameter.Ipv4ProtocolConflictWithIpv6Address")
    ens.delete_security_group_permissions(
        m.DeleteSecurityGroupPermissionsRequest(
            security_group_id=sg,
            permissions=[
                m.DeleteSecurityGroupPermissionsRequestPermissions(
                    direction="ingress", ip_protocol="TCP", port_range="443/443", policy="Accept", priority=10, ipv_6source_cidr_ip="2001:DB8::/32"
                ),
                m.DeleteSecurityGroupPermissionsRequestPermissions(
                    direction="egress", ip_protocol="ICMP", port_range="-1/-1", policy="Accept", priority=1, dest_cidr_ip="10.0.0.0/8"
                ),
            ],
        )
    )
    assert rules_of(ens, sg) == []
