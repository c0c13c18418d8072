// The page's one way to call the API: the key from sessionStorage as X-API-Key, ETags out,
// problem+json (RFC 9457) turned into an ApiError that keeps the API's own message and details.

const KEY_STORAGE = 'kgp.apiKey';

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** An error answer from the API; `problem` is its problem+json body (title, detail, field, ...). `byPage`: the
 * page refused the input itself and sent nothing (`pageRefusal`). */
export class ApiError extends Error {
  constructor(status, problem, { byPage = false } = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.byPage = byPage;
  }

  /** True when the route itself is missing (not a missing resource): this server does not have it yet. */
  get routeMissing() {
    // A missing resource is the API's own 404 ("Not found", naming the id); a missing route is the
    // router's ("Not Found", "no route matches ...").
    const detail = String(this.problem.detail ?? '');
    return (this.status === 404 && (detail === 'Not Found' || detail.startsWith('no route matches')))
      || this.status === 405;
  }
}

/** A refusal the page makes before sending anything (a number it cannot read, an id no learner can have): a 422
 * to the code that marks the fields it names, as the API's own would be, but its heading shows no status, since
 * no server answered ("Not a number the page can read (422)" read as the API's answer: a review, 5 December
 * 2026). */
export const pageRefusal = (problem) => new ApiError(422, problem, { byPage: true });

// Told of a 401 answered to a request that sent a key: the key was revoked (or expired) mid-session.
let keyRefused = () => {};

/** `handler(error)` is called on each 401 answered to a request sent with a key, before it is thrown. */
export function onKeyRefused(handler) {
  keyRefused = handler;
}

/** An id as one path segment; the API decodes %2F back to '/', which its :id routes accept. */
export const seg = (id) => encodeURIComponent(id);

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** What an error answer without a problem+json body means: a proxy's own page (502, 503, 504) or a server
 * being restarted. "Service Unavailable (503) HTTP 503" told the designer nothing to do (a review, s37). */
function problemWithoutBody(status, statusText, retryAfter) {
  const title = statusText || `HTTP ${status}`;
  if (status < 500) return { title, detail: `HTTP ${status}` };
  const when = /^\d+$/.test(retryAfter ?? '') ? `in ${retryAfter} s` : 'in a minute';
  return {
    title,
    detail: `The API, or a proxy in front of it, answered HTTP ${status} without saying why: it is down or `
      + `restarting. Try again ${when}; what you typed is still on the page (after a save, Reload shows whether it `
      + 'was stored).',
  };
}

/** The API's 413 in the page's words. Its own advice, "split it (POST /answers takes batches)", is for services
 * posting answers, and a designer whose save or import was refused read it as the reason (a review, 6 December
 * 2026): said instead is how large a request may be, that the text typed or the files chosen are still on the
 * page, and what to do. The problem's other members (field, max_bytes) stay as they are. */
export function tooLarge(problem) {
  const most = typeof problem.max_bytes === 'number' ? `${problem.max_bytes.toLocaleString('en-US')} bytes` : 'the size';
  return {
    ...problem,
    detail: `The request is larger than the API takes (${most}), so nothing was changed; what you typed or chose is `
      + 'still on the page. Shorten the longest text (a description, say), or import the files in parts (say '
      + 'concepts first, then prerequisites and tasks: an import adds and updates, it never deletes).',
  };
}

/** What a request that got no answer at all means (the API stopped, the network down): "Network error (0) the
 * API did not answer: Failed to fetch" said neither what to do nor that the typed text was safe, which a
 * proxy's 502 said (a review, 5 December 2026). */
export function noAnswer(error) {
  return {
    title: 'No answer from the API',
    detail: `The API did not answer (${error.message}): it is down, restarting or out of reach. Try again in a `
      + 'minute; what you typed is still on the page (after a save, Reload shows whether it was stored).',
  };
}

// The requests in flight, each {at, call}: the page says so when one has waited a while (app.js). A slow API left
// a click on a concept, a Save or a sign-in without a sign of life for seconds: the page looked as if it had
// ignored the click (a review, 5 December 2026). A call leaves the set only once its caller is handed the answer.
const inFlight = new Set();
let flightChanged = () => {};

/** `handler()` is called whenever a request starts or ends. */
export function onFlightChange(handler) {
  flightChanged = handler;
}

/** When the request waiting longest was sent (Date.now() ms), or null when none is in flight. */
export function waitingSince() {
  let oldest = null;
  for (const { at } of inFlight) oldest = oldest === null ? at : Math.min(oldest, at);
  return oldest;
}

/** The calls in flight, each "METHOD path?query" as sent. A call is here until its caller has been handed the
 * answer (or the error), so one gone from here, seen from a later task, has been taken in by the code awaiting
 * it up to that code's next await: what the browser test waits for before it checks that a late answer it let
 * go changed nothing (a fixed wait let that check pass whether or not the answer had been handled). */
export function callsInFlight() {
  return [...inFlight].map(({ call }) => call);
}

/**
 * Calls the API. `body` is sent as JSON unless it is FormData; `ifMatch` is an ETag; `ifNoneMatch` the ETag
 * of a copy the caller holds, answered 304 (status 304, data null) while it is current.
 * Returns {data, etag, status}; throws ApiError for any other non-2xx answer.
 */
export async function api(method, path, options = {}) {
  const url = withQuery(path, options.query);
  const flight = { at: Date.now(), call: `${method} ${url}` };
  inFlight.add(flight);
  flightChanged();
  try {
    return await send(method, url, options);
  } finally {
    inFlight.delete(flight);
    flightChanged();
  }
}

async function send(method, url, { body, ifMatch, ifNoneMatch, as = 'json' } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const key = getKey();
  if (key) headers['X-API-Key'] = key;
  if (ifMatch) headers['If-Match'] = ifMatch;
  // Set by the script, it makes the browser hand the 304 over rather than answer from its own cache.
  if (ifNoneMatch) headers['If-None-Match'] = ifNoneMatch;
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload });
  } catch (error) {
    throw new ApiError(0, noAnswer(error));
  }
  if (response.status === 304 && ifNoneMatch) return { data: null, etag: response.headers.get('ETag'), status: 304 };
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = problemWithoutBody(response.status, response.statusText, response.headers.get('Retry-After'));
    }
    if (response.status === 413) problem = tooLarge(problem);
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && key) keyRefused(error);
    throw error;
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = as === 'blob' ? await response.blob() : await response.json();
    } catch (error) {
      // The headers came and the body did not (the connection lost, the page reloading under the read): the
      // browser's TypeError, shown bare as "Error: Failed to fetch" and logged, is no answer like any other.
      // A body that came whole but is not JSON (a SyntaxError) is another matter.
      if (error instanceof TypeError) throw new ApiError(0, noAnswer(error));
      throw error;
    }
  }
  return { data, etag: response.headers.get('ETag'), status: response.status };
}

/** Tries each path in turn, skipping those the server does not have (404/405 route missing). */
export async function firstAvailable(paths, options) {
  let last;
  for (const path of paths) {
    try {
      return { ...(await api('GET', path, options)), path };
    } catch (error) {
      if (!(error instanceof ApiError) || !error.routeMissing) throw error;
      last = error;
    }
  }
  throw last;
}

const TRANSFER_IDS_PER_CALL = 300;

/** The transfer model's edges touching any of `ids` (newest model only), asked for in chunks the route accepts. */
export async function fetchTransfers(ids) {
  // `truncated`: some call had more edges than the route returns (the strongest first): the overlay says so.
  const result = { edges: [], model_version: null, truncated: false };
  const seen = new Set();
  for (let i = 0; i < ids.length; i += TRANSFER_IDS_PER_CALL) {
    const { data } = await api('GET', '/ui-support/transfer-edges', {
      query: { concept: ids.slice(i, i + TRANSFER_IDS_PER_CALL) },
    });
    result.model_version ??= data.model_version;
    result.truncated ||= Boolean(data.truncated);
    for (const e of data.edges) {
      const key = `${e.source}\u0000${e.target}`;
      if (!seen.has(key)) {
        seen.add(key);
        result.edges.push(e);
      }
    }
  }
  return result;
}
