import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { InvalidInput } from '../util/errors.js';
import { agentById, loadFleetConfig, parseFleetConfig, type AgentConfig, type FleetConfig } from './fleet.js';
import type { Reserved } from './fleetPlaces.js';
import { teamId } from './scope.js';

/** Where a worker reads a fleet from: its own file, or an S3 object pinned by its sha256. */
export type FleetSource = { file: string } | { bucket: string; key: string; sha256: string };

/** What a cycle names; the worker fills in everything else from its own copy of the fleet. */
export interface FleetRef {
  /** Absent only in inputs of the previous version, which named the agent alone. */
  fleet?: string;
  agent: string;
  /** The hash of the fleet config the starter read; absent for schedules (the worker's current one). */
  configHash?: string;
}

export interface Resolved {
  fleet: FleetConfig;
  agent: AgentConfig;
  /** The hash of the configuration used (the one named, or the current one). */
  configHash: string;
}

/**
 * A cycle named a fleet (or, before fleets, an agent) this worker does not serve. Not the cycle's fault: another
 * worker on the same task queue may serve it, so the step is left for that worker, never failed.
 */
export class FleetNotServed extends Error {
  override readonly name = 'FleetNotServed';
  constructor(
    message: string,
    readonly fleet: string,
  ) {
    super(message);
  }
}

/** How many earlier configurations of a fleet a worker keeps, so an edit does not break cycles started before it. */
const keepRecent = 8;

interface Held {
  source?: FleetSource;
  /** Newest first: the current configuration, then the recent ones. */
  configs: FleetConfig[];
  seen?: { mtimeMs: number; size: number };
}

/**
 * The fleets a worker serves, from sources it trusts. A cycle's input only names a fleet, an agent and a
 * configuration hash: stores, sessions, evaluator commands, modes, reviewers and webhooks all come from here.
 * A file source is read again when it changes; the configurations it replaced stay resolvable by hash.
 */
export class FleetRegistry {
  private readonly held = new Map<string, Held>();
  private readonly listeners: ((config: FleetConfig) => void)[] = [];
  private checkedAt = 0;

  /**
   * @param readS3 reads a fleet kept in S3 (pinned by its hash)
   * @param reserved dreamgate's own buckets and state, where no store may lie
   */
  constructor(
    private readonly readS3?: (bucket: string, key: string) => Promise<Buffer>,
    private readonly reserved: Reserved = {},
    /** Where a loaded configuration's notices go (the worker's log). */
    private readonly notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Parses `--fleet` values: a file path, or `s3://bucket/key` with its sha256 (`…#sha256=<hex>`). */
  static parseSource(text: string, sha256?: string): FleetSource {
    const m = /^s3:\/\/([^/]+)\/(.+?)(?:#sha256=([0-9a-f]{64}))?$/.exec(text);
    if (!m) return { file: text };
    const hash = m[3] ?? sha256;
    if (!hash || !/^[0-9a-f]{64}$/.test(hash))
      throw new InvalidInput(
        `--fleet ${text}: a fleet in S3 must be pinned by its sha256 (s3://bucket/key#sha256=<64 hex>, or --fleet-sha256)`,
      );
    return { bucket: m[1]!, key: m[2]!, sha256: hash };
  }

  async load(source: FleetSource): Promise<FleetConfig> {
    const config = await this.read(source);
    const existing = this.held.get(config.fleet);
    if (existing?.source && !sameSource(existing.source, source))
      throw new InvalidInput(
        `fleet "${config.fleet}" comes from two sources (${describe(existing.source)}, ${describe(source)})`,
      );
    this.add(config, source);
    if ('file' in source) this.held.get(config.fleet)!.seen = await fileStamp(source.file);
    return config;
  }

  /** Holds a configuration (the new current one of its fleet); the one it replaces stays resolvable by hash. */
  add(config: FleetConfig, source?: FleetSource): void {
    const h = this.held.get(config.fleet) ?? { configs: [] };
    // what loading decided for the user is said once, when a configuration is first held
    if (!h.configs.some((c) => c.sha256 === config.sha256))
      for (const n of config.notices) this.notice(`fleet ${config.fleet}: ${n}`);
    if (source) h.source = source;
    h.configs = [config, ...h.configs.filter((c) => c.sha256 !== config.sha256)].slice(0, keepRecent + 1);
    this.held.set(config.fleet, h);
    for (const l of this.listeners) l(config);
  }

  /** Calls `listener` with each configuration that becomes a fleet's current one from now on (a worker polls its queue). */
  onHeld(listener: (config: FleetConfig) => void): void {
    this.listeners.push(listener);
  }

  fleets(): string[] {
    return [...this.held.keys()].sort();
  }

  current(fleet: string): FleetConfig {
    const h = this.held.get(fleet);
    if (!h) throw this.notServed(fleet);
    return h.configs[0]!;
  }

  private notServed(fleet: string): FleetNotServed {
    return new FleetNotServed(
      `fleet "${fleet}" is not served by this worker (it serves: ${this.fleets().join(', ') || 'none'})`,
      fleet,
    );
  }

  /** Hashes a worker holds for a fleet, current first. */
  hashes(fleet: string): string[] {
    return this.held.get(fleet)?.configs.map((c) => c.sha256) ?? [];
  }

  /**
   * The fleet and agent a cycle names. `strict` (a cycle starting) refuses a hash this worker does not hold;
   * otherwise (a cycle already under way, after a worker restart) the current configuration is used.
   */
  resolve(ref: FleetRef, opts: { strict: boolean }): Resolved {
    const fleet = this.config(ref.fleet ?? this.fleetOfAgent(ref.agent), ref.configHash, opts);
    const agent = ref.agent === teamId ? fleet.team : agentById(fleet, ref.agent);
    if (!agent) throw new InvalidInput(`fleet "${fleet.fleet}" has no team store`);
    return { fleet, agent, configHash: fleet.sha256 };
  }

  /** A fleet's configuration by hash (current when absent); see `resolve` for `strict`. */
  config(name: string, configHash: string | undefined, opts: { strict: boolean }): FleetConfig {
    const h = this.held.get(name);
    if (!h) throw this.notServed(name);
    const current = h.configs[0]!;
    if (configHash === undefined || configHash === current.sha256) return current;
    const named = h.configs.find((c) => c.sha256 === configHash);
    if (named) return named;
    if (!opts.strict) return current;
    throw new InvalidInput(
      `configuration ${short(configHash)} of fleet "${name}" is not held by this worker (current ${short(current.sha256)}${
        h.configs.length > 1
          ? `; recent ${h.configs
              .slice(1)
              .map((c) => short(c.sha256))
              .join(', ')}`
          : ''
      }): the starter and the worker read different fleet files`,
    );
  }

  /**
   * Reads changed fleet files again (at most every `everyMs`); a broken edit keeps the previous configuration.
   * Refreshes run one at a time, so a cycle never resolves against a file another is half-way through reading.
   */
  refresh(everyMs = 2_000, warn: (line: string) => void = () => {}): Promise<void> {
    const next = this.refreshing.then(() => this.reread(everyMs, warn));
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  private refreshing: Promise<unknown> = Promise.resolve();

  private async reread(everyMs: number, warn: (line: string) => void): Promise<void> {
    if (Date.now() - this.checkedAt < everyMs) return;
    this.checkedAt = Date.now();
    for (const [name, h] of this.held) {
      if (!h.source || !('file' in h.source)) continue;
      const now = await fileStamp(h.source.file).catch(() => undefined);
      if (!now || (h.seen && now.mtimeMs === h.seen.mtimeMs && now.size === h.seen.size)) continue;
      h.seen = now;
      try {
        const config = await loadFleetConfig(h.source.file, this.reserved);
        if (config.fleet !== name)
          throw new InvalidInput(
            `${h.source.file}: fleet renamed from "${name}" to "${config.fleet}"; restart the worker`,
          );
        this.add(config);
      } catch (err) {
        warn(`fleet ${name}: keeping configuration ${short(h.configs[0]!.sha256)}; ${(err as Error).message}`);
      }
    }
  }

  private async read(source: FleetSource): Promise<FleetConfig> {
    if ('file' in source) return loadFleetConfig(source.file, this.reserved);
    if (!this.readS3) throw new InvalidInput(`s3://${source.bucket}/${source.key}: this worker has no S3 client`);
    const bytes = await this.readS3(source.bucket, source.key);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== source.sha256)
      throw new InvalidInput(
        `s3://${source.bucket}/${source.key}: sha256 is ${sha256}, not the pinned ${source.sha256}`,
      );
    // relative paths in a fleet from S3 resolve against the worker's working directory
    return parseFleetConfig(bytes, `${process.cwd()}/s3-${source.key.replace(/[^A-Za-z0-9._-]/g, '_')}`, this.reserved);
  }

  private fleetOfAgent(agent: string): string {
    const owners = [...this.held.values()]
      .map((h) => h.configs[0]!)
      .filter((f) => f.agents.some((a) => a.id === agent));
    if (owners.length === 1) return owners[0]!.fleet;
    if (owners.length === 0)
      throw new FleetNotServed(
        `agent "${agent}" is in no fleet this worker serves (${this.fleets().join(', ') || 'none'})`,
        '',
      );
    throw new InvalidInput(
      `agent "${agent}" is in several fleets (${owners.map((f) => f.fleet).join(', ')}); name the fleet`,
    );
  }
}

const short = (hash: string) => hash.slice(0, 12);
const describe = (s: FleetSource) => ('file' in s ? s.file : `s3://${s.bucket}/${s.key}`);
const sameSource = (a: FleetSource, b: FleetSource) => describe(a) === describe(b);

async function fileStamp(file: string): Promise<{ mtimeMs: number; size: number }> {
  const s = await stat(file);
  return { mtimeMs: s.mtimeMs, size: s.size };
}
