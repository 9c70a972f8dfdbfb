// @alicloud/ecs20140526 (Node Tea SDK) against sgmock with signatures verified, in its default
// ACS3-HMAC-SHA256 mode and with signatureAlgorithm 'v2' (HMAC-SHA1).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const { start, rejects } = require('./sgmock');

const R = 'cn-hangzhou';

test('@alicloud/ecs20140526', async (t) => {
  const server = await start();
  t.after(() => server.stop());
  const client = (mode, secret = 'testsecret') => {
    const config = new $OpenApiUtil.Config({
      accessKeyId: 'testid', accessKeySecret: secret, endpoint: server.addr, protocol: 'http',
    });
    if (mode) config.signatureAlgorithm = mode;
    return new Ecs.default(config);
  };

  for (const mode of [undefined, 'v2']) {
    const name = mode || 'ACS3';
    await t.test(`lifecycle (${name})`, async () => {
      const ecs = client(mode);
      const created = await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: R, vpcId: 'vpc-node', securityGroupName: 'tea' }));
      const sg = created.body.securityGroupId;
      assert.match(sg, /^sg-/);
      await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
        regionId: R, securityGroupId: sg,
        permissions: [new Ecs.AuthorizeSecurityGroupRequestPermissions({ ipProtocol: 'tcp', portRange: '443/443', sourceCidrIp: '0.0.0.0/0', description: "a b/c*~+é!(')" })],
      }));
      await ecs.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
        regionId: R, securityGroupId: sg,
        permissions: [new Ecs.AuthorizeSecurityGroupEgressRequestPermissions({ ipProtocol: 'udp', portRange: '53/53', destCidrIp: '8.8.8.8' })],
      }));
      const attr = await ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg }));
      const rules = attr.body.permissions.permission;
      assert.deepEqual(rules.map((r) => [r.direction, r.ipProtocol, r.portRange, r.priority]),
        [['ingress', 'TCP', '443/443', '1'], ['egress', 'UDP', '53/53', '1']]);
      assert.equal(rules[0].description, "a b/c*~+é!(')");
      await ecs.modifySecurityGroupEgressRule(new Ecs.ModifySecurityGroupEgressRuleRequest({
        regionId: R, securityGroupId: sg, securityGroupRuleId: rules[1].securityGroupRuleId, description: 'dns',
      }));
      await ecs.revokeSecurityGroupEgress(new Ecs.RevokeSecurityGroupEgressRequest({ regionId: R, securityGroupId: sg, securityGroupRuleId: [rules[1].securityGroupRuleId] }));
      await ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({
        regionId: R, securityGroupId: sg,
        permissions: [new Ecs.RevokeSecurityGroupRequestPermissions({ ipProtocol: 'TCP', portRange: '443/443', sourceCidrIp: '0.0.0.0/0' })],
      }));
      const after = await ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg }));
      assert.deepEqual(after.body.permissions.permission, []);
      await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: sg }));
      // Errors reach the caller as the client's own error with code and HTTP status (docs/reference/clients.md §6).
      const err = await rejects(ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: sg })));
      assert.equal(err.code, 'InvalidSecurityGroupId.NotFound');
      assert.equal(err.statusCode, 404);
    });

    await t.test(`a wrong secret is SignatureDoesNotMatch (${name})`, async () => {
      const err = await rejects(client(mode, 'wrong').describeRegions(new Ecs.DescribeRegionsRequest({})));
      assert.equal(err.code, 'SignatureDoesNotMatch');
      assert.equal(err.statusCode, 400);
    });
  }
});
