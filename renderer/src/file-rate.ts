/** Speed and time left of a transfer, from its progress over the last few seconds. */

/** Progress older than this no longer counts toward the speed. */
const WINDOW_MS = 3000;
/** Below this much history the speed would be noise: none is shown yet. */
const MIN_SPAN_MS = 500;

interface Sample {
  time: number;
  bytes: number;
}

export class RateMeter {
  private samples: Sample[] = [];

  /** Records that `bytes` in all were done at `time` (milliseconds, any monotonic clock). */
  add(time: number, bytes: number): void {
    this.samples.push({ time, bytes });
    // Keep one sample older than the window as its start.
    while (this.samples.length > 2 && this.samples[1]!.time <= time - WINDOW_MS) {
      this.samples.shift();
    }
  }

  /** Bytes per second, or `null` until there is enough history. */
  speed(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.time - first.time < MIN_SPAN_MS) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.time - first.time);
  }

  /** Seconds until `total` bytes are done at the current speed, or `null` if unknown. */
  secondsLeft(total: number): number | null {
    const speed = this.speed();
    const done = this.samples.at(-1)?.bytes ?? 0;
    if (speed === null || speed <= 0) return null;
    return Math.max(0, total - done) / speed;
  }
}
