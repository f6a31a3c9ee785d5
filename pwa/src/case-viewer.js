// What the signed-in person is to a case and may do with it, read in one place from the
// case payload's `viewer`: the server's answer (`viewer.can`, from the same permission
// functions its services use), never recomputed here.
export function caseViewer(kase, user) {
  const v = kase.viewer || {};
  const can = v.can || {};
  const signedIn = !!user;
  const reporter = signedIn && !!v.reporter;
  return {
    signedIn,
    reporter,
    following: signedIn && !!v.following,
    supporting: signedIn && !!v.supporting,
    mayFollow: signedIn && can.follow !== false,
    maySupport: !!can.support,
    mayConfirm: !!can.confirm,
    mayReopen: !!can.reopen,
    // the stars stay on the page once given, to show the rating
    mayRate: !!can.rate || (reporter && !!kase.rating?.score),
    mayFlag: !!can.flag,
  };
}

/** Whether `user` wrote this comment (no flag on one's own words). Comment payloads carry no
 *  author id today, so only comments posted from this page are known as one's own. */
export const isOwnComment = (comment, user) => !!user && (comment.mine === true
  || (comment.author?.id != null && String(comment.author.id) === String(user.id)));
