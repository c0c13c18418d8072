// Unit tests of the learner view's pure logic, run with `node --test` by test_learner_logic.py (no browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fmtTime, pct, problemHeading } from '../../../kgplatform/api/ui/dom.js';
import {
  MAX_DRAWN, SUGGESTED, checkLearnerId, classOptions, curriculumReader, failedText, latestOnly, leftOutText, learnerConcepts, learnerIdProblem,
  planItemLabels, progressPieces, progressText, rosterNote, rosterSuggestions, suggestionOptions, suggestionQuery, unknownLearnerText,
} from '../../../kgplatform/api/ui/learner.js';

/** A curriculum of `n` concepts c0000.. in a chain (each the prerequisite of the next). */
const chain = (n) => {
  const concepts = Array.from({ length: n }, (_, i) => ({ id: `c${String(i).padStart(4, '0')}`, name: `C ${i}` }));
  const prerequisites = concepts.slice(1).map((c, i) => ({ prerequisite: concepts[i].id, concept: c.id, weight: 1 }));
  return { curriculum: { id: 'big' }, concepts, prerequisites };
};
const row = (id, attempts, day) => ({ concept_id: id, p_now: 0.5, attempts, last_practised: day ? `2026-11-${day}T10:00:00Z` : null });

test('a curriculum that fits is drawn whole', () => {
  const doc = chain(50);
  const mastery = new Map([['c0003', row('c0003', 2, 10)], ['other-curriculum', row('other-curriculum', 1, 11)]]);
  const cut = learnerConcepts(doc, { mastery }, 50);
  assert.equal(cut.kept.length, 50);
  assert.equal(cut.left, 0);
  assert.equal(cut.withMastery, 1, 'mastery in another curriculum is not counted here');
  assert.equal(leftOutText(cut, 50), '');
});

test('a big curriculum keeps the goals, the plan, the blockers and their prerequisites, then the last practised', () => {
  const doc = chain(1500);
  // Mastery on every concept, practised in the curriculum's order: the first 400 were drawn, and the goals at
  // the end of the curriculum were not among them.
  const mastery = new Map(doc.concepts.map((c, i) => [c.id, row(c.id, i < 1400 ? 1 : 0, 1 + (i % 28))]));
  const goals = new Set(['c1499', 'c1498']);
  const planned = new Set(['c0900', 'c0700']);
  const cut = learnerConcepts(doc, { mastery, goals, planned, blocking: ['c1200'] }, 10);
  const kept = new Set(cut.kept.map((c) => c.id));
  assert.equal(kept.size, 10);
  assert.equal(cut.left, 1490);
  for (const id of ['c1499', 'c1498', 'c0900', 'c0700', 'c1200', 'c1497', 'c0899', 'c0699']) assert.ok(kept.has(id), id);
  // The two left are practised on the 28th, the last day any concept was; transfer-only mastery comes last.
  const rest = [...kept].filter((id) => !['c1499', 'c1498', 'c0900', 'c0700', 'c1200', 'c1497', 'c0899', 'c0699'].includes(id));
  assert.deepEqual(rest.map((id) => mastery.get(id).last_practised), ['2026-11-28T10:00:00Z', '2026-11-28T10:00:00Z']);
  assert.deepEqual(cut.kept.map((c) => c.id), [...cut.kept.map((c) => c.id)].sort(), 'in the curriculum\'s order');
  assert.equal(cut.masteryShown, 10);
  assert.match(leftOutText(cut, 1500), /^ Drawn: 10 of 1,500 concepts: the goals, .* then 10 of the 1,500 with mastery, the last practised first\. 1,490 concepts are left out/);
  assert.match(leftOutText({ ...cut, left: 1 }, 11), / 1 concept is left out /);
});

test('the default cap is the designer graph\'s, and ids of other curricula take no place', () => {
  assert.equal(MAX_DRAWN, 200);
  const doc = chain(300);
  const cut = learnerConcepts(doc, { mastery: new Map(), goals: new Set(['elsewhere']), planned: new Set(), blocking: [] });
  assert.equal(cut.kept.length, 0);
  assert.equal(cut.left, 300);
});

test('the curriculum read for one learner is reused for the next while the API answers 304, and read again once changed', async () => {
  // A fake API: the curriculum's ETag moves on each edit; If-None-Match naming it is answered 304.
  const stored = { big: { version: 1, doc: { curriculum: { id: 'big' }, concepts: [] } }, other: { version: 1, doc: { curriculum: { id: 'other' } } } };
  const sent = [];
  const queries = [];
  const call = async (method, path, { ifNoneMatch, query } = {}) => {
    const id = decodeURIComponent(path.split('/')[2]);
    sent.push([id, ifNoneMatch]);
    queries.push(query);
    const etag = `"${id}@${stored[id].version}"`;
    if (ifNoneMatch === etag) return { data: null, etag, status: 304 };
    return { data: structuredClone(stored[id].doc), etag, status: 200 };
  };
  const read = curriculumReader(call);
  const first = await read('big');
  assert.equal(await read('big'), first, 'the copy held, not read again');
  stored.big.version = 2;
  stored.big.doc.concepts = [{ id: 'new', name: 'Added since' }];
  const edited = await read('big');
  assert.deepEqual(edited.concepts, [{ id: 'new', name: 'Added since' }], 'an edit is read, not the stale copy');
  assert.equal(await read('big'), edited);
  // Another curriculum is never answered from this one's copy, and takes the place of it.
  assert.deepEqual((await read('other')).curriculum, { id: 'other' });
  await read('big');
  assert.deepEqual(sent, [['big', undefined], ['big', '"big@1"'], ['big', '"big@1"'], ['big', '"big@2"'],
    ['other', undefined], ['big', undefined]]);
  // Never the tasks, which the view does not draw: 9,000 of them were 1.6 MB of a 3,000-concept curriculum's
  // 2.5 MB (a review, 6 December 2026).
  assert.deepEqual(queries, Array(sent.length).fill({ tasks: false }));
});

test('the progress line names what the opening waits for, with seconds once past 2; failures name what to try again', () => {
  assert.equal(progressText('t1', []), '');
  assert.equal(progressText('t1', [['mastery', 0.4], ['plan', 12.7]]),
    'Opening learner t1: waiting for the mastery; the plan (the server computes one when it has none stored: seconds '
    + 'on a big curriculum) 12 s.');
  assert.equal(failedText([]), '');
  assert.equal(failedText([['plan', 'Service Unavailable (503)'], ['curriculum', 'Network error (0)']]),
    'Could not read the plan (Service Unavailable (503)); the curriculum (Network error (0)).');
});

test('the progress line reads out the same words while only the seconds tick; a new wait changes them', () => {
  // The line is a live region: what is read out (the pieces that do not tick) must hold still from one
  // second to the next, or a screen reader repeats the whole line every second.
  const spoken = (waits) => progressPieces('t1', waits).filter(([, ticking]) => !ticking).map(([text]) => text).join('');
  const ticks = [0.4, 2.1, 3.5, 12.7].map((s) => spoken([['mastery', 0.2], ['plan', s]]));
  assert.deepEqual(new Set(ticks).size, 1, ticks.join(' | '));
  assert.equal(ticks[0], 'Opening learner t1: waiting for the mastery; the plan (the server computes one when it has none '
    + 'stored: seconds on a big curriculum).');
  assert.notEqual(spoken([['plan', 3]]), ticks[0], 'the mastery came: read out again');
  const shown = progressPieces('t1', [['mastery', 0.2], ['plan', 12.7]]).map(([text]) => text).join('');
  assert.equal(shown, progressText('t1', [['mastery', 0.2], ['plan', 12.7]]));
  assert.match(shown, /curriculum\) 12 s\.$/);
  assert.deepEqual(progressPieces('t1', []), []);
});

test('an id no learner can have is refused before anything is asked for, as the API would refuse it', () => {
  // The API's rule (kgplatform/mastery/models.py, learner_id_characters): one URL path segment.
  for (const id of ['', 'school-1/42', 'jane doe', 'tab\there', 'bell\u0007', 'x'.repeat(201)]) {
    assert.notEqual(learnerIdProblem(id), '', JSON.stringify(id));
  }
  assert.match(learnerIdProblem('school-1/42'), /'\/'/);
  for (const id of ['learner-e2e-7', 'Zoë', 'x'.repeat(200), '😀'.repeat(200), 'a.b_c@d']) {
    assert.equal(learnerIdProblem(id), '', JSON.stringify(id));
  }
  // Refused by the page, nothing sent: marked on the id field, and no status in its heading ("(422)" read as
  // the API's answer).
  assert.doesNotThrow(() => checkLearnerId('learner-e2e-7'));
  assert.throws(() => checkLearnerId('jane doe'), (error) => {
    assert.equal(error.problem.field, 'learner-id');
    assert.equal(problemHeading(error, 'Opening learner'), 'Opening learner: Not a learner id');
    return true;
  });
});

test('typing in the id field asks for the learners whose id starts with it, unless no id could', () => {
  assert.deepEqual(suggestionQuery('  ann '), { prefix: 'ann', limit: SUGGESTED });
  assert.equal(suggestionQuery(''), null);
  assert.equal(suggestionQuery('   '), null);
  assert.equal(suggestionQuery('ann smith'), null, 'a space: the API would refuse the prefix');
  assert.equal(suggestionQuery('school-1/4'), null);
});

test('each suggested learner is offered with their answers and the last one\'s time as its label', () => {
  const last = '2026-11-05T08:30:00Z';
  const page = {
    items: [
      { learner_id: 'ann', answers: 1, last_answered_at: last },
      { learner_id: 'anna', answers: 12, last_answered_at: last },
      { learner_id: 'andy', answers: 0, last_answered_at: null },
      { learner_id: 'old', answers: 3 }, // from an API before the field: labelled as before
    ],
    next_after: null,
  };
  const at = new Date(last).toLocaleString();
  assert.deepEqual(suggestionOptions(page), [
    { value: 'ann', label: `1 answer · last ${at}` },
    { value: 'anna', label: `12 answers · last ${at}` },
    { value: 'andy', label: '0 answers' },
    { value: 'old', label: '3 answers' },
  ]);
  assert.deepEqual(suggestionOptions({ items: [] }), []);
  assert.deepEqual(suggestionOptions(null), []);
});

test('an answer to an older keystroke arriving after a newer one is dropped', async () => {
  const pending = new Map();
  const ask = latestOnly((query) => new Promise((resolve) => pending.set(query, resolve)));
  const older = ask('a');
  const newer = ask('ann');
  pending.get('ann')(['ann']);
  pending.get('a')(['a', 'ann', 'bob']);
  assert.deepEqual(await newer, ['ann']);
  assert.equal(await older, null);
});

test('a failure of an older call arriving after a newer one is dropped too, the newest one\'s is not', async () => {
  // The class picker: a class picked, then another before its roster came; the first one's 404 (deleted
  // since sign-in) showed "Reading the class: ... does not exist" under the class picked since, whose
  // learners were offered.
  const pending = new Map();
  const read = latestOnly((id) => new Promise((resolve, reject) => pending.set(id, { resolve, reject })));
  const older = read('7Q');
  const newer = read('7B');
  pending.get('7B').resolve({ class_id: '7B' });
  pending.get('7Q').reject(new Error("class '7Q' does not exist"));
  assert.deepEqual(await newer, { class_id: '7B' });
  assert.equal(await older, null);
  const newest = read('8A');
  pending.get('8A').reject(new Error("class '8A' does not exist"));
  await assert.rejects(newest, /8A/);
});

test('forget drops what every call made before it answers, and nothing after it', async () => {
  // Another key signed in while a roster read with the key before was on its way: the roster was offered
  // under the new key's classes (its learners' ids, which that key may not read).
  const pending = new Map();
  const read = latestOnly((id) => new Promise((resolve, reject) => pending.set(id, { resolve, reject })));
  const before = read('7B');
  const failed = read('7Q');
  read.forget();
  pending.get('7B').resolve({ class_id: '7B' });
  pending.get('7Q').reject(new Error("class '7Q' does not exist"));
  assert.equal(await before, null);
  assert.equal(await failed, null);
  const after = read('8A');
  pending.get('8A').resolve({ class_id: '8A' });
  assert.deepEqual(await after, { class_id: '8A' });
});

test('the class picker names each class beside its id, and its roster offers only its learners', () => {
  const page = { items: [{ class_id: '7B', name: 'Year 7 maths', members: 2 }, { class_id: '8A', name: null, members: 1 }] };
  assert.deepEqual(classOptions(page), [
    { value: '7B', text: '\u2068Year 7 maths\u2069 (\u20687B\u2069) · 2 learners' },
    { value: '8A', text: '\u20688A\u2069 · 1 learner' },
  ]);
  assert.deepEqual(classOptions(null), []);
  const roster = { class_id: '7B', name: 'Year 7 maths', learner_ids: ['ann', 'anna', 'bo'] };
  assert.deepEqual(rosterSuggestions(roster, ' an').map((o) => o.value), ['ann', 'anna']);
  assert.deepEqual(rosterSuggestions(roster, '').map((o) => o.value), ['ann', 'anna', 'bo']);
  assert.equal(rosterSuggestions(roster, 'b')[0].label, 'Year 7 maths');
  assert.equal(rosterSuggestions({ ...roster, name: null }, 'b')[0].label, '7B');
  const big = { class_id: '9Z', name: null, learner_ids: Array.from({ length: 50 }, (_, i) => `p${i}`) };
  assert.equal(rosterSuggestions(big, '').length, SUGGESTED);
});

test('a class\'s learners are offered with their answers and last answer, as every learner is', () => {
  // A review, 5 December 2026: with a class picked, each learner offered said the class's name only, where
  // without one it said how many answers the learner gave and when the last was.
  const last = '2026-12-01T09:00:00Z';
  const roster = {
    class_id: '7B',
    name: 'Year 7 maths',
    learner_ids: ['ann', 'bo', 'cy'],
    members: [{ learner_id: 'ann', answers: 3, last_answered_at: last }, { learner_id: 'bo', answers: 1, last_answered_at: null }],
  };
  assert.deepEqual(rosterSuggestions(roster, ''), [
    { value: 'ann', label: `Year 7 maths · 3 answers · last ${fmtTime(last)}` },
    { value: 'bo', label: 'Year 7 maths · 1 answer' },
    { value: 'cy', label: 'Year 7 maths' }, // added since the counts were read
  ]);
});

test('a class picked says what its list offers: an empty class, and a class larger than the list', () => {
  // A review, 5 December 2026: picking a class of 0 learners left the id field offering nothing, without a
  // word, and a class of 30 offered 20 of them, as if that were the class.
  const named = (n) => ({ class_id: '7B', name: 'Year 7 maths', learner_ids: Array.from({ length: n }, (_, i) => `p${i}`) });
  assert.equal(rosterNote(named(0)), 'Year 7 maths has no learners yet.');
  assert.equal(rosterNote({ ...named(1), name: null }), '7B: 1 learner, offered as you type.');
  assert.equal(rosterNote(named(SUGGESTED)), `Year 7 maths: ${SUGGESTED} learners, offered as you type.`);
  assert.equal(rosterNote(named(30)),
    `Year 7 maths: 30 learners; the first ${SUGGESTED} by id are offered, type the start of an id for the others.`);
  assert.equal(rosterNote(null), '');
});

test('counts shown to a teacher have thousands separators: a class of 5,000, a learner of 1,200 answers', () => {
  // A review, 5 December 2026: the class list read "Y7 · 5000 learners", and the line under it "5000 learners".
  assert.deepEqual(classOptions({ items: [{ class_id: 'Y7', name: null, members: 5000 }] }),
    [{ value: 'Y7', text: '\u2068Y7\u2069 · 5,000 learners' }]);
  const big = { class_id: 'Y7', name: null, learner_ids: Array.from({ length: 5000 }, (_, i) => `p${i}`) };
  assert.match(rosterNote(big), /^Y7: 5,000 learners; the first/);
  assert.equal(suggestionOptions({ items: [{ learner_id: 'ann', answers: 1200, last_answered_at: null }] })[0].label, '1,200 answers');
});

test('a mastery is shown rounded down, as the report\'s summary and the plan\'s reasons give it', () => {
  // A review, 5 December 2026: the summary's "99% then, 47% now" stood above the list's "100% → 48%", one
  // value in two roundings on one screen (the server rounds down, so that 0.8496 never reads as the 85% bar).
  assert.equal(pct(0.995), '99%');
  assert.equal(pct(0.4799), '47%');
  assert.equal(pct(0.8496), '84%');
  assert.equal(pct(0.57), '57%'); // 56.99999999999999 in floating point
  assert.equal(pct(Math.fround(0.57)), '57%');
  assert.equal(pct(1), '100%');
  assert.equal(pct(null), '–');
});

test('a class named right to left keeps its id and count where they belong (each part isolated)', () => {
  // Unisolated, "صف السابع (7B) · 2 learners" laid out its brackets and the 7 with the Arabic name: the
  // option read "(7B) · 2 learners" out of order (a review, 4 December).
  const page = { items: [{ class_id: '7B', name: 'صف السابع', members: 2 }, { class_id: 'כיתה-ח', name: null, members: 1 }] };
  assert.deepEqual(classOptions(page).map((o) => o.text), [
    '\u2068صف السابع\u2069 (\u20687B\u2069) · 2 learners',
    '\u2068כיתה-ח\u2069 · 1 learner',
  ]);
});

test('a planned task shows the plan\'s title and concept name with their ids; a null name falls back', () => {
  const titles = new Map([['t1', 'Curriculum title']]);
  const names = new Map([['c1', 'Curriculum name']]);
  // The plan's own names first (taken when it was made): the page showed the curriculum's, or bare ids.
  assert.deepEqual(planItemLabels({ task_id: 't1', task_title: 'Halves', concept_id: 'c1', concept_name: 'Fractions' }, titles, names),
    { title: 'Halves', taskId: 't1', concept: 'concept Fractions (c1)' });
  // Null names (a stale plan served while Neo4j is down): the curriculum's, else the ids alone, once.
  assert.deepEqual(planItemLabels({ task_id: 't1', task_title: null, concept_id: 'c1', concept_name: null }, titles, names),
    { title: 'Curriculum title', taskId: 't1', concept: 'concept Curriculum name (c1)' });
  assert.deepEqual(planItemLabels({ task_id: 't9', task_title: null, concept_id: 'c9', concept_name: null }),
    { title: 't9', taskId: '', concept: 'concept c9' });
  // A title that is its id (a task without a title) is not said twice.
  assert.deepEqual(planItemLabels({ task_id: 't2', task_title: 't2', concept_id: null }), { title: 't2', taskId: '', concept: '' });
});

test('an id no route answers for is said to be outside a scoped key\'s classes, by their names', () => {
  assert.equal(unknownLearnerText('b1'), 'No learner has the id b1: check it (it must match exactly, case included).');
  // A scoped key is answered 404 for a learner of another class too: the page said "No learner has the id".
  assert.equal(unknownLearnerText('b1', [['7B', 'Year 7, set B'], ['9Z', null]]),
    'No learner with the id b1 is in your classes (Year 7, set B (7B), 9Z): check the id (it must match exactly, '
    + 'case included), or whether the class roster names the learner.');
  const many = Array.from({ length: 100 }, (_, i) => [`c${i}`, null]);
  assert.match(unknownLearnerText('b1', many), /in your classes \(c0, c1, c2, c3, c4 and 95 more\): /);
});

test('a scoped key\'s class that no roster was sent for is offered disabled, saying so', () => {
  const page = { items: [{ class_id: '7B', name: 'Year 7 maths', members: 2 }] };
  // GET /classes lists a scoped key's stored classes only: 7C was missing from the picker without a word.
  assert.deepEqual(classOptions(page, [['7B', 'Year 7 maths'], ['7C', null]]), [
    { value: '7B', text: '\u2068Year 7 maths\u2069 (\u20687B\u2069) · 2 learners' },
    { value: '7C', text: '\u20687C\u2069 · no roster sent yet', disabled: true },
  ]);
  assert.deepEqual(classOptions({ items: [] }, [['7C', null]]).map((o) => o.disabled), [true]);
});
