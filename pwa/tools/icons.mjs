// The CityLoop logo, described once as simple shapes in a 512x512 box, and rendered both as SVG
// (favicon, in-page logo) and as PNG (manifest icons) with a small anti-aliased rasteriser.
import { encodePng } from './png.mjs';

export const THEME = '#0b5d7a';
const ACCENT = '#f5b82e';
const WHITE = '#ffffff';

// Teardrop pin: a circle plus the triangle to its tip, joined at the tangent points.
const PIN = { cx: 256, cy: 212, r: 132, tip: [256, 440] };
const tangent = (() => {
  const d = PIN.tip[1] - PIN.cy;
  const a = Math.acos(PIN.r / d);
  return { dx: PIN.r * Math.sin(a), dy: PIN.r * Math.cos(a) };
})();
const T1 = [PIN.cx - tangent.dx, PIN.cy + tangent.dy];
const T2 = [PIN.cx + tangent.dx, PIN.cy + tangent.dy];
const RING = { r: 60, width: 32 };
const DOT = 26;

export function logoSvg({ maskable = false } = {}) {
  const f = (n) => Math.round(n * 10) / 10;
  const bg = maskable
    ? `<rect width="512" height="512" fill="${THEME}"/>`
    : `<rect width="512" height="512" rx="112" fill="${THEME}"/>`;
  const scale = maskable ? 0.72 : 1;
  const shift = 256 * (1 - scale);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">${bg}` +
    `<g transform="translate(${f(shift)} ${f(shift)}) scale(${scale})">` +
    `<path d="M${PIN.tip[0]} ${PIN.tip[1]}L${f(T1[0])} ${f(T1[1])}A${PIN.r} ${PIN.r} 0 1 1 ${f(T2[0])} ${f(T2[1])}Z" fill="${WHITE}"/>` +
    `<circle cx="${PIN.cx}" cy="${PIN.cy}" r="${RING.r}" fill="none" stroke="${THEME}" stroke-width="${RING.width}"/>` +
    `<circle cx="${PIN.cx}" cy="${PIN.cy}" r="${DOT}" fill="${ACCENT}"/></g></svg>`;
}

const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const RGB = new Map([THEME, ACCENT, WHITE].map((c) => [c, hex(c)]));
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
function inTriangle(x, y, a, b, c) {
  const s = (p, q) => (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1]);
  const d1 = s(a, b), d2 = s(b, c), d3 = s(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}
function inRoundRect(x, y, r) {
  const cx = Math.min(Math.max(x, r), 512 - r);
  const cy = Math.min(Math.max(y, r), 512 - r);
  return x >= 0 && y >= 0 && x <= 512 && y <= 512 && inCircle(x, y, cx, cy, r);
}

/** Colour (rgba array) of one point of the logo, in 512-unit coordinates. */
function sample(x, y, { maskable, mono }) {
  if (!mono && !(maskable || inRoundRect(x, y, 112))) return null;
  const scale = maskable ? 0.72 : 1;
  const u = (x - 256) / scale + 256, v = (y - 256) / scale + 256;
  const inPin = inCircle(u, v, PIN.cx, PIN.cy, PIN.r) || inTriangle(u, v, PIN.tip, T1, T2);
  if (mono) {
    const d = Math.hypot(u - PIN.cx, v - PIN.cy);
    return inPin && Math.abs(d - RING.r) > RING.width / 2 ? WHITE : null;
  }
  if (!inPin) return THEME;
  const d = Math.hypot(u - PIN.cx, v - PIN.cy);
  if (d <= DOT) return ACCENT;
  if (Math.abs(d - RING.r) <= RING.width / 2) return THEME;
  return WHITE;
}

/** Rasterise the logo to a PNG buffer of size x size pixels (4x4 supersampling). */
export function logoPng(size, { maskable = false, mono = false } = {}) {
  const rgba = new Uint8Array(size * size * 4);
  const n = 4, unit = 512 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = sample((px + (sx + 0.5) / n) * unit, (py + (sy + 0.5) / n) * unit, { maskable, mono });
          if (!c) continue;
          const [cr, cg, cb] = RGB.get(c);
          r += cr; g += cg; b += cb; a += 1;
        }
      }
      const o = (py * size + px) * 4;
      if (a) {
        rgba[o] = Math.round(r / a); rgba[o + 1] = Math.round(g / a); rgba[o + 2] = Math.round(b / a);
        rgba[o + 3] = Math.round((a / (n * n)) * 255);
      }
    }
  }
  return encodePng(size, size, rgba);
}
