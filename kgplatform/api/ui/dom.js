// Small DOM helpers: build elements without innerHTML (ids and names are user text), and show the
// API's messages in the page's one alert area.

import { ApiError, pageRefusal } from './api.js';

export const $ = (selector, root = document) => root.querySelector(selector);

/** el('li', {class: 'x', onclick: f}, 'text', child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

// pydantic prefixes a validator's own message: "Value error, must not be blank".
const cleanMessage = (text) => String(text).replace(/^Value error, /, '');

// What a problem's `field` names when it is a part of the request no control of the page shows: a header the page
// sets itself, or the whole body. "Field: If-Match" ended every refusal of two designers' edits (412), and "Field:
// X-API-Key" or "Field: body" a rate limit, a revoked key or a body too large: words of the HTTP request, not of
// the page (a review, 6 December 2026). Named on a control that stands for it (the key box), it is still said.
const REQUEST_PARTS = new Set(['If-Match', 'X-API-Key', 'body']);

/** The lines a problem+json body says: its detail, then the structure it carries (cycle, errors, ...);
 * `name` turns a field's path into what the page calls it. */
export function problemLines(problem, name = (field) => field) {
  const lines = [];
  if (Array.isArray(problem.cycle) && problem.cycle.length) lines.push(`Cycle: ${problem.cycle.join(' → ')}`);
  if (Array.isArray(problem.errors)) {
    for (const e of problem.errors.slice(0, 10)) lines.push(`${name(e.field ?? '')}: ${cleanMessage(e.message ?? JSON.stringify(e))}`);
  }
  const field = problem.field && !Array.isArray(problem.errors) ? name(problem.field) : null;
  if (field && !(field === problem.field && REQUEST_PARTS.has(field))) lines.push(`Field: ${field}`);
  // The structured members problems carry (a refused concept delete: dependants, tasks, learners_with_goal).
  for (const key of ['dependants', 'tasks', 'learners_with_goal', 'required_roles', 'unknown', 'unknown_ids']) {
    if (problem[key] !== undefined) lines.push(`${key.replaceAll('_', ' ')}: ${JSON.stringify(problem[key])}`);
  }
  return lines;
}

const message = () => $('#message');

// Where a problem's field says the value came from; the rest of the path names the form's control.
const LOCATIONS = new Set(['body', 'query', 'path', 'header']);

/** The control of `form` that a problem's field names ('body.name', 'name', 'body.tags.2' -> tags). A form
 * whose controls are not named as the API's fields maps them in `data-field-aliases` (JSON): the edge
 * form's one id box stands for `prerequisite` or `concept`, whichever the designer typed. */
function controlFor(form, field) {
  const aliases = form.dataset.fieldAliases ? JSON.parse(form.dataset.fieldAliases) : {};
  for (const part of String(field ?? '').split('.').filter((p) => p && !LOCATIONS.has(p))) {
    const control = form.elements.namedItem(aliases[part] ?? part);
    if (control instanceof HTMLElement) return control;
  }
  return null;
}

/** What a person reads as the control's name: its label's own text ("Difficulty (0..1)"), not its path. */
export function labelOf(control) {
  const label = control.labels?.[0];
  const text = label ? [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(' ') : '';
  return text.replace(/\s+/g, ' ').trim() || control.name;
}

/** Takes the marks of an earlier refusal off `form`'s controls. */
export function clearFieldErrors(form) {
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
    const before = control.dataset.describedBy;
    if (before) control.setAttribute('aria-describedby', before);
    else control.removeAttribute('aria-describedby');
    delete control.dataset.describedBy;
  }
}

/** Marks the controls a 4xx names (aria-invalid, the message beside them as aria-describedby) and
 * focuses the first; returns {field: label} for the fields it found. */
function markFieldErrors(form, problem) {
  const errors = Array.isArray(problem.errors) ? problem.errors : problem.field ? [{ field: problem.field, message: problem.detail }] : [];
  const labels = {};
  let first = null;
  for (const e of errors) {
    const control = controlFor(form, e.field);
    if (!control || control.getAttribute('aria-invalid')) continue;
    labels[e.field] = labelOf(control);
    // The form's own id attribute: `form.id` is the control named "id" on forms that have one, which made
    // the note's id "[object HTMLInputElement]-...", so aria-describedby named nothing (a review).
    const id = `${form.getAttribute('id') ?? 'form'}-${control.name || control.id}-error`; // the key box has no name
    const note = el('span', { class: 'field-error', id }, cleanMessage(e.message ?? ''));
    control.after(note);
    control.dataset.describedBy = control.getAttribute('aria-describedby') ?? '';
    control.setAttribute('aria-describedby', [control.dataset.describedBy, id].filter(Boolean).join(' '));
    control.setAttribute('aria-invalid', 'true');
    first ??= control;
  }
  first?.focus();
  return labels;
}

/** The first line of an error's message: the step, the problem's title and the HTTP status. An error with no
 * status (no answer at all, a file refused before it was sent) is 0, which the line said as "(0)"; a refusal the
 * page made itself (`pageRefusal`) has no status either: no server answered. */
export function problemHeading(error, context = '') {
  const status = error.status && !error.byPage ? ` (${error.status})` : '';
  return `${context ? context + ': ' : ''}${error.problem.title ?? 'Error'}${status}`;
}

export function showError(error, context = '', form = null) {
  const box = message();
  box.className = 'message error';
  if (error instanceof ApiError) {
    const p = error.problem;
    const head = problemHeading(error, context);
    const labels = form && error.status >= 400 && error.status < 500 ? markFieldErrors(form, p) : {};
    const named = Object.values(labels);
    // A field the form shows is named by its label ("Name"), not by its path in the request ("body.name").
    const lines = problemLines(p, (field) => labels[field] ?? field);
    const detail = named.length && Array.isArray(p.errors) ? `Check ${named.join(', ')}.` : p.detail ?? '';
    // The key was refused mid-session (revoked): the sign-in form is back at the top (app.js).
    const again = error.status === 401 && document.body.dataset.signedIn === 'true' && !$('#signin-form').hidden
      ? el('p', {}, 'Sign in again with a valid key at the top of the page: what you typed stays on the page.') : null;
    clear(box, el('strong', {}, head), el('p', { class: 'detail' }, detail),
      el('ul', {}, lines.map((line) => el('li', {}, line))), again);
    if (again) focusKeyBox();
  } else {
    clear(box, el('strong', {}, context || 'Error'), el('p', { class: 'detail' }, String(error.message ?? error)));
    console.error(error);
  }
  box.hidden = false;
}

/** The key was refused answering a step the designer took: focus to the sign-in form's key box, the field the
 * 401 names, as a refused field gets it. It stayed on the pressed Save, 49 Tab presses below the form with a
 * concept open, and a keyboard user had to find the form by hand (a review, 6 December 2026); signed in again,
 * focus goes back to the control it came from (app.js). Not from a field being typed into (Enter in it, a
 * suggestion read as one types): the next keys would land in the key box. */
function focusKeyBox() {
  const active = document.activeElement;
  const typing = active?.matches('textarea, select, input:not([type=button], [type=submit], [type=checkbox], [type=radio])');
  if (!typing) $('#api-key').focus();
}

/**
 * The window title, from what is on show: the open concept (Curriculum) or the learner loaded (Learner),
 * then the view. Each place that changed one of those wrote the title from its own point of view: an
 * import's refresh named a concept while the Import view was on show, and coming back to the Curriculum
 * view dropped the open concept's name (a review, s29).
 */
export function updateTitle() {
  const tab = document.querySelector('[role=tab][aria-selected=true]');
  if (document.body.dataset.signedIn !== 'true' || !tab) {
    document.title = 'Sign in · kgplatform';
    return;
  }
  let subject = '';
  if (tab.id === 'tab-curriculum' && !$('#concept-detail').hidden) subject = $('#concept-title').textContent;
  if (tab.id === 'tab-learner') subject = document.body.dataset.learnerLoaded ?? '';
  document.title = [subject, tab.textContent.trim(), 'kgplatform'].filter(Boolean).join(' · ');
}

/** The curriculum picker's text for a curriculum. */
export const curriculumLabel = (name, id, concepts) => `${name} (${id}, ${fmtCount(concepts)} concepts)`;

/** Puts `concepts` as just read into the picker's text for curriculum `id`: it said the count read at sign-in
 * until the next import or reload, whatever the page created or deleted meanwhile (a review, s37). */
export function showConceptCount(id, concepts) {
  const option = [...$('#curriculum-select').options].find((o) => o.value === id);
  if (option?.dataset.name !== undefined) option.textContent = curriculumLabel(option.dataset.name, id, concepts);
}

export function showInfo(text) {
  const box = message();
  box.className = 'message info';
  clear(box, el('span', {}, text));
  box.hidden = false;
}

export function hideMessage() {
  message().hidden = true;
}

/** A "this server does not offer it yet" note for a view whose route answered 404/405. */
export function notAvailable(what, paths) {
  return el('p', { class: 'not-available', role: 'note' },
    `${what}: not available yet on this server (no route ${paths.join(' or ')}).`);
}

/** Runs an async handler and shows any error instead of losing it; a form's submit gets its fields
 * marked (and the marks of the last try taken off). */
export function guarded(fn, context) {
  return async (...args) => {
    const form = args[0]?.type === 'submit' && args[0].target instanceof HTMLFormElement ? args[0].target : null;
    if (form) clearFieldErrors(form);
    try {
      return await fn(...args);
    } catch (error) {
      showError(error, context, form);
      return undefined;
    }
  };
}

/** Focus back on `element` when it was lost on the way (to <body>), and the element is still on show; a
 * handler that moved focus on purpose (to a new panel, to the list) is left alone. */
export function restoreFocus(element) {
  const lost = !document.activeElement || document.activeElement === document.body;
  if (lost && element && element !== document.body && element.isConnected && element.getClientRects().length) {
    element.focus();
  }
}

/** True when focus is on something other than `pressed` (the control a write was started from) and <body>:
 * the designer moved on while the write was answered, say into another field to type. */
export const focusMovedOn = (active, body, pressed) => Boolean(active) && active !== body && active !== pressed;

/** After an awaited write whose control went (a deleted row's button, a closed panel's): focus to `target`,
 * unless the designer moved it elsewhere meanwhile. It went there unasked, and keys typed into another field
 * after a task's delete landed in the task list (the browser test's "0,5,5" sent as "", 5 December 2026). */
export function focusUnlessMoved(target, pressed) {
  const active = document.activeElement;
  const onShow = active?.isConnected && active.getClientRects().length > 0;
  if (onShow && focusMovedOn(active, document.body, pressed)) return;
  target?.focus();
}

/**
 * Wraps a write's submit (of a form) or click (of a button) handler: while its request is in flight the
 * form's submit buttons, or the button, are disabled and a second event is ignored. A double click
 * would otherwise send the same write twice with the same ETag, and the second would get a false 412/409.
 */
export function oneAtATime(handler) {
  return async (event) => {
    const target = event.currentTarget; // null once the event is dispatched: taken now
    if (event.type === 'submit') event.preventDefault();
    if (target.dataset.busy) return undefined;
    const buttons = target instanceof HTMLFormElement ? [...target.querySelectorAll('button[type=submit]')] : [target];
    // Disabling the focused button drops focus to <body>: a keyboard user would start over at the top.
    const focused = document.activeElement;
    target.dataset.busy = 'true';
    for (const b of buttons) b.disabled = true;
    try {
      return await handler(event);
    } finally {
      delete target.dataset.busy;
      for (const b of buttons) b.disabled = false;
      restoreFocus(focused);
    }
  };
}

/** The raw text of `form`'s controls `names`: taken as a write is sent, to tell once it is answered which
 * of them were typed into meanwhile (the fields stay editable while it is in flight). */
export const rawValues = (form, names) => Object.fromEntries(names.map((n) => [n, form.elements.namedItem(n).value]));

/** Runs `refill`, which refills or resets `form` once a write is answered, then puts back what was typed
 * into its controls since `sent` (rawValues) was taken: that text is in no request, and refilling the form
 * over it dropped it without a word. True when there was any. */
export function refillKeepingTyped(form, sent, refill) {
  const now = rawValues(form, Object.keys(sent));
  refill();
  const typed = Object.keys(sent).filter((n) => now[n] !== sent[n]);
  for (const n of typed) form.elements.namedItem(n).value = now[n];
  return typed.length > 0;
}

// A number as typed into the page's own text fields, with '.' or ',' as its one decimal mark. The fields were
// type=number, which English Chromium reads with ',' as a thousands separator: "0,5" became 05 (refused by the
// browser's range check with a message about 1) and "1,5" minutes 15 (a review, 5 December 2026; the edge
// weight had been made text for it on 1 December).
// An exponent too: the page shows a stored 0.0000001 as 1e-7, and a save must read back what it shows.
const DECIMAL = /^[-+]?(\d+([.,]\d+)?|[.,]\d+)([eE][-+]?\d+)?$/;
// "1,500": 1.5 to most of Europe, 1500 to English; "0,500" can only be a half.
const GROUPED = /^[-+]?[1-9]\d{0,2},\d{3}$/;

/** `text` read as a number: {value} (null when blank) or {problem}, why it is refused, never another number
 * than the one meant. `whole`: only whole numbers (a task's minutes). */
export function parseDecimal(text, { whole = false } = {}) {
  const typed = String(text ?? '').trim();
  if (typed === '') return { value: null };
  if (!DECIMAL.test(typed)) {
    return { problem: `"${typed}" is not a number: type digits with at most one decimal mark, such as 0.5 or 0,5` };
  }
  if (GROUPED.test(typed)) {
    const [decimal, grouped] = [Number(typed.replace(',', '.')), Number(typed.replace(',', ''))];
    return { problem: `"${typed}" could mean ${decimal} or ${grouped}: type one of them` };
  }
  const value = Number(typed.replace(',', '.'));
  if (whole && !Number.isInteger(value)) return { problem: `"${typed}" is ${value}: type a whole number` };
  return { value };
}

/**
 * The numbers typed into `form`'s controls named in `fields` ({name: {whole, empty}}), read by parseDecimal: a
 * blank one gives its `empty` (undefined: left out of the request). Any refused throws a `pageRefusal`,
 * naming each such field, which `guarded` shows and marks as it does the API's: nothing is sent.
 */
export function readNumbers(form, fields) {
  const values = {};
  const errors = [];
  for (const [name, { whole = false, empty } = {}] of Object.entries(fields)) {
    const { value, problem } = parseDecimal(form.elements.namedItem(name).value, { whole });
    if (problem) errors.push({ field: name, message: problem });
    else values[name] = value ?? empty;
  }
  if (errors.length) throw pageRefusal({ title: 'Not a number the page can read', errors });
  return values;
}

export const splitList = (text) => (text ?? '').split(';').map((s) => s.trim()).filter(Boolean);

/** Shows a list in a '; separated' box, remembering the list itself: tags and ids may hold ';'. */
export function showList(input, values) {
  input.value = values.join('; ');
  input.dataset.values = JSON.stringify(values);
}

/** The box's list: the one shown, exactly, while the text is untouched (re-splitting it would turn a tag
 * 'a;b' into two, or a task's concept 's;1' into ids that do not exist); else the text split on ';'. */
export function listValue(input) {
  const shown = input.dataset.values === undefined ? null : JSON.parse(input.dataset.values);
  return shown !== null && input.value === shown.join('; ') ? shown : splitList(input.value);
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');

/** A count as people read it, with thousands separators ("5,000 learners"): counts were shown as the API
 * gives them, and a class of 5000 learners read as a year (a review, 5 December 2026). English, as the page's
 * words are: a browser set to German would write "5.000", which this page's English text reads as five.
 * With a noun, the noun too, singular for one ("1 edge", "2 edges"; `plural` when not noun + "s"), as the
 * CLI's and the API's counted() (kgplatform/wording.py): the page wrote "1 edge(s)" (a review, 5 December 2026). */
export const fmtCount = (n, noun, plural) => {
  const number = typeof n === 'number' ? n.toLocaleString('en-US') : String(n ?? '');
  return noun === undefined ? number : `${number} ${n === 1 ? noun : plural ?? `${noun}s`}`;
};

// A time as the API writes it into a message (Python's isoformat: "2026-12-05T01:31:24.337283+00:00").
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g;

/** `text` (an API's message) with each time in it shown as `fmtTime` shows times: an import's summary gave the
 * newest change's time raw and in UTC, while its confirm dialog gave the same time local (a review, 5 December
 * 2026). A time the browser cannot read stays as it is. */
export const localTimes = (text) => String(text ?? '').replace(ISO_TIME, (iso) => {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : when.toLocaleString();
});

/** A mastery or a probability as a percentage, rounded down as the API's words give it (the report's summary,
 * the plan's reasons), so that one value reads the same across the page and 0.8496 never reads as the 85% bar;
 * 1e-4: a float32 0.57 (0.5699999928) is still 57%. The API's rule is kgplatform/mastery/percent.py's
 * `mastery_percent`: tests/unit/ui/test_percent_rule.py checks that this one gives the same. */
export const pct = (p) => (p === null || p === undefined ? '–' : `${Math.floor(p * 100 + 1e-4)}%`);
