// Starts a real sgmock process (SGMOCK_BIN) on a free loopback port with signatures verified, and
// resolves with its address once it prints its ready line. Keys: testid:testsecret, otherid:othersecret.
// TLS is on (sgmock's default) on the same port; `ca` is the file its CA certificate was written to.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

function start() {
  const bin = process.env.SGMOCK_BIN || path.join(__dirname, '..', '..', '..', 'target', 'release', 'sgmock');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sgmock-node-'));
  const ca = path.join(dir, 'ca.pem');
  const proc = spawn(bin, [
    '--listen', '127.0.0.1:0', '--auth', 'verify',
    '--access-key', 'testid:testsecret', '--access-key', 'otherid:othersecret',
    '--tls-ca-out', ca,
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout });
    lines.once('line', (line) => {
      const m = /^sgmock listening on (\S+)$/.exec(line);
      const stop = () => {
        proc.kill('SIGTERM');
        fs.rmSync(dir, { recursive: true, force: true });
      };
      if (m) resolve({ addr: m[1], ca, stop });
      else reject(new Error(`sgmock did not start: ${line}`));
    });
    proc.once('exit', (code) => reject(new Error(`sgmock exited with ${code}`)));
  });
}

// The error a promise rejects with (fails the test if it resolves).
async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

module.exports = { start, rejects };
