"""Int8 matrix multiplications with one activation scale per token: a graph rewrite.

onnxruntime's dynamic quantisation scales a MatMul's activations by the largest value in the
whole run, so windows run together change each other's vectors. `rewrite_per_token` rewrites a
float ONNX graph so that every MatMul with a constant [in, out] weight quantises its input token
by token instead:

- each token's scale is its largest absolute value / 127, and the token, divided by it, rounds
  to uint8 around 128;
- the weights get one symmetric int8 scale per output channel;
- an input that feeds several MatMuls (attention's query, key and value) is quantised once;
- onnxruntime's `MatMulIntegerToFloat` multiplies, and the token's scale comes back after.

A token's output then depends on no other token of its batch (padding included) beyond float
rounding, so windows of many texts can run padded together, and a token's rounding error is set
by its own range rather than the run's: on MiniLM, all int8, its vectors lie about 40 % closer to
float32 than the dynamic quantisation's, and about 20 % closer with the feed-forward outputs in
float (1 - cosine, `benchmarks/int8-study.md`). The rewritten graph says so in its metadata
(`runs_in_batches`).

It does not quantise anything but MatMuls with constant 2-D weights (attention's products of
two activations stay float), and it rewrites opset 17 graphs at most (ReduceMax takes its axes as
an attribute up to there).
"""

from __future__ import annotations

import numpy as np

# uint8 activations, symmetric around 128, for onnxruntime's u8 x s8 kernels. On x86 CPUs
# without VNNI those kernels may saturate int16 pair sums, as they may with onnxruntime's own
# dynamic quantisation; CPUs with VNNI (and ARM) do not.
ZERO_POINT = 128
LAST_OPSET = 17
MARKER = ("textladder.windows", "independent")  # metadata: may run in batches
OLD_MARKER = ("textladder.activation_scales", "per-token")  # the same, as 3179464 wrote it


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
    added = {"pt_eps": np.array(1e-8, np.float32), "pt_127": np.array(127.0, np.float32),
             "pt_one": np.array(1.0, np.float32), "pt_zp": np.array(ZERO_POINT, np.uint8)}
    nodes, quantised = [], {}  # quantised: {input: the prefix of its scales and uint8 copy}
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
        x = node.input[0]
        make = helper.make_node
        if x not in quantised:  # attention's query, key and value share one input
            q = quantised[x] = p
            nodes += [
                # one scale per token: its largest absolute value / 127 (zeros get 1e-8)
                make("Abs", [x], [q + "abs"]),
                make("ReduceMax", [q + "abs"], [q + "max"], axes=[-1], keepdims=1),
                make("Max", [q + "max", "pt_eps"], [q + "maxc"]),
                make("Div", [q + "maxc", "pt_127"], [q + "s"]),
                # each token divided by its scale rounds to uint8 around 128
                make("Div", [x, q + "s"], [q + "xs"]),
                make("QuantizeLinear", [q + "xs", "pt_one", "pt_zp"], [q + "q"]),
            ]
        q = quantised[x]
        nodes += [
            # the int8 product with the weights' scales, then the tokens' scales
            make("MatMulIntegerToFloat", [q + "q", p + "w", "pt_one", p + "ws", "pt_zp"],
                 [p + "y"], domain="com.microsoft"),
            make("Mul", [p + "y", q + "s"], [node.output[0]]),
        ]
    replace_nodes(graph, nodes, [numpy_helper.from_array(v, k) for k, v in added.items()])
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    mark_batch_invariant(model)
    return model


def replace_nodes(graph, nodes: list, added: list) -> None:
    """Give the onnx `graph` these `nodes`, in order, and the initializers (its own and the
    `added` ones) that they read; the others go."""
    used = {name for node in nodes for name in node.input}
    kept = [w for w in list(graph.initializer) + added if w.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)


def mark_batch_invariant(model) -> None:
    """Say in the onnx `model`'s metadata that its windows may run in batches
    (`runs_in_batches`), keeping what else it says."""
    import onnx

    onnx.helper.set_model_props(model, {**{p.key: p.value for p in model.metadata_props},
                                        MARKER[0]: MARKER[1]})


def runs_in_batches(model) -> bool:
    """Whether a graph gives each window the vector it gives it alone in any batch (up to float
    rounding): only graphs `rewrite_per_token` or `graph.export_float` wrote say so.
    Others, such as onnxruntime's dynamic quantisation (one activation scale per run), must run
    one window at a time; a graph that another tool quantised from a marked one keeps the mark,
    so nodes that scale by the whole run overrule it."""
    marked = any((p.key, p.value) in (MARKER, OLD_MARKER) for p in model.metadata_props)
    return marked and not any(node.op_type in RUN_SCALED for node in model.graph.node)


# onnxruntime's operators that quantise activations with one scale for the whole run
RUN_SCALED = frozenset({"DynamicQuantizeLinear", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM",
                        "QAttention"})
