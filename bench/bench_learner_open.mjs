// Opening a learner on the web page from a phone on a slow network, as the page is now against the page of
// an earlier commit (its learner.js, read with `git show`, served in its place), measured in the same run.
//
// Chromium (Debian's /usr/bin/chromium, through ui/'s playwright-core) at 390x844 with touch, the network
// throttled through CDP (Network.emulateNetworkConditions: --kbits down and up, --latency ms) once the page
// is loaded and signed in. For each variant, in alternating order over --rounds rounds, a fresh tab opens the
// learner twice (a teacher's first look, then "Open learner" again to see it fresh): the time from the tap
// on "Open learner" to the panels filled (body[data-learner-loaded]), and the bytes the page received
// (CDP encodedDataLength: headers and bodies) until no request was in flight for a second. "now, plot
// viewed" also scrolls to the report's plot after each opening and waits for it. Then the page's first load
// (cache disabled) until the sign-in form can be used, its files asked for uncompressed (Accept-Encoding:
// identity, as the API sent them before 3 December 2026) against gzip, and gzip with index.html's
// modulepreload links taken out (as it was before 4 December 2026: each level of imports a round trip).
// Prints medians and the ratios of the medians against the baselines. `--page-load-only`: only the page
// loads (BENCH_KEY and BENCH_LEARNER are then not needed).
//
// Needs a running API with a learner that has a report, and a teacher (or service, admin) key, e.g. the
// browser tests' world (tests/e2e/seed.py), or the demo's:
//   BENCH_BASE_URL=http://127.0.0.1:8000 BENCH_KEY=kgp_... BENCH_LEARNER=demo-learner-1 \
//     node bench/bench_learner_open.mjs --baseline fb6645f --rounds 3

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'ui', 'package.json'))('playwright-core');
const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string', default: 'fb6645f' },
    rounds: { type: 'string', default: '3' },
    kbits: { type: 'string', default: '400' },
    latency: { type: 'string', default: '400' },
    'page-load-only': { type: 'boolean', default: false },
  },
});
const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const BASE = env('BENCH_BASE_URL');
const KEY = args['page-load-only'] ? '' : env('BENCH_KEY');
const LEARNER = args['page-load-only'] ? '' : env('BENCH_LEARNER');
const UI_FILES = ['learner.js', 'api.js', 'dom.js', 'styles.css'];
const baselineFiles = Object.fromEntries(UI_FILES.map((file) => [file,
  execFileSync('git', ['show', `${args.baseline}:kgplatform/api/ui/${file}`], { cwd: root, maxBuffer: 1 << 24 })]));
const THROTTLE = {
  offline: false,
  latency: Number(args.latency),
  downloadThroughput: (Number(args.kbits) * 1000) / 8,
  uploadThroughput: (Number(args.kbits) * 1000) / 8,
};

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });

/** One tab: sign in, throttle, open the learner twice; [ms, bytes] of each opening. */
async function run(variant) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  if (variant === 'baseline') {
    await page.route((url) => UI_FILES.some((file) => url.pathname === `/ui/${file}`), (route) => {
      const file = new URL(route.request().url()).pathname.slice('/ui/'.length);
      return route.fulfill({ body: baselineFiles[file], contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript' });
    });
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  const inFlight = new Set();
  let lastMoved = Date.now();
  cdp.on('Network.requestWillBeSent', ({ requestId }) => { inFlight.add(requestId); lastMoved = Date.now(); });
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    bytes += encodedDataLength;
    inFlight.delete(requestId);
    lastMoved = Date.now();
  });
  cdp.on('Network.loadingFailed', ({ requestId }) => { inFlight.delete(requestId); lastMoved = Date.now(); });
  const quiet = async () => {
    while (inFlight.size || Date.now() - lastMoved < 1000) await page.waitForTimeout(100);
  };
  await page.goto(`${BASE}/ui/`);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Sign in' }).tap();
  await page.waitForSelector('body[data-signed-in=true]');
  await page.getByRole('tab', { name: 'Learner' }).tap();
  await quiet();
  await cdp.send('Network.emulateNetworkConditions', THROTTLE);
  const openings = [];
  for (let i = 0; i < 2; i += 1) {
    await page.evaluate(() => { delete document.body.dataset.learnerLoaded; });
    await page.getByLabel('Learner id').fill(LEARNER);
    bytes = 0;
    const started = Date.now();
    await page.getByRole('button', { name: 'Open learner' }).tap();
    await page.waitForSelector(`body[data-learner-loaded="${LEARNER}"]`, { timeout: 120_000 });
    let ms = Date.now() - started;
    if (variant === 'viewed') {
      await page.locator('#learner-report .report-plot').scrollIntoViewIfNeeded();
      await page.locator('#learner-report img.report-png').waitFor({ timeout: 120_000 });
      ms = Date.now() - started;
    }
    await quiet();
    openings.push([ms, bytes]);
  }
  await context.close();
  return openings;
}

/** The page's first load on the throttled network, its cache empty, until the sign-in form can be used: [ms,
 * bytes]. `identity`: the page's files asked for uncompressed, as the API sent them before they were gzipped.
 * `preload` true or false: index.html handed to the page by the bench (decoded, as route.fulfill does not
 * decode a compressed body), with or without its modulepreload links; null: as the API sends it. */
async function loadPage(identity, preload = null) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  if (identity) await context.setExtraHTTPHeaders({ 'Accept-Encoding': 'identity' });
  const page = await context.newPage();
  if (preload !== null) {
    await page.route((url) => url.pathname === '/ui/' || url.pathname === '/ui/index.html', async (route) => {
      const response = await route.fetch();
      const text = await response.text();
      const body = preload ? text : text.replace(/\n\s*<link rel="modulepreload"[^>]*>/g, '');
      const headers = Object.fromEntries(Object.entries(response.headers())
        .filter(([name]) => !['content-encoding', 'content-length'].includes(name)));
      await route.fulfill({ response, body, headers });
    });
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', THROTTLE);
  let bytes = 0;
  cdp.on('Network.loadingFinished', ({ encodedDataLength }) => { bytes += encodedDataLength; });
  const started = Date.now();
  await page.goto(`${BASE}/ui/`);
  await page.waitForSelector('#signin-fields:not([disabled])', { timeout: 120_000 });
  const ms = Date.now() - started;
  await context.close();
  return [ms, bytes];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const VARIANTS = ['baseline', 'now', 'viewed'];
const results = Object.fromEntries(VARIANTS.map((v) => [v, [[], []]]));
const loads = { identity: [], gzip: [], preloaded: [], unpreloaded: [] };
const LOADS = { identity: [true], gzip: [false], preloaded: [false, true], unpreloaded: [false, false] };
for (let round = 0; round < Number(args.rounds); round += 1) {
  const order = round % 2 ? [...VARIANTS].reverse() : VARIANTS;
  for (const variant of args['page-load-only'] ? [] : order) {
    const openings = await run(variant);
    openings.forEach((opening, i) => results[variant][i].push(opening));
  }
  const loadOrder = round % 2 ? Object.keys(LOADS).reverse() : Object.keys(LOADS);
  for (const name of loadOrder) loads[name].push(await loadPage(...LOADS[name]));
}
await browser.close();

const NAMES = { baseline: `baseline (${args.baseline})`, now: 'now', viewed: 'now, plot viewed' };
console.log(`learner ${LEARNER || '-'}, 390x844 touch, ${args.kbits} kbit/s, ${args.latency} ms latency, ${args.rounds} round(s); medians`);
for (const [i, what] of args['page-load-only'] ? [] : [[0, 'first opening'], [1, 'opened again']]) {
  const [baseMs, baseBytes] = [median(results.baseline[i].map(([ms]) => ms)), median(results.baseline[i].map(([, b]) => b))];
  for (const variant of VARIANTS) {
    const ms = median(results[variant][i].map(([m]) => m));
    const bytes = median(results[variant][i].map(([, b]) => b));
    console.log(`${what.padEnd(14)} ${NAMES[variant].padEnd(26)} ${String(ms).padStart(6)} ms ${String(bytes).padStart(8)} bytes`
      + `   time x${(ms / baseMs).toFixed(2)}, bytes x${(bytes / baseBytes).toFixed(2)}`);
  }
}
const [idMs, idBytes] = [median(loads.identity.map(([ms]) => ms)), median(loads.identity.map(([, b]) => b))];
const [gzMs, gzBytes] = [median(loads.gzip.map(([ms]) => ms)), median(loads.gzip.map(([, b]) => b))];
console.log(`page load, sign-in usable: uncompressed ${idMs} ms ${idBytes} bytes; gzip ${gzMs} ms ${gzBytes} bytes`
  + `   time x${(gzMs / idMs).toFixed(2)}, bytes x${(gzBytes / idBytes).toFixed(2)}`);
const [npMs, npBytes] = [median(loads.unpreloaded.map(([ms]) => ms)), median(loads.unpreloaded.map(([, b]) => b))];
const [pMs, pBytes] = [median(loads.preloaded.map(([ms]) => ms)), median(loads.preloaded.map(([, b]) => b))];
console.log(`page load, sign-in usable, gzip, index.html handed over by the bench: without modulepreload ${npMs} ms`
  + ` ${npBytes} bytes; with ${pMs} ms ${pBytes} bytes   time x${(pMs / npMs).toFixed(2)}, bytes x${(pBytes / npBytes).toFixed(2)}`);
