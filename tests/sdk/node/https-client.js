// Run by https.test.js in a child process with NODE_EXTRA_CA_CERTS set to sgmock's CA, as the README
// tells a Node user: the official clients over HTTPS to SGMOCK_ADDR, with no TLS option in the code.
// Prints one JSON line: what each client saw.
'use strict';
const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const RPCClient = require('@alicloud/pop-core').RPCClient;

const R = 'cn-hangzhou';
const addr = process.env.SGMOCK_ADDR;

async function popcore(method) {
  const ecs = new RPCClient({
    accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: `https://${addr}`, apiVersion: '2014-05-26',
  });
  const opts = { method };
  const { SecurityGroupId: sg } = await ecs.request('CreateSecurityGroup', { RegionId: R, VpcId: 'vpc-tls', SecurityGroupName: 'pop-tls' }, opts);
  await ecs.request('AuthorizeSecurityGroup', {
    RegionId: R, SecurityGroupId: sg,
    Permissions: [{ IpProtocol: 'tcp', PortRange: '443/443', SourceCidrIp: '10.0.0.0/8', Description: 'over tls' }],
  }, opts);
  const attr = await ecs.request('DescribeSecurityGroupAttribute', { RegionId: R, SecurityGroupId: sg }, opts);
  const rules = attr.Permissions.Permission.map((r) => [r.IpProtocol, r.PortRange, r.SourceCidrIp, r.Description]);
  await ecs.request('RevokeSecurityGroup', {
    RegionId: R, SecurityGroupId: sg, SecurityGroupRuleId: [attr.Permissions.Permission[0].SecurityGroupRuleId],
  }, opts);
  await ecs.request('DeleteSecurityGroup', { RegionId: R, SecurityGroupId: sg }, opts);
  let gone;
  try {
    await ecs.request('DeleteSecurityGroup', { RegionId: R, SecurityGroupId: sg }, opts);
  } catch (e) {
    gone = e.code;
  }
  return { sg: /^sg-[a-z0-9]{20}$/.test(sg), rules, gone };
}

// The Tea SDK with no `protocol`: its default, HTTPS.
async function tea() {
  const ecs = new Ecs.default(new $OpenApiUtil.Config({ accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: addr }));
  const created = await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: R, vpcId: 'vpc-tls' }));
  const sg = created.body.securityGroupId;
  const listed = await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: R, securityGroupId: sg }));
  await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: R, securityGroupId: sg }));
  return { listed: listed.body.securityGroups.securityGroup.map((g) => g.securityGroupId === sg) };
}

(async () => {
  const out = { GET: await popcore('GET'), POST: await popcore('POST'), tea: await tea() };
  process.stdout.write(`${JSON.stringify(out)}\n`);
})().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: e.code || e.message })}\n`);
  process.exitCode = 1;
});
