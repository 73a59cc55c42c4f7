// Hostolink web app: the shared core (API client, session, DOM builder, hash router, toasts,
// formatting). Every view module imports from here; nothing here knows about a view.

const TOKEN_KEY = 'hostolink.token';
const REFRESH_KEY = 'hostolink.refresh';
const NETWORK_MESSAGE = 'Pas de connexion. Vérifiez votre réseau et réessayez.';

// ------------------------------------------------------------------------------ API client

export class ApiError extends Error {
  constructor(status, code, message, fields = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields; // 422: [{champ, message}]
  }
}

let refreshing = null; // one refresh at a time, shared by concurrent 401s

async function refreshTokens() {
  const refresh = localStorage.getItem(REFRESH_KEY);
  if (!refresh) return false;
  refreshing ??= fetch('/api/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refresh_token: refresh }),
  })
    .then(async (response) => {
      if (!response.ok) return false;
      const body = await response.json();
      session.setTokens(body.token, body.refresh_token, { keepUser: true });
      return true;
    })
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

function buildUrl(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function request(method, path, { body, query, form, auth = true, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (form) {
    init.body = form; // FormData: the browser writes the multipart boundary
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const url = buildUrl(path, query);
  const send = () => {
    if (auth && session.token) init.headers.Authorization = `Bearer ${session.token}`;
    return fetch(url, init);
  };
  let response;
  try {
    response = await send();
    if (response.status === 401 && auth && session.token && await isSessionError(response)) {
      if (await refreshTokens()) {
        response = await send();
      }
      if (response.status === 401) {
        session.logout({ remote: false });
        throw await toError(response);
      }
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, 'NetworkError', NETWORK_MESSAGE);
  }
  if (!response.ok) throw await toError(response);
  return response;
}

// A 401 for a wrong PIN or password is an answer to show, not an expired session.
const SESSION_ERRORS = new Set(['InvalidToken', 'Unauthorized', 'SessionExpired', 'SessionEnded']);

async function isSessionError(response) {
  try {
    const body = await response.clone().json();
    return SESSION_ERRORS.has(body?.error);
  } catch {
    return true;
  }
}

async function toError(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON (proxy page…) */ }
  // A 422 on one field: its sentence alone reads better than « champ : phrase ».
  const single = body?.champs?.length === 1 ? body.champs[0].message : null;
  const message = single || body?.message
    || (response.status >= 500
      ? 'Le service est momentanément indisponible. Réessayez dans un instant.'
      : 'La demande a échoué.');
  const error = new ApiError(response.status, body?.error || `HTTP${response.status}`, message, body?.champs || []);
  error.retryAfter = response.headers.get('Retry-After');
  return error;
}

/** Calls the JSON API; resolves to the parsed body, rejects with an ApiError. */
export async function api(method, path, options = {}) {
  const response = await request(method, path, options);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/** An authenticated image (QR PNG, card SVG) as an object URL usable in <img src>. */
export async function apiBlob(path, options = {}) {
  const response = await request('GET', path, { ...options, headers: { Accept: '*/*' } });
  return URL.createObjectURL(await response.blob());
}

// --------------------------------------------------------------------------------- session

let meCache = null;

export const session = {
  user: null,
  get token() { return localStorage.getItem(TOKEN_KEY); },
  isLoggedIn() { return Boolean(localStorage.getItem(TOKEN_KEY)); },
  setTokens(token, refresh, { keepUser = false } = {}) {
    localStorage.setItem(TOKEN_KEY, token);
    if (refresh) localStorage.setItem(REFRESH_KEY, refresh);
    if (!keepUser) { meCache = null; this.user = null; }
  },
  /** Forgets the tokens (revoking the refresh token on the server) and shows the login. */
  logout({ remote = true } = {}) {
    const refresh = localStorage.getItem(REFRESH_KEY);
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(REFRESH_KEY);
    meCache = null;
    this.user = null;
    if (remote && refresh) {
      fetch('/api/auth/logout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: refresh }),
      }).catch(() => {});
    }
    navigate('#/connexion');
  },
  /** My profile (GET /api/user/me), cached until the next login; `force` reloads it. */
  me(force = false) {
    if (force || !meCache) {
      meCache = api('GET', '/api/user/me').then((answer) => {
        this.user = answer.data;
        return answer.data;
      });
      meCache.catch(() => { meCache = null; });
    }
    return meCache;
  },
};

// ---------------------------------------------------------------------------- DOM builder

const BOOLEAN_ATTRS = new Set(['disabled', 'hidden', 'checked', 'required', 'readonly', 'multiple', 'selected', 'autofocus', 'open']);
const PROPERTIES = new Set(['value', 'checked', 'selected', 'indeterminate']);

/** h('button', {class: 'btn', onClick: fn}, 'Texte') — strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class' || key === 'className') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(element.style, value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (/^on[A-Z]/.test(key) && typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (PROPERTIES.has(key)) element[key] = value;
    else if (BOOLEAN_ATTRS.has(key)) element.setAttribute(key, '');
    else element.setAttribute(key, value === true ? 'true' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// --------------------------------------------------------------------------------- router

const routes = [];
let cleanups = [];
let renderCount = 0;

/** Registers a screen: pattern like '/sante/:id'; render(params, mount, query). */
export function route(pattern, render, { auth = true, title, tab, back } = {}) {
  const keys = [];
  const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z_]\w*)/g, (_, key) => {
    keys.push(key);
    return '([^/]+)';
  });
  routes.push({ pattern, regex: new RegExp(`^${source}/?$`), keys, render, auth, title, tab, back });
}

/** Goes to a screen ('#/payer'); re-renders when already there. */
export function navigate(hash) {
  const target = hash.startsWith('#') ? hash : `#${hash}`;
  if (location.hash === target) dispatch();
  else location.hash = target;
}

/** Runs `fn` when the current screen is left (stop a camera, a poll, a WebSocket). */
export function onLeave(fn) {
  cleanups.push(fn);
}

export function setTitle(text) {
  document.getElementById('title').textContent = text;
  document.title = text === 'Hostolink' ? 'Hostolink' : `${text} · Hostolink`;
}

function parseHash() {
  const raw = decodeURI(location.hash.replace(/^#/, '')) || '/';
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

function match(path) {
  for (const candidate of routes) {
    const found = candidate.regex.exec(path);
    if (found) {
      const params = {};
      candidate.keys.forEach((key, index) => { params[key] = decodeURIComponent(found[index + 1]); });
      return { route: candidate, params };
    }
  }
  return null;
}

function chrome(current) {
  const inside = current.auth && session.isLoggedIn();
  document.getElementById('tabbar').hidden = !inside;
  document.getElementById('bell').hidden = !inside;
  document.body.classList.toggle('no-tabs', !inside);
  for (const link of document.querySelectorAll('#tabbar a')) {
    if (link.dataset.tab === current.tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const back = document.getElementById('back');
  back.hidden = !current.back;
  back.onclick = current.back ? () => navigate(current.back) : null;
}

async function dispatch() {
  for (const fn of cleanups.splice(0)) {
    try { fn(); } catch { /* a cleanup never blocks navigation */ }
  }
  const { path, query } = parseHash();
  const found = match(path);
  if (!found) {
    const home = session.isLoggedIn() ? '/' : '/connexion';
    if (path !== home && match(home)) {
      navigate(`#${home}`);
      return;
    }
    document.getElementById('view').replaceChildren(
      h('p', { class: 'empty' }, 'Page introuvable.'),
    );
    return;
  }
  const { route: current, params } = found;
  if (current.auth && !session.isLoggedIn()) {
    sessionStorage.setItem('hostolink.after', location.hash);
    navigate('#/connexion');
    return;
  }
  const view = document.getElementById('view');
  // aria-busy until the screen has its content: screen readers wait for it (so do our tests).
  const mount = h('div', { class: 'view', 'aria-busy': 'true', dataset: { route: current.pattern } });
  view.replaceChildren(mount);
  chrome(current);
  setTitle(current.title || 'Hostolink');
  const count = ++renderCount;
  if (count > 1) view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  if (current.auth) refreshBell();
  try {
    await current.render(params, mount, query);
  } catch (error) {
    if (!mount.isConnected) return;
    mount.replaceChildren(
      h('div', { class: 'card stack', role: 'alert' },
        h('p', { class: 'form-error', text: error?.message || 'Une erreur est survenue.' }),
        h('button', { class: 'btn btn-secondary', type: 'button', onClick: () => dispatch() }, 'Réessayer')),
    );
  } finally {
    mount.removeAttribute('aria-busy');
  }
}

/** Where to go after logging in: the screen that asked for it, else the dashboard. */
export function afterLogin() {
  const target = sessionStorage.getItem('hostolink.after');
  sessionStorage.removeItem('hostolink.after');
  navigate(target && !target.startsWith('#/connexion') ? target : '#/');
}

/** Updates the unread count on the bell (call after marking notifications read). */
export async function refreshBell() {
  const badge = document.getElementById('bell-count');
  const bell = document.getElementById('bell');
  try {
    const answer = await api('GET', '/api/notifications/non-lues/nombre');
    const count = answer?.data?.non_lues ?? 0;
    badge.textContent = count > 99 ? '99+' : String(count);
    badge.hidden = count === 0;
    bell.setAttribute('aria-label', count ? `Notifications, ${count} non lue${count > 1 ? 's' : ''}` : 'Notifications');
  } catch { /* the bell is not worth an error message */ }
}

function showConnectivity() {
  document.getElementById('offline').hidden = navigator.onLine;
}

export function start() {
  window.addEventListener('hashchange', dispatch);
  window.addEventListener('online', showConnectivity);
  window.addEventListener('offline', showConnectivity);
  showConnectivity();
  // A link to the current screen (the tab bar after a payment) starts that screen afresh.
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href^="#/"]');
    if (link && link.getAttribute('href') === location.hash && !event.defaultPrevented) {
      event.preventDefault();
      dispatch();
    }
  });
  dispatch();
}

// ---------------------------------------------------------------------------- feedback

/** A short message in the polite live region (read by screen readers). */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h('div', { class: `toast ${kind === 'error' ? 'error' : ''}`, text: message });
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 7000 : 4000);
}

/** Shows an ApiError's French message in the form (role=alert); `null` clears it. */
export function formError(form, error) {
  let box = form.querySelector(':scope > .form-error');
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (!error) {
    box?.remove();
    return;
  }
  if (!box) {
    box = h('p', { class: 'form-error', role: 'alert' });
    form.prepend(box);
  }
  box.textContent = error.message || 'Une erreur est survenue.';
  for (const field of error.fields || []) {
    const name = String(field.champ || '').split('.').pop();
    const input = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) input.setAttribute('aria-invalid', 'true');
  }
}

// ------------------------------------------------------------------------------ formatting

const NUMBER = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const DATE = new Intl.DateTimeFormat('fr-CI', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Africa/Abidjan' });

/** 12500 → "12 500 F CFA" (non-breaking spaces). */
export function formatXof(amount) {
  return `${NUMBER.format(Number(amount || 0)).replace(/\s/g, '\u00a0')}\u00a0F\u00a0CFA`;
}

export function formatDate(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : DATE.format(date);
}
