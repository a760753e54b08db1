// The only door to the cloud API: JSON fetch with the access token, one refresh on 401,
// errors turned into ApiError {status, detail, field}. The access token lives in memory;
// the refresh token in sessionStorage, so a reload keeps the session but a closed tab ends it.

const PREFIX = "/api/v1";
const REFRESH_KEY = "neopro.refresh";

let accessToken = null;
let refreshing = null; // one refresh in flight, shared by every caller that got a 401

export class ApiError extends Error {
  constructor(status, detail, field = null) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.field = field;
  }
}

// msgspec's validation messages, said the way a person reads them.
const PHRASES = [
  [/^Expected `str` of length >= 1$/, () => "Required: fill this in."],
  [/^Expected `str` of length >= (\d+)$/, (n) => `Too short: at least ${n} characters.`],
  [/^Expected `str` of length <= (\d+)$/, (n) => `Too long: at most ${n} characters.`],
  [/^Expected `str` matching regex/, () => "Not in the expected format."],
  [/^Expected `(?:int|float)` >= (\S+)$/, (n) => `Must be ${n} or more.`],
  [/^Expected `(?:int|float)` <= (\S+)$/, (n) => `Must be ${n} or less.`],
  [/^Expected `(?:int|float)` > (\S+)$/, (n) => `Must be more than ${n}.`],
  [/^Invalid enum value '(.*)'$/, (v) => `'${v}' is not one of the allowed values.`],
  [/^Object missing required field `(.*)`$/, (f) => `${f} is required.`],
];

export function humanize(message) {
  const cut = String(message).replace(/ - at `.*`$/, "");
  for (const [pattern, say] of PHRASES) {
    const m = cut.match(pattern);
    if (m) return say(...m.slice(1));
  }
  return cut;
}

/** Turn any error body the API sends into one ApiError (FieldError, validation, plain). */
export function errorFrom(status, body) {
  if (body && typeof body === "object") {
    let field = body.field || null;
    let detail = typeof body.detail === "string" ? body.detail : "";
    if (Array.isArray(body.extra) && body.extra.length) {
      const first = body.extra[0];
      field = field || first.key || null;
      detail = first.message ? humanize(first.message) : detail;
    }
    if (detail) return new ApiError(status, field ? humanize(detail) : detail, field);
  }
  const fallback = {
    0: "The cloud cannot be reached: check your connection and try again.",
    413: "The file is too large for the cloud's upload limit.",
    429: "Too many attempts: wait a minute and try again.",
    500: "The cloud had an internal error; try again, and tell the platform team if it persists.",
  };
  return new ApiError(status, fallback[status] || `The cloud answered ${status}.`);
}

/** Emitted when the session cannot be kept alive: the app goes back to the login screen. */
function signedOut(message) {
  accessToken = null;
  sessionStorage.removeItem(REFRESH_KEY);
  window.dispatchEvent(new CustomEvent("neopro:signed-out", { detail: { message } }));
}

function storeTokens(pair) {
  accessToken = pair.access_token;
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
}

export function hasSession() {
  return Boolean(accessToken || sessionStorage.getItem(REFRESH_KEY));
}

async function readBody(response) {
  const type = response.headers.get("content-type") || "";
  if (response.status === 204) return null;
  if (type.includes("json")) return response.json();
  return response.text();
}

async function postJson(path, body) {
  let response;
  try {
    response = await fetch(PREFIX + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw errorFrom(0, null);
  }
  const data = await readBody(response).catch(() => null);
  if (!response.ok) throw errorFrom(response.status, data);
  return data;
}

/** Spend the refresh token for a new pair; false when the session is over. */
export function refresh() {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = postJson("/auth/refresh", { refresh_token: token })
      .then((pair) => {
        storeTokens(pair);
        return true;
      })
      .catch((err) => {
        if (err.status === 401 || err.status === 403) sessionStorage.removeItem(REFRESH_KEY);
        return false;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

export async function login(email, password) {
  storeTokens(await postJson("/auth/login", { email, password }));
}

export async function logout() {
  const token = sessionStorage.getItem(REFRESH_KEY);
  accessToken = null;
  sessionStorage.removeItem(REFRESH_KEY);
  if (token) await postJson("/auth/logout", { refresh_token: token }).catch(() => null);
}

function url(path, query) {
  const u = new URL(PREFIX + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, v);
  }
  return u.pathname + u.search;
}

/**
 * Call the admin API. `json` is sent as the body; `blob: true` returns a Blob (PDF, CSV,
 * thumbnails). A 401 triggers one refresh and one retry; if that fails the person is sent
 * back to the login screen with a message.
 */
export async function api(method, path, { json, query, blob = false } = {}) {
  if (!accessToken) await refresh();
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = { Accept: blob ? "*/*" : "application/json" };
    if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
    if (json !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url(path, query), {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    } catch {
      throw errorFrom(0, null);
    }
    if (response.status === 401 && attempt === 0 && (await refresh())) continue;
    if (response.status === 401) {
      signedOut("Your session has ended. Sign in again to continue.");
      throw errorFrom(401, await readBody(response).catch(() => null));
    }
    if (!response.ok) throw errorFrom(response.status, await readBody(response).catch(() => null));
    if (blob) {
      return { blob: await response.blob(), headers: response.headers };
    }
    return readBody(response);
  }
  throw new ApiError(401, "Your session has ended. Sign in again to continue.");
}

/**
 * Upload a file as the raw request body with XMLHttpRequest, for its upload progress
 * events (fetch has none). `onProgress(fraction)` gets 0..1. One refresh + retry on 401.
 */
export async function upload(file, query, onProgress) {
  if (!accessToken) await refresh();
  const send = () =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url("/media", query));
      if (accessToken) xhr.setRequestHeader("Authorization", `Bearer ${accessToken}`);
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(errorFrom(0, null));
      xhr.send(file);
    });
  let result = await send();
  if (result.status === 401 && (await refresh())) result = await send();
  if (result.status === 401) signedOut("Your session has ended. Sign in again to continue.");
  if (result.status < 200 || result.status >= 300) throw errorFrom(result.status, result.body);
  onProgress(1);
  return result.body;
}
