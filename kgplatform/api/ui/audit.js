// Audit entries as the page shows them: the open concept's trail (curriculum.js), the trail of the task
// being edited (tasks.js) and the curriculum's recent changes (changes.js).

import { el, fmtTime } from './dom.js';

/** What an entry changed: for an edit (or an import that changed a stored entity) the fields that differ,
 * old → new; for a create or delete the values that name it. */
export function describeChange(entry) {
  const keys = [...new Set([...Object.keys(entry.old ?? {}), ...Object.keys(entry.new ?? {})])];
  const changed = keys.filter((k) => JSON.stringify(entry.old?.[k]) !== JSON.stringify(entry.new?.[k]));
  if (entry.old && entry.new) {
    return changed.map((k) => `${k}: ${JSON.stringify(entry.old?.[k])} → ${JSON.stringify(entry.new?.[k])}`).join('; ');
  }
  const values = entry.new ?? entry.old ?? {};
  return Object.entries(values).filter(([k]) => ['name', 'prerequisite', 'concept', 'title', 'weight'].includes(k))
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
}

/** What an entry changed, never blank: an entry whose values name nothing `describeChange` shows (an
 * import's counts, a curriculum's own create) lists all of them. */
export function changeText(entry) {
  const described = describeChange(entry);
  if (described) return described;
  const values = entry.new ?? entry.old ?? {};
  return Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('; ');
}

export const auditItem = (a) => el('li', { class: `audit-${a.action}` },
  el('span', { class: 'audit-head' }, `${fmtTime(a.at)} · ${a.actor} · ${a.action} ${a.entity_type} ${a.entity_id}`),
  el('span', { class: 'audit-change' }, describeChange(a)));

/** The line saying entries of a trail were moved to a file (`kgplatform audit archive`, the `archived` of
 * an audit route's answer), so that the list's end is not read as the curriculum's first change; '' when
 * nothing of it was archived. */
export const archivedText = (archived) => (archived
  ? `Entries before ${fmtTime(archived.before)} were archived on ${fmtTime(archived.archived_at)} `
    + `(${archived.entries} in all) and are not listed here.`
  : '');

/** `node` (a hint line under a trail) shows `archivedText`, or is hidden. */
export function showArchived(node, archived) {
  node.textContent = archivedText(archived);
  node.hidden = !archived;
}
