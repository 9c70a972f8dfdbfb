"""Prefix lists and port range lists through the official Python Tea SDK (ACS3 and v2), signatures
verified (docs/reference/lists.md). The SDK parsing each answer into its typed model is the check on
the shapes: object wrappers for prefix lists, bare arrays for port range lists."""

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

R = "cn-hangzhou"


def error_of(call):
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def test_prefix_list_create_modify_describe_and_a_rule_that_references_it(ecs):
    pl = ecs.create_prefix_list(m.CreatePrefixListRequest(
        region_id=R, address_family="IPv4", max_entries=5, prefix_list_name="offices",
        entry=[m.CreatePrefixListRequestEntry(cidr="10.0.0.0/8", description="hq"),
               m.CreatePrefixListRequestEntry(cidr="192.168.1.7")],
    )).body.prefix_list_id
    ecs.modify_prefix_list(m.ModifyPrefixListRequest(
        region_id=R, prefix_list_id=pl,
        add_entry=[m.ModifyPrefixListRequestAddEntry(cidr="172.16.0.0/12", description="branch")],
        remove_entry=[m.ModifyPrefixListRequestRemoveEntry(cidr="192.168.1.7/32")],
    ))
    attrs = ecs.describe_prefix_list_attributes(
        m.DescribePrefixListAttributesRequest(region_id=R, prefix_list_id=pl)).body
    assert (attrs.address_family, attrs.max_entries) == ("IPv4", 5)
    assert [(e.cidr, e.description) for e in attrs.entries.entry] == [
        ("10.0.0.0/8", "hq"), ("172.16.0.0/12", "branch")]

    sg = ecs.create_security_group(m.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-lists")).body.security_group_id
    ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(
        region_id=R, security_group_id=sg,
        permissions=[m.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="tcp", port_range="22/22", source_prefix_list_id=pl)]))
    rule = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)).body.permissions.permission[0]
    assert (rule.source_prefix_list_id, rule.source_prefix_list_name, rule.source_cidr_ip) == (pl, "offices", "")

    listed = ecs.describe_prefix_lists(m.DescribePrefixListsRequest(region_id=R, prefix_list_id=[pl])).body
    [one] = listed.prefix_lists.prefix_list
    assert (one.prefix_list_id, one.association_count, one.max_entries) == (pl, 1, 5)
    assoc = ecs.describe_prefix_list_associations(
        m.DescribePrefixListAssociationsRequest(region_id=R, prefix_list_id=pl)).body
    assert [(a.resource_id, a.resource_type) for a in assoc.prefix_list_associations.prefix_list_association] == [
        (sg, "securitygroup")]

    err = error_of(lambda: ecs.delete_prefix_list(m.DeletePrefixListRequest(region_id=R, prefix_list_id=pl)))
    assert (err.status_code, err.code) == (400, "NotAllowed.AssociationExist")
    ecs.revoke_security_group(m.RevokeSecurityGroupRequest(
        region_id=R, security_group_id=sg,
        permissions=[m.RevokeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_prefix_list_id=pl)]))
    ecs.delete_prefix_list(m.DeletePrefixListRequest(region_id=R, prefix_list_id=pl))
    err = error_of(lambda: ecs.describe_prefix_list_attributes(
        m.DescribePrefixListAttributesRequest(region_id=R, prefix_list_id=pl)))
    assert (err.status_code, err.code) == (404, "InvalidPrefixListId.NotFound")


def test_port_range_list_create_modify_describe_and_a_rule_that_references_it(ecs):
    prl = ecs.create_port_range_list(m.CreatePortRangeListRequest(
        region_id=R, max_entries=10, port_range_list_name="web-ports",
        entry=[m.CreatePortRangeListRequestEntry(port_range="80/80", description="http"),
               m.CreatePortRangeListRequestEntry(port_range="443/443")],
    )).body.port_range_list_id
    ecs.modify_port_range_list(m.ModifyPortRangeListRequest(
        region_id=R, port_range_list_id=prl,
        add_entry=[m.ModifyPortRangeListRequestAddEntry(port_range="8080/8080", description="alt")],
    ))
    entries = ecs.describe_port_range_list_entries(
        m.DescribePortRangeListEntriesRequest(region_id=R, port_range_list_id=prl)).body.entries
    assert [(e.port_range, e.description) for e in entries] == [
        ("80/80", "http"), ("443/443", ""), ("8080/8080", "alt")]

    sg = ecs.create_security_group(m.CreateSecurityGroupRequest(region_id=R, vpc_id="vpc-lists")).body.security_group_id
    ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(
        region_id=R, security_group_id=sg,
        permissions=[m.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="tcp", port_range_list_id=prl, source_cidr_ip="10.0.0.0/8")]))
    rule = ecs.describe_security_group_attribute(
        m.DescribeSecurityGroupAttributeRequest(region_id=R, security_group_id=sg)).body.permissions.permission[0]
    assert (rule.port_range_list_id, rule.port_range_list_name, rule.port_range) == (prl, "web-ports", "")

    [one] = ecs.describe_port_range_lists(
        m.DescribePortRangeListsRequest(region_id=R, port_range_list_id=[prl])).body.port_range_lists
    assert (one.port_range_list_id, one.association_count, one.max_entries) == (prl, 1, 10)
    assoc = ecs.describe_port_range_list_associations(
        m.DescribePortRangeListAssociationsRequest(region_id=R, port_range_list_id=prl)).body
    assert [(a.resource_id, a.resource_type) for a in assoc.port_range_list_associations] == [(sg, "SecurityGroup")]

    err = error_of(lambda: ecs.delete_port_range_list(
        m.DeletePortRangeListRequest(region_id=R, port_range_list_id=prl)))
    assert (err.status_code, err.code) == (400, "InvalidPortRangeListId.AssociationExist")
    ecs.delete_security_group(m.DeleteSecurityGroupRequest(region_id=R, security_group_id=sg))
    ecs.delete_port_range_list(m.DeletePortRangeListRequest(region_id=R, port_range_list_id=prl))
