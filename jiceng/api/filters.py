"""Query-parameter schemas documented from a page's FilterSet, so the API's filters never drift
from the page's: the FilterSet alone validates and applies them."""

from ninja import Field, Schema
from pydantic import create_model


def _describe(f) -> str:
    text = str(f.label or "")
    choices = f.extra.get("choices")
    if choices and not callable(choices):
        text += ": " + ", ".join(f"{value} ({label})" for value, label in choices)
    return text


def query_schema(name: str, filterset_class) -> type[Schema]:
    return create_model(
        name,
        __base__=Schema,
        **{
            field: (str | None, Field(None, description=_describe(f)))
            for field, f in filterset_class.base_filters.items()
        },
    )
