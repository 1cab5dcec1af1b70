/**
 * One Appel per userData directory: a second start hands over to the first, which brings its
 * window back. Electron scopes `requestSingleInstanceLock` to `app.getPath('userData')`, so tests
 * that give each instance its own `APPEL_USER_DATA` still run two side by side.
 */
import type { BrowserWindow } from 'electron';

/** The parts of a window that bringing it back uses. */
export type FocusableWindow = Pick<
  BrowserWindow,
  'isDestroyed' | 'isMinimized' | 'restore' | 'show' | 'focus'
>;

/**
 * Restores, shows and focuses `window`. False when there is no live window to bring back (macOS
 * keeps running with none), so the caller opens one.
 */
export function bringBack(window: FocusableWindow | null): boolean {
  if (!window || window.isDestroyed()) return false;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  return true;
}
