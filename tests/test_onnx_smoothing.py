"""Activation smoothing and the int8 copies of a tiny transformer: same function in float,
closer int8 vectors, the float layers each option keeps."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")

import torch  # noqa: E402

from conftest import make_task_data, tiny_encoder  # noqa: E402
from textladder.neural.transformer import WindowEmbedder  # noqa: E402
from textladder.onnx.graph import export_float, narrowing_matmuls, quantize  # noqa: E402
from textladder.onnx.smoothing import input_maxima, module_name, smooth_graph  # noqa: E402


def _tiny_embedder(outliers: bool = False):
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(tiny_encoder()))
    if outliers:  # a few loud channels, as trained transformers have: int8's hardest case
        with torch.no_grad():
            for norm in [model.embeddings.LayerNorm] + [layer.output.LayerNorm
                                                         for layer in model.encoder.layer]:
                norm.weight[[3, 17]] *= 40.0
    return WindowEmbedder(model).eval()


def _windows():
    from transformers import AutoTokenizer

    texts, _ = make_task_data("multiclass")
    return texts, AutoTokenizer.from_pretrained(str(tiny_encoder()))


def _run(graph, batch):
    import onnxruntime as ort

    feed = {"input_ids": batch["input_ids"].astype(np.int64),
            "attention_mask": batch["attention_mask"].astype(np.int64)}
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feed)[0]


def test_a_smoothed_graph_computes_the_same_vectors_and_divides_a_shared_input_once(tmp_path):
    import onnx

    embedder = _tiny_embedder()
    texts, tokenizer = _windows()
    maxima = input_maxima(embedder, tokenizer(texts)["input_ids"])
    plain = export_float(embedder, tmp_path / "plain.onnx")
    smoothed = smooth_graph(plain, maxima)
    n_layers = embedder.encoder.config.num_hidden_layers
    divisions = [n for n in smoothed.graph.node if n.op_type == "Mul"
                 and any(x.endswith("/inverse_scale") for x in n.input)]
    # one per input: query, key and value share theirs; attention output, feed-forward in and out
    assert len(divisions) == 4 * n_layers
    assert len({module_name(n.name) for n in plain.graph.node if n.op_type == "MatMul"}
               & set(maxima)) == 6 * n_layers  # the maxima name the graph's MatMuls
    batch = tokenizer(texts, padding=True, return_tensors="np")
    np.testing.assert_allclose(_run(smoothed, batch), _run(plain, batch), rtol=1e-4, atol=1e-5)
    assert onnx.load(str(tmp_path / "plain.onnx")).graph.node == plain.graph.node  # a copy


class LoudChannels(torch.nn.Module):
    """A stand-in window embedder whose linear layer reads two loud channels among quiet ones,
    as trained transformers' layers do: int8's hardest case."""

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.embed, self.dense = torch.nn.Embedding(50, 32), torch.nn.Linear(32, 16)
        with torch.no_grad():
            self.embed.weight[:, :2] *= 50

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        return (self.dense(self.embed(input_ids)) * mask).sum(1) / mask.sum(1)


def test_smoothing_brings_int8_vectors_closer_to_float_where_channels_are_loud():
    embedder = LoudChannels().eval()
    rng = np.random.default_rng(0)
    windows = [list(rng.integers(1, 50, size=n)) for n in rng.integers(2, 12, size=40)]
    maxima = input_maxima(embedder, windows[:20])  # calibrated on half, measured on the rest
    graph = export_float(embedder)
    width = max(len(w) for w in windows[20:])
    batch = {"input_ids": np.array([w + [0] * (width - len(w)) for w in windows[20:]]),
             "attention_mask": np.array([[1] * len(w) + [0] * (width - len(w))
                                         for w in windows[20:]])}
    reference = _run(graph, batch)

    def error(int8):
        return float(np.abs(_run(int8, batch) - reference).mean())

    plain, smoothed = error(quantize(graph, "none")), error(quantize(graph, "none", maxima))
    assert 0 < smoothed < plain / 1.5  # about half, here


def _float_and_int8_matmuls(graph):
    import onnx

    float_weights = {w.name for w in graph.graph.initializer
                     if w.data_type == onnx.TensorProto.FLOAT}
    float_matmuls = [n.name for n in graph.graph.node if n.op_type == "MatMul"
                     and any(x in float_weights for x in n.input)]
    return float_matmuls, len([n for n in graph.graph.node if n.op_type == "MatMulIntegerToFloat"])


@pytest.mark.parametrize("option, kept", [("all", 2), ("first", 1), ("none", 0)])
def test_each_option_keeps_the_feed_forward_outputs_in_float_from_the_first(option, kept):
    graph = export_float(_tiny_embedder())
    narrowing = narrowing_matmuls(graph)
    assert len(narrowing) == 2 and all("output/dense" in n for n in narrowing)
    assert "layer.0/" in narrowing[0]  # the first layer's first
    float_matmuls, int8_matmuls = _float_and_int8_matmuls(quantize(graph, option))
    assert float_matmuls == narrowing[:kept]
    assert int8_matmuls == 6 * 2 - kept
    with pytest.raises(ValueError, match="float_ffn_out is one of"):
        quantize(graph, "some")


def test_a_half_precision_module_is_exported_in_float32_and_left_as_it_was(tmp_path):
    import onnx
    from transformers import AutoModel

    embedder = WindowEmbedder(AutoModel.from_pretrained(str(tiny_encoder())).half())
    graph = export_float(embedder, tmp_path / "half.onnx")
    types = {w.data_type for w in graph.graph.initializer if len(w.dims) == 2}
    assert types == {onnx.TensorProto.FLOAT}
    assert all(p.dtype == torch.float16 for p in embedder.parameters())


def test_maxima_that_name_no_layer_of_the_graph_are_said_not_ignored():
    plain = export_float(_tiny_embedder())
    with pytest.warns(UserWarning, match="name none of the graph's MatMuls"):
        same = smooth_graph(plain, {"some.other.layer": torch.ones(4)})
    assert same.graph.node == plain.graph.node


def test_the_maxima_do_not_depend_on_the_number_of_threads():
    embedder = _tiny_embedder(outliers=True)
    texts, tokenizer = _windows()
    windows = tokenizer(texts)["input_ids"]
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = input_maxima(embedder, windows)
        torch.set_num_threads(2)
        two = input_maxima(embedder, windows)
        assert torch.get_num_threads() == 2  # put back as it was
    finally:
        torch.set_num_threads(threads)
    assert one.keys() == two.keys()
    assert all(torch.equal(one[name], two[name]) for name in one)
