// What the signed-in person is to a case and may do with it, read from the case payload in one
// place: today its `viewer` ({following, supporting, reporter, actions}); when the payload
// carries `viewer.can` (issue #10), only this function changes.
const OPEN = new Set(['submitted', 'accepted', 'assigned', 'in_progress']);

export function caseViewer(kase, user) {
  const v = kase.viewer || {};
  const signedIn = !!user;
  const reporter = signedIn && (v.reporter ?? (kase.reporter?.id != null && String(kase.reporter.id) === String(user.id)));
  const actions = v.actions || [];
  return {
    signedIn,
    reporter,
    following: signedIn && !!v.following,
    supporting: signedIn && !!v.supporting,
    mayFollow: signedIn,
    maySupport: signedIn && !reporter && OPEN.has(kase.status),
    mayConfirm: actions.includes('confirm'),
    mayReopen: actions.includes('reopen'),
    mayRate: reporter && kase.status === 'closed',
    mayFlag: signedIn && !reporter,
  };
}

/** Whether `user` wrote this comment (no flag on one's own words). Comment payloads carry no
 *  author id today, so only comments posted from this page are known as one's own. */
export const isOwnComment = (comment, user) => !!user && (comment.mine === true
  || (comment.author?.id != null && String(comment.author.id) === String(user.id)));
