// Photos are prepared in the browser: GPS read from the original, then downscaled to a JPEG.
import { readGps } from './exif.js';

const MAX_EDGE = 1600;
const QUALITY = 0.82;
const MAX_ORIGINAL = 15 * 1024 * 1024;

async function decode(file) {
  if (typeof createImageBitmap === 'function') {
    try { return await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch { /* try <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function draw(source, maxEdge) {
  const w = source.width || source.naturalWidth;
  const hgt = source.height || source.naturalHeight;
  const scale = Math.min(1, maxEdge / Math.max(w, hgt));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(w * scale));
  canvas.height = Math.max(1, Math.round(hgt * scale));
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

const toBlob = (canvas, quality) => new Promise((resolve, reject) => {
  canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), 'image/jpeg', quality);
});

/**
 * -> {blob, type, name, width, height, gps: {lat, lon}|null, thumb: data URL}
 * A format the browser cannot decode (HEIC on most) is sent as it is when small enough.
 */
export async function preparePhoto(file) {
  const buffer = await file.arrayBuffer();
  const gps = readGps(buffer);
  let source;
  try { source = await decode(file); } catch {
    if (file.size > MAX_ORIGINAL) throw new Error('photo_unreadable');
    return { blob: file, type: file.type, name: file.name, width: null, height: null, gps, thumb: null };
  }
  const canvas = draw(source, MAX_EDGE);
  const thumb = draw(canvas, 160).toDataURL('image/jpeg', 0.6);
  source.close?.();
  const blob = await toBlob(canvas, QUALITY);
  const name = `${(file.name || 'photo').replace(/\.[^.]+$/, '')}.jpg`;
  return { blob, type: 'image/jpeg', name, width: canvas.width, height: canvas.height, gps, thumb };
}
