// Coverage feedback from V8 (node:inspector, Profiler.takePreciseCoverage with block counts): after
// each input, the blocks of the code under test it ran, with AFL-style hit-count buckets. An input
// that produces a (block, bucket) pair never seen before is kept in the corpus.
import { Session } from 'node:inspector/promises';

const bucket = (n: number) => (n === 0 ? 0 : n === 1 ? 1 : n === 2 ? 2 : n === 3 ? 3 : n < 8 ? 4 : n < 16 ? 5 : n < 32 ? 6 : n < 128 ? 7 : 8);

export class CoverageTracker {
  private readonly session = new Session();
  private readonly seen = new Set<string>();

  /** `filter` picks the scripts whose coverage counts (by URL), e.g. the compiled src/amqp files. */
  constructor(private readonly filter: (url: string) => boolean) {}

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    await this.take(); // drop what ran before the first input
    this.seen.clear();
  }

  /** Features reached since the last call; returns how many were new. */
  async take(): Promise<number> {
    const { result } = await this.session.post('Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const script of result) {
      if (!this.filter(script.url)) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          const key = `${script.scriptId}:${r.startOffset}:${r.endOffset}:${bucket(r.count)}`;
          if (!this.seen.has(key)) {
            this.seen.add(key);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }

  /** Distinct (block, bucket) features seen so far. */
  get features(): number {
    return this.seen.size;
  }

  async stop(): Promise<void> {
    await this.session.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}
