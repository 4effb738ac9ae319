"""What the encoder rungs (`minilm`, `finetune`) share: their extra, and the ONNX runtime."""

from __future__ import annotations

from textladder.families.torch_family import TorchFamily


class EncoderRung(TorchFamily):
    """A torch rung built on a pretrained Hugging Face encoder from a local directory."""

    runtimes = ("default", "onnx")

    @classmethod
    def is_available(cls) -> bool:
        from textladder.encoders.locate import encoders_available

        return encoders_available()
