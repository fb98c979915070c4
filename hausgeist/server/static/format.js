// German formatting of money, times, durations and intents.

const euroFormat = new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" });
const timeFormat = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat("de-DE", { weekday: "short", day: "numeric", month: "numeric" });

/** 1198 → "11,98 €". */
export function euro(cents) {
  return euroFormat.format(cents / 100);
}

/** Seconds → "8:05" or "1:02:03". */
export function countdown(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Seconds → "10 Min.", "1 Std. 30 Min.", "45 Sek.". */
export function duration(seconds) {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [];
  if (h) parts.push(`${h} Std.`);
  if (m) parts.push(`${m} Min.`);
  if (s || parts.length === 0) parts.push(`${s} Sek.`);
  return parts.join(" ");
}

/** An ISO time → "heute, 06:30 Uhr", "morgen, 06:30 Uhr" or "Fr., 28.11., 07:00 Uhr". */
export function when(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const days = Math.round((startOfDay(date) - startOfDay(now)) / 86400000);
  const day = { 0: "heute", 1: "morgen", "-1": "gestern" }[days] ?? dayFormat.format(date);
  return `${day}, ${timeFormat.format(date)} Uhr`;
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** `HassTurnOn`, {area: "Küche"} → "HassTurnOn · area=Küche". */
export function intentLabel(intent, slots) {
  if (!intent) return "kein Befehl erkannt";
  const parts = Object.entries(slots || {}).map(([key, value]) => `${key}=${slotText(value)}`);
  return [intent, ...parts].join(" · ");
}

function slotText(value) {
  if (value === null || typeof value !== "object") return String(value);
  if (typeof value.text === "string") return value.text;
  return JSON.stringify(value);
}

/** A temperature as "21,5 °C". */
export function celsius(value) {
  if (typeof value !== "number") return "–";
  return `${value.toLocaleString("de-DE", { maximumFractionDigits: 1 })} °C`;
}

/** A percentage of a 0-1 share: 0.123 → "12 %". */
export function percent(share) {
  if (typeof share !== "number") return "–";
  return `${Math.round(share * 100).toLocaleString("de-DE")} %`;
}

// German (and a few mixed) color words the server may report, as CSS color names.
const GERMAN_COLORS = {
  weiß: "white", weiss: "white", warmweiß: "#ffd9a8", kaltweiß: "#eef4ff", schwarz: "black",
  rot: "red", dunkelrot: "darkred", hellrot: "#ff6666", grün: "green", hellgrün: "lightgreen",
  dunkelgrün: "darkgreen", blau: "blue", hellblau: "lightblue", dunkelblau: "darkblue",
  gelb: "yellow", orange: "orange", lila: "purple", violett: "violet", rosa: "pink",
  pink: "hotpink", türkis: "turquoise", braun: "brown", grau: "gray", silber: "silver",
  gold: "gold", magenta: "magenta", cyan: "cyan", beige: "beige", flieder: "plum",
  mint: "#98ff98", oliv: "olive", koralle: "coral", lachs: "salmon", indigo: "indigo",
};

let probe = null;

/** Any color the server reports ("#ff0000", "white", "hellblau") as "#rrggbb", or null. */
export function colorHex(color) {
  if (typeof color !== "string" || !color) return null;
  const word = color.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(word)) return word;
  const css = GERMAN_COLORS[word] ?? word.replace(/[\s_-]/g, "");
  probe ??= document.createElement("canvas").getContext("2d");
  probe.fillStyle = "#000001";
  probe.fillStyle = css;
  const result = probe.fillStyle;
  return result === "#000001" || !result.startsWith("#") ? null : result;
}
