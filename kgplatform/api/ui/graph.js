// The graph views, drawn with cytoscape.js (vendored ES-module build, see ui/scripts/vendor.mjs).
// Prerequisite edges are solid arrows (learn the source first); transfer edges from the model are
// dashed, their width growing with strength and labelled with it. Layout: layers by longest
// prerequisite path, prerequisites on the left, so the reading order is the learning order.

import cytoscape from './vendor/cytoscape.esm.min.js';

const STYLE = [
  {
    selector: 'node',
    style: {
      shape: 'round-rectangle',
      'background-color': '#e8eef7',
      'border-width': 1,
      'border-color': '#7a8ca5',
      label: 'data(label)',
      'font-size': 11,
      'text-wrap': 'wrap',
      'text-max-width': 110,
      'text-valign': 'center',
      width: 120,
      height: 38,
    },
  },
  { selector: 'node.focus', style: { 'border-width': 3, 'border-color': '#1f4e99', 'background-color': '#cfe0ff' } },
  { selector: 'node.outside', style: { 'background-color': '#f4f0fa', 'border-style': 'dashed', 'border-color': '#8e6bbf' } },
  { selector: 'node.mastery', style: { 'background-color': 'data(color)', color: '#111' } },
  { selector: 'node.unpractised', style: { 'background-color': '#eeeeee', color: '#555' } },
  { selector: 'node.goal', style: { 'border-width': 4, 'border-color': '#111' } },
  { selector: 'node.planned', style: { 'outline-width': 3, 'outline-color': '#1f4e99', 'outline-offset': 2 } },
  { selector: 'node:selected', style: { 'overlay-opacity': 0.12, 'overlay-color': '#1f4e99' } },
  {
    selector: 'edge.prereq',
    style: {
      width: 'data(width)',
      'line-color': '#5b6b80',
      'target-arrow-color': '#5b6b80',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
    },
  },
  {
    selector: 'edge.transfer',
    style: {
      width: 'data(width)',
      'line-style': 'dashed',
      'line-dash-pattern': [6, 4],
      'line-color': '#8e44ad',
      'target-arrow-color': '#8e44ad',
      'target-arrow-shape': 'vee',
      'curve-style': 'unbundled-bezier',
      'control-point-distances': [40],
      label: 'data(label)',
      'font-size': 10,
      color: '#6c2d8a',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': 1,
    },
  },
  { selector: '.hidden', style: { display: 'none' } },
];

/** More concepts than this linked to none of the others drawn go in a grid under the layers, not in column 0. */
export const ALONE_IN_COLUMN = 6;

/** Columns by longest path over prerequisite edges; rows ordered by the mean row of predecessors. Concepts
 * linked to no other concept drawn, when there are more than ALONE_IN_COLUMN of them, go in a grid of about
 * the graph's proportions under the layers: in the learner view's cut of a big curriculum most concepts drawn
 * are such, and column 0 stood 150 and more concepts tall, which fitting shrank past reading (a review, s38). */
export function layeredPositions(nodeIds, prereqEdges, { dx = 165, dy = 62 } = {}) {
  const preds = new Map(nodeIds.map((id) => [id, []]));
  const linked = new Set();
  for (const e of prereqEdges) {
    if (preds.has(e.source) && preds.has(e.target) && e.source !== e.target) {
      preds.get(e.target).push(e.source);
      linked.add(e.source).add(e.target);
    }
  }
  const alone = nodeIds.filter((id) => !linked.has(id));
  if (alone.length > ALONE_IN_COLUMN) {
    const positions = alone.length < nodeIds.length ? layeredPositions(nodeIds.filter((id) => linked.has(id)), prereqEdges, { dx, dy }) : {};
    const placed = Object.values(positions);
    const columns = placed.length ? Math.round(Math.max(...placed.map((q) => q.x)) / dx) + 1 : 0;
    // About 3:2 wide, as the graph's box: c * dx = 1.5 * r * dy with c * r = alone.length.
    const perRow = Math.max(columns, Math.ceil(Math.sqrt((1.5 * dy * alone.length) / dx)));
    const top = placed.length ? Math.max(...placed.map((q) => q.y)) + 2 * dy : 0;
    [...alone].sort((a, b) => a.localeCompare(b)).forEach((id, i) => {
      positions[id] = { x: (i % perRow) * dx, y: top + Math.floor(i / perRow) * dy };
    });
    return positions;
  }
  const layer = new Map();
  const visiting = new Set();
  const depth = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0; // a cycle cannot be stored, but never loop on bad data
    visiting.add(id);
    const d = preds.get(id).reduce((m, p) => Math.max(m, depth(p) + 1), 0);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  nodeIds.forEach(depth);
  const columns = [];
  for (const id of nodeIds) (columns[layer.get(id)] ??= []).push(id);
  const rows = wrapRows(columns.filter(Boolean).map((ids) => ids.length), dx, dy); // a cycle in bad data leaves holes
  const row = new Map();
  const positions = {};
  let left = 0; // the sub-columns of the layers before
  columns.forEach((ids) => {
    const key = (id) => {
      const ps = preds.get(id).filter((p) => row.has(p));
      return ps.length ? ps.reduce((s, p) => s + row.get(p), 0) / ps.length : Infinity;
    };
    ids.sort((a, b) => key(a) - key(b) || a.localeCompare(b));
    const tall = Math.min(ids.length, rows);
    ids.forEach((id, y) => {
      row.set(id, y);
      positions[id] = { x: (left + Math.floor(y / rows)) * dx, y: ((y % rows) - (tall - 1) / 2) * dy };
    });
    left += Math.ceil(ids.length / rows);
  });
  return positions;
}

/** A column is never drawn taller than this many rows unless the drawing is narrow anyway. */
const MIN_WRAP_ROWS = 8;

/** How many rows a layer may take before it wraps into another sub-column beside it (still left of the next
 * layer, so prerequisites stay to the left): the most that keeps the drawing about 3:2 wide, as the graph's
 * box. One layer 100 concepts tall was drawn as one column that fitting shrank past reading (a review, s38). */
function wrapRows(sizes, dx, dy) {
  let rows = Math.max(0, ...sizes);
  const wide = (r) => sizes.reduce((n, size) => n + Math.ceil(size / r), 0) * dx >= 1.5 * r * dy;
  while (rows > MIN_WRAP_ROWS && !wide(rows)) rows -= 1;
  return Math.max(1, rows);
}

/**
 * What to draw of a neighbourhood too big to draw quickly: whole rings of concepts at the same distance
 * from the focus, nearest first, as many rings as `cap` concepts hold (if the nearest ring alone holds
 * more, the first `cap` by distance and id). Hundreds of nodes with their transfer edges took cytoscape
 * seconds to lay out and draw, with the page frozen meanwhile (a review, s37). `reach`: the farthest
 * distance drawn whole (null when nothing is left out or even the first ring was cut).
 */
export function nearestRings(nodes, cap) {
  if (nodes.length <= cap) return { kept: nodes, left: 0, reach: null };
  // The neighbourhood's distance is signed: below 0 for prerequisites, above 0 for dependants.
  const far = (n) => Math.abs(n.distance ?? 0);
  const sorted = [...nodes].sort((a, b) => far(a) - far(b) || String(a.id).localeCompare(String(b.id)));
  let end = 0;
  let reach = null;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && far(sorted[j]) === far(sorted[i])) j += 1;
    if (j > cap) break;
    end = j;
    reach = far(sorted[i]);
    i = j;
  }
  // The focus alone would say nothing: its nearest neighbours fill the cap instead.
  if (end <= 1) return { kept: sorted.slice(0, cap), left: sorted.length - cap, reach: null };
  return { kept: sorted.slice(0, end), left: sorted.length - end, reach };
}

/**
 * The transfer edges to draw around the concepts `drawn`: every one between two of them, and of those
 * reaching a concept not drawn (an "outside" node each) the strongest, as long as at most `budget`
 * outside nodes come with them. The model's few hundred edges around a big neighbourhood added as many
 * nodes again as the neighbourhood itself. `left`: the edges not drawn.
 */
export function capTransfers(transfers, drawn, budget) {
  const outside = new Set();
  const shown = [];
  for (const t of [...transfers].sort((a, b) => b.strength - a.strength)) {
    const adds = [t.source, t.target].filter((id) => !drawn.has(id) && !outside.has(id));
    if (outside.size + new Set(adds).size > budget) continue;
    for (const id of adds) outside.add(id);
    shown.push(t);
  }
  return { shown, left: transfers.length - shown.length };
}

/** How far (CSS px) one finger moves over a graph before it is a swipe rather than a tap (cytoscape's own
 * tap threshold is 8). */
export const SWIPE_PX = 10;
export const TWO_FINGERS_HINT = 'Use two fingers to move the graph';
/** How long the hint stays after the last one-finger swipe. */
const HINT_MS = 2500;

/**
 * What a touch on a graph is for, as map widgets read it: one finger is the page's (it scrolls the page, and a
 * tap is still a tap), two or more are the graph's (pan and pinch), and the gesture stays the graph's until
 * every finger is lifted. `mode`: the gesture's so far (null: no finger down); `fingers`: how many are down.
 */
export function touchMode(mode, fingers) {
  if (fingers <= 0) return null;
  return fingers >= 2 || mode === 'graph' ? 'graph' : 'page';
}

/** Whether a finger gone from `start` to `now` ({x, y}, CSS px) has moved far enough to be a swipe. */
export function isSwipe(start, now, threshold = SWIPE_PX) {
  return Math.hypot(now.x - start.x, now.y - start.y) > threshold;
}

/**
 * The viewport after two fingers went from `before` to `after` (each two {x, y}, px from the graph's top left):
 * the point of the graph under their midpoint stays under it (they pan), and the zoom grows as they spread
 * (they pinch), within [minZoom, maxZoom].
 */
export function twoFingerViewport({ zoom, pan }, before, after, { minZoom = 0.1, maxZoom = 3 } = {}) {
  const middle = ([a, b]) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const gap = ([a, b]) => Math.hypot(a.x - b.x, a.y - b.y);
  const [from, to] = [middle(before), middle(after)];
  const spread = gap(before) > 0 ? gap(after) / gap(before) : 1;
  const next = Math.min(maxZoom, Math.max(minZoom, zoom * spread));
  const scale = next / zoom;
  return { zoom: next, pan: { x: to.x - (from.x - pan.x) * scale, y: to.y - (from.y - pan.y) * scale } };
}

/**
 * Gives one finger over the graph to the page and two to the graph, as map widgets do: on a phone the graph is
 * 320 px of the screen's height, and a swipe over it panned the graph instead of scrolling the page.
 * cytoscape's options cannot say this: userPanningEnabled off also turns off its pinch, it calls
 * preventDefault on every move of a finger that started on a node (which stops the page's scroll, whatever
 * touch-action says), and two fingers less than 200 px apart (a phone's) are its context tap, which neither
 * pans nor zooms. So while a finger is down cytoscape pans nothing and drags no node; it sees one finger's
 * moves but cannot cancel them (so a swipe ends in no tap and selects nothing) and the browser scrolls; two
 * fingers' moves pan and zoom here (twoFingerViewport), unseen by cytoscape. Mouse and wheel are
 * cytoscape's as before. `hint` says, after a one-finger swipe, to use two fingers.
 */
function shareTouchWithPage(cy, container, hint) {
  let mode = null;
  let start = null;
  let hinted = false;
  let last = null; // the two fingers at the previous move, in the graph's px
  let hideTimer = null;
  const follow = (fingers) => {
    mode = touchMode(mode, fingers);
    last = null; // a finger came or went: the next move starts from where the fingers are then
    if (mode === null) {
      // After cytoscape's own touchend listener, which selects a tapped node unless autounselectify.
      setTimeout(() => {
        if (mode !== null) return;
        cy.userPanningEnabled(true);
        cy.autoungrabify(false);
        cy.autounselectify(false);
      }, 0);
      return;
    }
    cy.userPanningEnabled(false);
    cy.autoungrabify(true);
    cy.autounselectify(mode === 'graph'); // the first finger's node is not selected by a pinch
  };
  const showHint = () => {
    // Written once per showing: a live region reads text written again a second time.
    if (!hint.classList.contains('shown')) {
      hint.textContent = TWO_FINGERS_HINT;
      hint.classList.add('shown');
    }
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      hint.classList.remove('shown');
      hint.textContent = '';
    }, HINT_MS);
  };
  const twoFingers = (touches) => {
    const box = container.getBoundingClientRect();
    return [...touches].sort((a, b) => a.identifier - b.identifier).slice(0, 2)
      .map((t) => ({ x: t.clientX - box.left, y: t.clientY - box.top }));
  };
  // Capture on the container: before cytoscape's listeners (on the container and on the window) see the event.
  container.addEventListener('touchstart', (event) => {
    if (mode === null) {
      start = { x: event.touches[0].clientX, y: event.touches[0].clientY };
      hinted = false;
    }
    follow(event.touches.length);
  }, { capture: true, passive: true });
  container.addEventListener('touchmove', (event) => {
    if (mode === null) return;
    if (mode === 'page') {
      // cytoscape's preventDefault does nothing on this event (an own property hides Event's): it still follows
      // the finger, and the page scrolls.
      event.preventDefault = () => {};
      const finger = event.touches[0];
      if (!hinted && isSwipe(start, { x: finger.clientX, y: finger.clientY })) {
        hinted = true;
        showHint();
      }
      return;
    }
    // The graph's gesture, not cytoscape's: the page neither scrolls nor zooms under it (unless it had begun to).
    event.stopPropagation();
    if (event.cancelable) event.preventDefault();
    if (event.touches.length < 2) return;
    const now = twoFingers(event.touches);
    const limits = { minZoom: cy.minZoom(), maxZoom: cy.maxZoom() };
    if (last) cy.viewport(twoFingerViewport({ zoom: cy.zoom(), pan: cy.pan() }, last, now, limits));
    last = now;
  }, { capture: true, passive: false });
  const lift = (event) => follow(event.touches.length);
  container.addEventListener('touchend', lift, { capture: true, passive: true });
  container.addEventListener('touchcancel', lift, { capture: true, passive: true });
}

export function createGraph(container, { onNodeTap } = {}) {
  const cy = cytoscape({
    container,
    style: STYLE,
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 3,
    boxSelectionEnabled: false,
  });
  if (onNodeTap) cy.on('tap', 'node', (event) => onNodeTap(event.target.id()));
  // Outside the graph's element, whose role=img makes its children presentational (not read out).
  const hint = document.createElement('p');
  hint.className = 'graph-hint';
  hint.setAttribute('role', 'status');
  hint.setAttribute('aria-live', 'polite');
  container.after(hint);
  shareTouchWithPage(cy, container, hint);
  // The canvases keep the size they were drawn at: when the layout reflows (a narrow window, zoom), the
  // old width would stick out of the column and make the page scroll sideways.
  new ResizeObserver(() => cy.resize()).observe(container);
  return cy;
}

// An edge's id joins its kind and ends with a line feed, which no id holds (ids refuse control characters):
// `p:${source}->${target}` made x -> "y->z" and "x->y" -> z one id, and a concept named "p:a->b" took the
// edge a -> b's, and cytoscape drops an element whose id is taken without a word (a review, 3 December).
const edgeId = (kind, source, target) => [kind, source, target].join('\n');

const prereqElement = (e) => ({
  group: 'edges',
  classes: 'prereq',
  data: {
    id: edgeId('p', e.prerequisite, e.concept),
    source: e.prerequisite,
    target: e.concept,
    weight: e.weight ?? 1,
    width: Math.min(6, 1.2 + Math.log1p(e.weight ?? 1)),
  },
});

const transferElement = (t) => ({
  group: 'edges',
  classes: 'transfer',
  data: {
    id: edgeId('t', t.source, t.target),
    source: t.source,
    target: t.target,
    strength: t.strength,
    width: 1 + 6 * Math.max(0, Math.min(1, t.strength)),
    label: t.strength.toFixed(2),
  },
});

/**
 * Draws `nodes` ({id, label, classes, data}), prerequisite `edges` (the API's {prerequisite, concept,
 * weight}) and `transfers` ({source, target, strength}); transfer endpoints not among the nodes are
 * added as "outside" nodes, since transfer often links concepts the prerequisites do not.
 */
export function draw(cy, { nodes, edges, transfers = [], names = {} }) {
  const ids = new Set(nodes.map((n) => n.id));
  const outside = [];
  for (const t of transfers) {
    for (const id of [t.source, t.target]) {
      if (!ids.has(id)) {
        ids.add(id);
        outside.push({ id, label: names[id] ?? id, classes: 'outside' });
      }
    }
  }
  const all = [...nodes, ...outside];
  const prereqs = edges.filter((e) => ids.has(e.prerequisite) && ids.has(e.concept));
  const positions = layeredPositions(
    nodes.map((n) => n.id),
    prereqs.map((e) => ({ source: e.prerequisite, target: e.concept })),
  );
  // Outside nodes go in a row below the layered drawing.
  const bottom = Math.max(0, ...Object.values(positions).map((p) => p.y)) + 110;
  outside.forEach((n, i) => { positions[n.id] = { x: i * 165, y: bottom }; });
  cy.batch(() => {
    cy.elements().remove();
    cy.add(all.map((n) => ({
      group: 'nodes',
      classes: n.classes ?? '',
      data: { id: n.id, label: n.label, ...(n.data ?? {}) },
      position: positions[n.id],
    })));
    cy.add(prereqs.map(prereqElement));
    cy.add(transfers.map(transferElement));
  });
  cy.resize();
  cy.fit(undefined, 30);
  return { prerequisites: prereqs.length, transfers: transfers.length, outside: outside.length };
}

export function setTransfersVisible(cy, visible) {
  cy.edges('.transfer').toggleClass('hidden', !visible);
  cy.nodes('.outside').toggleClass('hidden', !visible);
}

/** Red (0) through yellow (0.5) to green (1): the learner view's mastery colour. */
export function masteryColour(p) {
  const stops = [[215, 48, 39], [254, 224, 139], [26, 152, 80]];
  const x = Math.max(0, Math.min(1, p)) * 2;
  const i = Math.min(1, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c.join(',')})`;
}
