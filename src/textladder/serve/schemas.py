"""The bodies `POST /predict` accepts and answers, with the server's limits declared on the fields.

A request is one of
    {"text": "what a lovely day"}
    {"texts": ["great", "awful"]}
    {"rows": [{"text": "great", "<feature column>": ...}, ...]}
`rows` is the form that carries a model's side columns: each row names them beside its text,
as a row of the training table did, and a model that reads side columns takes only rows. The
models are built per server (`request_model`), so that the limits it was started with and the
model's feature columns are part of the schema: pydantic refuses what breaks them (422, and
`/docs` shows them), and unknown fields are refused, never ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import (AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field,
                      StringConstraints, create_model, model_validator)

from textladder.serve.settings import ServeSettings

FeatureValue = Union[float, int, str, bool, None]


def _number_or_missing(value: Any) -> Any:
    """A numeric feature's value: a number (or a string of one); blank is missing; true and
    false are not numbers."""
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    if isinstance(value, str) and not value.strip():
        return None
    return value


NumericValue = Annotated[Optional[float], BeforeValidator(_number_or_missing)]
LabelValue = Union[str, int, float, bool, list[Union[str, int, float, bool]]]


class Prediction(BaseModel):
    """One text's answer: `label` and `probabilities` (one per label) for classifiers, `value`
    for regressions. A multi-label model's `label` is the list of labels it predicts."""

    label: LabelValue | None = None
    probabilities: dict[str, float] | None = None
    value: float | None = None


class PredictResponse(BaseModel):
    predictions: list[Prediction] = Field(description="One per text or row, in the order given.")


class ErrorResponse(BaseModel):
    error: str = Field(description="What was wrong, in one line.")
    detail: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: str
    model: str | None = Field(None, description="The model's directory (with the API key, when "
                                                "the server has one).")
    model_calls: int | None = Field(None, description="Model calls made since the worker "
                                                      "started.")
    texts_predicted: int | None = Field(None, description="Texts predicted since the worker "
                                                          "started; over model_calls, how well "
                                                          "requests are batched.")


def row_model(settings: ServeSettings, features: list[str], text_column: str | None = None,
              kinds: dict[str, str] | None = None) -> type[BaseModel]:
    """A row: its text and, by name, each of the model's feature columns (all required). The
    text is `text`, or the name of the training table's text column (`text_column`); other
    fields, a label column among them, are refused."""
    Text = Annotated[str, StringConstraints(max_length=settings.max_text_chars)]
    kinds = kinds or {}
    columns: dict[str, Any] = {
        f"feature_{i}": (NumericValue if kinds.get(name) == "numeric" else FeatureValue,
                         Field(alias=name, description=f"feature column {name} "
                                                       f"({kinds.get(name, 'any kind')})"))
        for i, name in enumerate(features)
    }
    own = text_column if text_column and text_column not in ("text", *features) else None
    text = Field(description="The text to classify" + (f" (or '{own}', its column in the "
                                                       f"training table)." if own else "."),
                 validation_alias=AliasChoices("text", own) if own else None)
    return create_model("Row", __config__=ConfigDict(extra="forbid", populate_by_name=False),
                        text=(Text, text), **columns)


def request_model(settings: ServeSettings, features: list[str],
                  text_column: str | None = None,
                  kinds: dict[str, str] | None = None) -> type[BaseModel]:
    """The body of `POST /predict` for this server's limits and this model's feature columns
    (and text column, another name a row's text may take)."""
    Text = Annotated[str, StringConstraints(max_length=settings.max_text_chars)]
    Row = row_model(settings, features, text_column, kinds)

    class PredictRequest(BaseModel):
        """Exactly one of `text`, `texts` or `rows`."""

        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
            {"text": "what a lovely day"}, {"texts": ["great", "awful"]}]})

        text: Text | None = Field(None, description="One text.")
        texts: list[Text] | None = Field(None, min_length=1,
                                         max_length=settings.max_batch,
                                         description="A batch of texts.")
        rows: list[Row] | None = Field(None, min_length=1, max_length=settings.max_batch,
                                       description="A batch of rows: a text and the model's "
                                                   "feature columns each.")

        @model_validator(mode="after")
        def _one_form(self) -> "PredictRequest":
            given = [name for name in ("text", "texts", "rows") if getattr(self, name) is not None]
            nulls = [name for name in ("text", "texts", "rows")
                     if name in self.model_fields_set and getattr(self, name) is None]
            if not given and nulls:
                raise ValueError(f"'{nulls[0]}' is null; send a text (\"\" for none), or "
                                 f"a list of them")
            if len(given) != 1:
                raise ValueError("give exactly one of 'text', 'texts' or 'rows'"
                                 + (f"; got {', '.join(given)}" if given else ""))
            if features and not self.rows:
                raise ValueError(f"this model reads the feature columns {', '.join(features)} "
                                 f"beside each text: send 'rows', each with 'text' and them")
            return self

        def items_given(self) -> list[Any]:
            """What the model reads, in order: the texts, or each row as a dict of its text
            and feature columns by name."""
            if self.text is not None:
                return [self.text]
            if self.texts is not None:
                return list(self.texts)
            return [r.model_dump(by_alias=True) for r in self.rows]

    return PredictRequest
