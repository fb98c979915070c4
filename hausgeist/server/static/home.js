// The live home view: rooms grouped by floor, a control row per device.

import { api, seg } from "./api.js";
import { h, replaceChildren, toast } from "./dom.js";
import { celsius, colorHex } from "./format.js";

const STATE_TEXT = {
  on: "An", off: "Aus", open: "Offen", closed: "Geschlossen", opening: "Öffnet",
  closing: "Schließt", heat: "Heizt", cool: "Kühlt", auto: "Automatik", idle: "Bereit",
  playing: "Spielt", paused: "Pausiert", stopped: "Gestoppt", docked: "In der Ladestation",
  cleaning: "Saugt", returning: "Fährt zurück", mowing: "Mäht", locked: "Verriegelt",
  unlocked: "Entriegelt", unavailable: "Nicht erreichbar", unknown: "Unbekannt",
};
const HIDDEN_DOMAINS = new Set(["todo"]);
const TEMPERATURE_STEP = 0.5;

export function stateText(state) {
  return STATE_TEXT[state] ?? (state ? String(state) : "–");
}

export class HomeView {
  constructor(root) {
    this.root = root;
    this.rows = new Map();
    this.player = null;
    this.playerRow = null;
    this.shape = "";
  }

  /** A whole GET /v1/home answer. */
  load(home) {
    const devices = (home.devices || []).filter((d) => !HIDDEN_DOMAINS.has(d.domain));
    const shape = JSON.stringify([home.floors, home.areas, devices.map((d) => [d.name, d.domain, d.area])]);
    this.player = home.player ?? null;
    if (shape !== this.shape) {
      this.shape = shape;
      this.build(home, devices);
    } else {
      for (const device of devices) this.applyDevice(device.name, device.state, true);
    }
    this.playerRow?.update(this.player);
  }

  build(home, devices) {
    this.rows.clear();
    this.playerRow = null;
    const areas = home.areas || [];
    const floors = [...(home.floors || [])];
    const groups = floors.map((floor) => ({ title: floor, areas: areas.filter((a) => a.floor === floor) }));
    const loose = areas.filter((a) => !floors.includes(a.floor));
    if (loose.length) groups.push({ title: floors.length ? "Weitere Räume" : null, areas: loose });
    const nodes = groups.map((group) => {
      const rooms = group.areas
        .map((area) => this.room(area.name, devices.filter((d) => d.area === area.name)))
        .filter(Boolean);
      if (!rooms.length) return null;
      return h("section", { class: "floor" }, group.title && h("h3", {}, group.title), h("div", { class: "rooms" }, rooms));
    });
    const known = new Set(areas.map((a) => a.name));
    const homeless = this.room("Ohne Raum", devices.filter((d) => !known.has(d.area)));
    if (homeless) nodes.push(h("section", { class: "floor" }, h("div", { class: "rooms" }, homeless)));
    if (!devices.some((d) => d.domain === "media_player") && this.player) {
      this.playerRow = playerControls(this.player);
      nodes.push(h("section", { class: "floor" }, h("div", { class: "rooms" },
        h("article", { class: "room" }, h("h4", {}, "Musik"), h("ul", { class: "devices" }, this.playerRow.el)))));
    }
    replaceChildren(this.root, nodes.filter(Boolean));
  }

  room(name, devices) {
    if (!devices.length) return null;
    const rows = devices.map((device) => this.row(device));
    return h("article", { class: "room", dataset: { area: name } }, h("h4", {}, name), h("ul", { class: "devices" }, rows));
  }

  row(device) {
    const row = { device: { ...device, state: { ...device.state } } };
    const patch = (body) => this.patch(row, body);
    const controls = controlsFor(device, patch, this);
    row.controls = controls;
    row.status = h("span", { class: "device-state" });
    row.el = h(
      "li",
      { class: `device domain-${device.domain}`, dataset: { device: device.name, domain: device.domain } },
      h("div", { class: "device-head" }, h("span", { class: "device-name" }, device.name), row.status, controls.head),
      controls.body,
    );
    this.rows.set(device.name, row);
    this.update(row);
    return row.el;
  }

  update(row) {
    const state = row.device.state || {};
    row.el.dataset.state = state.state ?? "";
    row.status.textContent = row.device.domain === "media_player" && this.player
      ? stateText(this.player.state)
      : stateText(state.state);
    row.controls.update(state);
  }

  find(name) {
    if (this.rows.has(name)) return this.rows.get(name);
    const folded = String(name).toLocaleLowerCase("de");
    for (const [key, row] of this.rows) if (key.toLocaleLowerCase("de") === folded) return row;
    return null;
  }

  /** A device's new state (an event, an action, a PATCH answer). */
  applyDevice(name, state, replace = false) {
    const row = this.find(name);
    if (!row || state === undefined || state === null) return;
    const next = typeof state === "object" ? state : { state };
    row.device.state = replace ? { ...next } : { ...row.device.state, ...next };
    this.update(row);
  }

  /** The actions of a turn: home actions name a device and carry its state. */
  applyActions(actions) {
    for (const action of actions) {
      if (action && typeof action.state === "object") this.applyDevice(action.target, action.state);
    }
  }

  applyPlayer(player) {
    this.player = { ...(this.player || {}), ...player };
    this.playerRow?.update(this.player);
    const speaker = [...this.rows.values()].find((row) => row.device.domain === "media_player");
    if (speaker) this.update(speaker);
  }

  async patch(row, body) {
    const before = row.device.state;
    this.applyDevice(row.device.name, body.temperature !== undefined ? { temperature: body.temperature } : body);
    try {
      const device = await api.patch(`/v1/home/devices/${seg(row.device.name)}`, body);
      if (device?.state) this.applyDevice(row.device.name, device.state, true);
    } catch (err) {
      row.device.state = before;
      this.update(row);
      if (err.status !== 401) toast(`${row.device.name}: ${err.message}`, "error");
    }
  }

  async playerCommand(body) {
    try {
      const player = await api.post("/v1/player", body);
      if (player) this.applyPlayer(player);
    } catch (err) {
      if (err.status !== 401) toast(`Musik: ${err.message}`, "error");
    }
  }
}

function controlsFor(device, patch, view) {
  const can = new Set(device.capabilities || []);
  switch (device.domain) {
    case "light":
      return lightControls(device, can, patch);
    case "switch":
    case "fan":
      return toggleOnly(device, patch);
    case "cover":
      return coverControls(device, patch);
    case "climate":
      return climateControls(device, patch);
    case "media_player": {
      const controls = playerControls(view.player, (body) => view.playerCommand(body), device.name);
      view.playerRow = controls;
      return { head: null, body: controls.body, update: () => controls.update(view.player) };
    }
    default:
      return { head: null, body: null, update() {} };
  }
}

function toggle(device, patch) {
  const input = h("input", {
    type: "checkbox",
    role: "switch",
    class: "switch",
    "aria-label": device.name,
    onchange: () => patch({ state: input.checked ? "on" : "off" }),
  });
  return input;
}

function toggleOnly(device, patch) {
  const input = toggle(device, patch);
  return { head: input, body: null, update: (state) => { input.checked = state.state === "on"; } };
}

/** A range input that live updates leave alone while the household drags it. */
function slider(label, min, max, onCommit) {
  const input = h("input", { type: "range", min, max, step: 1, "aria-label": label });
  const output = h("output", { class: "slider-value" });
  input.addEventListener("input", () => {
    input.dataset.editing = "1";
    output.textContent = `${input.value} %`;
  });
  input.addEventListener("change", () => {
    delete input.dataset.editing;
    onCommit(Number(input.value));
  });
  return {
    input,
    output,
    set(value) {
      if (input.dataset.editing || typeof value !== "number") return;
      input.value = String(value);
      output.textContent = `${value} %`;
    },
  };
}

function lightControls(device, can, patch) {
  const power = toggle(device, patch);
  const dim = can.has("dim") ? slider(`Helligkeit ${device.name}`, 0, 100, (v) => patch({ brightness: v })) : null;
  const color = can.has("color")
    ? h("input", { type: "color", class: "color", "aria-label": `Farbe ${device.name}`,
        onchange: () => patch({ color: color.value }) })  // prettier-ignore
    : null;
  const body = dim || color
    ? h("div", { class: "device-body" }, dim && h("label", { class: "slider" }, dim.input, dim.output), color)
    : null;
  return {
    head: power,
    body,
    update(state) {
      power.checked = state.state === "on";
      dim?.set(state.brightness);
      const hex = colorHex(state.color);
      if (color && hex && document.activeElement !== color) color.value = hex;
      if (color) color.title = typeof state.color === "string" ? `Farbe: ${state.color}` : "Farbe";
    },
  };
}

function coverControls(device, patch) {
  const position = h("span", { class: "muted" });
  const open = h("button", { type: "button", class: "small", onclick: () => patch({ state: "open" }) }, "Öffnen");
  const close = h("button", { type: "button", class: "small", onclick: () => patch({ state: "closed" }) }, "Schließen");
  return {
    head: null,
    body: h("div", { class: "device-body" }, position, h("span", { class: "buttons" }, open, close)),
    update(state) {
      position.textContent = typeof state.position === "number" ? `Position ${state.position} %` : "";
      open.disabled = state.state === "open";
      close.disabled = state.state === "closed";
    },
  };
}

function climateControls(device, patch) {
  let target = null;
  let timer = null;
  const targetText = h("output", { class: "target", "aria-label": `Zieltemperatur ${device.name}` });
  const current = h("span", { class: "muted" });
  const step = (delta) => {
    if (typeof target !== "number") target = 20;
    target = Math.round((target + delta) / TEMPERATURE_STEP) * TEMPERATURE_STEP;
    targetText.textContent = `Soll ${celsius(target)}`;
    clearTimeout(timer);
    // Several taps become one change.
    timer = setTimeout(() => { timer = null; patch({ temperature: target }); }, 500);
  };
  const minus = h("button", { type: "button", class: "round", "aria-label": "Kälter", onclick: () => step(-TEMPERATURE_STEP) }, "−");
  const plus = h("button", { type: "button", class: "round", "aria-label": "Wärmer", onclick: () => step(TEMPERATURE_STEP) }, "+");
  return {
    head: null,
    body: h("div", { class: "device-body" }, current, h("span", { class: "stepper" }, minus, targetText, plus)),
    update(state) {
      current.textContent = `Ist ${celsius(state.current_temperature)}`;
      if (timer) return;
      target = typeof state.temperature === "number" ? state.temperature : target;
      targetText.textContent = `Soll ${celsius(target)}`;
    },
  };
}

/** Transport buttons and volume for the household's player. */
function playerControls(player, command, name = "Musik") {
  const run = command ?? (() => {});
  const track = h("p", { class: "track" });
  const pause = h("button", { type: "button", class: "small" });
  pause.addEventListener("click", () => run({ action: pause.dataset.action }));
  const previous = h("button", { type: "button", class: "small", onclick: () => run({ action: "previous" }) }, "Zurück");
  const next = h("button", { type: "button", class: "small", onclick: () => run({ action: "next" }) }, "Weiter");
  const volume = slider(`Lautstärke ${name}`, 0, 100, (v) => run({ volume: v }));
  const body = h(
    "div",
    { class: "device-body player" },
    track,
    h("span", { class: "buttons" }, previous, pause, next),
    h("label", { class: "slider" }, h("span", { class: "muted" }, "Lautstärke"), volume.input, volume.output),
  );
  const update = (p) => {
    const now = p || {};
    const parts = [now.title, now.artist].filter(Boolean);
    track.textContent = parts.length ? parts.join(" – ") : "Nichts ausgewählt";
    const playing = now.state === "playing";
    pause.dataset.action = playing ? "pause" : "resume";
    pause.textContent = playing ? "Pause" : "Fortsetzen";
    volume.set(now.volume);
    if (!volume.input.dataset.editing && typeof now.volume === "number") {
      volume.output.textContent = `${now.volume} %${now.muted ? " (stumm)" : ""}`;
    }
  };
  update(player);
  return { el: h("li", { class: "device domain-media_player" }, body), body, update };
}
