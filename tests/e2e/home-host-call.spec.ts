/**
 * Hosting from home, end to end: the desktop app's host side (a real SessionController, "forward
 * my port" on) runs in a home namespace behind Debian's miniupnpd, which forwards its port. Two
 * real Chromiums call each other through it: one at home opening the host's LAN address, one on
 * the internet opening the public invite (router's address, forwarded port). No STUN, no TURN:
 * the home side reaches the guest through its NAT, and the guest answers the address it saw.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Browser } from '@playwright/test';
import type { SessionInfo } from '../../common/bridge-api.js';
import { formatInvite, parseInvite } from '../../common/invite.js';
import { chromiumArgs, chromiumExecutable } from '../support/chromium.js';
import { createCleanups } from '../support/cleanups.js';
import { miniupnpdExecutable, startHomeRouter } from '../support/home-router.js';
import { createTopology, netnsUnavailable, type Namespace, type Site } from '../support/netns.js';
import { callAndReadPairs, record } from './support/ice-stats.js';
import { openPeer } from './support/page-helpers.js';

test.beforeAll(async () => {
  // Never skipped: without namespaces and a real router this test would prove nothing.
  const reason =
    (await netnsUnavailable()) ??
    (miniupnpdExecutable() ? null : 'miniupnpd is not installed (apt-get install miniupnpd)');
  if (reason !== null) throw new Error(reason);
});

const cleanups = createCleanups();
test.afterEach(() => cleanups.run());

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The desktop app's host side in the home namespace, serving the built call page: prints
 * `hosted=<SessionInfo>`, leaves on "leave" from stdin and prints `left`.
 */
const HOST_APP = `
import { SessionController } from './main/session.ts';
import { silentLogger } from './signaling-server/log.ts';
const [userDataDir, name, staticDir] = process.argv.slice(1);
const controller = new SessionController({
  userDataDir,
  staticDir,
  serverLogger: silentLogger,
  portForwarding: { discoveryTimeoutMs: 2000, requestTimeoutMs: 2000 },
});
const info = await controller.host({ name, forwardPort: true });
console.log('hosted=' + JSON.stringify(info));
process.stdin.setEncoding('utf8').on('data', async (text) => {
  if (!text.includes('leave')) return;
  await controller.leave();
  console.log('left');
  process.exit(0);
});
`;

/** Starts {@link HOST_APP} in `site`'s home; resolves with its session once it hosts. */
async function hostAtHome(site: Site, name: string): Promise<SessionInfo> {
  const dir = await cleanups.tempDir('appel-home-');
  await writeFile(join(dir, 'settings.json'), JSON.stringify({ port: 0 }));
  const staticDir = join(root, 'dist', 'renderer');
  const args = ['--import', 'tsx', '--input-type=module', '-e', HOST_APP, dir, name, staticDir];
  const [file, ...rest] = [...site.home.prefix, process.execPath, ...args] as [string, ...string[]];
  const child: ChildProcessWithoutNullStreams = spawn(file, rest, {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Leave first, so the router's forwarding goes too; kill if that does not end it.
    child.stdin.write('leave\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  const hosted = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hosting: timed out:\n${output}`)), 30_000);
    const check = (): void => {
      const found = /^hosted=(.*)$/m.exec(output)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      resolve(found);
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      check();
      clearTimeout(timer);
      reject(new Error(`hosting: the host app exited:\n${output}`));
    });
  });
  return JSON.parse(hosted) as SessionInfo;
}

/** An executable that runs `executable` inside `ns`, for Playwright's `executablePath`. */
async function wrapperIn(ns: Namespace, executable: string): Promise<string> {
  const dir = await cleanups.tempDir('appel-wrapper-');
  const path = join(dir, `chromium-${ns.name}`);
  const quoted = [...ns.prefix, executable].map((word) => `'${word}'`).join(' ');
  await writeFile(path, `#!/bin/sh\nexec ${quoted} "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

/** The certificate `host:port` presents, as PEM (read without trusting it). */
function presentedCertificate(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.end();
      const base64 = der.toString('base64').replace(/.{64}/g, '$&\n');
      resolve(`-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error(`${host}:${port}: no TLS in 5 s`)));
    socket.once('error', reject);
  });
}

test('Host from home: a guest on the internet side joins through the mapped port and the call connects', async () => {
  test.setTimeout(150_000);
  const started = Date.now();
  const topology = await createTopology({
    sites: [{ name: 'home', nat: 'endpoint-independent' }],
  });
  cleanups.push(() => topology.close());
  const site = topology.site('home');
  const router = await startHomeRouter(topology, site);
  cleanups.push(() => router.stop());

  const session = await hostAtHome(site, 'Hana');
  const info = session.host;
  if (!info) throw new Error(`not hosting: ${JSON.stringify(session)}`);
  const publicUrl = `https://${router.publicAddress}:${info.port}`;
  expect(info.publicUrl).toBe(publicUrl);
  expect(info.portForwarding?.state).toBe('forwarded');
  const invite = parseInvite(info.invite);
  expect(invite.url).toBe(publicUrl);
  if (!invite.room || !invite.key) throw new Error(`no room in the invite: ${info.invite}`);
  const lanUrl = `https://${site.homeAddress}:${info.port}`;
  expect(info.urls).toContain(lanUrl);
  const lanInvite = formatInvite({ url: lanUrl, room: invite.room, key: invite.key });
  record('public invite host', publicUrl);
  record('LAN invite host', lanUrl);

  // The certificate as the internet sees it, through the forwarded port (the test process sits
  // on the internet's bridge).
  const certPem = await presentedCertificate(router.publicAddress, info.port);
  const args = chromiumArgs({ trustCertPem: certPem, loopback: false });

  const homeBrowser: Browser = await chromium.launch({
    executablePath: await site.wrapper(chromiumExecutable()),
    args,
  });
  cleanups.push(() => homeBrowser.close());
  const guestBrowser: Browser = await chromium.launch({
    executablePath: await wrapperIn(topology.public, chromiumExecutable()),
    args,
  });
  cleanups.push(() => guestBrowser.close());

  const home = await openPeer(homeBrowser, lanInvite, { name: 'Home side' });
  const guest = await openPeer(guestBrowser, info.invite, { name: 'Gus' });

  const pairs = await callAndReadPairs({ home, guest }, 'guest', 'home');
  // No relay (there is no STUN or TURN server): the home side learns its router's mapping from
  // the guest's answers (peer-reflexive, the router's address, the port kept), and the guest
  // answers the address its checks came from (a peer-reflexive remote; Chromium's stats leave
  // its address out). The guest sends from its own address on the internet.
  expect(pairs.home.local).toMatchObject({ type: 'prflx', address: router.publicAddress });
  expect(pairs.home.local.protocol).toBe('udp');
  expect(pairs.home.remote.type).toBe('host');
  expect(topology.publicAddresses).toContain(pairs.home.remote.address);
  expect(pairs.guest.local).toMatchObject({
    type: 'host',
    address: pairs.home.remote.address,
    port: pairs.home.remote.port,
  });
  expect(pairs.guest.remote).toMatchObject({ type: 'prflx', port: pairs.home.local.port });
  record('runtime', `${((Date.now() - started) / 1000).toFixed(1)} s`);
});
