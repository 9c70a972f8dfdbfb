// @alicloud/pop-core (RPC HMAC-SHA1) against sgmock with signatures verified: GET (its default) and
// POST (form body), on ECS and ENS.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const { start, rejects } = require('./sgmock');

const R = 'cn-hangzhou';

test('pop-core', async (t) => {
  const server = await start();
  t.after(() => server.stop());
  const client = (version, secret = 'testsecret') => new RPCClient({
    accessKeyId: 'testid', accessKeySecret: secret, endpoint: `http://${server.addr}`, apiVersion: version,
  });
  const ecs = client('2014-05-26');
  const ens = client('2017-11-10');

  for (const method of ['GET', 'POST']) {
    await t.test(`ECS lifecycle with ${method}`, async () => {
      const opts = { method };
      const { SecurityGroupId: sg } = await ecs.request('CreateSecurityGroup', { RegionId: R, VpcId: 'vpc-node', SecurityGroupName: 'pop' }, opts);
      assert.match(sg, /^sg-[a-z0-9]{20}$/);
      await ecs.request('AuthorizeSecurityGroup', {
        RegionId: R, SecurityGroupId: sg,
        Permissions: [{ IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '10.0.0.0/8', Description: "a b/c*~+é!(')" }],
      }, opts);
      const attr = await ecs.request('DescribeSecurityGroupAttribute', { RegionId: R, SecurityGroupId: sg }, opts);
      const rules = attr.Permissions.Permission;
      assert.deepEqual(rules.map((r) => [r.IpProtocol, r.PortRange, r.SourceCidrIp, r.Description]),
        [['TCP', '22/22', '10.0.0.0/8', "a b/c*~+é!(')"]]);
      await ecs.request('RevokeSecurityGroup', { RegionId: R, SecurityGroupId: sg, SecurityGroupRuleId: [rules[0].SecurityGroupRuleId] }, opts);
      await ecs.request('DeleteSecurityGroup', { RegionId: R, SecurityGroupId: sg }, opts);
      // pop-core raises an Error named <Code>Error carrying the code (docs/reference/clients.md §6).
      const err = await rejects(ecs.request('DeleteSecurityGroup', { RegionId: R, SecurityGroupId: sg }, opts));
      assert.equal(err.code, 'InvalidSecurityGroup.NotFound');
      assert.equal(err.name, 'InvalidSecurityGroup.NotFoundError');
    });

    await t.test(`ENS lifecycle with ${method}`, async () => {
      const opts = { method };
      // ENS Permissions is one JSON string; pop-core needs the caller to stringify it (docs/reference/clients.md §3).
      const perms = JSON.stringify([{ Direction: 'ingress', IpProtocol: 'TCP', PortRange: '80/80', Policy: 'Accept', Priority: 1, SourceCidrIp: '10.0.0.0/8' }]);
      const { SecurityGroupId: sg } = await ens.request('CreateSecurityGroup', { SecurityGroupName: 'pop-ens', Permissions: perms }, opts);
      await ens.request('AuthorizeSecurityGroupEgress', { SecurityGroupId: sg, IpProtocol: 'udp', PortRange: '53/53', DestCidrIp: '8.8.8.8' }, opts);
      const attr = await ens.request('DescribeSecurityGroupAttribute', { SecurityGroupId: sg }, opts);
      assert.deepEqual(attr.Permissions.Permission.map((r) => [r.Direction, r.IpProtocol, r.Priority]), [['ingress', 'TCP', 1], ['egress', 'UDP', 1]]);
      const dup = await rejects(ens.request('AuthorizeSecurityGroupEgress', { SecurityGroupId: sg, IpProtocol: 'udp', PortRange: '53/53', DestCidrIp: '8.8.8.8' }, opts));
      assert.equal(dup.code, 'SecurityGroupRuleConflict.Duplicated');
      await ens.request('DeleteSecurityGroupPermissions', { SecurityGroupId: sg, Permissions: perms }, opts);
      await ens.request('DeleteSecurityGroup', { SecurityGroupId: sg }, opts);
      const err = await rejects(ens.request('DescribeSecurityGroupAttribute', { SecurityGroupId: sg }, opts));
      assert.equal(err.code, 'InvalidSecurityGroupId.NotFound');
    });

    await t.test(`a wrong secret is SignatureDoesNotMatch with ${method}`, async () => {
      const err = await rejects(client('2014-05-26', 'wrong').request('DescribeRegions', {}, { method }));
      assert.equal(err.code, 'SignatureDoesNotMatch');
      assert.match(err.message, /server string to sign is:/);
    });
  }
});
