/**
 * Performance marks the page sets at the moments a person acts or is asked to, so the benchmark
 * (bench/call-setup.ts) measures the call as a user lives it, from the page's own clock.
 */
export const Marks = {
  /** The caller clicked Call. */
  callClick: 'appel:call-click',
  /** The callee's page shows the ring. */
  ring: 'appel:ring',
  /** The callee clicked Accept. */
  acceptClick: 'appel:accept-click',
} as const;
