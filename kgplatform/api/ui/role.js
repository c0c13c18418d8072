// What a key's role may use on the page, from `GET /api-keys/me` at sign-in: the views the API would refuse
// are not offered. A teacher's key opened on the curriculum editor, whose every save, audit trail and
// Recent changes was the API's 403; a designer's Learner tab answered four 403 panels per learner.
// The API checks every request all the same: this only spares the user controls that cannot work.

const EDITS_CURRICULUM = new Set(['designer', 'admin']);
const READS_LEARNERS = new Set(['service', 'teacher', 'admin']);
const KNOWN = new Set([...EDITS_CURRICULUM, ...READS_LEARNERS]);

/** The views for `role`. No role (an API from before 3 December 2026 has no `/api-keys/me`) or one this
 * page does not know (a newer API): everything, as before, and the API's 403 says what is refused. */
export function roleViews(role) {
  if (!KNOWN.has(role)) return { editsCurriculum: true, readsLearners: true, startTab: 'curriculum' };
  const editsCurriculum = EDITS_CURRICULUM.has(role);
  const readsLearners = READS_LEARNERS.has(role);
  return { editsCurriculum, readsLearners, startTab: editsCurriculum ? 'curriculum' : 'learner' };
}

/** The header's line: the key's last four characters and, when the API said it, its role. */
export function signedInText(key, role) {
  return `Signed in (key …${key.slice(-4)}${role ? `, ${role}` : ''})`;
}
