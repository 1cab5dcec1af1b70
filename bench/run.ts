/**
 * `npm run bench`: measures call setup in Chromium and relay latency through appel-signal, and
 * prints one JSON document. Runs inside the private network namespace (loopback only).
 */
import { benchCallSetup } from './call-setup.js';
import { benchRelay } from './relay.js';

const callSetup = await benchCallSetup({ calls: 20 });
const relay = await benchRelay({ pairs: 100 });
console.log(JSON.stringify({ date: new Date().toISOString(), callSetup, relay }, null, 2));
