// The teacher's learner view: the curriculum coloured by one learner's mastery, the learner's current
// plan with its reasons, and the feedback report. The learner routes belong to the mastery and
// planning areas; where this server does not offer one yet (404/405 on the route itself), the panel
// says so instead of failing.

import { ApiError, api, fetchTransfers, firstAvailable, pageRefusal, seg } from './api.js';
import {
  $, clear, el, fmtCount, fmtTime, guarded, hideMessage, notAvailable, oneAtATime, pct, problemHeading, updateTitle,
} from './dom.js';
import { createGraph, draw, masteryColour } from './graph.js';

const ROUTES = {
  // No /learners/{id} route: goals and interests have their own (the page once asked for the former and
  // never showed interests).
  goals: (id) => [`/learners/${seg(id)}/goals`],
  interests: (id) => [`/learners/${seg(id)}/interests`],
  mastery: (id) => [`/learners/${seg(id)}/mastery`],
  plan: (id) => [`/learners/${seg(id)}/next-tasks`, `/learners/${seg(id)}/plan`],
  report: (id) => [`/learners/${seg(id)}/report`, `/learners/${seg(id)}/feedback`],
  reportPng: (id) => [`/learners/${seg(id)}/report.png`, `/learners/${seg(id)}/feedback.png`],
};

let cy = null;
let currentCurriculum = () => null;

/** The API's longest learner id, in code points (`MAX_ID_LENGTH`). */
const MAX_LEARNER_ID = 200;

/**
 * Why no learner can have `id`, by the API's own rule (one URL path segment: no whitespace, '/' or control
 * characters, at most 200 characters), or '' when one could. Such an id was sent anyway: with a '/' (an LMS
 * id like "school-1/42") or of spaces only, the router found no route and every panel said "not available
 * yet on this server"; with a space inside, four panels each said "Validation failed (422)" (a teacher's
 * review, 3 December).
 */
export function learnerIdProblem(id) {
  if (!id) return 'Enter a learner id.';
  if (/[\s/]/u.test(id)) return 'A learner id has no spaces or \'/\' in it: check the id (it must match exactly).';
  if (/\p{Cc}/u.test(id)) return 'A learner id has no control characters in it: check the id.';
  if ([...id].length > MAX_LEARNER_ID) return `A learner id has at most ${MAX_LEARNER_ID} characters: check the id.`;
  return '';
}

/** Refuses an id no learner can have as the API would, naming the id field, before anything is asked: a
 * `pageRefusal`, whose heading shows no status (it said "(422)", as if the API had answered). */
export function checkLearnerId(id) {
  const problem = learnerIdProblem(id);
  if (problem) throw pageRefusal({ title: 'Not a learner id', detail: problem, field: 'learner-id' });
}

/** Learners offered under the id field at most, and the pause after a keystroke before asking for them. */
export const SUGGESTED = 20;
const SUGGEST_AFTER_MS = 200;

/**
 * The query of `GET /learners` for what is typed in the id field, or null when nothing is to be asked: an
 * empty field, or one no learner id could start with (the API would answer 422).
 */
export function suggestionQuery(typed) {
  const prefix = typed.trim();
  if (!prefix || learnerIdProblem(prefix)) return null;
  return { prefix, limit: SUGGESTED };
}

/**
 * The datalist's options for a page of `GET /learners`: the id, and as the label its answers and when the
 * last was given (so a teacher tells an active learner from one who stopped without opening each).
 */
export function suggestionOptions(page) {
  return (page?.items ?? []).map(({ learner_id: id, answers, last_answered_at: last }) => ({
    value: id,
    label: `${fmtCount(answers, 'answer')}${last ? ` · last ${fmtTime(last)}` : ''}`,
  }));
}

/**
 * Calls `fetch(query)` for the latest text only: an answer to an older keystroke arriving after a newer
 * one's is dropped (a slow "a" would otherwise replace the list for "ann"), and so is its failure (a class
 * picked before, deleted since, said its 404 under the class picked after it). Resolves to null when dropped.
 */
export function latestOnly(fetch) {
  let asked = 0;
  const latest = async (query) => {
    const mine = ++asked;
    let result;
    try {
      result = await fetch(query);
    } catch (error) {
      if (mine === asked) throw error;
      return null;
    }
    return mine === asked ? result : null;
  };
  // Drops what every call made so far answers: another key signed in since (a roster the key before read,
  // answering after the sign-in, was offered under the new key's classes).
  latest.forget = () => {
    asked += 1;
  };
  return latest;
}

// The classes the signed-in key is scoped to, [[id, name or null], ...]; [] for a key that reads every learner.
let keyScope = [];

// The classes an unknown learner's line names at most (a key has up to 100); the rest are counted.
const CLASSES_NAMED = 5;

/**
 * What the page says of an id every learner route answered 404 for. A scoped teacher key is answered the
 * unknown learner's 404 for a learner outside its classes too (the API tells it nothing of other classes), and
 * the page said "No learner has the id ...: check it" of a pupil the school has, sending the teacher to check
 * a right id (a review, 5 December 2026). `scope`: loadClasses's.
 */
export function unknownLearnerText(id, scope = []) {
  if (!scope.length) return `No learner has the id ${id}: check it (it must match exactly, case included).`;
  const named = scope.slice(0, CLASSES_NAMED).map(([cls, name]) => (name ? `${name} (${cls})` : cls));
  const more = scope.length - named.length;
  const classes = `${named.join(', ')}${more ? ` and ${fmtCount(more)} more` : ''}`;
  return `No learner with the id ${id} is in your classes (${classes}): check the id (it must match exactly, `
    + 'case included), or whether the class roster names the learner.';
}

/** Classes read for the picker at most (a teacher has a handful; `GET /classes` pages by 500). */
const CLASSES_READ = 500;

/**
 * The class picker's options for a page of `GET /classes`: the class's name with its id (the id alone
 * when it has none: two classes may share a name) and its number of learners. Then, disabled, each class of
 * a scoped key's `scope` (loadClasses's) that the page does not list: no roster was sent for it yet, and
 * `GET /classes` lists only stored classes, so a teacher's class the platform had not synced was simply
 * missing from the list, without a word (a review, 5 December 2026).
 */
export function classOptions(page, scope = []) {
  // Name and id each in a bidi isolate (FSI ... PDI): an <option> holds text only (no <bdi>), and a name or
  // id written right to left drew the brackets, the id's digits and the count into its own run.
  const isolated = (text) => `\u2068${text}\u2069`;
  const items = page?.items ?? [];
  const listed = new Set(items.map((c) => c.class_id));
  return [
    ...items.map(({ class_id: id, name, members }) => ({
      value: id,
      text: `${name ? `${isolated(name)} (${isolated(id)})` : isolated(id)} · ${fmtCount(members, 'learner')}`,
    })),
    ...scope.filter(([id]) => !listed.has(id))
      .map(([id]) => ({ value: id, text: `${isolated(id)} · no roster sent yet`, disabled: true })),
  ];
}

/**
 * The learners offered for `typed` once a class is picked: the members of its roster (`GET
 * /classes/{id}/learners`) whose id starts with it, at most `SUGGESTED`; the first of them for an empty field.
 * Each is labelled with the class and, as every learner offered without a class, their answers and when the
 * last was given (the roster's `members`, since 5 December 2026: the class's learners came with the class's
 * name alone, so a teacher could not tell who in it had been active; a review, 5 December 2026).
 */
export function rosterSuggestions(roster, typed) {
  const prefix = typed.trim();
  const label = roster?.name ?? roster?.class_id ?? '';
  const activity = new Map(suggestionOptions({ items: roster?.members }).map((o) => [o.value, o.label]));
  return (roster?.learner_ids ?? [])
    .filter((id) => id.startsWith(prefix))
    .slice(0, SUGGESTED)
    .map((id) => ({ value: id, label: activity.has(id) ? `${label} · ${activity.get(id)}` : label }));
}

/**
 * The line under the picker once a class is picked: how many learners it has and what the id field offers of
 * them ('' for none picked). An empty class offered nothing without a word, and a class larger than
 * `SUGGESTED` showed its first ones as if they were the class (a review, 5 December 2026).
 */
export function rosterNote(roster) {
  if (!roster) return '';
  const label = roster.name ?? roster.class_id;
  const n = (roster.learner_ids ?? []).length;
  if (n === 0) return `${label} has no learners yet.`;
  const count = `${label}: ${fmtCount(n, 'learner')}`;
  if (n <= SUGGESTED) return `${count}, offered as you type.`;
  return `${count}; the first ${SUGGESTED} by id are offered, type the start of an id for the others.`;
}

function showRosterNote(roster) {
  const note = $('#learner-class-note');
  note.textContent = rosterNote(roster);
  note.hidden = !roster;
}

// The roster of the class picked (null: every learner), read when it is picked.
let pickedRoster = null;
// The reads of a class's roster and of the learners whose id starts with what is typed, the latest only.
const readRoster = latestOnly((id) => (id ? api('GET', `/classes/${seg(id)}/learners`) : Promise.resolve(null)));
const askLearners = latestOnly((query) => api('GET', '/learners', { query }));

function offer(options) {
  const list = $('#learner-suggestions');
  clear(list);
  for (const option of options) list.append(el('option', { value: option.value, label: option.label }));
}

/**
 * Fills the class picker with the classes the signed-in key reads (a scoped teacher key: its own), at
 * sign-in. `readsLearners` false (a designer's key, which `/classes` refuses) asks nothing; an API without
 * `/classes`, or no class yet, leaves no picker either.
 */
export async function loadClasses(readsLearners, scope = []) {
  const picker = $('#learner-class');
  keyScope = scope;
  pickedRoster = null;
  showRosterNote(null);
  readRoster.forget(); // read with the key before: not this key's to offer
  askLearners.forget();
  clear(picker, el('option', { value: '' }, scope.length ? 'Every learner of my classes' : 'Every learner'));
  const answer = readsLearners
    ? await api('GET', '/classes', { query: { limit: CLASSES_READ } }).catch(() => null)
    : null;
  const options = classOptions(answer?.data, answer ? scope : []);
  for (const option of options) picker.append(el('option', { value: option.value, disabled: option.disabled }, option.text));
  $('#learner-class-picker').hidden = options.length === 0;
}

function setupClassPicker() {
  const picker = $('#learner-class');
  const input = $('#learner-id');
  picker.addEventListener('change', guarded(async () => {
    // The class picked before is no longer what is offered, even if this class's roster never comes: a class
    // deleted since sign-in answers 404, and its learners were shown as the class picked before's.
    const id = picker.value;
    pickedRoster = null;
    showRosterNote(null);
    clear($('#learner-suggestions'));
    let answer;
    try {
      answer = await readRoster(id);
    } catch (error) {
      if (picker.value === id) picker.value = ''; // what is offered now: every learner
      throw error;
    }
    if (answer === null && id) return; // a later pick is on its way, or another key signed in
    pickedRoster = answer?.data ?? null;
    showRosterNote(pickedRoster);
    if (pickedRoster) offer(rosterSuggestions(pickedRoster, input.value));
    else clear($('#learner-suggestions'));
  }, 'Reading the class'));
}

function setupSuggestions() {
  const input = $('#learner-id');
  const list = $('#learner-suggestions');
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    if (pickedRoster) {
      offer(rosterSuggestions(pickedRoster, input.value)); // the roster is at hand: no request
      return;
    }
    const query = suggestionQuery(input.value);
    if (!query) {
      clear(list);
      return;
    }
    timer = setTimeout(async () => {
      // A convenience: a refusal (a designer's key) or an outage leaves the field as it was, typed by hand.
      const answer = await askLearners(query).catch(() => null);
      if (!answer) return;
      clear(list);
      for (const option of suggestionOptions(answer.data)) list.append(el('option', { value: option.value, label: option.label }));
    }, SUGGEST_AFTER_MS);
  });
}

/** {ok, data} or {missing: paths} or {error}: one panel's outcome, so one missing route spoils nothing else. */
async function attempt(paths, options) {
  try {
    const { data, path } = await firstAvailable(paths, options);
    return { ok: true, data, path };
  } catch (error) {
    if (error instanceof ApiError && error.routeMissing) return { missing: paths };
    return { error };
  }
}

/** The plan was refused because the learner has no curriculum of their own yet (422 naming curriculum_id). */
function needsCurriculum(outcome) {
  const e = outcome.error;
  return e instanceof ApiError && e.status === 422 && e.problem.field === 'curriculum_id';
}

/** Every learner route that answered says the learner does not exist (404 naming learner_id). */
function unknownLearner(outcomes) {
  const gone = (o) => o.error instanceof ApiError && o.error.status === 404 && o.error.problem.field === 'learner_id';
  return outcomes.some(gone) && outcomes.every((o) => o.missing || gone(o));
}

function failure(what, outcome) {
  if (outcome.missing) return notAvailable(what, outcome.missing.map(decodeURIComponent));
  const e = outcome.error;
  const text = e instanceof ApiError ? `${problemHeading(e)}: ${e.problem.detail}` : String(e.message ?? e);
  return el('p', { class: 'panel-error', role: 'note' }, `${what}: ${text}`);
}

function masteryByConcept(mastery) {
  const rows = mastery?.concepts ?? mastery?.items ?? (Array.isArray(mastery) ? mastery : []);
  return new Map(rows.map((m) => [m.concept_id, m]));
}

const pOf = (m) => m.p_now ?? m.p_mastery ?? m.p;

/** At most this many concepts are drawn unless the teacher asks for all: the designer's neighbourhood cap
 * (curriculum.js), for the same reason. 400 of a 1,500-concept curriculum were too small to read, and all
 * 1,500 (Draw all) froze the page for 3-7 s (a review, s38). */
export const MAX_DRAWN = 200;

/**
 * Which concepts of a curriculum the learner view draws: all of them when they fit `cap`; else, in this
 * order while they fit, the goals, the planned concepts, the blocking prerequisites, the direct
 * prerequisites of the goals and of the planned concepts, then the concepts with mastery, those practised
 * last first (transfer's alone after them). The first 400 in the curriculum's order were drawn, so a goal or
 * a planned concept late in the curriculum was left out (a review, s38). `mastery`: Map id -> the API's
 * row; the rest are ids. `withMastery`: how many of the curriculum's concepts have mastery, `masteryShown`
 * how many of them are drawn.
 */
export function learnerConcepts(doc, { mastery, goals = [], planned = [], blocking = [] }, cap = MAX_DRAWN) {
  const ids = new Set(doc.concepts.map((c) => c.id));
  const rows = [...mastery.values()].filter((m) => ids.has(m.concept_id));
  if (ids.size <= cap) return { kept: doc.concepts, left: 0, withMastery: rows.length, masteryShown: rows.length };
  const keep = new Set();
  const add = (id) => { if (keep.size < cap && ids.has(id)) keep.add(id); };
  for (const id of [...goals, ...planned, ...blocking]) add(id);
  const targets = new Set([...goals, ...planned]);
  for (const e of doc.prerequisites) if (targets.has(e.concept)) add(e.prerequisite);
  const when = (m) => Date.parse(m.last_practised ?? '') || 0;
  rows.sort((a, b) => Number((b.attempts ?? 0) > 0) - Number((a.attempts ?? 0) > 0) || when(b) - when(a)
    || (pOf(b) ?? 0) - (pOf(a) ?? 0) || String(a.concept_id).localeCompare(String(b.concept_id)));
  for (const m of rows) add(m.concept_id);
  return {
    kept: doc.concepts.filter((c) => keep.has(c.id)),
    left: ids.size - keep.size,
    withMastery: rows.length,
    masteryShown: rows.filter((m) => keep.has(m.concept_id)).length,
  };
}

/** What the cap left out and what was drawn first; '' when nothing was left out. */
export function leftOutText({ kept, left, withMastery, masteryShown }, total) {
  if (!left) return '';
  return ` Drawn: ${fmtCount(kept.length)} of ${fmtCount(total)} concepts: the goals, the planned concepts, the blocking prerequisites `
    + `and the direct prerequisites of the goals and the plan, then ${fmtCount(masteryShown)} of the ${fmtCount(withMastery)} with `
    + `mastery, the last practised first. ${fmtCount(left, 'concept')} ${left === 1 ? 'is' : 'are'} left out so the graph stays quick to draw `
    + `(at most ${MAX_DRAWN} nodes): the mastery table lists every concept with mastery; "Draw all" draws `
    + 'everything (slow).';
}

/**
 * A reader of whole curricula that keeps the last one read: `call` is api()'s shape. Each learner opened read
 * the whole curriculum again (2.6 s and 1.2 MB for 1,500 concepts) although it had rarely changed (a review,
 * s39). The copy held is sent back as If-None-Match and used only when the API answers 304, so an edit made
 * since (which moves the curriculum's ETag) is always read, never a stale copy shown. Read without its tasks,
 * which the view does not draw: they were 1.6 MB of a 3,000-concept curriculum's 2.5 MB and most of its
 * read (a review, 6 December 2026).
 */
export function curriculumReader(call) {
  let held = null; // {id, etag, doc}
  return async (id) => {
    const mine = held?.id === id ? held : null;
    const { data, etag, status } = await call('GET', `/curricula/${seg(id)}`, {
      query: { tasks: false }, ifNoneMatch: mine?.etag,
    });
    if (status === 304 && mine) return mine.doc;
    held = etag ? { id, etag, doc: data } : null;
    return data;
  };
}

const readCurriculum = curriculumReader(api);

// What the teacher is told the page waits for, by what the API does meanwhile.
const WAITING_FOR = {
  goals: 'the goals',
  interests: 'the interests',
  mastery: 'the mastery',
  plan: 'the plan (the server computes one when it has none stored: seconds on a big curriculum)',
  report: 'the feedback report',
  curriculum: 'the curriculum',
  transfers: 'the transfer edges',
};

/** The progress line while learner `id` opens: what is still awaited, each with its seconds once past 2 s.
 * `waits`: [part, seconds] in the order asked. The panels said nothing but "Loading…" while the API computed
 * a plan, often for 10 s and more (a review, s39). */
export const progressText = (id, waits) => progressPieces(id, waits).map(([text]) => text).join('');

/** progressText in pieces [text, ticking]: a ticking piece is a wait's seconds ('' until 2 s), which the line
 * shows but does not read out. The line is a live region, and reading it out again every second drowned
 * everything else; it is read when what is awaited changes. */
export function progressPieces(id, waits) {
  if (!waits.length) return [];
  const pieces = [[`Opening learner ${id}: waiting for `, false]];
  waits.forEach(([part, seconds], i) => {
    pieces.push([`${i ? '; ' : ''}${WAITING_FOR[part] ?? part}`, false], [seconds >= 2 ? ` ${Math.floor(seconds)} s` : '', true]);
  });
  pieces.push(['.', false]);
  return pieces;
}

/** Shows `pieces` on `line`: a tick that changes only the seconds rewrites only their aria-hidden spans, so the
 * live region has nothing new to read; anything else rewrites the line, which is read out once. */
function showPieces(line, pieces) {
  const spoken = pieces.filter(([, ticking]) => !ticking).map(([text]) => text).join('');
  const ticking = line.dataset.spoken === spoken ? [...line.querySelectorAll('.ticking')] : [];
  if (pieces.length && ticking.length === pieces.filter(([, t]) => t).length) {
    pieces.filter(([, t]) => t).forEach(([text], i) => { ticking[i].textContent = text; });
    return;
  }
  line.dataset.spoken = spoken;
  clear(line, pieces.map(([text, tick]) => (tick ? el('span', { class: 'ticking', 'aria-hidden': 'true' }, text) : text)));
}

/** What of the learner could not be read, for the line that offers to try again; '' when all was read. */
export function failedText(parts) {
  if (!parts.length) return '';
  return `Could not read ${parts.map(([part, message]) => `${(WAITING_FOR[part] ?? part).replace(/ \(.*\)$/, '')} (${message})`).join('; ')}.`;
}

// The opening of a learner (its `current` check) whose graph is drawn whole (Draw all), else null; and what
// the last graph was drawn from, for Draw all to draw it again without asking the API for it all once more.
let drawAll = null;
let lastGraph = null;

/** Draws the curriculum coloured by mastery; `current()`: whether this learner is still the one asked for last;
 * `waitFor(part, promise)`: the opening's progress line (learner.js's startProgress), when there is one. */
async function renderGraph(doc, mastery, goals, planned, blocking, current, waitFor = (part, promise) => promise) {
  const status = $('#learner-graph-status');
  $('#learner-draw-all').hidden = true;
  if (!doc) {
    cy.elements().remove();
    return;
  }
  lastGraph = { doc, mastery, goals, planned, blocking, current };
  const all = drawAll === current;
  const cut = learnerConcepts(doc, { mastery, goals, planned, blocking }, all ? Infinity : MAX_DRAWN);
  const nodes = cut.kept.map((c) => {
    const m = mastery.get(c.id);
    const classes = [m ? 'mastery' : 'unpractised', goals.has(c.id) ? 'goal' : '', planned.has(c.id) ? 'planned' : ''];
    return {
      id: c.id,
      label: m ? `${c.name}\n${pct(pOf(m))}` : c.name,
      classes: classes.filter(Boolean).join(' '),
      data: m ? { p: pOf(m), color: masteryColour(pOf(m)) } : { p: null },
    };
  });
  // Transfer edges inside the drawing: why practice on one concept moved another's mastery.
  const drawn = new Set(nodes.map((n) => n.id));
  let transfers = [];
  let note = '';
  try {
    transfers = (await waitFor('transfers', fetchTransfers([...drawn]))).edges.filter((t) => drawn.has(t.source) && drawn.has(t.target));
  } catch {
    note = ' (transfer edges unavailable)';
  }
  // Another learner was opened while the transfer edges were read: this one's mastery was drawn under
  // that learner's name until their answers came (a review, s29).
  if (!current()) return;
  draw(cy, { nodes, edges: doc.prerequisites, transfers });
  status.textContent = `Curriculum ${doc.curriculum.id}: ${fmtCount(mastery.size, 'concept')} with mastery, ${fmtCount(goals.size, 'goal')}, `
    + `${fmtCount(transfers.length, 'transfer edge')}${note}.${leftOutText(cut, doc.concepts.length)}`;
  $('#learner-draw-all').hidden = !cut.left;
  $('#learner-draw-all').textContent = `Draw all ${fmtCount(doc.concepts.length)} concepts (slow)`;
}

/**
 * What a planned task shows: `title` (the plan's `task_title`, else the curriculum's, else the id), `taskId`
 * when the title is not the id, and `concept`, the line naming its concept by name with the id beside it.
 * The plan carries the names since 5 December 2026, but the page showed the curriculum's titles and ids only
 * (a task not in the curriculum read, or one read from another curriculum, showed its bare id); a null name
 * (a stale plan served while Neo4j is down) falls back to the id. `titles`, `names`: Map id -> the
 * curriculum's title and name. Text only: the callers put each piece in a text node.
 */
export function planItemLabels(task, titles = new Map(), names = new Map()) {
  const title = task.task_title || titles.get(task.task_id) || task.title || task.task_id;
  const id = task.concept_id;
  const name = id ? task.concept_name || names.get(id) || id : '';
  return {
    title,
    taskId: title === task.task_id ? '' : task.task_id,
    concept: !id ? '' : name === id ? `concept ${id}` : `concept ${name} (${id})`,
  };
}

function renderPlan(outcome, names) {
  const box = $('#learner-plan');
  if (!outcome.ok) return clear(box, failure('Plan', outcome));
  const plan = outcome.data;
  const tasks = plan.tasks ?? plan.items ?? [];
  // The curriculum is read without its tasks (curriculumReader): a task the plan names without a title (a
  // stale plan served while Neo4j is down) is named by its id.
  const labels = (t) => planItemLabels(t, new Map(), names);
  const age = plan.age_s !== undefined ? `made ${Math.round(plan.age_s)} s ago` : plan.created_at ? `made ${fmtTime(plan.created_at)}` : '';
  const stale = plan.stale ? el('p', { class: 'stale' }, `Stale: ${(plan.stale_because ?? []).join('; ') || 'inputs changed'}`) : null;
  clear(box,
    el('p', { class: 'meta' }, [plan.placement ? 'Placement plan' : 'Plan', age, plan.model_version ? `model ${plan.model_version}` : '']
      .filter(Boolean).join(' · ')),
    stale,
    tasks.length ? el('ol', { class: 'plan', 'aria-label': 'Planned tasks' }, tasks.map((t) => {
      const { title, taskId, concept } = labels(t);
      return el('li', { class: 'plan-item' },
        el('strong', { class: 'plan-task' }, title),
        // The id stays on show beside the title: it is what a teacher gives the platform or a colleague.
        taskId ? el('span', { class: 'plan-meta plan-task-id' }, `task ${taskId}`) : null,
        // The predicted success is in the reason, rounded there once: a second rounding of the value
        // (0.475 shown as 48% beside the reason's 47%) only confused.
        el('span', { class: 'plan-meta' }, [concept, t.purpose ?? ''].filter(Boolean).join(' · ')),
        el('span', { class: 'reason' }, t.reason ?? ''));
    })) : el('p', { class: 'hint' }, 'The plan is empty.'));
  return undefined;
}

// The report's lists in the order a teacher reads them; any other list it carries follows, generically.
const REPORT_SECTIONS = ['mastered', 'known_by_implication', 'previously_mastered', 'in_progress', 'blocking_prerequisites',
  'decaying', 'ready_to_learn', 'not_started'];
// Every concept (drawn as the graph), the goals (in the header) and the summary (its sentences lead the panel).
const REPORT_SKIP = new Set(['concepts', 'goals', 'summary']);
const REPORT_ITEMS_SHOWN = 30; // per list; a line says how many more there are
const REPORT_BLOCKS_NAMED = 3; // targets named per blocking prerequisite; "and N more" counts the rest

function describeReportItem(item, names, attempts, before = new Set()) {
  if (typeof item !== 'object' || item === null) return names.get(item) ?? String(item);
  const id = item.concept_id ?? item.id;
  const name = item.name ?? names.get(id) ?? id;
  const parts = [];
  // Fading (decaying) or mastered before: the value then and now.
  if (item.p_mastery != null && (item.lost !== undefined || item.status === 'previously_mastered')) parts.push(`${pct(item.p_mastery)} → ${pct(item.p_now)}`);
  // Without answers the value is the tracer's prior, not the learner's: say so rather than "25%".
  else if (item.p_now !== undefined) parts.push(attempts.get(id) === 0 ? 'no answers yet' : pct(item.p_now));
  if (item.attempts !== undefined) parts.push(fmtCount(item.attempts, 'attempt'));
  if (Array.isArray(item.blocks) && item.blocks.length) {
    const unnamed = (item.blocks_total ?? item.blocks.length) - item.blocks.length;
    parts.push(`blocks ${item.blocks.map((b) => names.get(b) ?? b).join(', ')}${unnamed > 0 ? ` and ${fmtCount(unnamed)} more` : ''}`);
  }
  if (item.ready === true) parts.push('can start now');
  if (typeof item.days_since_practice === 'number') parts.push(`${item.days_since_practice.toFixed(1)} days since practice`);
  if (item.was_mastered) parts.push('was mastered');
  if (item.needs_review) parts.push('review due');
  if (Array.isArray(item.implied_by) && item.implied_by.length) parts.push(`known through ${item.implied_by.map((b) => names.get(b) ?? b).join(', ')}`);
  // Ready to learn again, not new: the report's summary says so, beside the line saying it faded (a review,
  // 5 December 2026: the page's list said only the name).
  if (before.has(id)) parts.push('again: mastered before');
  if (Array.isArray(item.interests) && item.interests.length) parts.push(`interest: ${item.interests.join(', ')}`);
  if (item.goal) parts.push('goal');
  return `${name}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** A scalar of the report as a teacher reads it: a time in their time zone, a concept by its name (the
 * goal being consolidated was shown by its id, where every list names concepts; a review, s38). */
function scalarText(key, value, names) {
  if (key === 'as_of') return fmtTime(value);
  if (key === 'consolidating') return names.get(value) ?? value;
  // A percentage, rounded down, as the summary's "faded below 85%" and every mastery on the page give it.
  if (key === 'mastery_threshold') return pct(value);
  return value;
}

/** The feedback report: its summary, then mastered, known by implication, mastered before, in progress, blocking
 * prerequisites, decaying, ready to learn, not started; then `plotBox`, the place of its picture (plotPlace).
 * `mastery`: the learner's mastery by concept (masteryByConcept), null when it could not be read. */
function renderReport(outcome, names, mastery, plotBox) {
  const box = $('#learner-report');
  if (!outcome.ok) return clear(box, failure('Feedback report', outcome));
  const report = outcome.data;
  const lists = Object.entries(report).filter(([k, v]) => Array.isArray(v) && !REPORT_SKIP.has(k));
  lists.sort(([a], [b]) => (REPORT_SECTIONS.indexOf(a) + 1 || 99) - (REPORT_SECTIONS.indexOf(b) + 1 || 99));
  // A concept's attempts as the mastery read has them, none where it has no row (the report's own `concepts`,
  // which said so, is not read); unknown (null mastery: its read failed) says no "no answers yet".
  const attempts = { get: (id) => (mastery ? mastery.get(id)?.attempts ?? 0 : undefined) };
  // The concepts mastered before, for the ready list's note (their own list needs none).
  const before = new Set((report.previously_mastered ?? []).map((c) => c.concept_id));
  const scalars = Object.entries(report).filter(([k, v]) => v !== null && typeof v !== 'object' && k !== 'learner_id');
  const summary = Array.isArray(report.summary) ? report.summary : [];
  clear(box,
    scalars.length ? el('p', { class: 'meta' }, scalars.map(([k, v]) => `${k.replaceAll('_', ' ')}: ${scalarText(k, v, names)}`).join(' · ')) : null,
    summary.length ? el('ul', { class: 'report-summary', 'aria-label': 'summary' }, summary.map((line) => el('li', {}, line))) : null,
    lists.map(([key, items]) => el('section', { class: 'report-section', 'aria-label': key.replaceAll('_', ' ') },
      el('h4', {}, `${key.replaceAll('_', ' ')} (${fmtCount(items.length)})`),
      items.length ? el('ul', {}, items.slice(0, REPORT_ITEMS_SHOWN).map((i) => el('li', {},
        describeReportItem(i, names, attempts, key === 'ready_to_learn' ? before : undefined))),
        items.length > REPORT_ITEMS_SHOWN ? el('li', { class: 'hint' }, `… and ${fmtCount(items.length - REPORT_ITEMS_SHOWN)} more`) : null)
        : el('p', { class: 'hint' }, 'none'))),
    plotBox);
  return undefined;
}

function renderMastery(outcome, names) {
  const box = $('#learner-mastery');
  if (!outcome.ok) return clear(box, failure('Mastery', outcome));
  const rows = [...masteryByConcept(outcome.data).values()].sort((a, b) => pOf(b) - pOf(a));
  clear(box, rows.length ? el('table', { class: 'report-table', 'aria-label': 'Mastery per concept' },
    el('thead', {}, el('tr', {}, ['concept', 'mastery now', 'attempts', 'correct'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((m) => el('tr', {},
      el('td', {}, names.get(m.concept_id) ?? m.concept_id), el('td', {}, pct(pOf(m))), el('td', {}, m.attempts ?? ''),
      el('td', {}, m.correct ?? ''))))) : el('p', { class: 'hint' }, 'No mastery yet.'));
  return undefined;
}

// Only the learner asked for last is shown: a slower answer about the one before filled the panels under
// the new learner's name (a review, 1 December: a teacher saw alice's mastery titled "Learner bob").
let learnerRequest = 0;
// The plot on show {id, etag, url}, url an object URL: each learner opened kept theirs in memory until the tab
// closed (half a megabyte for a 1,500-concept curriculum; a review, s38). Kept while its learner is on show,
// so that opening them again sends its ETag and a 304 reuses it.
let plot = null;

function dropPlot() {
  if (plot) URL.revokeObjectURL(plot.url);
  plot = null;
}

/** Learner `id`'s plot: the one on show when the API answers 304 to its ETag, else the new picture. */
async function fetchPlot(id) {
  const held = plot?.id === id ? plot : null;
  const { data, etag, status } = await firstAvailable(ROUTES.reportPng(id), { as: 'blob', ifNoneMatch: held?.etag });
  if (status === 304 && held) return held;
  return { id, etag, url: URL.createObjectURL(data) };
}

/**
 * The place of learner `id`'s plot under the report. The picture is asked for only when this place comes
 * into view (or its button is pressed): it was asked for with every learner opened, and the panels waited
 * for it; on a phone, under the lists, it was mostly never seen. On a 400 kbit/s network its 58 KB were
 * most of the bytes of an opening, and the server drew it each time (a review, 3 December).
 */
function plotPlace(id, current) {
  const show = el('button', { type: 'button', class: 'small' }, 'Show the plot');
  const line = el('p', { class: 'meta plot-note' }, 'The plot of this report, a picture the server draws, is read when you scroll to it. ', show);
  const box = el('div', { class: 'report-plot' }, line);
  let asked = false;
  const load = async () => {
    if (asked) return;
    asked = true;
    observer.disconnect();
    if (!current()) return;
    clear(line, 'Reading the plot…');
    let shown;
    try {
      shown = await fetchPlot(id);
    } catch (error) {
      if (!current()) return;
      // Said, with a way to ask again: a failed plot left nothing where it would have been.
      asked = false;
      const again = el('button', { type: 'button', class: 'small' }, 'Try again');
      again.addEventListener('click', () => { line.focus(); load(); });
      clear(line, `The plot could not be read (${problemText(error)}). `, again);
      return;
    }
    if (!current()) {
      if (shown !== plot) URL.revokeObjectURL(shown.url);
      return;
    }
    if (plot && plot !== shown) URL.revokeObjectURL(plot.url);
    plot = shown;
    // The side panel shrinks the plot below reading size: it opens full size in a tab of its own.
    const link = el('a', { href: shown.url, target: '_blank', rel: 'noopener', class: 'report-png-link', title: 'Open the plot full size' },
      el('img', { src: shown.url, alt: 'Plot of the learner’s mastery across the curriculum (opens full size)', class: 'report-png' }));
    // Show the plot moved focus to the line the plot replaces: to the plot then, not to <body>.
    const focused = box.contains(document.activeElement);
    clear(box, link);
    if (focused) link.focus();
  };
  line.tabIndex = -1;
  show.addEventListener('click', () => { line.focus(); load(); });
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) load();
  }, { rootMargin: '200px' });
  observer.observe(box);
  return box;
}

// The opening in progress: what it waits for, on the line under the learner's title.
let progress = null;

/** Starts the progress line of learner `id`'s opening (stopping the last one's): `wait(part, promise)` shows
 * `part` as awaited, with its seconds, until `promise` settles. */
function startProgress(id) {
  progress?.stop();
  const line = $('#learner-progress');
  const pending = new Map(); // part -> when it was asked for
  let live = true;
  const show = () => {
    if (live) showPieces(line, progressPieces(id, [...pending].map(([part, since]) => [part, (Date.now() - since) / 1000])));
  };
  const timer = setInterval(show, 1000);
  progress = {
    async wait(part, promise) {
      pending.set(part, Date.now());
      show();
      try {
        return await promise;
      } finally {
        pending.delete(part);
        show();
      }
    },
    stop() {
      live = false;
      clearInterval(timer);
      line.textContent = '';
      delete line.dataset.spoken;
    },
  };
  return progress;
}

/** An error worth asking again for: the API or the network was down or busy, not a refusal. */
const transient = (e) => !(e instanceof ApiError) || e.status === 0 || e.status === 429 || e.status >= 500;

const problemText = (e) => (e instanceof ApiError ? problemHeading(e) : String(e?.message ?? e));

/** Ends the opening's progress line: what could not be read, with a way to ask again, or nothing. */
function endProgress(id, failed) {
  progress.stop();
  if (!failed.length) return;
  const again = el('button', { type: 'button', class: 'small' }, 'Try again');
  again.addEventListener('click', guarded(() => {
    // The button goes with the line it is on as the new try starts: focus to that line, which then says what
    // the try waits for, not to <body> (a keyboard user started over at the top of the page).
    $('#learner-progress').focus();
    return openLearner(id);
  }, 'Opening learner'));
  clear($('#learner-progress'), `${failedText(failed)} `, again);
}

export async function openLearner(id) {
  hideMessage();
  const request = ++learnerRequest;
  const current = () => request === learnerRequest;
  $('#learner-title').textContent = `Learner ${id}`;
  // Until this learner's answers come, nothing of the last one stays on show under this name (a plan
  // computed on request takes seconds).
  delete document.body.dataset.learnerLoaded;
  updateTitle();
  $('#learner-goals').textContent = 'Loading…';
  $('#learner-graph-status').textContent = '';
  $('#learner-draw-all').hidden = true;
  lastGraph = null;
  for (const panel of ['#learner-plan', '#learner-report', '#learner-mastery']) clear($(panel));
  cy?.elements().remove();
  if (plot?.id !== id) dropPlot();
  const { wait } = startProgress(id);
  const [learner, liked, mastery, first, report] = await Promise.all([
    wait('goals', attempt(ROUTES.goals(id))), wait('interests', attempt(ROUTES.interests(id))),
    wait('mastery', attempt(ROUTES.mastery(id))), wait('plan', attempt(ROUTES.plan(id))),
    // Without `concepts`, every concept of the curriculum with its mastery: the lists the panel shows name theirs,
    // and the attempts it reads come from the mastery read beside it. That list was 740 KB of a 3,000-concept
    // curriculum's 760 KB report, read again for every learner opened (a review, 6 December 2026).
    // And at most REPORT_BLOCKS_NAMED targets of each blocker (`blocks_total` counts them): a learner without
    // goals aims at every concept in progress, and each of 1,113 blockers named all 400 of them, 3 MB of the
    // report for a line the panel cuts to a few names (a review, 8 December 2026).
    wait('report', attempt(ROUTES.report(id), { query: { concepts: false, blocks: REPORT_BLOCKS_NAMED } })),
  ]);
  if (!current()) return;
  if (unknownLearner([learner, mastery, first, report])) {
    progress.stop();
    // One line, not the same 404 in four panels over an empty 1,500-concept graph read for nothing, whose
    // status claimed "showing 0 of 1500: practised, goals, planned" (a review, s38).
    const text = unknownLearnerText(id, keyScope);
    $('#learner-goals').textContent = text;
    clear($('#learner-plan'), el('p', { class: 'panel-error', role: 'note' }, text));
    document.body.dataset.learnerLoaded = id;
    updateTitle();
    return;
  }
  // A learner with neither goals nor mastery has no default curriculum: the API asks to name one (422
  // naming curriculum_id), and the page has one selected.
  const plan = needsCurriculum(first) && currentCurriculum()
    ? await wait('plan', attempt(ROUTES.plan(id), { query: { curriculum_id: currentCurriculum() } }))
    : first;
  if (!current()) return;
  // Goals from the learner's own route, else from the feedback report, which lists them too.
  const goals = new Set((learner.ok ? learner.data.goals : report.ok ? report.data.goals : null) ?? []);
  const interests = liked.ok ? ` · interests: ${(liked.data.interests ?? []).join(', ') || 'none'}` : '';
  $('#learner-goals').textContent = learner.ok || report.ok
    ? `Goals: ${[...goals].join(', ') || 'none'}${interests}`
    : learner.missing ? 'Learner details: not available yet on this server.' : `Learner: ${learner.error.message}`;
  const curriculumId = (plan.ok && plan.data.curriculum_id) || currentCurriculum();
  let doc = null;
  const failed = [['goals', learner], ['interests', liked], ['mastery', mastery], ['plan', plan], ['report', report]]
    .filter(([, outcome]) => outcome.error && transient(outcome.error))
    .map(([part, outcome]) => [part, problemText(outcome.error)]);
  if (curriculumId) {
    try {
      doc = await wait('curriculum', readCurriculum(curriculumId));
    } catch (error) {
      if (!current()) return;
      $('#learner-graph-status').textContent = `Curriculum ${curriculumId}: ${error.message}`;
      if (transient(error)) failed.push(['curriculum', problemText(error)]);
    }
  }
  if (!current()) return;
  const names = new Map((doc?.concepts ?? []).map((c) => [c.id, c.name]));
  const masteryMap = mastery.ok ? masteryByConcept(mastery.data) : new Map();
  const planned = new Set(plan.ok ? (plan.data.tasks ?? []).map((t) => t.concept_id).filter(Boolean) : []);
  const blocking = report.ok ? (report.data.blocking_prerequisites ?? []).map((b) => b.concept_id) : [];
  await renderGraph(doc, masteryMap, goals, planned, blocking, current, wait);
  if (!current()) return;
  if (!mastery.ok) $('#learner-graph-status').append(' ', failure('Mastery', mastery));
  if (learner.ok || report.ok) {
    $('#learner-goals').textContent = `Goals: ${[...goals].map((g) => names.get(g) ?? g).join(', ') || 'none'}${interests}`;
  }
  renderPlan(plan, names);
  if (!report.ok) dropPlot();
  renderReport(report, names, mastery.ok ? masteryMap : null, report.ok ? plotPlace(id, current) : null);
  renderMastery(mastery, names);
  endProgress(id, failed);
  document.body.dataset.learnerLoaded = id;
  updateTitle(); // the learner on show, in the window's tab
}

export function setupLearner({ curriculum }) {
  currentCurriculum = curriculum;
  cy = createGraph($('#learner-graph'));
  $('#learner-draw-all').addEventListener('click', guarded(oneAtATime(async () => {
    if (!lastGraph?.current()) return;
    drawAll = lastGraph.current;
    const { doc, mastery, goals, planned, blocking, current } = lastGraph;
    await renderGraph(doc, mastery, goals, planned, blocking, current);
    // The button went with the cap: to the line that says what is drawn now, not to <body>.
    const active = document.activeElement;
    if (!active || active === document.body || active === $('#learner-draw-all')) $('#learner-graph-status').focus();
  }), 'Drawing the learner graph'));
  setupSuggestions();
  setupClassPicker();
  $('#learner-form').addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    const id = $('#learner-id').value.trim();
    checkLearnerId(id); // refused and marked on the field (`guarded`): the learner on show stays
    await openLearner(id);
  }, 'Opening learner'));
}

export function learnerGraph() {
  return cy;
}
