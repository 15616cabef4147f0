/**
 * A generated store of the shape real agents' memory has (no fetched store is committed): markdown topic
 * files with YAML front matter, sections, `Label: value` facts, task lists, nested lists, tables, fenced code
 * and prose in several languages and scripts, an index file, JSON and YAML beside them; and sessions whose
 * memory writes update some values and restate others. Seeded: the same bytes every run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rng } from '../src/util/seeded.js';

/** Sentences in several languages and scripts, each about one service (`n`): a store states each once. */
const prose: ((n: string) => string)[] = [
  (n) => `The deploy pipeline of service ${n} runs the integration suite before it promotes a build to staging.`,
  (n) => `Die Datenbank von Dienst ${n} wird jede Nacht um 02:00 Uhr gesichert; die Sicherung bleibt sieben Tage.`,
  (n) => `Pour le service ${n}, l'équipe préfère des revues courtes : pas plus de quatre cents lignes.`,
  (n) => `サービス${n}のビルドが失敗した場合は、まずキャッシュを削除してから再実行してください。`,
  (n) => `服务${n}部署前必须通过所有测试，并且需要至少一名审核人批准合并请求。`,
  (n) => `Перед релизом сервиса ${n} обязательно обновите журнал изменений и проверьте миграции.`,
  (n) => `يجب تشغيل اختبارات الخدمة ${n} قبل دمج أي تغيير في الفرع الرئيسي.`,
  (n) => `When the queue of service ${n} backs up, scale the consumers first and only then the producers.`,
];
const labels = ['Owner', 'Host', 'Port', 'Timeout', 'Retention', 'Region', 'Version', 'On-call', 'Channel'];
const langs = ['sh', 'ts', 'json', 'yaml', 'python', 'sql'];

function topicFile(i: number, r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out = ['---', `title: Topic ${i}`, `tags: [${pick(['ops', 'dev', 'data'])}, t${i % 9}]`, 'updated: 2026-11-30'];
  out.push('---', '', `# Topic ${i}`, '', pick(prose)(`${i}`), '');
  for (let s = 0; s < 4; s++) {
    out.push(`## Section ${s} of topic ${i}`, '');
    for (const label of labels.slice(0, 4 + (s % 5)))
      out.push(`- **${label} of service ${i}-${s}**: ${label.toLowerCase()}-${Math.floor(r() * 500)}`);
    out.push(`- [${r() < 0.5 ? 'x' : ' '}] check the ${pick(labels).toLowerCase()} of service ${i}-${s}`);
    out.push(
      '- Nested:',
      `  - ${pick(prose)(`${i}.${s}`)}`,
      `  - from topic ${i}, see [topic ${i + s + 1}](topic-${i + s + 1}.md)`,
      '',
    );
    out.push(pick(prose)(`${i}-${s}`), pick(prose)(`${i}/${s}`), '');
    if (s % 2 === 0) {
      out.push('| name | value | note |', '| ---- | ----- | ---- |');
      for (let k = 0; k < 5; k++)
        out.push(`| key-${k} | ${Math.floor(r() * 1e4)} | ${pick(prose)(`${i}`).slice(0, 24)} |`);
      out.push('');
    } else {
      const lang = pick(langs);
      out.push(`\`\`\`${lang}`, `# ${lang} example for topic ${i}`, `run --service ${i}-${s} --retries 3`, '```', '');
    }
    if (s === 3) out.push(`> ${pick(prose)(`${i}:${s}`)}`, '');
  }
  return out.join('\n');
}

/** The line after which a session inserts a topic's new owner: its first section's owner line. */
const ownerLine = 13;

/**
 * Session `s` of the agent: it writes topic `i`'s new owner below the old one (an update) and keeps a notes
 * file that restates a fact the topic file already holds (over-saving). `apply` makes the same writes in the
 * store, as the agent did.
 */
function session(s: number, i: number, files: Map<string, string>): string {
  const t = Date.parse('2026-12-01T00:00:00Z') + s * 3_600_000;
  const topic = `/topics/topic-${i}.md`;
  const owner = `- **Owner of service ${i}-0**: owner-${900 + s}`;
  const lines = files.get(topic)!.split('\n');
  const port = lines.find((l) => l.startsWith(`- **Port of service ${i}-1**:`))!;
  const notes = `# Session ${s}\n\n${port}\n- ${prose[s % prose.length]!(`${i}-${s % 4}`)}\n`;
  lines.splice(ownerLine, 0, owner);
  files.set(topic, lines.join('\n'));
  files.set(`/notes/session-${s}.md`, notes);
  const ev = (n: number, e: Record<string, unknown>) =>
    JSON.stringify({ id: `e${n}`, processed_at: new Date(t + n * 1000).toISOString(), ...e });
  const write = (n: number, input: Record<string, unknown>) => [
    ev(n, { type: 'agent.tool_use', id: `tu${s}-${n}`, name: 'memory', input }),
    ev(n + 1, { type: 'agent.tool_result', tool_use_id: `tu${s}-${n}`, content: 'ok', is_error: false }),
  ];
  return [
    ev(0, { type: 'user.message', content: [{ type: 'text', text: `The owner of service ${i}-0 changed.` }] }),
    ...write(1, { command: 'insert', path: `/memories${topic}`, insert_line: ownerLine, insert_text: owner }),
    ...write(3, { command: 'create', path: `/memories/notes/session-${s}.md`, file_text: notes }),
  ].join('\n');
}

/** Writes about `kb` KB of store to `<dir>/memory` and `sessions` sessions to `<dir>/sessions/<agent>`. */
export async function realShapedStore(dir: string, agent: string, kb = 700, sessions = 20): Promise<number> {
  const r = rng(22);
  const files = new Map<string, string>();
  let bytes = 0;
  for (let i = 0; bytes < kb * 1024 * 0.95; i++) {
    const text = topicFile(i, r);
    files.set(`/topics/topic-${i}.md`, text);
    bytes += Buffer.byteLength(text);
  }
  const topics = files.size;
  files.set(
    '/MEMORY.md',
    ['# Memory index', '', ...[...files.keys()].map((p) => `- [${p}](${p.slice(1)})`)].join('\n'),
  );
  files.set('/config/services.json', JSON.stringify({ services: [...Array(topics).keys()].map((i) => `svc-${i}`) }));
  files.set('/config/limits.yaml', [...Array(topics).keys()].map((i) => `svc-${i}: { rps: ${i * 10} }`).join('\n'));
  const logs = Array.from({ length: sessions }, (_, s) => session(s, (s * 7) % topics, files));
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, 'memory', path)), { recursive: true });
    await writeFile(join(dir, 'memory', path), text);
  }
  await mkdir(join(dir, 'sessions', agent), { recursive: true });
  for (const [s, log] of logs.entries()) await writeFile(join(dir, 'sessions', agent, `sess_${s}.jsonl`), `${log}\n`);
  return [...files.values()].reduce((n, t) => n + Buffer.byteLength(t), 0);
}
