// CSV import: the files go first as a dry run; the report is shown, and only then can they be imported.

import { ApiError, api, seg } from './api.js';
import { $, clear, el, guarded, hideMessage, oneAtATime, showInfo } from './dom.js';

// curriculum.csv is optional: one row (id, name, description), as the zip export writes it.
const FILES = ['curriculum', 'concepts', 'prerequisites', 'tasks'];
let checked = null; // the FormData that passed a dry run, and for which curriculum

function formData(form) {
  const data = new FormData();
  for (const name of FILES) {
    const file = form[name].files[0];
    if (file) data.append(name, file, `${name}.csv`);
  }
  return data;
}

/** The ImportReport (from the answer, or from a refusal's problem+json) as a small document. */
export function renderReport(report) {
  const entities = ['concept', 'prerequisite', 'task'];
  const rows = el('table', { class: 'report-table' },
    el('thead', {}, el('tr', {}, ['', 'rows', 'valid', 'skipped', 'created', 'updated', 'unchanged'].map((h) => el('th', {}, h)))),
    el('tbody', {}, entities.map((e) => el('tr', {},
      el('th', {}, e),
      el('td', {}, report.rows?.[e] ?? 0),
      el('td', {}, report.valid_rows?.[e] ?? 0),
      el('td', {}, report.skipped_rows?.[e] ?? 0),
      el('td', {}, report.outcome?.[e]?.created ?? '–'),
      el('td', {}, report.outcome?.[e]?.updated ?? '–'),
      el('td', {}, report.outcome?.[e]?.unchanged ?? '–')))));
  const shown = (value) => JSON.stringify(value ?? null);
  const changes = (report.changes ?? []).map((c) => el('li', {}, `${c.entity} '${c.id}' ${c.field}: ${shown(c.old)} → ${shown(c.new)}`));
  const more = (report.changes_total ?? 0) - changes.length;
  const errors = (report.errors ?? []).map((x) => el('li', {},
    `${x.entity}${x.row != null ? ` row ${x.row}` : ''}${x.id ? ` '${x.id}'` : ''}${x.field ? ` [${x.field}]` : ''}: ${x.message}`));
  return el('div', { class: `report ${report.errors?.length ? 'has-errors' : 'clean'}` },
    el('p', { class: 'summary' }, el('strong', {}, report.dry_run ? 'Dry run: ' : report.imported ? 'Imported: ' : 'Not imported: '),
      report.summary),
    rows,
    report.cycles?.length ? el('div', {}, el('h4', {}, 'Cycles'), el('ul', {}, report.cycles.map((c) => el('li', {}, c.join(' → '))))) : null,
    report.self_loops?.length ? el('p', {}, `Self-loops: ${report.self_loops.join(', ')}`) : null,
    changes.length ? el('div', {},
      el('h4', {}, `${report.dry_run ? 'Would change' : 'Changed'} (${report.changes_total} stored value${report.changes_total === 1 ? '' : 's'})`),
      el('ul', { class: 'changes' }, changes),
      more > 0 ? el('p', {}, `… and ${more} more`) : null) : null,
    errors.length ? el('div', {}, el('h4', {}, `Errors (${errors.length})`), el('ul', { class: 'errors' }, errors)) : null,
    report.notes?.length ? el('ul', { class: 'notes' }, report.notes.map((n) => el('li', {}, n))) : null);
}

async function dryRun(event, currentCurriculum) {
  event.preventDefault();
  hideMessage();
  const form = event.target;
  const curriculum = currentCurriculum();
  const data = formData(form);
  if (![...data.keys()].length) {
    showInfo('Choose at least one CSV file.');
    return;
  }
  const { data: report } = await api('POST', `/curricula/${seg(curriculum)}/import`, {
    body: data, query: { dry_run: true, skip_invalid: form.skip_invalid.checked || undefined },
  });
  if (curriculum !== currentCurriculum()) return; // another curriculum was picked meanwhile
  clear($('#import-report'), renderReport(report));
  const ok = !report.errors.length || form.skip_invalid.checked;
  checked = ok ? { curriculum, data: formData(form), skip: form.skip_invalid.checked } : null;
  $('#import-commit').disabled = !ok;
}

/** Import needs a new dry run: the files, the options or the curriculum changed, or it was spent. */
function forgetDryRun() {
  checked = null;
  $('#import-commit').disabled = true;
}

/** Another curriculum is selected: the dry run and its report were about the one left. */
export function curriculumChanged() {
  forgetDryRun();
  clear($('#import-report'));
}

async function commit(afterImport, currentCurriculum) {
  if (!checked) return;
  const { curriculum, data, skip } = checked;
  // Spent at once: a second click while this import is in flight finds nothing to send.
  forgetDryRun();
  if (curriculum !== currentCurriculum()) {
    // The page now shows another curriculum: never write into the one checked earlier.
    clear($('#import-report'));
    showInfo(`The curriculum changed since the dry run (it was ${curriculum}): check the files again.`);
    return;
  }
  try {
    const { data: report } = await api('POST', `/curricula/${seg(curriculum)}/import`, {
      body: data, query: { skip_invalid: skip || undefined },
    });
    clear($('#import-report'), renderReport(report));
    showInfo(report.summary);
    await afterImport(curriculum);
  } catch (error) {
    if (error instanceof ApiError && error.problem.report) clear($('#import-report'), renderReport(error.problem.report));
    throw error;
  }
}

export function setupImport({ currentCurriculum, afterImport }) {
  const form = $('#import-form');
  form.addEventListener('submit', guarded(oneAtATime((event) => dryRun(event, currentCurriculum)), 'Import dry run'));
  // Any change to the files or options needs a new dry run before importing.
  form.addEventListener('change', forgetDryRun);
  $('#import-commit').addEventListener('click', guarded(() => commit(afterImport, currentCurriculum), 'Import'));
}
