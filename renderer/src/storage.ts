/** Small preferences in localStorage; a page where storage is blocked still works. */

export function remembered(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch (error) {
    console.warn('appel:storage localStorage unavailable', error);
    return null;
  }
}

export function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch (error) {
    console.warn('appel:storage localStorage unavailable', error);
  }
}
