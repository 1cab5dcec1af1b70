/**
 * Call helpers shared by the Electron-path tests: capture the page's RTCPeerConnections with an
 * init script (no test hooks in the app), read inbound media stats, drive the call page by its
 * accessible names.
 */
import { expect, type Page } from '@playwright/test';

const CAPTURED = '__appelElectronTestPeers';

/** Init script: records every RTCPeerConnection the page creates. */
export function capturePeerConnections(name: string): void {
  const Native = window.RTCPeerConnection;
  const created: RTCPeerConnection[] = [];
  Object.defineProperty(window, name, { value: created });
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      created.push(this);
    }
  };
}

/** Argument pair for `addInitScript(capturePeerConnections, …)`. */
export const CAPTURE_SCRIPT = [capturePeerConnections, CAPTURED] as const;

export interface InboundMedia {
  /** inbound-rtp video `framesDecoded`, over the page's connected peer connections. */
  framesDecoded: number;
  /** inbound-rtp audio `packetsReceived`, likewise. */
  audioPacketsReceived: number;
}

export function inboundMedia(page: Page): Promise<InboundMedia> {
  return page.evaluate(async (name) => {
    const totals = { framesDecoded: 0, audioPacketsReceived: 0 };
    const peers = ((window as unknown as Record<string, unknown>)[name] ??
      []) as RTCPeerConnection[];
    for (const pc of peers.filter((p) => p.connectionState === 'connected')) {
      (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'video') totals.framesDecoded += Number(stat.framesDecoded ?? 0);
        if (stat.kind === 'audio') totals.audioPacketsReceived += Number(stat.packetsReceived ?? 0);
      });
    }
    return totals;
  }, CAPTURED);
}

/** Video frames decoded and audio packets received on every page. */
export async function expectMediaOnEverySide(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expect.poll(async () => (await inboundMedia(page)).framesDecoded).toBeGreaterThan(0);
    await expect
      .poll(async () => (await inboundMedia(page)).audioPacketsReceived)
      .toBeGreaterThan(0);
  }
}

/** The page's own peer id, once it has one. */
export async function selfId(page: Page): Promise<string> {
  const field = page.getByRole('textbox', { name: 'Your id' });
  await expect(field).not.toHaveValue('');
  return field.inputValue();
}

export function callStatus(page: Page) {
  return page.getByRole('status', { name: 'Call status' });
}

/** Host mode, "Host a call"; resolves with the invite the page shows. */
export async function hostFromPage(page: Page): Promise<string> {
  await page.getByRole('radio', { name: 'Host' }).check();
  await page.getByRole('button', { name: 'Host a call' }).click();
  const invite = page.getByRole('textbox', { name: 'Invite to share' });
  await expect(invite).toHaveValue(/^https:\/\/.+\/#fp=([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  return invite.inputValue();
}

/** Join mode, paste `invite`, "Join". */
export async function joinFromPage(page: Page, invite: string): Promise<void> {
  await page.getByRole('radio', { name: 'Join' }).check();
  await page.getByRole('textbox', { name: 'Invite or server address' }).fill(invite);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
}
