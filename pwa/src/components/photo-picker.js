// Photo first: take or choose up to five photos, prepared (GPS read, downscaled) as they come in.
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { preparePhoto } from '../image.js';

export const MAX_PHOTOS = 5;

/**
 * photoPicker({photos, onChange(photos), onGps({lat, lon}), max, takeLabel, chooseLabel}) -> {el, destroy()}
 * The labels default to the report's ("Take a photo", "Choose photos").
 */
export function photoPicker({ photos, onChange, onGps = () => {}, max = MAX_PHOTOS, takeLabel, chooseLabel }) {
  const urls = new Map();
  const status = h('p', { class: 'muted small', role: 'status', 'data-testid': 'photo-status' });
  const list = h('ul', { class: 'photo-list', 'data-testid': 'photo-list' });

  const input = (opts) => h('input', { type: 'file', accept: 'image/*', class: 'visually-hidden', id: nextId('photo'), onchange: onFiles, ...opts });
  const camera = input({ capture: 'environment', 'data-testid': 'photo-camera' });
  const gallery = input({ multiple: true, 'data-testid': 'photo-input' });
  const buttons = h('div', { class: 'photo-buttons' },
    camera, h('label', { for: camera.id, class: 'btn btn-primary btn-big' }, icon('camera'), takeLabel || t('report.takePhoto')),
    gallery, h('label', { for: gallery.id, class: 'btn btn-secondary btn-big' }, icon('image'), chooseLabel || t('report.choosePhotos')));

  function urlOf(photo) {
    if (photo.thumb) return photo.thumb;
    if (!urls.has(photo.id)) urls.set(photo.id, URL.createObjectURL(photo.blob));
    return urls.get(photo.id);
  }

  function render() {
    replace(list, ...photos.map((p, i) => h('li', null,
      h('img', { src: urlOf(p), alt: t('report.photoAlt', { n: i + 1 }), width: 96, height: 96 }),
      h('button', { type: 'button', class: 'icon-btn remove', 'aria-label': t('report.removePhoto', { n: i + 1 }), onclick: () => remove(p.id) }, icon('x')))));
    buttons.hidden = photos.length >= max;
    if (photos.length >= max) status.textContent = t('report.photoLimit', { count: max });
  }

  function remove(id) {
    const at = photos.findIndex((p) => p.id === id);
    if (at >= 0) photos.splice(at, 1);
    if (urls.has(id)) { URL.revokeObjectURL(urls.get(id)); urls.delete(id); }
    render();
    onChange(photos);
  }

  async function onFiles(event) {
    const files = [...event.target.files].slice(0, max - photos.length);
    event.target.value = '';
    for (const file of files) {
      status.textContent = t('report.preparing');
      try {
        const prepared = await preparePhoto(file);
        photos.push({ id: nextId('p'), ...prepared });
        if (prepared.gps) onGps(prepared.gps);
        status.textContent = '';
      } catch {
        status.textContent = t('report.photoUnreadable');
      }
      render();
      onChange(photos);
    }
  }

  render();
  const el = h('div', { class: 'photo-picker' }, list, buttons, status);
  return { el, render, destroy: () => urls.forEach((u) => URL.revokeObjectURL(u)) };
}
