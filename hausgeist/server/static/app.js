// The web UI: login with a device token, then the conversation and the live home.

import { ApiError, api, forgetToken, onUnauthorized, storeToken, storedToken } from "./api.js";
import { Conversation, playAudio } from "./conversation.js";
import { h, toast } from "./dom.js";
import { followEvents } from "./events.js";
import { HomeView } from "./home.js";
import { ListsView } from "./lists.js";
import { OrdersView } from "./orders.js";
import { Stream } from "./stream.js";
import { TimersView } from "./timers.js";

const EXPIRED = "Anmeldung abgelaufen oder ungültig";
const $ = (id) => document.getElementById(id);

/** A refresh that never runs twice at once; a request during a run runs once more after. */
function coalesced(load) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await load();
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 401)) console.warn(err);
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };
  return run;
}

const home = new HomeView($("home"));
const refresh = {
  home: coalesced(async () => home.load(await api.get("/v1/home"))),
  timers: coalesced(async () => timers.load(await api.get("/v1/timers"))),
  lists: coalesced(async () => lists.load(await api.get("/v1/lists"))),
  orders: coalesced(async () => orders.load(await api.get("/v1/orders"))),
};
const timers = new TimersView($("timers"), $("alarms"), { reload: refresh.timers });
const lists = new ListsView($("lists"), { reload: refresh.lists });
const orders = new OrdersView($("orders"), { reload: refresh.orders });

let session = null; // the open event stream and WebSocket while logged in
let conversation = null;

function refreshAll() {
  return Promise.all(Object.values(refresh).map((load) => load()));
}

function onEvent(name, data) {
  switch (name) {
    case "device":
      if (data?.name) home.applyDevice(data.name, data.state);
      else refresh.home();
      break;
    case "player":
      if (data && typeof data === "object" && "state" in data) home.applyPlayer(data);
      else refresh.home();
      break;
    case "lists":
      if (Array.isArray(data?.lists)) lists.load(data);
      else refresh.lists();
      break;
    case "timers":
      if (Array.isArray(data?.timers)) timers.load(data);
      else refresh.timers();
      break;
    case "orders":
      if (Array.isArray(data?.orders)) orders.load(data);
      else refresh.orders();
      break;
    case "ring":
      ring(data || {});
      break;
    case "turn":
      if (data && typeof data === "object") conversation?.showRemote(data);
      break;
    default:
      break;
  }
}

/** A timer or alarm ran out: say so where nobody can miss it. */
function ring(data) {
  const text = data.announcement || (data.kind === "alarm" ? "Der Wecker klingelt." : "Ein Timer ist abgelaufen.");
  $("ring-kind").textContent = data.kind === "alarm" ? "Wecker" : "Timer";
  const list = $("ring-text");
  list.append(h("p", {}, text));
  $("ring").hidden = false;
  const audio = data.audio_url || data.url;
  if (audio) playAudio(audio);
  else chime();
  refresh.timers();
}

function chime() {
  try {
    const context = new AudioContext();
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 1.2);
    tone.connect(gain).connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 1.2);
    tone.onended = () => context.close();
  } catch {
    // No sound without a prior tap on the page; the banner is still there.
  }
}

function setLive(state) {
  const badge = $("live");
  badge.dataset.state = state;
  badge.textContent = state === "live" ? "Live" : "Verbinde …";
}

function showLogin(message = "") {
  $("main-view").hidden = true;
  $("login-view").hidden = false;
  const error = $("login-error");
  error.textContent = message;
  error.hidden = !message;
  $("token").value = "";
  $("token").focus();
}

async function start() {
  const me = await api.get("/v1/me");
  $("household").textContent = me?.household?.name ?? "";
  $("device-name").textContent = me?.device?.name ? `· ${me.device.name}` : "";
  $("login-view").hidden = true;
  $("main-view").hidden = false;
  const stream = new Stream();
  stream.connect();
  conversation ??= new Conversation({
    log: $("log"),
    form: $("ask-form"),
    input: $("ask-text"),
    send: $("ask-send"),
    talk: $("talk"),
    fresh: $("new-conversation"),
    stream,
    onActions: (actions) => home.applyActions(actions),
  });
  conversation.stream = stream;
  // Load now, and again whenever the event stream (re)connects: what changed while it was
  // down was not sent.
  refreshAll();
  const events = followEvents({ onEvent, onState: setLive, onOpen: refreshAll });
  session = { stream, events };
}

function stop() {
  session?.events.close();
  session?.stream.close();
  session = null;
}

async function login(token) {
  stop();
  storeToken(token);
  try {
    await start();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    showLogin(err.message);
  }
}

onUnauthorized(() => {
  // Several calls may fail at once; the first one logs out.
  if (!storedToken()) return;
  stop();
  forgetToken();
  showLogin(EXPIRED);
});

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  if (token) login(token);
});

$("logout").addEventListener("click", () => {
  stop();
  forgetToken();
  conversation?.reset();
  showLogin();
});

$("ring-ok").addEventListener("click", () => {
  $("ring").hidden = true;
  $("ring-text").replaceChildren();
});

/** A login link's token (`#token=...`), taken out of the address bar; or null. */
function tokenFromLink() {
  const match = location.hash.match(/^#token=(.+)$/);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

function boot() {
  const token = tokenFromLink() ?? storedToken();
  if (token) login(token);
  else showLogin();
}

window.addEventListener("hashchange", () => {
  const token = tokenFromLink();
  if (token) login(token);
});

window.addEventListener("unhandledrejection", (event) => {
  if (event.reason instanceof ApiError && event.reason.status === 401) return;
  console.error(event.reason);
  toast("Unerwarteter Fehler in der Oberfläche.", "error");
});

boot();
