// The WebSocket /v1/stream: authenticated once, then one turn at a time (text or audio).

import { storedToken, unauthorized } from "./api.js";

const TURN_TIMEOUT_MS = 30000;
const MAX_DELAY_MS = 30000;

/** A turn that ended with an `error` event or a broken connection. */
export class TurnError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Keeps one WebSocket open (reconnecting with backoff) and runs turns over it. */
export class Stream {
  constructor() {
    this.socket = null;
    this.ready = false;
    this.closed = false;
    this.attempt = 0;
    this.turn = null;
    this.timer = null;
  }

  get open() {
    return this.ready && this.socket?.readyState === WebSocket.OPEN;
  }

  connect() {
    if (this.closed) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/v1/stream`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", token: storedToken() }));
    });
    socket.addEventListener("message", (event) => this.message(event));
    socket.addEventListener("close", (event) => this.dropped(socket, event));
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }

  message(event) {
    if (typeof event.data !== "string") return;
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg.type === "ready") {
      this.ready = true;
      this.attempt = 0;
      return;
    }
    if (!this.ready && msg.type === "error") {
      if (msg.code === "unauthorized" || msg.code === "invalid_token") unauthorized();
      return;
    }
    const turn = this.turn;
    if (!turn) return;
    turn.onEvent(msg);
    if (msg.type === "done") this.finish(null);
    else if (msg.type === "error") this.finish(new TurnError(msg.code, msg.message));
  }

  dropped(socket, event) {
    if (socket !== this.socket) return;
    this.ready = false;
    this.finish(new TurnError("disconnected", "Die Verbindung zum Server ist abgebrochen."));
    if (this.closed) return;
    if (event.code === 4401 || event.code === 4001) {
      unauthorized();
      return;
    }
    const cap = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), 500 + Math.random() * cap);
  }

  finish(error) {
    const turn = this.turn;
    if (!turn) return;
    this.turn = null;
    clearTimeout(turn.timeout);
    if (error) turn.reject(error);
    else turn.resolve();
  }

  /**
   * Start a turn with `start` (a text or audio message); `onEvent` gets each server event
   * of the turn. Resolves at `done`, rejects with TurnError at `error`.
   */
  run(start, onEvent) {
    if (!this.open) return Promise.reject(new TurnError("offline", "Keine Verbindung."));
    if (this.turn) return Promise.reject(new TurnError("busy", "Einen Moment, ich bin noch beschäftigt."));
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(
        () => this.finish(new TurnError("timeout", "Der Server hat nicht rechtzeitig geantwortet.")),
        TURN_TIMEOUT_MS,
      );
      this.turn = { onEvent, resolve, reject, timeout };
      this.send(start);
    });
  }

  /** Whether a turn is running (audio chunks may still be sent). */
  get busy() {
    return this.turn !== null;
  }

  send(message) {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(message instanceof ArrayBuffer ? message : JSON.stringify(message));
  }

  /** Restart the turn's timeout (while the microphone is still open). */
  keepAlive() {
    const turn = this.turn;
    if (!turn) return;
    clearTimeout(turn.timeout);
    turn.timeout = setTimeout(
      () => this.finish(new TurnError("timeout", "Der Server hat nicht rechtzeitig geantwortet.")),
      TURN_TIMEOUT_MS,
    );
  }
}
