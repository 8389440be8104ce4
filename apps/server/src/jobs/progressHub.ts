/**
 * Latest-state pub/sub for jobs. A subscriber gets the current state at once, then each newer
 * state; if it reads slower than the job publishes it skips to the latest (no queue builds up).
 * The stream ends after a final state. Finished jobs are remembered for a while so a late
 * subscriber still learns how they ended.
 */
export class ProgressHub<T> {
  private readonly jobs = new Map<string, { state: T; version: number; final: boolean; wake: Set<() => void> }>();

  constructor(private readonly keepFinishedMs = 10 * 60_000) {}

  publish(id: string, state: T, final = false): void {
    let job = this.jobs.get(id);
    if (!job) {
      job = { state, version: 0, final, wake: new Set() };
      this.jobs.set(id, job);
    }
    if (job.final) return;
    job.state = state;
    job.version++;
    job.final = final;
    for (const wake of job.wake) wake();
    job.wake.clear();
    if (final) setTimeout(() => this.jobs.delete(id), this.keepFinishedMs).unref();
  }

  get(id: string): T | undefined {
    return this.jobs.get(id)?.state;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  async *subscribe(id: string, signal?: AbortSignal): AsyncGenerator<T> {
    const job = this.jobs.get(id);
    if (!job) return;
    let seen = -1;
    while (!signal?.aborted) {
      if (job.version !== seen) {
        seen = job.version;
        const final = job.final;
        yield job.state;
        if (final) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener("abort", done);
          job.wake.delete(done);
          resolve();
        };
        job.wake.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }
}
