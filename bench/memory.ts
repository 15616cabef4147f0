import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workerNodeFlags } from '../src/config/tuning.js';

/**
 * Peak RSS of a process that dreams `sessions` sessions of about 1 MB each, against the same process idle
 * (bench/memoryProbe.ts in a child process of its own each time).
 */
export async function memoryPeak(sessions: number): Promise<{ dreamMb: number; idleMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-mem-'));
  const agent = 'mem-agent';
  await mkdir(join(dir, agent));
  const filler = 'x'.repeat(900);
  for (let s = 0; s < sessions; s++) {
    const out = createWriteStream(join(dir, agent, `sess_${s}.jsonl`));
    const t0 = Date.parse('2026-11-01T00:00:00Z') + s * 3_600_000;
    for (let i = 0; i < 1000; i++) {
      out.write(
        JSON.stringify({
          id: `tu${i}`,
          type: 'agent.tool_use',
          processed_at: new Date(t0 + i * 10).toISOString(),
          name: 'bash',
          input: { command: `make step-${i % 7}` },
        }) + '\n',
      );
      out.write(
        JSON.stringify({
          id: `r${i}`,
          type: 'agent.tool_result',
          processed_at: new Date(t0 + i * 10 + 5).toISOString(),
          tool_use_id: `tu${i}`,
          content: filler,
          is_error: i % 97 === 0,
        }) + '\n',
      );
    }
    await new Promise((r) => out.end(r));
  }
  const probe = (mode: string) =>
    new Promise<number>((resolve, reject) => {
      // launched as a worker is (its V8 flags), so that its peak is a worker's
      const args = [...workerNodeFlags, join(__dirname, 'memoryProbe.js'), dir, agent, mode, String(sessions)];
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) =>
        code === 0
          ? resolve((JSON.parse(out) as { maxRssMb: number }).maxRssMb)
          : reject(new Error(`memory probe exited ${code}`)),
      );
    });
  try {
    return { dreamMb: await probe('dream'), idleMb: await probe('idle') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
