/**
 * Electron's `desktopCapturer` cannot run here (no Electron binary): this stand-in lists the
 * screens and windows a desktop would, with drawn thumbnails, for main's real DisplayCapture
 * behind the page's real picker. The page's `getDisplayMedia` itself is Chromium's (its fake
 * screen, `--use-fake-ui-for-media-stream`).
 */
import { crc32, deflateSync } from 'node:zlib';
import type { CapturerLike } from '../../../main/display-capture.js';

type Rgb = readonly [number, number, number];

/** A PNG data URL of `width`×`height` pixels coloured by `paint`, as NativeImage.toDataURL gives. */
function png(width: number, height: number, paint: (x: number, y: number) => Rgb): string {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x += 1) rows.set(paint(x, y), row + 1 + x * 3);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const file = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${file.toString('base64')}`;
}

const inside = (x: number, y: number, [left, top, right, bottom]: number[]): boolean =>
  x >= left! && x < right! && y >= top! && y < bottom!;

/** A desktop: a blue background, a taskbar, and one window on it. */
const SCREEN = png(320, 180, (x, y) => {
  if (y >= 166) return [30, 34, 42];
  if (inside(x, y, [60, 30, 250, 140])) return y < 42 ? [70, 76, 90] : [236, 238, 242];
  return [40 + (y >> 2), 90 + (y >> 3), 170];
});

/** A text editor: a title bar and lines of text. */
const EDITOR = png(320, 180, (x, y) => {
  if (y < 16) return [70, 76, 90];
  const line = (y - 24) % 14;
  const length = 120 + (Math.floor((y - 24) / 14) % 4) * 40;
  if (y >= 24 && line < 6 && x >= 16 && x < 16 + length) return [120, 126, 140];
  return [250, 250, 248];
});

export const TEST_SOURCES = [
  { id: 'screen:0:0', name: 'Entire screen', thumbnail: SCREEN },
  { id: 'window:42:0', name: 'Notes — Text Editor', thumbnail: EDITOR },
] as const;

export const testCapturer: CapturerLike = {
  getSources: () =>
    Promise.resolve(
      TEST_SOURCES.map(({ id, name, thumbnail }) => ({
        id,
        name,
        thumbnail: { toDataURL: () => thumbnail },
      })),
    ),
};
