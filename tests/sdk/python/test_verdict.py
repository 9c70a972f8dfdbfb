"""The README's worked example: a web tier that must not expose SSH, built with the official Tea SDK
(signatures verified) and checked with `POST /_sgmock/evaluate` and `GET /_sgmock/lint`
(docs/reference/verdict.md)."""

import json
import urllib.request

from alibabacloud_ecs20140526 import models as m

R = "cn-hangzhou"


def admin(addr, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://{addr}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def evaluate(addr, sg, port, ip):
    return admin(addr, "POST", "/_sgmock/evaluate", {
        "account": "testid", "region": R, "target": {"security_group_ids": [sg]},
        "direction": "ingress", "protocol": "tcp", "port": port, "peer": {"ip": ip}})


def test_the_web_tier_serves_https_and_does_not_expose_ssh(ecs, sgmock_addr):
    web = ecs.create_security_group(m.CreateSecurityGroupRequest(
        region_id=R, vpc_id="vpc-verdict", security_group_name="web")).body.security_group_id
    ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(region_id=R, security_group_id=web, permissions=[
        m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="443/443", source_cidr_ip="0.0.0.0/0"),
        m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_cidr_ip="10.0.0.0/8",
                                                   description="ssh from the office"),
    ]))
    assert evaluate(sgmock_addr, web, 443, "203.0.113.7")["verdict"] == "accept"
    ssh = evaluate(sgmock_addr, web, 22, "203.0.113.7")
    assert (ssh["verdict"], ssh["decided_by"]["kind"]) == ("drop", "default")
    office = evaluate(sgmock_addr, web, 22, "10.1.2.3")
    assert (office["verdict"], office["decided_by"]["rule"]["Description"]) == ("accept", "ssh from the office")
    # Nothing to flag yet; opening SSH to the world is flagged.
    assert admin(sgmock_addr, "GET", f"/_sgmock/lint?security_group_id={web}") == []
    ecs.authorize_security_group(m.AuthorizeSecurityGroupRequest(region_id=R, security_group_id=web, permissions=[
        m.AuthorizeSecurityGroupRequestPermissions(ip_protocol="tcp", port_range="22/22", source_cidr_ip="0.0.0.0/0")]))
    assert evaluate(sgmock_addr, web, 22, "203.0.113.7")["verdict"] == "accept"
    findings = admin(sgmock_addr, "GET", f"/_sgmock/lint?security_group_id={web}")
    # The world rule is flagged, and the office rule is now redundant (the world rule covers it).
    assert sorted((f["code"], f["severity"]) for f in findings) == [("OpenToWorld", "error"), ("Redundant", "info")]
