// Server-Sent Events from /v1/events, read with fetch() because EventSource cannot send the
// Authorization header. Reconnects with capped exponential backoff and full jitter.

import { authHeaders, unauthorized } from "./api.js";

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

/**
 * Follow the household's events until `close()`. `onEvent(name, data)` gets each event;
 * `onState("live" | "connecting")` the connection's state; `onOpen()` runs after every
 * (re)connect, so the app can refetch what it may have missed.
 */
export function followEvents({ onEvent, onState, onOpen }) {
  let controller = null;
  let closed = false;
  let attempt = 0;

  async function run() {
    while (!closed) {
      onState("connecting");
      controller = new AbortController();
      try {
        const response = await fetch("/v1/events", {
          headers: { ...authHeaders(), Accept: "text/event-stream" },
          signal: controller.signal,
          cache: "no-store",
        });
        if (response.status === 401) {
          unauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        attempt = 0;
        onState("live");
        onOpen();
        await readStream(response.body, onEvent);
      } catch (err) {
        if (closed) return;
        console.debug("event stream dropped:", err);
      }
      if (closed) return;
      onState("connecting");
      const cap = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
      attempt += 1;
      await sleep(MIN_DELAY_MS / 2 + Math.random() * cap);
    }
  }

  run();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}

async function readStream(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(onEvent);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
  }
}

/** The text/event-stream format: fields per line, an event ends at a blank line. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.event = "message";
    this.data = [];
  }

  feed(text) {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop();
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.data.length) this.dispatch(this.event, this.data.join("\n"));
      this.reset();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value || "message";
    else if (field === "data") this.data.push(value);
  }

  dispatch(name, raw) {
    let data = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // Not JSON: hand the text on as it is.
    }
    try {
      this.onEvent(name, data);
    } catch (err) {
      console.error(`handling event ${name} failed:`, err);
    }
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
