/**
 * What a server process costs, read from the outside through Linux procfs, so the three servers
 * are measured the same way and none of them runs measuring code: CPU time (all threads, GC
 * included) from `/proc/<pid>/stat`, resident memory from `/proc/<pid>/status`.
 */
import { readdir, readFile } from 'node:fs/promises';

/** `sysconf(_SC_CLK_TCK)`: the unit of utime/stime; 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process and all its threads, in microseconds (10 ms resolution). */
export async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; everything after its closing parenthesis may not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15: utime, stime
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

export interface Memory {
  /** Resident set now, KiB. */
  rssKiB: number;
  /** Highest resident set since the process started, KiB. */
  peakKiB: number;
}

export async function memory(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match?.[1]) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/**
 * The pid of a child of this process whose command line holds every one of `parts`: how the
 * bench finds the `appel-signal` that tests/support/appel-signal.ts spawned (it does not say).
 */
export async function findChildPid(parts: readonly string[]): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (!parts.every((part) => argv.includes(part))) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid) return Number(entry);
    } catch (error) {
      // A process that exited while we looked is not the one we want.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`no child process with ${parts.join(' ')} in its command line`);
}

/** The soft limit on open files of this process (children inherit it). */
export async function openFileLimit(): Promise<number> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return match?.[1] === undefined || match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/**
 * CPU time the whole machine spent busy (every core; user, nice, system, irq, softirq, steal),
 * in microseconds: minus the server's and the generators', what else ran during a window.
 */
export async function machineBusyMicros(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8');
  const [user, nice, system, , , irq, softirq, steal] = (stat.split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const ticks = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
