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
