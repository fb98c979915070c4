// AudioWorklet: the microphone, mixed to mono and resampled to 16 kHz, as 16-bit
// little-endian PCM in chunks of 100 ms posted to the main thread.

const TARGET_RATE = 16000;
const CHUNK_SAMPLES = 1600;
const CUTOFF_HZ = 7000;
const TRANSITION_HZ = 1800; // the filter falls from pass to stop between 6.1 and 7.9 kHz

/**
 * A windowed-sinc low-pass (Blackman) with its cutoff just below 8 kHz, so that what lies
 * above the new Nyquist frequency is removed instead of folding back into the speech band.
 */
function lowPass(cutoff, taps) {
  // cutoff is a fraction of the input rate; the Blackman window gives about 74 dB stopband.
  const middle = (taps - 1) / 2;
  const weights = new Float32Array(taps);
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const x = i - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const window = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    weights[i] = sinc * window;
    sum += weights[i];
  }
  return weights.map((w) => w / sum);
}

class Pcm16Processor extends AudioWorkletProcessor {
  constructor() {
    super();
    // Input samples per output sample: 3 at 48 kHz, 2.75625 at 44.1 kHz.
    this.step = sampleRate / TARGET_RATE;
    // A Blackman-windowed sinc needs about 5.5 / (transition / rate) taps; odd, so it is symmetric.
    this.taps = Math.ceil((5.5 * sampleRate) / TRANSITION_HZ) | 1;
    this.weights = this.step > 1 ? lowPass(CUTOFF_HZ / sampleRate, this.taps) : null;
    // Each input sample is written twice, `taps` apart, so the newest `taps` samples always
    // lie side by side and the filter needs no wrap-around inside its loop.
    this.history = new Float32Array(2 * this.taps);
    this.at = 0;
    this.previous = 0;
    this.next = 0; // where the next output sample lies, in input samples from the current one
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
      this.take(this.filter(sample / channels.length));
    }
    return true;
  }

  filter(sample) {
    const weights = this.weights;
    if (!weights) return sample;
    const taps = this.taps;
    const history = this.history;
    history[this.at] = sample;
    history[this.at + taps] = sample;
    this.at = (this.at + 1) % taps;
    let sum = 0;
    for (let k = 0, j = this.at; k < taps; k++, j++) sum += weights[k] * history[j];
    return sum;
  }

  /** Linear interpolation between the previous and this (band-limited) sample. */
  take(sample) {
    while (this.next <= 0) {
      const t = this.next + 1;
      this.emit(this.previous + (sample - this.previous) * t);
      this.next += this.step;
    }
    this.next -= 1;
    this.previous = sample;
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
