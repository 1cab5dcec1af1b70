// Placeholder: the preload bridge is being written (see preload/bridge-api.ts).
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('appelPending', true);
