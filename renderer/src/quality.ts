/**
 * The call quality panel and indicator: while a call is up, one getStats() a second, read by
 * quality-stats.ts and shown by quality-view.ts. Nothing of a call is kept after it.
 */
import './quality.css';
import type { CallEngine, CallPhase } from './call-engine.js';
import type { CallContext, Feature } from './feature.js';
import { t } from './i18n.js';
import { QualityTracker, type Rating } from './quality-stats.js';
import { qualityView, type QualityView } from './quality-view.js';

/** How often the call is measured: the graph's one point. */
const SAMPLE_MS = 1000;
/** A new rating is announced once it has held this many samples, so that a blip stays quiet. */
const ANNOUNCE_AFTER = 3;

const OVER: ReadonlySet<CallPhase> = new Set(['ended', 'failed', 'idle']);

export function qualityFeature(ctx: CallContext): Feature {
  const view = qualityView(ctx.ui);
  let stop: (() => void) | null = null;
  return {
    onCallState({ phase }) {
      // Reconnecting keeps measuring: the graph shows the drop and the recovery.
      if (phase === 'in-call' && !stop) {
        stop = measure(
          ctx.engine,
          view,
          ratingAnnouncer((message) => ctx.announce(message)),
        );
      } else if (OVER.has(phase) && stop) {
        stop();
        stop = null;
        view.clear();
      }
    },
  };
}

/** Samples the call every {@link SAMPLE_MS} until the returned function is called. */
function measure(
  engine: CallEngine,
  view: QualityView,
  announce: (rating: Rating | null) => void,
): () => void {
  const tracker = new QualityTracker();
  let running = true;
  let pending = false;
  const sample = (): void => {
    // A slow getStats() skips a beat rather than queueing calls.
    if (pending) return;
    pending = true;
    engine
      .getStats()
      .then((report) => {
        if (!running || !report) return;
        const quality = tracker.update(report);
        view.show(quality);
        announce(quality.rating);
      })
      .catch((error: unknown) => {
        console.warn('appel:quality getStats failed', error);
        if (running) view.show(null);
      })
      .finally(() => {
        pending = false;
      });
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return () => {
    running = false;
    clearInterval(timer);
  };
}

/**
 * Says a change of rating in the page's live region once the new rating has held, and never the
 * first one: the indicator shows it, and a call starting is announced already.
 */
function ratingAnnouncer(say: (message: string) => void): (rating: Rating | null) => void {
  let said: Rating | null = null;
  let candidate: Rating | null = null;
  let held = 0;
  return (rating) => {
    if (rating === null) return;
    if (said === null) {
      said = rating;
      return;
    }
    held = rating === candidate ? held + 1 : 1;
    candidate = rating;
    if (rating !== said && held >= ANNOUNCE_AFTER) {
      said = rating;
      say(t('quality.changed', { rating: t(`quality.rating.${rating}`) }));
    }
  };
}
