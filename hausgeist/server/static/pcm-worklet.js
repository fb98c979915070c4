// AudioWorklet: the microphone, mixed to mono and downsampled to 16 kHz, as 16-bit
// little-endian PCM in chunks of 100 ms posted to the main thread.

const TARGET_RATE = 16000;
const CHUNK_SAMPLES = 1600;

class Pcm16Processor extends AudioWorkletProcessor {
  constructor() {
    super();
    // Input samples per output sample (3 at 48 kHz, 2.75625 at 44.1 kHz). Each output sample
    // is the mean of the input samples in its window: a box filter, so that what lies above
    // 8 kHz is damped instead of folding back into the speech band.
    this.ratio = sampleRate / TARGET_RATE;
    this.phase = 0;
    this.sum = 0;
    this.count = 0;
    this.chunk = new DataView(new ArrayBuffer(CHUNK_SAMPLES * 2));
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data === "flush") {
        this.post();
        this.port.postMessage("flushed");
      }
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let sample = 0;
      for (const channel of channels) sample += channel[i];
      this.sum += sample / channels.length;
      this.count += 1;
      this.phase += 1;
      while (this.phase >= this.ratio) {
        this.phase -= this.ratio;
        this.emit(this.sum / this.count);
        this.sum = 0;
        this.count = 0;
      }
    }
    return true;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
    const int = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.chunk.setInt16(this.filled * 2, Math.round(int), true);
    this.filled += 1;
    if (this.filled === CHUNK_SAMPLES) this.post();
  }

  post() {
    if (this.filled === 0) return;
    const bytes = this.chunk.buffer.slice(0, this.filled * 2);
    this.port.postMessage(bytes, [bytes]);
    this.filled = 0;
  }
}

registerProcessor("pcm16-processor", Pcm16Processor);
