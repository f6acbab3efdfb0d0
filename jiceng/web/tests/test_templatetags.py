from django.http import QueryDict
from django.utils import translation

from jiceng.members.filters import MemberFilterSet
from jiceng.members.models import Member
from jiceng.web.templatetags.jiceng_web import widget_class


def form_for(query: str):
    fs = MemberFilterSet(QueryDict(query), queryset=Member.objects.none())
    fs.is_valid()
    return fs.form


def test_the_direct_select_keeps_the_chosen_value_and_escapes(db):
    html = widget_class(form_for("education=20")["education"], "form-select")
    assert '<select name="education" id="id_education" class="form-select">' in html
    assert '<option value="20" selected>大学本科</option>' in html
    assert html.count(" selected") == 1


def test_the_direct_select_handles_yes_no_filters(db):
    html = widget_class(form_for("lost_contact=false")["lost_contact"], "form-select")
    assert 'value="false" selected' in html
    html = widget_class(form_for("")["lost_contact"], "form-select")
    assert 'value="unknown" selected' in html


def test_an_invalid_choice_is_marked(db):
    html = widget_class(form_for("education=99")["education"], "form-select")
    assert 'class="form-select is-invalid"' in html


def test_choice_labels_follow_the_language(city):
    member = city.member_a1
    with translation.override("en"):
        assert member.get_leave_status_display() == "在册"
        assert str(member.get_sex_display()) == "男"
    assert Member(education="99").get_education_display() == "99"  # unknown codes shown as-is
