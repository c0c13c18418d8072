// Entry point: sign-in (the key lives in sessionStorage only), the tabs, the curriculum picker, and
// the wiring of the three views (curriculum, learner, import) and of the curriculum's recent changes.

import {
  ApiError, api, callsInFlight, clearKey, getKey, onFlightChange, onKeyRefused, setKey, waitingSince,
} from './api.js';
import {
  $, clear, curriculumLabel, el, guarded, hideMessage, oneAtATime, showError, showInfo, updateTitle,
} from './dom.js';
import {
  currentCurriculum, graphOf, mayLeave, openAnother, refreshCurriculum, selectCurriculum, setupCurriculum, unsavedWork,
} from './curriculum.js';
import { setupChanges } from './changes.js';
import { learnerGraph, loadClasses, setupLearner } from './learner.js';
import { curriculumChanged, setupImport, showExportChoice } from './importer.js';
import { exportCurriculum, forgetAllExports } from './export.js';
import { roleViews, signedInText } from './role.js';

// The curriculum picked last, for this tab only (like the key): a reload comes back to it.
const CURRICULUM_STORAGE = 'kgp-curriculum';

async function loadCurricula(preferred) {
  const { data } = await api('GET', '/curricula');
  const select = $('#curriculum-select');
  const wanted = preferred ?? (select.value || sessionStorage.getItem(CURRICULUM_STORAGE));
  clear(select, data.map((c) => el('option', { value: c.id, dataset: { name: c.name } }, curriculumLabel(c.name, c.id, c.concepts))));
  const chosen = data.some((c) => c.id === wanted) ? wanted : data[0]?.id ?? null;
  if (chosen) {
    select.value = chosen;
    sessionStorage.setItem(CURRICULUM_STORAGE, chosen);
  }
  if (chosen !== currentCurriculum()) curriculumChanged();
  $('#import-target').textContent = chosen ?? 'a new curriculum (create one first)';
  showExportChoice(chosen);
  $('#export-curriculum').disabled = !chosen;
  $('#import-dry-run').disabled = !chosen;
  // The same curriculum again (an import into it): the open concept, and any edit in progress, stay.
  if (chosen !== null && chosen === currentCurriculum()) await refreshCurriculum();
  else await selectCurriculum(chosen);
  return data;
}

async function signIn(key) {
  if (document.body.dataset.signedIn === 'true') {
    await signInAgain(key);
    return;
  }
  const fromForm = $('#signin-form').contains(document.activeElement); // not a reload's own sign-in
  setKey(key);
  let role;
  let scope;
  try {
    ({ role, scope } = await readKey());
    await loadCurricula();
  } catch (error) {
    // Only a key the API refused is forgotten. An API that is down (503, no answer) or busy (429) says
    // nothing of the key: forgetting it signed the designer out on a reload during an outage, to find
    // and paste the key again (a review, s37).
    if (!transient(error)) clearKey();
    else if (error instanceof ApiError) {
      error.problem.detail = `${error.problem.detail ?? ''} Your key is kept in this tab: reload the page to `
        + 'try again once the API answers.';
    }
    throw error;
  }
  $('#signin-form').hidden = true;
  $('#signed-in').hidden = false;
  $('#tabs').hidden = false;
  $('#app').hidden = false;
  $('#signed-out-hint').hidden = true;
  $('#signed-in-text').textContent = signedInText(key, role);
  applyRole(role, { startTab: true });
  await loadClasses(roleViews(role).readsLearners, scope);
  document.body.dataset.signedIn = 'true';
  updateTitle();
  graphOf()?.resize();
  // The sign-in form the designer used is hidden now: to the selected tab, where the signed-in page starts.
  if (fromForm) document.querySelector('[role=tab][aria-selected=true]')?.focus();
}

/** The key in use, from the API (`GET /api-keys/me`): its `role`, null from an API without that route (before
 * 3 December 2026: 404, or 405 as `DELETE /api-keys/{id}` matches the path), whose page showed every view; and
 * `scope`, the classes a scoped teacher key reads, [[id, name or null], ...] ([] for any other key). */
async function readKey() {
  try {
    const { data } = await api('GET', '/api-keys/me');
    const names = data?.class_names ?? {};
    return { role: data?.role ?? null, scope: (data?.classes ?? []).map((id) => [id, names[id] ?? null]) };
  } catch (error) {
    if (error instanceof ApiError && error.routeMissing) return { role: null, scope: [] };
    throw error;
  }
}

/** Offers only what the key's role may use (role.js): a key that cannot edit the curriculum browses it
 * read-only without Import, one that cannot read learners is told so on the Learner tab. `startTab`: at
 * sign-in, the tab the role starts on; a later key keeps the tab on show unless it is gone. */
function applyRole(role, { startTab = false } = {}) {
  const views = roleViews(role);
  document.body.dataset.readOnly = String(!views.editsCurriculum);
  document.body.dataset.learnersClosed = String(!views.readsLearners);
  // Read-only fields rather than hidden ones: the concept's name, description and tags are what a reader
  // came for. The hidden Save is disabled too, so Enter in a field submits nothing.
  for (const field of $('#concept-form').elements) {
    if (field.tagName !== 'BUTTON') field.readOnly = !views.editsCurriculum;
  }
  $('#concept-save').disabled = !views.editsCurriculum;
  $('#tab-import').hidden = !views.editsCurriculum;
  const readOnly = $('#read-only-note');
  readOnly.hidden = views.editsCurriculum;
  readOnly.textContent = `This key's role (${role}) reads the curriculum only: editing and importing need a designer key.`;
  const closed = $('#learners-closed-note');
  closed.hidden = views.readsLearners;
  closed.textContent = `The Learner view reads learners' plans and mastery: it needs a teacher or service key; this key's role is ${role}.`;
  const selected = document.querySelector('[role=tab][aria-selected=true]');
  if (startTab) showTab(views.startTab);
  else if (selected?.hidden) showTab('curriculum');
}

/** An answer that says nothing of the key: the API or its database is down, or busy, for now. */
const transient = (error) => error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);

// Where focus was before it went into the sign-in form shown again mid-session: where it goes back to.
let returnFocus = null;

/** The key was refused mid-session (revoked): the sign-in form comes back beside the page, which stays as it
 * is. Signing out was the only way on, and it reloads the page, dropping what was typed (a review, s29). */
function keyRefused() {
  // A refused sign-in, or a reload's own sign-in with a stale key: the form is on show already.
  if (document.body.dataset.signedIn !== 'true' || !$('#signin-form').hidden) return;
  $('#signin-form').hidden = false;
  $('#signed-in-text').textContent = 'Key refused';
}

/** A new key mid-session: checked with one read, then used. The curricula, the open concept and whatever
 * was typed into the page stay as they are. */
async function signInAgain(key) {
  const before = getKey();
  setKey(key);
  let role;
  let scope;
  try {
    ({ role, scope } = await readKey());
    // An older API answers nothing of the key there: the key is checked with one read, as before.
    if (role === null) await api('GET', '/curricula');
  } catch (error) {
    if (before) setKey(before);
    else clearKey();
    throw error;
  }
  $('#signin-form').hidden = true;
  $('#signed-in-text').textContent = signedInText(key, role);
  applyRole(role);
  await loadClasses(roleViews(role).readsLearners, scope); // another key may read other classes
  showInfo(`Signed in again (key …${key.slice(-4)}). Nothing on the page was lost: save again what the refused key could not.`);
  // The form is hidden with focus in it: back to where the designer was, else to the selected tab.
  const back = returnFocus;
  returnFocus = null;
  if (back?.isConnected && back.getClientRects().length && !back.disabled) back.focus();
  else document.querySelector('[role=tab][aria-selected=true]')?.focus();
}

// A request unanswered this long is said at the window's foot: sooner, every ordinary read would flash it.
const WAITING_SHOWN_AFTER_MS = 1000;
let waitingTicker = null;

/** "Waiting for the API… 3 s" while a request has waited WAITING_SHOWN_AFTER_MS or more, else nothing. The words
 * are written once, so that a screen reader reads them once; the seconds tick aria-hidden. The Learner view
 * says what it waits for in its own progress line (learner.js), so this one stays empty there. */
function showWaiting() {
  const line = $('#api-waiting');
  const since = waitingSince();
  if (since === null) {
    clearInterval(waitingTicker);
    waitingTicker = null;
  } else if (waitingTicker === null) {
    waitingTicker = setInterval(showWaiting, 250);
  }
  const learnerView = document.body.dataset.signedIn === 'true' && $('#tab-learner').getAttribute('aria-selected') === 'true';
  const waited = since === null ? 0 : Date.now() - since;
  if (since === null || learnerView || waited < WAITING_SHOWN_AFTER_MS) {
    if (line.firstChild) clear(line);
    return;
  }
  if (!line.firstChild) clear(line, el('span', {}, 'Waiting for the API to answer… '), el('span', { 'aria-hidden': 'true' }, ''));
  line.lastChild.textContent = `${Math.floor(waited / 1000)} s`;
}

// Set while the page leaves on purpose (signing out asked already), so the unload does not ask again.
let leaving = false;

function signOut() {
  if (!mayLeave('sign out')) return;
  leaving = true;
  clearKey();
  sessionStorage.removeItem(CURRICULUM_STORAGE);
  forgetAllExports();
  window.location.reload();
}

function showTab(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
  }
  updateTitle();
  const cy = name === 'learner' ? learnerGraph() : name === 'curriculum' ? graphOf() : null;
  if (cy) {
    cy.resize();
    if (cy.elements().length) cy.fit(undefined, 30);
  }
}

function setup() {
  setupCurriculum();
  setupLearner({ curriculum: currentCurriculum });
  // A row of Recent changes opens its concept as the list does: asking first when typed text would go.
  setupChanges({ currentCurriculum, openConcept: openAnother });
  setupImport({
    currentCurriculum,
    // The curriculum on show, not the one imported into: the answer can come after a switch to another,
    // and it switched the page back without asking, dropping text typed there (a review, 1 December).
    afterImport: async () => { await loadCurricula(); },
  });
  $('#signin-form').addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    hideMessage();
    const input = $('#api-key');
    await signIn(input.value.trim());
    input.value = '';
  }, 'Sign in'));
  $('#signin-fields').disabled = false; // only now: a submit before this would have left the page
  $('#page-loading').hidden = true;
  onKeyRefused(keyRefused);
  onFlightChange(showWaiting);
  // The control focused last outside the sign-in form: where focus came from when it comes to the form with no
  // relatedTarget, from <body>. A refused key moves focus there (dom.js focusKeyBox), and when a read still in
  // flight from opening the concept was refused first, the pressed Save was disabled for its own request, on
  // <body>: signed in again, focus went to the tab, not back to Save (the browser test, once in a full run,
  // 6 December 2026).
  let lastOutside = null;
  document.addEventListener('focusin', (event) => {
    if (!$('#signin-form').contains(event.target)) lastOutside = event.target;
  });
  $('#signin-form').addEventListener('focusin', (event) => {
    const from = event.relatedTarget ?? lastOutside;
    if (document.body.dataset.signedIn === 'true' && from && !$('#signin-form').contains(from)) returnFocus = from;
  });
  $('#signout').addEventListener('click', signOut);
  // Closing or reloading the tab with typed text not saved: the browser's own "Leave site?" question.
  window.addEventListener('beforeunload', (event) => {
    if (leaving || !unsavedWork()) return;
    event.preventDefault();
    event.returnValue = ''; // what Chromium still needs to ask
  });
  const allTabs = [...document.querySelectorAll('[role=tab]')];
  for (const tab of allTabs) {
    tab.addEventListener('click', () => showTab(tab.id.replace('tab-', '')));
  }
  // The tab pattern (WAI-ARIA APG): arrows move to the next or previous tab and show it, Home and End
  // to the first and last.
  $('#tabs').addEventListener('keydown', (event) => {
    const tabs = allTabs.filter((tab) => !tab.hidden); // Import is hidden for a key that cannot edit
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const tab = tabs[(to + tabs.length) % tabs.length];
    showTab(tab.id.replace('tab-', ''));
    tab.focus();
  });
  $('#curriculum-select').addEventListener('change', guarded(async (event) => {
    if (!mayLeave(`switch to ${event.target.value}`)) {
      event.target.value = currentCurriculum(); // the open concept, and the picker, stay as they were
      return;
    }
    sessionStorage.setItem(CURRICULUM_STORAGE, event.target.value);
    curriculumChanged();
    $('#import-target').textContent = event.target.value;
    showExportChoice(event.target.value);
    await selectCurriculum(event.target.value);
  }, 'Curriculum'));
  $('#export-curriculum').addEventListener('click', guarded(oneAtATime(async () => {
    await exportCurriculum(currentCurriculum());
    showExportChoice(currentCurriculum()); // the one on show when the download ends, not when it began
  }), 'Export'));
  $('#new-curriculum-form').addEventListener('submit', guarded(oneAtATime(async (event) => {
    event.preventDefault();
    const form = event.target;
    if (!mayLeave(`switch to the new curriculum ${form.id.value.trim()}`)) return;
    const { data } = await api('POST', '/curricula', { body: { id: form.id.value.trim(), name: form.name.value } });
    form.reset();
    form.closest('details').open = false;
    showInfo(`Created curriculum ${data.id}.`);
    await loadCurricula(data.id);
    $('#curriculum-select').focus(); // the focused Create went with its closed panel: to the new selection
  }), 'Creating curriculum'));

  const saved = getKey();
  if (saved) {
    signIn(saved).catch((error) => {
      // The key this tab kept was revoked since: the sign-in form came back without a word, and focus was
      // nowhere (a review, 5 December 2026). Said, and marked on the key box like a key typed and refused.
      if (error instanceof ApiError && error.status === 401) {
        error.problem.detail = `The key this tab kept (…${saved.slice(-4)}) was refused (${error.problem.detail ?? 'invalid'}): `
          + 'sign in with a valid key.';
      }
      showError(error, 'Sign in', $('#signin-form'));
    });
  }
}

setup();
// For the browser tests and for debugging from the console: the two cytoscape instances, and the API calls in
// flight as "METHOD absolute-url" (the URL a request's own record shows), to tell when a late answer is handled.
const absoluteCall = (call) => {
  const space = call.indexOf(' ');
  return `${call.slice(0, space)} ${new URL(call.slice(space + 1), location.href).href}`;
};
window.kgp = { curriculumGraph: graphOf, learnerGraph, callsInFlight: () => callsInFlight().map(absoluteCall) };
