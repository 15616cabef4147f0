import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookCommandLine, readSettings, withSessionEndHook, writeSettings } from '../../../src/claudeCode/hook.js';
import { tempDir } from '../../support/sessions.js';

const command = hookCommandLine({
  node: '/usr/bin/node',
  launcher: '/opt/dream gate/bin/dreamgate-session-end.js',
  fleet: "/home/o'brien/dreamgate.yml",
  agent: 'shop-api',
});

describe("Claude Code's SessionEnd hook in .claude/settings.json", () => {
  it('is one shell command, its paths quoted for the shell', () => {
    expect(command).toBe(
      "/usr/bin/node '/opt/dream gate/bin/dreamgate-session-end.js' --fleet '/home/o'\\''brien/dreamgate.yml' --agent shop-api",
    );
  });

  it('joins what the file holds, and replaces only its own entry when written again', () => {
    const theirs = { hooks: [{ type: 'command', command: 'notify-send bye' }] };
    const settings = { model: 'opus', hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [] }], SessionEnd: [theirs] } };
    const once = withSessionEndHook(settings, command, 'settings.json');
    const twice = withSessionEndHook(once, command.replace('shop-api', 'shop-web'), 'settings.json');
    expect(twice).toEqual({
      model: 'opus',
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [] }],
        SessionEnd: [
          theirs,
          { hooks: [{ type: 'command', command: command.replace('shop-api', 'shop-web'), timeout: 10 }] },
        ],
      },
    });
  });

  it('leaves a file it cannot read as settings alone, naming it', async () => {
    const dir = await tempDir('dg-hook-');
    const file = join(dir, '.claude', 'settings.json');
    expect(await readSettings(file)).toEqual({}); // none yet
    await writeSettings(file, withSessionEndHook({}, command, file));
    expect(JSON.parse(await readFile(file, 'utf8')).hooks.SessionEnd).toHaveLength(1);
    await writeFile(file, '{ "hooks": ');
    await expect(readSettings(file)).rejects.toThrow(`${file}: not valid JSON`);
    expect(() => withSessionEndHook({ hooks: [] }, command, file)).toThrow(`${file}: "hooks" is not an object`);
    expect(() => withSessionEndHook({ hooks: { SessionEnd: {} } }, command, file)).toThrow(
      '"hooks.SessionEnd" is not a list',
    );
  });
});
