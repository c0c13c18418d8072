// Recent changes: the selected curriculum's audit trail (GET /curricula/{id}/audit), newest first, a page
// at a time, in a table. It answers "who deleted this?": a deleted concept cannot be opened, so its own
// trail in the editor was out of reach (a review, s37). An entity that still exists opens from its row; one
// deleted since says who deleted it and when. Filters (who, action, kind of entity, since, until) narrow it.

import { ApiError, api, seg } from './api.js';
import { changeText, showArchived } from './audit.js';
import { $, clear, clearFieldErrors, el, fmtCount, fmtTime, guarded, oneAtATime } from './dom.js';

export const CHANGES_PAGE = 20;

// `filters`: what the filter form asked for (filtersOf). `pin`: the time of the newest entry when the first
// page was read: later pages ask for entries up to it, so a change landing meanwhile does not push the
// trail down a row and show an entry on two pages (or skip none); Refresh and a new filter read anew.
// `shown`: the rows as last drawn. A read that finds them unchanged (Refresh, the same filter again, another
// designer's edit outside this page) leaves their buttons in place: rows rebuilt under the pointer lost a
// click begun on a row's concept (pressed on the old button, released on its copy: no click), as the task
// and concept lists did (tasks.js, curriculum.js). Every path that empties the rows forgets it.
// `offset`: where the page on show starts in the trail (its count says so). `cursors[i]`: the route's
// `cursor` for the page that starts at i pages (since 4 December 2026): each page's `next` is kept for the
// page after it, so Older reads on from where the page on show ended and Newer goes back by a cursor kept.
// The route seeks its index from a cursor; by offset it read every entry before the page, so a deep page
// cost as much as the pages before it together. A page no cursor was kept for (the last page, reached past
// the end) is read by offset.
const state = {
  curriculum: () => null, open: async () => {}, offset: 0, cursors: [null], request: 0, filters: {}, pin: null,
  actors: new Set(), shown: '',
};

const NO_FILTERS = { actor: null, action: null, entity_type: null, since: null, until: null };

/** The filter form's values as the audit route takes them. The times are the browser's local ones, sent as
 * UTC; the field has no seconds, so `until` runs to the end of its minute ("until 12:30" keeps 12:30:40). */
export function filtersOf(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? '').trim();
  const at = (name, endOfMinute) => {
    const time = new Date(text(name)).getTime(); // a datetime-local value reads as local time
    return Number.isNaN(time) ? null : new Date(time + (endOfMinute ? 59_999 : 0)).toISOString();
  };
  return {
    actor: text('actor') || null,
    action: text('action') || null,
    entity_type: text('entity_type') || null,
    since: at('since', false),
    until: at('until', true),
  };
}

/** The `until` a page asks for: the filter's, or the pin when that is earlier (or the filter has none). The
 * pin is sent as the trail wrote it (to the microsecond, which Date would cut to the millisecond). */
export function pinnedUntil(until, pin) {
  if (!pin) return until;
  if (!until) return pin;
  return Date.parse(pin) <= Date.parse(until) ? pin : until;
}

/** Where a page of the trail starts, as the audit route takes it: the cursor kept for that page, or the
 * offset when none was (the first page, or one reached otherwise). */
export function pageAt(offset, cursors, pageSize) {
  const cursor = offset > 0 && offset % pageSize === 0 ? cursors[offset / pageSize] : null;
  return cursor ? { cursor } : { offset };
}

/** The cursors kept once the page at `offset` answered `next`: those of the pages up to it and the next
 * one's; a page read again that ends elsewhere drops the cursors after it (they were of the old ends). */
export function keepNext(cursors, offset, pageSize, next) {
  const index = offset / pageSize;
  if (!Number.isInteger(index)) return [null];
  const kept = cursors.slice(0, index + 1);
  kept[index + 1] = next ?? null;
  if (cursors[index + 1] === next && cursors.length > index + 2) return [...kept, ...cursors.slice(index + 2)];
  return kept;
}

const filtered = (filters) => Object.values(filters).some((v) => v !== null && v !== undefined && v !== '');

/** The concept a row opens: the concept itself, an edge's dependant (its list shows the edge), a task's
 * first concept (its list shows the task); null for the curriculum's own entries. */
export function conceptOf(entry, task) {
  if (entry.entity_type === 'concept') return entry.entity_id;
  // The entry's own ends: its old and new hold only the weight, so edge rows opened nothing (a review, 3 December).
  if (entry.entity_type === 'prerequisite') return entry.concept ?? (entry.new ?? entry.old)?.concept ?? null;
  if (entry.entity_type === 'task') return task?.concepts?.[0] ?? null;
  return null;
}

/** The newest delete of each concept and task among `entries` (newest first), by `type:id`. */
export function deletesIn(entries) {
  const deletes = new Map();
  for (const e of entries) {
    const key = `${e.entity_type}:${e.entity_id}`;
    if (e.action === 'delete' && !deletes.has(key)) deletes.set(key, e);
  }
  return deletes;
}

const PATHS = { concept: (id) => `/concepts/${seg(id)}`, task: (id) => `/tasks/${seg(id)}` };

/** The `type:id` whose existence tells whether a row can open anything: the concept or task itself, an
 * edge's dependant; null for the curriculum's own entries. */
export function subjectOf(entry) {
  if (PATHS[entry.entity_type]) return `${entry.entity_type}:${entry.entity_id}`;
  const concept = entry.entity_type === 'prerequisite' ? conceptOf(entry) : null;
  return concept === null ? null : `concept:${concept}`;
}

/** Whether each concept and task the page's rows name exists now: {`type:id`: {exists, data} or {exists:
 * false, deleted: the entry of its delete (read from its own trail when the delete is not on this page), or
 * null when that is unknown}}. */
async function currentState(entries) {
  const onPage = deletesIn(entries);
  const keys = [...new Set(entries.map(subjectOf).filter(Boolean))];
  const found = await Promise.all(keys.map(async (key) => {
    const [type, ...rest] = key.split(':');
    const id = rest.join(':'); // ids may hold ':'
    try {
      const { data } = await api('GET', PATHS[type](id));
      return [key, { exists: true, data }];
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404 && !error.routeMissing)) throw error;
    }
    if (onPage.has(key)) return [key, { exists: false, deleted: onPage.get(key) }];
    // The delete is on another page: its own trail's newest delete of it. Asked for by filter: a concept's
    // trail also lists its edges' entries, and a concept deleted with 10 or more edges had its own delete
    // (the first entry its delete wrote, so the oldest) past the 10 newest read, and was "deleted" by nobody.
    let deleted = null;
    try {
      const query = { action: 'delete', entity_type: type, limit: 1 };
      const { data } = await api('GET', `${PATHS[type](id)}/audit`, { query });
      deleted = data.items.find((e) => e.entity_type === type && e.entity_id === id && e.action === 'delete') ?? null;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error; // never existed: named by an edge only
    }
    return [key, { exists: false, deleted }];
  }));
  return new Map(found);
}

const deletedBy = (known) => (known.deleted ? ` by ${known.deleted.actor}, ${fmtTime(known.deleted.at)}` : '');

/** What the "What" cell shows: the entity, with the concept it opens while that exists, else a note saying
 * who deleted it. Plain values, so that a read finding the rows as drawn can tell. */
function cellOf(entry, now) {
  const what = `${entry.entity_type} ${entry.entity_id}`;
  const key = subjectOf(entry);
  const known = key ? now.get(key) : null;
  if (!known) return { what };
  const own = key === `${entry.entity_type}:${entry.entity_id}`;
  if (!known.exists) {
    return { what, own, note: own ? `(deleted${deletedBy(known)})` : `(${conceptOf(entry)} was deleted${deletedBy(known)})` };
  }
  const concept = conceptOf(entry, known.data);
  if (!concept) return { what };
  const opens = entry.entity_type === 'concept' ? `open ${concept}`
    : `open ${concept}, ${entry.entity_type === 'task' ? 'which the task exercises' : 'which the edge leads to'}`;
  return { what, concept, opens };
}

/** The "What" cell drawn: a button opening its concept, or text. */
function entityCell({ what, own, note, concept, opens }) {
  if (note) {
    return el('td', {}, el('span', { class: own ? 'entity-deleted' : '' }, what), ' ', el('span', { class: 'deleted-note' }, note));
  }
  if (!concept) return el('td', {}, what);
  return el('td', {}, el('button', {
    type: 'button',
    class: 'link-button',
    title: opens,
    'aria-label': `${what}: ${opens}`,
    dataset: { concept },
    onclick: guarded(() => state.open(concept), 'Opening concept'),
  }, what));
}

const row = (entry, cell) => el('tr', { class: `audit-${entry.action}` },
  el('td', {}, el('time', { datetime: entry.at }, fmtTime(entry.at))),
  el('td', {}, entry.actor),
  el('td', { class: 'action' }, entry.action),
  entityCell(cell),
  el('td', { class: 'audit-change' }, changeText(entry)));

/** Reads the page at `offset` of the selected curriculum's trail into the table; `fresh` reads from the
 * newest entry again (drops the pin). */
export async function loadChanges(offset = state.offset, { fresh = false } = {}) {
  const curriculum = state.curriculum();
  const request = ++state.request;
  if (fresh) {
    state.pin = null;
    state.cursors = [null];
  }
  const stale = () => request !== state.request || curriculum !== state.curriculum();
  const body = $('#changes-rows');
  if (!curriculum) {
    state.shown = ''; // drawn over: the next read of a curriculum draws again, even one identical to the last
    clear(body, el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No curriculum selected.')));
    $('#changes-count').textContent = '';
    showArchived($('#changes-archived'), null);
    $('#changes-newer').disabled = true;
    $('#changes-older').disabled = true;
    return;
  }
  const filters = { ...NO_FILTERS, ...state.filters };
  const query = {
    ...filters, until: pinnedUntil(filters.until, state.pin), limit: CHANGES_PAGE, ...pageAt(offset, state.cursors, CHANGES_PAGE),
  };
  const { data } = await api('GET', `/curricula/${seg(curriculum)}/audit`, { query });
  if (stale()) return;
  if (state.pin === null && offset === 0 && data.items.length) state.pin = data.items[0].at;
  if (!data.items.length && offset > 0) { // past the end: the last page that has any, by offset
    state.cursors = [null];
    await loadChanges(Math.max(0, Math.ceil(data.total / CHANGES_PAGE) - 1) * CHANGES_PAGE);
    return;
  }
  const now = await currentState(data.items);
  if (stale()) return;
  state.offset = offset;
  state.cursors = keepNext(state.cursors, offset, CHANGES_PAGE, data.next);
  const narrowed = filtered(filters);
  const none = narrowed ? 'No changes match these filters.' : 'No changes recorded yet.';
  const cells = data.items.map((e) => cellOf(e, now));
  const shown = JSON.stringify([curriculum, data.items.length ? data.items.map((e, i) => [e, cells[i]]) : none]);
  if (shown !== state.shown) {
    state.shown = shown;
    clear(body, data.items.length ? data.items.map((e, i) => row(e, cells[i]))
      : [el('tr', {}, el('td', { colspan: 5, class: 'hint' }, none))]);
  }
  $('#changes-caption').textContent = `Recent changes in ${curriculum}, newest first${narrowed ? ', filtered' : ''}`;
  $('#changes-count').textContent = data.total
    ? `${fmtCount(offset + 1)}–${fmtCount(offset + data.items.length)} of ${fmtCount(data.total)} ${narrowed ? 'matching ' : ''}changes` : '';
  // The actors seen so far, offered in the Who field (the filter matches an actor exactly as listed).
  const before = state.actors.size;
  for (const e of data.items) state.actors.add(e.actor);
  if (state.actors.size !== before) {
    clear($('#changes-actors'), [...state.actors].sort().map((a) => el('option', { value: a })));
  }
  $('#changes-newer').disabled = offset === 0;
  $('#changes-older').disabled = !data.next;
  showArchived($('#changes-archived'), data.archived);
}

/** The curriculum on show changed: its changes from the newest, if the panel is open (else when opened). */
export function changesCurriculumChanged() {
  state.offset = 0;
  state.cursors = [null];
  state.pin = null;
  state.actors = new Set();
  clear($('#changes-actors'));
  state.request += 1; // an answer about the last curriculum is dropped
  if ($('#changes').open) loadChanges(0, { fresh: true }).catch(() => {}); // its own errors show when it is opened again
  else {
    state.shown = ''; // emptied: the same rows read when it is opened again are drawn
    clear($('#changes-rows'));
  }
}

/** The pager button pressed is disabled on the first or last page: focus to the other, or to the table. */
function keepFocus(pressed, other) {
  const active = document.activeElement;
  // Chromium may leave focus on the disabled button itself: lost all the same (as the concept pager knows).
  if (!pressed.disabled || (active && active !== document.body && active !== pressed)) return;
  (other.disabled ? $('#changes-table') : other).focus();
}

export function setupChanges({ currentCurriculum, openConcept }) {
  state.curriculum = currentCurriculum;
  state.open = openConcept;
  const panel = $('#changes');
  panel.addEventListener('toggle', guarded(async () => {
    if (panel.open) await loadChanges(0, { fresh: true });
  }, 'Recent changes'));
  $('#changes-refresh').addEventListener('click', guarded(oneAtATime(() => loadChanges(0, { fresh: true })), 'Recent changes'));
  const form = $('#changes-filter');
  // A refused filter (422, e.g. Since after Until) is marked on its field by `guarded`, and shows nothing.
  form.addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    state.filters = filtersOf(form);
    await loadChanges(0, { fresh: true });
  }, 'Filtering changes'));
  $('#changes-clear').addEventListener('click', guarded(async () => {
    form.reset();
    clearFieldErrors(form); // a refused filter's mark goes with it
    state.filters = {};
    await loadChanges(0, { fresh: true });
  }, 'Recent changes'));
  // Not oneAtATime: that enables the button again when done, and the first and last page disable theirs.
  // A second press while one page loads only makes the first answer stale.
  $('#changes-newer').addEventListener('click', guarded(async () => {
    await loadChanges(Math.max(0, state.offset - CHANGES_PAGE));
    keepFocus($('#changes-newer'), $('#changes-older'));
  }, 'Recent changes'));
  $('#changes-older').addEventListener('click', guarded(async () => {
    await loadChanges(state.offset + CHANGES_PAGE);
    keepFocus($('#changes-older'), $('#changes-newer'));
  }, 'Recent changes'));
}
