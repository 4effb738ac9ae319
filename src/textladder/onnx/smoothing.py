"""Activation smoothing before int8 quantisation (SmoothQuant, Xiao et al., 2023).

Int8 quantisation gives a token's activations one scale. A few input channels of a transformer's
linear layers carry values far larger than the rest, so that scale is coarse for every other
channel. `smooth_graph` moves part of that range into the weights, which are quantised per output
channel and take it well: each MatMul y = x W becomes y = (x / s) (s W), the same function in
exact arithmetic, with s_j = max|x_j|^alpha / max|W_j|^(1 - alpha) measured on calibration
windows (`input_maxima`), bounded to [1/100, 100] so that a channel that was quiet in calibration
cannot blow up later. MatMuls that read one input (attention's query, key and value) share one
s, taken over all their weights, so that the input is divided once and quantised once.
It rewrites an ONNX graph: only the int8 copy is smoothed; the float32 export and the torch
module are not. The export measures the maxima on the texts it is given (`exporter.py`); it keeps
no maxima, since the int8 file holds what they did.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

ALPHA = 0.75  # chosen on the cosine between int8 and float vectors of sst5 validation sentences
CALIBRATION_WINDOWS = 256
SCALE_BOUND = 100.0


def sample_windows(items: Sequence, seed: int, n: int = CALIBRATION_WINDOWS) -> list:
    """Up to `n` of `items` (windows or texts), picked at random with `seed`, in their order."""
    import numpy as np

    picked = np.random.default_rng(seed).permutation(len(items))[:n]
    return [items[i] for i in sorted(picked)]


@torch.no_grad()
def input_maxima(embedder: nn.Module, windows: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
    """The largest absolute input of every linear layer, per input channel, over `windows`.

    Each window (token ids) runs alone, without padding: padding would add rows of its own to
    the maxima. It runs on one thread, so that the maxima, and the int8 file smoothed with them,
    do not change with the number of cores to the last bit.
    """
    maxima: dict[str, torch.Tensor] = {}

    def record(name):
        def hook(_module, inputs, _output):
            x = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0).float()
            maxima[name] = torch.maximum(maxima[name], x) if name in maxima else x
        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in
             embedder.named_modules() if isinstance(module, nn.Linear)]
    was_training, threads = embedder.training, torch.get_num_threads()
    embedder.eval()
    torch.set_num_threads(1)
    try:
        device = next(embedder.parameters()).device
        for ids in windows:
            ids_tensor = torch.tensor([list(ids)], dtype=torch.long, device=device)
            embedder(ids_tensor, torch.ones_like(ids_tensor))
    finally:
        for hook in hooks:
            hook.remove()
        embedder.train(was_training)
        torch.set_num_threads(threads)
    return maxima


def smooth_graph(model, maxima: dict[str, torch.Tensor], keep_float: frozenset[str] = frozenset(),
                 alpha: float = ALPHA):
    """A copy of the float onnx `model` whose MatMuls with constant [in, out] weights and
    measured inputs (`maxima`, keyed by the linear layer's module name, which the exporter
    writes into the node's name) are smoothed, except the nodes named in `keep_float` (they stay
    float, where smoothing buys nothing). MatMuls without maxima are left as they are."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    from textladder.onnx.per_token_int8 import replace_nodes

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    weights = {w.name: w for w in graph.initializer}
    readers: dict[str, list] = {}  # input name: [(node, module name)]
    for node in graph.node:
        module = module_name(node.name)
        if (node.op_type == "MatMul" and node.input[1] in weights and module in maxima
                and len(weights[node.input[1]].dims) == 2 and node.name not in keep_float):
            readers.setdefault(node.input[0], []).append((node, module))
    if maxima and not readers:
        import warnings

        warnings.warn("the activation maxima name none of the graph's MatMuls (the exporter "
                      "named its nodes another way): the int8 export is not smoothed, and "
                      "int8 moves its outputs further.", stacklevel=2)
    added, divided = [], {}  # divided: {input: its smoothed copy}
    for x, nodes in readers.items():
        matrices = [numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
                    for node, _ in nodes]
        activation = np.max([maxima[m].float().cpu().numpy() for _, m in nodes], axis=0)
        weight = np.max([np.abs(w).max(axis=1) for w in matrices], axis=0)
        scale = np.clip(np.maximum(activation, 1e-5) ** alpha
                        / np.maximum(weight, 1e-5) ** (1 - alpha), 1 / SCALE_BOUND, SCALE_BOUND)
        divided[x] = f"{x}/smoothed"
        added.append(numpy_helper.from_array((1 / scale).astype(np.float32), f"{x}/inverse_scale"))
        for (node, _), matrix in zip(nodes, matrices):
            name = f"{node.name}/smoothed_weight"
            added.append(numpy_helper.from_array(matrix * scale[:, None].astype(np.float32), name))
            node.input[0], node.input[1] = divided[x], name
    inputs = {i.name for i in graph.input}
    nodes = [helper.make_node("Mul", [x, f"{x}/inverse_scale"], [divided[x]])
             for x in divided if x in inputs]
    for node in graph.node:
        nodes.append(node)
        nodes += [helper.make_node("Mul", [y, f"{y}/inverse_scale"], [divided[y]])
                  for y in node.output if y in divided]
    replace_nodes(graph, nodes, added)
    return model


def module_name(node_name: str) -> str:
    """The torch module a traced node belongs to: "/encoder/layer.0/query/MatMul" ->
    "encoder.layer.0.query" (the exporter's scope names)."""
    return node_name.strip("/").rpartition("/")[0].replace("/", ".")
