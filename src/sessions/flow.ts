/**
 * Screening by information flow, for one session (after CaMeL and FIDES: untrusted data does not reach a
 * trusted sink — memory — without approval). Every text of the session is labelled as it streams by: the
 * user's own words and what the agent reads of its store are trusted; tool results and text the user
 * forwards are outside content; the agent's messages and tool inputs are its own. Each line the agent writes
 * to memory is then traced (provenance.ts), and **held** for a reviewer when text from outside carries into
 * it something no trusted text gave:
 *
 * - a destination (a host, an address, a handle, a phone, a wallet, a path) first seen in outside content
 *   that neither the user, the store nor the agent before it named;
 * - an order, told by structure: the line is copied from outside text that a human reader would not see
 *   (a comment, a hidden element), from a quotation the text dictates (`…: "…"`), or from a clause the text
 *   says to its reader under a label the copy leaves behind, with no value about its subject (addressed.ts);
 *   or it carries invisible characters or an encoded payload (whoever wrote it);
 * - a copied line that the phrase detectors read as an instruction.
 *
 * A phrase signal alone never holds anything; on a held line, or in the outside text a structurally held
 * line came from, it raises the hold to a quarantine.
 */
import { covered, destinationsIn, knownKeys, topFolder, type Destination } from './destinations.js';
import { decodeBase64Runs, detectInjection, hasHiddenCharacters, type Finding } from './injection.js';
import { jwtShape, redactKnown } from './secrets.js';
import { addressedCopy, carriesValue } from './addressed.js';
import { apartFrom, languagesOf } from './apart.js';
import { sentencesOf, withoutPieces } from './lineSentences.js';
import { withoutQuotations } from './mention.js';
import {
  TextIndex,
  copiedFromOutside,
  normalizeForTrace,
  originOf,
  traceLine,
  type LineOrigin,
  type SourceMeta,
} from './provenance.js';
import { addOutside } from './regions.js';
import { TaintScreen } from './taint.js';

type Trust = 'user' | 'store' | 'agent' | 'outside';

export interface Hold {
  /** Why, for a reviewer: every ground found. */
  reason: string;
  /** Where the line's text came from. */
  source: string;
  sourceEventId?: string;
  /** Destinations the line introduced (`host:x.io`): a store that already names them all releases a hold made of them alone. */
  destinations: string[];
  /** Grounds other than destinations: structure, phrases. */
  structural: boolean;
  /** The phrase signal that raises the hold to a quarantine. */
  raised?: Finding;
}

export interface LineScreen {
  origin: LineOrigin;
  hold?: Hold;
  /** When only some sentences of the line hold: the line without them, as it stays. */
  kept?: string;
}

const noted = 262_144;
const codeSpan = /`[^`\n]{1,200}`/;
const hexRun = /\b[0-9a-fA-F]{64,8192}\b/g;
const decodedOf = (text: string) => [
  ...decodeBase64Runs(text),
  ...[...text.matchAll(hexRun)]
    .map((m) => Buffer.from(m[0], 'hex').toString('utf8'))
    .filter((s) => /^[\x20-\x7E\s]{16,}$/.test(s)),
];

export class FlowScreen {
  private readonly trusted = new TextIndex();
  private readonly outside = new TextIndex();
  /** Each destination's first source; a user or the store naming it later makes it theirs. */
  private readonly seen = new Map<string, { trust: Trust; eventId?: string; source?: string; workspace?: boolean }>();
  /** The first folders of absolute paths the user, the store or the agent used: the machine's, as the session shows it. */
  private readonly machineFolders = new Set<string>();
  private readonly phraseOfEvent = new Map<string, Finding | undefined>();
  /** A sample of every text of the session (the event of outside ones): the languages the session works in. */
  private readonly samples: { text: string; eventId?: string; languages?: string[] }[] = [];
  /** Lines written after outside content carried a suspect region (taint.ts): orders reworded past the tracing. */
  private readonly taint = new TaintScreen(this.trusted, this.outside, false);

  userWords(text: string, eventId: string): void {
    this.trusted.add(text, { kind: 'user', eventId, source: "the user's words" });
    this.note(text, 'user');
    this.sample(text);
    this.taint.trustedText(text, eventId, "the user's words");
  }

  storeText(text: string, eventId: string, path: string): void {
    this.trusted.add(text, { kind: 'store', eventId, source: `the store (${path})` });
    this.note(text, 'store');
    this.sample(text);
    this.taint.trustedText(text, eventId, `the store (${path})`);
  }

  agentWords(text: string): void {
    this.note(text, 'agent');
  }

  /** What the agent says to the user: its own words, in the language it and the user work in, trusted as the user sees them. */
  agentMessage(text: string): void {
    this.agentWords(text);
    this.sample(text);
    this.taint.trustedText(text, '', "the agent's words to the user", true);
  }

  /**
   * Text from outside: a tool result, or (`forwarded`) text the user passed on, whose quotations are the user's.
   * `workspace`: the output of a call that read the agent's own workspace (its root-anchored paths are the workspace's).
   */
  outsideText(text: string, eventId: string, source: string, forwarded = false, workspace = false): void {
    addOutside(this.outside, text, { kind: 'outside', eventId, source }, forwarded);
    this.note(text, 'outside', eventId, source, workspace);
    this.sample(text, eventId);
    this.taint.outsideText(text, eventId, source, forwarded);
    for (const d of decodedOf(text.slice(0, noted))) this.note(d, 'outside', eventId, source);
  }

  /**
   * Where a line the agent writes to `path` came from, and whether it is held — whole, or (a line of several
   * sentences where only some hold on their own) those sentences only: the agent's and the page's facts beside
   * a copied order stay.
   */
  screenLine(line: string, path: string): LineScreen {
    const whole = this.screen(line, path);
    const pieces = whole.hold ? sentencesOf(line) : [];
    if (pieces.length < 2) return whole;
    const held = pieces.flatMap((p, i) => (this.screen(p.trim(), path).hold ? [i] : []));
    const kept = withoutPieces(line, held);
    return kept === undefined ? whole : { ...whole, kept };
  }

  /** Where a line the agent writes to `path` came from, and whether it is held. */
  screen(line: string, path: string): LineScreen {
    const t = traceLine(line, this.trusted, this.outside);
    const origin = originOf(t);
    const grounds: string[] = [];
    let structural = false;
    let raised: Finding | undefined;
    if (hasHiddenCharacters(line)) {
      grounds.push('it carries invisible or control characters');
      structural = true;
      raised = { detector: 'hidden-unicode', excerpt: 'invisible or control characters', at: 0, context: '' };
    }
    // secrets first: a token that happens to be base64 (a JWT, a sample one too) is not an encoded message
    const decoded = decodedOf(redactKnown(line).text.replace(jwtShape, ' '));
    if (decoded.length > 0) {
      grounds.push('it carries an encoded text');
      structural = true;
    }
    const named = destinationsIn(line);
    const introduced = [...named, ...decoded.flatMap(destinationsIn)].filter((d) => this.fromOutside(d));
    if (introduced.length > 0)
      grounds.push(
        `it names ${introduced.map((d) => d.text.slice(0, 80)).join(', ')}, which came from outside and no trusted text gave`,
      );
    if (copiedFromOutside(t)) {
      const order = this.orderSignals(line, t);
      grounds.push(...order.grounds);
      structural ||= order.grounds.length > 0;
      raised ??= order.phrase;
    } else if (origin.kind !== 'user') {
      // the agent's own order to send data to a destination no trusted text gave: its source is not in the
      // session (a persuaded agent, a transcript with gaps), but two signals agree
      const send = this.sendOrder(line, named);
      if (send) {
        grounds.push(send.ground);
        structural = true;
        raised ??= send.phrase;
      }
    }
    // a line written after a suspect region, that nothing trusted nor visible accounts for
    const tainted = grounds.length === 0 && origin.kind !== 'user' ? this.taint.check(line) : undefined;
    if (tainted) grounds.push(tainted.reason);
    structural ||= tainted !== undefined;
    if (grounds.length === 0) return { origin };
    // where the text came from: the outside text it copies, or the one that first named its destination
    const first = introduced.map((d) => this.seen.get(d.key)).find((x) => x?.source);
    const meta: Pick<SourceMeta, 'eventId' | 'source'> | undefined =
      t.outsideSource ??
      (first ? { eventId: first.eventId!, source: first.source! } : undefined) ??
      (tainted ? { eventId: tainted.region.eventId, source: tainted.region.source } : undefined);
    // a phrase raises the hold: in the line itself, or in the outside text a structurally held line came from
    raised ??=
      detectInjection(withoutQuotations(line), true) ?? (structural ? this.phraseOf(meta?.eventId) : undefined);
    return {
      origin,
      hold: {
        reason: grounds.join('; '),
        source: meta?.source ?? `the agent's memory write to ${path}`,
        ...(meta ? { sourceEventId: meta.eventId } : {}),
        destinations: introduced.map((d) => d.key),
        structural,
        ...(raised ? { raised } : {}),
      },
    };
  }

  /** Structural signs that a copied line is an order to the reader, and a phrase that reads as one. */
  private orderSignals(line: string, t: ReturnType<typeof traceLine>): { grounds: string[]; phrase?: Finding } {
    const grounds: string[] = [];
    const source = t.outsideSource?.source ?? 'outside content';
    if (t.hidden * 2 >= t.outside) grounds.push(`it is copied from text hidden from a reader in ${source}`);
    // a quotation that states a value is a fact the page quotes (a search result's snippet), not a line it dictates;
    // tracing folds `_` and backticks, so a code span the line marks counts as a value too
    const copiedText = (t.copiedFrom ?? []).map((c) => c.run).join(' ');
    if (t.quoted * 2 >= t.outside && !carriesValue(copiedText) && !codeSpan.test(line))
      grounds.push(`it is copied from a quotation ${source} dictates`);
    const page = t.outsideSource ? this.outside.eventText(t.outsideSource.eventId) : '';
    const addressed = addressedCopy(normalizeForTrace(line), t.copiedFrom ?? [], page);
    if (addressed)
      grounds.push(
        `it is copied from what ${source} says to its reader under "${addressed.label.slice(0, 60)}:", with no value about its subject`,
      );
    // a sentence in a language neither the rest of its page nor anyone in the session writes: someone else's voice
    if (grounds.length === 0 && t.outsideSource) {
      const apart = (t.copiedFrom ?? [])
        .map((c) => apartFrom(c.run, page, this.languagesBut(t.outsideSource!.eventId)))
        .find((a) => a !== undefined);
      if (apart)
        grounds.push(
          `it is copied from a part of ${source} written in another language (${apart.language}) than the rest of it and than the user, the store and the agent write`,
        );
    }
    // a phrase the line or its source puts in quotation marks is mentioned, not said to the reader (mention.ts)
    const phrase = detectInjection(withoutQuotations(line), true);
    if (phrase) grounds.push(`it reads as an instruction (${phrase.detector})`);
    // an order reworded: the words were copied from a sentence in which the outside text instructed its reader
    const told = phrase ? undefined : t.outsideContext && detectInjection(withoutQuotations(t.outsideContext), true);
    if (told) grounds.push(`it is copied from text in ${source} that instructs its reader (${told.detector})`);
    const signal = phrase ?? (told || undefined);
    return { grounds, ...(signal ? { phrase: signal } : {}) };
  }

  private sendOrder(line: string, named: readonly Destination[]): { ground: string; phrase: Finding } | undefined {
    const ungiven = named.filter(
      (d) => !covered(d, (k) => this.seen.get(k)?.trust === 'user' || this.seen.get(k)?.trust === 'store'),
    );
    if (ungiven.length === 0) return undefined;
    const phrase = detectInjection(line, true);
    if (phrase?.detector !== 'standing-order') return undefined;
    const names = ungiven.map((d) => d.text.slice(0, 80)).join(', ');
    return {
      ground: `it orders data sent to ${names}, which neither the user nor the store gave (${phrase.detector})`,
      phrase,
    };
  }

  /** A destination first seen in outside content, that no trusted text and not the agent named before. */
  private fromOutside(d: Destination): boolean {
    const first = this.seen.get(d.key);
    if (first?.trust !== 'outside') return false;
    // a path a workspace file anchors at its root (`/prompts/drafts/`) resolves inside the workspace, unless
    // it starts at a folder of the machine the session shows (`/home`, `/tmp`, the store's own root)
    const top = topFolder(d.key);
    if (d.kind === 'path' && first.workspace && top !== undefined && !this.machineFolders.has(top)) return false;
    // the page the agent chose names its own host, not every host under it: a site's subdomains are often other
    // people's (gist.github.com under github.com); what the user or the store named covers its subdomains
    return !covered(d, (k) => {
      const trust = this.seen.get(k)?.trust;
      if (trust === 'agent') return d.kind !== 'host' || k === d.key;
      return trust !== undefined && trust !== 'outside';
    });
  }

  /** Keeps a sample of a text of the session; its languages are told when first needed. */
  private sample(text: string, eventId?: string): void {
    if (this.samples.length < 400) this.samples.push({ text: text.slice(0, 2000), ...(eventId ? { eventId } : {}) });
  }

  /** The languages the session's texts are in, but for the outside text of one event (the page a span is in). */
  private languagesBut(eventId: string): ReadonlySet<string> {
    const out = new Set<string>();
    for (const s of this.samples) {
      if (s.eventId === eventId) continue;
      s.languages ??= languagesOf(s.text);
      for (const l of s.languages) out.add(l);
    }
    return out;
  }

  private phraseOf(eventId: string | undefined): Finding | undefined {
    if (!eventId) return undefined;
    if (!this.phraseOfEvent.has(eventId))
      this.phraseOfEvent.set(eventId, detectInjection(this.outside.eventText(eventId), true));
    return this.phraseOfEvent.get(eventId);
  }

  private note(text: string, trust: Trust, eventId?: string, source?: string, workspace = false): void {
    if (this.seen.size >= 50_000) return;
    for (const d of destinationsIn(text.slice(0, noted))) {
      const top = topFolder(d.key);
      if (trust !== 'outside' && d.kind === 'path' && top !== undefined) this.machineFolders.add(top);
      for (const key of trust === 'outside' ? [d.key] : knownKeys(d)) {
        const had = this.seen.get(key)?.trust;
        // first seen decides; the user or the store naming it later makes it trusted
        if (had === undefined || ((trust === 'user' || trust === 'store') && (had === 'outside' || had === 'agent')))
          this.seen.set(key, {
            trust,
            ...(eventId ? { eventId } : {}),
            ...(source ? { source } : {}),
            ...(workspace ? { workspace } : {}),
          });
      }
    }
  }
}
