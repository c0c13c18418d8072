// The teacher's learner view: the curriculum coloured by one learner's mastery, the learner's current
// plan with its reasons, and the feedback report. The learner routes belong to the mastery and
// planning areas; where this server does not offer one yet (404/405 on the route itself), the panel
// says so instead of failing.

import { ApiError, api, fetchTransfers, firstAvailable, seg } from './api.js';
import { $, clear, el, fmtTime, guarded, hideMessage, notAvailable, pct, updateTitle } from './dom.js';
import { createGraph, draw, masteryColour } from './graph.js';

const MAX_NODES = 400;
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

function failure(what, outcome) {
  if (outcome.missing) return notAvailable(what, outcome.missing.map(decodeURIComponent));
  const e = outcome.error;
  const text = e instanceof ApiError ? `${e.problem.title} (${e.status}): ${e.problem.detail}` : String(e.message ?? e);
  return el('p', { class: 'panel-error', role: 'note' }, `${what}: ${text}`);
}

function masteryByConcept(mastery) {
  const rows = mastery?.concepts ?? mastery?.items ?? (Array.isArray(mastery) ? mastery : []);
  return new Map(rows.map((m) => [m.concept_id, m]));
}

const pOf = (m) => m.p_now ?? m.p_mastery ?? m.p;

/** Draws the curriculum coloured by mastery; `current()`: whether this learner is still the one asked for last. */
async function renderGraph(doc, mastery, goals, planned, current) {
  const status = $('#learner-graph-status');
  if (!doc) {
    cy.elements().remove();
    return;
  }
  let concepts = doc.concepts;
  let note = '';
  if (concepts.length > MAX_NODES) {
    // Too many to read at once: the practised, the goals, the planned and their direct prerequisites.
    const keep = new Set([...mastery.keys(), ...goals, ...planned]);
    for (const e of doc.prerequisites) if (keep.has(e.concept)) keep.add(e.prerequisite);
    concepts = concepts.filter((c) => keep.has(c.id)).slice(0, MAX_NODES);
    note = ` (showing ${concepts.length} of ${doc.concepts.length}: practised, goals, planned and their prerequisites)`;
  }
  const nodes = concepts.map((c) => {
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
  try {
    transfers = (await fetchTransfers([...drawn])).edges.filter((t) => drawn.has(t.source) && drawn.has(t.target));
  } catch {
    note += ' (transfer edges unavailable)';
  }
  // Another learner was opened while the transfer edges were read: this one's mastery was drawn under
  // that learner's name until their answers came (a review, s29).
  if (!current()) return;
  draw(cy, { nodes, edges: doc.prerequisites, transfers });
  status.textContent = `Curriculum ${doc.curriculum.id}: ${mastery.size} concept(s) with mastery, ${goals.size} goal(s), `
    + `${transfers.length} transfer edge(s)${note}.`;
}

function renderPlan(outcome, doc, names) {
  const box = $('#learner-plan');
  if (!outcome.ok) return clear(box, failure('Plan', outcome));
  const plan = outcome.data;
  const tasks = plan.tasks ?? plan.items ?? [];
  const titles = new Map((doc?.tasks ?? []).map((t) => [t.id, t.title]));
  const age = plan.age_s !== undefined ? `made ${Math.round(plan.age_s)} s ago` : plan.created_at ? `made ${fmtTime(plan.created_at)}` : '';
  const stale = plan.stale ? el('p', { class: 'stale' }, `Stale: ${(plan.stale_because ?? []).join('; ') || 'inputs changed'}`) : null;
  clear(box,
    el('p', { class: 'meta' }, [plan.placement ? 'Placement plan' : 'Plan', age, plan.model_version ? `model ${plan.model_version}` : '']
      .filter(Boolean).join(' · ')),
    stale,
    tasks.length ? el('ol', { class: 'plan', 'aria-label': 'Planned tasks' }, tasks.map((t) => el('li', { class: 'plan-item' },
      el('strong', {}, titles.get(t.task_id) ?? t.title ?? t.task_id),
      // The predicted success is in the reason, rounded there once: a second rounding of the value
      // (0.475 shown as 48% beside the reason's 47%) only confused.
      el('span', { class: 'plan-meta' }, [t.concept_id ? `concept ${names.get(t.concept_id) ?? t.concept_id}` : '',
        t.purpose ?? ''].filter(Boolean).join(' · ')),
      el('span', { class: 'reason' }, t.reason ?? '')))) : el('p', { class: 'hint' }, 'The plan is empty.'));
  return undefined;
}

// The report's lists in the order a teacher reads them; any other list it carries follows, generically.
const REPORT_SECTIONS = ['mastered', 'known_by_implication', 'previously_mastered', 'in_progress', 'blocking_prerequisites',
  'decaying', 'ready_to_learn', 'not_started'];
// Every concept (drawn as the graph), the goals (in the header) and the summary (its sentences lead the panel).
const REPORT_SKIP = new Set(['concepts', 'goals', 'summary']);
const REPORT_ITEMS_SHOWN = 30; // per list; a line says how many more there are

function describeReportItem(item, names, attempts) {
  if (typeof item !== 'object' || item === null) return names.get(item) ?? String(item);
  const id = item.concept_id ?? item.id;
  const name = item.name ?? names.get(id) ?? id;
  const parts = [];
  // Fading (decaying) or mastered before: the value then and now.
  if (item.p_mastery != null && (item.lost !== undefined || item.status === 'previously_mastered')) parts.push(`${pct(item.p_mastery)} → ${pct(item.p_now)}`);
  // Without answers the value is the tracer's prior, not the learner's: say so rather than "25%".
  else if (item.p_now !== undefined) parts.push(attempts.get(id) === 0 ? 'no answers yet' : pct(item.p_now));
  if (item.attempts !== undefined) parts.push(`${item.attempts} attempt(s)`);
  if (Array.isArray(item.blocks) && item.blocks.length) parts.push(`blocks ${item.blocks.map((b) => names.get(b) ?? b).join(', ')}`);
  if (item.ready === true) parts.push('can start now');
  if (typeof item.days_since_practice === 'number') parts.push(`${item.days_since_practice.toFixed(1)} days since practice`);
  if (item.was_mastered) parts.push('was mastered');
  if (item.needs_review) parts.push('review due');
  if (Array.isArray(item.implied_by) && item.implied_by.length) parts.push(`known through ${item.implied_by.map((b) => names.get(b) ?? b).join(', ')}`);
  if (Array.isArray(item.interests) && item.interests.length) parts.push(`interest: ${item.interests.join(', ')}`);
  if (item.goal) parts.push('goal');
  return `${name}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The feedback report: its summary, then mastered, known by implication, mastered before, in progress, blocking
 * prerequisites, decaying, ready to learn, not started; then its plot. */
function renderReport(outcome, names, pngUrl) {
  const box = $('#learner-report');
  if (!outcome.ok) return clear(box, failure('Feedback report', outcome));
  const report = outcome.data;
  const lists = Object.entries(report).filter(([k, v]) => Array.isArray(v) && !REPORT_SKIP.has(k));
  lists.sort(([a], [b]) => (REPORT_SECTIONS.indexOf(a) + 1 || 99) - (REPORT_SECTIONS.indexOf(b) + 1 || 99));
  const attempts = new Map((report.concepts ?? []).map((c) => [c.concept_id, c.attempts]));
  const scalars = Object.entries(report).filter(([k, v]) => v !== null && typeof v !== 'object' && k !== 'learner_id');
  const summary = Array.isArray(report.summary) ? report.summary : [];
  clear(box,
    scalars.length ? el('p', { class: 'meta' }, scalars.map(([k, v]) => `${k.replaceAll('_', ' ')}: ${k === 'as_of' ? fmtTime(v) : v}`).join(' · ')) : null,
    summary.length ? el('ul', { class: 'report-summary', 'aria-label': 'summary' }, summary.map((line) => el('li', {}, line))) : null,
    lists.map(([key, items]) => el('section', { class: 'report-section', 'aria-label': key.replaceAll('_', ' ') },
      el('h4', {}, `${key.replaceAll('_', ' ')} (${items.length})`),
      items.length ? el('ul', {}, items.slice(0, REPORT_ITEMS_SHOWN).map((i) => el('li', {}, describeReportItem(i, names, attempts))),
        items.length > REPORT_ITEMS_SHOWN ? el('li', { class: 'hint' }, `… and ${items.length - REPORT_ITEMS_SHOWN} more`) : null)
        : el('p', { class: 'hint' }, 'none'))),
    // The side panel shrinks the plot below reading size: it opens full size in a tab of its own.
    pngUrl ? el('a', { href: pngUrl, target: '_blank', rel: 'noopener', class: 'report-png-link', title: 'Open the plot full size' },
      el('img', { src: pngUrl, alt: 'Plot of the learner’s mastery across the curriculum (opens full size)', class: 'report-png' })) : null);
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

async function reportPngUrl(id) {
  try {
    const { data } = await firstAvailable(ROUTES.reportPng(id), { as: 'blob' });
    return URL.createObjectURL(data);
  } catch {
    return null; // the JSON report stands on its own; the plot is a bonus
  }
}

// Only the learner asked for last is shown: a slower answer about the one before filled the panels under
// the new learner's name (a review, 1 December: a teacher saw alice's mastery titled "Learner bob").
let learnerRequest = 0;

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
  for (const panel of ['#learner-plan', '#learner-report', '#learner-mastery']) clear($(panel));
  cy?.elements().remove();
  const [learner, liked, mastery, first, report] = await Promise.all([
    attempt(ROUTES.goals(id)), attempt(ROUTES.interests(id)), attempt(ROUTES.mastery(id)), attempt(ROUTES.plan(id)),
    attempt(ROUTES.report(id)),
  ]);
  if (!current()) return;
  // A learner with neither goals nor mastery has no default curriculum: the API asks to name one (422
  // naming curriculum_id), and the page has one selected.
  const plan = needsCurriculum(first) && currentCurriculum()
    ? await attempt(ROUTES.plan(id), { query: { curriculum_id: currentCurriculum() } })
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
  if (curriculumId) {
    try {
      doc = (await api('GET', `/curricula/${seg(curriculumId)}`)).data;
    } catch (error) {
      if (!current()) return;
      $('#learner-graph-status').textContent = `Curriculum ${curriculumId}: ${error.message}`;
    }
  }
  if (!current()) return;
  const names = new Map((doc?.concepts ?? []).map((c) => [c.id, c.name]));
  const masteryMap = mastery.ok ? masteryByConcept(mastery.data) : new Map();
  const planned = new Set(plan.ok ? (plan.data.tasks ?? []).map((t) => t.concept_id).filter(Boolean) : []);
  await renderGraph(doc, masteryMap, goals, planned, current);
  if (!current()) return;
  if (!mastery.ok) $('#learner-graph-status').append(' ', failure('Mastery', mastery));
  if (learner.ok || report.ok) {
    $('#learner-goals').textContent = `Goals: ${[...goals].map((g) => names.get(g) ?? g).join(', ') || 'none'}${interests}`;
  }
  const png = report.ok ? await reportPngUrl(id) : null;
  if (!current()) {
    if (png) URL.revokeObjectURL(png);
    return;
  }
  renderPlan(plan, doc, names);
  renderReport(report, names, png);
  renderMastery(mastery, names);
  document.body.dataset.learnerLoaded = id;
  updateTitle(); // the learner on show, in the window's tab
}

export function setupLearner({ curriculum }) {
  currentCurriculum = curriculum;
  cy = createGraph($('#learner-graph'));
  $('#learner-form').addEventListener('submit', guarded(async (event) => {
    event.preventDefault();
    await openLearner($('#learner-id').value.trim());
  }, 'Opening learner'));
}

export function learnerGraph() {
  return cy;
}
