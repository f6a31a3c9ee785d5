import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng } from '../tools/png.mjs';
import { logoPng } from '../tools/icons.mjs';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('encoded PNG has the right header, size and pixels', () => {
  const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128]);
  const png = encodePng(2, 1, rgba);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 2);
  assert.equal(png.readUInt32BE(20), 1);
  const idatLength = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  assert.deepEqual([...raw], [0, ...rgba]);
});

test('the maskable icon fills every pixel; the normal one has transparent corners', () => {
  const alphaAt = (png, x, y, size) => {
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    return raw[y * (size * 4 + 1) + 1 + x * 4 + 3];
  };
  assert.equal(alphaAt(logoPng(48, { maskable: true }), 0, 0, 48), 255);
  assert.equal(alphaAt(logoPng(48), 0, 0, 48), 0);
});
