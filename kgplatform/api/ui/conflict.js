// A concept save refused with 412 (another designer saved it meanwhile). The designer's typed values are
// never dropped: each field that differs is shown with the stored ("their") value next to the typed
// ("my") one, and the designer picks per field, then saves on top of the stored version's ETag, or takes
// the stored version as a whole.

import { $, clear, el } from './dom.js';

export const FIELDS = [
  { key: 'name', label: 'Name' },
  { key: 'description', label: 'Description' },
  { key: 'tags', label: 'Tags' },
  { key: 'difficulty', label: 'Difficulty' },
];

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const shown = (key, value) => {
  if (key === 'tags') return value.length ? value.join('; ') : '(none)';
  if (value === null || value === undefined || value === '') return '(empty)';
  return String(value);
};

/**
 * The fields where the stored version (`theirs`) and the typed one (`mine`) differ, each with the side to
 * keep by default, from `base` (what the form was filled with): a field only they changed keeps theirs
 * (keeping mine would silently undo their edit); a field I changed keeps mine.
 */
export function differences(base, theirs, mine) {
  return FIELDS.filter(({ key }) => !same(theirs[key], mine[key])).map(({ key, label }) => ({
    key,
    label,
    theirs: theirs[key],
    mine: mine[key],
    keep: same(mine[key], base[key]) ? 'theirs' : 'mine',
  }));
}

let shownConflict = null; // {theirs, mine} of the conflict on show

/** The values to save: mine where the designer kept mine, else theirs. */
export function pickedValues() {
  const { theirs, mine } = shownConflict;
  const body = {};
  for (const { key } of FIELDS) {
    const pick = $(`#concept-conflict input[name="keep-${key}"]:checked`)?.value;
    body[key] = pick === 'mine' ? mine[key] : theirs[key];
  }
  return body;
}

/**
 * Shows the conflict in `#concept-conflict`. `onSave` and `onTakeTheirs` are the buttons' click handlers:
 * the first saves `pickedValues()` over the stored version's ETag, the second fills the form with it.
 */
export function showConflict({ base, theirs, mine, onSave, onTakeTheirs }) {
  const panel = $('#concept-conflict');
  shownConflict = { theirs, mine };
  const rows = differences(base, theirs, mine);
  const radio = (row, side) => el('label', { class: 'conflict-pick' },
    el('input', { type: 'radio', name: `keep-${row.key}`, value: side, checked: row.keep === side }),
    el('span', { class: 'conflict-value' }, shown(row.key, row[side])));
  clear(panel,
    el('h3', { id: 'conflict-title', tabindex: '-1' }, `Changed by someone else (now version ${theirs.version})`),
    el('p', { class: 'conflict-help' }, rows.length
      ? 'Your text is kept. For each field, choose the value to save, then save over their version. Who '
        + 'saved it, and when, is at the top of the audit trail below.'
      : 'Their version already holds what you typed.'),
    rows.length ? el('table', { class: 'conflict-table' },
      el('caption', { class: 'visually-hidden' }, 'Their version and yours, field by field'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Field'), el('th', { scope: 'col' }, 'Their version'),
        el('th', { scope: 'col' }, 'Yours'))),
      el('tbody', {}, rows.map((row) => el('tr', { dataset: { field: row.key } },
        el('th', { scope: 'row' }, row.label),
        el('td', {}, radio(row, 'theirs')),
        el('td', {}, radio(row, 'mine')))))) : null,
    el('div', { class: 'buttons' },
      el('button', { type: 'button', id: 'conflict-save', onclick: onSave },
        'Save my choices'),
      el('button', { type: 'button', id: 'conflict-theirs', class: 'secondary', onclick: onTakeTheirs },
        'Take theirs (discard my edits)')));
  panel.hidden = false;
  $('#conflict-title').focus();
}

export function hideConflict() {
  const panel = $('#concept-conflict');
  shownConflict = null;
  panel.hidden = true;
  clear(panel);
}
