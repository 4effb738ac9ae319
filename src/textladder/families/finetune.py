"""The `finetune` rung: a local Hugging Face encoder fine-tuned end to end with the task's head.

The bundled all-MiniLM-L6-v2 by default, or any local encoder directory (`encoder=PATH`). Texts
become overlapping token windows (`neural/windows.py`), whose mean-pooled outputs are averaged
per text, so long texts are read whole. Training is the torch core's: AdamW (the head learns
faster than the encoder), linear warm-up then decay, early stopping on the validation primary
metric with the best epoch's weights kept; batches group texts of similar length, so that they
carry little padding. It runs on the GPU with bf16 mixed precision when one is present, else on
the CPU. Saved: the whole network in safetensors beside the encoder's config and
tokenizer files (`encoder/`), so a saved model needs nothing but its directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.registry import register
from textladder.families.encoder_rung import EncoderRung
from textladder.progress import Progress

ENCODER_FILES = "encoder"  # subdirectory of the model: encoder config and tokenizer


@register
class FinetuneFamily(EncoderRung):
    name = "finetune"
    summary = "fine-tuned transformer encoder (bundled MiniLM by default), windows for long texts"

    restart_rates = ("lr", "head_lr")  # the head's rate, 20 times the encoder's, is lowered too

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, "encoder": None, "epochs": 3, "patience": 1,
                "batch_size": 32, "lr": 5e-5, "head_lr": 1e-3, "weight_decay": 0.01,
                "warmup": 0.1, "schedule": "warmup_linear", "dropout": 0.1, "max_length": 128,
                "stride": 32, "device": "auto", "predict_batch_size": 64}

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"epochs": 1, "max_length": 32, "stride": 8}

    # ----- inputs ---------------------------------------------------------------------------
    def _tokenizer(self):
        if getattr(self, "tokenizer_", None) is None:
            from textladder.encoders.locate import load_tokenizer, resolve_encoder

            self.encoder_path_ = resolve_encoder(self.settings_["encoder"])
            self.tokenizer_ = load_tokenizer(self.encoder_path_)
            if not getattr(self.tokenizer_, "is_fast", False):
                raise TextladderError(f"the tokenizer in '{self.encoder_path_}' is not a fast "
                                      f"tokenizer (tokenizer.json); windows over long texts need "
                                      f"one.")
        return self.tokenizer_

    def _prepare(self, texts: list[str], fit: bool, progress: Progress):
        from textladder.neural.windows import make_windows

        s = self.settings_
        if not 8 <= s["max_length"] or not 0 <= s["stride"] < s["max_length"] // 2:
            raise TextladderError(f"max_length must be at least 8, and stride at least 0 and "
                                  f"less than half of it; got {s['max_length']} and "
                                  f"{s['stride']}.")
        tokenizer = self._tokenizer()
        limit = getattr(self._encoder_config(), "max_position_embeddings", None)
        if limit and s["max_length"] > limit:
            raise TextladderError(f"max_length {s['max_length']} is more than the encoder's "
                                  f"{limit} positions; set max_length={limit} or less.")
        windows = make_windows(tokenizer, texts, s["max_length"], s["stride"])
        if fit:
            self.chosen_["windows_per_text"] = round(len(windows.ids) / max(1, len(texts)), 3)
            self.chosen_["texts_over_max_length"] = int(np.sum(np.diff(windows.first) > 1))
        return windows

    def _batcher(self, prepared):
        from textladder.neural.windows import WindowBatcher

        return WindowBatcher(prepared, self._tokenizer().pad_token_id or 0)

    # ----- network and training -------------------------------------------------------------
    def _encoder_config(self):
        if getattr(self, "encoder_config_", None) is None:  # fitting: the base encoder's
            from textladder.encoders.locate import load_config

            self.encoder_config_ = load_config(self.encoder_path_)
        return self.encoder_config_

    def _build_module(self, n_units: int):
        import torch
        from transformers import AutoModel

        from textladder.neural.transformer import EncoderClassifier

        if self.loaded_:  # the saved (float32) weights are loaded into it next
            encoder = AutoModel.from_config(self._encoder_config(), trust_remote_code=False,
                                            dtype=torch.float32)
        else:
            from textladder.encoders.locate import load_model

            # float32: mixed precision is autocast's
            encoder = load_model(self.encoder_path_, dtype=torch.float32)
        return EncoderClassifier(encoder, n_units, self.settings_["dropout"], self.n_side_)

    def _optimizer(self, module, head):
        import torch

        s = self.settings_
        head_params = list(module.output.parameters())
        if module.side_output is not None:  # the output layer's side columns learn with it
            head_params += list(module.side_output.parameters())
        encoder_params = list(module.embed_windows.parameters())
        return torch.optim.AdamW([{"params": encoder_params, "lr": s["lr"]},
                                  {"params": head_params, "lr": s["head_lr"]}],
                                 weight_decay=s["weight_decay"])

    def _new_trainer(self, module, head, task, optimizer, callbacks, seed: int):
        from textladder.encoders.sentence import pick_device
        from textladder.neural.device_trainer import DeviceTrainer

        s = self.settings_
        return DeviceTrainer(module, head, task, optimizer, callbacks, max_epochs=s["epochs"],
                             batch_size=s["batch_size"], clip_norm=s["clip_norm"], seed=seed,
                             device=pick_device(s["device"]),
                             predict_batch_size=s["predict_batch_size"], group_by_size=True)

    def fit(self, texts, targets, task, valid, seed=0, progress=None, side=None):
        self.tokenizer_ = self.encoder_config_ = None
        self.loaded_ = False
        super().fit(texts, targets, task, valid, seed, progress, side=side)
        from textladder.encoders.locate import fingerprint
        from textladder.encoders.sentence import encoder_reference

        reference = encoder_reference(self.encoder_path_, fingerprint(self.encoder_path_))
        self.chosen_.update(base_encoder=reference["encoder"],
                            base_fingerprint=reference["fingerprint"])
        return self

    def represent(self, texts) -> np.ndarray:
        """The fine-tuned encoder's text vectors: its windows' mean-pooled states, averaged per
        text (what the output layer reads)."""
        import torch

        from textladder.neural.batching import size_order
        from textladder.neural.transformer import pool_windows

        batcher = self._batcher(self._prepare(list(texts), False, Progress()))
        embed = self.module_.embed_windows
        embed.eval()
        device = next(iter(embed.parameters()), torch.empty(0)).device
        order, size = size_order(batcher.row_sizes()), self.settings_["predict_batch_size"]
        vectors = np.zeros((len(texts), self.module_.output.in_features), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(order), size):
                rows = order[start:start + size]
                ids, mask, owner = (t.to(device) for t in batcher(rows))
                pooled = pool_windows(embed(ids, mask), owner)
                vectors[rows] = pooled.float().cpu().numpy()
        return vectors

    # ----- saving ---------------------------------------------------------------------------
    def _save_state(self, directory: Path) -> None:
        target = directory / ENCODER_FILES
        target.mkdir()
        self.encoder_config_.save_pretrained(str(target))
        self._tokenizer().save_pretrained(str(target))

    def _load_state(self, directory: Path) -> None:
        from textladder.encoders.locate import load_config, load_tokenizer

        source = directory / ENCODER_FILES
        self.loaded_ = True
        self.tokenizer_ = load_tokenizer(source)
        self.encoder_config_ = load_config(source)
