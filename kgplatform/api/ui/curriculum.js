// The curriculum view: the paged concept list with search, the neighbourhood graph, and the selected
// concept's editor (If-Match from its ETag), its prerequisite edges, its tasks and its audit trail.

import { ApiError, api, fetchTransfers, seg } from './api.js';
import { showArchived, trailPager } from './audit.js';
import { changesCurriculumChanged } from './changes.js';
import { hideConflict, pickedValues, showConflict } from './conflict.js';
import {
  $, clear, clearFieldErrors, el, fmtCount, fmtTime, focusUnlessMoved, guarded, hideMessage, oneAtATime, listValue,
  parseDecimal, rawValues, readNumbers, refillKeepingTyped, restoreFocus, showConceptCount, showError, showInfo, showList,
  splitList, updateTitle,
} from './dom.js';
import { capTransfers, createGraph, draw, nearestRings, setTransfersVisible } from './graph.js';
import { FIELDS as TASK_FIELDS, loadTasks, resetTaskForm, setupTasks, taskFormChanged } from './tasks.js';

const MAX_DEPTH = 10;
// At most this many nodes are drawn unless the designer asks for all: depth 10 of a 1,500-concept
// curriculum (588 concepts, 895 transfer edges reaching 488 more) took 6-8 s to draw, the page frozen
// meanwhile (a review, s37). The neighbourhood's nearest concepts come first (at most MAX_CONCEPTS), then
// the strongest transfer edges' other ends fill what is left.
export const MAX_DRAWN = 200;
const MAX_CONCEPTS = 150;
const state = {
  curriculum: null, q: '', tag: '', offset: 0, pageSize: 25, total: 0, concept: null, etag: null, cy: null,
  drawAll: null, // the concept, depth and direction whose every concept is drawn (Draw all), else null
  base: null, // the concept as the form was filled with it: what "changed" means in a conflict
  theirs: null, // in a conflict: the stored version and its ETag, which a save on top of it sends
  shown: null, // the form's own values right after it was filled: what "typed" means (`formChanged`)
};

export function currentCurriculum() {
  return state.curriculum;
}

export function graphOf() {
  return state.cy;
}

// ---- the concept list ------------------------------------------------------------------------

// Each list request gets a number; a response that arrives after a newer request was sent is
// dropped, so a slow answer to an old search or page size cannot overwrite the current one.
let listRequest = 0;
// The concept list as last drawn: a read that finds it unchanged leaves its buttons in place, as the task
// list does (tasks.js). Every save, delete and import reads it again, and a list rebuilt under the pointer
// lost a click begun on it (pressed on a concept, released on its copy: no click). Which concept is
// 'current' is not part of it: markCurrent sets that on the buttons in place.
let shownList = '';

async function loadList() {
  const list = $('#concept-list');
  if (!state.curriculum) {
    shownList = ''; // drawn over: the next read of a curriculum draws again, even one identical to the last
    clear(list, el('li', { class: 'hint' }, 'No curriculum yet: create one above or import a CSV.'));
    $('#page-info').textContent = '';
    return;
  }
  const request = ++listRequest;
  const { data } = await api('GET', `/curricula/${seg(state.curriculum)}/concepts`, {
    query: { q: state.q, tag: state.tag, limit: state.pageSize, offset: state.offset },
  });
  if (request !== listRequest) return;
  if (state.offset >= data.total && state.offset > 0) {
    // Past the end (the last page's last concept was deleted): show the last page that has any.
    state.offset = Math.max(0, Math.ceil(data.total / state.pageSize) - 1) * state.pageSize;
    await loadList();
    return;
  }
  state.total = data.total;
  if (!state.q && !state.tag) showConceptCount(state.curriculum, data.total); // all of them: the picker's count
  // Only what the buttons show and open: a save of a listed concept (its version) changes none of it.
  const shown = JSON.stringify([state.curriculum, data.items.map((c) => [c.id, c.name])]);
  if (shown === shownList) {
    markCurrent(state.concept); // opened or closed since it was drawn
  } else {
    shownList = shown;
    clear(list, data.items.map((c) => el('li', {},
      el('button', {
        type: 'button',
        class: c.id === state.concept ? 'concept-link current' : 'concept-link',
        'aria-current': c.id === state.concept ? 'true' : undefined,
        dataset: { conceptId: c.id },
        onclick: guarded(() => openAnother(c.id), 'Opening concept'),
      }, el('span', { class: 'name' }, c.name), el('span', { class: 'id' }, c.id)))));
    if (!data.items.length) list.append(el('li', { class: 'hint' }, 'No concept matches.'));
  }
  const last = Math.min(state.offset + state.pageSize, data.total);
  $('#page-info').textContent = data.total
    ? `${fmtCount(state.offset + 1)}–${fmtCount(last)} of ${fmtCount(data.total)}` : '0 of 0';
  $('#page-prev').disabled = state.offset === 0;
  $('#page-next').disabled = last >= data.total;
  const datalist = $('#concept-ids');
  clear(datalist, data.items.map((c) => el('option', { value: c.id }, c.name)));
}

/** After a create or a delete under a search or a tag, whose list total counts only the matches: the
 * picker's count is read. */
async function recount() {
  if (!state.q && !state.tag) return; // the list just read counted them all
  const curriculum = state.curriculum;
  const { data } = await api('GET', '/curricula');
  const read = data.find((c) => c.id === curriculum);
  if (read) showConceptCount(read.id, read.concepts);
}

export async function selectCurriculum(id) {
  state.curriculum = id;
  state.offset = 0;
  closeConcept();
  changesCurriculumChanged();
  await loadList();
}

/** No concept open: everything about the last one goes, so nothing asks about its edits any more (its
 * stale base once made every later step ask "Discard your unsaved changes to null"). */
function closeConcept() {
  state.concept = null;
  state.etag = null;
  state.base = null;
  state.theirs = null;
  state.shown = null;
  conceptRequest += 1; // an answer about the last one is dropped
  openRequest += 1; // and so is a concept still being opened
  opening = null;
  hideConflict();
  clearFieldErrors($('#concept-form'));
  resetTaskForm();
  $('#concept-detail').hidden = true;
  $('#skip-to-editor').hidden = true; // nothing to skip to
  $('#no-concept').hidden = false;
  updateTitle();
  clearGraph();
}

function clearGraph() {
  state.cy?.elements().remove();
  $('#graph-status').textContent = 'Pick a concept to see its neighbourhood.';
  shownEdges = ''; // the lists are emptied: the concept reopened unchanged draws them again
  clear($('#prereq-edge-list'));
  clear($('#transfer-edge-list'));
  $('#transfer-model').textContent = '–';
}

// ---- the selected concept -------------------------------------------------------------------

/** The editor's controls, one per editable field. */
const EDITOR_FIELDS = ['name', 'description', 'tags', 'difficulty'];

/** A concept's editable fields. */
const valuesOf = (concept) => ({
  name: concept.name, description: concept.description, tags: concept.tags, difficulty: concept.difficulty ?? null,
});

function fillForm(concept) {
  const form = $('#concept-form');
  // Refilled, the fields hold what is stored: an earlier refusal's marks ("must not be blank", invalid) were
  // about other text, and stayed on, for another concept too, until the next save (a review, s29).
  clearFieldErrors(form);
  state.base = valuesOf(concept);
  form.name.value = concept.name;
  form.description.value = concept.description;
  showList(form.tags, concept.tags);
  form.difficulty.value = concept.difficulty ?? '';
  $('#concept-title').textContent = concept.name;
  $('#concept-id').textContent = concept.id;
  $('#concept-version').textContent = concept.version;
  updateTitle(); // a saved rename, or their version taken, names the concept anew
  // What the fields show, not what is stored: a name holding a line break shows without it, and a
  // description's CRLF as LF, so comparing with the stored values called such a concept edited for good.
  state.shown = JSON.stringify(formValues(form));
}

// As for the list: only the concept opened last is shown, whatever order the answers come back in.
// Its graph, tasks and audit trail have their own counters and also check the concept is still open.
let conceptRequest = 0;
// Counts opens: only the latest open's answer is used. Apart from `conceptRequest`, which moves only when
// what is on show changes: an open that shows nothing (a concept of another curriculum, a failed GET) must
// not make a save in flight of the concept still open look stale (its new version was then dropped, and
// the next Save was refused as a conflict with the designer's own save; a review, s29).
let openRequest = 0;
// The concept whose GET is in flight for the latest open, or null: what tells a Reload of the open concept
// (the same id) from the opening of another, which the request counter alone cannot.
let opening = null;

function markCurrent(id) {
  for (const b of document.querySelectorAll('.concept-link')) {
    const current = b.dataset.conceptId === id;
    b.classList.toggle('current', current);
    if (current) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

/** A test for a request's answer: true while the concept open when it was sent is still open, not
 * reopened or replaced since (late answers must not act on what is open now). */
function openNow() {
  const concept = state.concept;
  const request = conceptRequest;
  return () => concept === state.concept && request === conceptRequest;
}

/** Opens the concept; `keepMessage`: the alert says what was just done to it (Created ...), so it stays. */
export async function openConcept(id, { keepMessage = false } = {}) {
  if (!keepMessage) hideMessage();
  const request = ++openRequest;
  opening = id;
  // The editor and the task form as this open leaves: text typed into them while the concept is read is in
  // no question asked before it ("Discard ... and open b?" was about the text typed until the click).
  const typedBefore = typedText();
  let answer;
  try {
    answer = await api('GET', `/concepts/${seg(id)}`);
  } catch (error) {
    // A newer open, or a close, meanwhile: what is on show now stands, and this late refusal is not news
    // (a Reload that raced the concept's own delete said "Not Found" over "Deleted").
    if (request !== openRequest) return;
    opening = null;
    if (id === state.concept && error instanceof ApiError && error.status === 404 && !error.routeMissing) {
      // The open concept is gone (another designer deleted it): closed, not left open for edits that
      // can only fail.
      closeConcept();
      showInfo(`Concept ${id} no longer exists: someone deleted it, so it is closed.`);
      await loadList();
      return;
    }
    throw error;
  }
  if (request !== openRequest) return;
  opening = null;
  const { data, etag } = answer;
  if (state.curriculum && data.curriculum_id && data.curriculum_id !== state.curriculum) {
    // A transfer edge's other end can be in another curriculum (the model scores pairs across curricula),
    // and its node opened here: the tasks, a new task, the picker and the import target all spoke of this
    // curriculum (a review, s29). It is not opened; the page says where it is.
    showInfo(`${data.id} (${data.name}) is in curriculum ${data.curriculum_id}, not in ${state.curriculum}: `
      + `pick ${data.curriculum_id} above to edit it.`);
    return;
  }
  const changed = data.id !== state.concept;
  // Typed while the concept was being read (a slow API: the editor stays on the last one, editable): the
  // refill below dropped it without a word (a review, s37). Asked now; Cancel keeps the one on show.
  // A reload of the open one refills only the editor; another concept also resets the task form.
  const typedNow = typedText();
  const typedMeanwhile = typedNow.editor !== typedBefore.editor || (changed && typedNow.task !== typedBefore.task);
  if (typedMeanwhile && !(changed ? mayLeave(`open ${data.id}`) : mayReload())) return;
  conceptRequest += 1; // answers about what was on show until now are dropped
  state.concept = data.id;
  state.etag = etag;
  state.theirs = null;
  hideConflict();
  fillForm(data);
  $('#no-concept').hidden = true;
  $('#concept-detail').hidden = false;
  $('#skip-to-editor').hidden = false;
  updateTitle(); // which concept this window shows, in its tab (when the Curriculum view is on show)
  // A delete is never armed by default, and never carried over to another concept.
  $('#delete-cascade').checked = false;
  // Another concept: a task edit begun on the last one is dropped, not saved with this concept's
  // id in its concepts. A reload of the same concept leaves an edit in progress alone.
  if (changed) resetTaskForm();
  markCurrent(data.id);
  await Promise.all([loadGraph(), loadTasks(data.id), loadAudit()]);
}

/** The text of the editor and of the task form, to tell what was typed into them meanwhile. */
const typedText = () => ({
  editor: JSON.stringify(rawValues($('#concept-form'), EDITOR_FIELDS)),
  task: JSON.stringify(rawValues($('#task-form'), TASK_FIELDS)),
});

/** What leaving the open concept would discard: '' when nothing was typed and left unsaved. */
export function unsavedWork() {
  const lost = [];
  if (formChanged()) lost.push(`your unsaved changes to ${state.concept}`);
  if (taskFormChanged()) lost.push('the task you were editing');
  return lost.join(' and ');
}

/** Asks before a step that would drop unsaved work ("open b", "sign out"); true when it may go ahead. */
export function mayLeave(step) {
  const lost = unsavedWork();
  return !lost || window.confirm(`Discard ${lost} and ${step}?`);
}

/** Opening another concept refills the editor and resets the task form: ask first when they hold typed text. */
export async function openAnother(id) {
  // The open one again (its list entry, its node in the graph) refills the editor: a Reload, which asks.
  if (id === state.concept) {
    await reloadConcept();
    return;
  }
  if (!mayLeave(`open ${id}`)) return;
  await openConcept(id);
}

/**
 * The curriculum was changed from elsewhere on the page (an import into it): the list, and the open
 * concept's graph, tasks and audit trail, are read again. The editor is refilled only when it holds no
 * typed text; if it does, it stays, and a save over the imported version gets the conflict view.
 */
export async function refreshCurriculum() {
  await loadList();
  // A concept being opened (clicked, the designer having agreed to leave the one on show) is the one to
  // read again: re-opening the one on show cancelled the click (a review, s29).
  if (opening !== null) {
    await openConcept(opening, { keepMessage: true });
    return;
  }
  if (!state.concept) return;
  // A typed task form survives a refill of the same concept (`openConcept` keeps it), so only the editor counts.
  if (formChanged()) await Promise.all([loadGraph(), loadTasks(state.concept), loadAudit()]);
  else await openConcept(state.concept, { keepMessage: true });
}

/** The form's values, as the API's concept body. A difficulty the page cannot read stays its text (it still
 * counts as typed); Save refuses it first (`readNumbers`). */
function formValues(form) {
  const { value, problem } = parseDecimal(form.difficulty.value);
  return {
    name: form.name.value,
    description: form.description.value,
    tags: listValue(form.tags),
    difficulty: problem ? form.difficulty.value.trim() : value,
  };
}

/** True when the form holds text the designer typed and has not saved. */
function formChanged() {
  return state.shown !== null && JSON.stringify(formValues($('#concept-form'))) !== state.shown;
}

/**
 * PATCHes `body`, made from `base` (the version `ifMatch` names), over that version; a 412 opens the
 * conflict view instead of losing the body. `focusAfter`: where focus goes once saved.
 */
async function patchConcept(body, ifMatch, base, focusAfter = null, { again = false, note = '' } = {}) {
  // The concept saved, and whether it is still the one open when the answer comes: a designer who opened
  // another meanwhile had this answer fill the editor and its ETag with the saved concept while the page
  // went on to save into the other (a review, 1 December: concept b stored a's name). A late answer only
  // says what happened.
  const concept = state.concept;
  const stillOpen = openNow();
  const pressed = document.activeElement; // the conflict panel's Save, gone with the panel once saved
  // The editor as this save leaves: the fields stay editable while it is in flight, and what is typed
  // meanwhile is in no request. The refill below dropped it, and said "Saved" (a review, s29).
  const form = $('#concept-form');
  const sent = rawValues(form, EDITOR_FIELDS);
  const sentValues = JSON.stringify(formValues(form));
  let saved;
  try {
    saved = await api('PATCH', `/concepts/${seg(concept)}`, { body, ifMatch });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !error.routeMissing) {
      // "Not found (404) no concept 'x'" left the designer guessing (a review, s35): say what happened and
      // that the typed text is still there (Reload closes the concept, asking first).
      error.problem.detail = `Someone deleted concept ${concept} since you opened it, so nothing was saved. `
        + 'What you typed is still in the form: copy what you need, then Reload closes it (or create it again '
        + 'under New concept).';
    }
    if (!(error instanceof ApiError && error.status === 412)) throw error;
    if (!again && stillOpen() && await savedOverLinkChanges(body, base, focusAfter, error)) return;
    showError(error, `Saving concept ${concept}`);
    if (stillOpen()) await openConflict(body, base, sentValues);
    return;
  }
  const { data, etag } = saved;
  if (!stillOpen()) {
    showInfo(`Saved ${data.id} (version ${data.version}).`);
    await loadList();
    return;
  }
  state.etag = etag;
  state.theirs = null;
  hideConflict();
  // Filled with the saved version, but with the fields typed into meanwhile as typed: the form then counts
  // as changed (leaving asks first), and the next Save goes over the version just saved.
  const typed = refillKeepingTyped(form, sent, () => fillForm(data));
  showInfo(`Saved ${data.id} (version ${data.version}).`
    + (typed ? ' What you typed while it was being saved is still in the form, not saved yet.' : '')
    + (note ? ` ${note}` : ''));
  if (focusAfter) focusUnlessMoved(focusAfter, pressed);
  // The tasks too: the ETag just taken covers them (a concept's version moves with its links).
  await Promise.all([loadList(), loadGraph(), loadTasks(concept), loadAudit()]);
}

/**
 * A concept's version (its ETag) moves when its links change, an edge into or out of it or a task exercising
 * it (the API's delete would otherwise remove a link its designer never saw), so a save is refused (412) after
 * someone else's link change too. There is nothing to choose then: when the stored fields are still those the
 * form was filled from, the save is sent again over the stored version, once, and the answer says what
 * changed; the edges and tasks are shown again. True when it did so (saved, or refused in turn and said so).
 */
async function savedOverLinkChanges(body, base, focusAfter, refusal) {
  const concept = state.concept;
  const stillOpen = openNow();
  const { data: stored, etag } = await api('GET', `/concepts/${seg(concept)}`);
  if (!stillOpen() || JSON.stringify(valuesOf(stored)) !== JSON.stringify(base)) return false;
  const changes = refusal.problem?.link_changes ?? [];
  const note = `Its links had changed meanwhile${changes.length ? ` (${changes.join('; ')})` : ''}: `
    + 'its edges and tasks are shown as they are now.';
  await patchConcept(body, etag, base, focusAfter, { again: true, note });
  return true;
}

/**
 * After a change of the open concept's links made on this page (an edge, a task): the API moved the
 * concept's version, and the ETag the page holds would refuse the next save or delete. The stored version's
 * ETag is taken when its fields are still those the form was filled from (else someone edited them, and the
 * next save rightly opens the conflict view), then the edges and tasks are shown again, so that whatever
 * that ETag covers is on show: a delete never goes over a link the page did not show.
 */
export async function linksChanged() {
  const concept = state.concept;
  if (!concept) return;
  const stillOpen = openNow();
  const reading = api('GET', `/concepts/${seg(concept)}`).then(({ data, etag }) => {
    if (stillOpen() && JSON.stringify(valuesOf(data)) === JSON.stringify(state.base)) state.etag = etag;
  }, (error) => {
    if (!(error instanceof ApiError && error.status === 404)) throw error; // deleted: its Save says so
  });
  // A Save or Delete pressed meanwhile waits for it (`etagRead`): sent over the ETag from before the page's
  // own change, it was refused for that change (seen in the browser test: a delete clicked at once).
  pendingEtag = reading.catch(() => {});
  await reading;
  if (!stillOpen()) return;
  await Promise.all([loadGraph(), loadTasks(concept), loadAudit()]);
}

let pendingEtag = Promise.resolve(); // the ETag read after the page's last own link change (linksChanged)

/** The open concept's ETag, once a read of it after the page's own link change has come back. */
async function etagRead() {
  await pendingEtag;
  return state.etag;
}

/**
 * Someone saved the concept since `base`, which `mine` was made from: fetch their version and show it beside
 * `mine`. `formSent`: the form's values (JSON) when the refused save was sent.
 */
async function openConflict(mine, base, formSent) {
  const concept = state.concept;
  const stillOpen = openNow();
  const { data: theirs, etag } = await api('GET', `/concepts/${seg(concept)}`);
  // A Reload (or another concept) meanwhile: the text this conflict would bring back was discarded.
  if (!stillOpen()) return;
  // What "typed since" is measured from: the form as the refused save was sent, not as this panel opens.
  // Text typed between the two was in neither, and "Save my choices" refilled the form over it (a review,
  // s29). A save of the form's own text shows that text as it is now; after a refused save of picks,
  // `mine` is the picks, and text typed since shows the panel again when they are saved.
  let formAtOpen = formSent;
  let shownMine = mine;
  if (JSON.stringify(mine) === formSent) {
    shownMine = formValues($('#concept-form'));
    formAtOpen = JSON.stringify(shownMine);
  }
  state.theirs = { concept: theirs, etag };
  showConflict({
    base,
    theirs,
    mine: shownMine,
    // The picks are made on top of their version: that is the base if a third designer saved meanwhile.
    // Saved, the panel and its buttons are gone: focus goes to the form's Save, not to <body>.
    // Text typed into the form after the panel opened is not in its choices: show the panel again for
    // it rather than save the choices and refill the form over it (a review, 1 December).
    onSave: guarded(oneAtATime(() => {
      const now = formValues($('#concept-form'));
      if (JSON.stringify(now) !== formAtOpen) return openConflict(now, base, JSON.stringify(now));
      return patchConcept(pickedValues(), etag, valuesOf(theirs), $('#concept-save'));
    }), 'Saving concept'),
    onTakeTheirs: () => {
      const { concept: stored, etag: storedEtag } = state.theirs;
      state.etag = storedEtag;
      state.theirs = null;
      hideConflict();
      fillForm(stored);
      showInfo(`Showing ${stored.id} as stored (version ${stored.version}); your edits were discarded.`);
      $('#concept-form').name.focus(); // the button is gone with the panel: to the first field, now theirs
    },
  });
  // Who saved it meanwhile, and when: the panel says what they changed, and the trail under the editor, read
  // when the concept was opened, did not list their save (a review, 5 December 2026: who it was could be
  // learnt only by Reload, which drops the typed text). A trail that cannot be read says so in its place.
  await loadAudit().catch(() => {});
}

async function saveConcept(event) {
  event.preventDefault();
  // Always over the version the form was filled from: during a conflict this is refused again and the
  // conflict shown anew (the form still holds the old values of fields only the other designer changed).
  readNumbers(event.target, { difficulty: {} }); // a difficulty it cannot read is refused, marked, not sent
  await patchConcept(formValues(event.target), await etagRead(), state.base);
}

/** Reload: the typed text is lost, so ask first when there is any. */
async function reloadConcept() {
  if (!mayReload()) return;
  await openConcept(state.concept);
}

/** A reload refills the editor: true when it holds no typed text, or the designer agrees to drop it. */
function mayReload() {
  return !formChanged() || window.confirm(`Discard your unsaved changes to ${state.concept} and reload it?`);
}

/** What a concept's delete removed, from the API's report: edges, tasks, and the learners' data that went
 * with it. A delete without cascade is not refused for learners' mastery (only for goals), and the page
 * said nothing of the mastery values it erased, though the report counts them (a review, s35). */
export function deletionMessage(data) {
  const learners = [
    data.learners_with_goal ? `the goal of ${fmtCount(data.learners_with_goal, 'learner')}` : '',
    data.mastery_values_removed ? `${fmtCount(data.mastery_values_removed, "learner's", "learners'")} mastery of it` : '',
  ].filter(Boolean);
  const also = [
    data.removed_prerequisites.length ? fmtCount(data.removed_prerequisites.length, 'edge') : '',
    data.deleted_tasks.length ? `tasks ${data.deleted_tasks.join(', ')}` : '',
    ...learners,
  ].filter(Boolean);
  // Tasks that also exercised other concepts stay, without this one: say which changed.
  const trimmed = data.updated_tasks?.length ? ` Tasks that no longer exercise it: ${data.updated_tasks.join(', ')}.` : '';
  return `Deleted ${data.deleted}${also.length ? `; also removed ${also.join(' and ')}` : ''}.${trimmed}`;
}

/** Why a delete without cascade was refused (409), in the page's words: the API's own message ends "remove those
 * first or delete with ?cascade=true", a query the designer cannot type here (a review, 5 December 2026). The
 * problem's lists (dependants, tasks) still follow it. */
export function stillNeededText(concept, problem) {
  const needs = [
    problem.dependants?.length
      ? `${fmtCount(problem.dependants.length, 'concept')} that ${problem.dependants.length === 1 ? 'needs' : 'need'} it first` : '',
    problem.tasks?.length
      ? `${fmtCount(problem.tasks.length, 'task')} that ${problem.tasks.length === 1 ? 'exercises' : 'exercise'} only it` : '',
    problem.learners_with_goal
      ? `${fmtCount(problem.learners_with_goal, 'learner')} who ${problem.learners_with_goal === 1 ? 'has' : 'have'} it as a goal` : '',
  ].filter(Boolean);
  const cascade = 'tick "cascade" beside Delete concept and delete again: that removes its edges and the tasks '
    + 'that exercise only it, and takes it out of learners\' goals.';
  if (needs.length) {
    return `Concept ${concept} was not deleted: it is still needed by ${needs.join(' and ')} (listed below). `
      + `Remove those first, or ${cascade}`;
  }
  // Today's API names at least one of the three (decide_concept_deletion in kgplatform/curriculum/service.py);
  // an API refusing for a reason this page does not know sends them empty, and the sentence read "still needed
  // by  (listed below)" over an empty list (a review, 5 December 2026). Its own message then says why, less
  // its query advice.
  const reason = String(problem.detail ?? '').replace(/;?\s*remove those first or delete with \?cascade=true\.?$/, '').trim();
  return `Concept ${concept} was not deleted: it is still needed${reason ? ` (the API says: ${reason})` : ''}. `
    + `Remove what needs it first, or ${cascade}`;
}

async function deleteConcept() {
  const cascade = $('#delete-cascade').checked;
  const lost = unsavedWork();
  // Learners' mastery of it goes with it, cascade or not: said before, as it cannot be undone.
  const question = `Delete concept ${state.concept}${cascade ? ' and what depends on it' : ''}?`
    + ' Learners\' mastery of it, if any, is erased with it.'
    + (lost ? ` This also discards ${lost}.` : '');
  const pressed = document.activeElement;
  if (!window.confirm(question)) return;
  const concept = state.concept;
  const ifMatch = await etagRead();
  if (state.concept !== concept) return; // another concept opened while the ETag was read: asked of this one
  let data;
  try {
    ({ data } = await api('DELETE', `/concepts/${seg(concept)}`, {
      ifMatch, query: { cascade: cascade || undefined },
    }));
  } catch (error) {
    // Changed since it was opened: its links (an edge or a task someone added, which this page never showed,
    // and the delete would have removed with it; the API's `link_changes` names them) or its fields (the page
    // kept the old version, so every Delete got the same 412 until Reload: a review, s37). Nothing was
    // deleted. It is shown again as it is now (its fields only when nothing is typed: Reload asks about typed
    // text), and Delete, pressed again, goes over that.
    if (error instanceof ApiError && error.status === 412 && state.concept === concept) {
      const typed = formChanged();
      const links = error.problem.link_changes ?? [];
      // Who saved last and when (the API's `newest_change`, since 5 December 2026): whom to ask.
      const newest = error.problem.newest_change;
      error.problem.detail = `Someone changed concept ${concept} since you opened it, so it was not deleted`
        + (links.length ? ` (${links.join('; ')})` : '') + '. '
        + (newest ? `Last change: ${newest.action} of ${newest.entity_type} ${newest.entity_id} by ${newest.actor}, `
          + `${fmtTime(newest.at)}. ` : '')
        + (typed ? 'Its edges and tasks are shown as they are now; Reload shows its fields (it asks before '
          + 'dropping what you typed); then delete it again if you still mean to.'
          : `${concept} is shown again as it is now: check its fields, edges and tasks, then delete it again `
          + 'if you still mean to.');
      await deleteRefused(concept).catch(() => {});
    }
    if (error instanceof ApiError && error.status === 409 && Array.isArray(error.problem.dependants)) {
      error.problem.detail = stillNeededText(concept, error.problem);
      delete error.problem.field; // concept_id: the concept named in the message, not a field on the page
    }
    throw error;
  }
  showInfo(deletionMessage(data));
  // Another concept opened, or being opened, while the delete ran: it stays, with whatever was typed into
  // it. A Reload of this one (the button, its list entry, its node in the graph) is no other concept: it
  // kept the deleted concept open, and every later save failed with 404 (a review, s29).
  if (state.concept !== concept || (opening !== null && opening !== concept)) {
    await Promise.all([loadList(), recount()]);
    return;
  }
  closeConcept();
  await Promise.all([loadList(), recount()]);
  focusUnlessMoved($('#concept-list'), pressed); // the focused Delete button is hidden now: back to the list
}

/** A delete refused with 412: the concept read again (the form refilled when nothing was typed into it;
 * else the typed text stays, and the ETag is taken only when its fields are unchanged) and its edges and
 * tasks drawn again. */
async function deleteRefused(concept) {
  if (!formChanged()) {
    await openConcept(concept, { keepMessage: true });
    return;
  }
  await linksChanged();
}

// ---- graph -----------------------------------------------------------------------------------

async function loadTransfers(ids) {
  if (!$('#show-transfer').checked) return { edges: [], model_version: null };
  return fetchTransfers(ids);
}

let graphRequest = 0;
// The edge lists as last drawn: a graph read again unchanged (every Reload, save and task save of the open
// concept reads it) leaves them in place, as the task list does (tasks.js). Rebuilt, they lost a click begun
// on a neighbour's button or on 'remove', and the focus and the typed text of a weight being changed.
let shownEdges = '';

export async function loadGraph() {
  if (!state.concept) return;
  const request = ++graphRequest;
  const concept = state.concept;
  const stale = () => request !== graphRequest || concept !== state.concept;
  const depth = Number($('#depth-select').value);
  const direction = $('#direction-select').value;
  let hood;
  try {
    ({ data: hood } = await api('GET', `/concepts/${seg(concept)}/neighbourhood`, { query: { depth, direction } }));
  } catch (error) {
    // About a concept no longer on show: a delete answered while its graph was read closed it, and the
    // graph's late 404 said "Not found" over "Deleted" (a review, s37; a flaky browser test).
    if (stale()) return;
    throw error;
  }
  if (stale()) return;
  // Nearest first, whole rings of equal distance; all of them only when asked for this very graph.
  const view = `${concept}\u0000${depth}\u0000${direction}`;
  const all = state.drawAll === view;
  const { kept, left, reach } = nearestRings(hood.nodes, all ? Infinity : MAX_CONCEPTS);
  let transfers = { edges: [], model_version: null };
  try {
    transfers = await loadTransfers(kept.map((n) => n.id));
  } catch (error) {
    if (!stale()) showError(error, 'Transfer edges');
  }
  if (stale()) return;
  const { shown: shownTransfers, left: transfersLeft } = all
    ? { shown: transfers.edges, left: 0 }
    : capTransfers(transfers.edges, new Set(kept.map((n) => n.id)), MAX_DRAWN - kept.length);
  const names = {};
  for (const t of transfers.edges) {
    names[t.source] = t.source_name ?? t.source;
    names[t.target] = t.target_name ?? t.target;
  }
  for (const n of hood.nodes) names[n.id] = n.name ?? n.id;
  const drawn = draw(state.cy, {
    nodes: kept.map((n) => ({
      id: n.id, label: n.name ?? n.id, classes: n.distance === 0 ? 'focus' : '', data: { distance: n.distance },
    })),
    edges: hood.edges,
    transfers: shownTransfers,
    names,
  });
  const counts = left ? `${fmtCount(kept.length)} of ${fmtCount(hood.nodes.length)} concepts`
    : fmtCount(hood.nodes.length, 'concept');
  $('#graph-status').textContent = `${counts}, ${fmtCount(drawn.prerequisites, 'prerequisite edge')}, `
    + `${fmtCount(drawn.transfers, 'transfer edge')} around ${state.concept} (depth ${depth}, ${direction}).`
    + (transfers.truncated ? ' Only the strongest transfer edges are shown: the model has more here.' : '')
    + leftOut(left, reach, transfersLeft);
  $('#graph-draw-all').hidden = !(left || transfersLeft);
  $('#graph-draw-all').textContent = `Draw all ${fmtCount(hood.nodes.length)} concepts (slow)`;
  $('#transfer-model').textContent = transfers.model_version ?? 'none';
  // The lists' buttons depend on which concept is open (its own end is text), the edges (their ETags too:
  // a weight change is sent over the edge's version as drawn) and the names shown.
  const edgesShown = JSON.stringify([concept, hood.edges, transfers.edges.map((t) => [t.source, t.target, t.strength]), names]);
  if (edgesShown === shownEdges) return;
  shownEdges = edgesShown;
  const label = (id) => names[id] ?? id;
  // Each end opens its concept as a tap on its node does: the lists were plain text, so a keyboard user
  // could open a neighbour only by searching for it (a review, 3 December).
  const end = (id) => (id === state.concept ? label(id)
    : el('button', { type: 'button', class: 'link-button', title: 'open this concept', onclick: openFromList(id) }, label(id)));
  clear($('#prereq-edge-list'), hood.edges.map((e) => el('li', {},
    end(e.prerequisite), ' → ', end(e.concept), e.weight !== 1 ? ` (weight ${e.weight})` : '')));
  clear($('#transfer-edge-list'), transfers.edges.length
    ? transfers.edges.map((t) => el('li', { class: 'transfer-item' },
      end(t.source), ' ⇢ ', end(t.target), `: strength ${t.strength.toFixed(2)}`))
    : [el('li', { class: 'hint' }, 'none')]);
  renderDirectEdges(hood.edges, names);
}

/** Opens concept `id` from the edge lists; their buttons are drawn again for it, so focus goes to the line
 * that says what is drawn now (the lists follow it), not to <body>. */
const openFromList = (id) => guarded(async () => {
  await openAnother(id);
  restoreFocus($('#graph-status'));
}, 'Opening concept');

/** What the graph's cap left out, and how to see it; '' when nothing was. */
function leftOut(concepts, reach, transfers) {
  const parts = [
    concepts ? `${fmtCount(concepts, 'concept')} ${reach === null ? 'farther away' : `farther than ${fmtCount(reach, 'step')}`}` : '',
    transfers ? `${fmtCount(transfers, 'weaker transfer edge')} to concepts not drawn` : '',
  ].filter(Boolean);
  if (!parts.length) return '';
  const one = parts.length === 1 && (concepts || transfers) === 1;
  return ` ${parts.join(' and ')} ${one ? 'is' : 'are'} left out so the graph stays quick to draw (at most ${MAX_DRAWN} nodes): `
    + 'the prerequisite list below names every edge; a lower depth or one direction draws fewer; "Draw all" '
    + 'draws everything (slow).';
}

function renderDirectEdges(edges, names) {
  const label = (id) => `${names[id] ?? id} (${id})`;
  const direct = edges.filter((e) => e.prerequisite === state.concept || e.concept === state.concept);
  clear($('#direct-edges'), direct.length ? direct.map((e, i) => el('li', {},
    el('span', {}, e.concept === state.concept ? `needs ${label(e.prerequisite)} first` : `is needed by ${label(e.concept)}`),
    // The weight is changed in place with the edge's ETag as read here: a designer who changed it meanwhile
    // is not overwritten (the API's 412 says the weight now, and the list is read again).
    el('form', {
      id: `edge-weight-${i}`,
      class: 'row-form inline',
      'aria-label': `Weight of ${e.prerequisite} to ${e.concept}`,
      onsubmit: guarded(oneAtATime((event) => changeEdgeWeight(event, e)), 'Changing the weight'),
    },
    el('label', {}, 'Weight ', el('input', {
      // Text read by the page (readNumbers), as every number field: see the Add edge form's weight.
      name: 'weight', type: 'text', inputmode: 'decimal', size: 6, required: true, value: String(e.weight ?? 1),
    })),
    el('button', { type: 'submit', class: 'small' }, 'Set weight')),
    el('button', {
      type: 'button',
      class: 'small',
      'aria-label': `Remove edge ${e.prerequisite} to ${e.concept}`,
      onclick: guarded(oneAtATime(() => removeEdge(e)), 'Removing prerequisite'),
    }, 'remove'))) : [el('li', { class: 'hint' }, 'No direct prerequisite edges.')]);
}

async function changeEdgeWeight(event, e) {
  const typed = event.target.weight.value;
  const { weight } = readNumbers(event.target, { weight: {} });
  const query = { prerequisite: e.prerequisite, concept: e.concept };
  try {
    await api('PATCH', '/prerequisites', { query, body: { weight }, ifMatch: e.etag });
  } catch (error) {
    // The list read again holds the edge as it is now, with its ETag, and the 412's message says their weight.
    // The box keeps the weight typed: the row drawn anew showed theirs in it, and the designer's own was gone
    // (a review, 6 December 2026), where the concept's and the task's conflicts keep what was typed. Set weight
    // then saves it over theirs.
    if (error.status === 412) {
      await loadGraph().catch(() => {});
      const box = edgeWeightForm(e)?.weight;
      if (box && box.value !== typed) {
        box.value = typed;
        const said = String(error.problem.detail ?? '').replace(/\.?$/, '.');
        error.problem.detail = `${said} Your weight, ${typed}, is still in the box: Set weight saves it over theirs.`;
      }
      focusEdgeWeight(e, 'input[name=weight]');
    }
    throw error;
  }
  showInfo(`Set the weight of ${e.prerequisite} → ${e.concept} to ${weight}.`);
  await linksChanged();
  focusEdgeWeight(e, 'button[type=submit]');
}

/** The weight form of edge `e` in the list as drawn now, or null. */
const edgeWeightForm = (e) => [...document.querySelectorAll('#direct-edges form')]
  .find((f) => f.getAttribute('aria-label') === `Weight of ${e.prerequisite} to ${e.concept}`) ?? null;

/** The edge list is drawn anew after a weight change, and the focused Set weight went with the old one: focus
 * went to <body>, and a keyboard user started again at the top of the page (a review, s37). To the same
 * control of the edge's new row, while focus was not moved elsewhere meanwhile. */
function focusEdgeWeight(e, control) {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  edgeWeightForm(e)?.querySelector(control)?.focus();
}

async function addEdge(event) {
  event.preventDefault();
  const form = event.target;
  const other = form.other.value.trim();
  const before = form.relation.value === 'before';
  const body = {
    prerequisite: before ? other : state.concept,
    concept: before ? state.concept : other,
    // A text field, not type=number: Chromium in English read a typed "0,5" as "05" and sent 5 (a review,
    // 1 December). Read with one '.' or ',' decimal mark, as every number field of the page (dom.js).
    ...readNumbers(form, { weight: { empty: 1 } }),
  };
  await refreshingEdgesOnRefusal(api('POST', '/prerequisites', { body }));
  showInfo(`Added ${body.prerequisite} → ${body.concept}.`);
  form.other.value = '';
  await linksChanged();
}

/** An edge added, removed or re-weighted by someone else since the graph was drawn: the 409 ("already a
 * prerequisite"), 404 ("not a prerequisite") or 412 (its weight changed) also redraws the edges, so the list
 * shows what is stored, with current ETags. It kept the edge another designer removed, and every "remove"
 * got the same 404 (or, with a stale ETag, 412) until the concept was reopened (a review, s35). The refusal
 * still shows. */
async function refreshingEdgesOnRefusal(request) {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && [404, 409, 412].includes(error.status)) {
      await Promise.all([loadGraph(), loadAudit()]).catch(() => {}); // the open concept may be gone too
    }
    throw error;
  }
}

async function removeEdge(e) {
  const pressed = document.activeElement;
  // With the ETag read: an edge whose weight someone changed since is not removed unseen (412).
  await refreshingEdgesOnRefusal(api('DELETE', '/prerequisites', {
    query: { prerequisite: e.prerequisite, concept: e.concept }, ifMatch: e.etag,
  }));
  showInfo(`Removed ${e.prerequisite} → ${e.concept}.`);
  await linksChanged();
  focusUnlessMoved($('#direct-edges'), pressed); // its remove button went with the edge: to the list, not to <body>
}

// ---- the prerequisite picker ----------------------------------------------------------------

const PICKER_LIMIT = 20;
const PICKER_DELAY_MS = 200;
let pickerRequest = 0;
let pickerTimer = null;

/** The picker's suggestions: concepts of the curriculum matching what was typed, from the API (the
 * list's page holds only some of thousands). The newest answer wins. */
async function suggestConcepts(text) {
  const request = ++pickerRequest;
  const curriculum = state.curriculum;
  if (!curriculum || !text.trim()) return;
  const { data } = await api('GET', `/curricula/${seg(curriculum)}/concepts`, {
    query: { q: text.trim(), limit: PICKER_LIMIT },
  });
  if (request !== pickerRequest || curriculum !== state.curriculum) return;
  clear($('#concept-ids'), data.items.filter((c) => c.id !== state.concept)
    .map((c) => el('option', { value: c.id }, c.name)));
}

function pickerTyped(event) {
  clearTimeout(pickerTimer);
  const text = event.target.value;
  // A pause in the typing, not every key, asks the API.
  pickerTimer = setTimeout(guarded(() => suggestConcepts(text), 'Concept suggestions'), PICKER_DELAY_MS);
}

// ---- audit -----------------------------------------------------------------------------------

const auditTrail = trailPager({
  list: '#audit-list',
  more: '#audit-more',
  path: (concept) => `/concepts/${seg(concept)}/audit`,
  unavailable: 'Audit trail unavailable',
  current: () => state.concept,
  describe: (read) => {
    $('#audit-count').textContent = read?.total ? `${fmtCount(read.shown)} of ${fmtCount(read.total)} entries` : '';
    showArchived($('#audit-archived'), read?.archived ?? null);
  },
});

/** The newest entries of the open concept's trail; `more` appends the next page to those shown. */
export async function loadAudit({ more = false } = {}) {
  // A key that cannot edit the curriculum may not read its trail either (403): the panel is hidden (app.js).
  if (!state.concept || document.body.dataset.readOnly === 'true') {
    auditTrail.drop();
    return;
  }
  await auditTrail.load(state.concept, { more });
}

// ---- wiring ----------------------------------------------------------------------------------

/** The first or the last page disables the pager button just pressed, and focus went to <body> with it: a
 * keyboard user started again at the top of the page (a review, s29). It goes to the other pager button,
 * or to the list when both are disabled; focus moved elsewhere meanwhile is left alone. */
function keepPagerFocus(pressed, other) {
  const active = document.activeElement;
  if (!pressed.disabled || (active && active !== document.body && active !== pressed)) return;
  (other.disabled ? $('#concept-list') : other).focus();
}

export function setupCurriculum() {
  state.cy = createGraph($('#graph'), { onNodeTap: guarded((id) => openAnother(id), 'Opening concept') });
  const depth = $('#depth-select');
  for (let d = 1; d <= MAX_DEPTH; d += 1) depth.append(el('option', { value: d, selected: d === 2 }, String(d)));
  depth.addEventListener('change', guarded(loadGraph, 'Graph'));
  $('#graph-draw-all').addEventListener('click', guarded(oneAtATime(async () => {
    state.drawAll = `${state.concept}\u0000${$('#depth-select').value}\u0000${$('#direction-select').value}`;
    await loadGraph();
    // The button went with the cap: to the line that says what is drawn now, not to <body> (nor left on the
    // hidden button, where Chromium may keep it).
    const active = document.activeElement;
    if (!active || active === document.body || active === $('#graph-draw-all')) $('#graph-status').focus();
  }), 'Graph'));
  $('#direction-select').addEventListener('change', guarded(loadGraph, 'Graph'));
  $('#show-transfer').addEventListener('change', guarded(async (event) => {
    if (event.target.checked) await loadGraph();
    else setTransfersVisible(state.cy, false);
  }, 'Graph'));
  // To the first field, not only to the form: a link to #concept-form moved where Tab starts from, and the
  // designer still pressed Tab once more to be in a field.
  $('#skip-to-editor').addEventListener('click', (event) => {
    event.preventDefault();
    $('#concept-form').name.focus();
  });
  auditTrail.wire('Audit trail', () => loadAudit({ more: true }));
  $('#search-form').addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    state.q = $('#search-q').value.trim();
    state.tag = $('#search-tag').value.trim();
    state.offset = 0;
    await loadList();
  }, 'Search'));
  $('#page-prev').addEventListener('click', guarded(async () => {
    state.offset = Math.max(0, state.offset - state.pageSize);
    await loadList();
    keepPagerFocus($('#page-prev'), $('#page-next'));
  }, 'Paging'));
  $('#page-next').addEventListener('click', guarded(async () => {
    state.offset += state.pageSize;
    await loadList();
    keepPagerFocus($('#page-next'), $('#page-prev'));
  }, 'Paging'));
  $('#page-size').addEventListener('change', guarded(async (event) => {
    state.pageSize = Number(event.target.value);
    state.offset = 0;
    await loadList();
  }, 'Paging'));
  $('#concept-form').addEventListener('submit', guarded(oneAtATime(saveConcept), 'Saving concept'));
  $('#concept-reload').addEventListener('click', guarded(reloadConcept, 'Reloading'));
  $('#concept-delete').addEventListener('click', guarded(oneAtATime(deleteConcept), 'Deleting concept'));
  $('#prereq-form').addEventListener('submit', guarded(oneAtATime(addEdge), 'Adding prerequisite'));
  $('#prereq-form').other.addEventListener('input', pickerTyped);
  $('#new-concept-form').addEventListener('submit', guarded(oneAtATime(async (event) => {
    event.preventDefault();
    const form = event.target;
    if (!state.curriculum) {
      // The concept goes into the selected curriculum: with none, the page posted to /curricula/null/concepts
      // ("no curriculum 'null'", or a concept in a curriculum called "null": a review, s29).
      showInfo('Choose or create a curriculum first: the new concept goes into the selected one.');
      return;
    }
    const { difficulty } = readNumbers(form, { difficulty: { empty: null } }); // refused before anything is asked
    // The new concept opens in the editor: asked before anything is created, so "Cancel" changes nothing.
    if (!mayLeave(`open the new concept ${form.id.value.trim()}`)) return;
    const body = {
      id: form.id.value.trim(),
      name: form.name.value,
      description: form.description.value,
      tags: splitList(form.tags.value),
      difficulty,
    };
    const sent = rawValues(form, ['id', 'name', 'description', 'tags', 'difficulty']);
    const { data } = await api('POST', `/curricula/${seg(state.curriculum)}/concepts`, { body });
    // Emptied for the next concept, except what was typed into it while this one was being created.
    const typed = refillKeepingTyped(form, sent, () => form.reset());
    showInfo(`Created ${data.id}.${typed ? ' What you typed while it was being created is still in the form.' : ''}`);
    await Promise.all([loadList(), recount()]);
    // Asked before the POST; text typed into the editor since would be refilled over: ask again (only then).
    if (!mayLeave(`open the new concept ${data.id}`)) return;
    await openConcept(data.id, { keepMessage: true });
  }), 'Creating concept'));
  setupTasks({ currentConcept: () => state.concept, currentCurriculum: () => state.curriculum, afterChange: linksChanged });
}
