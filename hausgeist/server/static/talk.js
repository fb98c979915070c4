// The microphone while the push-to-talk button is held: 16 kHz mono PCM chunks.

const WORKLET_URL = new URL("./pcm-worklet.js", import.meta.url);

/**
 * Open the microphone and call `onChunk(ArrayBuffer)` for each 16 kHz 16-bit PCM chunk.
 * Resolves to a recorder whose `stop()` flushes the last chunk and releases the microphone.
 */
export async function record(onChunk) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("Dieser Browser erlaubt hier keinen Mikrofonzugriff (nur über HTTPS oder localhost).");
  }
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const context = new AudioContext();
  try {
    await context.audioWorklet.addModule(WORKLET_URL);
  } catch (err) {
    media.getTracks().forEach((track) => track.stop());
    await context.close();
    throw err;
  }
  const source = context.createMediaStreamSource(media);
  // One silent output, connected, so that every browser keeps pulling audio through it.
  const node = new AudioWorkletNode(context, "pcm16-processor", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCount: 1,
    channelCountMode: "explicit",
  });
  let flushed = null;
  node.port.onmessage = (event) => {
    if (event.data === "flushed") flushed?.();
    else if (event.data instanceof ArrayBuffer) onChunk(event.data);
  };
  source.connect(node).connect(context.destination);
  if (context.state === "suspended") await context.resume();

  return {
    sampleRate: 16000,
    async stop() {
      const done = new Promise((resolve) => {
        flushed = resolve;
        setTimeout(resolve, 500);
      });
      node.port.postMessage("flush");
      await done;
      source.disconnect();
      node.disconnect();
      node.port.onmessage = null;
      media.getTracks().forEach((track) => track.stop());
      await context.close();
    },
  };
}
