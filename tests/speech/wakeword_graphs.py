"""Small ONNX graphs shaped like openWakeWord's models, whose outputs are known functions.

No real wake-word model can be had offline, so tests build these at test time with the `onnx`
package. Input and output names and shapes are the published models' ("input" -> [1, 1, F, 32];
"input_1" [B, 76, 32, 1] -> "conv2d_19" [B, 1, 1, 96]; "onnx::Flatten_0" or "x.1" [1, 16, 96]
-> "39" [1, 1]); the numbers they compute are simple enough to recompute with NumPy:

- mel frame f = 100 * sum(hann * x**2 over samples 160 f .. 160 f + 511) / (256 * 32768**2),
  times (1 + bin / 31) for bin 0..31: the frame's power, louder in higher bins;
- embedding = the mean over bins of each of the 76 frames, weighted by `EMBED_WEIGHTS`, the
  same in all 96 dimensions;
- score = clip(sum over the N embeddings of `wake_weights(N)` times their mean - 2, 0, 1):
  silence (mel 0, so 2 after openWakeWord's x / 10 + 2) scores 0, a loud tone scores 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
HANN = np.hanning(512).astype(np.float32)
BIN_GAIN = (1.0 + np.arange(32) / 31.0).astype(np.float32)
MEL_SCALE = np.float32(100.0 / (256.0 * 32768.0**2))
EMBED_WEIGHTS = np.linspace(0.5, 1.5, 76, dtype=np.float32) / np.float32(76.0)

Floats = npt.NDArray[np.float32]


def wake_weights(frames: int) -> Floats:
    """The wake model's weight of each embedding, oldest first (they sum to 1)."""
    weights = np.arange(1, frames + 1, dtype=np.float32)
    return (weights / weights.sum()).astype(np.float32)


def mel_model(path: Path, bins: int = 32) -> Path:
    """melspectrogram.onnx: [B, samples] -> [B, 1, frames, bins]."""
    kernel = (HANN[None, None, :] * MEL_SCALE * _gains(bins)[:, None, None]).astype(np.float32)
    nodes = [
        helper.make_node("Mul", ["input", "input"], ["power"]),
        helper.make_node("Unsqueeze", ["power", "axis1"], ["channel"]),
        helper.make_node("Conv", ["channel", "kernel"], ["conv"], strides=[160]),
        helper.make_node("Transpose", ["conv"], ["frames"], perm=[0, 2, 1]),
        helper.make_node("Unsqueeze", ["frames", "axis1"], ["output"]),
    ]
    inits = [numpy_helper.from_array(kernel, "kernel"), _ints("axis1", [1])]
    graph = helper.make_graph(
        nodes, "melspectrogram",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", "samples"])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1, None, bins])],
        inits,
    )  # fmt: skip
    return _save(graph, path)


def embedding_model(path: Path, window: int = 76, size: int = 96) -> Path:
    """embedding_model.onnx: [B, 76, 32, 1] -> [B, 1, 1, 96]."""
    weights = np.repeat(_fit(EMBED_WEIGHTS, window)[:, None], size, axis=1).astype(np.float32)
    nodes = [
        helper.make_node("Reshape", ["input_1", "flat_shape"], ["flat"]),
        helper.make_node("ReduceMean", ["flat"], ["frame_means"], axes=[2], keepdims=0),
        helper.make_node("MatMul", ["frame_means", "weights"], ["embedding"]),
        helper.make_node("Reshape", ["embedding", "out_shape"], ["conv2d_19"]),
    ]
    inits = [
        numpy_helper.from_array(weights, "weights"),
        _ints("flat_shape", [-1, window, 32]),
        _ints("out_shape", [-1, 1, 1, size]),
    ]
    graph = helper.make_graph(
        nodes, "embedding",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, [None, window, 32, 1])],
        [helper.make_tensor_value_info("conv2d_19", TensorProto.FLOAT, [None, 1, 1, size])],
        inits,
    )  # fmt: skip
    return _save(graph, path, opset=OPSET)


def wake_model(
    path: Path, frames: int = 16, size: int = 96, outputs: int = 1, input_name: str = "x.1"
) -> Path:
    """A wake-word model: [1, frames, 96] -> [1, 1], the weighted mean embedding minus 2."""
    weights = np.repeat(
        (wake_weights(frames)[:, None] / np.float32(size)).repeat(size, axis=1).reshape(-1, 1),
        outputs, axis=1,
    ).astype(np.float32)  # fmt: skip
    nodes = [
        helper.make_node("Reshape", [input_name, "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "weights"], ["mean"]),
        helper.make_node("Sub", ["mean", "two"], ["raw"]),
        helper.make_node("Clip", ["raw", "zero", "one"], ["39"]),
    ]
    inits = [numpy_helper.from_array(weights, "weights"), _ints("flat_shape", [1, frames * size]),
             _scalar("two", 2.0), _scalar("zero", 0.0), _scalar("one", 1.0)]  # fmt: skip
    graph = helper.make_graph(
        nodes, "wakeword",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1, frames, size])],
        [helper.make_tensor_value_info("39", TensorProto.FLOAT, [1, outputs])],
        inits,
    )  # fmt: skip
    return _save(graph, path)


def model_folder(folder: Path, names: tuple[str, ...] = ("hey_hausgeist",)) -> Path:
    """A folder as a household would fill it: the two feature models and wake words."""
    folder.mkdir(parents=True, exist_ok=True)
    mel_model(folder / "melspectrogram.onnx")
    embedding_model(folder / "embedding_model.onnx")
    for name in names:
        wake_model(folder / f"{name}.onnx")
    return folder


def expected_scores(samples: npt.NDArray[np.int16], frames: int = 16) -> list[float]:
    """The fake pipeline's score after each 80 ms chunk, recomputed in NumPy.

    Only chunks from `frames` on are exact: before that the score also sees the warm-up
    embeddings of noise.
    """
    chunks = len(samples) // 1280
    padded = np.concatenate([np.zeros(480), samples.astype(np.float64)])
    mels = [np.ones((76, 32))]
    for i in range(chunks * 8):
        window = padded[160 * i : 160 * i + 512]
        power = float(np.sum(HANN * window**2)) * float(MEL_SCALE)
        mels.append((power * BIN_GAIN / 10.0 + 2.0)[None, :])
    frames_all = np.concatenate(mels)
    embeddings = [
        float(EMBED_WEIGHTS @ frames_all[8 * (k + 1) : 8 * (k + 1) + 76].mean(axis=1))
        for k in range(chunks)
    ]
    scores = []
    for k in range(chunks):
        recent = np.array(embeddings[max(0, k + 1 - frames) : k + 1])
        weighted = float(wake_weights(frames)[-len(recent) :] @ recent)
        scores.append(min(1.0, max(0.0, weighted - 2.0)))
    return scores


def _gains(bins: int) -> Floats:
    return (1.0 + np.arange(bins) / 31.0).astype(np.float32)


def _fit(values: Floats, size: int) -> Floats:
    return values if len(values) == size else np.full(size, 1.0 / size, dtype=np.float32)


def _ints(name: str, values: list[int]) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def _scalar(name: str, value: float) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(value, dtype=np.float32), name)


def _save(graph: onnx.GraphProto, path: Path, opset: int = OPSET) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
