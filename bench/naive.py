"""The naive member list, served only by the benchmark settings: the same page, but the search
is an unindexed `icontains` over name, pinyin, initials and phone, and the total a COUNT."""

from django.db.models import Q
from django.urls import include, path

from jiceng.members.filters import MemberFilterSet
from jiceng.members.views import MemberListView


class NaiveMemberFilterSet(MemberFilterSet):
    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_pinyin__icontains=value)
            | Q(name_initials__icontains=value)
            | Q(phone__endswith=value)
            | Q(id_number__iexact=value)
        )

    def rollup_match(self):
        return None


class NaiveMemberListView(MemberListView):
    filterset_class = NaiveMemberFilterSet


urlpatterns = [
    path("bench/naive/members/", NaiveMemberListView.as_view(), name="naive_member_list"),
    path("", include("jiceng.urls")),
]
