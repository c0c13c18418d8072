// Export of the selected curriculum as a zip of CSVs (what the Import tab reads back), and the export's
// ETag, remembered for this tab: re-importing that file sends it as If-Match, so the API refuses (412)
// when another designer changed the curriculum since, instead of silently reverting their edits.
// A curriculum holding a value the CSV convention cannot carry (a tag with ';' in it, which the page
// itself lets a designer save) is exported as JSON instead: the API refuses its CSV export (422), and
// the page once stopped there, leaving no way to export from it.

import { ApiError, api, seg } from './api.js';
import { el, showInfo } from './dom.js';

const STORAGE = 'kgp-export:';

/** The export taken from this page for `curriculum`: {etag, at, file}, or null. */
export function rememberedExport(curriculum) {
  const text = curriculum ? sessionStorage.getItem(STORAGE + curriculum) : null;
  return text ? JSON.parse(text) : null;
}

/** The curriculum changed through the page's own import: that export's ETag is spent. */
export function forgetExport(curriculum) {
  sessionStorage.removeItem(STORAGE + curriculum);
}

/** Signing out: the exports this tab took were the signed-in designer's. Left behind, the next one to sign
 * in here was offered "made from my export" of a file they never took, and their import was sent with its
 * ETag (a 412 about someone else's export, or a provenance that is false: a review, s29). */
export function forgetAllExports() {
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (key?.startsWith(STORAGE)) sessionStorage.removeItem(key);
  }
}

/** Downloads the curriculum as `<id>.zip` (or `<id>.json`, see above) and remembers its ETag. */
export async function exportCurriculum(curriculum) {
  const path = `/curricula/${seg(curriculum)}/export`;
  let format = 'csv';
  let why = '';
  let answer;
  try {
    answer = await api('GET', path, { query: { format }, as: 'blob' });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 422)) throw error;
    format = 'json';
    why = error.problem.detail ?? '';
    answer = await api('GET', path, { query: { format }, as: 'blob' });
  }
  const { data, etag } = answer;
  const base = curriculum.replace(/[^A-Za-z0-9._-]+/g, '_') || 'curriculum';
  const file = `${base}.${format === 'csv' ? 'zip' : 'json'}`;
  const url = URL.createObjectURL(data);
  const link = el('a', { href: url, download: file, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy by the time the click returns; the next task frees the blob.
  setTimeout(() => URL.revokeObjectURL(url), 0);
  if (etag) {
    sessionStorage.setItem(STORAGE + curriculum, JSON.stringify({ etag, at: new Date().toISOString(), file }));
  }
  const note = format === 'json' ? ` (as JSON: the CSV files could not carry it; ${why})` : '';
  showInfo(`Exported ${curriculum} as ${file}${note}. Re-import it from the Import tab: the import is refused if `
    + 'someone changed the curriculum since this export.');
  return { file, etag, format };
}
