import type { State, Worker } from '@temporalio/worker';

/**
 * The Temporal workers of one `dreamgate worker` process: one per task queue it polls (the deployment's queue
 * and each served fleet's), sharing one connection, one set of activities and one workflow bundle. They run,
 * drain and stop together; a queue added while they run (a fleet file that now names another) is polled at once.
 */
export class WorkerGroup {
  private readonly workers = new Map<string, Worker>();
  private readonly runs: Promise<void>[] = [];
  private started = false;
  private stopping = false;

  private constructor(private readonly make: (taskQueue: string) => Promise<Worker>) {}

  static async create(queues: string[], make: (taskQueue: string) => Promise<Worker>): Promise<WorkerGroup> {
    const group = new WorkerGroup(make);
    for (const q of queues) await group.add(q);
    return group;
  }

  /** The task queues polled, the deployment's first. */
  get queues(): string[] {
    return [...this.workers.keys()];
  }

  /** The first worker's options (its namespace and task queue), for the worker's log. */
  get options(): Worker['options'] {
    return this.first().options;
  }

  /** Polls one more task queue (once); while the group runs, at once. */
  async add(taskQueue: string): Promise<void> {
    if (this.workers.has(taskQueue) || this.stopping) return;
    const worker = await this.make(taskQueue);
    if (this.workers.has(taskQueue) || this.stopping) return; // another add, or a shutdown, came first
    this.workers.set(taskQueue, worker);
    if (this.started) this.runs.push(this.runOne(worker));
  }

  /** Runs every worker until all have stopped; one that fails stops the others, and its error is thrown. */
  async run(): Promise<void> {
    if (this.stopping) return;
    this.started = true;
    for (const w of this.workers.values()) this.runs.push(this.runOne(w));
    // a queue added meanwhile adds a run: wait until no run is left
    for (let seen = 0; seen < this.runs.length;) {
      const batch = this.runs.slice(seen);
      seen = this.runs.length;
      await Promise.all(batch);
    }
    if (this.failure) throw this.failure;
  }

  /** Runs the workers until `until` settles, then drains them; its result (or error) is returned. */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      const promise = typeof until === 'function' ? until() : until;
      return await Promise.race([
        promise,
        running.then(() => {
          throw new Error('the workers stopped before the work they ran for was done');
        }),
      ]);
    } finally {
      this.shutdown();
      await running.catch(() => undefined);
    }
  }

  /** Stops polling and lets running tasks finish within the grace time (each worker's own shutdown). */
  shutdown(): void {
    this.stopping = true;
    for (const w of this.workers.values()) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** `RUNNING` while any worker runs; else the first worker's state. */
  getState(): State {
    const states = [...this.workers.values()].map((w) => w.getState());
    return states.includes('RUNNING') ? 'RUNNING' : (states[0] ?? 'INITIALIZED');
  }

  private failure?: unknown;

  private async runOne(worker: Worker): Promise<void> {
    try {
      await worker.run();
    } catch (err) {
      this.failure ??= err;
      this.shutdown();
    }
  }

  private first(): Worker {
    const w = this.workers.values().next().value;
    if (!w) throw new Error('a worker group polls at least one task queue');
    return w;
  }
}
