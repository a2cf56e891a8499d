"""Tiny ONNX models built with onnx.helper for the model tests (nothing downloaded); import only after
``pytest.importorskip("onnx")``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 13)]


def _save(graph, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="nodeloom-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def classifier(path: Path, size: int = 8, gain: float = 10.0, batch: str | int = "batch") -> Path:
    """scores[n, c] = gain × the mean of channel c (pixels scaled to 0..1): a red picture is class 0. ``batch``:
    the batch dimension (a name: dynamic; 1: one picture a run)."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, size, size])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [batch, 3])
    gain_t = numpy_helper.from_array(np.asarray(gain, np.float32), "gain")
    nodes = [helper.make_node("ReduceMean", ["image"], ["mean"], axes=[2, 3], keepdims=0),
             helper.make_node("Mul", ["mean", "gain"], ["scores"])]
    return _save(helper.make_graph(nodes, "classifier", [x], [y], [gain_t]), path)


def fixed_output(path: Path, out: np.ndarray, *, size: int = 64, name: str = "fixed") -> Path:
    """A model whose output is ``out`` whatever the picture (its input is added in times zero)."""
    out = np.asarray(out, np.float32)
    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])
    y = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(out.shape))
    const = numpy_helper.from_array(out, "table")
    zero = numpy_helper.from_array(np.asarray(0.0, np.float32), "zero")
    nodes = [helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
             helper.make_node("Mul", ["m", "zero"], ["z"]),
             helper.make_node("Add", ["table", "z"], ["output0"])]
    return _save(helper.make_graph(nodes, name, [x], [y], [const, zero]), path)


def text_input(path: Path) -> Path:
    x = helper.make_tensor_value_info("text", TensorProto.STRING, [1])
    y = helper.make_tensor_value_info("same", TensorProto.STRING, [1])
    return _save(helper.make_graph([helper.make_node("Identity", ["text"], ["same"])], "text", [x], [y]), path)


def rank2_input(path: Path) -> Path:
    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 10])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 10])
    return _save(helper.make_graph([helper.make_node("Relu", ["features"], ["out"])], "rank2", [x], [y]), path)


def unknown_op(path: Path) -> Path:
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3])
    node = helper.make_node("FrobnicateNotAnOp", ["image"], ["out"], domain="com.example")
    model = helper.make_model(helper.make_graph([node], "odd", [x], [y]),
                              opset_imports=OPSET + [helper.make_opsetid("com.example", 1)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


#: a YOLOv8-layout table (1, 4 + classes, candidates) for labels cat, dog and a 64×64 letterboxed input:
#: rows cx, cy, w, h, cat, dog
YOLO_ROWS = np.asarray([
    [32, 32, 20, 10, 0.9, 0.1],  # a: cat
    [33, 32, 20, 10, 0.8, 0.0],  # b: a cat over a (IoU 0.905): suppressed
    [33, 32, 20, 10, 0.0, 0.7],  # c: a dog in the same place: kept (another class)
    [10, 10, 4, 4, 0.1, 0.2],  # d: below min_score
    [60, 20, 10, 10, 0.5, 0.0],  # e: a cat reaching past the picture's right and top: clipped
], np.float32)


def yolo_detector(path: Path, rows: np.ndarray = YOLO_ROWS) -> Path:
    return fixed_output(path, rows.T[None], name="yolo")


def fixed_outputs(path: Path, outs: dict[str, np.ndarray], *, size: int = 64) -> Path:
    """Like :func:`fixed_output` with several named outputs (an SSD's boxes and scores)."""
    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])
    ys, inits = [], [numpy_helper.from_array(np.asarray(0.0, np.float32), "zero")]
    nodes = [helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
             helper.make_node("Mul", ["m", "zero"], ["z"])]
    for name, value in outs.items():
        value = np.asarray(value, np.float32)
        ys.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape)))
        inits.append(numpy_helper.from_array(value, f"{name}_table"))
        nodes.append(helper.make_node("Add", [f"{name}_table", "z"], [name]))
    return _save(helper.make_graph(nodes, "fixed_many", [x], ys, inits), path)


def one_at_a_time(path: Path, size: int = 8) -> Path:
    """Says its batch dimension is dynamic, but reshapes to a batch of one inside: a stack of pictures fails.
    Scores as :func:`classifier`'s with gain 1."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 3])
    shape = numpy_helper.from_array(np.asarray([1, 3], np.int64), "one")
    nodes = [helper.make_node("ReduceMean", ["image"], ["mean"], axes=[2, 3], keepdims=0),
             helper.make_node("Reshape", ["mean", "one"], ["scores"])]
    return _save(helper.make_graph(nodes, "one_at_a_time", [x], [y], [shape]), path)


def picky(path: Path, size: int = 8) -> Path:
    """Fails on a bright picture: the brightest input value (cut to a whole number) picks a row of a 2-row table
    — scores (1, 0) for values below 1, (0, 1) for below 2, and an out-of-range index (ONNX Runtime's error)
    from 2 up. With a card ``scale`` of 1/100: pixels 0–99, 100–199, and 200 up."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 2])
    table = numpy_helper.from_array(np.asarray([[1, 0], [0, 1]], np.float32), "table")
    nodes = [helper.make_node("ReduceMax", ["image"], ["top"], axes=[1, 2, 3], keepdims=0),
             helper.make_node("Floor", ["top"], ["whole"]),
             helper.make_node("Cast", ["whole"], ["row"], to=TensorProto.INT64),
             helper.make_node("Gather", ["table", "row"], ["scores"], axis=0)]
    return _save(helper.make_graph(nodes, "picky", [x], [y], [table]), path)


def conv_classifier(path: Path, size: int = 96, classes: int = 10, widths: tuple = (32, 64, 128, 256),
                    per_stage: int = 2, seed: int = 29) -> Path:
    """A small convolutional classifier (VGG-like, for the inference benchmark): per stage a 3×3 convolution of
    stride 2 then ``per_stage - 1`` of stride 1, each with ReLU, ``widths`` channels; global average pooling and
    a dense layer to ``classes`` logits; seeded random weights (He-scaled). Its batch dimension is dynamic. With
    the defaults about 0.24 GFLOP a 96×96 picture (MobileNetV2 at 224×224: 0.6)."""
    rng = np.random.default_rng(seed)
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])
    nodes, inits, prev, cin = [], [], "image", 3
    for i in range(len(widths) * per_stage):
        w, stride = widths[i // per_stage], 2 if i % per_stage == 0 else 1
        weights = rng.normal(0, np.sqrt(2 / (cin * 9)), (w, cin, 3, 3)).astype(np.float32)
        inits += [numpy_helper.from_array(weights, f"w{i}"), numpy_helper.from_array(np.zeros(w, np.float32), f"b{i}")]
        nodes += [helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[3, 3],
                                   strides=[stride, stride], pads=[1, 1, 1, 1]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
        prev, cin = f"r{i}", w
    dense = rng.normal(0, np.sqrt(1 / cin), (classes, cin)).astype(np.float32)
    inits += [numpy_helper.from_array(dense, "wd"), numpy_helper.from_array(np.zeros(classes, np.float32), "bd")]
    nodes += [helper.make_node("GlobalAveragePool", [prev], ["pooled"]),
              helper.make_node("Flatten", ["pooled"], ["flat"]),
              helper.make_node("Gemm", ["flat", "wd", "bd"], ["logits"], transB=1)]
    return _save(helper.make_graph(nodes, "conv_classifier", [x], [y], inits), path)
