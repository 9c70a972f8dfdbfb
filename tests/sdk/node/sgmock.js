// Starts a real sgmock process (SGMOCK_BIN) on a free loopback port with signatures verified, and
// resolves with its address once it prints its ready line. Keys: testid:testsecret, otherid:othersecret.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

function start() {
  const bin = process.env.SGMOCK_BIN || path.join(__dirname, '..', '..', '..', 'target', 'release', 'sgmock');
  const proc = spawn(bin, [
    '--listen', '127.0.0.1:0', '--auth', 'verify',
    '--access-key', 'testid:testsecret', '--access-key', 'otherid:othersecret',
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout });
    lines.once('line', (line) => {
      const m = /^sgmock listening on (\S+)$/.exec(line);
      if (m) resolve({ addr: m[1], stop: () => proc.kill('SIGTERM') });
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
