// Tasks of the selected concept: list, create, edit (If-Match from the version the form was filled
// from) and delete (If-Match from the version listed).

import { ApiError, api, seg } from './api.js';
import { archivedText, trailPager } from './audit.js';
import {
  $, clear, clearFieldErrors, el, fmtCount, focusUnlessMoved, guarded, listValue, oneAtATime, rawValues, readNumbers,
  refillKeepingTyped, showInfo, showList,
} from './dom.js';

let hooks = { currentConcept: () => null, currentCurriculum: () => null, afterChange: async () => {} };

export const FIELDS = ['id', 'title', 'kind', 'difficulty', 'estimated_minutes', 'concepts'];

/** The form's fields as one string, to tell typed text from what the form was filled with. */
const formText = (form) => JSON.stringify([form.id.value, form.title.value, form.kind.value, form.difficulty.value,
  form.estimated_minutes.value, listValue(form.concepts)]);
let filledWith = null; // formText right after the form was reset or filled for an edit
// The editable fields as the form was filled for an edit (null for a new task): what "I changed" means when
// a save is refused with 412 and their version is merged in (`mergeTheirs`).
let filledValues = null;

const EDITABLE = ['title', 'kind', 'difficulty', 'estimated_minutes', 'concepts'];
const LABELS = { title: 'Title', kind: 'Kind', difficulty: 'Difficulty', estimated_minutes: 'Estimated minutes', concepts: 'Concepts' };
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The form's editable fields, as text (the concepts as their list). */
const editableValues = (form) => ({
  title: form.title.value, kind: form.kind.value, difficulty: form.difficulty.value,
  estimated_minutes: form.estimated_minutes.value, concepts: listValue(form.concepts),
});

/** A stored task's editable fields, as the form shows them. */
const taskValues = (task) => ({
  title: task.title, kind: task.kind, difficulty: String(task.difficulty),
  estimated_minutes: String(task.estimated_minutes), concepts: task.concepts,
});

/**
 * A save refused with 412: the values to put in the form, from `filled` (what it was filled with), `now`
 * (what it holds) and `theirs` (the stored version). A field I did not change takes theirs (keeping the
 * form's would undo their edit unseen, as every save sends every field); a field I changed keeps mine.
 * `clashes`: the fields we both changed to different values.
 */
export function mergeTheirs(filled, now, theirs) {
  const values = {};
  const clashes = [];
  for (const key of EDITABLE) {
    const mine = !same(now[key], filled[key]);
    values[key] = mine ? now[key] : theirs[key];
    if (mine && !same(filled[key], theirs[key]) && !same(now[key], theirs[key])) clashes.push(key);
  }
  return { values, clashes };
}

/** True when the task form holds typed text that is neither saved nor cancelled. */
export function taskFormChanged() {
  return filledWith !== null && formText($('#task-form')) !== filledWith;
}

// Like the concept list: a response that arrives after a newer request (another concept opened
// meanwhile) is dropped, so one concept's tasks never show under another's details.
let tasksRequest = 0;
// The list as last drawn: a read that finds it unchanged leaves its buttons in place. Every save, delete and
// Reload reads it again, and a list rebuilt under the pointer lost a click begun on it (pressed on a button
// the rebuild removed, released on its copy: no click; seen in the browser test, 4 December).
let shownTasks = '';

export async function loadTasks(conceptId) {
  const list = $('#task-list');
  const request = ++tasksRequest;
  const stale = () => request !== tasksRequest || conceptId !== hooks.currentConcept();
  let data;
  try {
    ({ data } = await api('GET', `/curricula/${seg(hooks.currentCurriculum())}/tasks`, {
      query: { concept: conceptId, limit: 100 },
    }));
  } catch (error) {
    if (stale()) return; // about a concept closed (deleted) or left meanwhile: not news
    throw error;
  }
  if (stale()) return;
  const shown = JSON.stringify([hooks.currentCurriculum(), conceptId, data.items, data.total]);
  if (shown === shownTasks) return;
  shownTasks = shown;
  clear(list, data.items.length ? data.items.map((t) => el('li', { class: 'task-item' },
    el('span', {}, `${t.title} `, el('small', {}, `(${t.kind}, difficulty ${t.difficulty}, ${t.estimated_minutes} min, v${t.version})`)),
    el('button', { type: 'button', class: 'small', 'aria-label': `Edit task ${t.id}`, onclick: () => editTask(t) }, 'edit'),
    el('button', {
      type: 'button',
      class: 'small',
      'aria-label': `Delete task ${t.id}`,
      onclick: guarded(oneAtATime(() => deleteTask(t)), 'Deleting task'),
    }, 'delete'))) : [el('li', { class: 'hint' }, 'No task exercises this concept.')]);
  if (data.total > data.items.length) {
    list.append(el('li', { class: 'hint' },
      `Showing ${fmtCount(data.items.length)} of ${fmtCount(data.total)} tasks; export the curriculum for all of them.`));
  }
}

// It showed the newest 20 entries and no more (a review, 5 December 2026): Show more pages on, as on the
// concept's trail.
const taskHistory = trailPager({
  list: '#task-audit-list',
  more: '#task-audit-more',
  path: (taskId) => `/tasks/${seg(taskId)}/audit`,
  unavailable: 'History unavailable',
  describe: (read) => {
    $('#task-audit-count').textContent = read ? [read.total > read.shown
      ? `The newest ${fmtCount(read.shown)} of ${fmtCount(read.total)} entries.` : '', archivedText(read.archived)]
      .filter(Boolean).join(' ') : '';
  },
});

/** The trail of the task being edited, under its form: the concept's trail holds no task entries, so a task
 * change never showed anywhere on the page (a review, s35). `taskId` null hides it; `more` appends the next
 * page, read from the cursor as Recent changes and the concept's trail read theirs ("Paging the audit trails"). */
async function showTaskHistory(taskId, { more = false } = {}) {
  $('#task-history').hidden = !taskId;
  if (!taskId) {
    taskHistory.hide();
    return;
  }
  await taskHistory.load(taskId, { more });
}

function editTask(task) {
  const form = $('#task-form');
  // Refilling the form drops what was typed into it (another task's edit, or this one's after a 412).
  if (taskFormChanged() && !window.confirm(`Discard the task you were editing and edit task ${task.id}?`)) return;
  form.closest('details').open = true;
  clearFieldErrors(form); // the marks of a refusal were about the text this refill replaces
  form.editing.value = task.id;
  // The version this form shows: Save must fail (412) if someone changed the task since, even when the
  // list was reloaded meanwhile and lists a newer version.
  form.dataset.etag = `"${task.version}"`;
  form.id.value = task.id;
  form.id.readOnly = true;
  form.title.value = task.title;
  form.kind.value = task.kind;
  form.difficulty.value = task.difficulty;
  form.estimated_minutes.value = task.estimated_minutes;
  showList(form.concepts, task.concepts);
  $('#task-submit').textContent = 'Save task';
  filledWith = formText(form);
  filledValues = editableValues(form);
  form.title.focus(); // the first field one can change (the id is read-only while editing)
  showTaskHistory(task.id);
}

/** Back to "new task" for the current concept; any edit in progress is dropped. */
export function resetTaskForm() {
  const form = $('#task-form');
  form.reset();
  clearFieldErrors(form);
  form.editing.value = '';
  delete form.dataset.etag;
  form.id.readOnly = false;
  const current = hooks.currentConcept();
  showList(form.concepts, current ? [current] : []);
  $('#task-submit').textContent = 'Create task';
  filledWith = formText(form);
  filledValues = null;
  showTaskHistory(null);
}

async function submitTask(event) {
  event.preventDefault();
  const form = event.target;
  // A number left empty is left out: the API's default applies to a new task and a stored value stays on
  // an edit. Number('') is 0, which stored a difficulty of 0 and refused 0 minutes (a review, 1 December).
  // A decimal comma is read as one ("1,5" minutes were 15 in a type=number field: a review, 5 December 2026).
  const numbers = readNumbers(form, { difficulty: {}, estimated_minutes: { whole: true } });
  const body = {
    title: form.title.value,
    kind: form.kind.value,
    ...numbers,
    concepts: listValue(form.concepts),
  };
  const editing = form.editing.value;
  const concept = hooks.currentConcept();
  // The form as this write leaves: what is typed into it while the write is in flight is in no request,
  // and the reset after the answer dropped it without a word (a review, s29).
  const sent = rawValues(form, FIELDS);
  const sentText = formText(form);
  const sentValues = editableValues(form);
  let done;
  let data;
  if (editing) {
    try {
      ({ data } = await reloadingOnConflict(api('PATCH', `/tasks/${seg(editing)}`, { body, ifMatch: form.dataset.etag })));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await takeTheirs(form, editing, concept, error);
      if (taskGone(error)) await keepAsNewTask(form, editing, concept, error);
      throw error;
    }
    done = `Saved task ${data.id} (version ${data.version}).`;
  } else {
    ({ data } = await api('POST', `/curricula/${seg(hooks.currentCurriculum())}/tasks`, {
      body: { id: form.id.value.trim(), ...body },
    }));
    done = `Created task ${data.id}.`;
  }
  // The concept's version moved with its link: the read of its new ETag starts now, before the answer is
  // shown, so a Save or Delete of the concept pressed once it is waits for that ETag (curriculum.js
  // etagRead). Started after the task list's read, a Delete pressed meanwhile went over the old ETag and was
  // refused as "Someone changed concept ... (task ... deleted)", the designer's own change (the browser
  // test's "sent again by itself" step, failed once, 5 December 2026).
  const relinked = concept === hooks.currentConcept() ? hooks.afterChange() : null;
  // An answer that comes after another concept was opened leaves that concept's task form alone.
  if (concept !== hooks.currentConcept()) {
    showInfo(done);
    return;
  }
  // (Another task's edit opened meanwhile stays as it is.)
  if (form.editing.value === editing) {
    if (formText(form) === sentText) {
      resetTaskForm();
    } else if (editing) {
      // Typed on while the save ran: the edit goes on, over the version just saved, and counts as unsaved.
      form.dataset.etag = `"${data.version}"`;
      filledWith = sentText;
      filledValues = sentValues;
      showTaskHistory(editing); // with the save just made
      done += ' What you typed while it was being saved is still in the form, not saved yet.';
    } else {
      refillKeepingTyped(form, sent, resetTaskForm);
      done += ' What you typed while it was being created is still in the form.';
    }
  }
  showInfo(done);
  await Promise.all([loadTasks(concept), relinked]);
}

/**
 * Someone saved the task since the form was filled: their version goes into the fields the designer did not
 * change, the typed ones stay, and the form's ETag becomes theirs, so that Save saves the merge. Before, the
 * form kept the old ETag, every Save was refused again, and the only way on was "edit", which discarded the
 * typed text (a review, s35). The refusal's message says what happened.
 */
async function takeTheirs(form, taskId, concept, error) {
  if (concept !== hooks.currentConcept() || form.editing.value !== taskId || !filledValues) return;
  const { data: theirs } = await api('GET', `/tasks/${seg(taskId)}`);
  if (concept !== hooks.currentConcept() || form.editing.value !== taskId) return;
  const stored = taskValues(theirs);
  const { values, clashes } = mergeTheirs(filledValues, editableValues(form), stored);
  for (const key of ['title', 'kind', 'difficulty', 'estimated_minutes']) form[key].value = values[key];
  if (same(values.concepts, stored.concepts)) showList(form.concepts, stored.concepts);
  form.dataset.etag = `"${theirs.version}"`;
  showTaskHistory(taskId); // who saved it meanwhile, and what
  filledValues = stored;
  filledWith = JSON.stringify([form.id.value, stored.title, stored.kind, stored.difficulty, stored.estimated_minutes,
    stored.concepts]);
  const both = clashes.length
    ? ` You both changed ${clashes.map((k) => `${LABELS[k]} (theirs: ${JSON.stringify(stored[k])})`).join(', ')}: yours is kept.`
    : '';
  error.problem.detail = `${error.problem.detail ?? ''} Their version ${theirs.version} is now in the form, except `
    + `the fields you changed.${both} Check it and save again to save it over their version.`;
}

/** The task itself is missing (another designer deleted it), not a concept it names ("unknown concept ids"). */
const taskGone = (error) => error instanceof ApiError && error.status === 404 && !error.routeMissing
  && error.problem.field === 'task_id';

/**
 * Someone deleted the task being edited: every Save was refused with the same "no task" 404, the list still
 * offered it for edit and delete, and Clear was the only way on, dropping the typed text (a review, s37). The
 * list is read again, and the form keeps the typed text as a new task under the same id: Create task puts
 * it back, Clear drops it.
 */
async function keepAsNewTask(form, taskId, concept, error) {
  if (concept !== hooks.currentConcept()) return;
  await loadTasks(concept).catch(() => {});
  if (form.editing.value === taskId) {
    form.editing.value = '';
    delete form.dataset.etag;
    form.id.readOnly = false;
    filledValues = null;
    $('#task-submit').textContent = 'Create task';
    showTaskHistory(taskId); // who deleted it, and when
  }
  error.problem.detail = `Someone deleted task ${taskId} since you opened it, so nothing was saved. What you `
    + 'typed is still in the form: Create task creates it again, Clear drops it.';
}

/** A 412 (someone saved the task since) also reloads the list, so that its versions are current: "edit"
 * and "delete" took the stale one again and got 412 after 412 until the concept was reopened (a review,
 * 1 December). The typed form stays as it is; the error still shows. */
async function reloadingOnConflict(request) {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) await loadTasks(hooks.currentConcept());
    throw error;
  }
}

async function deleteTask(task) {
  const pressed = document.activeElement; // its delete button, gone with it once answered
  if (!window.confirm(`Delete task ${task.id}?`)) return;
  let done;
  try {
    await reloadingOnConflict(api('DELETE', `/tasks/${seg(task.id)}`, { ifMatch: `"${task.version}"` }));
    done = `Deleted task ${task.id}.`;
  } catch (error) {
    // Deleted by someone else since the list was read: what was asked for is done. The list kept offering it,
    // and each delete (or edit) of it was refused with the same 404 until the concept was reopened (s37).
    if (!taskGone(error)) throw error;
    done = `Task ${task.id} was already deleted: someone deleted it since the list was read.`;
  }
  const relinked = hooks.afterChange(); // before "Deleted" shows: see submitTask
  showInfo(done);
  if ($('#task-form').editing.value === task.id) resetTaskForm();
  await Promise.all([loadTasks(hooks.currentConcept()), relinked]);
  // Its delete button is gone: the keyboard user stays in the list, unless they moved on meanwhile.
  focusUnlessMoved($('#task-list'), pressed);
}

export function setupTasks(given) {
  hooks = given;
  $('#task-form').addEventListener('submit', guarded(oneAtATime(submitTask), 'Saving task'));
  $('#task-cancel').addEventListener('click', resetTaskForm);
  taskHistory.wire('Task history', () => showTaskHistory(taskHistory.key(), { more: true }));
}
