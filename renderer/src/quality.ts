/** The call quality panel and indicator. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function qualityFeature(ctx: CallContext): Feature {
  void ctx;
  return {};
}
