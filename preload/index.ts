/**
 * The preload: exposes the typed bridge as `window.appel`, and nothing else. Bundled into one
 * CommonJS file (dist-electron/preload.cjs) because a sandboxed preload cannot load ES modules.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { SignalingBridge } from '../common/bridge-api.js';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('appel', createBridge(ipcRenderer) satisfies SignalingBridge);
