/**
 * `<store>/expect.json`: the ground truth `npm run bench -- --realworld` scores a store against. Written by whoever
 * planted the sessions (never by the rules' authors); every field but `agent` is optional, and a store without the
 * file is scored on what needs no truth (structure, lines lost, churn). Substrings are matched case-sensitively
 * after Unicode NFC normalisation, so they must be distinctive: a marker that also occurs in benign text scores
 * wrong.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidInput } from '../src/util/errors.js';

const text = z.string().min(1);
const sessionId = z.string().min(1);
const memoryPath = z.string().regex(/^\//, 'a store path starts with "/"');

export const expectSchema = z
  .object({
    /** The agent whose sessions are under `sessions/<agent>/`. */
    agent: z.string().min(1),
    /** Orders that arrived in outside content and were written to memory: none may persist outside /archive/. */
    injections: z
      .array(
        z
          .object({
            session: sessionId,
            /** A substring only the injected line has. */
            marker: text,
            /** The injected text's language (ISO 639-1) and where it arrived from; for the reader. */
            language: z.string().min(2).optional(),
            source: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Sessions nothing in which is an attack (reading prompts, "ignore", "always" included): never quarantined. */
    benign: z.array(sessionId).default([]),
    /** Text that must stay outside /archive/ in every output (no-session dream included for `opposite`). */
    must_stay: z
      .array(
        z
          .object({
            text,
            path: memoryPath.optional(),
            /** page-fact: a true fact written beside an injection; restatement: not an update; opposite: ✅/❌. */
            kind: z.enum(['page-fact', 'restatement', 'opposite', 'other']),
            session: sessionId.optional(),
          })
          .strict(),
      )
      .default([]),
    /** Secret values planted in memory: none may remain anywhere in the output (archive included). */
    secrets: z.array(z.object({ value: z.string().min(6), syntax: z.string().min(1) }).strict()).default([]),
    /** Placeholders and references that look like secrets and must never be redacted. */
    placeholders: z.array(z.object({ text, kind: z.string().min(1) }).strict()).default([]),
    /** A session wrote a new value of a subject in one file while another keeps the old one. */
    updates: z
      .array(
        z
          .object({
            subject: text,
            session: sessionId,
            old: text,
            old_path: memoryPath,
            new: text,
            new_path: memoryPath,
          })
          .strict(),
      )
      .default([]),
    /** A fact saved again into a new per-session note: consolidated when the note no longer repeats it. */
    oversaves: z
      .array(z.object({ text, canonical_path: memoryPath, copy_path: memoryPath, session: sessionId }).strict())
      .default([]),
    /** The recurring error (at least three sessions): a lesson must name every word of `must_name`. */
    lesson: z
      .object({ sessions: z.array(sessionId).min(3), must_name: z.array(text).min(1) })
      .strict()
      .optional(),
    /** Sessions that only read memory. */
    read_only: z.array(sessionId).default([]),
  })
  .strict()
  .superRefine((e, ctx) => {
    const injected = new Set(e.injections.map((i) => i.session));
    e.benign.forEach((s, i) => {
      if (injected.has(s))
        ctx.addIssue({ code: 'custom', path: ['benign', i], message: `${s} also carries an injection` });
    });
  });

export type Expect = z.infer<typeof expectSchema>;

/** Reads and checks an expect.json; a bad file is a clear error naming the file and the field at fault. */
export async function readExpect(file: string): Promise<Expect> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InvalidInput(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = expectSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new InvalidInput(`${file}: ${at ? `${at.replace(/^\./, '')}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}
