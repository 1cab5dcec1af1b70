/** Pure decisions of main: permissions, navigation, invite addresses, test hooks. */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../main/app-page.js';
import { isAppPage, isSafeExternalUrl } from '../../main/navigation.js';
import { localServerUrl, serverUrls, type InterfaceTable } from '../../main/network.js';
import { isPermissionGranted } from '../../main/permissions.js';
import { readTestHooks } from '../../main/test-hooks.js';

const APP = 'file:///opt/Appel/resources/app.asar/dist/renderer/index.html';

describe('isPermissionGranted', () => {
  const own = { requestingUrl: `${APP}#call`, isMainFrame: true };

  it('grants camera, microphone and screen capture to the app page', () => {
    expect(isPermissionGranted('media', { ...own, mediaTypes: ['video', 'audio'] }, APP)).toBe(
      true,
    );
    expect(isPermissionGranted('media', { ...own, mediaTypes: ['audio'] }, APP)).toBe(true);
    expect(isPermissionGranted('display-capture', { ...own, mediaTypes: ['video'] }, APP)).toBe(
      true,
    );
    // Permission checks (enumerateDevices, permissions.query) carry one media type.
    expect(isPermissionGranted('media', { ...own, mediaType: 'video' }, APP)).toBe(true);
    expect(isPermissionGranted('media', { ...own, mediaType: 'unknown' }, APP)).toBe(true);
  });

  it.each([
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
    expect(isAppPage('file:///opt/Appel/resources/app.asar/dist/renderer/other.html', APP)).toBe(
      false,
    );
    expect(isAppPage('https://127.0.0.1:8443/', APP)).toBe(false);
    expect(isAppPage('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isAppPage('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppPage(undefined, APP)).toBe(false);
  });
});

describe('appPaths', () => {
  it('finds the page and preload beside the bundled main', () => {
    const paths = appPaths('file:///opt/app/dist-electron/main.js');
    expect(paths).toEqual({
      preload: '/opt/app/dist-electron/preload.cjs',
      rendererDir: '/opt/app/dist/renderer',
      servedDir: '/opt/app/dist/renderer',
      page: { file: '/opt/app/dist/renderer/index.html' },
      appUrl: pathToFileURL('/opt/app/dist/renderer/index.html').href,
    });
    expect(
      appPaths('file:///opt/app/dist-electron/main.js', 'http://localhost:5173/'),
    ).toMatchObject({ page: { url: 'http://localhost:5173/' }, appUrl: 'http://localhost:5173/' });
  });

  it('serves browser guests the unpacked copy of the page in a packaged app', () => {
    const paths = appPaths('file:///opt/Appel/resources/app.asar/dist-electron/main.js');
    expect(paths.rendererDir).toBe('/opt/Appel/resources/app.asar/dist/renderer');
    expect(paths.servedDir).toBe('/opt/Appel/resources/app.asar.unpacked/dist/renderer');
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
  it('is all off without the variables', () => {
    expect(readTestHooks({})).toEqual({ fakeMedia: false });
  });

  it('reads each hook and refuses malformed values', () => {
    expect(
      readTestHooks({
        APPEL_USER_DATA: '/tmp/a',
        APPEL_BIND_HOST: '127.0.0.1',
        APPEL_TEST_FAKE_MEDIA: '1',
      }),
    ).toEqual({ userDataDir: '/tmp/a', bindHost: '127.0.0.1', fakeMedia: true });
    expect(() => readTestHooks({ APPEL_USER_DATA: 'relative' })).toThrow('must be absolute');
    expect(() => readTestHooks({ APPEL_BIND_HOST: 'example.org' })).toThrow(
      'must be an IP address',
    );
  });
});
