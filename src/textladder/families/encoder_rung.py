"""What the encoder rungs (`minilm`, `finetune`) share: their extra, and the ONNX runtime."""

from __future__ import annotations

from pathlib import Path

from textladder.errors import TextladderError
from textladder.families.torch_family import TorchFamily


class EncoderRung(TorchFamily):
    """A torch rung built on a pretrained Hugging Face encoder from a local directory."""

    runtimes = ("default", "onnx")
    setting_type_exceptions = {"encoder": (str, None)}  # null: the bundled MiniLM

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
        (`onnx_embedder.default_float_ffn_out`), so that a model saved again exports the same;
        `use_export_option` records the choice made on validation texts."""
        from textladder.neural.onnx_embedder import default_float_ffn_out

        self._record_float_ffn_out(default_float_ffn_out(task.name))

    def _record_float_ffn_out(self, option: str) -> None:
        self.chosen_.pop("onnx_ffn_out_float", None)  # how models saved before said it
        self.chosen_["onnx_float_ffn_out"] = option

    def export_options(self, directory: Path, runtime: str) -> tuple[str, ...]:
        """The ONNX exports `use_export_option` can write into the saved `directory`: the float
        layers of `onnx_embedder.FLOAT_FFN_OUT`, where the float32 export they are quantised from
        was saved."""
        from textladder.neural.onnx_embedder import FLOAT_FFN_OUT, FLOAT_FILE

        if runtime != "onnx" or not (self._export_folder(directory) / FLOAT_FILE).is_file():
            return ()
        return tuple(FLOAT_FFN_OUT)

    def export_option(self, runtime: str = "onnx") -> str | None:
        """The recorded float layers (`onnx_embedder.FLOAT_FFN_OUT`). Models saved before the
        choice was recorded as one of three said whether all stayed float, and models saved
        before that kept them all in float."""
        if runtime != "onnx":
            return None
        old = self.chosen_.get("onnx_ffn_out_float", True)
        return self.chosen_.get("onnx_float_ffn_out", "all" if old else "none")

    def use_export_option(self, directory: Path, runtime: str, option: str) -> None:
        """Quantise the saved float32 export in `directory` again, with the float layers
        `option` names, and record them."""
        from textladder.neural.onnx_embedder import FLOAT_FILE, ONNX_FILE, quantize_int8

        folder = self._export_folder(directory)
        quantize_int8(folder / FLOAT_FILE, folder / ONNX_FILE, option, self.onnx_maxima_)
        self._record_float_ffn_out(option)

    def runtime_files(self, directory: Path, runtime: str) -> list[Path]:
        """The int8 export, and the float32 one that re-checks it (models saved before it
        re-check with the torch encoder)."""
        from textladder.neural.onnx_embedder import FLOAT_FILE, ONNX_FILE

        if runtime != "onnx":
            return []
        folder = self._export_folder(directory)
        return [folder / ONNX_FILE] + [p for p in [folder / FLOAT_FILE] if p.is_file()]

    def use_float_export(self) -> bool:
        """Compute the default runtime's outputs with the float32 ONNX export, if the saved
        model has one: the same outputs up to rounding, faster on a CPU. This is how the onnx
        runtime re-checks its borderline texts (`recheck.py`). Such a family predicts only: it
        cannot be saved."""
        from textladder.neural.onnx_embedder import FLOAT_FILE

        directory = getattr(self, "directory_", None)
        path = self._export_folder(directory) / FLOAT_FILE if directory is not None else None
        if path is None or not path.is_file():
            return False
        self._use_export(path)
        self.runtime_ = "onnx-float"
        return True

    def _use_export(self, path: Path) -> None:
        """Put the ONNX export at `path` (int8 or float32) in place of the torch encoder."""
        raise NotImplementedError

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
