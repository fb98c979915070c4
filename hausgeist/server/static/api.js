// The HTTP API: every call carries the device token; a 401 anywhere means "log in again".

const TOKEN_KEY = "hausgeist.token";
let unauthorizedHandler = () => {};

/** An API error: the HTTP status and the server's `{code, message}`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function storedToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

/** Called with no arguments whenever the server answers 401. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function authHeaders() {
  const token = storedToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Report a 401 (from fetch, the event stream or the WebSocket) to the app. */
export function unauthorized() {
  unauthorizedHandler();
}

/** One API call; resolves to the JSON body (or null for 204), rejects with ApiError. */
export async function request(method, path, body) {
  const headers = { ...authHeaders(), Accept: "application/json" };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "Der Server ist nicht erreichbar.");
  }
  if (response.status === 401) {
    unauthorized();
    throw new ApiError(401, "unauthorized", "Anmeldung abgelaufen oder ungültig");
  }
  const data = response.status === 204 ? null : await readJson(response);
  if (!response.ok) {
    const message = data?.message || `Das hat nicht geklappt (HTTP ${response.status}).`;
    throw new ApiError(response.status, data?.code || "http_error", message);
  }
  return data;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body ?? {}),
  patch: (path, body) => request("PATCH", path, body),
  del: (path) => request("DELETE", path),
};

/** A path segment, safely encoded ("Küchenlicht" → "K%C3%BCchenlicht"). */
export function seg(value) {
  return encodeURIComponent(String(value));
}
