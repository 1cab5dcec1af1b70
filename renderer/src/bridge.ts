/** Picks how the page reaches signaling: the app's preload bridge, or socket.io-client in a browser. */
import type { SignalingBridge } from '../../common/bridge-api.js';
import { createWebBridge } from './web-bridge.js';

export function selectBridge(): SignalingBridge {
  return window.appel ?? createWebBridge();
}
