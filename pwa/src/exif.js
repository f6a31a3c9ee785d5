// Reads the GPS position from a JPEG's EXIF block (before the photo is re-encoded, which drops it).
// Only what is needed: APP1 "Exif" -> TIFF header -> IFD0 -> GPS IFD (tags 1-4).
const GPS_IFD_POINTER = 0x8825;
const RATIONAL = 5;

function readIfd(view, tiff, offset, little) {
  const tags = new Map();
  if (offset + 2 > view.byteLength) return tags;
  const count = view.getUint16(offset, little);
  for (let i = 0; i < count; i++) {
    const at = offset + 2 + i * 12;
    if (at + 12 > view.byteLength) break;
    tags.set(view.getUint16(at, little), {
      type: view.getUint16(at + 2, little),
      count: view.getUint32(at + 4, little),
      valueAt: at + 8,
      pointer: tiff + view.getUint32(at + 8, little),
    });
  }
  return tags;
}

function degrees(view, tag, little) {
  if (!tag || tag.type !== RATIONAL || tag.count < 3 || tag.pointer + 24 > view.byteLength) return null;
  const part = (i) => {
    const den = view.getUint32(tag.pointer + i * 8 + 4, little);
    return den ? view.getUint32(tag.pointer + i * 8, little) / den : 0;
  };
  return part(0) + part(1) / 60 + part(2) / 3600;
}

const ref = (view, tag) => (tag ? String.fromCharCode(view.getUint8(tag.valueAt)) : '');

function gpsFromTiff(view, tiff) {
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return null;
  const ifd0 = readIfd(view, tiff, tiff + view.getUint32(tiff + 4, little), little);
  const pointer = ifd0.get(GPS_IFD_POINTER);
  if (!pointer) return null;
  const gps = readIfd(view, tiff, tiff + view.getUint32(pointer.valueAt, little), little);
  let lat = degrees(view, gps.get(2), little);
  let lon = degrees(view, gps.get(4), little);
  if (lat == null || lon == null) return null;
  if (ref(view, gps.get(1)) === 'S') lat = -lat;
  if (ref(view, gps.get(3)) === 'W') lon = -lon;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}

/** {lat, lon} from a JPEG file's bytes, or null when it has no (usable) GPS position. */
export function readGps(buffer) {
  const view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
  let offset = 2;
  try {
    while (offset + 4 <= view.byteLength) {
      if (view.getUint8(offset) !== 0xff) return null;
      const marker = view.getUint8(offset + 1);
      if (marker === 0xda || marker === 0xd9) return null; // image data starts: no EXIF before it
      const length = view.getUint16(offset + 2);
      const isExif = marker === 0xe1 && offset + 10 <= view.byteLength
        && view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0;
      if (isExif) {
        const found = gpsFromTiff(view, offset + 10);
        if (found) return found;
      }
      offset += 2 + length;
    }
  } catch {
    return null; // truncated or malformed: treat as no position
  }
  return null;
}
