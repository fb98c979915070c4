// Timers counting down once a second on the client, and the alarms.

import { api } from "./api.js";
import { h, replaceChildren, toast } from "./dom.js";
import { countdown, duration, when } from "./format.js";

export class TimersView {
  constructor(timersRoot, alarmsRoot, { reload }) {
    this.timersRoot = timersRoot;
    this.alarmsRoot = alarmsRoot;
    this.reload = reload;
    this.running = [];
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  /** A GET /v1/timers answer. */
  load({ timers = [], alarms = [] }) {
    const received = Date.now();
    this.running = timers.map((timer) => this.timerRow(timer, received));
    replaceChildren(
      this.timersRoot,
      this.running.length ? this.running.map((t) => t.el) : h("li", { class: "empty" }, "Keine Timer."),
    );
    const sorted = [...alarms].sort((a, b) => String(a.at).localeCompare(String(b.at)));
    replaceChildren(
      this.alarmsRoot,
      sorted.length ? sorted.map((alarm) => this.alarmRow(alarm)) : h("li", { class: "empty" }, "Keine Wecker."),
    );
    this.tick();
  }

  timerRow(timer, received) {
    // `remaining` counts from when the answer arrived, so a skewed device clock does not
    // matter; `ends_at` is the fallback.
    let endsAt = null;
    if (!timer.paused) {
      if (typeof timer.remaining === "number") endsAt = received + timer.remaining * 1000;
      else if (timer.ends_at) endsAt = Date.parse(timer.ends_at);
    }
    const left = h("span", { class: "countdown", role: "timer" });
    const bar = h("progress", { max: timer.seconds || 1, value: 0 });
    const title = timer.name ? `Timer ${timer.name}` : `Timer (${duration(timer.seconds || 0)})`;
    const el = h(
      "li",
      { class: "timer", dataset: { timerId: timer.id } },
      h("div", { class: "timer-head" },
        h("span", { class: "timer-name" }, title),
        timer.area && h("span", { class: "muted" }, timer.area),
        timer.paused && h("span", { class: "tag" }, "pausiert")),
      h("div", { class: "timer-body" }, left, bar,
        h("button", { type: "button", class: "small danger", onclick: () => this.cancel("timers", timer.id) }, "Abbrechen")),
    );
    return { el, left, bar, endsAt, timer, rang: false };
  }

  alarmRow(alarm) {
    return h(
      "li",
      { class: "alarm", dataset: { alarmId: alarm.id } },
      h("span", { class: "alarm-time" }, when(alarm.at)),
      alarm.name && h("span", { class: "muted" }, alarm.name),
      h("button", { type: "button", class: "small danger", onclick: () => this.cancel("alarms", alarm.id) }, "Löschen"),
    );
  }

  tick() {
    const now = Date.now();
    for (const row of this.running) {
      const seconds = row.endsAt === null ? (row.timer.remaining ?? 0) : (row.endsAt - now) / 1000;
      row.left.textContent = countdown(seconds);
      row.bar.value = Math.max(0, seconds);
      if (seconds <= 0 && !row.rang) {
        row.rang = true;
        row.el.classList.add("done");
        row.left.textContent = "abgelaufen";
        // The server rings it; fetch a little later to see it gone.
        setTimeout(() => this.reload(), 2000);
      }
    }
  }

  async cancel(kind, id) {
    try {
      await api.del(`/v1/${kind}/${id}`);
      await this.reload();
    } catch (err) {
      if (err.status !== 401) toast(err.message, "error");
    }
  }
}
