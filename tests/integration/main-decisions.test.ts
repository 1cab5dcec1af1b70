/** Pure decisions of main: permissions, navigation, invite addresses, dev and test switches. */
import { describe, expect, it } from 'vitest';
import { appPaths, readDevServerUrl } from '../../main/app-page.js';
import { isAppPage, isSafeExternalUrl } from '../../main/navigation.js';
import { localServerUrl, serverUrls, type InterfaceTable } from '../../main/network.js';
import { isPermissionGranted } from '../../main/permissions.js';
import { bringBack, type FocusableWindow } from '../../main/single-instance.js';
import { readTestHooks } from '../../main/test-hooks.js';

const APP = 'app://appel/index.html';

describe('isPermissionGranted', () => {
  const own = { requestingUrl: `${APP}#call`, isMainFrame: true };

  it('grants camera and microphone to the app page', () => {
    expect(isPermissionGranted('media', { ...own, mediaTypes: ['video', 'audio'] }, APP)).toBe(
      true,
    );
    expect(isPermissionGranted('media', { ...own, mediaTypes: ['audio'] }, APP)).toBe(true);
    // Permission checks (enumerateDevices, permissions.query) carry one media type.
    expect(isPermissionGranted('media', { ...own, mediaType: 'video' }, APP)).toBe(true);
    expect(isPermissionGranted('media', { ...own, mediaType: 'unknown' }, APP)).toBe(true);
  });

  it('lets the app page play the call on the speaker chosen in its lists, and nothing else', () => {
    expect(isPermissionGranted('speaker-selection', own, APP)).toBe(true);
    expect(
      isPermissionGranted(
        'speaker-selection',
        { requestingUrl: 'https://evil.example/', isMainFrame: true },
        APP,
      ),
    ).toBe(false);
  });

  it('lets the app page write to the clipboard (the copy buttons), never read it', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', own, APP)).toBe(true);
    expect(isPermissionGranted('clipboard-read', own, APP)).toBe(false);
    expect(isPermissionGranted('deprecated-sync-clipboard-read', own, APP)).toBe(false);
    expect(
      isPermissionGranted(
        'clipboard-sanitized-write',
        { requestingUrl: 'https://evil.example/', isMainFrame: true },
        APP,
      ),
    ).toBe(false);
    expect(
      isPermissionGranted('clipboard-sanitized-write', { ...own, isMainFrame: false }, APP),
    ).toBe(false);
  });

  it('allows screen capture to the app page only while a pick in its picker waits', () => {
    const picked = { screenPicked: true };
    const screen = { ...own, mediaTypes: ['video', 'audio'] };
    expect(isPermissionGranted('display-capture', screen, APP)).toBe(false);
    expect(isPermissionGranted('display-capture', screen, APP, { screenPicked: false })).toBe(
      false,
    );
    expect(isPermissionGranted('display-capture', screen, APP, picked)).toBe(true);
    expect(
      isPermissionGranted(
        'display-capture',
        { ...screen, requestingUrl: 'https://evil.example/' },
        APP,
        picked,
      ),
    ).toBe(false);
    expect(
      isPermissionGranted('display-capture', { ...screen, isMainFrame: false }, APP, picked),
    ).toBe(false);
    // A pick lets nothing else through.
    expect(isPermissionGranted('notifications', own, APP, picked)).toBe(false);
  });

  it.each([
    'display-capture',
    'notifications',
    'geolocation',
    'openExternal',
    'clipboard-read',
    'midiSysex',
    'hid',
    'usb',
    'serial',
    'fullscreen',
    'pointerLock',
    'unknown',
  ])('denies %s even to the app page', (permission) => {
    expect(isPermissionGranted(permission, own, APP)).toBe(false);
  });

  it('denies media to any other page, a sub-frame, or an unknown media type', () => {
    const media = { mediaTypes: ['video'] };
    expect(
      isPermissionGranted('media', { ...media, requestingUrl: 'https://evil.example/' }, APP),
    ).toBe(false);
    expect(
      isPermissionGranted('media', { ...media, requestingUrl: 'file:///tmp/index.html' }, APP),
    ).toBe(false);
    expect(
      isPermissionGranted('media', { ...media, requestingUrl: 'app://other/index.html' }, APP),
    ).toBe(false);
    expect(isPermissionGranted('media', { ...media, isMainFrame: true }, APP)).toBe(false);
    expect(isPermissionGranted('media', { ...own, ...media, isMainFrame: false }, APP)).toBe(false);
    expect(isPermissionGranted('media', { ...own, mediaTypes: ['video', 'screen'] }, APP)).toBe(
      false,
    );
    expect(isPermissionGranted('media', { ...own, mediaType: 'sensor' }, APP)).toBe(false);
  });
});

describe('navigation', () => {
  it('opens only http(s) links externally', () => {
    expect(isSafeExternalUrl('https://example.org/a')).toBe(true);
    expect(isSafeExternalUrl('http://example.org/')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'data:text/html,x',
      'ms-settings:',
      'not a url',
      '',
    ]) {
      expect(isSafeExternalUrl(url)).toBe(false);
    }
  });

  it('recognises the app page, whatever its fragment or query', () => {
    expect(isAppPage(`${APP}#fp=AB`, APP)).toBe(true);
    expect(isAppPage(`${APP}?x=1`, APP)).toBe(true);
    expect(isAppPage('app://appel/other.html', APP)).toBe(false);
    expect(isAppPage('app://appel/', APP)).toBe(false);
    expect(isAppPage('app://evil/index.html', APP)).toBe(false);
    expect(isAppPage('app://user@appel/index.html', APP)).toBe(false);
    expect(isAppPage('file:///index.html', APP)).toBe(false);
    expect(isAppPage('https://127.0.0.1:8443/', APP)).toBe(false);
    expect(isAppPage('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isAppPage('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppPage(undefined, APP)).toBe(false);
  });
});

describe('appPaths', () => {
  it('finds the page and preload beside the bundled main, and loads the page from app:', () => {
    const paths = appPaths('file:///opt/app/dist-electron/main.js');
    expect(paths).toEqual({
      preload: '/opt/app/dist-electron/preload.cjs',
      rendererDir: '/opt/app/dist/renderer',
      servedDir: '/opt/app/dist/renderer',
      appUrl: 'app://appel/index.html',
    });
    expect(
      appPaths('file:///opt/app/dist-electron/main.js', 'http://localhost:5173/'),
    ).toMatchObject({ appUrl: 'http://localhost:5173/' });
  });

  it('serves the unpacked copy of the page in a packaged app', () => {
    const paths = appPaths('file:///opt/Appel/resources/app.asar/dist-electron/main.js');
    expect(paths.rendererDir).toBe('/opt/Appel/resources/app.asar/dist/renderer');
    expect(paths.servedDir).toBe('/opt/Appel/resources/app.asar.unpacked/dist/renderer');
  });
});

describe('readDevServerUrl', () => {
  const env = { VITE_DEV_SERVER_URL: 'http://localhost:5173/' };

  it('uses Vite’s dev server only in an unpackaged app', () => {
    expect(readDevServerUrl(env, false)).toBe('http://localhost:5173/');
    expect(readDevServerUrl(env, true)).toBeUndefined();
    expect(readDevServerUrl({}, false)).toBeUndefined();
  });

  it('refuses a dev server that is not http(s)', () => {
    expect(() => readDevServerUrl({ VITE_DEV_SERVER_URL: 'file:///tmp/x.html' }, false)).toThrow(
      'VITE_DEV_SERVER_URL must be http(s)',
    );
  });
});

describe('bringBack', () => {
  function fakeWindow(state: { minimized: boolean; destroyed?: boolean }) {
    const calls: string[] = [];
    const window: FocusableWindow = {
      isDestroyed: () => state.destroyed ?? false,
      isMinimized: () => state.minimized,
      restore: () => void calls.push('restore'),
      show: () => void calls.push('show'),
      focus: () => void calls.push('focus'),
    };
    return { window, calls };
  }

  it('restores a minimized window, then shows and focuses it', () => {
    const minimized = fakeWindow({ minimized: true });
    expect(bringBack(minimized.window)).toBe(true);
    expect(minimized.calls).toEqual(['restore', 'show', 'focus']);
    const hidden = fakeWindow({ minimized: false });
    expect(bringBack(hidden.window)).toBe(true);
    expect(hidden.calls).toEqual(['show', 'focus']);
  });

  it('says so when there is no window to bring back', () => {
    expect(bringBack(null)).toBe(false);
    const gone = fakeWindow({ minimized: false, destroyed: true });
    expect(bringBack(gone.window)).toBe(false);
    expect(gone.calls).toEqual([]);
  });
});

describe('serverUrls', () => {
  const interfaces: InterfaceTable = {
    lo: [
      { address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null },
    ],
    eth0: [
      {
        address: '192.168.1.20',
        family: 'IPv4',
        internal: false,
        netmask: '',
        mac: '',
        cidr: null,
      },
      {
        address: 'fe80::1',
        family: 'IPv6',
        internal: false,
        netmask: '',
        mac: '',
        cidr: null,
        scopeid: 2,
      },
      {
        address: '2001:db8::5',
        family: 'IPv6',
        internal: false,
        netmask: '',
        mac: '',
        cidr: null,
        scopeid: 0,
      },
    ],
    wlan0: [
      { address: '10.0.0.7', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
    ],
  };

  it('lists LAN addresses first and loopback last for a wildcard bind', () => {
    expect(serverUrls('0.0.0.0', 8443, interfaces)).toEqual([
      'https://192.168.1.20:8443',
      'https://10.0.0.7:8443',
      'https://127.0.0.1:8443',
    ]);
    expect(serverUrls('::', 1, interfaces)).toEqual([
      'https://192.168.1.20:1',
      'https://[2001:db8::5]:1',
      'https://10.0.0.7:1',
      'https://127.0.0.1:1',
    ]);
  });

  it('lists only the bound address otherwise', () => {
    expect(serverUrls('127.0.0.1', 9, interfaces)).toEqual(['https://127.0.0.1:9']);
    expect(serverUrls('::1', 9, interfaces)).toEqual(['https://[::1]:9']);
    expect(localServerUrl('0.0.0.0', 9)).toBe('https://127.0.0.1:9');
    expect(localServerUrl('192.168.1.20', 9)).toBe('https://192.168.1.20:9');
  });
});

describe('readTestHooks', () => {
  const all = {
    APPEL_USER_DATA: '/tmp/a',
    APPEL_BIND_HOST: '127.0.0.1',
    APPEL_TEST_FAKE_MEDIA: '1',
  };

  it('is all off without the variables', () => {
    expect(readTestHooks({}, false)).toEqual({ fakeMedia: false });
  });

  it('reads each hook and refuses malformed values', () => {
    expect(readTestHooks(all, false)).toEqual({
      userDataDir: '/tmp/a',
      bindHost: '127.0.0.1',
      fakeMedia: true,
    });
    expect(() => readTestHooks({ APPEL_USER_DATA: 'relative' }, false)).toThrow('must be absolute');
    expect(() => readTestHooks({ APPEL_BIND_HOST: 'example.org' }, false)).toThrow(
      'must be an IP address',
    );
  });

  it('ignores every hook in a packaged app, malformed or not', () => {
    expect(readTestHooks(all, true)).toEqual({ fakeMedia: false });
    expect(readTestHooks({ APPEL_USER_DATA: 'relative' }, true)).toEqual({ fakeMedia: false });
  });
});
