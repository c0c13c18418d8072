// Unit tests of the page's pure logic, run with `node --test` by test_page_logic.py (no browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, api, callsInFlight } from '../../../kgplatform/api/ui/api.js';
import { archivedText, changeText, trailRead, trailShown } from '../../../kgplatform/api/ui/audit.js';
import { conceptOf, deletesIn, keepNext, pageAt, pinnedUntil, subjectOf } from '../../../kgplatform/api/ui/changes.js';
import { differences } from '../../../kgplatform/api/ui/conflict.js';
import { deletionMessage, stillNeededText } from '../../../kgplatform/api/ui/curriculum.js';
import { mergeTheirs } from '../../../kgplatform/api/ui/tasks.js';
import {
  curriculumLabel, fmtCount, focusMovedOn, fmtTime, localTimes, parseDecimal, problemHeading, problemLines, rawValues, readNumbers,
  refillKeepingTyped,
} from '../../../kgplatform/api/ui/dom.js';
import {
  capTransfers, draw, isSwipe, layeredPositions, masteryColour, nearestRings, SWIPE_PX, touchMode, twoFingerViewport,
} from '../../../kgplatform/api/ui/graph.js';
import cytoscape from '../../../kgplatform/api/ui/vendor/cytoscape.esm.min.js';

test('layers follow the longest prerequisite path, prerequisites to the left', () => {
  const edges = [
    { source: 'a', target: 'b' }, { source: 'b', target: 'c' }, { source: 'a', target: 'c' }, { source: 'x', target: 'c' },
  ];
  const p = layeredPositions(['c', 'b', 'a', 'x', 'alone'], edges, { dx: 100, dy: 10 });
  assert.equal(p.a.x, 0);
  assert.equal(p.x.x, 0);
  assert.equal(p.alone.x, 0);
  assert.equal(p.b.x, 100);
  assert.equal(p.c.x, 200, 'c waits for b, two steps after a');
  const firstColumn = ['a', 'alone', 'x'].map((id) => p[id].y);
  assert.equal(new Set(firstColumn).size, 3, 'no two nodes of a column share a place');
});

test('many concepts linked to none of the others drawn make a grid under the layers, not one tall column', () => {
  // The learner view's cut of a big curriculum: a chain of 3, and 40 concepts practised with no edge drawn.
  const alone = Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const edges = [{ source: 'a', target: 'b' }, { source: 'b', target: 'c' }];
  const p = layeredPositions(['c', ...alone, 'b', 'a'], edges); // the page's spacing: 165 x 62
  assert.deepEqual([p.a.x, p.b.x, p.c.x], [0, 165, 330], 'the linked ones keep their layers');
  const xs = new Set(alone.map((id) => p[id].x));
  const ys = new Set(alone.map((id) => p[id].y));
  assert.ok(xs.size >= 4 && ys.size <= 10, `a grid, not a column: ${xs.size} columns, ${ys.size} rows`);
  assert.ok(Math.min(...alone.map((id) => p[id].y)) > Math.max(p.a.y, p.b.y, p.c.y), 'under the layers');
  assert.equal(new Set(alone.map((id) => `${p[id].x},${p[id].y}`)).size, 40, 'no two share a place');
  // Wide as the graph's box (3:2), within a column's rounding.
  const [width, height] = [xs.size * 165, ys.size * 62];
  assert.ok(width >= height && width <= 2.5 * height, `${width} x ${height}`);
  // With none linked at all (a cut graph without edges drawn), the grid alone.
  const only = layeredPositions(alone, [], { dx: 100, dy: 10 });
  assert.ok(new Set(alone.map((id) => only[id].x)).size > 1);
});

test('a layer too tall for the drawing wraps into sub-columns beside it, left of the next layer', () => {
  // 60 roots, each the prerequisite of one concept, and those 60 of one goal: the learner view's cut.
  const roots = Array.from({ length: 60 }, (_, i) => `r${String(i).padStart(2, '0')}`);
  const edges = roots.flatMap((r) => [{ source: r, target: `d${r}` }, { source: `d${r}`, target: 'goal' }]);
  const p = layeredPositions([...roots, ...roots.map((r) => `d${r}`), 'goal'], edges);
  const rootXs = new Set(roots.map((r) => p[r].x));
  const rootYs = new Set(roots.map((r) => p[r].y));
  assert.ok(rootXs.size > 1 && rootYs.size < 60, `wrapped: ${rootXs.size} sub-columns, ${rootYs.size} rows`);
  assert.equal(new Set(roots.map((r) => `${p[r].x},${p[r].y}`)).size, 60, 'no two share a place');
  for (const r of roots) assert.ok(p[r].x < p[`d${r}`].x && p[`d${r}`].x < p.goal.x, `${r} left of what it leads to`);
  // A short layer is not wrapped.
  const small = layeredPositions(['a', 'b', 'c'], [{ source: 'a', target: 'c' }, { source: 'b', target: 'c' }]);
  assert.equal(small.a.x, small.b.x);
});

test('edges to nodes not drawn are ignored, and a cycle in bad data does not hang', () => {
  const p = layeredPositions(['a', 'b'], [{ source: 'a', target: 'b' }, { source: 'b', target: 'a' }, { source: 'zz', target: 'a' }]);
  assert.ok(Number.isFinite(p.a.x) && Number.isFinite(p.b.x));
});

test('a big neighbourhood is cut to whole rings nearest the focus, prerequisites and dependants alike', () => {
  // The API's distance is signed: below 0 for prerequisites, above 0 for dependants.
  const nodes = [{ id: 'f', distance: 0 }, { id: 'p1', distance: -1 }, { id: 'd1', distance: 1 },
    { id: 'p2', distance: -2 }, { id: 'd2', distance: 2 }, { id: 'd3', distance: 3 }];
  assert.deepEqual(nearestRings(nodes, 10), { kept: nodes, left: 0, reach: null });
  const four = nearestRings(nodes, 5);
  assert.deepEqual(four.kept.map((n) => n.id).sort(), ['d1', 'd2', 'f', 'p1', 'p2']);
  assert.deepEqual([four.left, four.reach], [1, 2]);
  // Ring 2 does not fit whole: it is left out, not cut in the middle.
  assert.deepEqual(nearestRings(nodes, 4).kept.map((n) => n.id).sort(), ['d1', 'f', 'p1']);
  // Only the focus would fit: the nearest neighbours fill the cap instead.
  const star = [{ id: 'f', distance: 0 }, ...['c', 'a', 'b'].map((id) => ({ id, distance: 1 }))];
  assert.deepEqual(nearestRings(star, 3), { kept: [star[0], star[2], star[3]], left: 1, reach: null });
});

test('transfer edges among the drawn concepts stay; the strongest of the rest fill the outside budget', () => {
  const drawn = new Set(['a', 'b']);
  const edges = [
    { source: 'a', target: 'b', strength: 0.1 }, { source: 'a', target: 'x', strength: 0.3 },
    { source: 'y', target: 'b', strength: 0.9 }, { source: 'x', target: 'b', strength: 0.2 },
  ];
  const { shown, left } = capTransfers(edges, drawn, 1);
  assert.deepEqual(shown.map((t) => `${t.source}-${t.target}`).sort(), ['a-b', 'y-b']);
  assert.equal(left, 2);
  assert.equal(capTransfers(edges, drawn, 2).shown.length, 4, 'x twice costs one outside node');
});

test('mastery colour runs red, yellow, green and clamps', () => {
  assert.equal(masteryColour(0), 'rgb(215,48,39)');
  assert.equal(masteryColour(0.5), 'rgb(254,224,139)');
  assert.equal(masteryColour(1), 'rgb(26,152,80)');
  assert.equal(masteryColour(-3), masteryColour(0));
  assert.equal(masteryColour(7), masteryColour(1));
});

test('a missing route is told apart from a missing resource', () => {
  assert.equal(new ApiError(404, { title: 'Not Found', detail: "no route matches '/learners/x/report'" }).routeMissing, true);
  assert.equal(new ApiError(404, { title: 'Not Found', detail: 'Not Found' }).routeMissing, true);
  assert.equal(new ApiError(405, { title: 'Method Not Allowed', detail: 'GET is not allowed' }).routeMissing, true);
  assert.equal(new ApiError(404, { title: 'Not found', detail: "learner 'x' does not exist" }).routeMissing, false);
  assert.equal(new ApiError(403, { title: 'Forbidden', detail: 'needs a service key' }).routeMissing, false);
});

test('a refusal naming a header or the whole body lists no "Field:" line, unless a control of the page stands for it', () => {
  // "Field: If-Match" ended every 412 of two designers' edits: a word of the HTTP request, not of the page.
  const stale = { title: 'Precondition failed', detail: "concept 'a' is at version 2", field: 'If-Match' };
  assert.deepEqual(problemLines(stale), []);
  assert.deepEqual(problemLines({ title: 'Too many requests', field: 'X-API-Key' }), []);
  assert.deepEqual(problemLines({ title: 'Request too large', field: 'body', max_bytes: 262144 }), []);
  // The sign-in form's key box stands for X-API-Key: named by its label, it is said.
  assert.deepEqual(problemLines({ title: 'Unauthorized', field: 'X-API-Key' }, () => 'API key'), ['Field: API key']);
  assert.deepEqual(problemLines({ title: 'Not found', field: 'task_id' }), ['Field: task_id']);
});

test('an error answer without a problem body (a proxy\'s page) says what it means and when to try again', async () => {
  const saved = { fetch: globalThis.fetch, sessionStorage: globalThis.sessionStorage };
  globalThis.sessionStorage = { getItem: () => null };
  globalThis.fetch = async () => new Response('<html><body>Service Unavailable</body></html>', {
    status: 503, statusText: 'Service Unavailable', headers: { 'Content-Type': 'text/html', 'Retry-After': '30' },
  });
  try {
    await assert.rejects(api('GET', '/curricula'), (error) => {
      assert.equal(error.status, 503);
      assert.equal(error.problem.title, 'Service Unavailable');
      assert.match(error.message, /down or restarting\. Try again in 30 s/);
      return true;
    });
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.sessionStorage = saved.sessionStorage;
  }
});

test('a request too large (413) says what to do on the page, not the API\'s advice to services', async () => {
  const saved = { fetch: globalThis.fetch, sessionStorage: globalThis.sessionStorage };
  globalThis.sessionStorage = { getItem: () => null };
  globalThis.fetch = async () => new Response(JSON.stringify({
    type: 'about:blank', title: 'Request too large', status: 413, field: 'body', max_bytes: 262144,
    detail: 'the request body is over 262,144 bytes (or its Content-Length is not a number); split it (POST /answers '
      + 'takes batches) and nothing was changed',
  }), { status: 413, headers: { 'Content-Type': 'application/problem+json' } });
  try {
    await assert.rejects(api('PATCH', '/concepts/a', { body: { description: 'x' } }), (error) => {
      assert.equal(error.status, 413);
      assert.doesNotMatch(error.message, /POST \/answers/);
      assert.match(error.message, /larger than the API takes \(262,144 bytes\), so nothing was changed; what you typed/);
      assert.equal(error.problem.field, 'body');
      return true;
    });
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.sessionStorage = saved.sessionStorage;
  }
});

test('an answer whose body is cut off (the connection lost, the page reloading) is no answer either, not a bare TypeError', async () => {
  // The headers came, the body did not: response.json() rejects with the browser's TypeError, which the
  // page showed as "Error: Failed to fetch" and logged to the console (what the browser test's last step
  // most likely failed on, in a step that begins with a sign-out, which reloads the page).
  const saved = { fetch: globalThis.fetch, sessionStorage: globalThis.sessionStorage };
  globalThis.sessionStorage = { getItem: () => null };
  const cut = () => new ReadableStream({ start(controller) { controller.error(new TypeError('Failed to fetch')); } });
  try {
    for (const as of ['json', 'blob']) {
      globalThis.fetch = async () => new Response(cut(), { status: 200, headers: { 'Content-Type': 'application/json' } });
      await assert.rejects(api('GET', '/curricula', { as }), (error) => {
        assert.ok(error instanceof ApiError, `${as}: ${error}`);
        assert.equal(error.status, 0);
        assert.match(error.message, /did not answer \(Failed to fetch\)/);
        return true;
      });
    }
    // A body that came whole but is not JSON is not an outage: that error stays as it is.
    globalThis.fetch = async () => new Response('not json', { status: 200 });
    await assert.rejects(api('GET', '/curricula'), SyntaxError);
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.sessionStorage = saved.sessionStorage;
  }
});

test('a call is in flight, as sent, until its caller has the answer or the error: what the browser test waits on', async () => {
  // The browser test checks that a late answer changed nothing once the page has taken it in; a call gone
  // from here before its body was read would let that check run too soon again.
  const saved = { fetch: globalThis.fetch, sessionStorage: globalThis.sessionStorage };
  globalThis.sessionStorage = { getItem: () => null };
  let answer;
  let body;
  globalThis.fetch = () => new Promise((resolve) => { answer = resolve; });
  try {
    const call = api('GET', '/tasks', { query: { concept: 'a b', limit: 5 } });
    assert.deepEqual(callsInFlight(), ['GET /tasks?concept=a+b&limit=5']);
    const stream = new ReadableStream({ start(controller) { body = controller; } });
    answer(new Response(stream, { status: 200, headers: { 'Content-Type': 'application/json' } }));
    await new Promise((resolve) => { setTimeout(resolve, 0); });
    assert.deepEqual(callsInFlight(), ['GET /tasks?concept=a+b&limit=5'], 'the headers came, the body not yet');
    body.enqueue(new TextEncoder().encode('{"ok": true}'));
    body.close();
    const handed = await call;
    assert.deepEqual([handed.data, callsInFlight()], [{ ok: true }, []]);
    globalThis.fetch = async () => new Response('{"title": "Gone", "status": 404}', { status: 404 });
    const refused = api('DELETE', '/concepts/x');
    assert.deepEqual(callsInFlight(), ['DELETE /concepts/x']);
    await assert.rejects(refused, ApiError);
    assert.deepEqual(callsInFlight(), []);
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.sessionStorage = saved.sessionStorage;
  }
});

test('a request with no answer at all says what to do and that the typed text is kept, without a status of 0', async () => {
  const saved = { fetch: globalThis.fetch, sessionStorage: globalThis.sessionStorage };
  globalThis.sessionStorage = { getItem: () => null };
  globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
  try {
    await assert.rejects(api('PATCH', '/concepts/a', { body: {} }), (error) => {
      assert.equal(error.status, 0);
      assert.match(error.message, /did not answer \(Failed to fetch\): it is down, restarting or out of reach/);
      assert.match(error.message, /what you typed is still on the page/);
      // "Saving concept: Network error (0)": a status the API never sent.
      assert.equal(problemHeading(error, 'Saving concept'), 'Saving concept: No answer from the API');
      return true;
    });
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.sessionStorage = saved.sessionStorage;
  }
  assert.equal(problemHeading(new ApiError(412, { title: 'Precondition failed' }), 'Saving'), 'Saving: Precondition failed (412)');
  assert.equal(problemHeading(new ApiError(0, { title: 'Not a JSON export' })), 'Not a JSON export');
});

test('a delete refused because the concept is still needed points at the page\'s cascade box, not at a query', () => {
  const text = stillNeededText('fractions', { dependants: ['ratios', 'percent'], tasks: ['t1'], learners_with_goal: 3 });
  assert.equal(text, 'Concept fractions was not deleted: it is still needed by 2 concepts that need it first and '
    + '1 task that exercises only it and 3 learners who have it as a goal (listed below). Remove those first, or '
    + 'tick "cascade" beside Delete concept and delete again: that removes its edges and the tasks that exercise '
    + 'only it, and takes it out of learners\' goals.');
  assert.doesNotMatch(stillNeededText('a', { dependants: [], tasks: ['t'], learners_with_goal: 0 }), /cascade=true|concept\(s\)|learner\(s\)/);
  assert.match(stillNeededText('a', { dependants: ['b'], tasks: [], learners_with_goal: 1 }),
    /needed by 1 concept that needs it first and 1 learner who has it as a goal /);
});

test('a still-needed delete refusal naming nothing that needs the concept reads as a sentence, with the API\'s reason', () => {
  // Today's 409 names one at least; one from an API refusing for another reason may carry the lists empty.
  const empty = { dependants: [], tasks: [], learners_with_goal: 0 };
  const why = stillNeededText('fractions', {
    ...empty, detail: "concept 'fractions' is still needed by a published course; remove those first or delete with ?cascade=true",
  });
  assert.equal(why, "Concept fractions was not deleted: it is still needed (the API says: concept 'fractions' is still "
    + 'needed by a published course). Remove what needs it first, or tick "cascade" beside Delete concept and '
    + 'delete again: that removes its edges and the tasks that exercise only it, and takes it out of learners\' goals.');
  const bare = stillNeededText('fractions', empty);
  assert.match(bare, /^Concept fractions was not deleted: it is still needed\. Remove what needs it first, or tick "cascade"/);
  for (const text of [why, bare]) assert.doesNotMatch(text, /needed by {2}|\(listed below\)|cascade=true/, text);
});

test('a save conflict keeps mine where I changed a field, theirs where only they did', () => {
  const base = { name: 'A', description: 'old', tags: ['x'], difficulty: 0.5 };
  const theirs = { name: 'A', description: 'theirs', tags: ['x', 'y'], difficulty: 0.5, version: 4 };
  const mine = { name: 'Mine', description: 'old', tags: ['x', 'z'], difficulty: 0.5 };
  assert.deepEqual(differences(base, theirs, mine).map((d) => [d.key, d.keep]), [
    ['name', 'mine'], // only I changed it
    ['description', 'theirs'], // only they did: "mine" is the old value, keeping it would undo theirs
    ['tags', 'mine'], // both did: mine, until the designer picks otherwise
  ]);
  assert.deepEqual(differences(base, theirs, { ...theirs }), [], 'nothing differs: nothing to choose');
});

test('a refill after a write puts back only what was typed while the write was in flight', () => {
  const controls = { name: { value: 'Alpha, renamed' }, description: { value: '' }, tags: { value: 'x' } };
  const form = { elements: { namedItem: (n) => controls[n] } };
  const sent = rawValues(form, ['name', 'description', 'tags']);
  controls.description.value = 'typed meanwhile';
  const typed = refillKeepingTyped(form, sent, () => {
    controls.name.value = 'Alpha, renamed';
    controls.description.value = '';
    controls.tags.value = 'x; y'; // the saved version
  });
  assert.equal(typed, true);
  assert.deepEqual(rawValues(form, ['name', 'description', 'tags']),
    { name: 'Alpha, renamed', description: 'typed meanwhile', tags: 'x; y' }, 'untouched fields show the saved version');
  assert.equal(refillKeepingTyped(form, rawValues(form, ['name']), () => { controls.name.value = 'Stored'; }), false);
  assert.equal(controls.name.value, 'Stored', 'nothing typed: the refill stands');
});

test('a count with its noun reads singular for one and plural otherwise, as the CLI\'s counted() does', () => {
  // The page wrote "1 edge(s)", "1 concept(s) that need it first" and "1 attempt(s)" (a review, 5 December 2026).
  assert.equal(fmtCount(1, 'edge'), '1 edge');
  assert.equal(fmtCount(0, 'edge'), '0 edges');
  assert.equal(fmtCount(1001, 'transfer edge'), '1,001 transfer edges');
  assert.equal(fmtCount(1, "learner's", "learners'"), "1 learner's");
  assert.equal(fmtCount(2, "learner's", "learners'"), "2 learners'");
  assert.equal(fmtCount(1500), '1,500');
});

test("a concept's delete names the learners' data that went with it, as the API's report counts it", () => {
  const report = {
    deleted: 'x', cascade: false, removed_prerequisites: [], deleted_tasks: [], updated_tasks: ['t1'],
    learners_with_goal: 0, mastery_values_removed: 5,
  };
  assert.equal(deletionMessage(report),
    "Deleted x; also removed 5 learners' mastery of it. Tasks that no longer exercise it: t1.");
  assert.equal(deletionMessage({ ...report, updated_tasks: [], mastery_values_removed: 1 }),
    "Deleted x; also removed 1 learner's mastery of it.");
  assert.equal(deletionMessage({ ...report, updated_tasks: [], mastery_values_removed: 0 }), 'Deleted x.');
  assert.match(deletionMessage({ ...report, cascade: true, learners_with_goal: 2, deleted_tasks: ['t2'],
    removed_prerequisites: [{}] }), /1 edge and tasks t2 and the goal of 2 learners and 5 learners' mastery/);
});

test('counts past 999 read with thousands separators, as the Learner view\'s do: deletes, the picker, imports, trails', async () => {
  // "1500 concepts" and "the goal of 1200 learner(s)" while the Learner view wrote "5,000 learners".
  assert.equal(curriculumLabel('Big', 'big', 1500), 'Big (big, 1,500 concepts)');
  const report = {
    deleted: 'x', cascade: true, removed_prerequisites: Array(1001).fill({}), deleted_tasks: [], updated_tasks: [],
    learners_with_goal: 1200, mastery_values_removed: 25000,
  };
  assert.equal(deletionMessage(report),
    "Deleted x; also removed 1,001 edges and the goal of 1,200 learners and 25,000 learners' mastery of it.");
  assert.match(stillNeededText('x', { dependants: Array(1500).fill('d'), tasks: [], learners_with_goal: 4321 }),
    /still needed by 1,500 concepts that need it first and 4,321 learners who have it as a goal/);
  const { olderFileText, shortSummary } = await import('../../../kgplatform/api/ui/importer.js');
  assert.equal(shortSummary({ errors: Array(1234).fill({}), cycles: [], changes_total: 9000 }),
    'Dry run done: 1,234 errors, 9,000 stored values would change. The report follows the form.');
  assert.match(olderFileText({ changed_since: { entries: 2500 } }), /: 2,500 changes since\. /);
  assert.match(archivedText({ before: '2026-09-01T00:00:00Z', archived_at: '2026-10-01T00:00:00Z', entries: 12000 }),
    /\(12,000 in all\)/);
});

test('a task save refused with 412 takes theirs where I changed nothing and keeps what I typed', () => {
  const filled = { title: 'Old', kind: 'quiz', difficulty: '0.5', estimated_minutes: '10', concepts: ['a'] };
  const now = { ...filled, title: 'Mine', estimated_minutes: '42' };
  const theirs = { ...filled, difficulty: '0.9', estimated_minutes: '15', concepts: ['a', 'b'] };
  const { values, clashes } = mergeTheirs(filled, now, theirs);
  assert.deepEqual(values, { title: 'Mine', kind: 'quiz', difficulty: '0.9', estimated_minutes: '42', concepts: ['a', 'b'] });
  assert.deepEqual(clashes, ['estimated_minutes'], 'both changed the minutes; only they changed the difficulty');
  assert.deepEqual(mergeTheirs(filled, now, { ...theirs, title: 'Mine', estimated_minutes: '42' }).clashes, [],
    'the same change on both sides is no clash');
});

test('a file exported before the curriculum\'s latest changes is described by what importing it replaces', async () => {
  const { olderFileText } = await import('../../../kgplatform/api/ui/importer.js');
  const text = olderFileText({ based_on_current: false, changed_since: { entries: 2, actor: 'designer:bob', at: '2026-12-02T08:00:00Z' } });
  assert.match(text, /^this file was exported from an older state of the curriculum: 2 changes since, the newest by designer:bob at .+\. Importing it replaces those changes/);
  assert.match(olderFileText({ changed_since: { entries: 1 } }), /: 1 change since\. /);
});

test('an import\'s summary gives the newest change\'s time local, as its confirm dialog does, not the API\'s ISO', async () => {
  const { olderFileText } = await import('../../../kgplatform/api/ui/importer.js');
  const at = '2026-12-05T01:31:24.337283+00:00'; // Python's isoformat, as the summary carries it
  // As the API words it since 5 December 2026: counts with thousands separators, which no time is read in.
  const summary = `imported 1,203 rows: 0 created, 1 updated, 1,202 unchanged; the file is based on an older state `
    + `of the curriculum: 2 changes since, the newest by designer:bob at ${at}`;
  const shown = localTimes(summary);
  assert.equal(shown, summary.replace(at, fmtTime(at)));
  assert.doesNotMatch(shown, /T01:31:24|\+00:00/);
  // The same words for the time as the dialog's, from the report's own `at` (JSON: 'Z').
  const dialog = olderFileText({ changed_since: { entries: 2, actor: 'designer:bob', at: '2026-12-05T01:31:24.337283Z' } });
  assert.ok(dialog.includes(fmtTime(at)) && shown.endsWith(fmtTime(at)), `${dialog} / ${shown}`);
  assert.equal(localTimes('no time in 2026-12-05 or 12:00'), 'no time in 2026-12-05 or 12:00');
  assert.equal(localTimes(undefined), '');
});

test('a recent change opens the concept it is about; the newest delete of each entity says who deleted it', () => {
  const entries = [
    { action: 'delete', entity_type: 'task', entity_id: 't:1', actor: 'ann', old: { title: 'T', concepts: ['b'] } },
    // As the API lists an edge's entry: its ends beside old/new, which hold only the weight.
    { action: 'delete', entity_type: 'prerequisite', entity_id: 'a -> b', actor: 'bo', prerequisite: 'a', concept: 'b', old: { weight: 0.5 } },
    { action: 'delete', entity_type: 'concept', entity_id: 'b', actor: 'bo', old: { name: 'B' } },
    { action: 'update', entity_type: 'concept', entity_id: 'b', actor: 'cy', old: { name: 'b' }, new: { name: 'B' } },
    { action: 'delete', entity_type: 'concept', entity_id: 'b', actor: 'old', old: { name: 'b' } },
    { action: 'import', entity_type: 'curriculum', entity_id: 'c', actor: 'dee', old: null, new: { concepts: 3 } },
  ];
  assert.deepEqual(entries.map(subjectOf), ['task:t:1', 'concept:b', 'concept:b', 'concept:b', 'concept:b', null]);
  assert.equal(conceptOf(entries[0], { concepts: ['x', 'y'] }), 'x', "a task opens its first concept");
  assert.equal(conceptOf(entries[1]), 'b', "an edge opens the concept it leads to");
  assert.equal(conceptOf(entries[5]), null);
  const deletes = deletesIn(entries);
  assert.equal(deletes.get('concept:b').actor, 'bo', 'the newest delete, not an older one of a re-created id');
  assert.equal(deletes.get('task:t:1').actor, 'ann');
  assert.equal(changeText(entries[3]), 'name: "b" → "B"');
  assert.equal(changeText(entries[5]), 'concepts: 3', "an import's counts, not a blank cell");
});

test('later pages of Recent changes stop at the newest entry of the first, or the earlier Until', () => {
  const pin = '2026-12-03T12:18:54.356353Z'; // as the trail lists it: to the microsecond, kept as written
  assert.equal(pinnedUntil(null, null), null);
  assert.equal(pinnedUntil(null, pin), pin);
  assert.equal(pinnedUntil('2026-12-03T13:00:59.999Z', pin), pin);
  assert.equal(pinnedUntil('2026-12-03T12:00:59.999Z', pin), '2026-12-03T12:00:59.999Z');
  assert.equal(pinnedUntil('2026-12-03T12:00:59.999Z', null), '2026-12-03T12:00:59.999Z');
});

test('Recent changes reads a later page from the cursor the page before gave, an earlier one from a cursor kept', () => {
  // The first page by offset 0; Older from the first page's `next`; a page no cursor was kept for by offset.
  assert.deepEqual(pageAt(0, [null], 20), { offset: 0 });
  let cursors = keepNext([null], 0, 20, 'c1');
  assert.deepEqual(cursors, [null, 'c1']);
  assert.deepEqual(pageAt(20, cursors, 20), { cursor: 'c1' });
  cursors = keepNext(cursors, 20, 20, 'c2');
  assert.deepEqual(pageAt(40, cursors, 20), { cursor: 'c2' });
  assert.deepEqual(pageAt(60, cursors, 20), { offset: 60 });
  // Newer, then Older again: the first page read anew ends where it did, so the later cursors stay.
  assert.deepEqual(keepNext(cursors, 0, 20, 'c1'), [null, 'c1', 'c2']);
  // It ends elsewhere now (entries archived meanwhile): the cursors after it were of the old ends.
  assert.deepEqual(keepNext(cursors, 0, 20, 'other'), [null, 'other']);
  // The last page: no cursor after it (Older is disabled).
  assert.deepEqual(keepNext(cursors, 40, 20, null), [null, 'c1', 'c2', null]);
  assert.deepEqual(pageAt(60, keepNext(cursors, 40, 20, null), 20), { offset: 60 });
  // A page not at a page boundary (the last page reached past the end) keeps nothing but the first.
  assert.deepEqual(keepNext(cursors, 35, 20, 'x'), [null]);
});

test('a trail (the concept\'s, a task\'s) reads on from its cursor, and re-reads as many entries as were asked for', () => {
  const none = { key: null, wanted: 20, shown: 0, total: 0, next: null };
  const first = trailRead(none, 'c1', false);
  assert.deepEqual([first.query, first.onward], [{ limit: 20 }, false]);
  const shown = trailShown(first.trail, { items: Array(20), total: 45, next: 'n1' }, false);
  assert.deepEqual(shown, { key: 'c1', wanted: 20, shown: 20, total: 45, next: 'n1' });
  // Show more: the page after the cursor, appended; the count wanted is raised before the answer comes.
  const more = trailRead(shown, 'c1', true);
  assert.deepEqual([more.query, more.onward, more.trail.wanted], [{ limit: 20, cursor: 'n1' }, true, 40]);
  assert.equal(shown.wanted, 20, 'the state given is not changed');
  const appended = trailShown(more.trail, { items: Array(20), total: 45, next: 'n2' }, true);
  assert.deepEqual([appended.shown, appended.next], [40, 'n2']);
  // A save or a Reload re-reads as many as were asked for, from the top.
  const again = trailRead(appended, 'c1', false);
  assert.deepEqual([again.query, again.onward], [{ limit: 40 }, false]);
  // Another trail starts afresh, a Show more too; so does one with no cursor to go on from (from the top).
  assert.deepEqual(trailRead(appended, 'c2', true).query, { limit: 20 });
  assert.deepEqual(trailRead({ ...appended, next: null }, 'c1', true).query, { limit: 60 });
  // Never more than the route's largest page.
  assert.equal(trailRead({ ...appended, shown: 495 }, 'c1', true).trail.wanted, 500);
});

test('every edge is drawn whatever the ids hold: an edge id never collides with a node or another edge', () => {
  // Ids may hold '->' and ':'. Edge ids were `p:${prerequisite}->${concept}`: x -> "y->z" and "x->y" -> z
  // were both "p:x->y->z", and a concept named "p:a->b" took the id of the edge a -> b; cytoscape drops an
  // element whose id is taken, silently, so the drawing lost a prerequisite (a review, 3 December).
  const cy = cytoscape({ headless: true });
  const ids = ['x', 'y->z', 'x->y', 'z', 'a', 'b', 'p:a->b', 't:a->b'];
  const drawn = draw(cy, {
    nodes: ids.map((id) => ({ id, label: id })),
    edges: [{ prerequisite: 'x', concept: 'y->z' }, { prerequisite: 'x->y', concept: 'z' }, { prerequisite: 'a', concept: 'b' }],
    transfers: [{ source: 'a', target: 'b', strength: 0.5 }],
  });
  assert.deepEqual(drawn, { prerequisites: 3, transfers: 1, outside: 0 });
  assert.equal(cy.nodes().length, ids.length);
  assert.deepEqual(cy.edges('.prereq').map((e) => [e.source().id(), e.target().id()]).sort(),
    [['a', 'b'], ['x', 'y->z'], ['x->y', 'z']]);
  assert.equal(cy.edges('.transfer').length, 1);
});

test('a key\'s role decides the views offered; an API without /api-keys/me offers them all', async () => {
  const { roleViews, signedInText } = await import('../../../kgplatform/api/ui/role.js');
  assert.deepEqual(roleViews('designer'), { editsCurriculum: true, readsLearners: false, startTab: 'curriculum' });
  for (const reader of ['teacher', 'service']) {
    assert.deepEqual(roleViews(reader), { editsCurriculum: false, readsLearners: true, startTab: 'learner' }, reader);
  }
  const everything = { editsCurriculum: true, readsLearners: true, startTab: 'curriculum' };
  assert.deepEqual(roleViews('admin'), everything);
  assert.deepEqual(roleViews(null), everything, 'an older API: as before');
  assert.deepEqual(roleViews('auditor'), everything, 'a role from a newer API: the API\'s 403 still says what is refused');
  assert.equal(signedInText('kgp_abcdefgh1234', 'teacher'), 'Signed in (key …1234, teacher)');
  assert.equal(signedInText('kgp_abcdefgh1234', null), 'Signed in (key …1234)');
});

test('a touch on a graph is the page\'s with one finger and the graph\'s once a second finger came, until all are lifted', () => {
  const modes = [];
  let mode = null;
  for (const fingers of [1, 0, 1, 2, 1, 2, 3, 1, 0, 1]) {
    mode = touchMode(mode, fingers);
    modes.push(mode);
  }
  assert.deepEqual(modes, ['page', null, 'page', 'graph', 'graph', 'graph', 'graph', 'graph', null, 'page'],
    'the finger left after a pinch does not hand the gesture back to the page');
  assert.equal(touchMode(null, 2), 'graph', 'two fingers landing at once');
});

test('a finger moving more than the tap threshold is a swipe, in any direction', () => {
  const start = { x: 100, y: 200 };
  assert.equal(isSwipe(start, { x: 100 + SWIPE_PX, y: 200 }), false, 'a tap may wobble');
  assert.equal(isSwipe(start, { x: 100, y: 200 - SWIPE_PX - 1 }), true);
  assert.equal(isSwipe(start, { x: 108, y: 208 }), true, '11.3 px on the diagonal');
  assert.equal(isSwipe(start, { x: 103, y: 204 }), false);
});

test('two fingers pan by their midpoint\'s move and zoom by their spread, about the point between them', () => {
  const viewport = { zoom: 0.5, pan: { x: 20, y: -10 } };
  const moved = twoFingerViewport(viewport, [{ x: 100, y: 100 }, { x: 180, y: 100 }], [{ x: 130, y: 90 }, { x: 210, y: 90 }]);
  assert.deepEqual(moved, { zoom: 0.5, pan: { x: 50, y: -20 } }, 'together: a pan by their move');
  const pinched = twoFingerViewport(viewport, [{ x: 120, y: 100 }, { x: 160, y: 100 }], [{ x: 100, y: 100 }, { x: 180, y: 100 }]);
  assert.equal(pinched.zoom, 1, 'twice as far apart: twice the zoom');
  // The graph's point under the midpoint (140, 100) stays under it: (140 - pan) / zoom before and after.
  const under = ({ zoom, pan }) => [(140 - pan.x) / zoom, (100 - pan.y) / zoom];
  assert.deepEqual(under(pinched), under(viewport));
  const far = twoFingerViewport(viewport, [{ x: 100, y: 100 }, { x: 110, y: 100 }], [{ x: 0, y: 100 }, { x: 300, y: 100 }]);
  assert.equal(far.zoom, 3, 'no further in than maxZoom');
  assert.equal(twoFingerViewport(viewport, [{ x: 0, y: 0 }, { x: 300, y: 0 }], [{ x: 149, y: 0 }, { x: 151, y: 0 }], { minZoom: 0.25 }).zoom, 0.25);
  const same = [{ x: 50, y: 50 }, { x: 50, y: 50 }];
  assert.deepEqual(twoFingerViewport(viewport, same, same), viewport, 'fingers on one point: nothing to divide by');
});

test('a number typed with a decimal comma is read as the decimal it means, or refused, never as another number', () => {
  // English Chromium read "0,5" in a type=number field as 05 and "1,5" minutes as 15 (a review, 5 December 2026).
  for (const [typed, value] of [['0,5', 0.5], [' 0.5 ', 0.5], ['1,5', 1.5], [',25', 0.25], ['0,500', 0.5], ['10', 10],
    ['-0,5', -0.5], ['1,5000', 1.5], ['1e3', 1000], [String(1e-7), 1e-7]]) {
    assert.deepEqual(parseDecimal(typed), { value }, typed);
  }
  assert.deepEqual(parseDecimal('  '), { value: null }, 'blank: no number, for the caller\'s default');
  for (const typed of ['1.000,5', '1,000.5', '1,000,000', '0,5,', 'abc', 'e3', '5.', '1 000', '0x10', '--1']) {
    assert.match(parseDecimal(typed).problem ?? '', /is not a number: type digits with at most one decimal mark/, typed);
  }
  // English reads a comma before three digits as a thousands separator: 1500 or 1.5, so it is asked.
  assert.equal(parseDecimal('1,500').problem, '"1,500" could mean 1.5 or 1500: type one of them');
  assert.equal(parseDecimal('12,345').problem, '"12,345" could mean 12.345 or 12345: type one of them');
  assert.equal(parseDecimal('1,5', { whole: true }).problem, '"1,5" is 1.5: type a whole number');
  assert.deepEqual(parseDecimal('15', { whole: true }), { value: 15 });
  assert.deepEqual(parseDecimal('15,0', { whole: true }), { value: 15 });
});

test('a form\'s numbers are read together; any refused is one 422 naming each such field, with nothing read', () => {
  const form = (values) => ({ elements: { namedItem: (name) => ({ value: values[name] }) } });
  const fields = { difficulty: {}, estimated_minutes: { whole: true }, weight: { empty: 1 } };
  assert.deepEqual(readNumbers(form({ difficulty: '0,25', estimated_minutes: '15', weight: '' }), fields),
    { difficulty: 0.25, estimated_minutes: 15, weight: 1 });
  const left = readNumbers(form({ difficulty: '', estimated_minutes: ' ', weight: '2' }), fields);
  assert.deepEqual(left, { difficulty: undefined, estimated_minutes: undefined, weight: 2 });
  assert.equal(JSON.stringify(left), '{"weight":2}', 'a blank field without a default is left out of the request');
  assert.throws(() => readNumbers(form({ difficulty: '1.000,5', estimated_minutes: '1,5', weight: '1' }), fields), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.deepEqual(error.problem.errors.map((e) => e.field), ['difficulty', 'estimated_minutes']);
    assert.match(error.problem.errors[1].message, /"1,5" is 1.5: type a whole number/);
    // Refused by the page, nothing sent: no status in its heading, as if the API had answered 422.
    assert.equal(problemHeading(error, 'Saving concept'), 'Saving concept: Not a number the page can read');
    return true;
  });
});

test('focus after a write goes back to the list only when the designer did not move it on meanwhile', () => {
  // A task's delete put focus on the task list once the list was read again, wherever it was by then: keys
  // typed into another field meanwhile went to the list (a browser-test flake, 5 December 2026).
  const body = { tag: 'body' };
  const pressed = { tag: 'button' };
  const field = { tag: 'input' };
  assert.equal(focusMovedOn(field, body, pressed), true, 'typing elsewhere: left alone');
  assert.equal(focusMovedOn(body, body, pressed), false, 'dropped to <body> with the button: to the list');
  assert.equal(focusMovedOn(pressed, body, pressed), false, 'still on the button pressed: to the list');
  assert.equal(focusMovedOn(null, body, pressed), false);
});
