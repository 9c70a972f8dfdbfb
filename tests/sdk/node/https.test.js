// HTTPS on sgmock's one port (TLS is its default): Node's official clients trust its CA through
// NODE_EXTRA_CA_CERTS (read by Node at start, so the clients run in a child process), and a client
// that does not trust it gets a certificate error rather than a hang.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const path = require('node:path');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const { start, rejects } = require('./sgmock');

const R = 'cn-hangzhou';

test('HTTPS on the same port', async (t) => {
  const server = await start();
  t.after(() => server.stop());

  await t.test('pop-core (GET and POST) and the Tea SDK with NODE_EXTRA_CA_CERTS', async () => {
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, [path.join(__dirname, 'https-client.js')], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: server.ca, SGMOCK_ADDR: server.addr },
        timeout: 60000,
      }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${out}\n${errOut}`)) : resolve(out)));
    });
    const lifecycle = { sg: true, rules: [['TCP', '443/443', '10.0.0.0/8', 'over tls']], gone: 'InvalidSecurityGroup.NotFound' };
    assert.deepEqual(JSON.parse(stdout), { GET: lifecycle, POST: lifecycle, tea: { listed: [true] } });
  });

  await t.test('without the CA trusted: a certificate error, not a hang', async () => {
    const client = new RPCClient({
      accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: `https://${server.addr}`, apiVersion: '2014-05-26',
    });
    const err = await rejects(client.request('DescribeRegions', {}, { timeout: 20000 }));
    assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN');
  });

  await t.test('plain HTTP still answers on the same port', async () => {
    const client = new RPCClient({
      accessKeyId: 'testid', accessKeySecret: 'testsecret', endpoint: `http://${server.addr}`, apiVersion: '2014-05-26',
    });
    const { Regions } = await client.request('DescribeRegions', {});
    assert.ok(Regions.Region.some((r) => r.RegionId === R));
  });
});
