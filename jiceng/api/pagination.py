"""limit/offset pages: {"count", "limit", "offset", "results"}; a page holds at most
settings.PAGE_SIZES[-1] rows, and endpoints compute `count` the cheapest way they know."""

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import create_model

DEFAULT_LIMIT = settings.PAGE_SIZES[0]
MAX_LIMIT = settings.PAGE_SIZES[-1]
MAX_OFFSET = 2**31 - 1  # far past any list; larger numbers overflow the databases' integers


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip")


_pages: dict[type, type[Schema]] = {}


def Page(item: type[Schema]) -> type[Schema]:
    """The response schema of a page of `item`."""
    if item not in _pages:
        _pages[item] = create_model(
            f"{item.__name__}Page",
            __base__=Schema,
            count=(int, ...),
            limit=(int, ...),
            offset=(int, ...),
            results=(list[item], ...),
        )
    return _pages[item]


def page_of(queryset: QuerySet, params: PageParams, count: int) -> dict:
    rows = list(queryset[params.offset : params.offset + params.limit])
    return {"count": count, "limit": params.limit, "offset": params.offset, "results": rows}
