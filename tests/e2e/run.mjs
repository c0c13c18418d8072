// The browser half of tests/e2e/test_browser.py: drives Debian's Chromium through playwright-core
// against the running API, asserting what a designer and a teacher see. Each step is named; the first
// failure prints its step, saves a screenshot (failure-<step>.png) and exits non-zero.
// The page runs under its Content-Security-Policy: any violation, like any script error, fails the last step.
// Environment: E2E_BASE_URL, E2E_DESIGNER_KEY, E2E_ADMIN_KEY, E2E_TEACHER_KEY, E2E_CURRICULUM, E2E_LEARNER,
// E2E_ARTIFACTS (folder for screenshots), E2E_CHROMIUM (the browser binary); E2E_STEPS (optional: the steps to run).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireUi = createRequire(join(root, 'ui', 'package.json'));
const { chromium } = requireUi('playwright-core');
// axe-core (pinned in ui/package.json) checks the views on show against WCAG 2.1 A and AA (assertAxeClean).
const AXE_SOURCE = readFileSync(requireUi.resolve('axe-core/axe.min.js'), 'utf8');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('E2E_BASE_URL');
const DESIGNER_KEY = env('E2E_DESIGNER_KEY');
const ADMIN_KEY = env('E2E_ADMIN_KEY');
// The learner view is used with a teacher's key, which reads learners and changes nothing (an admin key
// stood in for it until the role existed, 3 December).
const TEACHER_KEY = env('E2E_TEACHER_KEY');
const CURRICULUM = env('E2E_CURRICULUM');
const LEARNER = env('E2E_LEARNER');
const ARTIFACTS = env('E2E_ARTIFACTS');
const TIMEOUT = 10_000;
// What kgplatform/api/ui_headers.py sends with every /ui response.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const profile = mkdtempSync(join(tmpdir(), 'kgp-e2e-chromium-'));
// A fresh profile folder per run (--user-data-dir, which Playwright takes as launchPersistentContext's argument).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env('E2E_CHROMIUM'),
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync',
  ],
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(TIMEOUT);
const consoleErrors = [];
// Each error names the step it came in, and a non-API error's message box: a lone "TypeError: Failed to
// fetch" in the last step said neither which step nor which request (a flake seen once, 3 December).
let currentStep = '';
page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message} [in: ${currentStep}]`));
page.on('console', (msg) => {
  if (msg.type() !== 'error') return;
  const where = msg.location();
  const entry = `console: ${msg.text()} [in: ${currentStep}; ${where.url}:${where.lineNumber}]`;
  const index = consoleErrors.push(entry) - 1; // at once: the CSP step counts what came after its probe
  if (/Failed to load resource/.test(msg.text())) return;
  page.locator('#message').textContent().then((shown) => {
    if (consoleErrors[index] === entry) consoleErrors[index] = `${entry} (message box: ${shown})`;
  }, () => {});
});
// Requests that got no answer (net::ERR_...), with the step they came in: a page error "TypeError: Failed to
// fetch" says neither which request failed nor how (the last step's failure, seen twice under load).
const failedRequests = [];
page.on('requestfailed', (request) => {
  failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText} [in: ${currentStep}]`);
});
// Every confirm() is answered OK unless a step swaps this handler for its own.
const acceptDialog = (dialog) => dialog.accept();
page.on('dialog', acceptDialog);
/** Runs `steps` with every confirm() answered Cancel, handing it the list of questions asked so far. */
const cancellingDialogs = async (steps) => {
  const asked = [];
  const dismiss = (dialog) => { asked.push(dialog.message()); return dialog.dismiss(); };
  page.off('dialog', acceptDialog);
  page.on('dialog', dismiss);
  try {
    await steps(asked);
  } finally {
    page.off('dialog', dismiss);
    page.on('dialog', acceptDialog);
  }
};
/** What the browser's "Leave site?" question hangs on: whether the page cancels beforeunload. */
const unloadAsks = () => page.evaluate(() => {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
});
// Every CSP violation in any document the page loads becomes a console error, so the last step fails on
// it even where Chromium's own "Refused to ..." message would not say enough.
await context.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
  });
});
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
/** Holds the requests to the URLs `matches` picks (of `method`, when given) in flight, as a slow server would,
 * until `release()`: `arrived` resolves with the first one held, so a step acts while it is surely in flight;
 * `held` lists every one held (answersTakenIn waits for them). `stop()` lets every held one go and removes the
 * route. */
const holdRequests = async (matches, method = null) => {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  let arrive;
  const arrived = new Promise((resolve) => { arrive = resolve; });
  const held = [];
  const hold = async (route) => {
    if (method && route.request().method() !== method) {
      await route.fallback();
      return;
    }
    held.push(route.request());
    arrive(route.request());
    await released;
    await route.continue().catch(() => {});
  };
  await page.route(matches, hold);
  return {
    arrived,
    held,
    release,
    stop: async () => {
      release();
      await page.unroute(matches, hold);
    },
  };
};
// A check that a late answer changed nothing passes whatever the page does with the answer unless the page has
// handled it by then: after a fixed wait (300 ms) it had not always, on a loaded machine, and such a check could
// not fail. These wait for the page's own word instead: api.js keeps a call in flight until its caller has the
// answer, and a page function polled after that (in a task of its own) runs after that caller's code, up to its
// next await.
/** Waits until the page has taken in the answers to `requests` (Playwright's, e.g. a holdRequests' `held`, let go
 * by then): none of them is still an API call in flight in the page. */
const answersTakenIn = (requests) => page.waitForFunction(
  (calls) => !window.kgp.callsInFlight().some((call) => calls.includes(call)),
  requests.map((request) => `${request.method()} ${request.url()}`),
);
/** Waits until the page has no API call in flight: all that the step's actions asked for is answered and handled. */
const apiSettled = () => page.waitForFunction(() => window.kgp.callsInFlight().length === 0);
/** Waits until `asked` (a cancellingDialogs list) holds `count` questions: Playwright's dialog handler, which
 * answers a confirm() (Cancel), may run after the click that asked has returned. */
const askedAtLeast = async (asked, count) => {
  for (let i = 0; i < TIMEOUT / 100 && asked.length < count; i += 1) await sleep(100);
};
/** Waits for the page's next `count` frames to be drawn. */
const afterFrames = (count) => page.evaluate((n) => new Promise((resolve) => {
  const next = (left) => (left ? requestAnimationFrame(() => next(left - 1)) : resolve());
  next(n);
}), count);
/** Opens the "New concept" section (a click on its summary toggles it, so it would close one left open). */
const openNewConcept = () => page.evaluate(() => { document.querySelector('details.new-concept').open = true; });
const csv = (text) => ({ mimeType: 'text/csv', buffer: Buffer.from(text) });
/** Taps a node of the Curriculum view's graph, as a click on it would. The function returns nothing: what
 * `emit` returns is the node's collection, which reaches the core, its renderer and every element, and
 * Playwright walked it all to serialise it as evaluate's result (20 s and more, and past 60 s when the
 * machine was busy: the two browser-test failures in CI, both stuck in a step that tapped a node). */
const tapGraphNode = (id) => page.evaluate((node) => { window.kgp.curriculumGraph().getElementById(node).emit('tap'); }, id);
const conceptShown = (id) => page.waitForFunction((want) => document.querySelector('#concept-id').textContent === want, id);
/** Waits until learner `id`'s panels are all filled. They wait on the server's slowest answers: a plan
 * computed on request, the feedback report and its picture (drawn by matplotlib), the curriculum and the
 * transfer model's edges; the first learner opened takes most of the 3.5 s of "sign in as a teacher" on
 * a quiet machine. The page's 10 s default left a loaded CI machine (3x slower and more: see
 * tapGraphNode) too little room; the step's own limit (60 s) still stops a learner that never loads. */
/** Answers a read of the whole curriculum with `change(doc)`: asked for whole (without the If-None-Match of
 * the copy the learner view holds, which the API would answer 304, with nothing to change) and answered
 * without its ETag, so the page does not keep the changed copy for the learners opened after the step. */
const fulfillChangedCurriculum = async (route, change) => {
  const headers = { ...route.request().headers() };
  delete headers['if-none-match'];
  const response = await route.fetch({ headers });
  const { etag, 'content-length': length, ...kept } = response.headers();
  await route.fulfill({ status: response.status(), headers: kept, json: change(await response.json()) });
};
const LEARNER_TIMEOUT = 30_000;
const learnerLoaded = (id) => page.waitForSelector(`body[data-learner-loaded="${id}"]`, { timeout: LEARNER_TIMEOUT });
/** Scrolls to the report's plot, which the page reads only once its place is in view, and waits for it. */
const showPlot = async () => {
  // Its place is there once the report is (learnerLoaded): none means a page that reads the plot at once.
  const place = page.locator('#learner-report .report-plot');
  if (await place.count()) await place.scrollIntoViewIfNeeded();
  await page.locator('#learner-report img.report-png').waitFor({ timeout: LEARNER_TIMEOUT });
};

const alert = page.locator('#message');
// Every change to the message box is counted, per document, so expectAlert can tell a message the step's
// action showed from one left over by the step before: two steps in a row ending in "Validation failed
// (422)" let the second one read the first one's message before its own save had answered, and the field
// it then checked was not marked yet (a CI failure, stop 34).
await context.addInitScript(() => {
  window.kgpAlertDocument = Math.random();
  window.kgpAlertChanges = 0;
  document.addEventListener('DOMContentLoaded', () => {
    const box = document.querySelector('#message');
    if (!box) return;
    new MutationObserver(() => { window.kgpAlertChanges += 1; })
      .observe(box, { childList: true, subtree: true, characterData: true, attributes: true });
  });
});
let lastAlertSeen = { document: null, changes: 0 };
/** Waits for a message matching `pattern` shown since the last one this accepted, and returns its text. */
const expectAlert = async (pattern) => {
  const seen = await page.waitForFunction(
    ([source, flags, last]) => {
      const box = document.querySelector('#message');
      const fresh = window.kgpAlertDocument !== last.document || window.kgpAlertChanges > last.changes;
      const shown = fresh && box && !box.hidden && new RegExp(source, flags).test(box.textContent);
      return shown && { document: window.kgpAlertDocument, changes: window.kgpAlertChanges };
    },
    [pattern.source, pattern.flags, lastAlertSeen],
  );
  lastAlertSeen = await seen.jsonValue();
  return alert.textContent();
};
/** No heading skips a level after the one before it (axe's heading-order), in the view on show. */
const assertHeadingOrder = async (where) => {
  const levels = await page.evaluate(() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter((h) => h.getClientRects().length || h.classList.contains('visually-hidden'))
    .filter((h) => !h.closest('[hidden]'))
    .map((h) => [Number(h.tagName[1]), h.textContent.trim().slice(0, 40)]));
  for (let i = 1; i < levels.length; i += 1) {
    assert.ok(levels[i][0] <= levels[i - 1][0] + 1, `${where}: "${levels[i][1]}" (h${levels[i][0]}) after "${levels[i - 1][1]}" (h${levels[i - 1][0]})`);
  }
};
/** axe-core finds no serious or critical WCAG 2.1 A/AA violation in the page as it is on show (hidden views are
 * skipped by axe itself). page.evaluate runs axe outside the page's CSP, which refuses an injected <script>. */
const WCAG21_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** `on`: the page to check (another browser's, for the touch step); `tags`: axe's rule sets. */
const assertAxeClean = async (where, { on = page, tags = WCAG21_TAGS } = {}) => {
  if (!await on.evaluate(() => 'axe' in window)) await on.evaluate(AXE_SOURCE);
  const found = await on.evaluate(async (values) => {
    const { violations } = await window.axe.run(document, { runOnly: { type: 'tag', values }, resultTypes: ['violations'] });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }, tags);
  assert.deepEqual(found, [], `${where}: axe's serious or critical violations`);
};
/** Calls the API from Node, as another designer would at the same time. */
const callApi = async (method, path, { key = DESIGNER_KEY, body, ifMatch } = {}) => {
  const headers = { 'X-API-Key': key };
  if (body) headers['Content-Type'] = 'application/json';
  if (ifMatch) headers['If-Match'] = ifMatch;
  const response = await fetch(BASE + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: response.status, etag: response.headers.get('ETag'), json: await response.json().catch(() => null) };
};

/** Types `secret` into the sign-in form and presses Sign in (a tap on a touch screen), then waits until the
 * page is signed in. `on`: the page (another browser's, for the touch step); `wait: false` returns at once,
 * for a step that expects a refusal or reads its own message. */
const signInWith = async (secret, { on = page, tap = false, wait = true } = {}) => {
  await on.getByLabel('API key').fill(secret);
  const button = on.getByRole('button', { name: 'Sign in' });
  await (tap ? button.tap() : button.click());
  if (wait) await on.waitForSelector('body[data-signed-in=true]');
};
/** Presses Sign out and waits for the sign-in form. */
const signOut = async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForSelector('#signin-form:not([hidden])');
};

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

step('while the page\'s scripts load (seconds on a slow network) the sign-in form says so', async () => {
  // The form stays disabled until app.js runs; a greyed-out form that said nothing looked broken.
  const held = await holdRequests((url) => url.pathname === '/ui/vendor/cytoscape.esm.min.js');
  try {
    await page.goto(`${BASE}/ui/`, { waitUntil: 'commit' });
    await held.arrived;
    const loading = page.getByRole('status').filter({ hasText: 'Loading the page…' });
    await loading.waitFor();
    assert.equal(await page.evaluate(() => document.querySelector('#signin-fields').disabled), true);
    held.release();
    await loading.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.querySelector('#signin-fields').disabled), false);
  } finally {
    await held.stop();
  }
});

step('a wrong key is refused with the API\'s 401 message', async () => {
  const response = await page.goto(`${BASE}/ui/`);
  assert.equal(response.headers()['content-security-policy'], CSP, 'the page is served under the CSP');
  await signInWith('kgp_not-a-real-key', { wait: false });
  const text = await expectAlert(/Unauthorized \(401\)/);
  assert.match(text, /Sign in/);
  assert.equal(await page.locator('#app').isHidden(), true);
});

step('a refused key is marked on the key box, like any refused field', async () => {
  // The 401 names the field X-API-Key, which the key box (it has no name, on purpose) was never tied to:
  // unlike every other refused field, it was not marked (a review, s29).
  const key = page.getByLabel('API key');
  await signInWith('kgp_still-not-a-real-key', { wait: false });
  const text = await expectAlert(/Unauthorized \(401\)/);
  assert.match(text, /Field: API key/);
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  const describedBy = await key.getAttribute('aria-describedby');
  assert.ok(describedBy, 'the message describes the box');
  assert.match(await page.locator(`#${describedBy}`).textContent(), /invalid/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'api-key', 'focus on the key box');
  await key.fill('');
});

step('the sign-in form cannot send the key anywhere before the scripts run', async () => {
  // Submitted before app.js loaded, the old form sent GET /ui/?api-key=kgp_... (URL, history, access log).
  const html = await (await fetch(`${BASE}/ui/`)).text();
  assert.match(html, /<form id="signin-form"[^>]*method="post"/);
  assert.match(html, /<fieldset id="signin-fields" disabled>/);
  assert.doesNotMatch(html, /<input id="api-key"[^>]*\bname=/);
  assert.equal(await page.evaluate(() => document.querySelector('#signin-fields').disabled), false, 'enabled by app.js');
});

step('the sign-in view: one main landmark, a title that says so, a favicon that loads', async () => {
  assert.equal(await page.getByRole('main').count(), 1);
  assert.equal(await page.getByRole('main').isVisible(), true);
  assert.equal(await page.title(), 'Sign in · kgplatform');
  const icon = await page.evaluate(() => document.querySelector('link[rel=icon]')?.href);
  assert.ok(icon, 'a favicon link');
  const response = await fetch(icon);
  assert.equal(response.status, 200, icon);
  assert.match(response.headers.get('content-type'), /image\/svg\+xml/);
});

step('axe: the sign-in view, with a refused key marked, has no serious or critical WCAG 2.1 AA violation', async () => {
  await signInWith('kgp_not-a-real-key', { wait: false });
  await expectAlert(/Unauthorized \(401\)/);
  await assertAxeClean('the sign-in view');
  await page.getByLabel('API key').fill('');
});

step('every /ui response carries the security headers; the API\'s routes do not', async () => {
  for (const path of ['/ui/', '/ui/app.js', '/ui/styles.css', '/ui/vendor/cytoscape.esm.min.js']) {
    const response = await fetch(BASE + path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-security-policy'), CSP, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
  }
  const api = await fetch(`${BASE}/curricula`, { headers: { 'X-API-Key': DESIGNER_KEY } });
  assert.equal(api.headers.get('content-security-policy'), null);
  assert.equal(api.headers.get('cache-control'), 'no-store', 'learner and curriculum data stay out of shared caches');
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
});

step('sign in as a designer and see the curriculum\'s concepts, paged', async () => {
  await signInWith(DESIGNER_KEY);
  assert.equal(await page.locator('#curriculum-select').inputValue(), CURRICULUM);
  await page.waitForSelector('.concept-link');
  assert.equal(await page.locator('.concept-link').count(), 10);
  assert.match(await page.locator('#page-info').textContent(), /1–10 of 10/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('kgp.apiKey') !== null), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-curriculum', 'focus not lost with the form');
  // The page asked the API which role the key holds (GET /api-keys/me) and says it.
  assert.match(await page.locator('#signed-in-text').textContent(), /^Signed in \(key ….{4}, designer\)$/);
});

step('a designer key\'s Learner tab says it needs a teacher or service key, instead of a 403 per panel', async () => {
  await page.getByRole('tab', { name: 'Learner' }).click();
  await page.getByRole('note').filter({ hasText: 'it needs a teacher or service key; this key\'s role is designer' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Open learner' }).isVisible(), false);
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  assert.equal(await page.locator('#read-only-note').isVisible(), false, 'a designer edits');
});

step('a reload while the API is down keeps the key: the page signs in again once it answers', async () => {
  // Any failure of the sign-in's first reads forgot the key: a reload during a short outage (503) signed the
  // designer out, to find and paste the key again (a review, s37). Only a refused key is forgotten.
  const down = (route) => route.fulfill({
    status: 503,
    contentType: 'application/problem+json',
    headers: { 'Retry-After': '1' },
    body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Neo4j is unavailable' }),
  });
  await page.route(`${BASE}/curricula`, down);
  try {
    await page.reload();
    const text = await expectAlert(/Sign in: Service Unavailable \(503\)/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('kgp.apiKey')), DESIGNER_KEY, 'the key is kept');
    assert.match(text, /Neo4j is unavailable.*key is kept/);
    assert.equal(await page.locator('#app').isHidden(), true);
  } finally {
    await page.unroute(`${BASE}/curricula`, down);
  }
  await page.reload();
  await page.waitForSelector('body[data-signed-in=true]');
  assert.equal(await page.locator('#curriculum-select').inputValue(), CURRICULUM);
  await page.waitForSelector('.concept-link');
  // Chromium logs the 503 this step answered on purpose as a failed resource: not a script error.
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('status of 503') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
});

step('the tabs: one tab stop, arrow keys, Home and End; the title follows the view', async () => {
  const selected = () => page.evaluate(() => [document.activeElement?.id,
    document.querySelector('[role=tab][aria-selected=true]').id, document.title,
    [...document.querySelectorAll('[role=tab]')].map((t) => t.tabIndex).join(',')]);
  await page.getByRole('tab', { name: 'Curriculum' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-learner', 'tab-learner', 'Learner · kgplatform', '-1,0,-1']);
  await page.keyboard.press('End');
  assert.deepEqual(await selected(), ['tab-import', 'tab-import', 'Import · kgplatform', '-1,-1,0']);
  await page.keyboard.press('ArrowRight'); // wraps round
  assert.deepEqual((await selected()).slice(0, 2), ['tab-curriculum', 'tab-curriculum']);
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual((await selected()).slice(0, 2), ['tab-import', 'tab-import']);
  await page.keyboard.press('Home');
  assert.deepEqual(await selected(), ['tab-curriculum', 'tab-curriculum', 'Curriculum · kgplatform', '0,-1,-1']);
  assert.equal(await page.locator('#view-curriculum').isVisible(), true);
});

step('search narrows the list; opening a concept draws its neighbourhood with transfer edges', async () => {
  await page.getByLabel('Search', { exact: true }).fill('equation');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('.concept-link').length === 2);
  await page.locator('.concept-link', { hasText: 'Linear equations' }).click();
  await page.waitForFunction(() => /around linear-equations/.test(document.querySelector('#graph-status').textContent));
  await page.getByLabel('Depth').selectOption('3');
  await page.waitForFunction(() => /depth 3/.test(document.querySelector('#graph-status').textContent));
  const graph = await page.evaluate(() => {
    const cy = window.kgp.curriculumGraph();
    return {
      nodes: cy.nodes().map((n) => n.id()).sort(),
      transfers: cy.edges('.transfer').map((e) => [e.source().id(), e.target().id(), e.data('label'), e.style('line-style')]),
      prereqs: cy.edges('.prereq').length,
    };
  });
  for (const id of ['linear-equations', 'expressions', 'quadratics', 'subtraction', 'multiplication']) {
    assert.ok(graph.nodes.includes(id), `${id} in ${graph.nodes}`);
  }
  assert.ok(graph.prereqs >= 5);
  assert.deepEqual(
    graph.transfers.find(([s, t]) => s === 'ratios' && t === 'linear-equations'),
    ['ratios', 'linear-equations', '0.41', 'dashed'],
  );
  await page.locator('#transfer-edge-list', { hasText: 'Ratios ⇢ Linear equations: strength 0.41' }).waitFor();
  assert.equal(await page.title(), 'Linear equations · Curriculum · kgplatform');
  await assertHeadingOrder('the curriculum view');
});

step('a save that gets no answer at all (the API stopped) says what to do and that the typed text is kept', async () => {
  // It said "Saving concept: Network error (0) the API did not answer: Failed to fetch": a status the API never
  // sent, and neither what to do nor whether the typed text was safe, which a proxy's 502 said (a review,
  // 5 December 2026).
  const name = page.locator('#concept-form').getByLabel('Name');
  const stored = await name.inputValue();
  const typed = `${stored} (typed while the API was down)`;
  await name.fill(typed);
  const refuse = (route) => (route.request().method() === 'PATCH' ? route.abort('connectionrefused') : route.fallback());
  await page.route(`${BASE}/concepts/linear-equations`, refuse);
  try {
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const text = await expectAlert(/Saving concept: No answer from the API/);
    assert.doesNotMatch(text, /\(0\)/);
    assert.match(text, /down, restarting or out of reach\. Try again in a minute; what you typed is still on the page/);
    assert.equal(await name.inputValue(), typed);
  } finally {
    await page.unroute(`${BASE}/concepts/linear-equations`, refuse);
  }
  await page.getByRole('button', { name: 'Reload' }).click(); // asks first (answered OK): the stored name back
  await page.waitForFunction((want) => document.querySelector('#concept-form [name=name]').value === want, stored);
  // Chromium logs the request refused on purpose as a failed resource: not a script error.
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('ERR_CONNECTION_REFUSED') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
});

step('a slow API: a request unanswered for a second is said at the window\'s foot, and no longer once answered', async () => {
  // A click on a concept, a Save or a sign-in showed nothing for as long as the API took to answer: the page
  // looked as if it had ignored the click (a review, 5 December 2026).
  const waiting = page.getByRole('status').filter({ hasText: 'Waiting for the API to answer…' });
  // Nothing in flight before the held read: the step before's Reload still reads the graph and trail on a busy
  // machine. Waiting only for an empty line let one of those reads, unanswered for a second, show the line
  // checked below, which went blank when it was answered, the held read being younger than a second (CI,
  // 6 December 2026: the words matched, then no seconds were there).
  await apiSettled();
  const held = await holdRequests(`${BASE}/concepts/linear-equations`, 'GET');
  try {
    await page.getByRole('button', { name: 'Reload' }).click();
    await held.arrived;
    await waiting.waitFor();
    // The words are read out once; the seconds tick beside them, hidden from screen readers.
    assert.match(await waiting.textContent(), /^Waiting for the API to answer… \d+ s$/);
    assert.equal(await page.locator('#api-waiting [aria-hidden=true]').count(), 1);
    held.release();
    await page.waitForFunction(() => document.querySelector('#api-waiting').textContent === '');
  } finally {
    await held.stop();
  }
  await conceptShown('linear-equations');
});

step('a skip link, shown when Tab reaches it, takes the keyboard from the concept list to the Name field', async () => {
  // From a concept in the list to its Name field took 12 Tab presses: the pager, New concept, the graph's
  // controls, the edge lists and Recent changes (a review, 5 December 2026).
  const skip = page.getByRole('link', { name: 'Skip to the concept editor' });
  await page.locator('.concept-link.current').focus();
  const after = await page.evaluate(() => {
    const links = [...document.querySelectorAll('.concept-link')];
    return links.length - 1 - links.indexOf(document.activeElement);
  });
  assert.ok((await skip.boundingBox()).x < 0, 'off screen until focused');
  let presses = 0;
  while (presses < 30 && !await skip.evaluate((a) => a === document.activeElement)) {
    await page.keyboard.press('Tab');
    presses += 1;
  }
  assert.equal(presses, after + 1, 'right after the list\'s concepts');
  const box = await skip.boundingBox();
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1280 && box.height >= 24, `shown when focused: ${JSON.stringify(box)}`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelector('#concept-form [name=name]')), true,
    `focus on the Name field, not on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`);
  assert.ok((await skip.boundingBox()).x < 0, 'off screen again once left');
});

step('a neighbour opens from "Edges as a list" by keyboard, as a tap on its node does; focus stays by the graph', async () => {
  // Tapping a node was the only way to open a neighbour: the lists were plain text.
  const prerequisites = page.getByRole('list', { name: 'Prerequisite edges' });
  assert.equal(await prerequisites.getByRole('button', { name: 'Linear equations', exact: true }).count(), 0, 'the open one is text');
  await prerequisites.getByRole('button', { name: 'Algebraic expressions', exact: true }).first().focus();
  await page.keyboard.press('Enter');
  await conceptShown('expressions');
  await page.waitForFunction(() => /around expressions/.test(document.querySelector('#graph-status').textContent));
  // Focus moves once the open is done, tasks and audit trail read too, which is after the graph's line says
  // what is drawn: asked at once, the step failed on a loaded machine (seen 4 December) with focus still on
  // its way. Waited for, with what holds it named if it never comes.
  await page.waitForFunction(() => document.activeElement?.id === 'graph-status', null, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`focus lost to ${await page.evaluate(() => document.activeElement?.tagName)}`));
  const transfers = page.getByRole('list', { name: 'Transfer edges' });
  await prerequisites.getByRole('button', { name: 'Linear equations', exact: true }).first().press('Enter');
  await conceptShown('linear-equations');
  await page.waitForFunction(() => /around linear-equations \(depth 3/.test(document.querySelector('#graph-status').textContent));
  assert.equal(await transfers.getByRole('button', { name: 'Ratios', exact: true }).count(), 1, 'a transfer edge\'s end opens too');
});

step('the graph says when the transfer overlay holds only the strongest edges', async () => {
  // The route answers `truncated` when the model has more edges around these concepts than it returns.
  const edgesRoute = (url) => url.pathname.endsWith('/ui-support/transfer-edges');
  const status = () => page.locator('#graph-status').textContent();
  assert.doesNotMatch(await status(), /Only the strongest/);
  await page.route(edgesRoute, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), truncated: true } });
  });
  try {
    await page.getByLabel('Depth').selectOption('2');
    await page.waitForFunction(() => /depth 2/.test(document.querySelector('#graph-status').textContent));
    assert.match(await status(), /Only the strongest transfer edges are shown: the model has more here\./);
  } finally {
    await page.unroute(edgesRoute);
  }
  await page.getByLabel('Depth').selectOption('3');
  await page.waitForFunction(() => /depth 3/.test(document.querySelector('#graph-status').textContent));
  assert.doesNotMatch(await status(), /Only the strongest/);
});

step('a neighbourhood too big to draw quickly is cut to its nearest concepts; Draw all draws the rest', async () => {
  // The API's answer with 240 more concepts one step away (the world is small): depth 10 of a 1,500-concept
  // curriculum is 500-620 concepts, which took 6-8 s to draw with the page frozen.
  const hoodRoute = (url) => url.pathname.endsWith('/neighbourhood');
  const extra = Array.from({ length: 240 }, (_, i) => ({ id: `far-${String(i).padStart(3, '0')}`, name: `Far ${i}`, distance: 1 }));
  await page.route(hoodRoute, async (route) => {
    const response = await route.fetch();
    const hood = await response.json();
    await route.fulfill({ response, json: { ...hood, nodes: [...hood.nodes, ...extra] } });
  });
  const status = () => page.locator('#graph-status').textContent();
  const drawAll = page.getByRole('button', { name: /^Draw all \d+ concepts \(slow\)$/ });
  try {
    await page.getByLabel('Depth').selectOption('4');
    await page.waitForFunction(() => /depth 4/.test(document.querySelector('#graph-status').textContent));
    const text = await status();
    assert.match(text, /^150 of \d+ concepts, .* around linear-equations \(depth 4, both\)\./);
    assert.match(text, /[\d,]+ concepts? farther away (?:is|are) left out so the graph stays quick to draw \(at most 200 nodes\): the prerequisite list below names every edge; a lower depth or one direction draws fewer; "Draw all" draws everything \(slow\)\./);
    assert.ok(await page.evaluate(() => window.kgp.curriculumGraph().nodes().length) <= 200);
    await drawAll.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^[\d,]+ concepts?, /.test(document.querySelector('#graph-status').textContent));
    assert.doesNotMatch(await status(), /left out/);
    assert.ok(await page.evaluate(() => window.kgp.curriculumGraph().nodes('.focus, [distance]').length) > 240);
    assert.equal(await drawAll.isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'graph-status', 'focus went to <body> with the button');
    // Another depth is cut again: Draw all was for that one graph.
    await page.getByLabel('Depth').selectOption('3');
    await page.waitForFunction(() => /^150 of .*depth 3/.test(document.querySelector('#graph-status').textContent));
  } finally {
    await page.unroute(hoodRoute);
  }
  await page.getByLabel('Depth').selectOption('2');
  await page.waitForFunction(() => /depth 2/.test(document.querySelector('#graph-status').textContent));
  await page.getByLabel('Depth').selectOption('3');
  await page.waitForFunction(() => /^[\d,]+ concepts?, .*depth 3/.test(document.querySelector('#graph-status').textContent));
  assert.equal(await drawAll.isHidden(), true);
});

step('edit the concept with If-Match: saved as version 2', async () => {
  const form = page.getByRole('form', { name: 'Edit concept' });
  await form.getByLabel('Name').fill('Linear equations in one variable');
  await form.getByLabel('Tags (; separated)').fill('algebra; equations');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Saved linear-equations \(version 2\)/);
  assert.equal(await page.locator('#concept-version').textContent(), '2');
  const stored = await callApi('GET', '/concepts/linear-equations');
  assert.equal(stored.json.name, 'Linear equations in one variable');
  assert.deepEqual(stored.json.tags, ['algebra', 'equations']);
});

step('a stale edit (someone saved meanwhile) gets the API\'s 412 and changes nothing', async () => {
  const other = await callApi('PATCH', '/concepts/linear-equations', { body: { description: 'changed elsewhere' }, ifMatch: '"2"' });
  assert.equal(other.status, 200);
  const form = page.getByRole('form', { name: 'Edit concept' });
  await form.getByLabel('Name').fill('Lost edit');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Precondition failed \(412\)/);
  assert.equal((await callApi('GET', '/concepts/linear-equations')).json.name, 'Linear equations in one variable');
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#concept-version').textContent === '3');
});

step('a save conflict keeps the typed text: their version beside mine, per field, saved over theirs', async () => {
  const form = page.getByRole('form', { name: 'Edit concept' });
  const start = await callApi('GET', '/concepts/linear-equations');
  // Another designer changes the description while this one types a new name.
  const other = await callApi('PATCH', '/concepts/linear-equations', { body: { description: 'their description' }, ifMatch: start.etag });
  assert.equal(other.status, 200);
  await form.getByLabel('Name').fill('My typed name');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Precondition failed \(412\)/);
  const conflict = page.getByRole('region', { name: /Changed by someone else \(now version \d+\)/ });
  await conflict.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'conflict-title', 'focus moves to the conflict');
  assert.equal(await form.getByLabel('Name').inputValue(), 'My typed name', 'the typed text is kept');
  // Who saved meanwhile, and when: their save at the top of the concept's trail, read again for the panel
  // (the trail read at the concept's opening did not list it; a review, 5 December 2026).
  const theirEntry = page.locator('#audit-list li').first();
  await page.waitForFunction(() => /their description/.test(document.querySelector('#audit-list li')?.textContent ?? ''));
  assert.match(await theirEntry.textContent(), /e2e-designer( \(key [0-9a-f]+\))? · update concept linear-equations.*→ "their description"/);
  assert.match(await conflict.textContent(), /Who saved it, and when, is at the top of the audit trail below/);
  const rows = () => conflict.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [
    tr.dataset.field, ...[...tr.querySelectorAll('td')].map((td) => `${td.querySelector('input').checked ? '* ' : ''}${td.textContent}`)]));
  // The name only I changed: mine by default; the description only they changed: theirs by default (keeping
  // "mine", the value I never touched, would silently undo their edit).
  assert.deepEqual(await rows(), [
    ['name', start.json.name, '* My typed name'],
    ['description', '* their description', start.json.description],
  ]);
  await conflict.getByRole('button', { name: 'Save my choices' }).click();
  await expectAlert(/Saved linear-equations \(version \d+\)/);
  let stored = await callApi('GET', '/concepts/linear-equations');
  assert.equal(stored.json.name, 'My typed name');
  assert.equal(stored.json.description, 'their description');
  assert.equal(stored.json.version, other.json.version + 1, 'saved on top of their version');
  assert.equal(await page.locator('#concept-conflict').isHidden(), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'concept-save', 'focus not lost with the panel');

  // Both change the name: mine is kept by default; "Take theirs" is the designer's own choice.
  const third = await callApi('PATCH', '/concepts/linear-equations', { body: { name: 'Their name' }, ifMatch: stored.etag });
  assert.equal(third.status, 200);
  await form.getByLabel('Name').fill('Mine again');
  await form.getByRole('button', { name: 'Save' }).click();
  await conflict.waitFor();
  assert.deepEqual(await rows(), [['name', 'Their name', '* Mine again']]);
  await conflict.getByRole('button', { name: 'Take theirs (discard my edits)' }).click();
  assert.equal(await form.getByLabel('Name').inputValue(), 'Their name');
  assert.equal(await page.locator('#concept-version').textContent(), String(third.json.version));
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'name');

  // Reload asks before it drops typed text.
  await form.getByLabel('Name').fill('Typed, not saved');
  const asked = [];
  const record = (dialog) => asked.push(dialog.message());
  page.on('dialog', record);
  try {
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('#concept-form').name.value === 'Their name');
  } finally {
    page.off('dialog', record);
  }
  assert.equal(asked.length, 1);
  assert.match(asked[0], /Discard your unsaved changes to linear-equations/);

  stored = await callApi('GET', '/concepts/linear-equations');
  const restored = await callApi('PATCH', '/concepts/linear-equations', {
    body: { name: start.json.name, description: start.json.description }, ifMatch: stored.etag,
  });
  assert.equal(restored.status, 200);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#concept-title', { hasText: start.json.name }).waitFor();
  await page.getByRole('button', { name: 'Search', exact: true }).click(); // the list shows names too
  await page.locator('.concept-link', { hasText: start.json.name }).waitFor();
});

step('a refused field is marked (aria-invalid, its message as description), focused, and named by its label', async () => {
  const form = page.getByRole('form', { name: 'Edit concept' });
  const name = form.getByLabel('Name');
  await name.fill('   '); // passes the browser's "required", not the API's "must not be blank"
  await form.getByRole('button', { name: 'Save' }).click();
  const text = await expectAlert(/Validation failed \(422\)/);
  assert.doesNotMatch(text, /body\./, text);
  assert.match(text, /Name: must not be blank/);
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  const describedBy = await name.getAttribute('aria-describedby');
  assert.ok(describedBy, 'the message describes the field');
  assert.match(await page.locator(`#${describedBy}`).textContent(), /must not be blank/);
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'name', 'focus on the bad field');
  // Put right and saved: the marks go.
  await name.fill('Linear equations in one variable');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Saved linear-equations/);
  assert.equal(await name.getAttribute('aria-invalid'), null);
  assert.equal(await name.getAttribute('aria-describedby'), null);
  assert.equal(await page.locator('#concept-form .field-error').count(), 0);
  // A form with a control named "id" (new concept): its note is found by the id the field names.
  await page.locator('summary', { hasText: 'New concept' }).click();
  const creating = page.getByRole('form', { name: 'New concept' });
  await creating.getByLabel('Id').fill('refused/audit'); // the API refuses an id ending in a route action
  await creating.getByLabel('Name').fill('Refused');
  await creating.getByRole('button', { name: 'Create concept' }).click();
  await expectAlert(/Validation failed \(422\)/);
  // aria-describedby is a list of ids separated by spaces: each must name an element, as a screen reader reads it.
  const described = await creating.getByLabel('Id').evaluate((input) => input.getAttribute('aria-describedby')
    .split(/\s+/).map((ref) => document.getElementById(ref)?.textContent ?? null));
  assert.ok(described.length > 0 && described.every((text) => text !== null), JSON.stringify(described));
  assert.match(described.join(' '), /must not end in/);
  await creating.getByLabel('Id').fill('');
  await creating.getByLabel('Name').fill('');
  await page.locator('summary', { hasText: 'New concept' }).click();
});

step('a refused field\'s marks go when its form is refilled: Reload, another concept, the task form\'s Clear', async () => {
  // They stayed until that form's next save: another concept's valid name showed "must not be blank", and
  // a screen reader announced the field invalid (a review, s29).
  const form = page.getByRole('form', { name: 'Edit concept' });
  const name = form.getByLabel('Name');
  const unmarked = async (formSelector, control, what) => {
    assert.equal(await control.getAttribute('aria-invalid'), null, what);
    assert.equal(await control.getAttribute('aria-describedby'), null, what);
    assert.equal(await page.locator(`${formSelector} .field-error`).count(), 0, what);
  };
  const refusedName = async () => {
    await name.fill('   ');
    await form.getByRole('button', { name: 'Save' }).click();
    await expectAlert(/Validation failed \(422\)/);
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
  };
  await refusedName();
  await page.getByRole('button', { name: 'Reload', exact: true }).click(); // asks about the blank name: OK
  await page.waitForFunction(() => document.querySelector('#concept-form').name.value.trim() !== '');
  await unmarked('#concept-form', name, 'after Reload');
  await refusedName();
  await page.locator('.concept-link', { hasText: 'Quadratic equations' }).click(); // asks: OK
  await conceptShown('quadratics');
  await unmarked('#concept-form', name, 'after opening another concept');
  await page.locator('.concept-link', { hasText: 'Linear equations in one variable' }).click();
  await conceptShown('linear-equations');

  const task = page.getByRole('form', { name: 'Task' });
  const title = task.getByLabel('Title');
  await page.locator('summary', { hasText: 'New task' }).click();
  await task.getByLabel('Id', { exact: true }).fill('task-e2e-refused');
  await title.fill('   ');
  await task.getByRole('button', { name: 'Create task' }).click();
  await expectAlert(/Validation failed \(422\)/);
  assert.equal(await title.getAttribute('aria-invalid'), 'true');
  await task.getByRole('button', { name: 'Clear' }).click();
  await unmarked('#task-form', title, 'after Clear');
  await page.locator('summary', { hasText: 'New task' }).click(); // closed again, as the next steps expect
  assert.equal((await callApi('GET', '/tasks/task-e2e-refused')).status, 404);
});

step('adding an edge that closes a cycle shows the API\'s error naming the cycle', async () => {
  const form = page.getByRole('form', { name: 'Add prerequisite' });
  await form.getByLabel('Relation').selectOption('after'); // linear-equations before addition
  await form.getByLabel('Concept id').fill('addition');
  await form.getByRole('button', { name: 'Add edge' }).click();
  const text = await expectAlert(/Cycle: /);
  assert.match(text, /Conflict \(409\)/);
  assert.match(text, /would close the cycle/);
  // The API names `prerequisite` or `concept`; the form's one id box stands for either (it was never marked).
  assert.equal(await form.getByLabel('Concept id').getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: join(ARTIFACTS, 'cycle-error.png') });
  const cycle = text.match(/Cycle: ([^\n]*?)(?:Field|$)/)[1];
  for (const id of ['linear-equations', 'addition', 'expressions']) assert.ok(cycle.includes(id), `${id} in "${cycle}"`);
  const edge = await callApi('GET', '/concepts/addition/neighbourhood?depth=1&direction=prerequisites');
  assert.ok(!edge.json.nodes.some((n) => n.id === 'linear-equations'), 'nothing written');
});

step('the audit trail shows the edit with its old and new name', async () => {
  const first = page.locator('#audit-list li').first();
  await first.waitFor();
  const entries = await page.locator('#audit-list li').allTextContents();
  const edit = entries.find((e) => e.includes('"Linear equations" → "Linear equations in one variable"'));
  assert.ok(edit, `audit entries: ${entries.join(' | ')}`);
  assert.match(edit, /e2e-designer( \(key [0-9a-f]+\))? · update concept linear-equations/);
});

step('add and remove a real prerequisite edge', async () => {
  const form = page.getByRole('form', { name: 'Add prerequisite' });
  await form.getByLabel('Relation').selectOption('before');
  // The list shows the 2 concepts matching "equation"; the picker asks the API for what is typed.
  assert.equal(await page.locator('#concept-ids option[value="ratios"]').count(), 0);
  await form.getByLabel('Concept id').fill(''); // the last step's refused edge left its id there
  await form.getByLabel('Concept id').pressSequentially('rati');
  await page.locator('#concept-ids option[value="ratios"]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#concept-ids option[value="ratios"]').textContent(), 'Ratios');
  await form.getByLabel('Concept id').fill('ratios');
  await form.getByLabel('Weight').fill('0,5'); // a decimal comma, as many designers type it: not 5
  await form.getByRole('button', { name: 'Add edge' }).click();
  await expectAlert(/Added ratios → linear-equations/);
  const focusedText = () => page.evaluate(() => document.activeElement?.textContent);
  // The button is disabled while the write is in flight: focus comes back to it, not to <body>. It comes
  // back once the handler is done, after the graph (transfer edges included) and the audit trail are
  // reloaded, which is after the alert: the page's 10 s, not 2 s, which a loaded CI machine can spend on
  // those reloads (so for the edge's removal and the task's save below).
  await page.waitForFunction(() => document.activeElement?.textContent === 'Add edge', null, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`focus after Add edge: ${await focusedText()}`));
  const added = await callApi('GET', '/concepts/linear-equations/neighbourhood?depth=1&direction=prerequisites');
  const weight = added.json.edges.find((e) => e.prerequisite === 'ratios');
  assert.equal(weight?.weight, 0.5, JSON.stringify(added.json.edges));
  await form.getByLabel('Weight').fill('1');
  // The weight changed in place, with the edge's ETag as this page read it.
  const weightForm = page.getByRole('form', { name: 'Weight of ratios to linear-equations' });
  assert.equal(await weightForm.getByLabel('Weight').inputValue(), '0.5');
  await weightForm.getByLabel('Weight').fill('0,75');
  await weightForm.getByRole('button', { name: 'Set weight' }).click();
  await expectAlert(/Set the weight of ratios → linear-equations to 0\.75\./);
  // The edge list is drawn anew with the new weight, and the pressed button with the old one: focus goes to
  // the same edge's Set weight, not to <body> (a review, s37).
  const focusedIn = (control) => page.waitForFunction((want) => {
    const active = document.activeElement;
    return active?.closest('form')?.getAttribute('aria-label') === 'Weight of ratios to linear-equations'
      && active.matches(want);
  }, control, { timeout: TIMEOUT }).catch(async () => assert.fail(`focus after Set weight: ${await page.evaluate(
    () => document.activeElement?.outerHTML.slice(0, 80))}`));
  await focusedIn('button[type=submit]');
  const edgePath = '/prerequisites?prerequisite=ratios&concept=linear-equations';
  assert.equal((await callApi('GET', edgePath)).json.weight, 0.75);
  // Another designer changes it meanwhile: this page's edit, made on the weight it shows, is refused (412,
  // saying the weight now), writes nothing, and the list is read again, with their ETag.
  // The list drawn again after the change (the typed "0,75" became the stored 0.75) before the other designer
  // writes: a page reading the edge after their write would hold their ETag, and its edit would pass.
  const shownWeight = (want) => page.waitForFunction((value) => document.querySelector(
    'form[aria-label="Weight of ratios to linear-equations"] input[name=weight]')?.value === value, want);
  await shownWeight('0.75');
  const theirs = await callApi('GET', edgePath);
  assert.equal((await callApi('PATCH', edgePath, { body: { weight: 0.25 }, ifMatch: theirs.etag })).status, 200);
  await weightForm.getByLabel('Weight').fill('0.9');
  await weightForm.getByRole('button', { name: 'Set weight' }).click();
  const refused = await expectAlert(/Precondition failed \(412\)/);
  assert.match(refused, /weight is now 0\.25/);
  // The typed weight stays in the box (the row drawn anew showed theirs, and "0.9" was gone: a review, 6
  // December 2026); the message says theirs, and Set weight saves mine over it.
  assert.match(refused, /Your weight, 0\.9, is still in the box/);
  assert.doesNotMatch(refused, /Field: If-Match/); // a header of the request, not a field of the page
  assert.equal(await weightForm.getByLabel('Weight').inputValue(), '0.9');
  await focusedIn('input[name=weight]');
  assert.equal((await callApi('GET', edgePath)).json.weight, 0.25);
  await page.keyboard.press('Enter');
  await expectAlert(/Set the weight of ratios → linear-equations to 0\.9\./);
  assert.equal((await callApi('GET', edgePath)).json.weight, 0.9);
  // The list drawn again with the new ETag (the box held 0.9 before too): a remove from the old row is a 412.
  await apiSettled();
  await page.getByRole('button', { name: 'Remove edge ratios to linear-equations' }).click();
  await expectAlert(/Removed ratios → linear-equations/);
  await page.waitForFunction(() => document.activeElement?.id === 'direct-edges', null, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`focus after removing the edge: ${await page.evaluate(() => document.activeElement?.tagName)}`));
});

step('an edge another designer removed since the graph was drawn: the refused remove redraws the edges', async () => {
  // The list kept the removed edge, and every "remove" got the same 404 until the concept was reopened
  // (a review, s35).
  const added = await callApi('POST', '/prerequisites', { body: { prerequisite: 'ratios', concept: 'linear-equations' } });
  assert.equal(added.status, 201);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  const remove = page.getByRole('button', { name: 'Remove edge ratios to linear-equations' });
  await remove.waitFor();
  assert.equal((await callApi('DELETE', '/prerequisites?prerequisite=ratios&concept=linear-equations')).status, 204);
  await remove.click();
  await expectAlert(/Not found \(404\)/);
  await remove.waitFor({ state: 'detached' });
});

step('create, edit and delete a task', async () => {
  const form = page.getByRole('form', { name: 'Task' });
  await page.locator('summary', { hasText: 'New task' }).click();
  await form.getByLabel('Id', { exact: true }).fill('task-e2e-new');
  await form.getByLabel('Title').fill('Solve five equations');
  await form.getByLabel('Kind').selectOption('quiz');
  // Numbers left empty take the API's defaults (they were sent as 0: difficulty 0 stored, 0 minutes refused).
  await form.getByLabel(/Difficulty/).fill('');
  await form.getByLabel('Estimated minutes').fill('');
  await form.getByRole('button', { name: 'Create task' }).click();
  await expectAlert(/Created task task-e2e-new/);
  const created = (await callApi('GET', '/tasks/task-e2e-new')).json;
  assert.deepEqual([created.difficulty, created.estimated_minutes], [0.5, 10]);
  await page.getByRole('button', { name: 'Edit task task-e2e-new' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'title', 'edit moves focus into the form');
  await form.getByLabel('Title').fill('Solve six equations');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Saved task task-e2e-new \(version 2\)/);
  await page.locator('#task-list', { hasText: 'Solve six equations' }).waitFor();
  // Focus comes back after the task list and the audit trail are reloaded (tasks.js submitTask): see Add edge.
  await page.waitForFunction(() => document.activeElement?.id === 'task-submit', null, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`focus after Save task: ${await page.evaluate(() => document.activeElement?.tagName)}`));
  // The task's own trail shows under its form while it is edited (the concept's holds no task entries, so a
  // task change showed nowhere on the page: a review, s35); the form cleared, it goes.
  const history = page.getByRole('list', { name: 'Task history' });
  assert.equal(await history.isVisible(), false, 'no history while no task is edited');
  await page.getByRole('button', { name: 'Edit task task-e2e-new' }).click();
  await history.locator('li', { hasText: 'update task task-e2e-new' }).waitFor();
  const lines = await history.locator('li').allTextContents();
  assert.match(lines[0], /e2e-designer.*update task task-e2e-new.*title: "Solve five equations" → "Solve six equations"/, lines.join(' | '));
  assert.match(lines.at(-1), /create task task-e2e-new/, lines.join(' | '));
  await form.getByRole('button', { name: 'Clear' }).click();
  await history.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Delete task task-e2e-new' }).click();
  await expectAlert(/Deleted task task-e2e-new/);
  assert.equal((await callApi('GET', '/tasks/task-e2e-new')).status, 404);
  await page.waitForFunction(() => document.activeElement?.id === 'task-list'); // not lost with its button
});

step('a decimal comma in a number field is read as the decimal it means, or refused naming the field, never as another number', async () => {
  // The difficulty and minutes fields were type=number, which English Chromium reads with ',' as a thousands
  // separator: "0,35" was 035, refused by the browser's range check with a message about 1, and "1,5" minutes
  // would be stored as 15 (a review, 5 December 2026). Typed key by key, as a designer types them.
  const concept = await page.locator('#concept-id').textContent();
  const before = (await callApi('GET', `/concepts/${concept}`)).json;
  const editor = page.getByRole('form', { name: 'Edit concept' });
  const difficulty = editor.getByLabel(/Difficulty/);
  await difficulty.fill('');
  await difficulty.pressSequentially('0,35');
  await editor.getByRole('button', { name: 'Save' }).click();
  await expectAlert(new RegExp(`Saved ${concept} \\(version ${before.version + 1}\\)`));
  assert.equal((await callApi('GET', `/concepts/${concept}`)).json.difficulty, 0.35);
  // A number it cannot read is refused on the page, named by its label and marked; nothing is sent.
  const patches = [];
  const countPatch = (request) => { if (request.method() === 'PATCH') patches.push(request.url()); };
  page.on('request', countPatch);
  try {
    await difficulty.fill('');
    await difficulty.pressSequentially('1.000,5');
    await editor.getByRole('button', { name: 'Save' }).click();
    const text = await expectAlert(/Saving concept: Not a number the page can read/);
    assert.doesNotMatch(text, /\(422\)/, 'refused by the page: no status, as if the API had answered');
    assert.match(text, /Difficulty \(0\.\.1, empty for none\): "1\.000,5" is not a number: type digits with at most one decimal mark/);
    assert.equal(await difficulty.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'difficulty', 'focus on the refused field');
  } finally {
    page.off('request', countPatch);
  }
  assert.deepEqual(patches, [], 'nothing sent for a refused number');
  await difficulty.fill('');
  await difficulty.pressSequentially(String(before.difficulty ?? ''));
  await editor.getByRole('button', { name: 'Save' }).click();
  await expectAlert(new RegExp(`Saved ${concept} \\(version ${before.version + 2}\\)`));
  assert.equal((await callApi('GET', `/concepts/${concept}`)).json.difficulty, before.difficulty);
  // A task: "1,5" minutes is refused as not whole (it was stored as 15); "0,25" and 15 are saved as such.
  const form = page.getByRole('form', { name: 'Task' });
  await page.evaluate(() => { document.querySelector('#task-form').closest('details').open = true; });
  await form.getByLabel('Id', { exact: true }).fill('task-e2e-comma');
  await form.getByLabel('Title').fill('Halves and quarters');
  await form.getByLabel(/Difficulty/).fill('');
  await form.getByLabel(/Difficulty/).pressSequentially('0,25');
  await form.getByLabel('Estimated minutes').fill('');
  await form.getByLabel('Estimated minutes').pressSequentially('1,5');
  await form.getByRole('button', { name: 'Create task' }).click();
  const refused = await expectAlert(/Saving task: Not a number the page can read/);
  assert.match(refused, /Estimated minutes: "1,5" is 1\.5: type a whole number/);
  assert.equal(await form.getByLabel('Estimated minutes').getAttribute('aria-invalid'), 'true');
  assert.equal((await callApi('GET', '/tasks/task-e2e-comma')).status, 404, 'nothing created');
  await form.getByLabel('Estimated minutes').fill('15');
  await form.getByRole('button', { name: 'Create task' }).click();
  await expectAlert(/Created task task-e2e-comma/);
  const task = (await callApi('GET', '/tasks/task-e2e-comma')).json;
  assert.deepEqual([task.difficulty, task.estimated_minutes], [0.25, 15]);
  await page.getByRole('button', { name: 'Delete task task-e2e-comma' }).click();
  await expectAlert(/Deleted task task-e2e-comma/);
  // A new concept's difficulty and an edge's weight are read by the same function: "1,500" is 1.5 or 1500.
  await openNewConcept();
  const creating = page.getByRole('form', { name: 'New concept' });
  await creating.getByLabel('Id').fill('comma-concept');
  await creating.getByLabel('Name').fill('Comma');
  await creating.getByLabel(/Difficulty/).pressSequentially('0,5,5');
  await creating.getByRole('button', { name: 'Create concept' }).click();
  assert.match(await expectAlert(/Creating concept: Not a number the page can read/), /Difficulty \(0\.\.1\): "0,5,5" is not a number/);
  assert.equal((await callApi('GET', '/concepts/comma-concept')).status, 404, 'nothing created');
  for (const name of ['Id', 'Name', /Difficulty/]) await creating.getByLabel(name).fill('');
  await page.evaluate(() => { document.querySelector('details.new-concept').open = false; });
  const edge = page.getByRole('form', { name: 'Add prerequisite' });
  await edge.getByLabel('Concept id').fill('ratios');
  await edge.getByLabel('Weight').fill('1,500');
  await edge.getByRole('button', { name: 'Add edge' }).click();
  assert.match(await expectAlert(/Adding prerequisite: Not a number the page can read/), /Weight: "1,500" could mean 1\.5 or 1500: type one of them/);
  await edge.getByLabel('Concept id').fill('');
  await edge.getByLabel('Weight').fill('1');
});

step('a task\'s history shows its newest 20 entries and pages on with Show more, by cursor, to the last', async () => {
  // It showed the newest 20 and said how many there were, with no way to read the rest (a review, 5 December 2026).
  const concept = await page.locator('#concept-id').textContent();
  const made = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
    body: { id: 'task-e2e-history', title: 'Edit 0', kind: 'exercise', concepts: [concept] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  let { etag } = made;
  for (let i = 1; i <= 25; i += 1) {
    const edited = await callApi('PATCH', '/tasks/task-e2e-history', { body: { title: `Edit ${i}` }, ifMatch: etag });
    assert.equal(edited.status, 200, JSON.stringify(edited.json));
    ({ etag } = edited);
  }
  await page.getByRole('button', { name: 'Reload', exact: true }).click(); // the task list, with the new task
  await page.getByRole('button', { name: 'Edit task task-e2e-history' }).click();
  const history = page.getByRole('list', { name: 'Task history' });
  const entries = history.locator('li[class^="audit-"]');
  await page.locator('#task-audit-count', { hasText: 'The newest 20 of 26 entries.' }).waitFor();
  assert.equal(await entries.count(), 20);
  assert.match(await entries.first().textContent(), /"Edit 24" → "Edit 25"/);
  const more = page.locator('#task-audit-more');
  await more.focus(); // by keyboard
  const asked = page.waitForRequest((r) => r.url().includes('/tasks/task-e2e-history/audit') && r.url().includes('cursor='));
  await page.keyboard.press('Enter');
  const query = new URL((await asked).url()).searchParams;
  assert.ok(query.get('cursor') && !query.has('offset'), `Show more read ${query}`);
  await page.waitForFunction(() => document.querySelectorAll('#task-audit-list li[class^="audit-"]').length === 26);
  const lines = await entries.allTextContents();
  assert.match(lines[20], /"Edit 4" → "Edit 5"/, 'the page goes on where the first one stopped');
  assert.match(lines.at(-1), /create task task-e2e-history/);
  assert.equal(new Set(lines).size, 26, 'no entry twice');
  assert.doesNotMatch(await page.locator('#task-audit-count').textContent(), /The newest/, 'all of them shown');
  await more.waitFor({ state: 'hidden' }); // nothing more to show: the button goes, focus to the list
  await page.waitForFunction(() => document.activeElement?.id === 'task-audit-list');
  await page.getByRole('form', { name: 'Task' }).getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('button', { name: 'Delete task task-e2e-history' }).click();
  await expectAlert(/Deleted task task-e2e-history/);
  // The task list is read again after the delete's message: the next step holds the list's buttons and would
  // see them drawn anew by this read still in flight (it failed so once on a busy machine, 5 December 2026).
  await page.getByRole('button', { name: 'Edit task task-e2e-history' }).waitFor({ state: 'detached' });
});

/** Opens task-linear-equations in the task form, then another designer saves it with `title`: returns
 * their answer (the page's form still holds the version before). */
const taskEditedMeanwhile = async (title) => {
  await page.getByRole('button', { name: 'Edit task task-linear-equations' }).click();
  await page.waitForFunction(() => document.querySelector('#task-form').editing.value === 'task-linear-equations',
    null, { timeout: TIMEOUT }).catch(() => assert.fail('the click on "edit" did not fill the task form'));
  const before = await callApi('GET', '/tasks/task-linear-equations');
  const other = await callApi('PATCH', '/tasks/task-linear-equations', { body: { title }, ifMatch: before.etag });
  assert.equal(other.status, 200);
  return other;
};

step('a Reload that finds the task list unchanged leaves its buttons in place: a click under way is not lost', async () => {
  // A rebuilt list took the button from under a click begun before the read came back (pressed on the old
  // button, released on its copy: no click), and a task edit silently did not start (CI, 4 December).
  const edit = await page.getByRole('button', { name: 'Edit task task-linear-equations' }).elementHandle();
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  // Every answer to the Reload handled, the task list's included: a rebuild has happened if there is one. It
  // waited for the list's answer to finish loading, then 200 ms: a page that took the answer in later (a busy
  // machine), or an answer to the step before's read of the list, let the check pass before any rebuild.
  await apiSettled();
  assert.equal(await edit.evaluate((button) => button.isConnected), true, 'the same tasks were drawn anew');
  await edit.dispose();
});

step('a save that leaves the concept list and the edge lists unchanged leaves their buttons and focus in place', async () => {
  // A save reads the concept list, the neighbourhood and the transfer edges again, and each was rebuilt even
  // when unchanged: a click begun on a concept or on an edge's button before the reads came back was lost
  // (pressed on the old button, released on its copy), and so were the focus and the typed text of a weight.
  const concept = await page.locator('.concept-link', { hasText: 'Linear equations' }).elementHandle();
  const neighbour = await page.getByRole('list', { name: 'Prerequisite edges' })
    .getByRole('button', { name: 'Algebraic expressions', exact: true }).first().elementHandle();
  const weight = page.locator('#direct-edges input[name=weight]').first();
  const stored = await weight.inputValue();
  const read = (path) => page.waitForResponse((r) => r.request().method() === 'GET' && path(new URL(r.url()).pathname));
  const reads = [
    read((path) => path === `/curricula/${CURRICULUM}/concepts`),
    read((path) => path === '/ui-support/transfer-edges'), // the last read before the edge lists are drawn
  ];
  // The transfer edges' read is held until the designer has begun typing a weight: what a slow API shows.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked;
  const transfersAsked = new Promise((resolve) => { asked = resolve; });
  const hold = async (route) => { asked(); await held; await route.continue(); };
  await page.route('**/ui-support/transfer-edges?**', hold);
  try {
    const form = page.getByRole('form', { name: 'Edit concept' });
    await form.getByLabel('Description').fill(`${await form.getByLabel('Description').inputValue()} Saved again.`);
    await form.getByRole('button', { name: 'Save' }).click();
    await transfersAsked;
    await weight.focus();
    await weight.fill(`${stored}5`); // a weight being changed, not set yet
  } finally {
    release();
  }
  for (const response of await Promise.all(reads)) await response.finished();
  await page.unroute('**/ui-support/transfer-edges?**', hold); // once it has let the held read go
  // Every answer to the save handled: a rebuild has happened if there is one. A fixed 200 ms after the answers
  // came let the checks pass before a busy page had drawn anything.
  await apiSettled();
  assert.equal(await concept.evaluate((b) => b.isConnected && b.classList.contains('current')), true,
    'the same concept list was drawn anew (or lost its current marking)');
  assert.equal(await neighbour.evaluate((b) => b.isConnected), true, 'the same prerequisite edges were drawn anew');
  assert.equal(await weight.evaluate((input) => document.activeElement === input), true,
    'the weight being typed lost its focus to a redraw');
  assert.equal(await weight.inputValue(), `${stored}5`, 'the weight being typed was lost to a redraw');
  await weight.fill(stored); // left as it is stored
  await Promise.all([concept, neighbour].map((h) => h.dispose()));
});

step('two designers: a task edit is checked against the version the form shows, even after a reload', async () => {
  const form = page.getByRole('form', { name: 'Task' });
  const other = await taskEditedMeanwhile('Changed by another designer');
  // The page reloads the concept and its task list, which now lists the other designer's version.
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#task-list', { hasText: 'Changed by another designer' }).waitFor();
  assert.equal(await form.getByLabel('Title').inputValue(), 'Practise linear equations', 'a reload keeps the edit');
  await form.getByLabel('Title').fill('Would overwrite the other change');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Precondition failed \(412\)/);
  const after = await callApi('GET', '/tasks/task-linear-equations');
  assert.equal(after.json.title, 'Changed by another designer');
  assert.equal(after.json.version, other.json.version);
  await form.getByRole('button', { name: 'Clear' }).click();
});

step('a task save refused with 412 reloads the list: editing again saves over the current version', async () => {
  // The list kept the stale version, so "edit" took it again and every save got 412 until the concept
  // was reopened (a review, 1 December).
  const form = page.getByRole('form', { name: 'Task' });
  await taskEditedMeanwhile('Changed again by another designer');
  await form.getByLabel('Title').fill('Mine, after theirs');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Precondition failed \(412\)/);
  await page.locator('#task-list', { hasText: 'Changed again by another designer' }).waitFor();
  await page.getByRole('button', { name: 'Edit task task-linear-equations' }).click();
  await form.getByLabel('Title').fill('Mine, after theirs');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Saved task task-linear-equations/);
  assert.equal((await callApi('GET', '/tasks/task-linear-equations')).json.title, 'Mine, after theirs');
});

step('a task save refused with 412 takes their version where I changed nothing: saving again keeps both edits', async () => {
  // The form kept the stale ETag: every save was refused again, and "edit" discarded what was typed (a review, s35).
  const form = page.getByRole('form', { name: 'Task' });
  // The step before's save reads the task list again, with the task's new version: drawn anew under a click
  // begun on the old list's "edit" (pressed on the old button, released on its copy), the click was lost and
  // the form never filled. Every answer handled first.
  await apiSettled();
  await page.getByRole('button', { name: 'Edit task task-linear-equations' }).click();
  const before = await callApi('GET', '/tasks/task-linear-equations');
  const minutes = before.json.estimated_minutes + 7;
  const other = await callApi('PATCH', '/tasks/task-linear-equations', { body: { estimated_minutes: minutes }, ifMatch: before.etag });
  assert.equal(other.status, 200);
  await form.getByLabel('Title').fill('Mine, with their minutes');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Precondition failed \(412\).*is now in the form/);
  assert.equal(await form.getByLabel('Title').inputValue(), 'Mine, with their minutes');
  assert.equal(await form.getByLabel('Estimated minutes').inputValue(), String(minutes));
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Saved task task-linear-equations/);
  const after = await callApi('GET', '/tasks/task-linear-equations');
  assert.equal(after.json.title, 'Mine, with their minutes');
  assert.equal(after.json.estimated_minutes, minutes, 'their edit is kept');
});

step('a task another designer deleted: delete says it is gone, and an edit of it keeps the typed text', async () => {
  // The list kept offering a task deleted elsewhere: each delete or save of it was refused with the same
  // "no task" 404, and Clear, dropping the typed text, was the only way on (a review, s37).
  const form = page.getByRole('form', { name: 'Task' });
  const concept = await page.locator('#concept-id').textContent();
  const ids = ['task-e2e-gone-1', 'task-e2e-gone-2'];
  for (const id of ids) {
    const made = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
      body: { id, title: `Soon deleted ${id}`, kind: 'quiz', concepts: [concept] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
  }
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.getByRole('button', { name: 'Edit task task-e2e-gone-2' }).click();
  await form.getByLabel('Title').fill('My edit of a task deleted meanwhile');
  for (const id of ids) {
    const { etag } = await callApi('GET', `/tasks/${id}`);
    assert.equal((await callApi('DELETE', `/tasks/${id}`, { ifMatch: etag })).status, 204);
  }
  await page.getByRole('button', { name: 'Delete task task-e2e-gone-1' }).click();
  await expectAlert(/Task task-e2e-gone-1 was already deleted/);
  await page.getByRole('button', { name: 'Delete task task-e2e-gone-1' }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Edit task task-e2e-gone-2' }).waitFor({ state: 'detached' });
  assert.equal(await form.getByLabel('Title').inputValue(), 'My edit of a task deleted meanwhile', 'the edit stays');
  await form.getByRole('button', { name: 'Save task' }).click();
  const text = await expectAlert(/Not found \(404\)/);
  assert.match(text, /Someone deleted task task-e2e-gone-2 since you opened it.*still in the form/);
  assert.equal(await form.getByLabel('Title').inputValue(), 'My edit of a task deleted meanwhile');
  assert.equal(await form.getByLabel('Id', { exact: true }).inputValue(), 'task-e2e-gone-2');
  await form.getByRole('button', { name: 'Create task' }).click();
  await expectAlert(/Created task task-e2e-gone-2/);
  const back = await callApi('GET', '/tasks/task-e2e-gone-2');
  assert.equal(back.json.title, 'My edit of a task deleted meanwhile');
  assert.equal((await callApi('DELETE', '/tasks/task-e2e-gone-2', { ifMatch: back.etag })).status, 204);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.getByRole('button', { name: 'Edit task task-e2e-gone-2' }).waitFor({ state: 'detached' });
});

step('a task edit keeps its concepts over a reload, and is dropped when another concept opens', async () => {
  const created = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
    body: {
      id: 'task-e2e-two', title: 'Two concepts', kind: 'exercise', difficulty: 0.437, estimated_minutes: 12,
      concepts: ['linear-equations', 'expressions'],
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const both = ['expressions', 'linear-equations'];
  const sorted = (text) => text.split(';').map((c) => c.trim()).filter(Boolean).sort();
  const form = page.getByRole('form', { name: 'Task' });
  const concepts = form.getByLabel('Concepts (; separated)');
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.getByRole('button', { name: 'Edit task task-e2e-two' }).click();
  assert.deepEqual(sorted(await concepts.inputValue()), both);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#task-list', { hasText: 'Two concepts' }).waitFor();
  await apiSettled(); // every answer to the reload handled
  assert.deepEqual(sorted(await concepts.inputValue()), both, 'a reload leaves the edit\'s concepts alone');
  await form.getByLabel('Title').fill('Two concepts, renamed');
  // Its difficulty has three decimals: the form must still submit.
  assert.equal(await form.getByLabel('Difficulty (0..1)').inputValue(), '0.437');
  await form.getByRole('button', { name: 'Save task' }).click();
  await expectAlert(/Saved task task-e2e-two \(version 2\)/);
  let stored = await callApi('GET', '/tasks/task-e2e-two');
  assert.deepEqual([...stored.json.concepts].sort(), both);
  assert.equal(stored.json.difficulty, 0.437);
  // An edit begun, then another concept opened: the form starts over for that concept. Begun once the save's
  // answers are handled: its read of the task list (version 2) drew the list anew under a click begun on the
  // old one, which was lost, and the checks below then passed with no edit ever begun.
  await apiSettled();
  await page.getByRole('button', { name: 'Edit task task-e2e-two' }).click();
  assert.equal(await page.locator('#task-form input[name=editing]').inputValue(), 'task-e2e-two', 'the edit is begun');
  await page.locator('.concept-link', { hasText: 'Quadratic equations' }).click();
  await conceptShown('quadratics');
  assert.equal(await page.locator('#task-submit').textContent(), 'Create task');
  assert.equal(await page.locator('#task-form input[name=editing]').inputValue(), '');
  assert.equal(await concepts.inputValue(), 'quadratics');
  stored = await callApi('GET', '/tasks/task-e2e-two');
  assert.deepEqual([...stored.json.concepts].sort(), both);
  assert.equal(stored.json.version, 2);
  assert.equal((await callApi('DELETE', '/tasks/task-e2e-two', { ifMatch: stored.etag })).status, 204);
  await page.locator('.concept-link', { hasText: 'Linear equations in one variable' }).click();
  await conceptShown('linear-equations');
});

step('a concept with more tasks than the list shows says how many it holds', async () => {
  const tasksRoute = (url) => /\/curricula\/.+\/tasks$/.test(url.pathname) && url.searchParams.has('concept');
  await page.route(tasksRoute, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), total: 250 } });
  });
  try {
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    const hint = page.locator('#task-list li.hint', { hasText: /Showing \d+ of 250 tasks/ });
    await hint.waitFor();
  } finally {
    await page.unroute(tasksRoute);
  }
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.waitForFunction(() => ![...document.querySelectorAll('#task-list li.hint')].some((li) => /of 250/.test(li.textContent)));
});

step('a save that leaves the tags box alone keeps a tag holding \';\' whole', async () => {
  // Tags are free text; the box shows them '; separated'. Saving only a new name used to re-split the
  // box and store 'a;b' as two tags.
  const before = await callApi('GET', '/concepts/linear-equations');
  const tags = ['a;b', ...before.json.tags];
  const patched = await callApi('PATCH', '/concepts/linear-equations', { body: { tags }, ifMatch: before.etag });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  const form = page.getByRole('form', { name: 'Edit concept' });
  await page.waitForFunction(() => document.querySelector('#concept-form').tags.value.startsWith('a;b'));
  await form.getByLabel('Name').fill('Linear equations, one variable');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Saved linear-equations/);
  const stored = await callApi('GET', '/concepts/linear-equations');
  assert.deepEqual(stored.json.tags, tags);
  // Back as it was, for the steps after this one.
  const restored = await callApi('PATCH', '/concepts/linear-equations', {
    body: { name: before.json.name, tags: before.json.tags }, ifMatch: stored.etag,
  });
  assert.equal(restored.status, 200);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#concept-title', { hasText: before.json.name }).waitFor();
});

step('text typed while a save is in flight stays in the form as unsaved; a refused save\'s conflict view shows it', async () => {
  // The answer refilled the editor with the saved concept: a description typed meanwhile was gone, and
  // nothing asked, since the form then matched what was stored (a review, s29).
  const form = page.getByRole('form', { name: 'Edit concept' });
  const start = await callApi('GET', '/concepts/linear-equations');
  const concept = (url) => url.pathname === '/concepts/linear-equations';
  let held = await holdRequests(concept, 'PATCH');
  try {
    await form.getByLabel('Name').fill('Linear equations, renamed');
    await form.getByRole('button', { name: 'Save' }).click();
    await held.arrived;
    await form.getByLabel('Description').fill('typed while the save was in flight');
    held.release();
    await expectAlert(/Saved linear-equations \(version \d+\)\. What you typed while it was being saved is still in the form, not saved yet\./);
  } finally {
    await held.stop();
  }
  assert.equal(await form.getByLabel('Name').inputValue(), 'Linear equations, renamed');
  assert.equal(await form.getByLabel('Description').inputValue(), 'typed while the save was in flight');
  assert.equal(await unloadAsks(), true, 'the typed description is unsaved work');
  let stored = await callApi('GET', '/concepts/linear-equations');
  assert.equal(stored.json.name, 'Linear equations, renamed');
  assert.equal(stored.json.description, start.json.description, 'the description was not in that save');
  assert.equal(await page.locator('#concept-version').textContent(), String(stored.json.version));
  // The next save goes over the version just saved: no 412.
  await form.getByRole('button', { name: 'Save' }).click();
  const text = await expectAlert(new RegExp(`Saved linear-equations \\(version ${stored.json.version + 1}\\)`));
  assert.doesNotMatch(text, /still in the form/);
  stored = await callApi('GET', '/concepts/linear-equations');
  assert.equal(stored.json.description, 'typed while the save was in flight');
  assert.equal(await unloadAsks(), false);

  // Typed while a save that will be refused (412) is in flight: the conflict view has it as mine, and
  // "Save my choices" saves it (it refilled the form over it).
  const other = await callApi('PATCH', '/concepts/linear-equations', { body: { name: 'Their name' }, ifMatch: stored.etag });
  assert.equal(other.status, 200);
  held = await holdRequests(concept, 'PATCH');
  try {
    await form.getByLabel('Name').fill('My name');
    await form.getByRole('button', { name: 'Save' }).click();
    await held.arrived;
    await form.getByLabel('Description').fill('typed while the refused save was in flight');
    held.release();
    await expectAlert(/Precondition failed \(412\)/);
  } finally {
    await held.stop();
  }
  const conflict = page.getByRole('region', { name: /Changed by someone else/ });
  await conflict.waitFor();
  const description = conflict.locator('tbody tr[data-field=description] td');
  assert.equal(await description.count(), 2, 'the description typed meanwhile is one of the differences');
  assert.match(await description.nth(1).textContent(), /^typed while the refused save was in flight$/);
  await conflict.getByRole('button', { name: 'Save my choices' }).click();
  await expectAlert(/Saved linear-equations/);
  stored = await callApi('GET', '/concepts/linear-equations');
  assert.deepEqual([stored.json.name, stored.json.description], ['My name', 'typed while the refused save was in flight']);

  const restored = await callApi('PATCH', '/concepts/linear-equations', {
    body: { name: start.json.name, description: start.json.description }, ifMatch: stored.etag,
  });
  assert.equal(restored.status, 200);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#concept-title', { hasText: start.json.name }).waitFor();
  assert.equal(await unloadAsks(), false);
});

// The note under a trail of a curriculum whose older entries `kgplatform audit archive` moved (seed.py).
const ARCHIVED_NOTE = /^Entries before .+ were archived on .+ \(12 in all\) and are not listed here\.$/;

step('the audit trail shows 20 entries, pages on with Show more and keeps them through a Reload and a save', async () => {
  let current = await callApi('GET', '/concepts/linear-equations');
  const original = current.json.description;
  const before = (await callApi('GET', '/concepts/linear-equations/audit?limit=1')).json.total;
  for (let i = 0; i < 42; i += 1) {
    const saved = await callApi('PATCH', '/concepts/linear-equations', { body: { description: `draft ${i}` }, ifMatch: current.etag });
    assert.equal(saved.status, 200);
    current = saved;
  }
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  // The reloaded count, not the one on show before the reload: with exactly 20 entries before the 42 edits,
  // "20 of 20 entries" matched at once and the step read 20 as the total; so did "20 of 69" once the 25 edits of
  // the task history step were in the trail: it waits for the trail's total before the edits plus 42.
  await page.waitForFunction((least) => {
    const count = /^20 of (\d+) entries$/.exec(document.querySelector('#audit-count').textContent);
    return count && Number(count[1]) >= least;
  }, before + 42);
  const total = Number((await page.locator('#audit-count').textContent()).split(' of ')[1].split(' ')[0]);
  assert.equal(total, before + 42, `${total} entries`);
  // Entries of the curriculum were archived to a file (seed.py): the trail says so in one line.
  assert.match(await page.locator('#audit-archived').textContent(), ARCHIVED_NOTE);
  assert.equal(await page.locator('#audit-archived').isVisible(), true);
  // Another designer's edit while the list is on show: the next page neither repeats an entry nor misses it.
  const theirs = await callApi('PATCH', '/concepts/linear-equations', { body: { description: 'theirs, meanwhile' }, ifMatch: current.etag });
  assert.equal(theirs.status, 200);
  current = theirs;
  // Show more reads on from the page's `next` (a cursor, since 4 December 2026), not by offset: the route
  // seeks the trail's indexes from there instead of reading every entry shown before the page.
  const conceptTrailRead = (r) => /\/concepts\/linear-equations\/audit\?/.test(r.url());
  const moreRead = page.waitForRequest(conceptTrailRead);
  await page.getByRole('button', { name: 'Show more' }).click();
  const moreQuery = new URL((await moreRead).url()).searchParams;
  assert.ok(moreQuery.get('cursor') && !moreQuery.has('offset'), `Show more read ${moreQuery}`);
  await page.locator('#audit-count', { hasText: `40 of ${total + 1} entries` }).waitFor();
  const heads = await page.locator('#audit-list li .audit-head').allTextContents();
  const changes = await page.locator('#audit-list li .audit-change').allTextContents();
  assert.equal(heads.length, 40);
  assert.equal(new Set(heads.map((h, i) => h + changes[i])).size, heads.length, 'no entry shown twice');
  assert.match(changes[0], /theirs, meanwhile/);
  // Nothing new since: the next page is appended.
  await page.getByRole('button', { name: 'Show more' }).click();
  await page.locator('#audit-count', { hasText: `${Math.min(60, total + 1)} of ${total + 1} entries` }).waitFor();
  assert.equal(await page.locator('#audit-list li').count(), Math.min(60, total + 1));
  // A Reload keeps as many entries as were on show (it went back to the newest 20, losing the designer's place).
  for (let i = 0; i < 40; i += 1) {
    const saved = await callApi('PATCH', '/concepts/linear-equations', { body: { description: `later ${i}` }, ifMatch: current.etag });
    assert.equal(saved.status, 200);
    current = saved;
  }
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#audit-count', { hasText: `60 of ${total + 41} entries` }).waitFor();
  assert.equal(await page.locator('#audit-list li').count(), 60);
  // A Show more still in flight when a save re-reads the trail: the re-read shows its page too (the late
  // answer is dropped as stale; the trail went back to 20 entries).
  const more = await holdRequests(/\/concepts\/linear-equations\/audit\?.*cursor=/);
  try {
    await page.getByRole('button', { name: 'Show more' }).click();
    await more.arrived;
    const form = page.getByRole('form', { name: 'Edit concept' });
    await form.getByLabel('Description').fill(original);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('#audit-count', { hasText: `80 of ${total + 42} entries` }).waitFor();
  } finally {
    await more.stop();
  }
  await answersTakenIn(more.held); // the held page's late answer, which must change nothing
  assert.equal(await page.locator('#audit-count').textContent(), `80 of ${total + 42} entries`);
  assert.equal(await page.locator('#audit-list li').count(), 80);
  assert.match(await page.locator('#audit-list li .audit-change').first().textContent(), /later 39/);
  assert.equal((await callApi('GET', '/concepts/linear-equations')).json.description, original);
});

step('screenshot: the graph view', async () => {
  await page.getByRole('button', { name: 'Search', exact: true }).click(); // keep the search, refresh the list
  await page.locator('.concept-link', { hasText: 'Linear equations in one variable' }).click();
  await page.waitForFunction(() => /depth 3/.test(document.querySelector('#graph-status').textContent));
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(ARTIFACTS, 'graph-view.png') });
});

step('axe: the curriculum view with a concept open and its sections unfolded has no serious or critical violation', async () => {
  // Recent changes is checked open in its own step (with a refused filter marked): opened here, its rows
  // would be on show, a moment stale, when that step opens it again.
  const folded = await page.evaluate(() => [...document.querySelectorAll('#view-curriculum details:not(#changes)')]
    .filter((d) => !d.open).map((d) => { d.open = true; return [...document.querySelectorAll('details')].indexOf(d); }));
  try {
    await assertAxeClean('the curriculum view');
  } finally {
    await page.evaluate((indexes) => { const all = document.querySelectorAll('details'); for (const i of indexes) all[i].open = false; }, folded);
  }
});

step('the page reflows at 640 and 320 px wide: one column, nothing to scroll sideways', async () => {
  try {
    for (const width of [640, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await page.waitForTimeout(100);
      const layout = await page.evaluate(() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        return {
          scrollWidth: document.documentElement.scrollWidth,
          list: box('.list-col'), graph: box('.graph-col'), detail: box('.detail-col'),
          wide: [...document.querySelectorAll('#app *, .topbar *')]
            .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`).slice(0, 8),
        };
      });
      assert.deepEqual(layout.wide, [], `${width}px: wider than the window`);
      assert.ok(layout.scrollWidth <= width, `${width}px: the page is ${layout.scrollWidth}px wide`);
      assert.ok(layout.graph.top >= layout.list.bottom - 1 && layout.detail.top >= layout.graph.bottom - 1,
        `${width}px: the columns stack (${JSON.stringify(layout)})`);
      await page.screenshot({ path: join(ARTIFACTS, `reflow-${width}.png`), fullPage: true });
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  await page.waitForTimeout(100);
});

step('the focus ring and the fields\' borders have 3:1 contrast with what is around them', async () => {
  const measured = await page.evaluate(() => {
    const rgb = (text) => text.match(/[\d.]+/g).slice(0, 3).map(Number);
    const luminance = (c) => {
      const [r, g, b] = c.map((v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => { const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
    const background = (node) => {
      for (let n = node.parentElement; n; n = n.parentElement) {
        const bg = getComputedStyle(n).backgroundColor;
        if (!/rgba\(.*, 0\)$/.test(bg) && bg !== 'transparent') return rgb(bg);
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const selector of ['#search-q', '#concept-form input[name=name]', '#concept-form textarea', '#prereq-form select']) {
      const field = document.querySelector(selector);
      field.focus();
      const style = getComputedStyle(field);
      out.push({
        selector,
        border: ratio(rgb(style.borderTopColor), background(field)),
        ring: style.outlineStyle === 'none' ? 0 : ratio(rgb(style.outlineColor), background(field)),
      });
    }
    return out;
  });
  for (const { selector, border, ring } of measured) {
    assert.ok(border >= 3, `${selector}: border ${border.toFixed(2)}:1`);
    assert.ok(ring >= 3, `${selector}: focus ring ${ring.toFixed(2)}:1`);
  }
});

step('import CSV: the dry-run report first, then the import', async () => {
  await page.getByRole('tab', { name: 'Import' }).click();
  // Before any report: axe passes a named div that holds text, and flags it while empty.
  await assertAxeClean('the import view');
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv('id,name,tags\nsystems,Systems of equations,algebra\npolynomials,Polynomials,algebra\n') });
  await form.getByLabel('prerequisites.csv').setInputFiles({ name: 'prerequisites.csv', ...csv('prerequisite,concept,weight\nlinear-equations,systems,1\nnope,systems,1\n') });
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.locator('#import-report .summary', { hasText: 'Dry run' }).waitFor();
  const report = await page.locator('#import-report').textContent();
  assert.match(report, /nope/, report);
  // The CSV line of the row (row 2 of prerequisites.csv is its line 3), which the report carries.
  assert.match(await page.locator('#import-report ul.errors').textContent(), /prerequisite row 2 \(line 3\)/);
  const headers = await page.locator('#import-report th').allTextContents();
  assert.ok(headers.length > 0 && headers.every((h) => h.trim()), `no empty table header: ${JSON.stringify(headers)}`);
  await assertHeadingOrder('the import report');
  // The report was a plain div named by aria-label, which nothing reads out (axe: aria-prohibited-attr).
  await assertAxeClean('the import view with a dry-run report');
  await page.screenshot({ path: join(ARTIFACTS, 'import-dry-run.png') });
  assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true, 'bad rows: no import');
  await form.getByLabel('prerequisites.csv').setInputFiles({ name: 'prerequisites.csv', ...csv('prerequisite,concept,weight\nlinear-equations,systems,1\n') });
  // The optional curriculum.csv carries the curriculum's own name and description, as the zip export does.
  const { json: before } = await callApi('GET', `/curricula/${CURRICULUM}`);
  await form.getByLabel('curriculum.csv').setInputFiles({ name: 'curriculum.csv', ...csv(`id,name,description\n${CURRICULUM},${before.curriculum.name},imported from the page\n`) });
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  assert.equal((await callApi('GET', '/concepts/systems')).status, 404, 'a dry run writes nothing');
  // Neo4j away for a moment: the API's 503 says nothing was written and when to retry. The dry run stands and
  // Import, focused, goes again (it was spent, and disabled beside "retry in 5 s": a review, 6 December 2026).
  const away = { type: 'about:blank', title: 'Service unavailable', status: 503, retry_after_s: 5,
    detail: 'Neo4j is unavailable; nothing was changed by this request, retry in 5 s' };
  const once = (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', headers: { 'Retry-After': '5' }, json: away });
  await page.route((url) => url.pathname.endsWith('/import') && !url.search.includes('dry_run'), once, { times: 1 });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  assert.match(await expectAlert(/Service unavailable \(503\)/), /retry in 5 s\. The dry run still stands: press Import again then\./);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-commit');
  assert.equal((await callApi('GET', '/concepts/systems')).status, 404);
  await page.keyboard.press('Enter');
  await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
  // Chromium logs the 503 this step answered on purpose as a failed resource: not a script error.
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('status of 503') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
  await page.waitForFunction(() => document.activeElement?.id === 'import-report');
  assert.equal((await callApi('GET', '/concepts/systems')).status, 200);
  assert.equal((await callApi("GET", `/curricula/${CURRICULUM}`)).json.curriculum.description, "imported from the page");
});

step('the window title names what is on show: the open concept (renamed too) on the Curriculum view, else the view', async () => {
  // Each place that changed the view or the concept wrote the title its own way: an import's refresh named
  // the concept over the Import view, coming back to Curriculum dropped its name, and a saved rename kept
  // the old one (a review, s29).
  const { json: open } = await callApi('GET', '/concepts/linear-equations');
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByRole('button', { name: 'Check (dry run)' }).click(); // the last step's files again: nothing changes
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
  // The import's refresh (the curricula, the list, the open concept, its graph, tasks and trail) all handled.
  // It waited for an answer about the concept's trail, which the step before's own refresh could still be
  // reading: that answer let the title be checked while this refresh was in flight.
  await apiSettled();
  assert.equal(await page.title(), 'Import · kgplatform', 'the refresh took the title over');
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  assert.equal(await page.title(), `${open.name} · Curriculum · kgplatform`);
  await page.getByRole('tab', { name: 'Learner' }).click();
  assert.equal(await page.title(), 'Learner · kgplatform');
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  const edit = page.getByRole('form', { name: 'Edit concept' });
  await edit.getByLabel('Name').fill('Linear equations, retitled');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Saved linear-equations/);
  assert.equal(await page.title(), 'Linear equations, retitled · Curriculum · kgplatform');
  const renamed = await callApi('GET', '/concepts/linear-equations');
  assert.equal((await callApi('PATCH', '/concepts/linear-equations', { body: { name: open.name }, ifMatch: renamed.etag })).status, 200);
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.waitForFunction((want) => document.title === want, `${open.name} · Curriculum · kgplatform`);
  await page.getByRole('tab', { name: 'Import' }).click(); // where the next step starts
  assert.equal(await page.title(), 'Import · kgplatform');
});

step('a file picked while the dry run runs makes its report stale: nothing unchecked can be imported', async () => {
  // The late answer used to enable Import for the form as it was then, with the file picked meanwhile,
  // which was imported without a dry run (a review, 1 December).
  const form = page.getByRole('form', { name: 'Import CSV' });
  const dryRun = (url) => url.pathname.endsWith('/import') && url.searchParams.get('dry_run') === 'true';
  // Held until the other file is picked (a 1.5 s delay let the answer come first when the steps between
  // ran slowly, and the step then waited in vain for "changed during the dry run").
  const held = await holdRequests(dryRun);
  try {
    await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv('id,name,tags\nrace-new,Race new,algebra\n') });
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await held.arrived;
    await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv('id,name,tags\npolynomials,Renamed unchecked,algebra\n') });
    held.release();
    await page.locator('#import-status', { hasText: 'changed during the dry run' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true, 'no import of unchecked files');
  } finally {
    await held.stop();
  }
  assert.equal((await callApi('GET', '/concepts/polynomials')).json.name, 'Polynomials');
  assert.equal((await callApi('GET', '/concepts/race-new')).status, 404);
});

step('a second import renames a concept: its audit trail shows the import with the old and new name', async () => {
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv('id,name,tags\npolynomials,Polynomials and factoring,algebra\n') });
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  // The dry run names each stored value the file would replace before anything is written.
  const change = page.locator('#import-report .changes li', { hasText: "concept 'polynomials' name" });
  assert.match(await change.textContent(), /"Polynomials" → "Polynomials and factoring"/);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.locator('#import-report .summary', { hasText: /Imported.* 1 updated/ }).waitFor();
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  await page.getByLabel('Search', { exact: true }).fill('polynomials');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.concept-link', { hasText: 'Polynomials and factoring' }).click();
  const entry = page.locator('#audit-list li', { hasText: 'import concept polynomials' });
  await entry.waitFor();
  assert.match(await entry.textContent(), /name: "Polynomials" → "Polynomials and factoring"/);
});

step('an edit saved by someone else between the dry run and Import refuses the import instead of being overwritten', async () => {
  // The dry run listed one change; Import then also reverted a description saved meanwhile, which the
  // report had listed as unchanged (a review, s35).
  await page.getByRole('tab', { name: 'Import' }).click();
  const form = page.getByRole('form', { name: 'Import CSV' });
  const numbers = await callApi('GET', '/concepts/numbers');
  const file = `id,name,description\npolynomials,Polynomials (checked),\nnumbers,"${numbers.json.name}","${numbers.json.description}"\n`;
  await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv(file) });
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  const edited = await callApi('PATCH', '/concepts/numbers', { body: { description: 'saved after the dry run' }, ifMatch: numbers.etag });
  assert.equal(edited.status, 200);
  try {
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expectAlert(/Precondition failed \(412\).*since your dry run/);
    assert.equal((await callApi('GET', '/concepts/numbers')).json.description, 'saved after the dry run');
    assert.equal((await callApi('GET', '/concepts/polynomials')).json.name, 'Polynomials and factoring', 'nothing written');
  } finally {
    const now = await callApi('GET', '/concepts/numbers');
    await callApi('PATCH', '/concepts/numbers', { body: { description: numbers.json.description }, ifMatch: now.etag });
    await form.getByLabel('concepts.csv').setInputFiles([]);
  }
});

/** Clicks the Curriculum tab's export and saves the download, which must be named `<curriculum>.<extension>`;
 * returns the saved file's path. */
const exportFromPage = async (extension) => {
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export (zip of CSVs)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${CURRICULUM}.${extension}`);
  const file = join(profile, `export-${Date.now()}.${extension}`);
  await download.saveAs(file);
  return file;
};

step('export from the page; re-importing that export sends its ETag, so others\' edits since are not reverted', async () => {
  const takeExport = async () => {
    const file = await exportFromPage('zip');
    const bytes = readFileSync(file);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a zip');
    assert.ok(bytes.includes('concepts.csv') && bytes.includes('prerequisites.csv'), 'with the CSV files');
    await expectAlert(/Exported algebra-e2e as algebra-e2e\.zip/);
    return file;
  };
  const etagNow = async () => (await fetch(`${BASE}/curricula/${CURRICULUM}/export`, { headers: { 'X-API-Key': DESIGNER_KEY } })).headers.get('ETag');
  const sent = [];
  const recordImport = (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/import')) sent.push(request.headers()['if-match'] ?? null);
  };
  page.on('request', recordImport);
  try {
    const exported = await takeExport();
    const exportedEtag = await etagNow();
    await page.getByRole('tab', { name: 'Import' }).click();
    const form = page.getByRole('form', { name: 'Import CSV' });
    const basedOn = form.getByLabel(/made from my export algebra-e2e\.zip/);
    assert.equal(await basedOn.isChecked(), true, 'offered, and on, after an export from this tab');
    for (const name of ['curriculum.csv', 'concepts.csv', 'prerequisites.csv', 'tasks.csv']) {
      await form.getByLabel(name, { exact: false }).setInputFiles([]);
    }
    await form.getByLabel(/curriculum\.zip/).setInputFiles(exported);
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
    assert.match(await page.locator('#import-report .summary').textContent(), /0 created, 0 updated/);
    // Another designer edits a concept after the export, before the import.
    const before = await callApi('GET', '/concepts/ratios');
    const edited = await callApi('PATCH', '/concepts/ratios', { body: { description: 'edited after the export' }, ifMatch: before.etag });
    assert.equal(edited.status, 200);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expectAlert(/Precondition failed \(412\).*changed since the export/s);
    assert.equal((await callApi('GET', '/concepts/ratios')).json.description, 'edited after the export', 'their edit stands');
    assert.deepEqual(sent, [exportedEtag, exportedEtag], 'the dry run and the import both sent the export\'s ETag');

    // A fresh export, re-imported unchanged: accepted, and its ETag is then spent.
    sent.length = 0;
    const fresh = await takeExport();
    const freshEtag = await etagNow();
    await page.getByRole('tab', { name: 'Import' }).click();
    await form.getByLabel(/curriculum\.zip/).setInputFiles(fresh);
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
    assert.deepEqual(sent, [freshEtag, freshEtag]);
    assert.equal(await page.locator('#import-based-on').isHidden(), true, 'spent by the import');
    await form.getByLabel(/curriculum\.zip/).setInputFiles([]);
  } finally {
    page.off('request', recordImport);
  }
});

step('a refused import leaves keyboard focus on its report, not on <body>', async () => {
  // Import is disabled as it is sent; when it was refused (here 412: the curriculum changed since the
  // export), focus went to <body> with it (a review, s29).
  const exported = await exportFromPage('zip');
  await expectAlert(/Exported algebra-e2e as algebra-e2e\.zip/);
  await page.getByRole('tab', { name: 'Import' }).click();
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByLabel(/curriculum\.zip/).setInputFiles(exported);
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  const before = await callApi('GET', '/concepts/numbers');
  const edited = await callApi('PATCH', '/concepts/numbers', { body: { description: 'edited after the export' }, ifMatch: before.etag });
  assert.equal(edited.status, 200);
  try {
    await page.getByRole('button', { name: 'Import', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expectAlert(/Precondition failed \(412\)/);
    await page.waitForFunction(() => document.activeElement?.id === 'import-report', null, { timeout: TIMEOUT })
      .catch(async () => assert.fail(`focus after the refused import: ${await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)}`));
  } finally {
    const now = await callApi('GET', '/concepts/numbers');
    await callApi('PATCH', '/concepts/numbers', { body: { description: before.json.description }, ifMatch: now.etag });
    await form.getByLabel(/curriculum\.zip/).setInputFiles([]);
  }
});

step('a file exported before someone else\'s edit: the dry run says so, and Import asks before replacing it', async () => {
  // A designer exports, edits the file offline for days and imports it with the export's ETag long gone
  // (another tab, another day): the file's own record (`based_on`) says which state it was made from. The
  // page's import is sent with the dry run's ETag, which the API takes over that record, so the page asks.
  const exported = await exportFromPage('zip');
  await expectAlert(/Exported algebra-e2e as algebra-e2e\.zip/);
  const before = await callApi('GET', '/concepts/numbers');
  const edited = await callApi('PATCH', '/concepts/numbers', { body: { description: 'their edit, after the export' }, ifMatch: before.etag });
  assert.equal(edited.status, 200);
  const sent = [];
  const recordImport = (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.pathname.endsWith('/import') && !url.searchParams.get('dry_run')) sent.push(url.searchParams.get('overwrite'));
  };
  page.on('request', recordImport);
  const form = page.getByRole('form', { name: 'Import CSV' });
  try {
    await page.getByRole('tab', { name: 'Import' }).click();
    // Not "made from my export" of this tab: the file alone says what it was exported from.
    await form.getByLabel(/made from my export/).uncheck();
    await form.getByLabel(/curriculum\.zip/).setInputFiles(exported);
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
    const older = page.locator('#import-report .based-on-older');
    assert.match(await older.textContent(), /older state of the curriculum: 1 change since, the newest by .+/);
    let dialogAt = '';
    await cancellingDialogs(async (asked) => {
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('#import-status', { hasText: 'Not imported' }).waitFor();
      assert.equal(asked.length, 1);
      assert.match(asked[0], /^Import anyway\? The file was exported from an older state .*replaces those changes/s);
      dialogAt = asked[0].match(/ at (.+?)\. Importing/s)?.[1] ?? '';
    });
    assert.ok(dialogAt, 'the question gives the newest change\'s time');
    assert.deepEqual(sent, [], 'Cancel sends nothing');
    assert.equal((await callApi('GET', '/concepts/numbers')).json.description, 'their edit, after the export');
    assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), false, 'the dry run stands');
    // OK: imported with the override, which the audit entry records; the file's description is back.
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
    // The summary line and the report give that time as the question did, local, not the API's ISO in UTC.
    for (const shown of [await page.locator('#message').textContent(), await page.locator('#import-report .summary').textContent()]) {
      assert.ok(shown.includes(` at ${dialogAt}`), `${shown} / ${dialogAt}`);
      assert.doesNotMatch(shown, /\d{4}-\d{2}-\d{2}T\d{2}:/, shown);
    }
    assert.deepEqual(sent, ['true']);
    assert.equal((await callApi('GET', '/concepts/numbers')).json.description, before.json.description);
    const trail = (await callApi('GET', `/curricula/${CURRICULUM}/audit`)).json.items;
    assert.equal(trail.find((e) => e.action === 'import' && e.entity_type === 'curriculum').new.overwrite, true);
  } finally {
    page.off('request', recordImport);
    await form.getByLabel(/curriculum\.zip/).setInputFiles([]);
  }
});

step('a tag the CSV files cannot carry: the page exports JSON instead, and imports that JSON back', async () => {
  // The page lets a designer save a tag holding ';' (dom.js listValue); the CSV export refuses it (422),
  // and the page used to stop there, with no way to export from it.
  const before = await callApi('GET', '/concepts/ratios');
  const tagged = await callApi('PATCH', '/concepts/ratios', { body: { tags: [...before.json.tags, 'a;b'] }, ifMatch: before.etag });
  assert.equal(tagged.status, 200, JSON.stringify(tagged.json));
  try {
    const file = await exportFromPage('json');
    const exportedDocument = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(exportedDocument.concepts.find((c) => c.id === 'ratios').tags, [...before.json.tags, 'a;b']);
    await expectAlert(/Exported algebra-e2e as algebra-e2e\.json \(as JSON: the CSV files could not carry it; .*a;b/);
    await page.getByRole('tab', { name: 'Import' }).click();
    const form = page.getByRole('form', { name: 'Import CSV' });
    assert.equal(await form.getByLabel(/made from my export algebra-e2e\.json/).isChecked(), true);
    await form.getByLabel(/curriculum\.json/).setInputFiles(file);
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
    assert.match(await page.locator('#import-report .summary').textContent(), /0 created, 0 updated/);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
    assert.equal(await page.locator('#import-based-on').isHidden(), true, 'its ETag spent by the import');
    await form.getByLabel(/curriculum\.json/).setInputFiles([]);
  } finally {
    const now = await callApi('GET', '/concepts/ratios');
    await callApi('PATCH', '/concepts/ratios', { body: { tags: before.json.tags }, ifMatch: now.etag });
  }
});

step('a re-import with one edge back: the cycle as a real path, only the added edge blamed; a short live summary', async () => {
  const { json: whole } = await callApi('GET', `/curricula/${CURRICULUM}`);
  const stored = whole.prerequisites.map((p) => [p.prerequisite, p.concept]);
  const edges = [...stored, ['linear-equations', 'addition']]; // closes cycles through addition's dependants
  const has = new Set(edges.map(([a, b]) => `${a}>${b}`));
  await page.getByRole('tab', { name: 'Import' }).click();
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByLabel(/curriculum\.zip/).setInputFiles([]);
  await form.getByLabel('concepts.csv').setInputFiles([]);
  await form.getByLabel('prerequisites.csv').setInputFiles({
    name: 'prerequisites.csv', ...csv(`prerequisite,concept,weight\n${edges.map(([a, b]) => `${a},${b},1`).join('\n')}\n`),
  });
  // The dry run answers late: meanwhile the live status says it is checking. Held until that is seen (an
  // 800 ms delay let the answer replace the status first when the page ran slowly).
  const held = await holdRequests((url) => url.pathname.endsWith('/import'));
  try {
    await form.getByRole('button', { name: 'Check (dry run)' }).click();
    await held.arrived;
    await page.locator('#import-status', { hasText: /Checking/ }).waitFor();
    held.release();
    await page.locator('#import-report .summary', { hasText: 'Dry run' }).waitFor();
  } finally {
    await held.stop();
  }
  const cycles = await page.locator('#import-report .cycles li').allTextContents();
  assert.equal(cycles.length, 1, cycles.join(' | '));
  const path = cycles[0].split(' → ');
  assert.equal(path[0], path[path.length - 1], `a closed path: ${cycles[0]}`);
  for (let i = 0; i + 1 < path.length; i += 1) assert.ok(has.has(`${path[i]}>${path[i + 1]}`), `${path[i]} → ${path[i + 1]} is an edge`);
  assert.deepEqual(path.slice(-2), ['linear-equations', 'addition']);
  // Only the edge the file adds, not the stored edges on that path, nor the 6 edges binding addition,
  // subtraction, multiplication, expressions and linear equations together.
  const errors = await page.locator('#import-report .errors li').allTextContents();
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /linear-equations.*addition/);
  assert.match(await page.locator('#import-report h3', { hasText: 'Errors' }).textContent(), /Errors \(1\)/);
  // The report is not read out whole; one line is.
  assert.equal(await page.locator('#import-report').getAttribute('aria-live'), null);
  assert.equal(await page.locator('[aria-live] #import-report, [role=status] #import-report, [role=alert] #import-report').count(), 0);
  const status = await page.getByRole('status').filter({ hasText: 'Dry run done' }).textContent();
  assert.match(status, /^Dry run done: 1 error, 1 cycle\b/);
  assert.ok(status.length < 200, status);
  await form.getByLabel('prerequisites.csv').setInputFiles([]);
});

step('paging over the 12 concepts, 10 per page; the tag filter', async () => {
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  await page.getByLabel('Search', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByLabel('Per page').selectOption('10');
  await page.waitForFunction(() => /1–10 of 12/.test(document.querySelector('#page-info').textContent));
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(() => /11–12 of 12/.test(document.querySelector('#page-info').textContent));
  assert.equal(await page.locator('.concept-link').count(), 2);
  assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.waitForFunction(() => /1–10 of 12/.test(document.querySelector('#page-info').textContent));
  await page.getByLabel('Tag', { exact: true }).fill('equations');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => /1–1 of 1/.test(document.querySelector('#page-info').textContent));
  await page.getByLabel('Tag', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByLabel('Per page').selectOption('25');
  await page.waitForFunction(() => /1–12 of 12/.test(document.querySelector('#page-info').textContent));
});

step('the pager keeps keyboard focus when the button pressed is disabled on the last or the first page', async () => {
  // Enter on "Next page" to the last page disabled that button, and focus went to <body>: the next Tab
  // started again at the top of the page (a review, s29).
  const focused = (id, what) => page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`${what}: focus on ${await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)}`));
  await page.getByLabel('Per page').selectOption('10');
  await page.waitForFunction(() => /1–10 of 12/.test(document.querySelector('#page-info').textContent));
  await page.getByRole('button', { name: 'Next page' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /11–12 of 12/.test(document.querySelector('#page-info').textContent));
  await focused('page-prev', 'the last page');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /1–10 of 12/.test(document.querySelector('#page-info').textContent));
  await focused('page-next', 'the first page');
  await page.getByLabel('Per page').selectOption('25');
  await page.waitForFunction(() => /1–12 of 12/.test(document.querySelector('#page-info').textContent));
});

step('only the concept opened last is shown, however late the answers about the one before', async () => {
  // Subtraction's details and addition's tasks answer late; division is opened meanwhile. They are held
  // until division is on show, then let go and waited for: a fixed wait for them (it slept 1.5 s, then
  // checked after 2 s; later 300 ms after they came) passed without testing anything on a run slow enough for
  // them to come, or be handled, later.
  const lateTasks = (url) => url.pathname.endsWith('/tasks') && url.searchParams.get('concept') === 'addition';
  const lateConcept = (url) => url.pathname === '/concepts/subtraction';
  const slowTasks = await holdRequests(lateTasks);
  const slowConcept = await holdRequests(lateConcept);
  try {
    await page.locator('.concept-link', { hasText: 'Addition' }).click();
    await conceptShown('addition');
    await slowTasks.arrived;
    await page.locator('.concept-link', { hasText: 'Subtraction' }).click();
    await slowConcept.arrived;
    await page.locator('.concept-link', { hasText: 'Division' }).click();
    await conceptShown('division');
    await page.locator('#task-list', { hasText: 'Practise division' }).waitFor();
    // Division's graph loads without anything awaiting it: waited for too.
    await page.waitForFunction(() => /around division/.test(document.querySelector('#graph-status').textContent));
    slowTasks.release();
    slowConcept.release();
    await answersTakenIn([...slowTasks.held, ...slowConcept.held]);
    assert.equal(await page.locator('#concept-id').textContent(), 'division');
    assert.equal(await page.getByRole('form', { name: 'Edit concept' }).getByLabel('Name').inputValue(), 'Division');
    const tasks = await page.locator('#task-list').textContent();
    assert.match(tasks, /Practise division/);
    assert.doesNotMatch(tasks, /Practise addition/);
    assert.match(await page.locator('#graph-status').textContent(), /around division/);
    const current = await page.locator('.concept-link[aria-current=true]').evaluateAll((bs) => bs.map((b) => b.dataset.conceptId));
    assert.deepEqual(current, ['division'], 'the open concept is marked aria-current');
  } finally {
    await slowTasks.stop();
    await slowConcept.stop();
  }
});

step('a save answered after another concept opened leaves the editor on that one', async () => {
  // Subtraction's save answers late; division is opened meanwhile. The answer used to fill the editor
  // (and its ETag) with subtraction while the page went on with division: the next save wrote
  // subtraction's values into division (a review, 1 December).
  // The save is held until division is open (it slept 1.5 s: on a loaded machine the click on division
  // could come later than that, the save was answered first, opening division hid its "Saved", and
  // expectAlert ran out of time).
  await page.locator('.concept-link', { hasText: 'Subtraction' }).click();
  await conceptShown('subtraction');
  const save = await holdRequests((url) => url.pathname === '/concepts/subtraction', 'PATCH');
  try {
    const form = page.getByRole('form', { name: 'Edit concept' });
    await form.getByLabel('Name').fill('Subtraction (taking away)');
    await form.getByRole('button', { name: 'Save' }).click();
    await save.arrived;
    await page.locator('.concept-link', { hasText: 'Division' }).click();
    await conceptShown('division');
    save.release();
    await expectAlert(/Saved subtraction/); // the late answer came, and says what it saved
    await apiSettled(); // and all it led to is done
    assert.equal(await page.locator('#concept-id').textContent(), 'division');
    assert.equal(await form.getByLabel('Name').inputValue(), 'Division');
  } finally {
    await save.stop();
  }
  assert.equal((await callApi('GET', '/concepts/subtraction')).json.name, 'Subtraction (taking away)');
  assert.equal((await callApi('GET', '/concepts/division')).json.name, 'Division');
});

step('text typed while another concept is being opened is not dropped without asking', async () => {
  // A slow API: the editor stays on the open concept, editable, while the next one is read, and its answer
  // refilled the editor over what was typed meanwhile, without a word (a review, s37).
  const form = page.getByRole('form', { name: 'Edit concept' });
  await page.locator('.concept-link', { hasText: 'Addition' }).click();
  await conceptShown('addition');
  const slow = await holdRequests((url) => url.pathname === '/concepts/subtraction', 'GET');
  try {
    await cancellingDialogs(async (asked) => {
      await page.locator('.concept-link', { hasText: 'Subtraction' }).click();
      await slow.arrived;
      await form.getByLabel('Description').fill('typed while subtraction was being read');
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/concepts/subtraction');
      slow.release();
      await (await answered).finished();
      // The question comes once the page has taken the answer in: askedAtLeast gives it the page's 10 s (its own
      // loop here gave up after 5 s).
      await askedAtLeast(asked, 1);
      assert.deepEqual(asked, ['Discard your unsaved changes to addition and open subtraction?']);
      await apiSettled(); // the answer, and the Cancel, handled
    });
    assert.equal(await page.locator('#concept-id').textContent(), 'addition', 'Cancel keeps the one on show');
    assert.equal(await form.getByLabel('Description').inputValue(), 'typed while subtraction was being read');
  } finally {
    await slow.stop();
  }
  // Asked again on the next click (answered OK here): then it opens.
  await page.locator('.concept-link', { hasText: 'Subtraction' }).click();
  await conceptShown('subtraction');
  assert.equal((await callApi('GET', '/concepts/addition')).json.description, '', 'nothing was saved');
});

step('a 3-decimal difficulty saves; a double click saves once; cascade is not carried to another concept', async () => {
  await page.locator('#delete-cascade').check(); // armed on division ...
  const before = await callApi('GET', '/concepts/fractions');
  const set = await callApi('PATCH', '/concepts/fractions', { body: { difficulty: 0.437 }, ifMatch: before.etag });
  assert.equal(set.status, 200);
  await page.locator('.concept-link', { hasText: 'Fractions' }).click();
  await conceptShown('fractions');
  assert.equal(await page.locator('#delete-cascade').isChecked(), false, '... not for fractions');
  const form = page.getByRole('form', { name: 'Edit concept' });
  assert.equal(await form.getByLabel(/Difficulty/).inputValue(), '0.437');
  await form.getByLabel('Name').fill('Fractions (parts of a whole)');
  const patches = [];
  const countPatch = (request) => { if (request.method() === 'PATCH') patches.push(request.url()); };
  page.on('request', countPatch);
  try {
    await form.getByRole('button', { name: 'Save' }).dblclick();
    await expectAlert(/Saved fractions \(version 3\)/);
    await apiSettled(); // a second write, had one gone, has been answered and handled
  } finally {
    page.off('request', countPatch);
  }
  assert.equal(patches.length, 1, `one write for a double click: ${patches.join(', ')}`);
  assert.match(await alert.textContent(), /Saved fractions \(version 3\)/);
  const after = await callApi('GET', '/concepts/fractions');
  assert.equal(after.json.version, 3);
  assert.equal(after.json.name, 'Fractions (parts of a whole)');
  assert.equal(after.json.difficulty, 0.437);
});

step('delete a concept: refused while needed (409 names the dependant), then with cascade', async () => {
  await page.locator('.concept-link', { hasText: 'Systems of equations' }).waitFor();
  await page.locator('.concept-link', { hasText: 'Linear equations in one variable' }).click();
  await page.waitForFunction(() => document.querySelector('#concept-id').textContent === 'linear-equations');
  await page.getByRole('button', { name: 'Delete concept' }).click();
  const refused = await expectAlert(/Conflict \(409\)/);
  assert.match(refused, /quadratics/);
  // Each member of the 409 gets its line (the page looked for 'orphaned_tasks', which the API never sent).
  assert.match(refused, /dependants: \[/);
  assert.match(refused, /tasks: \["/);
  assert.match(refused, /learners with goal: 0/); // a count
  // In the page's words: the API's "delete with ?cascade=true" is a query the designer cannot type here, and
  // "Field: concept_id" named no field of the page (a review, 5 December 2026).
  assert.match(refused, /Concept linear-equations was not deleted: it is still needed by [\d,]+ concepts? that needs? it first/);
  assert.match(refused, /tick "cascade" beside Delete concept and delete again/);
  assert.doesNotMatch(refused, /\?cascade=true|concept_id/);
  assert.equal((await callApi('GET', '/concepts/linear-equations')).status, 200);
  // A task on polynomials and quadratics: the cascade keeps it, without polynomials, and says so.
  const shared = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
    body: { id: 'task-e2e-shared', title: 'Shared', kind: 'exercise', concepts: ['polynomials', 'quadratics'] },
  });
  assert.equal(shared.status, 201, JSON.stringify(shared.json));
  await page.locator('.concept-link', { hasText: 'Polynomials' }).click();
  await page.waitForFunction(() => document.querySelector('#concept-id').textContent === 'polynomials');
  await page.getByLabel(/cascade/i).check();
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted polynomials.*Tasks that no longer exercise it: task-e2e-shared/);
  assert.equal((await callApi('GET', '/concepts/polynomials')).status, 404);
  const kept = await callApi('GET', '/tasks/task-e2e-shared');
  assert.deepEqual(kept.json.concepts, ['quadratics']);
  assert.equal((await callApi('DELETE', '/tasks/task-e2e-shared', { ifMatch: kept.etag })).status, 204);
  // The page reloads its list after the delete; wait for it, or signing out (a page reload) next would
  // abort that fetch and log "Failed to fetch" (seen once in CI on a slow run).
  await page.locator('.concept-link', { hasText: 'Polynomials' }).waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.id === 'concept-list'); // focus not lost with the panel
});

step('Recent changes: who deleted a concept, newest first, paged by keyboard; a row whose concept exists opens it', async () => {
  // A deleted concept cannot be opened, so its own trail was out of reach: the curriculum's trail says who.
  await page.getByText('Recent changes in this curriculum').click();
  const table = page.getByRole('table', { name: /Recent changes in .*, newest first/ });
  await table.waitFor();
  const headers = await table.getByRole('columnheader').allTextContents();
  assert.deepEqual(headers, ['When', 'Who', 'Action', 'What', 'Change (old → new)']);
  const rows = table.locator('tbody tr');
  await rows.first().locator('td').nth(3).waitFor();
  // Newest first: the shared task's delete (another designer's call, just now) is the first row.
  assert.match(await rows.first().textContent(), /e2e-designer.*delete.*task task-e2e-shared/);
  const times = await table.locator('tbody time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime'))));
  assert.deepEqual(times, [...times].sort((a, b) => b - a));
  const deleted = rows.filter({ hasText: 'concept polynomials' }).filter({ has: page.locator('td', { hasText: /^delete$/ }) });
  assert.match(await deleted.textContent(), /e2e-designer.*delete.*concept polynomials \(deleted by e2e-designer.*\).*name: "Polynomials and factoring"/);
  assert.equal(await deleted.getByRole('button').count(), 0, 'a deleted concept is not offered for opening');
  // Paged: 20 a page, Older and Newer by keyboard, the count says where.
  const count = page.locator('#changes-count');
  assert.match(await count.textContent(), /^1–20 of (\d+) changes$/);
  // Older entries went to a file (seed.py): the end of the list is not the curriculum's first change.
  assert.match(await page.locator('#changes-archived').textContent(), ARCHIVED_NOTE);
  assert.equal(await page.locator('#changes-archived').isVisible(), true);
  // Older reads on from the first page's `next` (a cursor, since 4 December 2026), not by offset: the route
  // seeks its index from there instead of reading every entry before the page.
  const trailRead = (r) => /\/curricula\/[^?]*\/audit\?/.test(r.url());
  await page.getByRole('button', { name: 'Older' }).focus();
  const olderRead = page.waitForRequest(trailRead);
  await page.keyboard.press('Enter');
  const older = new URL((await olderRead).url()).searchParams;
  assert.ok(older.get('cursor') && !older.has('offset'), `Older read ${older}`);
  await page.waitForFunction(() => /^21–/.test(document.querySelector('#changes-count').textContent));
  assert.equal(await page.getByRole('button', { name: 'Newer' }).isEnabled(), true);
  await page.getByRole('button', { name: 'Newer' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^1–20 of/.test(document.querySelector('#changes-count').textContent));
  // Focus went from the disabled Newer to Older, not to <body>.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'changes-older');
  // An entity that still exists opens its concept in the editor.
  const open = table.locator('button.link-button').first();
  const concept = await open.getAttribute('data-concept');
  await open.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.querySelector('#concept-id').textContent === id, concept);
  await page.getByText('Recent changes in this curriculum').click(); // closed again for the steps after
});

step('Recent changes filters by action, who and time by keyboard; a refused filter is marked; later pages hold still while others edit', async () => {
  await page.getByText('Recent changes in this curriculum').click();
  await page.getByRole('table', { name: /Recent changes in .*, newest first$/ }).waitFor();
  const rows = page.locator('#changes-rows tr'); // the table's name changes with the filters
  const filter = page.getByRole('form', { name: 'Filter changes' });
  const loaded = (pattern) => page.waitForFunction((source) => new RegExp(source).test(document.querySelector('#changes-count').textContent), pattern.source);
  // Only deletions: chosen and applied from the keyboard.
  await filter.getByLabel('Action').selectOption('delete');
  await filter.getByRole('button', { name: 'Filter', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('table', { name: /newest first, filtered$/ }).waitFor();
  await loaded(/ matching changes$/);
  const actions = await rows.locator('td.action').allTextContents();
  assert.ok(actions.length > 0 && actions.every((a) => a === 'delete'), actions.join());
  // Who: an actor offered from those listed; Enter in the field applies it.
  const actor = await rows.first().locator('td').nth(1).textContent();
  const offered = await page.locator('#changes-actors option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(offered.includes(actor), `${actor} offered among ${offered}`);
  await filter.getByLabel('Who').fill(actor);
  await filter.getByLabel('Who').press('Enter');
  // The Who filter's answer handled, then read: the deletions on show before it may all be that actor's, and a
  // wait for "every row is by that actor" was met before the filter's answer came, whatever it held.
  await apiSettled();
  const actors = await rows.locator('td:nth-child(2)').allTextContents();
  assert.ok(actors.length > 0 && actors.every((who) => who === actor), `filtered by ${actor}: ${actors.join()}`);
  // Since after Until: the API's 422 marks Until, which takes focus; nothing else is listed.
  await filter.getByLabel('Since').fill('2030-01-02T00:00');
  await filter.getByLabel('Until').fill('2030-01-01T00:00');
  await filter.getByLabel('Since').press('Enter');
  await page.waitForFunction(() => document.querySelector('#changes-filter [name=until]').getAttribute('aria-invalid') === 'true');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'until');
  await expectAlert(/Validation failed \(422\)/);
  await assertAxeClean('Recent changes, open, with a refused filter marked');
  // A window with nothing in it says so.
  await filter.getByLabel('Until').fill('2030-01-03T00:00');
  await filter.getByLabel('Until').press('Enter');
  await page.locator('#changes-rows td.hint', { hasText: 'No changes match these filters.' }).waitFor();
  // Clear filters: the whole trail again, the mark gone, focus kept on the button.
  await filter.getByRole('button', { name: 'Clear filters' }).focus();
  await page.keyboard.press('Enter');
  await loaded(/^1–20 of \d+ changes$/);
  assert.equal(await filter.getByLabel('Until').getAttribute('aria-invalid'), null);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'changes-clear');
  // Another designer edits while this one reads page 1: page 2 goes on where page 1 ended. Without the
  // pin, the two new entries pushed the trail down and page 2 began with page 1's last two rows.
  const rowKey = (r) => r.evaluate((tr) => tr.querySelector('time').getAttribute('datetime') + tr.textContent);
  const lastOfFirst = await rowKey(rows.last());
  const firstPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('time').getAttribute('datetime') + tr.textContent));
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: 'drift-e2e', name: 'Made while paging' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal((await callApi('DELETE', '/concepts/drift-e2e', { ifMatch: made.etag })).status, 200);
  await page.getByRole('button', { name: 'Older' }).click();
  await loaded(/^21–/);
  const secondPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('time').getAttribute('datetime') + tr.textContent));
  assert.deepEqual(secondPage.filter((k) => firstPage.includes(k)), [], `no row of page 1 again on page 2 (page 1 ended ${lastOfFirst})`);
  // Refresh reads from the newest again: the other designer's delete is first.
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await loaded(/^1–20 of/);
  assert.match(await rows.first().textContent(), /delete.*concept drift-e2e/);
  // A concept deleted with more edges than a page holds: its own delete entry, written first, is on the next
  // page, and the edge rows still say who deleted it (its trail's 10 newest entries were all edges).
  const hub = 'hub-e2e';
  const spokes = Array.from({ length: 21 }, (_, i) => `spoke-e2e-${String(i).padStart(2, '0')}`);
  assert.equal((await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: hub, name: 'Hub' } })).status, 201);
  for (const spoke of spokes) {
    assert.equal((await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: spoke, name: spoke } })).status, 201);
    assert.equal((await callApi('POST', '/prerequisites', { body: { prerequisite: spoke, concept: hub, weight: 1 } })).status, 201);
  }
  const hubRead = await callApi('GET', `/concepts/${hub}`);
  assert.equal((await callApi('DELETE', `/concepts/${hub}?cascade=true`, { ifMatch: hubRead.etag })).status, 200);
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await page.waitForFunction(() => /prerequisite spoke-e2e-\d+ -> hub-e2e/.test(document.querySelector('#changes-rows tr')?.textContent));
  assert.match(await rows.first().textContent(), /prerequisite spoke-e2e-\d+ -> hub-e2e \(hub-e2e was deleted by e2e-designer/);
  for (const spoke of spokes) { // the curriculum as the steps after expect it
    const read = await callApi('GET', `/concepts/${spoke}`);
    assert.equal((await callApi('DELETE', `/concepts/${spoke}`, { ifMatch: read.etag })).status, 200);
  }
  await page.getByText('Recent changes in this curriculum').click(); // closed again for the steps after
});

step('a delete refused because someone saved the concept since shows their version; Delete then goes ahead', async () => {
  // The page kept the version it had opened: every Delete got the same 412 until Reload (a review, s37).
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: 'changed-e2e-d', name: 'Changed elsewhere' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const searched = await page.locator('#search-q').inputValue(); // put back at the end, for the steps after
  await page.locator('#search-q').fill('changed-e2e');
  await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
  await page.locator('.concept-link', { hasText: 'Changed elsewhere' }).click();
  await conceptShown('changed-e2e-d');
  const { etag } = await callApi('GET', '/concepts/changed-e2e-d');
  const other = await callApi('PATCH', '/concepts/changed-e2e-d', { body: { name: 'Renamed by another designer' }, ifMatch: etag });
  assert.equal(other.status, 200, JSON.stringify(other.json));
  await page.getByRole('button', { name: 'Delete concept' }).click();
  const refused = await expectAlert(/Precondition failed \(412\)/);
  assert.match(refused, /Someone changed concept changed-e2e-d since you opened it, so it was not deleted/);
  // Who: the 412's newest_change (the other designer's rename, through the API).
  assert.match(refused, /Last change: update of concept changed-e2e-d by e2e-designer( \(key [0-9a-f]+\))?, /);
  await page.waitForFunction(() => document.querySelector('#concept-version').textContent === '2');
  assert.equal(await page.getByRole('form', { name: 'Edit concept' }).getByLabel('Name').inputValue(), 'Renamed by another designer');
  assert.equal((await callApi('GET', '/concepts/changed-e2e-d')).status, 200);
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted changed-e2e-d/);
  assert.equal((await callApi('GET', '/concepts/changed-e2e-d')).status, 404);
  await page.locator('.concept-link', { hasText: 'Renamed by another designer' }).waitFor({ state: 'detached' });
  await page.locator('#search-q').fill(searched);
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === `/curricula/${CURRICULUM}/concepts`);
  await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
  await (await listed).finished();
});

step('a delete over an edge another designer added since the concept was opened is refused (412) and shows it', async () => {
  // The page never listed the edge, and the delete removed it with the concept (a review, s37): the API
  // moves a concept's ETag with its links, and the page says what changed and shows the concept again.
  for (const [id, name] of [['e2e-doomed', 'Doomed concept'], ['e2e-linker', 'Linker concept']]) {
    const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id, name } });
    assert.equal(made.status, 201, JSON.stringify(made.json));
  }
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.concept-link', { hasText: 'Doomed concept' }).click();
  await conceptShown('e2e-doomed');
  const edge = await callApi('POST', '/prerequisites', {
    body: { prerequisite: 'e2e-linker', concept: 'e2e-doomed', weight: 1 },
  });
  assert.equal(edge.status, 201, JSON.stringify(edge.json));
  await page.getByLabel(/cascade/i).check();
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Precondition failed \(412\).*e2e-linker → e2e-doomed added.*shown again as it is now/s);
  assert.equal((await callApi('GET', '/concepts/e2e-doomed')).status, 200);
  const kept = await callApi('GET', '/prerequisites?prerequisite=e2e-linker&concept=e2e-doomed');
  assert.equal(kept.status, 200, 'the edge is still there');
  await page.locator('#direct-edges', { hasText: 'e2e-linker' }).waitFor(); // now on show
  // Seen, it goes with a second delete (the cascade box was reset with the concept read again).
  await page.getByLabel(/cascade/i).check();
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted e2e-doomed; also removed 1 edge/);
  assert.equal((await callApi('GET', '/concepts/e2e-doomed')).status, 404);
  // The edge's other end moved too (it lost a link); the page's own edge change kept its ETag current.
  const linker = await callApi('GET', '/concepts/e2e-linker');
  assert.equal((await callApi('DELETE', '/concepts/e2e-linker', { ifMatch: linker.etag })).status, 200);
  await page.locator('.concept-link', { hasText: 'Doomed concept' }).waitFor({ state: 'detached' });
});

step('a save refused only because another designer linked the concept is sent again by itself', async () => {
  // The concept's ETag moves with its links: the 412 has nothing to choose between (the fields are as read).
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: 'e2e-renamed', name: 'Renamed concept' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.concept-link', { hasText: 'Renamed concept' }).click();
  await conceptShown('e2e-renamed');
  const task = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
    body: { id: 'task-e2e-renamed', title: 'On the renamed one', kind: 'exercise', concepts: ['e2e-renamed'] },
  });
  assert.equal(task.status, 201, JSON.stringify(task.json));
  const form = page.getByRole('form', { name: 'Edit concept' });
  await form.getByLabel('Name').fill('Renamed concept, again');
  await form.getByRole('button', { name: 'Save' }).click();
  await expectAlert(/Saved e2e-renamed \(version 3\).*task task-e2e-renamed added/);
  assert.equal(await page.locator('#concept-conflict').isHidden(), true, 'no conflict view');
  const stored = await callApi('GET', '/concepts/e2e-renamed');
  assert.equal(stored.json.name, 'Renamed concept, again');
  await page.locator('#task-list', { hasText: 'On the renamed one' }).waitFor(); // the task is on show now
  // The page's own link change (this task's delete) keeps its ETag current: the concept's delete goes.
  await page.getByRole('button', { name: /delete task task-e2e-renamed/i }).click();
  await expectAlert(/Deleted task task-e2e-renamed/);
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted e2e-renamed/);
});

step('the page\'s own task change is not taken for another designer\'s, and focus typed on elsewhere stays there', async () => {
  // Until 5 December 2026 a task's create, save or delete said so, then read the task list, and only then read
  // the concept's new ETag (its version moves with its links): a Save pressed meanwhile was refused and sent
  // again "because its links had changed", a Delete refused as "Someone changed concept ... (task ... deleted)",
  // and focus went to the task list unasked, taking the keys typed into another field (the "decimal comma" and
  // "sent again by itself" steps, failed once each). The task list's read is held here, as a slow server would.
  const id = 'e2e-own-links';
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id, name: 'Own links' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.concept-link', { hasText: 'Own links' }).click();
  await conceptShown(id);
  const tasksRead = (url) => url.pathname === `/curricula/${CURRICULUM}/tasks`;
  const form = page.getByRole('form', { name: 'Task' });
  const editor = page.getByRole('form', { name: 'Edit concept' });
  // Created, then a Save at once: saved over the page's own link change, not sent again as after someone's.
  let held = await holdRequests(tasksRead, 'GET');
  try {
    await page.evaluate(() => { document.querySelector('#task-form').closest('details').open = true; });
    await form.getByLabel('Id', { exact: true }).fill('task-e2e-own');
    await form.getByLabel('Title').fill('Mine');
    await form.getByRole('button', { name: 'Create task' }).click();
    await expectAlert(/Created task task-e2e-own/);
    await held.arrived;
    await editor.getByLabel('Name').fill('Own links, renamed');
    await editor.getByRole('button', { name: 'Save' }).click();
    const saved = await expectAlert(new RegExp(`Saved ${id} \\(version 3\\)`));
    assert.doesNotMatch(saved, /links had changed/, 'the page\'s own task taken for another designer\'s');
  } finally {
    await held.stop();
  }
  await page.locator('#task-list', { hasText: 'Mine' }).waitFor();
  // Deleted, then typing into another field while the list is read: focus and every key stay there.
  held = await holdRequests(tasksRead, 'GET');
  const creating = page.getByRole('form', { name: 'New concept' });
  try {
    await page.getByRole('button', { name: 'Delete task task-e2e-own' }).click();
    await expectAlert(/Deleted task task-e2e-own/);
    await held.arrived;
    await openNewConcept();
    await creating.getByLabel('Id').click();
    await creating.getByLabel('Id').pressSequentially('typed-');
    held.release();
    await page.locator('#task-list', { hasText: 'No task exercises this concept' }).waitFor();
    await page.keyboard.type('on'); // where focus is now, as a designer's keys go
    assert.equal(await page.evaluate(() => document.activeElement?.closest('form')?.getAttribute('id')), 'new-concept-form', 'focus taken away');
    assert.equal(await creating.getByLabel('Id').inputValue(), 'typed-on');
  } finally {
    await held.stop();
  }
  await creating.getByLabel('Id').fill('');
  await page.evaluate(() => { document.querySelector('details.new-concept').open = false; });
  // Another task deleted, then the concept at once: deleted over the page's own change, not refused (412).
  const task = await callApi('POST', `/curricula/${CURRICULUM}/tasks`, {
    body: { id: 'task-e2e-own-2', title: 'Mine too', kind: 'exercise', concepts: [id] },
  });
  assert.equal(task.status, 201, JSON.stringify(task.json));
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await page.locator('#task-list', { hasText: 'Mine too' }).waitFor();
  held = await holdRequests(tasksRead, 'GET');
  try {
    await page.getByRole('button', { name: 'Delete task task-e2e-own-2' }).click();
    await expectAlert(/Deleted task task-e2e-own-2/);
    await held.arrived;
    await page.getByRole('button', { name: 'Delete concept' }).click();
    await expectAlert(new RegExp(`Deleted ${id}|Precondition failed`));
    assert.match(await alert.textContent(), new RegExp(`Deleted ${id}`));
  } finally {
    await held.stop();
  }
  assert.equal((await callApi('GET', `/concepts/${id}`)).status, 404);
});

step('a concept deleted while it is reloaded is closed, not kept open; one deleted elsewhere closes on Reload', async () => {
  // A Reload during the delete counted as another concept opened meanwhile: the deleted concept stayed
  // open, and every save of it failed with 404 (a review, s29).
  const make = async (id, name) => {
    const created = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id, name } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.concept-link', { hasText: name }).click();
    await conceptShown(id);
    // Its graph drawn too: a delete by "another designer" while the open still reads it made the open's
    // neighbourhood read a 404, shown as "Opening concept: Not found" (seen once on a loaded run, s37).
    await page.waitForFunction((want) => document.querySelector('#graph-status').textContent.includes(`around ${want} `), id);
  };
  const path = (id) => (url) => url.pathname === `/concepts/${id}`;
  const answered = (id) => page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === `/concepts/${id}`);
  const closed = async (what) => {
    await page.waitForFunction(() => document.querySelector('#concept-detail').hidden, null, { timeout: TIMEOUT })
      .catch(async () => assert.fail(`${what}: still open as ${await page.locator('#concept-id').textContent()}`));
    assert.equal(await page.locator('#no-concept').isVisible(), true, what);
    assert.equal(await unloadAsks(), false, what);
  };

  // The Reload is answered while the DELETE is still in flight.
  await make('deleted-e2e-a', 'Deleted while reloading A');
  const deleteA = await holdRequests(path('deleted-e2e-a'), 'DELETE');
  try {
    await page.getByRole('button', { name: 'Delete concept' }).click();
    await deleteA.arrived;
    const reloaded = answered('deleted-e2e-a');
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await reloaded;
    deleteA.release();
    await expectAlert(/Deleted deleted-e2e-a/);
  } finally {
    await deleteA.stop();
  }
  await closed('the reload answered first');

  // The DELETE is answered first, then the Reload (404): the page says "Deleted", not a late "Not Found".
  await make('deleted-e2e-b', 'Deleted while reloading B');
  const deleteB = await holdRequests(path('deleted-e2e-b'), 'DELETE');
  const reloadB = await holdRequests(path('deleted-e2e-b'), 'GET');
  try {
    await page.getByRole('button', { name: 'Delete concept' }).click();
    await deleteB.arrived;
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await reloadB.arrived;
    deleteB.release();
    await expectAlert(/Deleted deleted-e2e-b/);
    const late = answered('deleted-e2e-b');
    reloadB.release();
    assert.equal((await late).status(), 404);
  } finally {
    await reloadB.stop();
    await deleteB.stop();
  }
  await apiSettled(); // the late 404 handled
  assert.match(await alert.textContent(), /^Deleted deleted-e2e-b/, 'no late "Not Found" over it');
  await closed('the delete answered first');

  // Deleted by another designer: Reload closes it and says why.
  await make('deleted-e2e-c', 'Deleted elsewhere');
  const stored = await callApi('GET', '/concepts/deleted-e2e-c');
  const gone = await callApi('DELETE', '/concepts/deleted-e2e-c', { ifMatch: stored.etag });
  assert.ok(gone.status < 300, JSON.stringify(gone.json));
  // A save of it says so and keeps the typed text (it said "Not found (404) no concept ...": a review, s35).
  const editor = page.getByRole('form', { name: 'Edit concept' });
  await editor.getByLabel('Name').fill('Typed after the delete');
  await editor.getByRole('button', { name: 'Save' }).click();
  const refused = await expectAlert(/Not found \(404\)/);
  assert.match(refused, /Someone deleted concept deleted-e2e-c since you opened it, so nothing was saved/);
  assert.equal(await editor.getByLabel('Name').inputValue(), 'Typed after the delete');
  await page.getByRole('button', { name: 'Reload', exact: true }).click(); // asks about the typed text: OK
  await expectAlert(/Concept deleted-e2e-c no longer exists: someone deleted it, so it is closed\./);
  await closed('deleted elsewhere');
  await page.locator('.concept-link', { hasText: 'Deleted elsewhere' }).waitFor({ state: 'detached' });
});

step('another curriculum: a dry run does not carry over; deleting the last page\'s only concept pages back', async () => {
  await page.locator('summary', { hasText: 'New curriculum' }).click();
  const created = page.getByRole('form', { name: 'New curriculum' });
  await created.getByLabel('Id').fill('paging-e2e');
  await created.getByLabel('Name').fill('Paging (e2e)');
  await created.getByRole('button', { name: 'Create' }).click();
  await expectAlert(/Created curriculum paging-e2e/);
  // The alert comes first; then the page reloads the curricula and selects the new one.
  await page.waitForFunction(() => document.querySelector('#curriculum-select').value === 'paging-e2e');
  await page.waitForFunction(() => document.activeElement?.id === 'curriculum-select');
  const select = page.getByRole('combobox', { name: 'Curriculum', exact: true });

  await page.getByRole('tab', { name: 'Import' }).click();
  const form = page.getByRole('form', { name: 'Import CSV' });
  const importButton = page.getByRole('button', { name: 'Import', exact: true });
  const n = (i) => String(i).padStart(2, '0');
  const rows = Array.from({ length: 11 }, (_, i) => `page-${n(i + 1)},Page item ${n(i + 1)},paging`);
  await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv(`id,name,tags\n${rows.join('\n')}\n`) });
  await form.getByLabel('prerequisites.csv').setInputFiles([]);
  await form.getByLabel('curriculum.csv').setInputFiles([]); // the earlier step's names the other curriculum
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  // The curriculum changes after the dry run: Import must not write into the one checked.
  await select.selectOption(CURRICULUM);
  assert.equal(await importButton.isDisabled(), true, 'the dry run was for paging-e2e');
  assert.equal(await page.locator('#import-report').textContent(), '');
  await select.selectOption('paging-e2e');
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  await importButton.click();
  await page.locator('#import-report .summary', { hasText: 'Imported' }).waitFor();
  assert.equal((await callApi('GET', '/curricula/paging-e2e/concepts?limit=100')).json.total, 11);
  assert.equal((await callApi('GET', `/curricula/${CURRICULUM}/concepts?q=page-&limit=100`)).json.total, 0);

  await page.getByRole('tab', { name: 'Curriculum' }).click();
  await page.getByLabel('Per page').selectOption('10');
  await page.waitForFunction(() => /1–10 of 11/.test(document.querySelector('#page-info').textContent));
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(() => /11–11 of 11/.test(document.querySelector('#page-info').textContent));
  await page.locator('.concept-link', { hasText: 'Page item 11' }).click();
  await conceptShown('page-11');
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted page-11/);
  await page.waitForFunction(() => /1–10 of 10/.test(document.querySelector('#page-info').textContent));
  assert.equal(await page.locator('.concept-link').count(), 10);
  assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
  await page.waitForFunction(() => document.activeElement?.id === 'concept-list');
  // A reload comes back to the curriculum picked last, not to the first one.
  await page.reload();
  await page.waitForSelector('body[data-signed-in=true]');
  await page.waitForFunction(() => document.querySelector('#curriculum-select').value === 'paging-e2e');
});

step('a concept opened again after its curriculum was left draws its edge lists again', async () => {
  // The edge lists are not redrawn for a read that finds them as drawn; leaving the curriculum empties them,
  // and the same concept's same edges read afterwards must not be taken for what is on show.
  const select = page.getByRole('combobox', { name: 'Curriculum', exact: true });
  const search = async (text) => {
    await page.getByLabel('Search', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
  };
  const open = async () => {
    await select.selectOption(CURRICULUM);
    await search('equation');
    await page.waitForFunction(() => { // the search's list, not the one the curriculum's pick drew
      const links = [...document.querySelectorAll('.concept-link')];
      return links.some((b) => b.dataset.conceptId === 'linear-equations')
        && links.every((b) => /equation/i.test(b.textContent));
    });
    await page.locator('.concept-link[data-concept-id="linear-equations"]').click();
    await conceptShown('linear-equations');
    await page.waitForFunction(() => /around linear-equations/.test(document.querySelector('#graph-status').textContent));
  };
  const expressions = page.getByRole('list', { name: 'Prerequisite edges' })
    .getByRole('button', { name: 'Algebraic expressions', exact: true }).first();
  await open();
  await expressions.waitFor();
  await select.selectOption('paging-e2e'); // the concept is closed, its lists emptied
  await page.waitForFunction(() => !document.querySelector('#prereq-edge-list').children.length);
  await open();
  await expressions.waitFor().catch(() => assert.fail('the edge lists stayed empty for the edges drawn before'));
  await search('');
  await select.selectOption('paging-e2e');
});

step('a Refresh that finds Recent changes unchanged leaves its rows in place; rows emptied meanwhile are drawn again', async () => {
  // Refresh rebuilt every row even when the trail had not changed, and a click begun on a row's concept
  // before the read came back was lost (pressed on the old button, released on its copy), as on the task list.
  // The newest rows are of concepts deleted by the steps before: a concept created now gives a row to open.
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: 'row-open-e2e', name: 'A row to open' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const select = page.getByRole('combobox', { name: 'Curriculum', exact: true });
  await select.selectOption(CURRICULUM);
  const summary = page.getByText('Recent changes in this curriculum');
  await summary.click();
  await page.getByRole('button', { name: 'Clear filters' }).click(); // what the steps before left
  await page.waitForFunction((id) => document.querySelector('#changes-caption').textContent
    === `Recent changes in ${id}, newest first`, CURRICULUM);
  const open = page.locator('#changes-rows button.link-button[data-concept="row-open-e2e"]').first();
  await open.waitFor();
  const button = await open.elementHandle();
  const read = page.waitForResponse((r) => r.request().method() === 'GET'
    && new URL(r.url()).pathname === `/curricula/${CURRICULUM}/audit`);
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await (await read).finished();
  // Refresh stays disabled until the rows are drawn, or left as they are: enabled, the read is done with.
  await page.waitForFunction(() => !document.querySelector('#changes-refresh').disabled);
  assert.equal(await button.evaluate((b) => b.isConnected), true, 'the same rows were drawn anew');
  await button.dispose();
  // A switch of curriculum with the panel closed empties the rows: opened again on the same curriculum, the
  // same rows are read and must be drawn, not taken for what is on show.
  await summary.click();
  await select.selectOption('paging-e2e');
  await select.selectOption(CURRICULUM);
  await summary.click();
  await open.waitFor().catch(() => assert.fail('Recent changes stayed empty for the rows drawn before'));
  await summary.click(); // closed again for the steps after
  await select.selectOption('paging-e2e'); // as the step before left it
  assert.equal((await callApi('DELETE', '/concepts/row-open-e2e', { ifMatch: made.etag })).status, 200);
});

step('the picker gone to no curriculum empties the concept list and Recent changes; the same curriculum back draws both', async () => {
  // Neither is redrawn for a read that finds it as drawn. With no curriculum left (every one deleted by others,
  // found when the picker is read again) both are drawn over with a hint, and the same curriculum's same read
  // afterwards must draw them again, not leave the hint under a picker that names the curriculum.
  const select = page.getByRole('combobox', { name: 'Curriculum', exact: true });
  const first = (await callApi('GET', `/curricula/${CURRICULUM}/concepts?limit=1`)).json.items[0].id;
  const concept = page.locator(`.concept-link[data-concept-id="${first}"]`);
  const row = page.locator('#changes-rows time').first();
  await select.selectOption(CURRICULUM);
  await concept.waitFor();
  const summary = page.getByText('Recent changes in this curriculum');
  await summary.click();
  await row.waitFor();
  // The picker is read again after a create. The POST is answered here, so nothing is written: the first
  // read finds no curriculum, the second the curricula as stored, and picks the one created, CURRICULUM.
  let none = true;
  const curricula = (url) => url.pathname === '/curricula';
  await page.route(curricula, async (route) => {
    const request = route.request();
    if (request.method() === 'POST') {
      await route.fulfill({ status: 201, json: { ...request.postDataJSON(), concepts: 0 } });
    } else if (none) {
      await route.fulfill({ json: [] });
    } else {
      await route.fallback();
    }
  });
  const create = async (id) => {
    await page.locator('summary', { hasText: 'New curriculum' }).click();
    const form = page.getByRole('form', { name: 'New curriculum' });
    await form.getByLabel('Id').fill(id);
    await form.getByLabel('Name').fill(id);
    await form.getByRole('button', { name: 'Create' }).click();
  };
  try {
    await create('gone-e2e');
    await page.locator('#concept-list li.hint', { hasText: 'No curriculum yet' }).waitFor();
    await page.locator('#changes-rows td.hint', { hasText: 'No curriculum selected.' }).waitFor();
    none = false;
    await create(CURRICULUM);
    await page.waitForFunction((id) => document.querySelector('#curriculum-select').value === id, CURRICULUM);
    await concept.waitFor().catch(() => assert.fail('the concept list kept "No curriculum yet" for the list drawn before'));
    await row.waitFor().catch(() => assert.fail('Recent changes kept "No curriculum selected" for the rows drawn before'));
  } finally {
    await page.unroute(curricula);
  }
  await summary.click(); // closed again for the steps after
  await select.selectOption('paging-e2e'); // as the step before left it
});

step('a transfer edge\'s end in another curriculum is not opened under this one: the page says where it is', async () => {
  // The transfer model scores pairs across curricula: tapping such an "outside" node opened a concept of
  // another curriculum under this one's picker, task list and import target (a review, s29).
  const edges = (url) => url.pathname === '/ui-support/transfer-edges';
  await page.route(edges, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const across = {
      source: 'linear-equations', target: 'page-01', source_name: 'Linear equations (other curriculum)', target_name: 'Page item 01',
      strength: 0.5, model_version: body.model_version, computed_at: null,
    };
    await route.fulfill({ response, json: { ...body, edges: [...body.edges, across] } });
  });
  try {
    await page.locator('.concept-link', { hasText: 'Page item 01' }).click();
    await conceptShown('page-01');
    await page.waitForFunction(() => window.kgp.curriculumGraph().getElementById('linear-equations').length === 1);
    await tapGraphNode('linear-equations');
    await expectAlert(new RegExp(`^linear-equations \\(.+\\) is in curriculum ${CURRICULUM}, not in paging-e2e: pick ${CURRICULUM} above to edit it\\.$`));
    assert.equal(await page.locator('#concept-id').textContent(), 'page-01');
    assert.equal(await page.locator('#curriculum-select').inputValue(), 'paging-e2e');
    assert.equal(await unloadAsks(), false);
  } finally {
    await page.unroute(edges);
  }
});

step('typed text is never dropped without asking: another concept, curriculum, new concept, sign-out, leaving', async () => {
  const edge = await callApi('POST', '/prerequisites', { body: { prerequisite: 'page-02', concept: 'page-01' } });
  assert.equal(edge.status, 201, JSON.stringify(edge.json));
  const form = page.getByRole('form', { name: 'Edit concept' });
  const name = form.getByLabel('Name');
  // Opened, or reloaded when the step before left it open: its graph is read once the editor is filled, so
  // nothing is typed before that fill (a reload answered after the typing asks first, since s37).
  const drawn = page.waitForResponse((r) => new URL(r.url()).pathname === '/concepts/page-01/neighbourhood');
  await page.locator('.concept-link', { hasText: 'Page item 01' }).click();
  await drawn;
  await conceptShown('page-01');
  await page.waitForFunction(() => /around page-01/.test(document.querySelector('#graph-status').textContent));
  assert.equal(await unloadAsks(), false, 'nothing typed: leaving does not ask');
  await name.fill('Typed, not saved');
  assert.equal(await unloadAsks(), true);

  // Each action asks once, is answered Cancel, and must then leave the typed text on show: checked once the
  // question is answered and all the page asked the API for since is handled.
  let questions = 0;
  const stillAsTyped = async (what, asked) => {
    questions += 1;
    await askedAtLeast(asked, questions);
    await apiSettled();
    assert.equal(await page.locator('#concept-id').textContent(), 'page-01', what);
    assert.equal(await name.inputValue(), 'Typed, not saved', what);
  };
  await cancellingDialogs(async (asked) => {
    await page.locator('.concept-link', { hasText: 'Page item 02' }).click();
    await stillAsTyped('another concept from the list', asked);
    await page.locator('.concept-link', { hasText: 'Page item 01' }).click(); // the open one: a reload
    await stillAsTyped('the open concept from the list', asked);
    await tapGraphNode('page-02');
    await stillAsTyped('another concept from the graph', asked);
    await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(CURRICULUM);
    await stillAsTyped('another curriculum', asked);
    assert.equal(await page.locator('#curriculum-select').inputValue(), 'paging-e2e', 'the picker is put back');
    await openNewConcept();
    const created = page.getByRole('form', { name: 'New concept' });
    await created.getByLabel('Id').fill('never-created');
    await created.getByLabel('Name').fill('Never created');
    await created.getByRole('button', { name: 'Create concept' }).click();
    await stillAsTyped('a new concept', asked);
    assert.equal((await callApi('GET', '/concepts/never-created')).status, 404, 'Cancel creates nothing');
    await created.getByLabel('Id').fill('');
    await created.getByLabel('Name').fill('');
    await page.evaluate(() => { document.querySelector('details.new-concept').open = false; });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await stillAsTyped('sign-out', asked);
    assert.equal(await page.locator('#signed-in').isVisible(), true);
    assert.deepEqual(asked, [
      'Discard your unsaved changes to page-01 and open page-02?',
      'Discard your unsaved changes to page-01 and reload it?',
      'Discard your unsaved changes to page-01 and open page-02?',
      `Discard your unsaved changes to page-01 and switch to ${CURRICULUM}?`,
      'Discard your unsaved changes to page-01 and open the new concept never-created?',
      'Discard your unsaved changes to page-01 and sign out?',
    ]);

    // Typed back to what is stored: nothing to lose. A task typed into the task form is work too.
    await name.fill('Page item 01');
    assert.equal(await unloadAsks(), false);
    await page.evaluate(() => { document.querySelector('#task-form').closest('details').open = true; });
    await page.getByRole('form', { name: 'Task' }).getByLabel('Title').fill('A task not yet created');
    assert.equal(await unloadAsks(), true);
    asked.length = 0;
    await page.locator('.concept-link', { hasText: 'Page item 02' }).click();
    await askedAtLeast(asked, 1);
    await apiSettled();
    assert.deepEqual(asked, ['Discard the task you were editing and open page-02?']);
    assert.equal(await page.locator('#concept-id').textContent(), 'page-01');
  });
  // OK: the other concept opens, and the typed task is gone with the form's reset.
  await page.locator('.concept-link', { hasText: 'Page item 02' }).click();
  await conceptShown('page-02');
  assert.equal(await page.getByRole('form', { name: 'Task' }).getByLabel('Title').inputValue(), '');
  assert.equal(await unloadAsks(), false);

  // An import into the same curriculum keeps an edit in progress (a save then meets the conflict view);
  // with nothing typed, the editor shows what the import stored.
  const importConcepts = async (rows) => {
    await page.getByRole('tab', { name: 'Import' }).click();
    const importForm = page.getByRole('form', { name: 'Import CSV' });
    await importForm.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv(`id,name,tags\n${rows}\n`) });
    await importForm.getByLabel('prerequisites.csv').setInputFiles([]);
    await importForm.getByLabel('curriculum.csv').setInputFiles([]);
    await importForm.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-report .summary', { hasText: /Imported.* 1 updated/ }).waitFor();
    // The refresh after the import handled, whichever way it goes: an answer about the open concept's trail,
    // waited for before, could be the one its opening asked for, still in flight.
    await apiSettled();
    await page.getByRole('tab', { name: 'Curriculum' }).click();
  };
  await name.fill('Typed before the import');
  await importConcepts('page-03,Page item 03 imported,paging');
  await page.locator('.concept-link', { hasText: 'Page item 03 imported' }).waitFor();
  assert.equal(await page.locator('#concept-id').textContent(), 'page-02');
  assert.equal(await name.inputValue(), 'Typed before the import');
  assert.equal(await page.locator('#concept-detail').isVisible(), true);
  assert.equal(await unloadAsks(), true, 'still an edit in progress');
  await name.fill('Page item 02');
  await importConcepts('page-02,Page item 02 imported,paging');
  await page.waitForFunction(() => document.querySelector('#concept-form').name.value === 'Page item 02 imported');
  assert.equal(await page.locator('#concept-id').textContent(), 'page-02');
});

step('an import answered while another concept is being opened opens that one, not the one before', async () => {
  // The import's refresh re-opened the concept on show, which dropped the answer about the one clicked
  // meanwhile: the click was undone without a word (a review, s29).
  assert.equal(await page.locator('#concept-id').textContent(), 'page-02');
  await page.getByRole('tab', { name: 'Import' }).click();
  const form = page.getByRole('form', { name: 'Import CSV' });
  await form.getByLabel('concepts.csv').setInputFiles({ name: 'concepts.csv', ...csv('id,name,tags\npage-05,Page item 05 imported,paging\n') });
  await form.getByLabel('prerequisites.csv').setInputFiles([]);
  await form.getByLabel('curriculum.csv').setInputFiles([]);
  await form.getByRole('button', { name: 'Check (dry run)' }).click();
  await page.waitForFunction(() => !document.querySelector('#import-commit').disabled);
  const importing = await holdRequests((url) => url.pathname.endsWith('/import') && url.searchParams.get('dry_run') !== 'true', 'POST');
  const opening = await holdRequests((url) => url.pathname === '/concepts/page-03', 'GET');
  try {
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await importing.arrived;
    await page.getByRole('tab', { name: 'Curriculum' }).click();
    await page.locator('.concept-link', { hasText: 'Page item 03 imported' }).click();
    await opening.arrived;
    // The import's answer comes while page-03 is being opened: its refresh reads page-03, not page-02.
    const refreshed = page.waitForRequest((r) => r.method() === 'GET' && /^\/concepts\/page-0[23]$/.test(new URL(r.url()).pathname));
    importing.release();
    assert.equal(new URL((await refreshed).url()).pathname, '/concepts/page-03', 'the refresh re-read the concept clicked away from');
    opening.release();
    await conceptShown('page-03');
  } finally {
    await opening.stop();
    await importing.stop();
  }
  await page.locator('#import-report .summary', { hasText: /Imported.* 1 updated/ }).waitFor({ state: 'attached' });
  await page.waitForFunction(() => /around page-03/.test(document.querySelector('#graph-status').textContent));
  assert.equal(await page.getByRole('form', { name: 'Edit concept' }).getByLabel('Name').inputValue(), 'Page item 03 imported');
  const current = await page.locator('.concept-link[aria-current=true]').evaluateAll((bs) => bs.map((b) => b.dataset.conceptId));
  assert.deepEqual(current, ['page-03']);
  assert.equal((await callApi('GET', '/concepts/page-05')).json.name, 'Page item 05 imported');
});

step('no question about edits that are not there, and none lost to a second task edit', async () => {
  const form = page.getByRole('form', { name: 'Edit concept' });
  // A description with CRLF shows with LF, and the form once counted that as typed, for good.
  const crlf = await callApi('POST', '/curricula/paging-e2e/concepts', {
    body: { id: 'crlf-e2e', name: 'CRLF (e2e)', description: 'line one\r\nline two' },
  });
  assert.equal(crlf.status, 201, JSON.stringify(crlf.json));
  for (const task of ['t-e2e-a', 't-e2e-b']) {
    const created = await callApi('POST', '/curricula/paging-e2e/tasks', {
      body: { id: task, title: task, kind: 'exercise', concepts: ['crlf-e2e'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
  }
  await page.getByLabel('Search', { exact: true }).fill('crlf');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.concept-link', { hasText: 'CRLF (e2e)' }).click();
  await conceptShown('crlf-e2e');
  await page.locator('#task-list', { hasText: 't-e2e-b' }).waitFor();
  assert.equal(await unloadAsks(), false, 'nothing typed');

  const title = page.getByRole('form', { name: 'Task' }).getByLabel('Title');
  await cancellingDialogs(async (asked) => {
    await page.getByRole('button', { name: 'Edit task t-e2e-a' }).click();
    await title.fill('typed for a');
    await page.getByRole('button', { name: 'Edit task t-e2e-b' }).click();
    await askedAtLeast(asked, 1);
    await apiSettled();
    assert.deepEqual(asked, ['Discard the task you were editing and edit task t-e2e-b?']);
    assert.equal(await title.inputValue(), 'typed for a');
  });
  await page.getByRole('button', { name: 'Edit task t-e2e-b' }).click();
  await page.waitForFunction(() => document.querySelector('#task-form').title.value === 't-e2e-b');

  // Discarded by switching curriculum (OK), the typed text asks nothing more: not when a concept of the
  // other curriculum opens, nor when the page is left.
  const record = [];
  const counting = (dialog) => { record.push(dialog.message()); };
  page.on('dialog', counting);
  try {
    await form.getByLabel('Name').fill('typed, then discarded');
    await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(CURRICULUM);
    await page.waitForFunction(() => document.querySelector('#concept-detail').hidden);
    assert.equal(record.length, 1, record.join(' | '));
    assert.equal(await unloadAsks(), false);
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.concept-link', { hasText: 'Linear equations' }).click();
    await conceptShown('linear-equations');
    assert.equal(record.length, 1, record.join(' | '));
  } finally {
    page.off('dialog', counting);
  }
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('paging-e2e');
  await page.waitForFunction(() => document.querySelector('#concept-detail').hidden);
});

step('"Created" stays on show after the new concept opens', async () => {
  await openNewConcept(); // open, whatever the steps before left it
  const form = page.getByRole('form', { name: 'New concept' });
  await form.getByLabel('Id').fill('created-e2e');
  await form.getByLabel('Name').fill('Created in the page');
  await form.getByRole('button', { name: 'Create concept' }).click();
  await expectAlert(/Created created-e2e/);
  await conceptShown('created-e2e');
  await page.waitForFunction(() => /around created-e2e/.test(document.querySelector('#graph-status').textContent));
  await apiSettled(); // all the opening asked for (its tasks, audit trail, ...) is in
  assert.equal(await alert.isVisible(), true, 'the message is still there once the concept is open');
  assert.match(await alert.textContent(), /Created created-e2e/);
});

step('the curriculum picker counts the concepts created and deleted on the page, under a search too', async () => {
  // It said the count read at sign-in until the next import or reload (a review, s37).
  const id = await page.locator('#curriculum-select').inputValue();
  const stored = async () => (await callApi('GET', '/curricula')).json.find((c) => c.id === id).concepts;
  const counted = (n) => page.waitForFunction(
    (want) => document.querySelector('#curriculum-select option:checked').textContent.endsWith(`, ${want} concepts)`), n,
  ).catch(async () => assert.fail(`picker: ${await page.locator('#curriculum-select option:checked').textContent()}, want ${n}`));
  const before = await stored();
  await counted(before);
  await openNewConcept();
  const form = page.getByRole('form', { name: 'New concept' });
  await form.getByLabel('Id').fill('counted-e2e');
  await form.getByLabel('Name').fill('Counted in the picker');
  await form.getByRole('button', { name: 'Create concept' }).click();
  await expectAlert(/Created counted-e2e/);
  await conceptShown('counted-e2e');
  assert.equal(await stored(), before + 1);
  await counted(before + 1);
  // Under a search the list's total counts the matches only: the count is read for the picker.
  const searched = await page.locator('#search-q').inputValue();
  await page.locator('#search-q').fill('Counted in');
  await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
  await page.locator('#page-info', { hasText: /of 1$/ }).waitFor();
  await page.getByRole('button', { name: 'Delete concept' }).click();
  await expectAlert(/Deleted counted-e2e/);
  await counted(before);
  await page.locator('#search-q').fill(searched);
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === `/curricula/${id}/concepts`);
  await page.locator('#search-form').getByRole('button', { name: 'Search' }).click();
  await (await listed).finished();
});

step('a curriculum of 1,200 concepts: the list\'s page line and the picker count with thousands separators', async () => {
  // They read "1–25 of 1200" and "(id, 1200 concepts)" while the Learner view wrote "5,000 learners" (a
  // review, 5 December 2026): one count formatter (fmtCount) for every count the page prints.
  const back = await page.locator('#curriculum-select').inputValue();
  const concepts = Array.from({ length: 1200 }, (_, i) => ({ id: `count-${String(i).padStart(4, '0')}`, name: `Counted ${i}` }));
  const made = await callApi('POST', '/curricula/counts-e2e/import', {
    body: { curriculum: { id: 'counts-e2e', name: 'Counts (e2e)' }, concepts, prerequisites: [], tasks: [] },
  });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  await page.reload(); // the picker lists the curricula read at sign-in
  await page.waitForSelector('body[data-signed-in=true]');
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('counts-e2e');
  const info = page.locator('#page-info');
  await info.filter({ hasText: /^1–\d+ of 1,200$/ }).waitFor()
    .catch(async () => assert.fail(`page line: ${await info.textContent()}`));
  assert.equal(await page.locator('#curriculum-select option:checked').textContent(), 'Counts (e2e) (counts-e2e, 1,200 concepts)');
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(back);
  await info.filter({ hasNotText: /1,200/ }).waitFor();
});

step('with no curriculum, Create concept says to choose one first and sends nothing', async () => {
  // The page posted to /curricula/null/concepts and showed "no curriculum 'null'", or created the concept in
  // a curriculum called "null" had one existed (a review, s29).
  const curricula = (url) => url.pathname === '/curricula';
  const posted = [];
  const recordPost = (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/concepts')) posted.push(request.url());
  };
  await page.route(curricula, async (route) => {
    if (route.request().method() !== 'GET') {
      await route.fallback();
      return;
    }
    await route.fulfill({ json: [] }); // what a designer sees before any curriculum exists
  });
  page.on('request', recordPost);
  try {
    await page.reload();
    await page.waitForSelector('body[data-signed-in=true]');
    await page.locator('#concept-list li.hint', { hasText: 'No curriculum yet' }).waitFor();
    await openNewConcept(); // open, whatever the steps before left it
    const form = page.getByRole('form', { name: 'New concept' });
    await form.getByLabel('Id').fill('no-curriculum-e2e');
    await form.getByLabel('Name').fill('No curriculum');
    await form.getByRole('button', { name: 'Create concept' }).click();
    await expectAlert(/Choose or create a curriculum first: the new concept goes into the selected one\./);
    assert.deepEqual(posted, [], 'nothing is sent');
  } finally {
    page.off('request', recordPost);
    await page.unroute(curricula);
  }
  assert.equal((await callApi('GET', '/concepts/no-curriculum-e2e')).status, 404);
  await page.reload();
  await page.waitForSelector('body[data-signed-in=true]');
  await page.waitForFunction(() => document.querySelector('#curriculum-select').value === 'paging-e2e');
});

step('signing out forgets the tab\'s exports: the next one to sign in is not offered "made from my export"', async () => {
  // The export's ETag outlived the sign-out: the next designer in this tab was offered an export they never
  // took, and their import was sent with its ETag (a review, s29).
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export (zip of CSVs)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'paging-e2e.zip');
  await expectAlert(/Exported paging-e2e as paging-e2e\.zip/);
  await page.getByRole('tab', { name: 'Import' }).click();
  assert.equal(await page.locator('#import-based-on').isVisible(), true, 'offered after the export');
  await signOut();
  await signInWith(DESIGNER_KEY);
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('paging-e2e');
  await page.getByRole('tab', { name: 'Import' }).click();
  assert.equal(await page.locator('#import-based-on').isHidden(), true, 'the next sign-in is offered the last one\'s export');
  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('kgp-export:'))), []);
  await page.getByRole('tab', { name: 'Curriculum' }).click();
});

step('a key revoked mid-edit: the sign-in form comes back, a new key takes over, and the typed text is saved', async () => {
  // Every save answered 401, and the only way on was Sign out, which reloads the page and drops the edit
  // (a review, s29).
  const issued = await callApi('POST', '/api-keys', { key: ADMIN_KEY, body: { name: 'e2e-revoked-mid-edit', role: 'designer' } });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  await signOut();
  await signInWith(issued.json.secret);
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('paging-e2e');
  await page.locator('.concept-link', { hasText: 'Page item 04' }).click();
  await conceptShown('page-04');
  const form = page.getByRole('form', { name: 'Edit concept' });
  await form.getByLabel('Description').fill('typed before the key was revoked');
  assert.equal((await callApi('DELETE', `/api-keys/${issued.json.id}`, { key: ADMIN_KEY })).status, 200);
  // By keyboard: Save pressed with Enter.
  await form.getByRole('button', { name: 'Save' }).focus();
  await page.keyboard.press('Enter');
  const refused = await expectAlert(/Unauthorized \(401\)/);
  assert.match(refused, /Sign in again with a valid key at the top of the page: what you typed stays on the page\./);
  await page.waitForSelector('#signin-form:not([hidden])');
  assert.equal(await page.locator('#concept-detail').isVisible(), true, 'the page stays as it is');
  // Focus is in the key box the 401 names: it stayed on Save, and a keyboard user pressed Shift+Tab through the
  // whole page up to the form (a review, 6 December 2026). Signed in again, it goes back to Save.
  const focusedId = () => page.evaluate(() => document.activeElement?.id);
  await page.waitForFunction(() => document.activeElement?.id === 'api-key', null, { timeout: TIMEOUT })
    .catch(async () => assert.fail(`focus after the 401: ${await focusedId()}`));
  // The page never left data-signed-in (the form came back beside it): its message says the new key took over.
  await page.keyboard.type(DESIGNER_KEY);
  await page.keyboard.press('Enter');
  await expectAlert(/Signed in again \(key …/);
  assert.equal(await page.locator('#signin-form').isHidden(), true);
  assert.equal(await focusedId(), 'concept-save');
  assert.equal(await page.locator('#concept-id').textContent(), 'page-04');
  assert.equal(await form.getByLabel('Description').inputValue(), 'typed before the key was revoked');
  await page.keyboard.press('Enter');
  await expectAlert(/Saved page-04/);
  assert.equal((await callApi('GET', '/concepts/page-04')).json.description, 'typed before the key was revoked');
  assert.equal(await unloadAsks(), false);
});

step('a key revoked while a read of the opened concept is in flight: focus goes to the key box, then back to Save', async () => {
  // The read's 401 came first and moved focus to the key box from <body> (Save, pressed, was disabled for its own
  // request), with no relatedTarget: signed in again, focus went to the tab, not back to Save (a full run of
  // this file, 6 December 2026).
  const issued = await callApi('POST', '/api-keys', { key: ADMIN_KEY, body: { name: 'e2e-revoked-mid-read', role: 'designer' } });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  await signOut();
  await signInWith(issued.json.secret);
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('paging-e2e');
  const transfers = await holdRequests((url) => url.pathname === '/ui-support/transfer-edges');
  const patch = await holdRequests((url) => url.pathname === '/concepts/page-05', 'PATCH');
  try {
    await page.locator('.concept-link', { hasText: 'Page item 05' }).click();
    await conceptShown('page-05');
    await transfers.arrived;
    const form = page.getByRole('form', { name: 'Edit concept' });
    await form.getByLabel('Description').fill('typed while a read was in flight');
    assert.equal((await callApi('DELETE', `/api-keys/${issued.json.id}`, { key: ADMIN_KEY })).status, 200);
    await form.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await patch.arrived;
    transfers.release();
    await expectAlert(/Transfer edges: Unauthorized \(401\)/);
    patch.release();
    await expectAlert(/Saving concept: Unauthorized \(401\)/);
  } finally {
    await transfers.stop();
    await patch.stop();
  }
  await page.waitForFunction(() => document.activeElement?.id === 'api-key', null, { timeout: TIMEOUT });
  await page.keyboard.type(DESIGNER_KEY);
  await page.keyboard.press('Enter');
  await expectAlert(/Signed in again \(key …/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'concept-save');
  await page.keyboard.press('Enter');
  await expectAlert(/Saved page-05/);
  assert.equal((await callApi('GET', '/concepts/page-05')).json.description, 'typed while a read was in flight');
});

step('a reload with a key revoked since says the kept key was refused, and marks the key box', async () => {
  // The sign-in form came back without a word and focus was nowhere: the designer could not tell a revoked key
  // from a sign-out (a review, 5 December 2026).
  const issued = await callApi('POST', '/api-keys', { key: ADMIN_KEY, body: { name: 'e2e-revoked-before-reload', role: 'designer' } });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  await signOut();
  await signInWith(issued.json.secret);
  assert.equal((await callApi('DELETE', `/api-keys/${issued.json.id}`, { key: ADMIN_KEY })).status, 200);
  await page.reload();
  const refused = await expectAlert(/Sign in: Unauthorized \(401\)/);
  assert.match(refused, new RegExp(`The key this tab kept \\(…${issued.json.secret.slice(-4)}\\) was refused \\(invalid or revoked API key\\): sign in with a valid key`));
  const key = page.getByLabel('API key');
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  await page.waitForFunction(() => document.activeElement?.id === 'api-key');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('kgp.apiKey')), null, 'a refused key is forgotten');
  await signInWith(DESIGNER_KEY);
});

step('names, descriptions, tags, titles, audit values and error messages holding markup show as text', async () => {
  // Designers' text is shown in the list, the editor, the graph, the task list, the audit trail, the recent
  // changes and the API's error messages: none of it may become an element (the page builds its DOM without
  // innerHTML; a slip would show as an element here, or as a CSP violation in the last step).
  const mark = (where) => `<img src=x onerror="window.kgpMarkup='${where}'"><script>window.kgpMarkup='${where}'</script>`;
  const made = [
    await callApi('POST', '/curricula', { body: { id: 'markup-e2e', name: `Markup ${mark('curriculum')}` } }),
    await callApi('POST', '/curricula/markup-e2e/concepts', {
      body: { id: 'markup-a', name: `A ${mark('name')}`, description: mark('description'), tags: [mark('tag')] },
    }),
    await callApi('POST', '/curricula/markup-e2e/concepts', { body: { id: mark('id'), name: `B ${mark('name-b')}` } }),
    await callApi('POST', '/prerequisites', { body: { prerequisite: 'markup-a', concept: mark('id') } }),
    await callApi('POST', '/curricula/markup-e2e/tasks', {
      body: { id: 'markup-task', title: `T ${mark('title')}`, kind: 'exercise', concepts: ['markup-a'] },
    }),
  ];
  assert.deepEqual(made.map((r) => r.status), [201, 201, 201, 201, 201], JSON.stringify(made.map((r) => r.json)));
  const a = await callApi('GET', '/concepts/markup-a');
  assert.equal((await callApi('PATCH', '/concepts/markup-a', { body: { name: `A2 ${mark('audit')}` }, ifMatch: a.etag })).status, 200);
  await page.reload();
  await page.waitForSelector('body[data-signed-in=true]');
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption('markup-e2e');
  await page.locator('.concept-link', { hasText: 'A2 <img src=x' }).click();
  await conceptShown('markup-a');
  assert.equal(await page.locator('#concept-title').textContent(), `A2 ${mark('audit')}`);
  // The trail shows values as JSON (their double quotes escaped): the script element's text has none.
  const script = (where) => `<script>window.kgpMarkup='${where}'</script>`;
  await page.locator('#audit-list li .audit-change', { hasText: script('name') }).first().waitFor();
  await page.locator('#task-list', { hasText: `T ${mark('title')}` }).waitFor();
  await page.waitForFunction((id) => window.kgp.curriculumGraph().getElementById(id).length === 1, mark('id'));
  assert.equal(await page.evaluate((id) => window.kgp.curriculumGraph().getElementById(id).data('label'), mark('id')), `B ${mark('name-b')}`);
  await page.getByText('Recent changes in this curriculum').click();
  await page.getByRole('table', { name: /Recent changes in markup-e2e/ }).locator('td', { hasText: script('audit') }).first().waitFor();
  await page.getByText('Recent changes in this curriculum').click(); // closed again for the steps after
  // An error message that repeats the text: creating the concept again is refused, naming its id.
  await openNewConcept();
  const form = page.getByRole('form', { name: 'New concept' });
  await form.getByLabel('Id').fill(mark('id'));
  await form.getByLabel('Name').fill('again');
  await form.getByRole('button', { name: 'Create concept' }).click();
  const refused = await expectAlert(/Conflict \(409\)/);
  assert.ok(refused.includes('<img src=x onerror=') && refused.includes('</script>'), `the id as text: ${refused}`);
  const injected = await page.evaluate(() => ({
    elements: document.querySelectorAll('img[src="x"], [onerror], script:not([src])').length,
    ran: window.kgpMarkup ?? null,
  }));
  assert.deepEqual(injected, { elements: 0, ran: null });
  await form.getByLabel('Id').fill('');
  await form.getByLabel('Name').fill('');
  await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(CURRICULUM);
});

step('sign in as a teacher and open the learner', async () => {
  await signOut();
  // Every answer the page is refused from here on: a teacher's key must read all the learner view reads.
  const refused = [];
  const onResponse = (response) => {
    if ([401, 403].includes(response.status())) refused.push(`${response.status()} ${response.url()}`);
  };
  page.on('response', onResponse);
  try {
    await signInWith(TEACHER_KEY);
    // A teacher's key starts on the Learner tab, with no Import tab, and browses the curriculum read-only.
    assert.match(await page.locator('#signed-in-text').textContent(), /, teacher\)$/);
    assert.equal(await page.getByRole('tab', { name: 'Learner' }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.getByRole('tab', { name: 'Import' }).isVisible(), false);
    await page.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(CURRICULUM);
    await page.getByRole('tab', { name: 'Curriculum' }).click();
    await page.getByRole('note').filter({ hasText: 'reads the curriculum only' }).waitFor();
    await page.locator('.concept-link').first().click();
    const edit = page.getByRole('form', { name: 'Edit concept' });
    await page.waitForFunction(() => document.querySelector('#concept-form [name=name]').value !== '');
    assert.equal(await edit.getByLabel('Name').isEditable(), false, 'the concept reads, not edits');
    for (const control of ['Save', 'Delete concept', 'Add edge']) {
      assert.equal(await page.getByRole('button', { name: control, exact: true }).isVisible(), false, control);
    }
    assert.equal(await page.locator('summary', { hasText: 'New concept' }).isVisible(), false);
    assert.equal(await page.locator('summary', { hasText: 'New curriculum' }).isVisible(), false);
    await page.getByRole('tab', { name: 'Learner' }).click();
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    // The plot is read once scrolled to; wait for it before counting what was refused.
    await showPlot();
  } finally {
    page.off('response', onResponse);
  }
  assert.deepEqual(refused, [], 'nothing the learner view reads is refused to a teacher key');
  const drawn = await page.evaluate(() => {
    const cy = window.kgp.learnerGraph();
    return {
      nodes: cy.nodes().length,
      coloured: cy.nodes('.mastery').map((n) => [n.id(), n.data('p')]),
      goals: cy.nodes('.goal').map((n) => n.id()),
      transfers: cy.edges('.transfer').length,
    };
  });
  assert.equal(drawn.nodes, 11, 'the whole curriculum (10 + 2 imported - 1 deleted concepts)');
  assert.ok(drawn.transfers >= 2, `transfer edges drawn: ${drawn.transfers}`);
  const routes = Object.keys((await callApi('GET', '/openapi.json')).json.paths);
  if (routes.includes('/learners/{learner_id}/mastery')) {
    const practised = Object.fromEntries(drawn.coloured);
    // The five practised concepts are coloured (transfer may add mastery to others, e.g. fractions).
    for (const id of ['addition', 'division', 'multiplication', 'numbers', 'subtraction']) {
      assert.ok(id in practised, `${id} coloured: ${JSON.stringify(practised)}`);
    }
    assert.ok(practised.numbers > practised.division, `mastery follows the answers: ${JSON.stringify(practised)}`);
  } else {
    await page.locator('#learner-mastery .not-available').waitFor();
    console.log('note: no /learners/{learner_id}/mastery route on this server; the page says "not available yet"');
  }
  if (routes.includes('/learners/{learner_id}') || routes.includes('/learners/{learner_id}/report')) {
    assert.deepEqual(drawn.goals, ['quadratics']);
  }
  if (routes.includes('/learners/{learner_id}/report')) {
    const mastered = await page.locator('#learner-report section[aria-label="mastered"]').textContent();
    assert.match(mastered, /Whole numbers/, mastered);
    // The summary's sentences lead the report; each kind of knowing has its list, in a teacher's order.
    const summary = await page.locator('#learner-report ul.report-summary li').allTextContents();
    assert.ok(summary.some((line) => /^Mastered now: .*Whole numbers/.test(line)), summary.join(' | '));
    const headings = (await page.locator('#learner-report .report-section h4').allTextContents()).map((h) => h.replace(/ \(\d+\)$/, ''));
    assert.deepEqual(headings, ['mastered', 'known by implication', 'previously mastered', 'in progress',
      'blocking prerequisites', 'decaying', 'ready to learn', 'not started'], headings.join(' | '));
    const blocking = await page.locator('#learner-report').textContent();
    assert.match(blocking, /blocking prerequisites/, blocking);
    // A blocker the learner never answered on shows no prior as if it were theirs ("25%").
    const blockers = await page.locator('#learner-report section[aria-label="blocking prerequisites"] li').allTextContents();
    assert.ok(blockers.some((b) => /no answers yet/.test(b)), blockers.join(' | '));
    assert.ok(blockers.every((b) => !/\(25%/.test(b)), blockers.join(' | '));
    // The plot opens full size (the side panel shrinks it below reading size).
    const plotLink = page.locator('#learner-report a.report-png-link');
    assert.equal(await plotLink.count(), 1, 'the plot is a link');
    assert.equal(await plotLink.getAttribute('target'), '_blank');
  }
  if (routes.includes('/learners/{learner_id}/goals')) {
    // Goals by name, as a teacher reads them, not by id, and the interests from their own route (the page
    // asked for /learners/{id}, which no server had, so this check and the interests never ran).
    assert.match(await page.locator('#learner-goals').textContent(), /Goals: Quadratic equations · interests: none/);
  }
  for (const [panel, route] of [['#learner-plan', '/learners/{learner_id}/next-tasks'], ['#learner-report', '/learners/{learner_id}/report']]) {
    const text = await page.locator(panel).textContent();
    if (routes.includes(route) || routes.includes(route.replace('next-tasks', 'plan'))) {
      assert.doesNotMatch(text, /not available yet/, `${panel}: ${text}`);
    } else {
      assert.match(text, /not available yet/, `${panel}: ${text}`);
      console.log(`note: no ${route} route on this server; the page says "not available yet"`);
    }
  }
  if (routes.includes('/learners/{learner_id}/next-tasks') || routes.includes('/learners/{learner_id}/plan')) {
    assert.ok(await page.locator('#learner-plan .plan-item .reason').count() > 0, 'each planned task has its reason');
  }
});

step('opening a learner reads neither the curriculum\'s tasks nor the report\'s list of every concept', async () => {
  // The view draws concepts and edges and lists 30 of each report list: on a 3,000-concept curriculum the 9,000
  // tasks were 1.6 MB of the 2.5 MB curriculum read, and the report's every-concept list 740 KB of 760 KB for
  // each learner opened (a review, 6 December 2026). Counted here as rows the page received.
  if (await page.locator('#signin-form').isHidden()) await signOut();
  await signInWith(TEACHER_KEY);
  const reads = [];
  const onResponse = async (response) => {
    const url = new URL(response.url());
    const rows = { [`/curricula/${CURRICULUM}`]: 'tasks', [`/learners/${LEARNER}/report`]: 'concepts' }[url.pathname];
    if (!rows || response.request().method() !== 'GET') return;
    const body = response.status() === 200 ? await response.json() : null;
    reads.push([url.pathname, url.search, response.status(), body ? body[rows].length : null]);
  };
  page.on('response', onResponse);
  try {
    await page.getByRole('tab', { name: 'Learner' }).click();
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
  } finally {
    page.off('response', onResponse);
  }
  const report = reads.filter(([path]) => path.endsWith('/report'));
  const curriculum = reads.filter(([path]) => path.startsWith('/curricula/'));
  // And each blocker's first 3 targets (a learner without goals aims at every concept in progress).
  assert.deepEqual(report, [[`/learners/${LEARNER}/report`, '?concepts=false&blocks=3', 200, 0]], JSON.stringify(reads));
  assert.equal(curriculum.length, 1, JSON.stringify(reads));
  // A copy held from an earlier learner is a 304 with no rows at all.
  assert.ok(curriculum[0][1] === '?tasks=false' && [0, null].includes(curriculum[0][3]), JSON.stringify(reads));
  // What the report's every-concept list told the page, a concept never answered on, the mastery read tells it.
  const blockers = await page.locator('#learner-report section[aria-label="blocking prerequisites"] li').allTextContents();
  assert.ok(blockers.some((b) => /no answers yet/.test(b)), blockers.join(' | '));
  assert.ok(blockers.every((b) => !/\(25%/.test(b)), blockers.join(' | '));
});

step('a learner with neither goals nor mastery gets a placement plan in the selected curriculum', async () => {
  // The plan was asked without a curriculum: such a learner has none of their own, and the panel showed
  // "Validation failed (422)" though the page had one selected.
  const created = await callApi('PUT', '/learners/newcomer-e2e/interests', { key: ADMIN_KEY, body: { tags: ['music'] } });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  await page.getByLabel('Learner id').fill('newcomer-e2e');
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded('newcomer-e2e');
  const plan = await page.locator('#learner-plan').textContent();
  assert.doesNotMatch(plan, /422|Validation failed/, plan);
  assert.match(plan, /placement/, plan);
  assert.match(await page.locator('#learner-goals').textContent(), /Goals: none · interests: music/);
});

step('typing the start of a learner id offers the learners whose id starts with it', async () => {
  // A teacher had to type a learner's id exactly: there was no list of learners (GET /learners, 3 December).
  await page.getByLabel('Learner id').fill('newcomer-e');
  const offered = page.locator('#learner-suggestions option[value="newcomer-e2e"]');
  await offered.waitFor({ state: 'attached' });
  assert.equal(await offered.getAttribute('label'), '0 answers');
  assert.equal(await page.locator('#learner-suggestions option').count(), 1, 'only ids starting with the text');
  assert.equal(await page.getByLabel('Learner id').getAttribute('list'), 'learner-suggestions');
});

step('a teacher picks a class by its name and is offered that class\'s learners only', async () => {
  // The page had no classes: a teacher found its pupils by typing the start of their ids (4 December).
  const picker = page.getByLabel('Class', { exact: true });
  const offered = () => page.locator('#learner-suggestions option').evaluateAll((os) => os.map((o) => o.value));
  // Each name and id in a bidi isolate (U+2068 ... U+2069): a name written right to left stays in its place.
  assert.deepEqual(await picker.locator('option').allTextContents(), [
    'Every learner', '\u2068\u{1F469}\u200D\u{1F3EB} Year 7 algebra\u2069 (\u20687B\u2069) · 1 learner', '\u20688A\u2069 · 0 learners',
  ]);
  await page.getByLabel('Learner id').fill(''); // what is typed filters the class's learners too
  await picker.selectOption({ label: '\u2068\u{1F469}\u200D\u{1F3EB} Year 7 algebra\u2069 (\u20687B\u2069) · 1 learner' });
  await page.waitForFunction((id) => document.querySelector(`#learner-suggestions option[value="${id}"]`), LEARNER);
  assert.deepEqual(await offered(), [LEARNER], 'the class\'s roster');
  // Each with their answers and last answer, as without a class (the roster's members, since 5 December
  // 2026: the class's learners came with the class's name only).
  const label = await page.locator(`#learner-suggestions option[value="${LEARNER}"]`).getAttribute('label');
  assert.match(label, /^\u{1F469}\u200D\u{1F3EB} Year 7 algebra · 25 answers · last \S/u);
  // What the class offers is said under the field (an empty class offered nothing without a word: a review,
  // 5 December 2026).
  const note = page.locator('#learner-class-note');
  assert.equal(await note.textContent(), '\u{1F469}\u200D\u{1F3EB} Year 7 algebra: 1 learner, offered as you type.');
  await picker.selectOption('8A');
  await page.waitForFunction(() => document.querySelector('#learner-class-note').textContent === '8A has no learners yet.');
  assert.deepEqual(await offered(), [], 'an empty class offers nobody');
  await picker.selectOption('7B');
  await page.waitForFunction((id) => document.querySelector(`#learner-suggestions option[value="${id}"]`), LEARNER);
  await page.getByLabel('Learner id').fill('newcomer-e');
  assert.deepEqual(await offered(), [], 'a learner outside the class is not offered');
  await page.getByLabel('Learner id').fill('learner-e');
  assert.deepEqual(await offered(), [LEARNER]);
  // Every learner again: the ids starting with what is typed, whatever their class.
  await picker.selectOption('');
  await page.waitForFunction(() => document.querySelector('#learner-class-note').hidden);
  await page.getByLabel('Learner id').fill('newcomer-e');
  await page.locator('#learner-suggestions option[value="newcomer-e2e"]').waitFor({ state: 'attached' });
});

step('a class deleted since sign-in: picking it says so and offers no longer the class picked before\'s learners', async () => {
  // Its 404 left the roster of the class picked before in place: 7B's learners offered under "8A" (a review,
  // 4 December). The deletion is the API's 404 for the class, as DELETE /classes/8A would leave it.
  const picker = page.getByLabel('Class', { exact: true });
  const offered = () => page.locator('#learner-suggestions option').evaluateAll((os) => os.map((o) => o.value));
  await page.getByLabel('Learner id').fill('');
  await picker.selectOption('7B');
  await page.waitForFunction((id) => document.querySelector(`#learner-suggestions option[value="${id}"]`), LEARNER);
  const gone = `${BASE}/classes/8A/learners`;
  const deleted = (route) => route.fulfill({
    status: 404,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: "class '8A' does not exist", field: 'class_id' }),
  });
  await page.route(gone, deleted);
  try {
    await picker.selectOption('8A');
    assert.match(await expectAlert(/Reading the class/), /class '8A' does not exist/);
  } finally {
    await page.unroute(gone, deleted);
  }
  assert.equal(await picker.inputValue(), '', 'the picker says what is offered: every learner');
  assert.deepEqual(await offered(), [], 'nothing of 7B offered');
  await page.getByLabel('Learner id').fill('newcomer-e');
  await page.locator('#learner-suggestions option[value="newcomer-e2e"]').waitFor({ state: 'attached' });
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('status of 404') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
});

step('only the learner opened last is shown, however late the answers about the one before', async () => {
  // The first learner's answers come late; another learner is opened meanwhile. They used to fill the
  // panels under the second learner's name (a review, 1 December).
  // They come in two rounds (the report's picture is asked for once the report is in), so what is waited
  // for is every one of them finished and none asked for in the second after the last answer: a fixed 4 s
  // wait passed without testing anything on a run slow enough for them to come later.
  const slow = (url) => url.pathname.startsWith(`/learners/${LEARNER}`);
  const inFlight = new Set();
  let lastMoved = 0; // when one of them was last asked for or answered
  const asked = (request) => {
    if (!slow(new URL(request.url()))) return;
    inFlight.add(request);
    lastMoved = Date.now();
  };
  const done = (request) => {
    if (inFlight.delete(request)) lastMoved = Date.now();
  };
  page.on('request', asked);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  await page.route(slow, async (route) => { await sleep(1500); await route.continue().catch(() => {}); });
  try {
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await page.getByLabel('Learner id').fill('nobody-e2e');
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded('nobody-e2e');
    const deadline = Date.now() + LEARNER_TIMEOUT;
    while (lastMoved === 0 || inFlight.size > 0 || Date.now() - lastMoved < 1000) {
      assert.ok(Date.now() < deadline, `the first learner's late answers never all came (${inFlight.size} open)`);
      await sleep(100);
    }
    await apiSettled(); // the last of them has been handled
    assert.equal(await page.locator('#learner-title').textContent(), 'Learner nobody-e2e');
    assert.equal(await page.evaluate(() => document.body.dataset.learnerLoaded), 'nobody-e2e');
    assert.doesNotMatch(await page.locator('#learner-mastery').textContent(), /Numbers|Division/);
    assert.doesNotMatch(await page.locator('#learner-goals').textContent(), /Quadratic/, 'the first learner\'s goals');
  } finally {
    await page.unroute(slow);
    page.off('request', asked);
    page.off('requestfinished', done);
    page.off('requestfailed', done);
  }
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
  // While another learner's answers are on their way, the panels hold nothing of this one under that name.
  assert.match(await page.locator('#learner-mastery').textContent(), /Numbers|Division/);
  // Held until the checks are done (a 1.5 s sleep let "Loading…" turn into the answer before its check
  // when the steps between ran slowly).
  const slowOther = await holdRequests((url) => url.pathname.startsWith('/learners/nobody-e2e'));
  try {
    await page.getByLabel('Learner id').fill('nobody-e2e');
    await page.getByRole('button', { name: 'Open learner' }).click();
    await slowOther.arrived;
    await page.locator('#learner-title', { hasText: 'Learner nobody-e2e' }).waitFor();
    assert.doesNotMatch(await page.locator('#learner-mastery').textContent(), /Numbers|Division/);
    assert.equal(await page.locator('#learner-plan .plan-item').count(), 0);
    assert.equal(await page.locator('#learner-goals').textContent(), 'Loading…');
    slowOther.release();
    await learnerLoaded('nobody-e2e');
  } finally {
    await slowOther.stop();
  }
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('the learner graph holds nothing of the last learner while the next loads, however late its transfer edges', async () => {
  // "Still the learner asked for last?" was checked only after the graph was drawn: the first learner's
  // transfer edges answering late drew their mastery under the second learner's name (a review, s29).
  const edges = await holdRequests((url) => url.pathname === '/ui-support/transfer-edges');
  const slowOther = await holdRequests((url) => url.pathname.startsWith('/learners/nobody-e2e'));
  try {
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await edges.arrived; // the first learner's answers are in; their graph waits on its transfer edges
    await page.getByLabel('Learner id').fill('nobody-e2e');
    await page.getByRole('button', { name: 'Open learner' }).click();
    await page.locator('#learner-title', { hasText: 'Learner nobody-e2e' }).waitFor();
    edges.release();
    await answersTakenIn(edges.held); // nobody-e2e's answers are still held
    assert.equal(await page.evaluate(() => window.kgp.learnerGraph().nodes().length), 0,
      'the first learner\'s graph is drawn under the second one\'s name');
    assert.equal(await page.locator('#learner-graph-status').textContent(), '');
  } finally {
    await slowOther.stop();
    await edges.stop();
  }
  await learnerLoaded('nobody-e2e');
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

// ---- The learner view as a teacher meets it with a big curriculum, a wrong id, many learners (a review, s38).
// A block of its own, to merge apart from the designer's steps.

/** Runs `body` while the learner's curriculum has 400 more concepts, each with mastery for LEARNER, ahead of the
 * world's 11 in the curriculum's order (none linked): a curriculum too big to draw whole. */
async function withBigLearnerCurriculum(body) {
  const extra = Array.from({ length: 400 }, (_, i) => `early-${String(i).padStart(3, '0')}`);
  const curriculumRoute = (url) => url.pathname === `/curricula/${CURRICULUM}`;
  const masteryRoute = (url) => url.pathname === `/learners/${LEARNER}/mastery`;
  await page.route(curriculumRoute, (route) => fulfillChangedCurriculum(route, (doc) => ({
    ...doc, concepts: [...extra.map((id) => ({ id, name: `Early ${id.slice(6)}`, tags: [], difficulty: 0.1 })), ...doc.concepts],
  })));
  await page.route(masteryRoute, async (route) => {
    const response = await route.fetch();
    const mastery = await response.json();
    const old = '2026-01-01T00:00:00+00:00';
    const rows = extra.map((id) => ({ concept_id: id, p_mastery: 0.7, p_now: 0.7, attempts: 1, correct: 1, last_practised: old, as_of: old, updated_at: old, model_version: 'e2e' }));
    await route.fulfill({ response, json: { ...mastery, concepts: [...rows, ...mastery.concepts] } });
  });
  try {
    await body();
  } finally {
    await page.unroute(curriculumRoute);
    await page.unroute(masteryRoute);
  }
}

step('a big curriculum is cut to what matters for the learner: goals and plan drawn, at most 200 nodes; Draw all draws the rest', async () => {
  // 400 more concepts, each with mastery, ahead of the world's 11 in the curriculum's order: the page drew the
  // first 400 with mastery, so the goal (quadratics) and planned concepts late in the curriculum were left out.
  const drawAll = page.getByRole('button', { name: /^Draw all \d+ concepts \(slow\)$/ });
  const status = () => page.locator('#learner-graph-status').textContent();
  const drawn = () => page.evaluate(() => {
    const cy = window.kgp.learnerGraph();
    return { nodes: cy.nodes().length, ids: cy.nodes().map((n) => n.id()), goals: cy.nodes('.goal').map((n) => n.id()) };
  });
  await withBigLearnerCurriculum(async () => {
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    const cut = await drawn();
    assert.equal(cut.nodes, 200, 'at most 200 nodes, filled');
    assert.deepEqual(cut.goals, ['quadratics']);
    const plan = await callApi('GET', `/learners/${LEARNER}/next-tasks`, { key: TEACHER_KEY });
    const planned = plan.json.tasks.map((t) => t.concept_id);
    assert.ok(planned.length > 0);
    for (const id of planned) assert.ok(cut.ids.includes(id), `planned ${id} drawn`);
    // The learner's own recent practice comes before the older mastery.
    for (const id of ['numbers', 'addition', 'subtraction', 'multiplication', 'division']) assert.ok(cut.ids.includes(id), id);
    assert.match(await status(), /Drawn: 200 of 411 concepts: the goals, the planned concepts, .* 211 concepts are left out so the graph stays quick to draw \(at most 200 nodes\)/);
    await drawAll.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !/left out/.test(document.querySelector('#learner-graph-status').textContent));
    assert.equal((await drawn()).nodes, 411);
    assert.equal(await drawAll.isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'learner-graph-status', 'focus went to <body> with the button');
    // Draw all was for that one opening: the learner opened again is cut again.
    await page.getByRole('button', { name: 'Open learner' }).click();
    await page.waitForFunction(() => /left out/.test(document.querySelector('#learner-graph-status').textContent));
    assert.equal((await drawn()).nodes, 200);
  });
  await page.getByRole('button', { name: 'Open learner' }).click();
  await page.waitForFunction(() => !/left out/.test(document.querySelector('#learner-graph-status').textContent)
    && window.kgp.learnerGraph().nodes().length === 11);
  assert.equal(await drawAll.isHidden(), true, 'a curriculum that fits has nothing to draw all of');
});

step('an unknown learner id is said once, and nothing is read or drawn for it', async () => {
  // A mistyped id showed "learner ... does not exist" four times, over an empty graph of the whole curriculum,
  // read for nothing (2.6 s for 1,500 concepts), whose line said "showing 0 of 1500: practised, goals ...".
  const asked = [];
  const note = (request) => asked.push(new URL(request.url()).pathname);
  page.on('request', note);
  try {
    await page.getByLabel('Learner id').fill('Learner-E2E-7');
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded('Learner-E2E-7');
  } finally {
    page.off('request', note);
  }
  assert.equal(await page.locator('#learner-goals').textContent(),
    'No learner has the id Learner-E2E-7: check it (it must match exactly, case included).');
  const view = await page.locator('#view-learner').textContent();
  assert.equal(view.match(/does not exist|No learner has the id/g).length, 2, view); // the line and the plan panel's note
  assert.equal(await page.locator('#learner-report').textContent(), '');
  assert.equal(await page.locator('#learner-graph-status').textContent(), '');
  assert.equal(await page.evaluate(() => window.kgp.learnerGraph().nodes().length), 0);
  assert.deepEqual(asked.filter((p) => p.startsWith('/curricula') || p.startsWith('/ui-support')), []);
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('a key scoped to classes: a learner outside them is said to be outside its classes, not to have no such id', async () => {
  // The API answers a scoped key the unknown learner's 404 for a learner of another class (it tells the key
  // nothing of other classes), and the page said "No learner has the id ...: check it" of a pupil the school
  // has (a review, 5 December 2026). 9Z has no roster: named by its id.
  const issued = await callApi('POST', '/api-keys', { key: ADMIN_KEY, body: { name: 'e2e-scoped', role: 'teacher', classes: ['7B', '9Z'] } });
  assert.equal(issued.status, 201, JSON.stringify(issued.json));
  await signOut();
  try {
    await signInWith(issued.json.secret);
    await page.getByRole('tab', { name: 'Learner' }).click();
    await page.getByLabel('Learner id').fill('newcomer-e2e'); // a learner, in no class of the key
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded('newcomer-e2e');
    assert.equal(await page.locator('#learner-goals').textContent(), 'No learner with the id newcomer-e2e is in your classes '
      + '(\u{1F469}\u200D\u{1F3EB} Year 7 algebra (7B), 9Z): check the id (it must match exactly, case included), or whether '
      + 'the class roster names the learner.');
    assert.equal(await page.locator('#learner-class option').first().textContent(), 'Every learner of my classes');
    // 9Z, which no roster was sent for, is in the list, disabled, saying so (GET /classes does not list it).
    const options = await page.locator('#learner-class option').evaluateAll((os) => os.map((o) => [o.textContent, o.disabled]));
    assert.deepEqual(options.at(-1), ['\u20689Z\u2069 · no roster sent yet', true], JSON.stringify(options));
    await page.getByLabel('Learner id').fill(LEARNER); // in 7B
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    assert.match(await page.locator('#learner-goals').textContent(), /^Goals: /);
  } finally {
    await signOut();
    await signInWith(TEACHER_KEY);
    await callApi('DELETE', `/api-keys/${issued.json.id}`, { key: ADMIN_KEY });
  }
  await page.getByRole('tab', { name: 'Learner' }).click();
  assert.equal(await page.locator('#learner-class option').first().textContent(), 'Every learner');
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('an id no learner can have is marked on its field, nothing is asked for, and the learner on show stays', async () => {
  // An LMS id with a '/' made every panel say "not available yet on this server" (the router found no route
  // for /learners/school-1/42/...), and one of spaces the same; a space inside gave four 422 panels.
  const asked = [];
  const note = (request) => asked.push(new URL(request.url()));
  page.on('request', note);
  const field = page.getByLabel('Learner id');
  const refused = ['school-1/42', '   ', 'jane doe'];
  try {
    for (const id of refused) {
      await field.fill(id);
      await page.getByRole('button', { name: 'Open learner' }).click();
      assert.doesNotMatch(await expectAlert(/Not a learner id/), /\(422\)/, 'refused by the page: no status');
      assert.equal(await field.getAttribute('aria-invalid'), 'true', id);
      assert.ok(await field.evaluate((input) => document.activeElement === input), `${id}: focus on the field`);
    }
  } finally {
    page.off('request', note);
  }
  // No panel of a refused id, and no suggestions for one. A suggestion lookup for what an earlier step typed
  // may still go out (it waits for typing to pause): it failed this check once (a review, 4 December).
  const refusedAsked = asked.filter((url) => url.pathname.startsWith('/learners/')
    || (url.pathname === '/learners' && refused.some((id) => id.trim() === url.searchParams.get('prefix'))));
  assert.deepEqual(refusedAsked.map(String), []);
  assert.equal(await page.locator('body').getAttribute('data-learner-loaded'), LEARNER);
  assert.equal(await page.locator('#learner-title').textContent(), `Learner ${LEARNER}`);
  assert.doesNotMatch(await page.locator('#view-learner').textContent(), /not available yet/);
  await field.fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
  assert.equal(await field.getAttribute('aria-invalid'), null, 'the mark goes with the next open');
});

step('only the plot of the learner on show is kept in memory', async () => {
  const plot = page.locator('#learner-report img.report-png');
  await showPlot();
  const first = await plot.getAttribute('src');
  assert.match(first, /^blob:/);
  await page.getByLabel('Learner id').fill('newcomer-e2e');
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded('newcomer-e2e');
  await showPlot();
  assert.notEqual(await plot.getAttribute('src'), first);
  // Each learner opened kept their plot (a PNG blob) until the tab closed.
  const seen = consoleErrors.length;
  // Read as the page reads it, an image (the CSP's connect-src refuses blob: to fetch whatever it holds).
  const readable = await page.evaluate((url) => new Promise((resolve) => {
    const probe = new Image();
    probe.onload = () => resolve(true);
    probe.onerror = () => resolve(false);
    probe.src = url;
  }), first);
  assert.equal(readable, false, 'the last learner\'s plot is still held');
  await sleep(200);
  consoleErrors.splice(seen); // the probe's own failed load, which Chromium logs
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('the report\'s plot is read only when scrolled to, the panels do not wait for it, and opening again sends its ETag', async () => {
  // A phone on a slow network: the plot (58 KB of an opening's 72 KB here) was read with every learner
  // opened, the plan and the report waited for it, and opening the learner again read it whole again.
  const pictures = [];
  const onRequest = (request) => {
    if (new URL(request.url()).pathname.endsWith('/report.png')) pictures.push(request.headers()['if-none-match'] ?? null);
  };
  page.on('request', onRequest);
  await page.setViewportSize({ width: 390, height: 844 });
  const held = await holdRequests((url) => url.pathname.endsWith('/report.png'));
  try {
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    await page.locator('#learner-plan .plan-item').first().waitFor();
    // An IntersectionObserver says whether a place is in view at the rendering after it starts watching, in a
    // task of its own: two frames on, the plot's place has been told.
    await afterFrames(2);
    assert.deepEqual(pictures, [], 'the plot, out of view, is not read');
    const place = page.locator('#learner-report .report-plot');
    assert.match(await place.textContent(), /read when you scroll to it/);
    await place.scrollIntoViewIfNeeded();
    await held.arrived;
    // Its place says it is on its way; the rest of the learner is on show meanwhile.
    await page.locator('#learner-report .report-plot', { hasText: 'Reading the plot' }).waitFor();
    held.release();
    await page.locator('#learner-report img.report-png').waitFor();
  } finally {
    await held.stop();
  }
  const first = await page.locator('#learner-report img.report-png').getAttribute('src');
  // Opened again (within the picture's minute): its ETag goes with the request and the 304 shows the copy held.
  const answers = [];
  const onResponse = (response) => {
    if (new URL(response.url()).pathname.endsWith('/report.png')) answers.push(response.status());
  };
  page.on('response', onResponse);
  try {
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    await showPlot();
  } finally {
    page.off('response', onResponse);
    page.off('request', onRequest);
  }
  assert.equal(pictures.length, 2, `asked for ${pictures.length} time(s)`);
  assert.equal(pictures[0], null);
  assert.match(pictures[1] ?? '', /^"report-png-/, 'the second request sends the ETag of the copy held');
  // The minute the picture names may have turned in between: a new picture is then right too.
  const again = await page.locator('#learner-report img.report-png').getAttribute('src');
  assert.ok((answers[0] === 304 && again === first) || (answers[0] === 200 && again !== first), `${answers} ${first} ${again}`);
  // A plot that cannot be read says so where it would be, with a way to ask again.
  const down = (route) => route.fulfill({
    status: 503,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'busy drawing' }),
  });
  const png = (url) => url.pathname.endsWith('/report.png');
  await page.getByLabel('Learner id').fill('newcomer-e2e');
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded('newcomer-e2e');
  await page.route(png, down);
  try {
    await page.locator('#learner-report .report-plot').scrollIntoViewIfNeeded();
    await page.locator('#learner-report .report-plot', { hasText: 'The plot could not be read (Service Unavailable (503))' }).waitFor();
  } finally {
    await page.unroute(png, down);
  }
  await page.locator('#learner-report .report-plot').getByRole('button', { name: 'Try again' }).press('Enter');
  await page.locator('#learner-report img.report-png').waitFor({ timeout: LEARNER_TIMEOUT });
  // Focus went with the button to its line, then to the plot that replaced the line: not to <body>.
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'report-png-link');
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('status of 503') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('a long learner id wraps in the title and the lines under it instead of running out of the column', async () => {
  const id = `${'x'.repeat(40)}-${'verylonglearneridentifier'.repeat(6)}`; // 191 characters, no space to break at
  await page.getByLabel('Learner id').fill(id);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(id);
  const overflowing = await page.evaluate(() => ['#learner-title', '#learner-goals', '#learner-plan p']
    .map((s) => document.querySelector(s)).filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.id || e.tagName));
  assert.deepEqual(overflowing, []);
  await page.getByLabel('Learner id').fill(LEARNER);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('the report\'s consolidated goal is named as the lists name concepts, a concept ready again says it was mastered before, and the threshold is a percentage', async () => {
  // The API names it by id (`consolidating`: every goal looks met, this one is kept in practice); the page
  // showed the id where every list shows names. The world's learner has no goal met: the answer says one is.
  // A review, 5 December 2026: the summary said "(again: mastered before)" of a concept ready to learn that
  // had faded, the page's list only its name; and the page gave the threshold and the legend in decimals.
  const reportRoute = (url) => url.pathname === `/learners/${LEARNER}/report`;
  await page.route(reportRoute, async (route) => {
    const response = await route.fetch();
    const report = await response.json();
    const faded = { concept_id: 'fractions', name: 'Fractions', curriculum_id: 'arith', p_now: 0.4, p_mastery: 0.9,
      attempts: 6, status: 'previously_mastered' };
    await route.fulfill({ response, json: { ...report, consolidating: 'quadratics',
      previously_mastered: [...report.previously_mastered.filter((c) => c.concept_id !== 'fractions'), faded],
      ready_to_learn: [{ concept_id: 'fractions', name: 'Fractions', curriculum_id: 'arith', interests: [] },
        { concept_id: 'quadratics', name: 'Quadratic equations', curriculum_id: 'arith', interests: [] }] } });
  });
  try {
    await page.getByLabel('Learner id').fill(LEARNER);
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
  } finally {
    await page.unroute(reportRoute);
  }
  const meta = await page.locator('#learner-report > p.meta').textContent();
  assert.match(meta, /consolidating: Quadratic equations/);
  assert.match(meta, /mastery threshold: 85%/, meta);
  const ready = await page.locator('#learner-report section[aria-label="ready to learn"] li').allTextContents();
  assert.deepEqual(ready, ['Fractions (again: mastered before)', 'Quadratic equations'], ready.join(' | '));
  const legend = await page.locator('#learner-form .legend').textContent();
  assert.match(legend.replace(/\s+/g, ' '), /0% 50% 100% mastery/, legend);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

step('the plan names each task and its concept, their ids beside them; a null name falls back to the id; long names wrap, markup is text', async () => {
  // Next-tasks items carry task_title and concept_name since 5 December 2026; the page showed the titles of
  // the curriculum it had read and the concept's name without its id, and a task it had not read as a bare id.
  const served = (await callApi('GET', `/learners/${LEARNER}/next-tasks`, { key: TEACHER_KEY })).json;
  assert.ok(served.tasks.length >= 2, JSON.stringify(served));
  const items = page.locator('#learner-plan .plan-item');
  const shown = () => items.evaluateAll((lis) => lis.map((li) => ({
    title: li.querySelector('.plan-task').textContent,
    id: li.querySelector('.plan-task-id')?.textContent ?? null,
    meta: li.querySelector('.plan-meta:not(.plan-task-id)').textContent,
    elements: li.querySelector('.plan-task').children.length,
  })));
  const [first] = await shown();
  assert.equal(first.title, served.tasks[0].task_title);
  assert.equal(first.id, `task ${served.tasks[0].task_id}`);
  const named = `concept ${served.tasks[0].concept_name} (${served.tasks[0].concept_id})`;
  assert.ok(first.meta.startsWith(named), `${first.meta} starts with ${named}`);
  // The plan's own names, however long and whatever they hold; null ones (a stale plan served while Neo4j is
  // down) fall back to the curriculum's, and for a task the curriculum read does not hold, to the id.
  const long = `${'Verylongtasktitle'.repeat(11)}<img src=x>`;
  const route = (url) => url.pathname === `/learners/${LEARNER}/next-tasks`;
  await page.route(route, async (r) => {
    const response = await r.fetch();
    const plan = await response.json();
    const [a, b] = plan.tasks;
    await r.fulfill({ response, json: { ...plan, tasks: [
      { ...a, task_title: long, concept_name: '<b>Bold</b> concept' },
      { ...b, task_id: 'not-in-the-curriculum', task_title: null, concept_id: 'gone-concept', concept_name: null },
    ] } });
  });
  try {
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
  } finally {
    await page.unroute(route);
  }
  const [a, b] = await shown();
  assert.deepEqual([a.title, a.id, a.elements], [long, `task ${served.tasks[0].task_id}`, 0]);
  assert.ok(a.meta.startsWith(`concept <b>Bold</b> concept (${served.tasks[0].concept_id})`), a.meta);
  assert.deepEqual([b.title, b.id], ['not-in-the-curriculum', null]);
  assert.match(b.meta, /^concept gone-concept( ·|$)/);
  assert.equal(await page.locator('#learner-plan img, #learner-plan b').count(), 0, 'no markup made elements');
  const overflowing = await page.evaluate(() => [...document.querySelectorAll('#learner-plan, #learner-plan .plan-item > *')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className || e.id));
  assert.deepEqual(overflowing, []);
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
});

// ---- end of the learner view's block (s38).

// ---- The learner view opening one learner after another, on a busy or failing server (a review, s39).

step('the curriculum read for one learner is reused for the next until it changes; an edit is shown at once', async () => {
  // Each learner opened read the whole curriculum again (2.6 s and 1.2 MB for 1,500 concepts).
  const reads = [];
  const note = async (response) => {
    const url = new URL(response.url());
    if (url.pathname !== `/curricula/${CURRICULUM}` || response.request().method() !== 'GET') return;
    reads.push({ status: response.status(), held: (await response.request().allHeaders())['if-none-match'] ?? null, etag: response.headers().etag });
  };
  page.on('response', note);
  const numbers = async () => page.evaluate(() => window.kgp.learnerGraph().getElementById('numbers').data('label'));
  let renamed = null;
  try {
    for (const id of [LEARNER, 'newcomer-e2e', LEARNER]) {
      await page.getByLabel('Learner id').fill(id);
      await page.getByRole('button', { name: 'Open learner' }).click();
      await learnerLoaded(id);
    }
    assert.ok(reads.length >= 2, JSON.stringify(reads));
    assert.equal(reads[0].etag, (await callApi('GET', `/curricula/${CURRICULUM}`)).etag);
    for (const [i, read] of reads.entries()) {
      if (i === 0) continue;
      assert.deepEqual([read.status, read.held], [304, reads[0].etag], `read ${i} of ${JSON.stringify(reads)}`);
    }
    // Another designer renames a concept: the next learner opened shows the new name, not the copy held.
    const before = await callApi('GET', '/concepts/numbers');
    renamed = await callApi('PATCH', '/concepts/numbers', { body: { name: 'Counting numbers' }, ifMatch: before.etag });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    assert.equal(reads.at(-1).status, 200, JSON.stringify(reads.at(-1)));
    assert.match(await numbers(), /^Counting numbers\n/);
  } finally {
    page.off('response', note);
    if (renamed?.status === 200) {
      const back = await callApi('PATCH', '/concepts/numbers', { body: { name: 'Whole numbers' }, ifMatch: renamed.etag });
      assert.equal(back.status, 200, JSON.stringify(back.json));
    }
  }
  await page.getByRole('button', { name: 'Open learner' }).click();
  await learnerLoaded(LEARNER);
  assert.match(await numbers(), /^Whole numbers\n/);
});

step('while the plan is computed the page says what it waits for; a plan that failed can be asked for again', async () => {
  // The panels stayed empty under "Loading…" for the 10 s and more of a plan computed on request, and a
  // failed plan left only its error, with nothing to ask again by but retyping the id.
  const progress = page.locator('#learner-progress');
  const plan = await holdRequests((url) => url.pathname === `/learners/${LEARNER}/next-tasks`);
  try {
    await page.getByRole('button', { name: 'Open learner' }).click();
    await plan.arrived;
    await page.waitForFunction(() => /^Opening learner .*: waiting for the plan \(the server computes one .*\) [2-9] s\.$/
      .test(document.querySelector('#learner-progress').textContent), null, { timeout: TIMEOUT });
    assert.doesNotMatch(await progress.textContent(), /the mastery|the goals/, 'what came is no longer waited for');
    // A status line, read out when what is awaited changes; a screen reader heard none of it. What it
    // exposes holds still while the seconds tick, or it would be read out again every second.
    assert.equal(await progress.getAttribute('role'), 'status');
    const [shown, heard] = [await progress.textContent(), await progress.ariaSnapshot()];
    await page.waitForFunction((before) => document.querySelector('#learner-progress').textContent !== before, shown);
    assert.equal(await progress.ariaSnapshot(), heard, 'the seconds are not read out');
    assert.match(heard, /waiting for the plan/);
    plan.release();
    await learnerLoaded(LEARNER);
  } finally {
    await plan.stop();
  }
  assert.equal(await progress.textContent(), '');
  const down = (route) => route.fulfill({
    status: 503,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Neo4j is unavailable' }),
  });
  const planRoute = (url) => url.pathname === `/learners/${LEARNER}/next-tasks`;
  await page.route(planRoute, down);
  try {
    await page.getByRole('button', { name: 'Open learner' }).click();
    await learnerLoaded(LEARNER);
    assert.equal(await progress.textContent(), 'Could not read the plan (Service Unavailable (503)). Try again');
    assert.match(await page.locator('#learner-plan').textContent(), /Neo4j is unavailable/);
  } finally {
    await page.unroute(planRoute, down);
  }
  await page.getByRole('button', { name: 'Try again' }).press('Enter');
  await page.waitForFunction(() => document.querySelector('#learner-plan .plan-item') && !document.querySelector('#learner-progress').textContent);
  // The button went with the line it was on: focus stays there, not on <body>.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'learner-progress');
  assert.equal(await page.evaluate(() => document.body.dataset.learnerLoaded), LEARNER);
  // Chromium logs the 503 this step answered on purpose as a failed resource: not a script error.
  for (let i = consoleErrors.length - 1; i >= 0; i -= 1) {
    if (consoleErrors[i].includes('status of 503') && consoleErrors[i].includes(`[in: ${currentStep};`)) consoleErrors.splice(i, 1);
  }
});

step('a cut graph\'s concepts with no prerequisite drawn are not stacked in one column', async () => {
  // The big curriculum's cut (withBigLearnerCurriculum: 400 concepts with mastery, none linked): column 0 stood 190
  // concepts tall, which fitting shrank past reading.
  await withBigLearnerCurriculum(async () => {
    await page.getByRole('button', { name: 'Open learner' }).click();
    await page.waitForFunction(() => /left out/.test(document.querySelector('#learner-graph-status').textContent));
    const shape = await page.evaluate(() => {
      const cy = window.kgp.learnerGraph();
      const box = cy.nodes().boundingBox();
      const columns = new Map();
      for (const n of cy.nodes()) columns.set(Math.round(n.position('x')), (columns.get(Math.round(n.position('x'))) ?? 0) + 1);
      return { nodes: cy.nodes().length, w: box.w, h: box.h, tallest: Math.max(...columns.values()), zoom: cy.zoom() };
    });
    assert.equal(shape.nodes, 200);
    assert.ok(shape.tallest <= 40, `a column of ${shape.tallest} concepts: ${JSON.stringify(shape)}`);
    assert.ok(shape.w >= shape.h, `wider than tall, as the graph's box: ${JSON.stringify(shape)}`);
  });
  await page.getByRole('button', { name: 'Open learner' }).click();
  await page.waitForFunction(() => !/left out/.test(document.querySelector('#learner-graph-status').textContent)
    && window.kgp.learnerGraph().nodes().length === 11);
  await learnerLoaded(LEARNER);
});

// ---- end of the learner view's block (s39).

step('the window title names the learner on show', async () => {
  assert.equal(await page.title(), `${LEARNER} · Learner · kgplatform`);
  await page.getByRole('tab', { name: 'Curriculum' }).click();
  assert.match(await page.title(), /Curriculum · kgplatform$/);
  await page.getByRole('tab', { name: 'Learner' }).click();
  assert.equal(await page.title(), `${LEARNER} · Learner · kgplatform`);
});

step('the legend\'s colours come from the stylesheet (no inline style under the CSP)', async () => {
  const colours = await page.evaluate(() => ['mastery-0', 'mastery-half', 'mastery-1']
    .map((c) => getComputedStyle(document.querySelector(`.swatch.${c}`)).backgroundColor));
  assert.deepEqual(colours, ['rgb(215, 48, 39)', 'rgb(254, 224, 139)', 'rgb(26, 152, 80)']);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#learner-graph')).position), 'relative');
});

step('on a desktop a mouse drag on a graph\'s background pans it and the wheel zooms it (touch aside, as before)', async () => {
  const graph = page.locator('#learner-graph');
  await graph.scrollIntoViewIfNeeded();
  const box = await graph.boundingBox();
  // A point no node covers: a drag from a node moves the node.
  const empty = await page.evaluate(() => {
    const cy = window.kgp.learnerGraph();
    const boxes = cy.nodes().map((n) => n.renderedBoundingBox());
    for (let y = 4; y < cy.height(); y += 8) {
      for (let x = 4; x < cy.width() - 80; x += 8) {
        if (!boxes.some((b) => x >= b.x1 - 4 && x <= b.x2 + 4 && y >= b.y1 - 4 && y <= b.y2 + 4)) return [x, y];
      }
    }
    return null;
  });
  assert.ok(empty, 'the graph has some background to drag');
  const view = () => page.evaluate(() => ({ zoom: window.kgp.learnerGraph().zoom(), pan: window.kgp.learnerGraph().pan() }));
  const before = await view();
  await page.mouse.move(box.x + empty[0], box.y + empty[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + empty[0] + 80, box.y + empty[1] + 10, { steps: 8 });
  await page.mouse.up();
  const dragged = await view();
  assert.ok(Math.abs(dragged.pan.x - before.pan.x) > 40, `a drag pans: ${JSON.stringify([before.pan, dragged.pan])}`);
  // cytoscape takes the first wheel events for samples of the mouse's notch, zooming them in small steps.
  for (let i = 0; i < 3; i += 1) await page.mouse.wheel(0, -100);
  await page.waitForFunction((was) => window.kgp.learnerGraph().zoom() > was, dragged.zoom, { timeout: 3000 });
  await page.evaluate(() => { window.kgp.learnerGraph().fit(undefined, 30); }); // not returned: cy would be serialised
});

/** What a finger on a tablet or phone needs of the view on show in `tab`: nothing wider than the window (no
 * sideways scroll of the page), every control at least 24x24 CSS px (WCAG 2.2's 2.5.8; a link around a
 * picture is as big as its picture), and axe clean with WCAG 2.2 AA's rules too. */
const assertFitsTouch = async (tab, where) => {
  const found = await tab.evaluate(() => {
    const shown = (e) => e.getClientRects().length && !e.closest('[hidden], .visually-hidden') && e.type !== 'hidden';
    const name = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}[${(e.textContent || e.name || e.type || '').trim().slice(0, 24)}]`;
    const size = (e) => e.querySelector('img')?.getBoundingClientRect() ?? e.getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      wide: [...document.querySelectorAll('#app *, .topbar *')].filter(shown)
        .filter((e) => e.getBoundingClientRect().right > innerWidth + 1).map(name).slice(0, 8),
      small: [...document.querySelectorAll('button, a[href], input, select, textarea, summary, [role=tab]')].filter(shown)
        .filter((e) => size(e).width < 24 || size(e).height < 24)
        .map((e) => `${name(e)} ${Math.round(size(e).width)}x${Math.round(size(e).height)}`).slice(0, 12),
      width: innerWidth,
    };
  });
  assert.deepEqual(found.wide, [], `${where}: wider than the window`);
  assert.ok(found.scrollWidth <= found.width, `${where}: the page is ${found.scrollWidth}px wide in ${found.width}px`);
  assert.deepEqual(found.small, [], `${where}: controls smaller than 24x24 px`);
  await assertAxeClean(where, { on: tab, tags: [...WCAG21_TAGS, 'wcag22aa'] });
};

step('on a tablet and a phone, by touch: nothing to scroll sideways, controls of 24x24 px, axe clean; one finger over the graph scrolls the page, two pan and pinch it, a tap opens a node', async () => {
  // The page was built and checked at a desktop's width with a mouse (a review, 3 December): buttons 16 px
  // high, checkboxes 13 px and the edge lists' names 14 px were too small for a finger.
  const browser = await chromium.launch({ executablePath: env('E2E_CHROMIUM'), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    for (const [width, height] of [[768, 1024], [390, 844]]) {
      const touch = await browser.newContext({ viewport: { width, height }, hasTouch: true, isMobile: true });
      const tab = await touch.newPage();
      tab.setDefaultTimeout(TIMEOUT);
      const errors = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      try {
        await tab.goto(`${BASE}/ui/`);
        assert.ok(await tab.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a touch screen');
        await assertFitsTouch(tab, `${width}px, sign-in`);
        // An admin key: every control of every view is on show.
        await signInWith(ADMIN_KEY, { on: tab, tap: true });
        await tab.getByRole('combobox', { name: 'Curriculum', exact: true }).selectOption(CURRICULUM);
        await tab.getByRole('tab', { name: 'Learner' }).tap();
        await tab.getByLabel('Learner id').fill(LEARNER);
        await tab.getByRole('button', { name: 'Open learner' }).tap();
        await tab.waitForSelector(`body[data-learner-loaded="${LEARNER}"]`, { timeout: LEARNER_TIMEOUT });
        await tab.locator('#learner-report .report-plot').scrollIntoViewIfNeeded();
        await tab.locator('#learner-report img.report-png').waitFor({ timeout: LEARNER_TIMEOUT });
        await assertFitsTouch(tab, `${width}px, Learner`);
        await tab.getByRole('tab', { name: 'Curriculum' }).tap();
        await tab.locator('.concept-link').first().tap();
        await tab.waitForFunction(() => window.kgp.curriculumGraph().nodes().length > 1);
        await tab.locator('#graph').scrollIntoViewIfNeeded();
        // A tap on a node opens its concept, as a click does.
        const node = await tab.evaluate(() => {
          const cy = window.kgp.curriculumGraph();
          const box = document.querySelector('#graph').getBoundingClientRect();
          const other = cy.nodes().filter((n) => !n.hasClass('focus') && !n.hasClass('outside'))[0];
          const at = other.renderedPosition();
          return { id: other.id(), x: box.left + at.x, y: box.top + at.y, zoom: cy.zoom(), pan: cy.pan() };
        });
        await tab.touchscreen.tap(node.x, node.y);
        await tab.waitForFunction((want) => document.querySelector('#concept-id').textContent === want, node.id);
        // The tapped concept's own graph drawn (its draw fits the view): the graph on show before had a focus
        // too, and its redraw landing during the swipe below zoomed the view under a loaded machine.
        await tab.waitForFunction(
          (want) => window.kgp.curriculumGraph().nodes('.focus').map((n) => n.id()).join() === want, node.id,
        );
        // One finger over the graph scrolls the page, as map widgets do (on a phone the graph is 320 px of the
        // screen's height, and a swipe over it panned the graph: the page's scroll was trapped), even from a
        // node, which it neither opens nor drags; a hint says what moves the graph. Two fingers pan it and pinch.
        const cdp = await touch.newCDPSession(tab);
        const fingers = (points) => points.map(([x, y], id) => ({ x, y, id }));
        const gesture = async (from, to) => {
          await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(from) });
          for (let i = 1; i <= 8; i += 1) {
            const at = from.map(([x, y], k) => [x + ((to[k][0] - x) * i) / 8, y + ((to[k][1] - y) * i) / 8]);
            await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(at) });
          }
          await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
          await tab.waitForTimeout(200); // the page's scroll, which the swipe's check waits to see moved
          // A swipe that opened the node would have asked for it: that answer handled before "not opened" is checked.
          await tab.waitForFunction(() => window.kgp.callsInFlight().length === 0);
        };
        const view = () => tab.evaluate(() => ({
          zoom: window.kgp.curriculumGraph().zoom(),
          pan: window.kgp.curriculumGraph().pan(),
          positions: window.kgp.curriculumGraph().nodes().map((n) => n.position()),
          selected: window.kgp.curriculumGraph().nodes(':selected').map((n) => n.id()),
          scrollY,
          concept: document.querySelector('#concept-id').textContent,
        }));
        const nodeAt = () => tab.evaluate(() => {
          const cy = window.kgp.curriculumGraph();
          const box = document.querySelector('#graph').getBoundingClientRect();
          const other = cy.nodes().filter((n) => !n.hasClass('focus') && !n.hasClass('outside'))[0];
          const at = other.renderedPosition();
          return { id: other.id(), x: box.left + at.x, y: box.top + at.y };
        });
        await tab.locator('#graph').scrollIntoViewIfNeeded();
        const from = await nodeAt();
        const before = await view();
        await gesture([[from.x, from.y]], [[from.x - 10, from.y - 120]]);
        const swiped = await view();
        assert.ok(swiped.scrollY > before.scrollY + 40, `a swipe scrolls the page: ${before.scrollY} -> ${swiped.scrollY}`);
        assert.deepEqual([swiped.pan, swiped.zoom], [before.pan, before.zoom], 'a one-finger swipe leaves the graph where it was');
        assert.deepEqual(swiped.positions, before.positions, 'a swipe from a node does not drag it');
        assert.equal(swiped.concept, before.concept, 'a swipe from a node does not open it');
        assert.ok(!swiped.selected.includes(from.id), 'a swipe from a node does not select it');
        const hint = tab.locator('#graph ~ .graph-hint');
        await hint.getByText('Use two fingers to move the graph').waitFor();
        await tab.screenshot({ path: join(ARTIFACTS, `touch-hint-${width}.png`) });
        assert.equal(await hint.getAttribute('aria-live'), 'polite');
        assert.equal(await tab.evaluate(() => document.activeElement.classList.contains('graph-hint')), false, 'the hint takes no focus');
        await tab.waitForFunction(() => document.querySelector('#graph ~ .graph-hint').textContent === '', null, { timeout: 5000 });
        // Both fingers moving together pan the graph (the page stays), 80 px apart as on a phone (cytoscape took
        // fingers less than 200 px apart for its context tap, which moved nothing); apart, they zoom it in.
        await tab.locator('#graph').scrollIntoViewIfNeeded();
        const box = await tab.locator('#graph').boundingBox();
        const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
        const still = await view();
        await gesture([[cx - 40, cy], [cx + 40, cy]], [[cx + 40, cy + 10], [cx + 120, cy + 10]]);
        const dragged = await view();
        assert.ok(Math.abs(dragged.pan.x - still.pan.x) > 40, `two fingers pan: ${JSON.stringify([still.pan, dragged.pan])}`);
        assert.ok(Math.abs(dragged.zoom / still.zoom - 1) < 0.1, `moved together they do not zoom: ${still.zoom} -> ${dragged.zoom}`);
        assert.equal(dragged.scrollY, still.scrollY, 'two fingers do not scroll the page');
        await gesture([[cx - 20, cy], [cx + 20, cy]], [[cx - 120, cy], [cx + 120, cy]]);
        const pinched = await view();
        assert.ok(pinched.zoom > dragged.zoom * 1.2, `a pinch zooms: ${dragged.zoom} -> ${pinched.zoom}`);
        // After the two-finger gestures a tap is still a tap (on a node in sight: the pinch left most outside).
        await tab.evaluate(() => { window.kgp.curriculumGraph().fit(undefined, 30); });
        const again = await nodeAt();
        await tab.touchscreen.tap(again.x, again.y);
        await tab.waitForFunction((want) => document.querySelector('#concept-id').textContent === want, again.id);
        await tab.evaluate(() => document.querySelectorAll('#view-curriculum details').forEach((d) => { d.open = true; }));
        await tab.locator('#changes-rows tr').first().waitFor();
        await assertFitsTouch(tab, `${width}px, Curriculum`);
        await tab.screenshot({ path: join(ARTIFACTS, `touch-${width}.png`), fullPage: true });
      } finally {
        await touch.close();
      }
      assert.deepEqual(errors, [], `${width}px: script errors`);
    }
  } finally {
    await browser.close();
  }
});

step('on a phone, a concept named by one long word (200 characters, no space) wraps in the editor and the edge lists', async () => {
  // The editor's heading and the edge lists under the graph did not wrap it: the page was 1,770 px wide in
  // 390 (a review, 5 December 2026). A compound word or a formula with no space does this.
  const name = 'Donaudampfschifffahrtsgesellschaftskapitänsmütze'.repeat(5).slice(0, 200);
  const made = await callApi('POST', `/curricula/${CURRICULUM}/concepts`, { body: { id: 'e2e-long-word', name } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const linked = await callApi('POST', '/prerequisites', { body: { prerequisite: 'e2e-long-word', concept: 'ratios', weight: 1 } });
  assert.equal(linked.status, 201, JSON.stringify(linked.json));
  const phone = await chromium.launch({ executablePath: env('E2E_CHROMIUM'), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const tab = await (await phone.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })).newPage();
    tab.setDefaultTimeout(TIMEOUT);
    await tab.goto(`${BASE}/ui/`);
    await signInWith(DESIGNER_KEY, { on: tab, tap: true });
    await tab.locator('.concept-link[data-concept-id="e2e-long-word"]').tap();
    await tab.waitForFunction(() => document.querySelector('#concept-id').textContent === 'e2e-long-word');
    await tab.locator('#prereq-edge-list li', { hasText: 'ratios' }).waitFor();
    // Against the phone's width: a mobile browser widens its layout viewport (innerWidth) to the page's content.
    const wide = await tab.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `the page is ${wide}px wide on a 390px phone`);
  } finally {
    await phone.close();
    const stored = await callApi('GET', '/concepts/e2e-long-word');
    await callApi('DELETE', '/concepts/e2e-long-word?cascade=true', { ifMatch: stored.etag });
  }
});

step('screenshot: the learner view', async () => {
  await assertAxeClean('the learner view');
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(ARTIFACTS, 'learner-view.png') });
});

step('the CSP is enforced, and a violation would be caught', async () => {
  // A probe: an inline style attribute must be refused and reported (then forgotten: it is ours).
  const seen = consoleErrors.length;
  const applied = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.setAttribute('style', 'color: rgb(1, 2, 3)');
    document.body.append(probe);
    const colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  });
  assert.notEqual(applied, 'rgb(1, 2, 3)', 'an inline style was applied: no CSP in force');
  const deadline = Date.now() + 2000;
  while (!consoleErrors.slice(seen).some((e) => e.includes('CSP violation: style-src')) && Date.now() < deadline) await sleep(50);
  const probeErrors = consoleErrors.splice(seen);
  assert.ok(probeErrors.some((e) => e.includes('CSP violation: style-src')), `violation reported: ${probeErrors}`);
});

step('no script errors in the page', async () => {
  // 4xx answers the tests provoke on purpose are logged by Chromium as failed resources; ignore those.
  const real = consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));
  assert.deepEqual(real, [], `requests that got no answer (aborted ones included):\n  ${failedRequests.join('\n  ')}`);
});

// A step that hangs (a held request never released, a wait without its own timeout) fails by name here,
// with its screenshot, instead of running into the pytest side's timeout for the whole script, which
// kills the browser before anything says which step was stuck.
const STEP_TIMEOUT = 60_000;
const withinStepTimeout = (work) => {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step did not finish within ${STEP_TIMEOUT / 1000} s`)), STEP_TIMEOUT);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
};

// E2E_STEPS (optional, for a run by hand): a regular expression; only the steps whose name it matches run, in
// their order. Steps build on those before them (signed in as whom, what was edited): name those too, e.g.
// E2E_STEPS='^sign in as a (designer|teacher)|the plan names|screenshot' (pytest checks the screenshots).
const only = process.env.E2E_STEPS ? new RegExp(process.env.E2E_STEPS) : null;
let failed = false;
for (const { name, fn } of steps) {
  if (only && !only.test(name)) continue;
  currentStep = name;
  const started = Date.now();
  try {
    await withinStepTimeout(fn());
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed = true;
    console.log(`FAIL ${name}\n${error.stack ?? error}`);
    if (consoleErrors.length) console.log(`page console:\n  ${consoleErrors.join('\n  ')}`);
    const shot = join(ARTIFACTS, `failure-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`screenshot: ${shot}`);
    break;
  }
}
if (only) console.log(`E2E_STEPS=${only.source}: ${steps.filter(({ name }) => only.test(name)).length} of ${steps.length} steps run`);
await context.close();
rmSync(profile, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
