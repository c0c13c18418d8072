// CSV import: the files go first as a dry run; the report is shown, and only then can they be imported.
// An export in JSON (the page's export falls back to it when the CSV convention cannot carry a value)
// goes alone, as the JSON document the API takes.

import { ApiError, api, seg } from './api.js';
import { $, clear, el, fmtCount, fmtTime, guarded, hideMessage, localTimes, oneAtATime, showInfo } from './dom.js';
import { forgetExport, rememberedExport } from './export.js';

// The report lists this many errors; the count says how many there are (thousands would bury the page).
const SHOWN_ERRORS = 200;

// curriculum.csv is optional: one row (id, name, description), as the zip export writes it.
const FILES = ['curriculum', 'concepts', 'prerequisites', 'tasks'];
let checked = null; // the FormData that passed a dry run, and for which curriculum
let dryRunGeneration = 0; // moves on with every change to the form: a dry run answered after one is stale

/** What the form sends: the JSON export's document, parsed, when one is chosen (alone), else FormData. */
async function requestBody(form) {
  const json = form.document.files[0];
  if (!json) return formData(form);
  if ([...formData(form).keys()].length) {
    throw new ApiError(0, { title: 'Choose one kind of file', detail: 'a JSON export goes alone, without the zip or CSV files' });
  }
  try {
    return JSON.parse(await json.text());
  } catch (error) {
    throw new ApiError(0, { title: 'Not a JSON export', detail: `${json.name} is not JSON: ${error.message}` });
  }
}

function formData(form) {
  const data = new FormData();
  // An export's zip goes alone (the API refuses a zip mixed with CSV files, naming it).
  const archive = form.archive.files[0];
  if (archive) data.append('archive', archive, 'curriculum.zip');
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
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, 'Kind of row')),
      ['rows', 'valid', 'skipped', 'created', 'updated', 'unchanged'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, entities.map((e) => el('tr', {},
      el('th', { scope: 'row' }, e),
      el('td', {}, fmtCount(report.rows?.[e] ?? 0)),
      el('td', {}, fmtCount(report.valid_rows?.[e] ?? 0)),
      el('td', {}, fmtCount(report.skipped_rows?.[e] ?? 0)),
      el('td', {}, fmtCount(report.outcome?.[e]?.created ?? '–')),
      el('td', {}, fmtCount(report.outcome?.[e]?.updated ?? '–')),
      el('td', {}, fmtCount(report.outcome?.[e]?.unchanged ?? '–'))))));
  const shown = (value) => JSON.stringify(value ?? null);
  const changes = (report.changes ?? []).map((c) => el('li', {}, `${c.entity} '${c.id}' ${c.field}: ${shown(c.old)} → ${shown(c.new)}`));
  const more = (report.changes_total ?? 0) - changes.length;
  const errors = (report.errors ?? []).slice(0, SHOWN_ERRORS).map((x) => el('li', {},
    `${x.entity}${x.row != null ? ` row ${x.row}` : ''}${x.line != null ? ` (line ${x.line})` : ''}${x.id ? ` '${x.id}'` : ''}${x.field ? ` [${x.field}]` : ''}: ${x.message}`));
  return el('div', { class: `report ${report.errors?.length ? 'has-errors' : 'clean'}` },
    el('p', { class: 'summary' }, el('strong', {}, report.dry_run ? 'Dry run: ' : report.imported ? 'Imported: ' : 'Not imported: '),
      localTimes(report.summary)),
    rows,
    // Each cycle is a path in order; its last concept is a prerequisite of its first, which closes it.
    report.cycles?.length ? el('div', {}, el('h3', {}, 'Cycles'),
      el('ul', { class: 'cycles' }, report.cycles.map((c) => el('li', {}, [...c, c[0]].join(' → '))))) : null,
    report.self_loops?.length ? el('p', {}, `Self-loops: ${report.self_loops.join(', ')}`) : null,
    changes.length ? el('div', {},
      el('h3', {}, `${report.dry_run ? 'Would change' : 'Changed'} (${fmtCount(report.changes_total, 'stored value')})`),
      el('ul', { class: 'changes' }, changes),
      more > 0 ? el('p', {}, `… and ${fmtCount(more)} more`) : null) : null,
    errors.length ? el('div', {}, el('h3', {}, `Errors (${fmtCount(report.errors.length)})`), el('ul', { class: 'errors' }, errors),
      report.errors.length > errors.length ? el('p', {}, `… and ${fmtCount(report.errors.length - errors.length)} more`) : null) : null,
    report.notes?.length ? el('ul', { class: 'notes' }, report.notes.map((n) => el('li', {}, n))) : null,
    report.based_on_current === false ? el('p', { class: 'based-on-older' }, el('strong', {}, 'Older file: '),
      olderFileText(report)) : null);
}

/** A file exported before the curriculum's latest changes (its `based_on`): what importing it replaces. */
export function olderFileText(report) {
  const since = report.changed_since;
  const who = since?.actor ? `, the newest by ${since.actor}${since.at ? ` at ${fmtTime(since.at)}` : ''}` : '';
  const count = since ? fmtCount(since.entries, 'change') : 'changes';
  return `this file was exported from an older state of the curriculum: ${count} since${who}. `
    + 'Importing it replaces those changes with the file\'s rows.';
}

async function dryRun(event, currentCurriculum) {
  event.preventDefault();
  hideMessage();
  const form = event.target;
  const curriculum = currentCurriculum();
  if (!curriculum) {
    // The import goes into the selected curriculum: with none, the page posted to /curricula/null/import,
    // which created a curriculum called "null" (a review, 1 December).
    showInfo('Choose or create a curriculum first: the import goes into the selected one.');
    return;
  }
  const data = await requestBody(form);
  if (data instanceof FormData && ![...data.keys()].length) {
    showInfo('Choose at least one CSV file, the zip or the JSON export.');
    return;
  }
  const ifMatch = exportEtag(form, curriculum);
  const skip = form.skip_invalid.checked;
  // Import sends exactly what this dry run checked: the files and options as sent now, not as the form
  // holds them when the answer comes (a file picked meanwhile was imported unchecked, a review found), and
  // a change to the form meanwhile (`forgetDryRun`) makes this answer's report stale.
  const generation = ++dryRunGeneration;
  clear($('#import-report'));
  announce('Checking the files (dry run)…');
  let report;
  try {
    ({ data: report } = await api('POST', `/curricula/${seg(curriculum)}/import`, {
      body: data, query: { dry_run: true, skip_invalid: skip || undefined }, ifMatch,
    }));
  } catch (error) {
    announce('');
    throw error;
  }
  if (curriculum !== currentCurriculum()) return; // another curriculum was picked meanwhile
  if (generation !== dryRunGeneration) {
    announce('The files or options changed during the dry run: check them again.');
    return;
  }
  clear($('#import-report'), renderReport(report));
  announce(shortSummary(report));
  const ok = !report.errors.length || skip;
  // Import writes what this report showed, or nothing: without an export's ETag it is sent with the one the
  // dry run was checked against, so an edit another designer saves meanwhile is not overwritten unseen (it
  // was, though the report had not listed it: a review, s35).
  const sinceDryRun = !ifMatch && Boolean(report.etag);
  // A file whose own record (`based_on`) says it was exported before the curriculum's latest changes: the
  // import is sent with the dry run's ETag, which the API takes over that record, so the page itself asks
  // before writing over those changes (a file edited offline for days reverted them silently).
  const older = report.based_on_current === false ? olderFileText(report) : null;
  checked = ok ? { curriculum, data, skip, ifMatch: ifMatch ?? report.etag ?? undefined, sinceDryRun, older } : null;
  $('#import-commit').disabled = !ok;
}

/** Says `text` in the import's live status line: the report itself is not live (a screen reader would
 * read out thousands of rows), this one short line is. */
function announce(text) {
  $('#import-status').textContent = text;
}

/** The dry run in one line: counts, not the rows. */
export function shortSummary(report) {
  const errors = report.errors?.length ?? 0;
  const cycles = report.cycles?.length ?? 0;
  const parts = [errors ? fmtCount(errors, 'error') : 'no errors'];
  if (cycles) parts.push(fmtCount(cycles, 'cycle'));
  if (report.changes_total) parts.push(`${fmtCount(report.changes_total, 'stored value')} would change`);
  return `Dry run done: ${parts.join(', ')}. The report follows the form.`;
}

/** Import needs a new dry run: the files, the options or the curriculum changed, or it was spent. */
function forgetDryRun() {
  dryRunGeneration += 1;
  checked = null;
  $('#import-commit').disabled = true;
}

/** The ETag to send as If-Match: the export this tab took of `curriculum`, when the designer says the
 * files are made from it (checked by default); else none (an import of other files). */
function exportEtag(form, curriculum) {
  const taken = rememberedExport(curriculum);
  return taken && form.based_on_export.checked ? taken.etag : undefined;
}

/** Offers "made from my export" when this tab exported `curriculum`. */
export function showExportChoice(curriculum) {
  const taken = rememberedExport(curriculum);
  $('#import-based-on').hidden = !taken;
  // No export to offer: the next one is offered checked again (its default), whatever was chosen for this.
  if (!taken) $('#import-form').based_on_export.checked = true;
  if (taken) {
    $('#import-based-on-text').textContent = `made from my export ${taken.file} of ${fmtTime(taken.at)} `
      + '(refuse the import if someone changed the curriculum since)';
  }
}

/** Another curriculum is selected: the dry run and its report were about the one left. */
export function curriculumChanged() {
  forgetDryRun();
  clear($('#import-report'));
  announce('');
  showExportChoice(null);
}

async function commit(afterImport, currentCurriculum) {
  if (!checked) return;
  const { curriculum, data, skip, ifMatch, sinceDryRun, older } = checked;
  if (older && !window.confirm(`Import anyway? The ${older.replace(/^this /, '')}`)) {
    announce('Not imported: the file is older than the curriculum. Export it again, or import to replace the changes.');
    return; // the dry run stands: Import asks again
  }
  // Spent at once: a second click while this import is in flight finds nothing to send.
  forgetDryRun();
  const generation = dryRunGeneration; // moved on by a change to the form while the import is in flight
  if (curriculum !== currentCurriculum()) {
    // The page now shows another curriculum: never write into the one checked earlier.
    clear($('#import-report'));
    showInfo(`The curriculum changed since the dry run (it was ${curriculum}): check the files again.`);
    focusAfterRefusal();
    return;
  }
  announce('Importing…');
  try {
    const { data: report } = await api('POST', `/curricula/${seg(curriculum)}/import`, {
      body: data, query: { skip_invalid: skip || undefined, overwrite: older ? true : undefined }, ifMatch,
    });
    announce('');
    // The import changed the curriculum: that export's ETag no longer matches it.
    if (ifMatch && report.imported) forgetExport(curriculum);
    // The answer may come after the designer switched curricula: what is offered is the one on show.
    showExportChoice(currentCurriculum());
    clear($('#import-report'), renderReport(report));
    showInfo(localTimes(report.summary));
    $('#import-report').focus(); // the focused Import is disabled now: to its report, not to <body>
    await afterImport(curriculum);
  } catch (error) {
    announce('');
    if (wroteNothingForNow(error) && generation === dryRunGeneration && curriculum === currentCurriculum()) {
      // The API was busy or its database away, and says nothing was written: the dry run still stands, so
      // Import can be pressed again when the message says. It was spent, Import disabled beside "retry in 5 s"
      // (a review, 6 December 2026), and the report on show was a dry run's that nothing could import.
      checked = { curriculum, data, skip, ifMatch, sinceDryRun, older };
      $('#import-commit').disabled = false;
      error.problem.detail = `${String(error.problem.detail ?? '').replace(/\.?$/, '.')} The dry run still stands: `
        + 'press Import again then.';
      $('#import-commit').focus();
      throw error;
    }
    if (sinceDryRun && error instanceof ApiError && error.status === 412) {
      // The API speaks of an export; this If-Match was the dry run's.
      error.problem.detail = 'Someone changed the curriculum since your dry run, so nothing was imported: its '
        + 'report no longer says what the import would change. Check the files again (dry run), then import.';
    }
    if (error instanceof ApiError && error.problem.report) {
      // The refusal's detail is the report's summary: its times local, as in the report below it.
      error.problem.detail = localTimes(error.problem.detail);
      clear($('#import-report'), renderReport(error.problem.report));
    }
    focusAfterRefusal();
    throw error;
  }
}

/** The API's own 429 (rate limit) or 503 (Neo4j or Redis away): it names when to retry and writes nothing. Not a
 * proxy's bare 503, nor no answer at all (the import may have been written before the connection went). */
const wroteNothingForNow = (error) => error instanceof ApiError && [429, 503].includes(error.status)
  && typeof error.problem.retry_after_s === 'number';

/** Import is disabled at once (the dry run is spent), and focus went to <body> with it when the import was
 * refused (412, 422, ...): a keyboard user started again at the top of the page (a review, s29). It goes to
 * the report (the refusal's, or the dry run's), or to the dry run button when there is none; focus moved
 * elsewhere meanwhile is left alone. */
function focusAfterRefusal() {
  const active = document.activeElement;
  if (active && active !== document.body && active !== $('#import-commit')) return;
  const report = $('#import-report');
  (report.firstChild ? report : $('#import-dry-run')).focus();
}

export function setupImport({ currentCurriculum, afterImport }) {
  const form = $('#import-form');
  form.addEventListener('submit', guarded(oneAtATime((event) => dryRun(event, currentCurriculum)), 'Import dry run'));
  // Any change to the files or options needs a new dry run before importing.
  form.addEventListener('change', forgetDryRun);
  $('#import-commit').addEventListener('click', guarded(() => commit(afterImport, currentCurriculum), 'Import'));
}
