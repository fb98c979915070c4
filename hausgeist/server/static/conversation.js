// The conversation: typed and spoken turns, their intents and replies, follow-ups.

import { api, authHeaders } from "./api.js";
import { h, toast } from "./dom.js";
import { intentLabel } from "./format.js";
import { record } from "./talk.js";

const TALK_LABEL = "Halten zum Sprechen";
const TALKING_LABEL = "Ich höre zu … loslassen zum Senden";
const MAX_TALK_MS = 30000; // a command is short; a stuck button must not stream for minutes

/** One turn on screen: what was said, the intent, the reply. */
class TurnView {
  constructor(log, who, said) {
    this.saidText = h("span", { class: "said-text" }, said);
    this.intent = h("p", { class: "intent" });
    this.reply = h("p", { class: "reply pending" }, "…");
    this.el = h(
      "article",
      { class: "turn" },
      h("p", { class: "said" }, h("span", { class: "who" }, who), this.saidText),
      this.intent,
      this.reply,
    );
    log.append(this.el);
    this.el.scrollIntoView({ block: "nearest" });
  }

  said(text) {
    this.saidText.textContent = text || "(nichts verstanden)";
  }

  understood(intent, slots) {
    this.intentName = intent;
    this.intent.textContent = intentLabel(intent, slots);
  }

  /** Something was done although no intent was read: a follow-up ("und im Bad auch"). */
  acted(actions) {
    if (!this.intentName && actions.length) this.intent.textContent = "Fortsetzung des Gesprächs";
  }

  answered(text) {
    this.reply.textContent = text;
    this.reply.classList.remove("pending", "error");
    this.el.scrollIntoView({ block: "nearest" });
  }

  failed(message) {
    this.reply.textContent = message;
    this.reply.classList.remove("pending");
    this.reply.classList.add("error");
    this.el.scrollIntoView({ block: "nearest" });
  }
}

/** Play an audio reply; same-origin URLs are fetched with the token. */
export async function playAudio(url) {
  try {
    const target = new URL(url, location.href);
    let src = target.href;
    if (target.origin === location.origin) {
      const response = await fetch(target, { headers: authHeaders() });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      src = URL.createObjectURL(await response.blob());
    }
    const audio = new Audio(src);
    audio.addEventListener("ended", () => src.startsWith("blob:") && URL.revokeObjectURL(src));
    await audio.play();
  } catch (err) {
    console.warn("could not play", url, err);
  }
}

export class Conversation {
  /**
   * `stream` is the WebSocket client; `onActions(actions)` lets the home view show a
   * turn's effect before the event stream reports it.
   */
  constructor({ log, form, input, send, talk, fresh, stream, onActions }) {
    Object.assign(this, { log, form, input, send, talk, stream, onActions });
    this.conversationId = null;
    // Turns this page made: the `turn` event echoes them to every page of the household.
    this.seen = new Set();
    this.mine = new Set();
    this.busy = false;
    this.deferred = [];
    this.recording = null;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    fresh.addEventListener("click", () => this.reset());
    this.bindTalk();
    this.reset();
  }

  reset() {
    this.conversationId = null;
    this.log.replaceChildren(
      h("p", { class: "hint" }, "Schreib oder sag etwas, zum Beispiel „Schalte das Licht in der Küche an“."),
    );
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = "";
    await this.run(new TurnView(this.log, "Du", text), async (view) => {
      if (this.stream.open && !this.stream.busy) {
        const start = { type: "text", text, ...this.continuing() };
        await this.stream.run(start, (msg) => this.apply(view, msg));
      } else {
        this.answer(view, await api.post("/v1/ask", { text, ...this.continuing() }));
      }
    });
    this.input.focus();
  }

  continuing() {
    return this.conversationId ? { conversation_id: this.conversationId } : {};
  }

  /** Run one local turn; other devices' turns wait until it is shown. */
  async run(view, body) {
    this.hint()?.remove();
    this.setBusy(true);
    try {
      await body(view);
    } catch (err) {
      view.failed(err.message || "Das hat nicht geklappt.");
    } finally {
      this.setBusy(false);
      const waiting = this.deferred.splice(0);
      waiting.forEach((answer) => this.showRemote(answer));
    }
  }

  hint() {
    return this.log.querySelector(".hint");
  }

  setBusy(busy) {
    this.busy = busy;
    this.send.disabled = busy;
    this.talk.disabled = busy && !this.recording;
  }

  /** A server event of a WebSocket turn. */
  apply(view, msg) {
    switch (msg.type) {
      case "transcript":
        view.said(msg.text);
        break;
      case "intent":
        view.understood(msg.intent, msg.slots);
        break;
      case "actions":
        view.acted(msg.actions || []);
        this.onActions(msg.actions || []);
        break;
      case "reply":
        view.answered(msg.text);
        this.remember(msg);
        break;
      case "reply_audio":
        playAudio(msg.url);
        break;
      default:
        break;
    }
  }

  /** A whole answer of POST /v1/ask. */
  answer(view, answer) {
    if (answer.transcript) view.said(answer.transcript);
    view.understood(answer.intent, answer.slots);
    view.acted(answer.actions || []);
    this.onActions(answer.actions || []);
    view.answered(answer.reply);
    this.remember(answer);
    if (answer.reply_audio) playAudio(answer.reply_audio);
  }

  remember(answer) {
    if (answer.conversation_id) {
      this.conversationId = answer.conversation_id;
      this.mine.add(answer.conversation_id);
    }
    if (answer.turn_id) this.seen.add(String(answer.turn_id));
  }

  /** A turn another device of the household made (the `turn` event). */
  showRemote(answer) {
    if (this.busy) {
      this.deferred.push(answer);
      return;
    }
    if (answer.turn_id && this.seen.has(String(answer.turn_id))) return;
    if (answer.conversation_id && this.mine.has(answer.conversation_id)) return;
    if (answer.turn_id) this.seen.add(String(answer.turn_id));
    this.hint()?.remove();
    const device = answer.device?.name ?? answer.device_name ?? answer.device;
    const who = typeof device === "string" && device ? device : "Anderes Gerät";
    const view = new TurnView(this.log, who, answer.transcript ?? answer.text ?? "");
    view.el.classList.add("remote");
    view.understood(answer.intent, answer.slots);
    view.acted(answer.actions || []);
    view.answered(answer.reply ?? "");
  }

  bindTalk() {
    const talk = this.talk;
    talk.textContent = TALK_LABEL;
    talk.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      talk.setPointerCapture(event.pointerId);
      event.preventDefault();
      this.startTalking();
    });
    for (const name of ["pointerup", "pointercancel"]) {
      talk.addEventListener(name, () => this.stopTalking());
    }
    talk.addEventListener("contextmenu", (event) => event.preventDefault());
    talk.addEventListener("keydown", (event) => {
      if ((event.key === " " || event.key === "Enter") && !event.repeat) {
        event.preventDefault();
        this.startTalking();
      }
    });
    talk.addEventListener("keyup", (event) => {
      if (event.key === " " || event.key === "Enter") this.stopTalking();
    });
  }

  async startTalking() {
    if (this.recording || this.busy) return;
    if (!this.stream.open) {
      toast("Zum Sprechen fehlt gerade die Verbindung zum Server. Bitte gleich noch einmal.", "error");
      return;
    }
    const take = { queue: [], live: false, released: false, recorder: null, turnOver: false };
    this.recording = take;
    this.talk.classList.add("recording");
    this.talk.textContent = TALKING_LABEL;
    try {
      take.recorder = await record((chunk) => {
        if (take.turnOver) return;
        if (!take.live) take.queue.push(chunk);
        else {
          this.stream.send(chunk);
          this.stream.keepAlive();
        }
      });
    } catch (err) {
      this.endTalking();
      toast(microphoneError(err), "error");
      return;
    }
    const view = new TurnView(this.log, "Gesprochen", "(Aufnahme …)");
    take.view = view;
    take.started = performance.now();
    const start = { type: "audio", sample_rate: take.recorder.sampleRate, ...this.continuing() };
    const turn = this.run(view, async () => {
      try {
        await this.stream.run(start, (msg) => this.apply(view, msg));
      } finally {
        take.turnOver = true;
        if (!take.released) this.stopTalking();
      }
    });
    take.live = true;
    take.queue.splice(0).forEach((chunk) => this.stream.send(chunk));
    setTimeout(() => this.recording === take && this.stopTalking(), MAX_TALK_MS);
    if (take.released) this.stopTalking();
    await turn;
  }

  async stopTalking() {
    const take = this.recording;
    if (!take || take.stopping) return;
    take.released = true;
    if (!take.recorder || !take.live) return;
    take.stopping = true;
    await take.recorder.stop();
    if (!take.turnOver) this.stream.send({ type: "end" });
    const seconds = (performance.now() - take.started) / 1000;
    if (take.view.saidText.textContent === "(Aufnahme …)") {
      take.view.said(`(Aufnahme, ${seconds.toLocaleString("de-DE", { maximumFractionDigits: 1 })} s)`);
    }
    this.endTalking();
  }

  endTalking() {
    this.recording = null;
    this.talk.classList.remove("recording");
    this.talk.textContent = TALK_LABEL;
    this.talk.disabled = this.busy;
  }
}

function microphoneError(err) {
  if (err?.name === "NotAllowedError") return "Kein Zugriff auf das Mikrofon: bitte im Browser erlauben.";
  if (err?.name === "NotFoundError") return "Kein Mikrofon gefunden.";
  return err?.message || "Das Mikrofon ließ sich nicht öffnen.";
}
