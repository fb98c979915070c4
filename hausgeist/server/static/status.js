// The status page: GET /v1/status (no token) every 2 seconds.

import { percent } from "./format.js";

const INTERVAL_MS = 2000;
const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat("de-DE");
const clock = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Seconds → "3 Tg. 4 Std.", "2 Std. 5 Min.", "4 Min. 10 Sek.". */
function uptime(seconds) {
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days) return `${days} Tg. ${hours} Std.`;
  if (hours) return `${hours} Std. ${minutes} Min.`;
  if (minutes) return `${minutes} Min. ${s % 60} Sek.`;
  return `${s} Sek.`;
}

function show(status) {
  const healthy = status.status === "ok";
  $("health").dataset.health = healthy ? "ok" : "degraded";
  $("health").textContent = healthy ? "Alles in Ordnung" : `Eingeschränkt (${status.status})`;
  $("version").textContent = status.version ?? "–";
  $("uptime").textContent = typeof status.uptime_seconds === "number" ? uptime(status.uptime_seconds) : "–";
  $("turns").textContent = typeof status.turns === "number" ? number.format(status.turns) : "–";
  $("in-flight").textContent = typeof status.in_flight === "number" ? number.format(status.in_flight) : "–";
  $("load").textContent = percent(status.load);
  $("shed-rate").textContent = percent(status.shed_rate);
  $("store").textContent = status.store === "ok" ? "in Ordnung" : (status.store ?? "–");
  showAdmission(status.admission);
  showSpoken(status.spoken);
}

const count = (value) => (typeof value === "number" ? number.format(value) : "–");

/** The admission figures: limit, in flight, queue and its age, shed by class, speech stages. */
function showAdmission(admission) {
  if (!admission) return;
  $("limit").textContent = admission.enabled ? count(admission.limit) : "aus";
  $("admitted").textContent = count(admission.in_flight);
  $("queued").textContent = count(admission.queued);
  $("queue-age").textContent = typeof admission.queue_age_ms === "number" ? `${number.format(admission.queue_age_ms)} ms` : "–";
  for (const kind of ["critical", "default", "sheddable"]) {
    $(`shed-${kind}`).textContent = count(admission.shed?.[kind]);
  }
  for (const name of ["stt", "tts"]) {
    const stage = admission.stages?.[name];
    const shed = stage ? Object.values(stage.shed).reduce((a, b) => a + b, 0) : null;
    $(`stage-${name}`).textContent = stage
      ? `${count(stage.in_flight)} von ${count(stage.limit)}, ${count(stage.queued)} wartend, ${count(shed)} abgewiesen, ${count(stage.degraded)} nur Text`
      : "–";
  }
}

/** Spoken turns raised at the door, and how the devices' class hints fared. */
function showSpoken(spoken) {
  if (!spoken) return;
  $("spoken-raised").textContent = `${count(spoken.raised_at_door)} (${count(spoken.follow_ups_open)} Rückfragen offen)`;
  const hints = spoken.hints ?? {};
  const refused = Object.values(hints.refused ?? {}).reduce((a, b) => a + b, 0);
  $("spoken-hints").textContent =
    `${count(hints.honoured)} beachtet, ${count(refused)} nicht, ${count(hints.proved_false)} falsch, ${count(hints.distrusted_devices)} Geräte gesperrt`;
}

async function poll() {
  try {
    const response = await fetch("/v1/status", { cache: "no-store", headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!body) throw new Error(`HTTP ${response.status}`);
    show(body);
    $("updated").textContent = `Stand: ${clock.format(new Date())}`;
  } catch {
    $("health").dataset.health = "bad";
    $("health").textContent = "Server nicht erreichbar";
  } finally {
    setTimeout(poll, INTERVAL_MS);
  }
}

poll();
