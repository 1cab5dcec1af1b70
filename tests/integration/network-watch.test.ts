/**
 * The network watch: address sets compared with an injected interface table (added, removed,
 * changed, debounced, quiet when nothing changed, silent after stop), the change forwarded from
 * the controller through main's IPC forwarding to the preload bridge, and the real
 * `os.networkInterfaces()` in a namespace whose address is added and removed under it.
 */
import { spawn } from 'node:child_process';
import type { NetworkInterfaceInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NetworkChange } from '../../common/bridge-api.js';
import { EventChannels } from '../../common/ipc-contract.js';
import { forwardEvents } from '../../main/ipc.js';
import type { InterfaceTable } from '../../main/network.js';
import { NetworkWatch, usableAddresses } from '../../main/network-watch.js';
import { SessionController } from '../../main/session.js';
import { createBridge, type IpcListener, type IpcRendererLike } from '../../preload/bridge.js';
import { silentLogger } from '../../signaling-server/log.js';
import { createCleanups } from '../support/cleanups.js';
import { createTopology, netnsUnavailable } from '../support/netns.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

function ipv4(address: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '02:00:00:00:00:01',
    internal,
    cidr: `${address}/24`,
  };
}

function ipv6(address: string): NetworkInterfaceInfo {
  return {
    address,
    netmask: 'ffff:ffff:ffff:ffff::',
    family: 'IPv6',
    mac: '02:00:00:00:00:01',
    internal: false,
    cidr: `${address}/64`,
    scopeid: 0,
  };
}

/** A watch over a table the test changes, with fake timers; records what it reports. */
function watched(initial: InterfaceTable, pollMs = 2000) {
  vi.useFakeTimers();
  cleanups.push(() => vi.useRealTimers());
  const state = { table: initial };
  const changes: NetworkChange[] = [];
  const watch = new NetworkWatch(
    { interfaces: () => state.table, pollMs, debounceMs: 1000 },
    (change) => changes.push(change),
  );
  watch.start();
  cleanups.push(() => watch.stop());
  return { state, changes, watch };
}

const HOME: InterfaceTable = {
  lo: [ipv4('127.0.0.1', true)],
  wlan0: [ipv4('192.168.1.23'), ipv6('fe80::1'), ipv6('2001:db8::23')],
};

describe('the network watch', () => {
  it('counts non-internal addresses except IPv6 link-local ones', () => {
    expect([...usableAddresses(HOME)]).toEqual(['wlan0/192.168.1.23', 'wlan0/2001:db8::23']);
  });

  it('reports an added address once, after the poll and the debounce', async () => {
    const { state, changes } = watched(HOME);
    state.table = { ...HOME, eth0: [ipv4('10.0.0.5')] };
    await vi.advanceTimersByTimeAsync(2000); // polled: the change is seen, the debounce starts
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toEqual([{ added: ['eth0/10.0.0.5'], removed: [] }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(changes).toHaveLength(1);
  });

  it('reports a removed address, and a changed one as removed plus added', async () => {
    const { state, changes } = watched(HOME);
    state.table = { lo: HOME.lo };
    await vi.advanceTimersByTimeAsync(3000);
    expect(changes).toEqual([{ added: [], removed: ['wlan0/192.168.1.23', 'wlan0/2001:db8::23'] }]);
    state.table = { ...HOME, wlan0: [ipv4('192.168.1.99')] };
    await vi.advanceTimersByTimeAsync(3000);
    expect(changes[1]).toEqual({ added: ['wlan0/192.168.1.99'], removed: [] });
    state.table = { ...HOME, wlan0: [ipv4('192.168.1.100')] };
    await vi.advanceTimersByTimeAsync(3000);
    expect(changes[2]).toEqual({ added: ['wlan0/192.168.1.100'], removed: ['wlan0/192.168.1.99'] });
  });

  it('makes one report of a burst, and none when the burst ends where it began', async () => {
    const { state, changes } = watched(HOME, 500);
    // Wi-Fi drops, then Ethernet comes up a poll later, within the debounce: one change.
    state.table = { lo: HOME.lo };
    await vi.advanceTimersByTimeAsync(500);
    state.table = { lo: HOME.lo, eth0: [ipv4('10.0.0.5')] };
    await vi.advanceTimersByTimeAsync(500);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toEqual([
      { added: ['eth0/10.0.0.5'], removed: ['wlan0/192.168.1.23', 'wlan0/2001:db8::23'] },
    ]);
    // A blip: gone at one poll, back at the next, before the debounce ends.
    const { state: blip, changes: blips } = watched(HOME, 500);
    blip.table = { lo: HOME.lo };
    await vi.advanceTimersByTimeAsync(500);
    blip.table = HOME;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(blips).toEqual([]);
  });

  it('stays quiet while nothing changes, reads at once on check(), and stops', async () => {
    const { state, changes, watch } = watched(HOME);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(changes).toEqual([]);
    state.table = { ...HOME, tun0: [ipv4('10.8.0.2')] };
    watch.check();
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toEqual([{ added: ['tun0/10.8.0.2'], removed: [] }]);
    state.table = HOME;
    watch.check();
    watch.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(changes).toHaveLength(1);
  });
});

describe('a network change reaches the page', () => {
  it('through the controller, main’s forwarding and the preload bridge', async () => {
    const controller = new SessionController({
      userDataDir: await cleanups.tempDir('appel-watch-'),
      logger: silentLogger,
    });
    // The renderer's side of Electron's IPC: listeners get the IPC event first.
    const listeners = new Map<string, Set<IpcListener>>();
    const ipc: IpcRendererLike = {
      invoke: () => Promise.reject(new Error('not used')),
      on(channel, listener) {
        listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
      },
      removeListener(channel, listener) {
        listeners.get(channel)?.delete(listener);
      },
    };
    const sent: string[] = [];
    const stopForwarding = forwardEvents(controller, (channel, payload) => {
      sent.push(channel);
      for (const listener of listeners.get(channel) ?? []) listener({ ports: [] }, payload);
    });
    cleanups.push(stopForwarding);
    const bridge = createBridge(ipc);
    const heard: NetworkChange[] = [];
    const unsubscribe = bridge.onNetworkChange((change) => heard.push(change));

    const change = { added: ['eth0/10.0.0.5'], removed: ['wlan0/192.168.1.23'] };
    controller.networkChanged(change);
    expect(sent).toEqual([EventChannels.networkChange]);
    expect(heard).toEqual([change]);
    unsubscribe();
    controller.networkChanged(change);
    expect(heard).toHaveLength(1);
  });
});

// The real network -------------------------------------------------------------------------------

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The watch on the real os.networkInterfaces(), printing each change as a JSON line. */
const WATCHER = `
import { NetworkWatch } from './main/network-watch.ts';
const watch = new NetworkWatch({ pollMs: 200, debounceMs: 300 }, (change) =>
  console.log('change=' + JSON.stringify(change)),
);
watch.start();
console.log('watching');
process.stdin.resume().on('end', () => { watch.stop(); process.exit(0); });
`;

describe('the real interfaces of a namespace', () => {
  it('an address added to and removed from a veth is reported', async () => {
    const unavailable = await netnsUnavailable();
    if (unavailable) throw new Error(unavailable);
    const topology = await createTopology({
      sites: [{ name: 'laptop', nat: 'endpoint-independent' }],
    });
    cleanups.push(() => topology.close());
    const { home } = topology.site('laptop');

    const [file, ...args] = [
      ...home.prefix,
      ...[process.execPath, '--import', 'tsx', '--input-type=module', '-e', WATCHER],
    ] as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    });
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      lines.push(...chunk.split('\n').filter(Boolean));
      waiters.splice(0).forEach((wake) => wake());
    });
    const nextLine = async (prefix: string): Promise<string> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const index = lines.findIndex((line) => line.startsWith(prefix));
        if (index >= 0) return lines.splice(index, 1)[0]!.slice(prefix.length);
        if (Date.now() > deadline) throw new Error(`no "${prefix}" line:\n${output}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    };
    await nextLine('watching');

    await home.run(['ip', 'addr', 'add', '10.77.1.50/24', 'dev', 'eth0']);
    expect(JSON.parse(await nextLine('change='))).toEqual({
      added: ['eth0/10.77.1.50'],
      removed: [],
    });
    await home.run(['ip', 'addr', 'del', '10.77.1.50/24', 'dev', 'eth0']);
    expect(JSON.parse(await nextLine('change='))).toEqual({
      added: [],
      removed: ['eth0/10.77.1.50'],
    });
  });
});
