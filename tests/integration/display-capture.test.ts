/**
 * Main's screen-share decisions (main/display-capture.ts) over a stand-in desktopCapturer: what
 * the picker lists, and which `getDisplayMedia` request gets which source. Electron's own
 * handler only hands the decision to its callback (main/harden.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  DisplayCapture,
  PICK_LIFETIME_MS,
  type CapturedSource,
  type CapturerLike,
  type DisplayRequest,
} from '../../main/display-capture.js';

const APP = 'app://appel/index.html';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** Sources as Electron gives them: screens and windows, one without a thumbnail. */
function sources(): CapturedSource[] {
  return [
    { id: 'window:7:0', name: 'Terminal', thumbnail: { toDataURL: () => PNG } },
    { id: 'screen:0:0', name: 'Entire Screen', thumbnail: { toDataURL: () => PNG } },
    { id: 'screen:1:0', name: 'Screen 2', thumbnail: { toDataURL: () => PNG } },
    // A minimized window: Electron's empty NativeImage.
    { id: 'window:9:0', name: 'Notes', thumbnail: { toDataURL: () => 'data:image/png;base64,' } },
  ];
}

/** A capturer that records what it was asked, and a clock the test moves. */
function setup(platform: NodeJS.Platform = 'linux') {
  const listed = sources();
  const asked: Parameters<CapturerLike['getSources']>[0][] = [];
  const capturer: CapturerLike = {
    getSources: (options) => {
      asked.push(options);
      return Promise.resolve(listed);
    },
  };
  const clock = { now: 1_000 };
  const display = new DisplayCapture(capturer, { platform, now: () => clock.now });
  return { display, listed, asked, clock };
}

/** `getDisplayMedia` from the app's window, as Electron's handler sees it. */
const fromApp: DisplayRequest = {
  frameUrl: `${APP}#room`,
  topFrame: true,
  videoRequested: true,
  audioRequested: false,
};

describe('DisplayCapture', () => {
  it('lists screens then windows, with thumbnails as data URLs', async () => {
    const { display, asked } = setup();
    expect(await display.listDisplaySources()).toEqual([
      {
        id: 'screen:0:0',
        name: 'Entire Screen',
        kind: 'screen',
        thumbnail: PNG,
        systemAudio: false,
      },
      { id: 'screen:1:0', name: 'Screen 2', kind: 'screen', thumbnail: PNG, systemAudio: false },
      { id: 'window:7:0', name: 'Terminal', kind: 'window', thumbnail: PNG, systemAudio: false },
      { id: 'window:9:0', name: 'Notes', kind: 'window', thumbnail: '', systemAudio: false },
    ]);
    expect(asked).toEqual([
      {
        types: ['screen', 'window'],
        thumbnailSize: { width: 320, height: 180 },
        fetchWindowIcons: false,
      },
    ]);
  });

  it('offers system audio on Windows only', async () => {
    for (const [platform, systemAudio] of [
      ['win32', true],
      ['darwin', false],
      ['linux', false],
    ] as const) {
      const listed = await setup(platform).display.listDisplaySources();
      expect(listed.every((source) => source.systemAudio === systemAudio)).toBe(true);
    }
  });

  it('grants the app page exactly the picked source object, once', async () => {
    const { display, listed } = setup();
    await display.listDisplaySources();
    expect(display.picked).toBe(false);
    await display.chooseDisplaySource('window:7:0', false);
    expect(display.picked).toBe(true);

    const decision = display.decide(fromApp, APP);
    expect(decision).toEqual({ granted: { video: listed[0] } });
    // The very object getSources gave, as Electron's callback needs it.
    expect('granted' in decision && decision.granted.video).toBe(listed[0]);

    expect(display.picked).toBe(false);
    expect(display.decide(fromApp, APP)).toEqual({ refused: 'no-pick' });
  });

  it('refuses a request with no pick at all', async () => {
    const { display } = setup();
    await display.listDisplaySources();
    expect(display.decide(fromApp, APP)).toEqual({ refused: 'no-pick' });
  });

  it('adds loopback audio only where the OS allows it and both the pick and the page ask', async () => {
    const windows = setup('win32');
    await windows.display.listDisplaySources();
    await windows.display.chooseDisplaySource('screen:0:0', true);
    expect(windows.display.decide({ ...fromApp, audioRequested: true }, APP)).toEqual({
      granted: { video: windows.listed[1], audio: 'loopback' },
    });
    // Picked with audio, but the page asked for video only.
    await windows.display.chooseDisplaySource('screen:0:0', true);
    expect(windows.display.decide(fromApp, APP)).toEqual({
      granted: { video: windows.listed[1] },
    });
    // The page asks for audio, the user did not tick it.
    await windows.display.chooseDisplaySource('screen:0:0', false);
    expect(windows.display.decide({ ...fromApp, audioRequested: true }, APP)).toEqual({
      granted: { video: windows.listed[1] },
    });

    for (const platform of ['darwin', 'linux'] as const) {
      const other = setup(platform);
      await other.display.listDisplaySources();
      await other.display.chooseDisplaySource('screen:0:0', true);
      expect(other.display.decide({ ...fromApp, audioRequested: true }, APP)).toEqual({
        granted: { video: other.listed[1] },
      });
    }
  });

  it('drops a pick that was not used in time', async () => {
    const { display, clock } = setup();
    await display.listDisplaySources();
    await display.chooseDisplaySource('screen:1:0', false);
    clock.now += PICK_LIFETIME_MS;
    expect(display.picked).toBe(true);
    clock.now += 1;
    expect(display.picked).toBe(false);
    expect(display.decide(fromApp, APP)).toEqual({ refused: 'pick-expired' });
    // Expired is gone: time going back (a clock change) does not revive it.
    clock.now -= 10;
    expect(display.decide(fromApp, APP)).toEqual({ refused: 'no-pick' });
  });

  it('refuses another page or a frame inside the app, and keeps the pick for the app', async () => {
    const { display, listed } = setup();
    await display.listDisplaySources();
    await display.chooseDisplaySource('screen:0:0', false);
    for (const stranger of [
      { ...fromApp, frameUrl: 'https://evil.example/' },
      { ...fromApp, frameUrl: 'app://other/index.html' },
      { ...fromApp, frameUrl: 'file:///tmp/index.html' },
      // The frame navigated away or was destroyed.
      { ...fromApp, frameUrl: undefined },
      // An <iframe> showing the app's page.
      { ...fromApp, topFrame: false },
    ]) {
      expect(display.decide(stranger, APP)).toEqual({ refused: 'not-the-app-page' });
    }
    expect(display.picked).toBe(true);
    expect(display.decide(fromApp, APP)).toEqual({ granted: { video: listed[1] } });
  });

  it('refuses an audio-only request: the system sound goes only with a picked screen', async () => {
    const { display } = setup('win32');
    await display.listDisplaySources();
    await display.chooseDisplaySource('screen:0:0', true);
    expect(
      display.decide({ ...fromApp, videoRequested: false, audioRequested: true }, APP),
    ).toEqual({ refused: 'no-video' });
  });

  it('refuses to pick a source the last listing did not show', async () => {
    const { display } = setup();
    await expect(display.chooseDisplaySource('screen:0:0', false)).rejects.toThrow(
      /^invalid-payload: No screen or window screen:0:0 was listed/,
    );
    await display.listDisplaySources();
    await expect(display.chooseDisplaySource('window:1234:0', false)).rejects.toThrow(
      /^invalid-payload: /,
    );
    expect(display.picked).toBe(false);
    expect(display.decide(fromApp, APP)).toEqual({ refused: 'no-pick' });
  });

  it('lets a later pick replace an unused one', async () => {
    const { display, listed } = setup();
    await display.listDisplaySources();
    await display.chooseDisplaySource('screen:0:0', false);
    await display.chooseDisplaySource('window:9:0', false);
    expect(display.decide(fromApp, APP)).toEqual({ granted: { video: listed[3] } });
  });
});
