"""What the encoder rungs (`minilm`, `finetune`) share: their extra, and the ONNX runtime."""

from __future__ import annotations

from pathlib import Path

from textladder.errors import TextladderError
from textladder.families.torch_family import TorchFamily


class EncoderRung(TorchFamily):
    """A torch rung built on a pretrained Hugging Face encoder from a local directory."""

    runtimes = ("default", "onnx")

    @classmethod
    def is_available(cls) -> bool:
        from textladder.encoders.locate import encoders_available

        return encoders_available()

    def _check_installed(self) -> None:
        if not self.is_available():
            from textladder.encoders.locate import NEEDS_ENCODERS

            raise TextladderError(NEEDS_ENCODERS.format(name=self.name))

    def fit(self, *args, **kwargs):
        self._check_installed()
        self.runtime_ = "default"
        return super().fit(*args, **kwargs)

    def use_runtime(self, runtime: str) -> None:
        super().use_runtime(runtime)
        self.runtime_ = runtime

    def _record_onnx_layers(self, task) -> None:
        """Record at fit which layers the ONNX export keeps in float for this task
        (`onnx_embedder.keeps_ffn_out_float`), so that a model saved again exports the same."""
        from textladder.neural.onnx_embedder import keeps_ffn_out_float

        self.chosen_["onnx_ffn_out_float"] = keeps_ffn_out_float(task.name)

    def _onnx_ffn_out_float(self) -> bool:
        """What `_record_onnx_layers` chose; models saved before it was recorded were exported
        with the feed-forward outputs in float, and keep them."""
        return self.chosen_.get("onnx_ffn_out_float", True)

    def runtime_files(self, directory: Path, runtime: str) -> list[Path]:
        from textladder.neural.onnx_embedder import ONNX_FILE

        return [self._export_folder(directory) / ONNX_FILE] if runtime == "onnx" else []

    def _export_folder(self, directory: Path) -> Path:
        """Where in a saved model directory the ONNX export lies."""
        return directory

    def _check_saveable(self) -> None:
        if getattr(self, "runtime_", "default") != "default":
            raise TextladderError(f"a model loaded with runtime {self.runtime_} cannot be saved "
                                  f"again; load it with the default runtime to save a copy.")

    def save(self, directory: Path) -> None:
        self._check_saveable()
        super().save(directory)
