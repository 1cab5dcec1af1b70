/**
 * `npm run bench`: measures call setup in Chromium and relay latency through appel-signal, and
 * prints one JSON document. Runs inside the private network namespace (loopback only).
 *
 * Call setup is reported against a baseline measured in the same run (the machine's speed varies
 * from day to day): the original tutorial's flow on the same server (`callSetup.tutorial`), Appel's
 * own flow direct (`callSetup.appel`) and relay-only through coturn (`callSetup.appelRelay`), and
 * their ratios (`callSetup.ratios`, medians). `recovery`: how a call comes back after its TURN
 * server or appel-signal restarts mid-call (bench/recovery.ts).
 */
import { benchCallSetup } from './call-setup.js';
import { benchRecovery } from './recovery.js';
import { benchRelay } from './relay.js';
import { benchTutorialFlow } from './tutorial-flow.js';

const calls = Number(process.env.APPEL_BENCH_CALLS ?? 20);
const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

const tutorial = await benchTutorialFlow({ calls });
const appel = await benchCallSetup({ calls });
const appelRelay = await benchCallSetup({ calls, relayOnly: true });
/** Each flow's slower side: a call is set up once both see each other. */
const tutorialFirstFrame = Math.max(
  tutorial.callerFirstFrame.medianMs,
  tutorial.calleeFirstFrame.medianMs,
);
const appelFirstFrame = Math.max(appel.connect.medianMs, appel.calleeConnect.medianMs);
const relayFirstFrame = Math.max(appelRelay.connect.medianMs, appelRelay.calleeConnect.medianMs);
const callSetup = {
  tutorial,
  appel,
  appelRelay,
  ratios: {
    /** Appel Accept → first frame (both sides) / tutorial click → first frame (both sides). Target ≤ 0.5. */
    appelAcceptToTutorial: ratio(appelFirstFrame, tutorialFirstFrame),
    appelCallerAcceptToTutorialCaller: ratio(
      appel.connect.medianMs,
      tutorial.callerFirstFrame.medianMs,
    ),
    appelCalleeAcceptToTutorialCallee: ratio(
      appel.calleeConnect.medianMs,
      tutorial.calleeFirstFrame.medianMs,
    ),
    /** Appel relay-only Accept → first frame / tutorial direct click → first frame. Target ≤ 0.8. */
    relayToTutorial: ratio(relayFirstFrame, tutorialFirstFrame),
  },
};
const relay = await benchRelay({ pairs: 100 });
const recovery = await benchRecovery({ samples: 5, outageMs: 2000 });
console.log(
  JSON.stringify({ date: new Date().toISOString(), callSetup, relay, recovery }, null, 2),
);
