/**
 * The user's own STUN/TURN servers and "Relay only (hide my address)": checked, remembered in
 * localStorage, and handed to the call engine together with the servers the signaling server
 * gives out in its welcome. Appel has no default server of its own: nothing here talks to a
 * third party unless the user types its address.
 */
import { parseIceServers, type IceServer } from '../../common/protocol.js';
import type { PageElements } from './dom.js';
import { remember, remembered } from './storage.js';

const SERVERS_KEY = 'appel.iceServers';
const RELAY_ONLY_KEY = 'appel.relayOnly';

/** One server as typed: URLs separated by spaces or commas, and its credentials. */
export interface ServerFields {
  urls: string;
  username: string;
  credential: string;
}

export type ServerField = keyof ServerFields;

/** The checked servers, or the first problem: which entry (0-based), which field, in words. */
export type CheckedServers =
  | { ok: true; servers: IceServer[] }
  | { ok: false; entry: number | null; field: ServerField | null; message: string };

const FIELD_WORDS: Record<ServerField, string> = {
  urls: 'URLs',
  username: 'username',
  credential: 'credential',
};

const isTurnUrl = (url: string): boolean => /^turns?:/i.test(url);

/** Whether any of these servers is a TURN server (one a relay-only call can go through). */
export function hasTurn(servers: readonly IceServer[]): boolean {
  return servers.some((server) => server.urls.some(isTurnUrl));
}

/** What a call uses: the user's servers first, then the signaling server's. */
export function combineIceServers(
  own: readonly IceServer[],
  fromServer: readonly IceServer[],
): IceServer[] {
  return [...own, ...fromServer];
}

/**
 * Why this browser would refuse the server in an RTCPeerConnection, or `null`: its own parser
 * has the last word on URL syntax. A connection that is never offered gathers nothing.
 */
function browserRefusal(server: IceServer): string | null {
  try {
    new RTCPeerConnection({ iceServers: [server] }).close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Checks one typed server; `n` is its number as the page shows it. */
function checkServer(fields: ServerFields, n: number): CheckedServers {
  const fail = (field: ServerField | null, message: string): CheckedServers => ({
    ok: false,
    entry: n - 1,
    field,
    message: field ? `Server ${n}, ${FIELD_WORDS[field]}: ${message}` : `Server ${n}: ${message}`,
  });
  const urls = fields.urls.split(/[\s,]+/).filter((url) => url !== '');
  if (urls.length === 0) return fail('urls', 'enter a stun:, turn: or turns: URL.');
  if (!parseIceServers([{ urls }])) {
    const bad = urls.find((url) => !parseIceServers([{ urls: [url] }]));
    return fail(
      'urls',
      bad === undefined
        ? 'too many URLs (at most 16).'
        : `"${bad}" is not a STUN or TURN URL ` +
            '(like stun:stun.example.com:3478 or turn:turn.example.com:3478?transport=udp).',
    );
  }
  const server: IceServer = { urls };
  for (const field of ['username', 'credential'] as const) {
    const text = fields[field].trim();
    if (text === '') continue;
    if (!parseIceServers([{ urls, [field]: text }])) return fail(field, 'at most 512 characters.');
    server[field] = text;
  }
  if (urls.some(isTurnUrl)) {
    if (!server.username) return fail('username', 'a TURN server needs a username.');
    if (!server.credential) return fail('credential', 'a TURN server needs a credential.');
  }
  const refusal = browserRefusal(server);
  if (refusal) return fail(null, `this browser refuses it (${refusal}).`);
  return { ok: true, servers: [server] };
}

/** Checks the typed servers; entries left wholly empty are dropped. */
export function checkServers(entries: readonly ServerFields[]): CheckedServers {
  const servers: IceServer[] = [];
  for (const [index, fields] of entries.entries()) {
    const { urls, username, credential } = fields;
    if ([urls, username, credential].every((text) => text.trim() === '')) continue;
    const checked = checkServer(fields, index + 1);
    if (!checked.ok) return checked;
    servers.push(...checked.servers);
  }
  // The protocol's validator is the one that decides what a server list may hold.
  if (!parseIceServers(servers)) {
    return { ok: false, entry: null, field: null, message: 'At most 16 servers.' };
  }
  return { ok: true, servers };
}

/** The servers saved earlier, checked again: storage may hold anything. */
function savedServers(): IceServer[] {
  const text = remembered(SERVERS_KEY);
  if (text === null) return [];
  try {
    const servers = parseIceServers(JSON.parse(text));
    if (servers) return servers;
  } catch (error) {
    console.warn('appel:ice-settings saved servers unreadable', error);
  }
  console.warn('appel:ice-settings saved servers ignored: not a valid server list');
  return [];
}

/** What the settings drive: the call engine. */
export interface IceTarget {
  setIceServers(servers: RTCIceServer[]): void;
  setIceTransportPolicy(policy: RTCIceTransportPolicy): void;
}

export interface IceSettings {
  /** The servers of the latest welcome from the signaling server (their TURN credentials). */
  setServerIceServers(servers: readonly IceServer[]): void;
}

interface EntryView {
  fieldset: HTMLFieldSetElement;
  inputs: Record<ServerField, HTMLInputElement>;
}

/** Wires the settings section and applies what was saved to the engine. */
export function iceSettingsView(ui: PageElements, engine: IceTarget): IceSettings {
  let own = savedServers();
  let fromServer: IceServer[] = [];
  let entries: EntryView[] = [];

  function apply(): void {
    engine.setIceServers(combineIceServers(own, fromServer));
    engine.setIceTransportPolicy(ui.relayOnly.checked ? 'relay' : 'all');
    const relayOnly = ui.relayOnly.checked;
    const turnKnown = hasTurn(own) || hasTurn(fromServer);
    ui.iceWarning.hidden = !relayOnly;
    ui.iceWarning.classList.toggle('warning', relayOnly && !turnKnown);
    ui.iceWarning.textContent = !relayOnly
      ? ''
      : turnKnown
        ? 'Relay only: calls go through a TURN server, so the other side never sees your address.'
        : 'Relay only is on, but no TURN server is known: calls cannot connect. Add a TURN ' +
          'server below, or join a signaling server that provides one.';
    ui.iceFromServer.textContent =
      fromServer.length === 0
        ? 'The signaling server provides no STUN or TURN server.'
        : `The signaling server provides: ${fromServer.flatMap((s) => s.urls).join(', ')}.`;
  }

  function field(n: number, name: ServerField, value: string): HTMLLabelElement {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = name === 'credential' ? 'password' : 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.name = name;
    input.value = value;
    if (name === 'urls') input.placeholder = 'turn:turn.example.com:3478?transport=udp';
    label.append(`${name === 'urls' ? 'URLs' : FIELD_WORDS[name]} (server ${n})`, input);
    return label;
  }

  function render(servers: readonly ServerFields[]): void {
    entries = servers.map((fields, index) => {
      const n = index + 1;
      const fieldset = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = `Server ${n}`;
      const labels = (['urls', 'username', 'credential'] as const).map((name) =>
        field(n, name, fields[name]),
      );
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = `Remove server ${n}`;
      remove.addEventListener('click', () => render(typed().filter((_, i) => i !== index)));
      fieldset.append(legend, ...labels, remove);
      const [urls, username, credential] = labels.map((label) => label.querySelector('input')!);
      return { fieldset, inputs: { urls: urls!, username: username!, credential: credential! } };
    });
    ui.iceServerList.replaceChildren(...entries.map(({ fieldset }) => fieldset));
  }

  function typed(): ServerFields[] {
    return entries.map(({ inputs }) => ({
      urls: inputs.urls.value,
      username: inputs.username.value,
      credential: inputs.credential.value,
    }));
  }

  const asFields = (servers: readonly IceServer[]): ServerFields[] =>
    servers.map(({ urls, username, credential }) => ({
      urls: urls.join(' '),
      username: username ?? '',
      credential: credential ?? '',
    }));

  function showError(checked: Extract<CheckedServers, { ok: false }>): void {
    ui.iceError.textContent = checked.message;
    ui.iceError.hidden = false;
    const input = checked.entry === null ? undefined : entries[checked.entry]?.inputs;
    const target = input?.[checked.field ?? 'urls'];
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      target.focus();
    }
  }

  function save(): void {
    ui.iceError.hidden = true;
    ui.iceStatus.textContent = '';
    for (const { inputs } of entries) {
      for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    }
    const checked = checkServers(typed());
    if (!checked.ok) {
      showError(checked);
      return;
    }
    own = checked.servers;
    remember(SERVERS_KEY, JSON.stringify(own));
    render(asFields(own));
    apply();
    const count = own.length;
    ui.iceStatus.textContent =
      count === 0
        ? 'Saved: no server of your own.'
        : `Saved ${count} server${count > 1 ? 's' : ''}.`;
  }

  ui.iceForm.addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  ui.addIceServer.addEventListener('click', () => {
    render([...typed(), { urls: '', username: '', credential: '' }]);
    entries.at(-1)?.inputs.urls.focus();
  });
  ui.relayOnly.addEventListener('change', () => {
    remember(RELAY_ONLY_KEY, ui.relayOnly.checked ? '1' : '0');
    apply();
  });

  ui.relayOnly.checked = remembered(RELAY_ONLY_KEY) === '1';
  render(asFields(own));
  apply();

  return {
    setServerIceServers(servers) {
      fromServer = [...servers];
      apply();
    },
  };
}
