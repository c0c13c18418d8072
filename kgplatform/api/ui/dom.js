// Small DOM helpers: build elements without innerHTML (ids and names are user text), and show the
// API's messages in the page's one alert area.

import { ApiError } from './api.js';

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

/** The lines a problem+json body says: its detail, then the structure it carries (cycle, errors, ...). */
export function problemLines(problem) {
  const lines = [];
  if (Array.isArray(problem.cycle) && problem.cycle.length) lines.push(`Cycle: ${problem.cycle.join(' → ')}`);
  if (Array.isArray(problem.errors)) {
    for (const e of problem.errors.slice(0, 10)) lines.push(`${e.field ?? ''}: ${e.message ?? JSON.stringify(e)}`);
  }
  if (problem.field && !Array.isArray(problem.errors)) lines.push(`Field: ${problem.field}`);
  for (const key of ['dependants', 'orphaned_tasks', 'required_roles', 'unknown', 'unknown_ids']) {
    if (problem[key] !== undefined) lines.push(`${key.replace('_', ' ')}: ${JSON.stringify(problem[key])}`);
  }
  return lines;
}

const message = () => $('#message');

export function showError(error, context = '') {
  const box = message();
  box.className = 'message error';
  if (error instanceof ApiError) {
    const p = error.problem;
    const head = `${context ? context + ': ' : ''}${p.title ?? 'Error'} (${error.status})`;
    clear(box, el('strong', {}, head), el('p', { class: 'detail' }, p.detail ?? ''),
      el('ul', {}, problemLines(p).map((line) => el('li', {}, line))));
  } else {
    clear(box, el('strong', {}, context || 'Error'), el('p', { class: 'detail' }, String(error.message ?? error)));
    console.error(error);
  }
  box.hidden = false;
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

/** Runs an async handler and shows any error instead of losing it. */
export function guarded(fn, context) {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (error) {
      showError(error, context);
      return undefined;
    }
  };
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
    target.dataset.busy = 'true';
    for (const b of buttons) b.disabled = true;
    try {
      return await handler(event);
    } finally {
      delete target.dataset.busy;
      for (const b of buttons) b.disabled = false;
    }
  };
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

export const pct = (p) => (p === null || p === undefined ? '–' : `${Math.round(p * 100)}%`);
