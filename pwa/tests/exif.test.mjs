// The EXIF GPS reader on JPEG bytes built here, in both byte orders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readGps } from '../src/exif.js';

/** A minimal JPEG: SOI, APP0, APP1 Exif with IFD0 -> GPS IFD (lat/lon refs and rationals), SOS. */
function jpegWithGps({ lat, lon, little = false, withApp0 = true }) {
  const parts = [];
  const tiff = [];
  const u16 = (v) => (little ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
  const u32 = (v) => (little ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24] : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
  const dms = (value) => {
    const a = Math.abs(value);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    const s = Math.round(((a - d) * 60 - m) * 60 * 1000);
    return [d, 1, m, 1, s, 1000];
  };
  // TIFF header (8) + IFD0 with one entry (2 + 12 + 4 = 18) -> GPS IFD at 26 with 4 entries (2 + 48 + 4 = 54) -> data at 80
  tiff.push(...(little ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8));
  tiff.push(...u16(1), ...u16(0x8825), ...u16(4), ...u32(1), ...u32(26), ...u32(0));
  const latData = 80, lonData = 104;
  tiff.push(...u16(4),
    ...u16(1), ...u16(2), ...u32(2), lat < 0 ? 0x53 : 0x4e, 0, 0, 0,
    ...u16(2), ...u16(5), ...u32(3), ...u32(latData),
    ...u16(3), ...u16(2), ...u32(2), lon < 0 ? 0x57 : 0x45, 0, 0, 0,
    ...u16(4), ...u16(5), ...u32(3), ...u32(lonData),
    ...u32(0));
  for (const v of [...dms(lat), ...dms(lon)]) tiff.push(...u32(v));
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  parts.push(0xff, 0xd8);
  if (withApp0) parts.push(0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0);
  parts.push(0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff, ...exif);
  parts.push(0xff, 0xda, 0, 2, 0xff, 0xd9);
  return new Uint8Array(parts).buffer;
}

test('reads a big-endian GPS position (north-east)', () => {
  const gps = readGps(jpegWithGps({ lat: 31.2304, lon: 121.4737 }));
  assert.ok(Math.abs(gps.lat - 31.2304) < 1e-5 && Math.abs(gps.lon - 121.4737) < 1e-5, JSON.stringify(gps));
});

test('reads a little-endian GPS position (south-west) after other segments', () => {
  const gps = readGps(jpegWithGps({ lat: -33.8688, lon: -70.6693, little: true }));
  assert.ok(Math.abs(gps.lat + 33.8688) < 1e-5 && Math.abs(gps.lon + 70.6693) < 1e-5, JSON.stringify(gps));
});

test('returns null without EXIF, for other formats and for truncated files', () => {
  assert.equal(readGps(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]).buffer), null);
  assert.equal(readGps(new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer), null);
  const full = new Uint8Array(jpegWithGps({ lat: 10, lon: 20 }));
  for (const cut of [3, 10, 30, 60, 100, 130]) assert.equal(readGps(full.slice(0, cut).buffer), null, `cut at ${cut}`);
});

test('ignores a 0,0 position (a camera without a fix)', () => {
  assert.equal(readGps(jpegWithGps({ lat: 0, lon: 0 })), null);
});
