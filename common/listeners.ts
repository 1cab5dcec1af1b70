/** Typed listener sets: the signaling client, main's session and the web bridge all emit these. */
import type { Unsubscribe } from './bridge-api.js';

/**
 * Listeners per event name, typed by an event map. A throwing listener does not stop the others;
 * `onError` hears about it.
 */
export class Listeners<Events extends object> {
  readonly #sets = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly onError: (event: keyof Events, error: unknown) => void) {}

  add<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): Unsubscribe {
    let set = this.#sets.get(event);
    if (!set) {
      set = new Set();
      this.#sets.set(event, set);
    }
    const listeners = set;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of [...(this.#sets.get(event) ?? [])]) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.onError(event, error);
      }
    }
  }
}
