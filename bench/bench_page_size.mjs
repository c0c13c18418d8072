// The web page on large curricula against a small one, measured in the same run.
//
// Chromium (Debian's /usr/bin/chromium, through ui/'s playwright-core), headless, desktop size. For each
// curriculum named by --curricula (the first is the baseline, e.g. a 50-concept one), in a fresh tab: the page
// loaded and signed in with the curriculum picked (sessionStorage, as a reload does) until its concept list is
// drawn; a search (--search, default "1"); opening the first concept it lists; saving its description (sent
// with If-Match, as the page does); editing and saving its first task; adding a prerequisite (a concept the
// bench creates beforehand, with no edges, so no cycle) and removing it; the graph at depth 3 and 10; opening
// Recent changes. Each step is timed from the click to the last response of the requests it caused (none in
// flight for 400 ms afterwards), with the number of requests and the bytes received (CDP encodedDataLength),
// and, after it, the page's element count and JS heap (CDP Performance.getMetrics). Prints each curriculum's
// figures and their ratios against the baseline's (medians of --rounds rounds).
//
// --baseline COMMIT also measures each curriculum under that commit's learner.js (served by the bench in place
// of the current one), in the same rounds: the Learner view before and after a change.
//
// Needs a running API holding the curricula and a designer (or admin) key:
//   BENCH_BASE_URL=http://127.0.0.1:8000 BENCH_KEY=kgp_... node bench/bench_page_size.mjs \
//     --curricula small-50,junyi,big-3000 --rounds 3
// With --learner 'bench-{curriculum}' and BENCH_LEARNER_KEY (a teacher, service or admin key) it also opens
// that learner (who needs answers in the curriculum) in the Learner view, twice (the second reads the
// curriculum as a 304).
// (`kgplatform generate-curriculum --concepts 50 --curriculum-id small-50 --out s.json`, `import-curriculum
// s.json`; the same with --concepts 3000 --curriculum-id big-3000; `kgplatform import-dataset junyi
// --skip-invalid`). It leaves each curriculum as it was, but for the description and title it edits, which
// gain or lose " (bench)" each run, their versions and audit entries, and the plans this makes stale.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    curricula: { type: 'string', default: 'small-50,big-3000' },
    rounds: { type: 'string', default: '3' },
    search: { type: 'string', default: '1' },
    learner: { type: 'string', default: '' }, // e.g. 'bench-{curriculum}': also open that learner
    baseline: { type: 'string', default: '' }, // a commit: also measure the page with its learner.js
  },
});
const { chromium } = createRequire(join(root, 'ui', 'package.json'))('playwright-core');
const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const BASE = env('BENCH_BASE_URL');
const KEY = env('BENCH_KEY');
const CURRICULA = args.curricula.split(',');
// The page as it was at --baseline: its learner.js served in place of the current one (the API is the same).
const BASELINE_FILES = ['learner.js'];
const baselineFiles = args.baseline ? Object.fromEntries(BASELINE_FILES.map((file) => [file,
  execFileSync('git', ['show', `${args.baseline}:kgplatform/api/ui/${file}`], { cwd: root, maxBuffer: 1 << 24 })])) : null;
const PROBE = 'bench-page-probe';

async function call(method, path, body, ifMatch) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json', ...(ifMatch ? { 'If-Match': ifMatch } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Deletes the probe concept a run left, if any (with its ETag, as every delete needs). */
async function deleteProbe(probe) {
  const read = await call('GET', `/concepts/${encodeURIComponent(probe)}`);
  if (read) await call('DELETE', `/concepts/${encodeURIComponent(probe)}?cascade=true`, null, read.headers.get('etag'));
}

/** A concept with no edges in `curriculum`, the far end of the prerequisite the bench adds. */
async function createProbe(curriculum) {
  const probe = `${curriculum}-${PROBE}`;
  await deleteProbe(probe);
  await call('POST', `/curricula/${encodeURIComponent(curriculum)}/concepts`,
    { id: probe, name: 'zzz bench probe', description: '', tags: [], difficulty: 0.5 });
  return probe;
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });

async function measureOne(curriculum, probe, baseline = false) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  if (baseline) {
    await context.route((url) => BASELINE_FILES.some((file) => url.pathname === `/ui/${file}`), (route) => route.fulfill({
      body: baselineFiles[new URL(route.request().url()).pathname.slice('/ui/'.length)], contentType: 'text/javascript',
    }));
  }
  await context.addInitScript(([key, cur]) => {
    if (sessionStorage.getItem('kgp.apiKey')) return; // a reload, signed in with another key meanwhile
    sessionStorage.setItem('kgp.apiKey', key);
    sessionStorage.setItem('kgp-curriculum', cur);
  }, [KEY, curriculum]);
  const page = await context.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  let requests = 0;
  let bytes = 0;
  let lastDone = 0;
  const inFlight = new Set();
  cdp.on('Network.requestWillBeSent', ({ requestId }) => { inFlight.add(requestId); requests += 1; });
  const done = ({ requestId }) => { inFlight.delete(requestId); lastDone = Date.now(); };
  cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; done(event); });
  cdp.on('Network.loadingFailed', done);
  const figures = {};
  /** Runs `act`, waits until no request is in flight for 400 ms, records the step. */
  const step = async (name, act, settled = async () => {}) => {
    requests = 0;
    bytes = 0;
    const started = Date.now();
    lastDone = started;
    await act();
    await settled();
    let quietSince = Date.now();
    while (Date.now() - quietSince < 400) {
      await page.waitForTimeout(50);
      if (inFlight.size) quietSince = Date.now();
    }
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (key) => metrics.find((m) => m.name === key)?.value ?? 0;
    figures[name] = {
      ms: Math.max(lastDone, started) - started,
      requests,
      kb: bytes / 1024,
      nodes: await page.evaluate(() => document.getElementsByTagName('*').length),
      heapMb: metric('JSHeapUsedSize') / 2 ** 20,
    };
  };
  await step('first usable page', () => page.goto(`${BASE}/ui/`),
    () => page.waitForSelector('#concept-list .concept-link', { timeout: 120_000 }));
  await step('search', async () => {
    await page.fill('#search-q', args.search);
    await page.press('#search-q', 'Enter');
  }, () => page.waitForFunction((q) => document.querySelector('#page-info').textContent && document.querySelector('#search-q').value === q, args.search));
  await step('open a concept', () => page.locator('#concept-list .concept-link').first().click(),
    () => page.waitForSelector('#concept-detail:not([hidden]) #task-list li'));
  const concept = await page.textContent('#concept-id');
  const form = page.locator('#concept-form');
  await step('save the concept', async () => {
    const text = await form.locator('textarea[name=description]').inputValue();
    await form.locator('textarea[name=description]').fill(text.endsWith(' (bench)') ? text.slice(0, -8) : `${text} (bench)`);
    await page.click('#concept-save');
  }, () => page.waitForFunction(() => /^Saved (?!task)/.test(document.querySelector('#message').textContent)));
  const hasTask = await page.locator('#task-list button[aria-label^="Edit task"]').count();
  if (hasTask) {
    await page.locator('#task-list button[aria-label^="Edit task"]').first().click();
    await step('save a task', async () => {
      const title = page.locator('#task-form input[name=title]');
      const text = await title.inputValue();
      await title.fill(text.endsWith(' (bench)') ? text.slice(0, -8) : `${text} (bench)`);
      await page.click('#task-submit');
    }, () => page.waitForFunction(() => /Saved task/.test(document.querySelector('#message').textContent)));
  }
  await step('add a prerequisite', async () => {
    await page.fill('#prereq-form input[name=other]', probe);
    await page.click('#prereq-form button[type=submit]');
  }, () => page.waitForSelector(`#direct-edges button[aria-label="Remove edge ${probe} to ${concept}"]`));
  await step('remove the prerequisite', () => page.click(`#direct-edges button[aria-label="Remove edge ${probe} to ${concept}"]`),
    () => page.waitForFunction((p) => !document.querySelector(`#direct-edges button[aria-label^="Remove edge ${p} "]`), probe));
  for (const depth of ['3', '10']) {
    await step(`graph depth ${depth}`, () => page.selectOption('#depth-select', depth),
      () => page.waitForFunction((d) => document.querySelector('#graph-status').textContent.includes(`depth ${d},`), depth));
  }
  await step('recent changes', () => page.click('#changes summary'), () => page.waitForSelector('#changes-rows tr'));
  if (args.learner) {
    // The Learner view: the curriculum coloured by a learner's mastery (a designer key may not read learners,
    // hence BENCH_LEARNER_KEY, signed in again in this tab).
    const learner = args.learner.replace('{curriculum}', curriculum);
    await page.evaluate((key) => sessionStorage.setItem('kgp.apiKey', key), env('BENCH_LEARNER_KEY'));
    await page.reload();
    await page.waitForSelector('body[data-signed-in=true]');
    await page.click('#tab-learner');
    await page.fill('#learner-id', learner);
    await step('open a learner', () => page.click('#learner-form button[type=submit]'),
      () => page.waitForSelector(`body[data-learner-loaded="${learner}"]`, { timeout: 120_000 }));
    await step('open it again', () => page.click('#learner-form button[type=submit]'),
      () => page.waitForSelector(`body[data-learner-loaded="${learner}"]`, { timeout: 120_000 }));
  }
  await context.close();
  return figures;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const probes = {};
for (const curriculum of CURRICULA) probes[curriculum] = await createProbe(curriculum);
// Each curriculum, and with --baseline each again under the baseline's page ("<curriculum> @<commit>").
const variants = CURRICULA.flatMap((c) => (args.baseline ? [[c, false], [c, true]] : [[c, false]]));
const label = ([c, baseline]) => (baseline ? `${c} @${args.baseline}` : c);
const runs = Object.fromEntries(variants.map((v) => [label(v), []]));
// One unrecorded round first: the API's and Neo4j's first reads of each curriculum (query plans, page cache).
for (const [curriculum, baseline] of variants) await measureOne(curriculum, probes[curriculum], baseline);
for (let round = 0; round < Number(args.rounds); round += 1) {
  // Alternating order, so a machine busier early or late does not favour one curriculum.
  const order = round % 2 ? [...variants].reverse() : variants;
  for (const variant of order) runs[label(variant)].push(await measureOne(variant[0], probes[variant[0]], variant[1]));
}
for (const curriculum of CURRICULA) await deleteProbe(probes[curriculum]);
await browser.close();

const medians = Object.fromEntries(Object.keys(runs).map((c) => {
  const steps = Object.keys(runs[c][0]);
  return [c, Object.fromEntries(steps.map((s) => [s, Object.fromEntries(
    Object.keys(runs[c][0][s]).map((k) => [k, median(runs[c].map((r) => r[s]?.[k] ?? 0))]))]))];
}));
const [baseline] = CURRICULA;
const fmt = (v, digits = 0) => v.toFixed(digits);
const ratio = (v, b) => (b ? `x${(v / b).toFixed(2)}` : '-');
console.log(`medians of ${args.rounds} rounds; ratios against ${baseline} (same run)`);
for (const curriculum of Object.keys(runs)) {
  console.log(`\n${curriculum}`);
  console.log('step'.padEnd(24), 'ms'.padStart(7), 'ratio'.padStart(7), 'reqs'.padStart(5), 'KB'.padStart(8), 'ratio'.padStart(7),
    'elements'.padStart(10), 'ratio'.padStart(7), 'heap MB'.padStart(8));
  for (const [name, f] of Object.entries(medians[curriculum])) {
    const b = medians[baseline][name] ?? {};
    console.log(name.padEnd(24), fmt(f.ms).padStart(7), ratio(f.ms, b.ms).padStart(7), fmt(f.requests).padStart(5),
      fmt(f.kb, 1).padStart(8), ratio(f.kb, b.kb).padStart(7), fmt(f.nodes).padStart(10), ratio(f.nodes, b.nodes).padStart(7),
      fmt(f.heapMb, 1).padStart(8));
  }
}
