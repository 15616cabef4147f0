import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as keys from '../../../src/names/keys.js';
import { projectRoot as root } from '../../../src/util/paths.js';

const agent = { fleet: 'acme', id: 'coder' };
const team = { fleet: 'acme', id: '@team' };
const hash = 'ab'.padEnd(64, 'c');

describe('the storage layout, as the README says it', () => {
  it('names the snapshots bucket’s objects under the agent’s namespace', () => {
    expect(keys.blobKey(agent, hash)).toBe(`fleets/acme/agents/coder/blobs/ab/${hash}`);
    expect(keys.blobKey(team, hash, true)).toBe(`agents/acme-team/blobs/ab/${hash}`);
    expect(keys.blobsPrefix(team)).toBe('fleets/acme/team/blobs/');
    expect(keys.manifestKey(agent, 'snapshot')).toBe('fleets/acme/agents/coder/manifest.json');
    expect(keys.manifestKey(agent, 'candidate', true)).toBe('agents/coder/candidate.json');
    expect(keys.changeSetKey(agent, hash)).toBe(`fleets/acme/agents/coder/change-sets/${hash}.json`);
    expect(keys.evidenceKey(agent, hash)).toBe(`fleets/acme/agents/coder/change-sets/${hash}.evidence.json`);
    expect(keys.fingerprintsKey(agent, hash)).toBe(`fleets/acme/agents/coder/change-sets/${hash}.fingerprints.json`);
    expect(keys.stateKey(agent)).toBe('fleets/acme/agents/coder/state.json');
    expect(keys.alertSlotKey(agent, '2026-12-07T13:04:05.000Z', 'page', 2)).toBe(
      'fleets/acme/agents/coder/alerts/2026-12-07T13/page-2',
    );
    expect(keys.fleetRunKey('acme', 'fleet-run', 300)).toBe('fleets/acme/runs/fleet-run/outcomes-000300.json');
    expect(keys.fleetRunPagesPrefix(keys.fleetRunFolder('acme', 'r'))).toBe('fleets/acme/runs/r/outcomes-');
    expect(keys.proofKey('proof-1')).toBe('proof/proof-1.txt');
  });

  it('names a cycle’s objects under `<ns>cycles/<run>/`', () => {
    const c = 'fleets/acme/agents/coder/cycles/run-1/';
    expect(keys.auditClaimKey(agent, 'run-1', 7)).toBe(`${c}audit/0007`);
    expect(keys.promotionKey(agent, 'run-1')).toBe(`${c}promotion`);
    expect(keys.undoneKey(agent, 'run-1')).toBe(`${c}promotion-undone`);
    expect(keys.promotionPlanKey(agent, 'run-1')).toBe(`${c}promotion-plan.json`);
    expect(keys.evalReportKey(agent, 'run-1', 'post-2')).toBe(`${c}eval-post-2.json`);
    expect(keys.derivedSuiteKey(agent, 'run-1')).toBe(`${c}derived-suite.json`);
    expect(keys.derivedExemptKey(agent, 'run-1')).toBe(`${c}derived-exempt.json`);
    expect(keys.sentMarkerKey(agent, 'run-1', 'paused')).toBe(`${c}paused.sent`);
    expect(keys.batchLedgerKey(agent, 'run-1', 'req')).toBe(`${c}batches/req.json`);
    expect(keys.editsKey(agent, 'run-1', hash)).toBe(`${c}edits-${hash.slice(0, 16)}.json`);
    expect(keys.postReportsPrefix(agent, 'run-1')).toBe(`${c}eval-post`);
  });

  it('reads a post report’s attempt back from its key, and nothing else as one', () => {
    expect(keys.postReportAttempt(keys.evalReportKey(agent, 'r', 'post'))).toBe(1);
    expect(keys.postReportAttempt(keys.evalReportKey(agent, 'r', 'post-3'))).toBe(3);
    for (const step of ['baseline', 'post-x', 'postal', 'revised'])
      expect(keys.postReportAttempt(keys.evalReportKey(agent, 'r', step)), step).toBeUndefined();
  });

  it('names the audit bucket’s records, markers and refusals', () => {
    const r = { fleet: 'acme', agent_id: 'coder', cycle_id: 'run-1', cycle_started_at: '2026-11-25T01:00:00.000Z' };
    const key = keys.auditRecordKey({ ...r, seq: 3, event: 'cycle-kept' });
    expect(key).toBe('fleets/acme/agents/coder/2026-11-25T010000000Z_run-1/0003-cycle-kept.json');
    expect(keys.auditRunPrefix(r)).toBe('fleets/acme/agents/coder/2026-11-25T010000000Z_run-1/');
    expect(keys.isAuditRunOf(keys.auditRunPrefix(r), 'run-1')).toBe(true);
    expect(keys.isAuditRunOf(keys.auditRunPrefix(r), 'run')).toBe(false);
    expect(keys.legacyAuditRecordKey(agent, { ...r, fleet: undefined, seq: 0, event: 'x' })).toBe(
      'agents/coder/2026-11-25T010000000Z_run-1/0000-x.json',
    );
    expect(() => keys.auditRecordKey({ ...r, fleet: undefined, seq: 0, event: 'x' })).toThrow(/name its fleet/);
    expect(() => keys.auditRecordKey({ ...r, seq: 0, event: '../x' })).toThrow(/audit event/);
    expect(keys.redactionMarkerKey(agent, hash)).toBe(`redactions/fleets/acme/agents/coder/${hash}.json`);
    expect(keys.redactionMarkerKey(agent, hash, true)).toBe(`redactions/agents/coder/${hash}.json`);
    expect(keys.refusalKey(agent, '2026-12-07T13:59:59Z', 4)).toBe(
      'refusals/fleets/acme/agents/coder/2026-12-07T13/04.json',
    );
  });
});

/**
 * Every S3 key is composed in src/names/keys.ts: a string in production code that holds a piece of the
 * layout (a folder of a namespace, an object's name) means a key composed somewhere else. Comments are not
 * code, so the scan reads string and template literals through the TypeScript parser.
 */
const layoutPieces: RegExp[] = [
  /(^|\/)(fleets|agents|team|blobs|cycles|change-sets|alerts|batches|redactions|refusals|runs|proof|audit)\//,
  /(^|\/)(manifest|candidate|state|derived-suite|derived-exempt|promotion-plan)\.json/,
  /\.(evidence|fingerprints)\.json/,
  /(^|\/)(eval|edits|outcomes)-$/,
  /^\.sent$/,
  /^promotion(-undone)?$/,
];

/** Literals that hold such a piece but are no S3 key, each with the reason. */
const notKeys: { file: string; text: string; why: string }[] = [
  { file: 'src/review/link.ts', text: '/agents/', why: 'the review desk’s URL of an agent' },
  { file: 'app/review/page.ts', text: '<a href="agents/', why: 'the review desk’s link to an agent' },
];

const productionDirs = ['src', 'activities', 'app', 'workflows', 'bench'];
const owner = 'src/names/keys.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** The literal text pieces of a file's code (strings, template parts) and the calls of `cycleKey`. */
function keyPieces(file: string, text: string): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node) => {
    // a module's path (`../audit/…`) is no key
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const piece = node.text;
      if (layoutPieces.some((p) => p.test(piece)) && !notKeys.some((n) => n.file === file && piece.includes(n.text)))
        found.push(
          `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(piece)}`,
        );
    }
    // a cycle object under a name chosen by its caller: name it in keys.ts instead
    if (ts.isCallExpression(node) && /(^|\.)cycleKey$/.test(node.expression.getText(source)))
      found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: cycleKey(…)`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('one place composes every S3 key', () => {
  it('no production file outside src/names/keys.ts holds a piece of the storage layout', () => {
    const files = productionDirs.flatMap(sourceFiles).filter((f) => f !== owner);
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => keyPieces(f, readFileSync(join(root, f), 'utf8')));
    expect(found, 'compose these keys with a named function in src/names/keys.ts').toEqual([]);
  });

  it('the scan finds a key composed by hand, and passes over comments, module paths and the desk’s URLs', () => {
    const planted = [
      "import { signed } from '../audit/signatures.js'; // nor a module's path",
      '// a comment about `<ns>blobs/<aa>/<sha256>` is no key',
      'const a = `${scopePrefix(scope)}blobs/${h.slice(0, 2)}/${h}`;',
      "const b = prefix + 'state.json';",
      'const c = `${ns}cycles/${run}/eval-${step}.json`;',
      'const d = CycleObjects.cycleKey(scope, run, name);',
      "const e = 'a message that says nothing of keys';",
    ].join('\n');
    expect([...new Set(keyPieces('activities/planted.ts', planted).map((f) => f.split(': ')[0]))]).toEqual([
      'activities/planted.ts:3',
      'activities/planted.ts:4',
      'activities/planted.ts:5',
      'activities/planted.ts:6',
    ]);
    expect(keyPieces('src/review/link.ts', 'const u = `${base}/agents/${id}/`;')).toEqual([]);
  });

  it('keys.ts itself composes the layout (the scan would see it)', () => {
    expect(keyPieces(owner, readFileSync(join(root, owner), 'utf8')).length).toBeGreaterThan(10);
  });
});
