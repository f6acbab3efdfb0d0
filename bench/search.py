"""Member search at city scope: the indexed search of the member list against the naive one.

    .venv/bin/python bench/search.py

For each query, the first page (25 rows) and the total of the city admin's member list:
`indexed` is selectors.search_q (index ranges on name, pinyin, initials, phone tail, exact ID),
`naive` an icontains over the same columns (a scan of 322,000 rows). Both must find the same
members for prefix queries.
"""

from common import save, setup_django, timed

setup_django()

from django.db.models import Q  # noqa: E402

from jiceng.accounts.models import User  # noqa: E402
from jiceng.members.models import Member  # noqa: E402
from jiceng.members.selectors import members_visible_to, search_q  # noqa: E402


def naive_q(text: str) -> Q:
    return (
        Q(name__icontains=text)
        | Q(name_pinyin__icontains=text)
        | Q(name_initials__icontains=text)
        | Q(phone__endswith=text)
        | Q(id_number__iexact=text)
    )


def page(user, q):
    qs = members_visible_to(user).on_rolls().filter(q)
    return list(qs[:25]), qs.count()


def main():
    user = User.objects.get(username="admin")
    sample = Member.objects.order_by("id")[1000]
    queries = {
        "initials": "zs",
        "pinyin": "chenwei",
        "name": sample.name[:2],
        "phone_tail": sample.phone[-4:],
        "id_number": sample.id_number,
    }
    results = {}
    for label, text in queries.items():
        rows, total = page(user, search_q(text))
        row = {
            "query": text if label != "id_number" else "<an ID number>",
            "total": total,
            "indexed": timed(lambda t=text: page(user, search_q(t)), repeat=20),
        }
        row["naive"] = timed(lambda t=text: page(user, naive_q(t)), repeat=5, warmup=1)
        row["naive_vs_indexed"] = round(row["naive"]["median_ms"] / row["indexed"]["median_ms"], 1)
        results[label] = row
        print(label, row, flush=True)
    save("search", {"scope": "city admin (322,000 members)", "queries": results})


if __name__ == "__main__":
    main()
