"""A prototype for the int8 study: MatMuls quantised with one activation scale per token.

onnxruntime's dynamic quantisation scales a MatMul's activations by the largest value in the
whole run, so windows run together change each other's vectors and the library runs them one at
a time (`textladder.neural.onnx_embedder`). `rewrite_per_token` rewrites a float graph so that
every MatMul with a constant [in, out] weight quantises its input row by row: each token gets
its own scale (its largest absolute value / 127), weights get one symmetric int8 scale per
output channel, and onnxruntime's `MatMulIntegerToFloat` multiplies. A token's vector then
depends on no other token of the batch, so windows can run padded together.

Not used by the library: `benchmarks/int8_study.py` measures what it gains and costs.
"""

from __future__ import annotations

import numpy as np

# uint8 activations, symmetric around 128, for onnxruntime's fast u8 x s8 kernels. On x86 CPUs
# without VNNI those kernels may saturate int16 pair sums; the study's machine has VNNI.
ZERO_POINT = 128
LAST_OPSET = 17  # ReduceMax takes its axes as an attribute up to opset 17


def rewrite_per_token(model, keep_float: frozenset[str] = frozenset()):
    """A copy of the onnx `model` whose MatMuls with constant 2-D weights (except the nodes
    named in `keep_float`) run in int8 with per-token activation scales."""
    import onnx
    from onnx import helper, numpy_helper

    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset > LAST_OPSET:
        raise ValueError(f"rewrite_per_token writes opset {LAST_OPSET} nodes; the model has "
                         f"opset {opset}.")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    weights = {w.name: w for w in graph.initializer}
    constants = {
        "pt_eps": np.array(1e-8, np.float32), "pt_127": np.array(127.0, np.float32),
        "pt_one": np.array(1.0, np.float32), "pt_zp": np.array(ZERO_POINT, np.uint8),
        "pt_minus1": np.array([-1], np.int64), "pt_zero": np.array([0], np.int64)}
    added = dict(constants)
    nodes = []
    for index, node in enumerate(graph.node):
        weight = node.input[1] if node.op_type == "MatMul" else None
        if (weight not in weights or len(weights[weight].dims) != 2
                or node.name in keep_float):
            nodes.append(node)
            continue
        matrix = numpy_helper.to_array(weights[weight]).astype(np.float32)
        scales = np.maximum(np.abs(matrix).max(axis=0), 1e-12) / 127
        p = f"pt{index}_"
        added[p + "w"] = np.clip(np.round(matrix / scales), -127, 127).astype(np.int8)
        added[p + "ws"] = scales.astype(np.float32)
        added[p + "out"] = np.array([matrix.shape[1]], np.int64)
        x = node.input[0]
        make = helper.make_node
        nodes += [
            # one scale per token: its largest absolute value / 127
            make("Abs", [x], [p + "abs"]),
            make("ReduceMax", [p + "abs"], [p + "max"], axes=[-1], keepdims=1),
            make("Max", [p + "max", "pt_eps"], [p + "maxc"]),
            make("Div", [p + "maxc", "pt_127"], [p + "s"]),
            # tokens as rows of a matrix, quantised row by row
            make("Reshape", [p + "s", "pt_minus1"], [p + "s1"]),
            make("Shape", [p + "s1"], [p + "rows"]),
            make("Expand", ["pt_zp", p + "rows"], [p + "zp"]),
            make("Shape", [x], [p + "xshape"]),
            make("Gather", [p + "xshape", "pt_minus1"], [p + "width"]),
            make("Concat", ["pt_minus1", p + "width"], [p + "matrix"], axis=0),
            make("Reshape", [x, p + "matrix"], [p + "x2"]),
            make("QuantizeLinear", [p + "x2", p + "s1", p + "zp"], [p + "q"], axis=0),
            # int8 product with the weights' scales, back to the input's shape, token scales
            make("MatMulIntegerToFloat", [p + "q", p + "w", "pt_one", p + "ws", "pt_zp"],
                 [p + "y2"], domain="com.microsoft"),
            make("Shape", [p + "s"], [p + "sshape"]),
            make("Slice", [p + "sshape", "pt_zero", "pt_minus1"], [p + "lead"]),
            make("Concat", [p + "lead", p + "out"], [p + "yshape"], axis=0),
            make("Reshape", [p + "y2", p + "yshape"], [p + "y"]),
            make("Mul", [p + "y", p + "s"], [node.output[0]]),
        ]
    used = {name for node in nodes for name in node.input}
    kept = [w for w in graph.initializer if w.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + [numpy_helper.from_array(v, k) for k, v in added.items()
                                     if k in used])
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model

