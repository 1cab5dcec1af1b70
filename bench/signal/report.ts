/**
 * Turns measurements taken in one invocation into ratios (appel-signal over each baseline, so
 * the machine's speed of the day cancels out), checks them against the targets, and
 * prints the human table.
 */
import type { ServerMeasurement } from './phase.js';
import type { ServerName } from './servers.js';

/** The figures compared between servers, all "lower is better" but messages per second. */
export const COMPARED = [
  'connectAllMs',
  'connectCpuMicrosPerClient',
  'cpuMicrosPerMessage',
  'rssPerConnectionKiB',
  'rssPerConnectionLoadedKiB',
  'peakRssMiB',
  'p50Ms',
  'p99Ms',
  'messagesPerSecond',
  'serverCpuPercent',
] as const satisfies readonly (keyof ServerMeasurement)[];
export type ComparedFigure = (typeof COMPARED)[number];

export type Baseline = Exclude<ServerName, 'appel-signal'>;

/** One target of the issue: appel-signal's figure at most `atMost` times the baseline's. */
export interface Target {
  figure: ComparedFigure;
  versus: Baseline;
  atMost: number;
  /** Only checked at this many clients. */
  clients?: number;
}

export const TARGETS: readonly Target[] = [
  { figure: 'cpuMicrosPerMessage', versus: 'tutorial', atMost: 0.8 },
  { figure: 'rssPerConnectionKiB', versus: 'tutorial', atMost: 0.8 },
  { figure: 'connectAllMs', versus: 'tutorial', atMost: 0.5 },
  { figure: 'p99Ms', versus: 'ws', atMost: 1, clients: 1000 },
];

export interface TargetCheck extends Target {
  ratio: number;
  met: boolean;
}

export interface Comparison {
  clients: number;
  /** 1 for the first run at this size, 2 for the repeat, …; 0 for {@link bestOf}. */
  run: number;
  servers: Partial<Record<ServerName, ServerMeasurement>>;
  /** appel-signal ÷ baseline for each compared figure. */
  ratios: Partial<Record<`appel-signal/${Baseline}`, Record<ComparedFigure, number>>>;
  targets: TargetCheck[];
}

const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));

/** Above this much CPU used by the rest of the machine (% of a core), a run is noisy. */
export const NOISY_OTHER_CPU_PERCENT = 25;

/**
 * Per client count, each server's best figure over the runs (the least disturbed one on a shared
 * machine: the lowest, the highest messages per second), compared as one run. Each figure may
 * come from a different run.
 */
export function bestOf(comparisons: readonly Comparison[]): Comparison[] {
  const sizes = [...new Set(comparisons.map((c) => c.clients))];
  return sizes.map((clients) => {
    const runs = comparisons.filter((c) => c.clients === clients);
    const servers: Comparison['servers'] = {};
    for (const name of ['tutorial', 'ws', 'appel-signal'] as const) {
      const measured = runs.flatMap((run) => (run.servers[name] ? [run.servers[name]] : []));
      const [first] = measured;
      if (first === undefined) continue;
      const best = { ...first, profile: undefined, connectProfile: undefined, heap: undefined };
      for (const figure of [...COMPARED, 'p90Ms', 'maxMs', 'otherCpuPercent'] as const) {
        const values = measured.map((m) => m[figure]);
        best[figure] = figure === 'messagesPerSecond' ? Math.max(...values) : Math.min(...values);
      }
      servers[name] = best;
    }
    return compare(clients, 0, servers);
  });
}

export function compare(
  clients: number,
  run: number,
  servers: Partial<Record<ServerName, ServerMeasurement>>,
): Comparison {
  const appel = servers['appel-signal'];
  const ratios: Comparison['ratios'] = {};
  for (const baseline of ['tutorial', 'ws'] as const) {
    const other = servers[baseline];
    if (!appel || !other) continue;
    ratios[`appel-signal/${baseline}`] = Object.fromEntries(
      COMPARED.map((figure) => [figure, ratio(appel[figure], other[figure])]),
    ) as Record<ComparedFigure, number>;
  }
  const targets = TARGETS.flatMap((target): TargetCheck[] => {
    const value = ratios[`appel-signal/${target.versus}`]?.[target.figure];
    if (value === undefined || (target.clients !== undefined && target.clients !== clients)) {
      return [];
    }
    return [{ ...target, ratio: value, met: value <= target.atMost }];
  });
  return { clients, run, servers, ratios, targets };
}

/** The figures of a measurement that are numbers. */
type NumericFigure = {
  [K in keyof ServerMeasurement]-?: ServerMeasurement[K] extends number ? K : never;
}[keyof ServerMeasurement];

const ROWS: readonly [NumericFigure, string][] = [
  ['connectAllMs', 'connect all (ms)'],
  ['connectCpuMicrosPerClient', 'server CPU per connect (µs)'],
  ['messagesPerSecond', 'messages/s (received)'],
  ['offeredPerSecond', 'messages/s (offered)'],
  ['lost', 'lost'],
  ['p50Ms', 'relay p50 (ms)'],
  ['p99Ms', 'relay p99 (ms)'],
  ['maxMs', 'relay max (ms)'],
  ['cpuMicrosPerMessage', 'server CPU per message (µs)'],
  ['serverCpuPercent', 'server CPU (% of a core)'],
  ['rssIdleMiB', 'RSS idle (MiB)'],
  ['rssConnectedMiB', 'RSS connected (MiB)'],
  ['peakRssMiB', 'peak RSS (MiB)'],
  ['rssPerConnectionKiB', 'RSS per connection (KiB)'],
  ['rssPerConnectionLoadedKiB', 'RSS per connection, loaded (KiB)'],
  ['generatorCpuPercent', 'generators CPU (% of a core)'],
  ['generatorEventLoopUtilization', 'busiest generator loop (0-1)'],
  ['otherCpuPercent', 'rest of the machine CPU (% of a core)'],
];

/** The table for people: one column per server, then the ratios. */
export function formatComparison(comparison: Comparison): string {
  const names = (['tutorial', 'ws', 'appel-signal'] as const).filter(
    (name) => comparison.servers[name],
  );
  const ratioNames = Object.keys(comparison.ratios) as (keyof Comparison['ratios'])[];
  const header = ['', ...names, ...ratioNames.map((name) => name.replace('appel-signal', 'appel'))];
  const rows = ROWS.map(([figure, label]) => [
    label,
    ...names.map((name) => String(comparison.servers[name]?.[figure] ?? '')),
    ...ratioNames.map((name) => {
      const value = (comparison.ratios[name] as Partial<Record<string, number>>)[figure];
      return value === undefined ? '' : `${value}×`;
    }),
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const targets = comparison.targets.map(
    (t) =>
      `  target ${t.figure} appel/${t.versus} ≤ ${t.atMost}: ${t.ratio} ${t.met ? 'met' : 'MISSED'}`,
  );
  const noisy = names.filter(
    (name) => (comparison.servers[name]?.otherCpuPercent ?? 0) > NOISY_OTHER_CPU_PERCENT,
  );
  const title =
    comparison.run === 0
      ? `${comparison.clients} clients, best of each figure over the runs`
      : `${comparison.clients} clients, run ${comparison.run}`;
  return [
    noisy.length > 0 ? `${title} (NOISY: the machine was busy during ${noisy.join(', ')})` : title,
    line(header),
    ...rows.map(line),
    ...targets,
    '',
  ].join('\n');
}
