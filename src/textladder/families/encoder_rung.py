"""What the encoder rungs (`minilm`, `finetune`) share: their extra, and reading older models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textladder.errors import TextladderError
from textladder.families.torch_family import TorchFamily

# What models saved by earlier versions recorded and this one no longer has: the `onnx` setting
# and the choices of the ONNX export written at save (now `textladder export`'s own record).
RETIRED_SETTINGS = ("onnx",)
RETIRED_CHOICES = ("onnx_pipeline", "onnx_float_ffn_out", "onnx_ffn_out_float")


class EncoderRung(TorchFamily):
    """A torch rung built on a pretrained Hugging Face encoder from a local directory."""

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
        return super().fit(*args, **kwargs)

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task) -> "EncoderRung":
        return super().load(directory, current_config(config), task)


def current_config(config: dict[str, Any]) -> dict[str, Any]:
    """The `family` section of a saved config without what earlier versions recorded and this
    one no longer has (`RETIRED_SETTINGS`, `RETIRED_CHOICES`), so that their models load."""
    def current(key: str, retired: tuple[str, ...]) -> dict[str, Any]:
        return {k: v for k, v in config.get(key, {}).items() if k not in retired}

    resolved = ({"resolved_settings": current("resolved_settings", RETIRED_SETTINGS)}
                if "resolved_settings" in config else {})
    return {**config, "settings": current("settings", RETIRED_SETTINGS),
            "chosen": current("chosen", RETIRED_CHOICES), **resolved}
