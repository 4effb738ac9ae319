"""What the columns beside the text are worth to a model: their permutation importance.

Read from `config.json` (`feature_importance`, recorded by `train` with `importance.py`): the fall
of the primary metric on the validation rows when one feature column's values are shuffled across
them (and when all are), averaged over the repeats, with their spread. A fall near zero means
the model does not use the column; a negative one, that it does no better with it than with noise.
Models fitted without feature columns draw nothing.
"""

from __future__ import annotations

import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, colour, figure
from textladder.report.sources import ModelView


def build(view: ModelView, cache: dict) -> list[Block]:
    importance = view.config.get("feature_importance")
    if not importance or not importance.get("columns"):
        return []
    columns = sorted(importance["columns"], key=lambda c: c["fall"])
    fig = figure(height=max(220, 40 * len(columns) + 80))
    fig.add_trace(go.Bar(
        x=[c["fall"] for c in columns], y=[f"{c['name']} ({c['kind']})" for c in columns],
        orientation="h", marker_color=[colour(1) if c["kind"] == "all" else colour(0)
                                       for c in columns],
        error_x={"type": "data", "array": [c["spread"] for c in columns], "visible": True},
        hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_xaxes(title_text=f"fall of validation {importance['metric']} when shuffled")
    caption = (f"Permutation importance on {importance['rows']:,} validation rows "
               f"({importance['repeats']} shuffles each; bars: the mean fall, whiskers: its "
               f"spread) from {importance['metric']} {importance['score']:.4f}. 'all columns' "
               f"shuffles every feature column at once: what they add beside the text.")
    return [Chart("feature-importance", "columns beside the text", fig, caption)]
