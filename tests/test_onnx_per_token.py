"""The per-token int8 rewrite: close to float, and a token's output ignores its batch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from textladder.onnx.per_token_int8 import rewrite_per_token, runs_in_batches  # noqa: E402


class TwoLayers(torch.nn.Module):
    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.up, self.down = torch.nn.Linear(16, 32), torch.nn.Linear(32, 8)

    def forward(self, x):
        return self.down(torch.relu(self.up(x)))


def _float_graph(tmp_path):
    path = tmp_path / "float.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(TwoLayers().eval(), (torch.ones(2, 3, 16),), str(path), opset_version=17,
                      dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": axes, "y": axes})
    return onnx.load(str(path))


def _run(model, x):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x.astype(np.float32)})[0]


def test_per_token_int8_stays_close_to_float_and_replaces_the_matmuls(tmp_path):
    graph = _float_graph(tmp_path)
    x = np.random.default_rng(0).normal(size=(4, 5, 16))
    exact, quantised = _run(graph, x), _run(rewrite_per_token(graph), x)
    assert np.abs(quantised - exact).max() < 0.02 * np.abs(exact).max()
    assert not np.allclose(quantised, exact, atol=1e-6)  # it really ran in int8
    ops = [n.op_type for n in rewrite_per_token(graph).graph.node]
    assert "MatMul" not in ops and ops.count("MatMulIntegerToFloat") == 2
    onnx.checker.check_model(rewrite_per_token(graph))


def test_a_tokens_output_does_not_depend_on_the_others_in_its_batch(tmp_path):
    quantised = rewrite_per_token(_float_graph(tmp_path))
    rng = np.random.default_rng(1)
    alone = rng.normal(size=(1, 3, 16))
    loud = 1000 * rng.normal(size=(1, 3, 16))  # would dominate a scale shared by the run
    together = _run(quantised, np.concatenate([alone, loud]))
    np.testing.assert_allclose(together[0], _run(quantised, alone)[0], rtol=1e-5, atol=1e-6)


def test_nodes_kept_in_float_stay_matmuls(tmp_path):
    graph = _float_graph(tmp_path)
    first = next(n.name for n in graph.graph.node if n.op_type == "MatMul")
    ops = [n.op_type for n in rewrite_per_token(graph, frozenset({first})).graph.node]
    assert ops.count("MatMul") == 1 and ops.count("MatMulIntegerToFloat") == 1


def test_the_rounding_is_per_token_int8_as_numpy_computes_it(tmp_path):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        layer = torch.nn.Linear(16, 8, bias=False)
    path = tmp_path / "layer.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(layer.eval(), (torch.ones(2, 3, 16),), str(path), opset_version=17,
                      dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": axes, "y": axes})
    x = np.random.default_rng(3).normal(size=(2, 5, 16)).astype(np.float32)
    x[0, 1] = 0  # a token of zeros
    weight = layer.weight.detach().numpy().T  # [in, out], as the graph holds it
    scale = np.maximum(np.abs(x).max(-1, keepdims=True), 1e-8) / 127
    w_scale = np.abs(weight).max(0) / 127
    expected = (np.round(x / scale) @ np.round(weight / w_scale)) * w_scale * scale
    quantised = _run(rewrite_per_token(onnx.load(str(path))), x)
    np.testing.assert_allclose(quantised, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(quantised[0, 1], 0)
    assert np.abs(quantised - x @ weight).max() > 1e-5  # rounded, not float


class SharedInput(torch.nn.Module):
    """Three projections of one input, as attention's query, key and value."""

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.q, self.k, self.v = (torch.nn.Linear(16, 8, bias=False) for _ in range(3))

    def forward(self, x):
        return torch.cat([self.q(x), self.k(x), self.v(x)], dim=-1)


def test_an_input_feeding_several_matmuls_is_quantised_once(tmp_path):
    module = SharedInput().eval()
    path = tmp_path / "shared.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(module, (torch.ones(2, 3, 16),), str(path), opset_version=17,
                      dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": axes, "y": axes})
    quantised = rewrite_per_token(onnx.load(str(path)))
    ops = [n.op_type for n in quantised.graph.node]
    assert ops.count("QuantizeLinear") == 1 and ops.count("MatMulIntegerToFloat") == 3
    x = np.random.default_rng(4).normal(size=(2, 5, 16)).astype(np.float32)
    scale = np.maximum(np.abs(x).max(-1, keepdims=True), 1e-8) / 127
    expected = []
    for layer in (module.q, module.k, module.v):
        weight = layer.weight.detach().numpy().T
        w_scale = np.abs(weight).max(0) / 127
        expected.append((np.round(x / scale) @ np.round(weight / w_scale)) * w_scale * scale)
    np.testing.assert_allclose(_run(quantised, x), np.concatenate(expected, -1),
                               rtol=1e-5, atol=1e-6)


def test_graphs_past_opset_17_are_refused(tmp_path):
    graph = _float_graph(tmp_path)
    graph.opset_import[0].version = 18
    with pytest.raises(ValueError, match="opset 17"):
        rewrite_per_token(graph)


def test_only_graphs_the_rewrite_wrote_run_in_batches(tmp_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from textladder.onnx.embedder import BATCH, OnnxWindowEmbedder

    graph = _float_graph(tmp_path)
    assert runs_in_batches(rewrite_per_token(graph)) and not runs_in_batches(graph)
    older = rewrite_per_token(graph)  # as 3179464 marked its exports
    onnx.helper.set_model_props(older, {"textladder.activation_scales": "per-token"})
    assert runs_in_batches(older)
    quantize_dynamic(str(tmp_path / "float.onnx"), str(tmp_path / "dynamic.onnx"),
                     weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    assert not runs_in_batches(onnx.load(str(tmp_path / "dynamic.onnx")))
    exported = _exported_embedder(tmp_path)
    assert runs_in_batches(onnx.load(str(tmp_path / "embedder.onnx")))  # float32: marked
    # quantised by onnxruntime from that marked graph, it keeps the mark and must not batch
    dynamic = onnx.load(str(exported["dynamic"]))
    assert any(p.key == "textladder.windows" for p in dynamic.metadata_props)
    assert OnnxWindowEmbedder(exported["per-token"]).batch_size == BATCH
    assert OnnxWindowEmbedder(exported["dynamic"]).batch_size == 1


class MeanOfTokens(torch.nn.Module):
    """A stand-in window embedder: embedding, one linear layer, masked mean."""

    def __init__(self):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(0)
            self.embed, self.dense = torch.nn.Embedding(50, 16), torch.nn.Linear(16, 8)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        return (self.dense(self.embed(input_ids)) * mask).sum(1) / mask.sum(1)


def _exported_embedder(tmp_path):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from textladder.onnx.graph import export_float, quantize_int8

    plain = tmp_path / "embedder.onnx"
    export_float(MeanOfTokens(), plain)
    files = {"per-token": tmp_path / "per-token.onnx", "dynamic": tmp_path / "dyn.onnx"}
    quantize_int8(plain, files["per-token"])
    # the MatMuls only, as the library quantised them (a quantised Gather would fix the scale)
    quantize_dynamic(str(plain), str(files["dynamic"]), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"])
    return files


def test_batched_runs_give_each_window_its_vector_alone_and_empty_windows_zeros(tmp_path):
    from textladder.onnx.embedder import BATCH, OnnxWindowEmbedder

    embedder = OnnxWindowEmbedder(_exported_embedder(tmp_path)["per-token"], threads=2)
    rng = np.random.default_rng(2)
    windows = [list(rng.integers(1, 50, size=n)) for n in rng.integers(1, 12, size=2 * BATCH + 3)]
    windows[5] = []
    together = embedder.run_windows(windows)
    for i in (0, 7, len(windows) - 1):
        np.testing.assert_allclose(together[i], embedder.run_windows([windows[i]])[0],
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(together[5], 0)
    assert np.abs(together[[0, 7]]).min() > 0  # real vectors, not left as zeros


def _tiny_bert_exports(tmp_path):
    """A 2-layer random BERT (attention and all) behind `WindowEmbedder`, exported per token and
    with onnxruntime's dynamic quantisation."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertConfig, BertModel

    from textladder.onnx.graph import export_float, quantize_int8
    from textladder.neural.transformer import WindowEmbedder

    with torch.random.fork_rng():
        torch.manual_seed(0)
        bert = BertModel(BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2,
                                    num_attention_heads=2, intermediate_size=64,
                                    max_position_embeddings=64), add_pooling_layer=False)
    plain = tmp_path / "bert.onnx"
    export_float(WindowEmbedder(bert), plain)
    files = {"per-token": tmp_path / "bert-per-token.onnx", "dynamic": tmp_path / "bert-dyn.onnx"}
    quantize_int8(plain, files["per-token"])
    quantize_dynamic(str(plain), str(files["dynamic"]), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"])
    return files


@pytest.mark.parametrize("export", ["per-token", "dynamic"])
def test_windows_of_a_transformer_get_their_vectors_alone_whatever_batch_and_threads(tmp_path,
                                                                                     export):
    pytest.importorskip("transformers")
    from textladder.onnx.embedder import BATCH, OnnxWindowEmbedder

    path = _tiny_bert_exports(tmp_path)[export]
    rng = np.random.default_rng(4)
    windows = [list(rng.integers(1, 60, size=n)) for n in rng.integers(2, 40, size=3 * BATCH + 5)]
    alone = np.concatenate([OnnxWindowEmbedder(path, threads=1).run_windows([w])
                            for w in windows])
    for threads in (1, 2, 3):
        together = OnnxWindowEmbedder(path, threads=threads).run_windows(windows)
        if export == "dynamic":  # one window per run: exactly its vector alone
            np.testing.assert_array_equal(together, alone)
        else:  # padded under attention: the same up to float rounding
            np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-5)
    assert np.abs(alone[0] - alone[1]).max() > 1e-3  # different windows, different vectors
