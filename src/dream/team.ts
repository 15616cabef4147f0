import { MemoryStore } from '../memory/store.js';
import { lessonsPath } from './heuristic.js';
import type { Consolidation, Dreamer, PreparedInput } from './dreamer.js';
import type { Ledger } from './ledger.js';

export const teamLessonsPath = '/lessons/team.md';

/** The part of a lesson line that names the mistake, without the sessions that saw it. */
const lessonKey = (line: string) => line.split(' — ')[0]!.split(' (seen in')[0]!.trim();

/**
 * Lessons that at least `min` agents learned on their own, written to the team store: one line each,
 * naming the agents. A rerun with nothing new changes nothing.
 */
export function teamLessons(
  team: MemoryStore,
  agents: { id: string; store: MemoryStore }[],
  ledger: Ledger,
  min = 2,
): MemoryStore {
  const seen = new Map<string, { line: string; agents: Set<string> }>();
  for (const a of agents) {
    for (const line of (a.store.get(lessonsPath) ?? '').split('\n')) {
      if (!line.startsWith('- ')) continue;
      const key = lessonKey(line);
      const entry = seen.get(key) ?? { line: key, agents: new Set<string>() };
      entry.agents.add(a.id);
      seen.set(key, entry);
    }
  }
  const shared = [...seen.values()].filter((e) => e.agents.size >= min).sort((a, b) => (a.line < b.line ? -1 : 1));
  if (shared.length === 0) return team;
  const lines = (
    team.get(teamLessonsPath) ?? '# Team lessons\n\nMistakes that several agents learned from on their own.\n'
  )
    .replace(/\n*$/, '')
    .split('\n');
  for (const e of shared) {
    const text = `${e.line} (learned by ${[...e.agents].sort().join(', ')})`;
    const at = lines.findIndex((l) => lessonKey(l) === e.line);
    if (at === -1) {
      lines.push(text);
      ledger.note(teamLessonsPath, 'recurring-mistake', `new team lesson from ${[...e.agents].sort().join(', ')}`);
    } else if (lines[at] !== text) {
      ledger.note(
        teamLessonsPath,
        'recurring-mistake',
        `"${lines[at]!.slice(2, 120)}" merged into the updated team lesson`,
      );
      lines[at] = text;
    }
  }
  return MemoryStore.from(new Map([...team.files, [teamLessonsPath, `${lines.join('\n')}\n`]]));
}

/** The team store's dreamer: its "sessions" are the agents' own stores. */
export class TeamLessonsDreamer implements Dreamer {
  readonly name = 'team-lessons';
  constructor(private readonly sources: { id: string; store: MemoryStore }[]) {}
  async consolidate(input: PreparedInput): Promise<Consolidation> {
    return { store: teamLessons(input.store, this.sources, input.ledger) };
  }
}
