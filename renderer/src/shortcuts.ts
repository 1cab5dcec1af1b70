/** Keyboard shortcuts for the call controls. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function keyboardShortcuts(ctx: CallContext): Feature {
  void ctx;
  return {};
}
