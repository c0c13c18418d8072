// Recent changes: the selected curriculum's audit trail (GET /curricula/{id}/audit), newest first, a page
// at a time, in a table. It answers "who deleted this?": a deleted concept cannot be opened, so its own
// trail in the editor was out of reach (a review, s37). An entity that still exists opens from its row; one
// deleted since says who deleted it and when.

import { ApiError, api, seg } from './api.js';
import { changeText } from './audit.js';
import { $, clear, el, fmtTime, guarded, oneAtATime } from './dom.js';

export const CHANGES_PAGE = 20;

const state = { curriculum: () => null, open: async () => {}, offset: 0, request: 0 };

/** The concept a row opens: the concept itself, an edge's dependant (its list shows the edge), a task's
 * first concept (its list shows the task); null for the curriculum's own entries. */
export function conceptOf(entry, task) {
  if (entry.entity_type === 'concept') return entry.entity_id;
  if (entry.entity_type === 'prerequisite') return (entry.new ?? entry.old)?.concept ?? null;
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
    // The delete is on a newer page: its own trail's newest entries hold it (a concept's also its edges').
    let deleted = null;
    try {
      const { data } = await api('GET', `${PATHS[type](id)}/audit`, { query: { limit: 10 } });
      deleted = data.items.find((e) => e.entity_type === type && e.entity_id === id && e.action === 'delete') ?? null;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error; // never existed: named by an edge only
    }
    return [key, { exists: false, deleted }];
  }));
  return new Map(found);
}

const deletedBy = (known) => (known.deleted ? ` by ${known.deleted.actor}, ${fmtTime(known.deleted.at)}` : '');

/** The "What" cell: the entity, as a button opening its concept while that exists, else as text saying who
 * deleted it. */
function entityCell(entry, now) {
  const what = `${entry.entity_type} ${entry.entity_id}`;
  const key = subjectOf(entry);
  const known = key ? now.get(key) : null;
  if (!known) return el('td', {}, what);
  const own = key === `${entry.entity_type}:${entry.entity_id}`;
  if (!known.exists) {
    const note = own ? `(deleted${deletedBy(known)})` : `(${conceptOf(entry)} was deleted${deletedBy(known)})`;
    return el('td', {}, el('span', { class: own ? 'entity-deleted' : '' }, what), ' ', el('span', { class: 'deleted-note' }, note));
  }
  const concept = conceptOf(entry, known.data);
  if (!concept) return el('td', {}, what);
  const opens = entry.entity_type === 'concept' ? `open ${concept}`
    : `open ${concept}, ${entry.entity_type === 'task' ? 'which the task exercises' : 'which the edge leads to'}`;
  return el('td', {}, el('button', {
    type: 'button',
    class: 'link-button',
    title: opens,
    'aria-label': `${what}: ${opens}`,
    dataset: { concept },
    onclick: guarded(() => state.open(concept), 'Opening concept'),
  }, what));
}

const row = (entry, now) => el('tr', { class: `audit-${entry.action}` },
  el('td', {}, el('time', { datetime: entry.at }, fmtTime(entry.at))),
  el('td', {}, entry.actor),
  el('td', { class: 'action' }, entry.action),
  entityCell(entry, now),
  el('td', { class: 'audit-change' }, changeText(entry)));

/** Reads the page at `offset` of the selected curriculum's trail into the table. */
export async function loadChanges(offset = state.offset) {
  const curriculum = state.curriculum();
  const request = ++state.request;
  const stale = () => request !== state.request || curriculum !== state.curriculum();
  const body = $('#changes-rows');
  if (!curriculum) {
    clear(body, el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No curriculum selected.')));
    $('#changes-count').textContent = '';
    $('#changes-newer').disabled = true;
    $('#changes-older').disabled = true;
    return;
  }
  const { data } = await api('GET', `/curricula/${seg(curriculum)}/audit`, { query: { limit: CHANGES_PAGE, offset } });
  if (stale()) return;
  if (offset >= data.total && offset > 0) { // past the end: the last page that has any
    await loadChanges(Math.max(0, Math.ceil(data.total / CHANGES_PAGE) - 1) * CHANGES_PAGE);
    return;
  }
  const now = await currentState(data.items);
  if (stale()) return;
  state.offset = offset;
  clear(body, data.items.length ? data.items.map((e) => row(e, now))
    : [el('tr', {}, el('td', { colspan: 5, class: 'hint' }, 'No changes recorded yet.'))]);
  $('#changes-caption').textContent = `Recent changes in ${curriculum}, newest first`;
  $('#changes-count').textContent = data.total
    ? `${offset + 1}–${offset + data.items.length} of ${data.total} changes` : '';
  $('#changes-newer').disabled = offset === 0;
  $('#changes-older').disabled = offset + data.items.length >= data.total;
}

/** The curriculum on show changed: its changes from the newest, if the panel is open (else when opened). */
export function changesCurriculumChanged() {
  state.offset = 0;
  state.request += 1; // an answer about the last curriculum is dropped
  if ($('#changes').open) loadChanges(0).catch(() => {}); // its own errors show when it is opened again
  else clear($('#changes-rows'));
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
    if (panel.open) await loadChanges(0);
  }, 'Recent changes'));
  $('#changes-refresh').addEventListener('click', guarded(oneAtATime(() => loadChanges(0)), 'Recent changes'));
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
