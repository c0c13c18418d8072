// Audit entries as the page shows them: the open concept's trail (curriculum.js), the trail of the task
// being edited (tasks.js) and the curriculum's recent changes (changes.js); the first two page alike
// (`trailPager`).

import { api } from './api.js';
import { $, clear, el, fmtCount, fmtTime, guarded, oneAtATime } from './dom.js';

/** What an entry changed: for an edit (or an import that changed a stored entity) the fields that differ,
 * old → new; for a create or delete the values that name it. */
export function describeChange(entry) {
  const keys = [...new Set([...Object.keys(entry.old ?? {}), ...Object.keys(entry.new ?? {})])];
  const changed = keys.filter((k) => JSON.stringify(entry.old?.[k]) !== JSON.stringify(entry.new?.[k]));
  if (entry.old && entry.new) {
    return changed.map((k) => `${k}: ${JSON.stringify(entry.old?.[k])} → ${JSON.stringify(entry.new?.[k])}`).join('; ');
  }
  const values = entry.new ?? entry.old ?? {};
  return Object.entries(values).filter(([k]) => ['name', 'prerequisite', 'concept', 'title', 'weight'].includes(k))
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
}

/** What an entry changed, never blank: an entry whose values name nothing `describeChange` shows (an
 * import's counts, a curriculum's own create) lists all of them. */
export function changeText(entry) {
  const described = describeChange(entry);
  if (described) return described;
  const values = entry.new ?? entry.old ?? {};
  return Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
}

export const auditItem = (a) => el('li', { class: `audit-${a.action}` },
  el('span', { class: 'audit-head' }, `${fmtTime(a.at)} · ${a.actor} · ${a.action} ${a.entity_type} ${a.entity_id}`),
  el('span', { class: 'audit-change' }, describeChange(a)));

/** The line saying entries of a trail were moved to a file (`kgplatform audit archive`, the `archived` of
 * an audit route's answer), so that the list's end is not read as the curriculum's first change; '' when
 * nothing of it was archived. */
export const archivedText = (archived) => (archived
  ? `Entries before ${fmtTime(archived.before)} were archived on ${fmtTime(archived.archived_at)} `
    + `(${fmtCount(archived.entries)} in all) and are not listed here.`
  : '');

/** `node` (a hint line under a trail) shows `archivedText`, or is hidden. */
export function showArchived(node, archived) {
  node.textContent = archivedText(archived);
  node.hidden = !archived;
}

// ---- a trail paged by Show more ----------------------------------------------------------------------

const TRAIL_PAGE = 20; // entries shown first, and added by each Show more
const TRAIL_MOST = 500; // the audit routes' largest page

/** Whose trail is on show (`key`), how many of its entries were asked for (a save or a Reload re-reads as
 * many, newest first: they went back to the newest 20, losing the place of someone reading back through the
 * trail), how many are shown, the trail's total when read, and the cursor after the last entry shown (the
 * last page's `next`). */
const freshTrail = (key) => ({ key, wanted: TRAIL_PAGE, shown: 0, total: 0, next: null });

/** What a load of `key`'s trail reads, and the state to keep while it does: Show more (`more`) reads on from
 * the cursor (since 4 December 2026: the route seeks its indexes from there instead of reading every entry
 * shown before the page, as an offset did); anything else, and a Show more with no cursor of this trail to go
 * on from, reads the newest `wanted`. Show more raises `wanted` before the answer, so a re-read answered
 * first (a save) shows its page too and the late answer is dropped. */
export function trailRead(trail, key, more) {
  const kept = trail.key === key ? { ...trail } : freshTrail(key);
  const onward = more && kept.next !== null;
  if (more) kept.wanted = Math.min(kept.shown + TRAIL_PAGE, TRAIL_MOST);
  return { trail: kept, onward, query: onward ? { limit: TRAIL_PAGE, cursor: kept.next } : { limit: kept.wanted } };
}

/** The state once `data` (a page of the trail) is shown, appended to the list (`append`) or in its place. */
export const trailShown = (trail, data, append) => ({
  ...trail, shown: (append ? trail.shown : 0) + data.items.length, total: data.total, next: data.next,
});

/**
 * A trail's list and its Show more button, newest entries first: the open concept's trail (curriculum.js) and
 * the history of the task being edited (tasks.js), one pager for both ("Paging the audit trails").
 * `list`, `more`: selectors of the list and the button; `path(key)`: the route of `key`'s trail;
 * `describe(read)`: fills the lines under the list from `{shown, total, archived}`, or empties them (null);
 * `unavailable`: what the line shown for a failed read starts with; `current()`, when given: the key whose
 * trail belongs on show now (an answer about another is dropped).
 */
export function trailPager({ list, more, path, describe, unavailable, current = null }) {
  let trail = freshTrail(null);
  let request = 0;

  /** An answer still in flight is dropped: the list stays as it is. */
  const drop = () => { request += 1; };

  /** `key`'s newest entries; `more` appends the next page to those shown. */
  async function load(key, { more: onward = false } = {}) {
    drop();
    const mine = request;
    const stale = () => mine !== request || (current !== null && current() !== key);
    const planned = trailRead(trail, key, onward);
    trail = planned.trail;
    const read = async (query) => (await api('GET', path(key), { query })).data;
    try {
      let data = await read(planned.query);
      if (stale()) return;
      // Newest first: entries written since the list was read (a save, here or by someone else) push the
      // shown ones down. The page after the cursor is still right, but the new entries above the list would
      // never show (paged by count, the next page repeated some and missed the new: a review, 1 December):
      // the list is read again from the top, as many as are wanted now.
      let append = planned.onward;
      if (append && data.total > trail.total) {
        data = await read({ limit: trail.wanted });
        if (stale()) return;
        append = false;
      }
      const items = data.items.map(auditItem);
      if (append) $(list).append(...items);
      else clear($(list), items.length ? items : [el('li', { class: 'hint' }, 'No entries.')]);
      trail = trailShown(trail, data, append);
      describe({ shown: trail.shown, total: trail.total, archived: data.archived });
      $(more).hidden = trail.shown >= trail.total || !trail.next;
    } catch (error) {
      if (stale()) return;
      trail = { ...freshTrail(key), wanted: trail.wanted }; // the next re-read still keeps the reader's place
      clear($(list), el('li', { class: 'hint' }, `${unavailable}: ${error.message}`));
      describe(null);
      $(more).hidden = true;
    }
  }

  /** No trail on show: the list emptied, its lines and button hidden, an answer in flight dropped. */
  function hide() {
    drop();
    trail = freshTrail(null);
    clear($(list));
    describe(null);
    $(more).hidden = true;
  }

  /** Show more calls `loadMore` (the caller's load with `more`), errors shown under `context`. */
  function wire(context, loadMore) {
    $(more).addEventListener('click', guarded(oneAtATime(async () => {
      await loadMore();
      // The last page hides the button (disabled while it loaded, so focus already left it): to the list.
      if ($(more).hidden && (!document.activeElement || document.activeElement === document.body)) $(list).focus();
    }), context));
  }

  return { load, drop, hide, wire, key: () => trail.key };
}
