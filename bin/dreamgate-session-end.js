#!/usr/bin/env node
// Claude Code's SessionEnd hook (`dreamgate hook install` writes it): it returns at once and never holds up
// the end of a session. It hands the session that ended to `dreamgate hook session-end`, detached, which
// decides whether enough sessions have gathered to ask for a dream and logs what it did.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

let input = '';
let gone = false;
function go() {
  if (gone) return;
  gone = true;
  let session;
  try {
    session = JSON.parse(input).session_id;
  } catch {
    // no input (run by hand): the gate counts every session
  }
  const current = typeof session === 'string' && /^[\w.-]{1,128}$/.test(session) ? ['--session', session] : [];
  try {
    const cli = join(__dirname, 'dreamgate.js');
    const args = [cli, 'hook', 'session-end', ...process.argv.slice(2), ...current];
    spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: process.env }).unref();
  } catch {
    // a hook must never fail the session it ends
  }
  process.exit(0);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  if (input.length < 65_536) input += d;
});
process.stdin.on('end', go);
process.stdin.on('error', go);
// Claude Code closes stdin after writing the input; should it not, go on anyway
setTimeout(go, 300);
