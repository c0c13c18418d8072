// Unit tests of the learner view's pure logic, run with `node --test` by test_learner_logic.py (no browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_DRAWN, leftOutText, learnerConcepts } from '../../../kgplatform/api/ui/learner.js';

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
  assert.match(leftOutText(cut, 1500), /^ Drawn: 10 of 1500 concepts: the goals, .* then 10 of the 1500 with mastery, the last practised first\. 1490 concept\(s\) are left out/);
});

test('the default cap is the designer graph\'s, and ids of other curricula take no place', () => {
  assert.equal(MAX_DRAWN, 200);
  const doc = chain(300);
  const cut = learnerConcepts(doc, { mastery: new Map(), goals: new Set(['elsewhere']), planned: new Set(), blocking: [] });
  assert.equal(cut.kept.length, 0);
  assert.equal(cut.left, 300);
});
