// "Report" (flag) for any content the moderation API knows: a case, a proposal or a comment.
// flagButton({targetType, targetId, user}) -> a button that opens a dialog with the reasons the
// API accepts (from GET /config), an optional note, a confirmation once sent, and a clear
// message when this person had reported it already. Moderators see it in their queue.
import { h, icon, nextId, replace } from './dom.js';
import { t, tOr } from './i18n.js';
import { create, getConfig } from './api.js';
import { errorMessage, setBusy } from './ui.js';

const reasonLabel = (reason) => tOr(`flag.reason.${reason}`, reason);

function markReported(button) {
  button.disabled = true;
  button.setAttribute('data-reported', 'true');
  replace(button, icon('check'), t('flag.reported'));
}

/** The dialog for one item; resolves when it closes. */
async function openDialog({ targetType, targetId, button }) {
  const config = await getConfig().catch(() => ({}));
  const reasons = config.flag_reasons || [];
  const titleId = nextId('flag-h');
  const name = nextId('reason');
  const noteId = nextId('flag-note');
  const status = h('p', { class: 'field-error', role: 'alert', hidden: true, 'data-testid': 'flag-error' });
  const note = h('textarea', { id: noteId, name: 'text', rows: 2, maxlength: 1000 });
  const send = h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'flag-send' }, t('flag.send'));
  const cancel = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => dialog.close() }, t('action.cancel'));
  const form = h('form', { method: 'dialog', novalidate: true },
    h('fieldset', { class: 'flag-reasons' }, h('legend', null, t('flag.why')),
      reasons.map((reason, i) => {
        const id = nextId('reason');
        return h('span', { class: 'check' },
          h('input', { type: 'radio', id, name, value: reason, checked: i === 0, 'data-testid': `flag-reason-${reason}` }),
          h('label', { for: id }, reasonLabel(reason)));
      })),
    h('div', { class: 'field' }, h('label', { for: noteId }, t('flag.note'), h('span', { class: 'hint' }, t('form.optional'))), note),
    status,
    h('div', { class: 'row' }, send, cancel));
  const body = h('div', null, h('p', { class: 'muted' }, t('flag.explain')), form);
  const dialog = h('dialog', { class: 'dialog flag-dialog', 'aria-labelledby': titleId, 'data-testid': 'flag-dialog' },
    h('h2', { id: titleId }, t(`flag.title.${targetType}`)), body);

  const done = (message, testid) => {
    markReported(button);
    replace(body, h('p', { role: 'status', 'data-testid': testid }, icon('check-circle'), ' ', message),
      h('button', { type: 'button', class: 'btn btn-primary', onclick: () => dialog.close() }, t('action.close')));
    body.querySelector('button').focus();
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    status.hidden = true;
    const reason = form.querySelector(`input[name="${name}"]:checked`)?.value;
    setBusy(send, true);
    try {
      await create('/flags', { target_type: targetType, target_id: Number(targetId), reason, text: note.value.trim() || undefined });
      done(t('flag.thanks'), 'flag-thanks');
    } catch (err) {
      setBusy(send, false);
      if (err.code === 'already_flagged') done(t('flag.already'), 'flag-already');
      else { status.textContent = errorMessage(err); status.hidden = false; }
    }
  };
  document.body.append(dialog);
  dialog.addEventListener('close', () => { dialog.remove(); button.focus(); });
  dialog.showModal();
}

/** A "Report" button for one item; signed-out people are sent to sign in first. */
export function flagButton({ targetType, targetId, user, small = true }) {
  const cls = `btn ${small ? 'btn-ghost btn-small' : 'btn-secondary'} flag-btn`;
  if (!user) {
    return h('a', { class: cls, href: `/login?next=${encodeURIComponent(location.pathname)}`, 'data-testid': `flag-${targetType}` }, icon('alert'), t('flag.action'));
  }
  const button = h('button', { type: 'button', class: cls, 'aria-haspopup': 'dialog', 'data-testid': `flag-${targetType}` }, icon('alert'), t('flag.action'));
  button.onclick = () => openDialog({ targetType, targetId, button });
  return button;
}
