"""Learning curves of the neural rungs: loss and validation metric by epoch, best epoch marked.

Read from `config.json` (`family.chosen.history`, one record per epoch: `train_loss`,
`valid_loss` where recorded, `valid_score`). The training loss is the mean over the epoch's
batches (with dropout on); the validation loss is the same loss on the validation texts after
the epoch. A validation loss that rises while the training loss falls is overfitting; the model
kept is the best epoch's on the validation metric, not the last. Rungs without epochs (tf-idf,
a logistic head) have no curves.
"""

from __future__ import annotations

import plotly.graph_objects as go
from textladder.report.blocks import Block, Chart, colour, subplots
from textladder.report.sources import ModelView
from textladder.tasks.base import LOWER_IS_BETTER


def build(view: ModelView, cache: dict) -> list[Block]:
    history = [h for h in view.chosen.get("history") or [] if isinstance(h, dict) and "epoch" in h]
    if not history:
        return []
    metric = view.task.primary_metric
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0  # the history holds greater-is-better scores
    epochs = [h["epoch"] for h in history]
    fig = subplots(1, 2, ["loss", f"validation {metric}"], horizontal_spacing=0.12)
    for i, key in enumerate(("train_loss", "valid_loss")):
        values = [h.get(key) for h in history]
        if any(v is not None for v in values):
            fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers",
                                     name=key.replace("_", " "), line_color=colour(i)),
                          row=1, col=1)
    fig.add_trace(go.Scatter(x=epochs, y=[None if h.get("valid_score") is None
                                          else sign * h["valid_score"] for h in history],
                             mode="lines+markers", name=f"valid {metric}",
                             line_color=colour(2)), row=1, col=2)
    best = view.chosen.get("best_epoch")
    if best:
        for col in (1, 2):
            fig.add_vline(x=best, line_dash="dash", line_color=colour(3), row=1, col=col)
        # inside the plot, beside the line: above it the subplot's title sits
        fig.add_annotation(x=best, y=0.02, yref="y2 domain", xref="x2",
                           text=f"best: epoch {best}", showarrow=False, yanchor="bottom",
                           xanchor="left", xshift=4, bgcolor="rgba(255,255,255,0.8)")
    fig.update_xaxes(title_text="epoch", dtick=1 if len(epochs) <= 20 else None)
    caption = (f"{len(epochs)} epochs run; the weights of epoch {best} are kept (best validation "
               f"{metric})." if best else f"{len(epochs)} epochs run.")
    if all(h.get("valid_loss") is None for h in history):
        caption += " This model was trained before the validation loss was recorded."
    return [Chart("curves", "learning curves", fig, caption, wide=True)]
