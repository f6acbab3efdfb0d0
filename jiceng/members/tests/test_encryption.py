"""Personal data at rest: a raw dump of the whole database holds no ID number, phone or
address of any member, however they were entered; search and uniqueness still work."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from jiceng.core import crypto, idnumber
from jiceng.core.testing import PASSWORD, make_member
from jiceng.members import services
from jiceng.members.models import Member
from jiceng.sheets.read import read_sheets
from jiceng.transfer.importing import import_sheets
from jiceng.transfer.tests.sheetfiles import member_row, members_sheet, xlsx

pytestmark = pytest.mark.django_db
ID_LIKE = re.compile(r"[0-9]{17}[0-9X]")


def dump() -> str:
    """Every row of every table as text, read below the ORM."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out += [repr(row) for row in cursor.fetchall()]
    return "\n".join(out)


def test_a_raw_dump_holds_no_personal_data(city, client):
    imported = member_row(city.branch_a1.name, name="周密", 联系电话="13598765432")
    outcome = import_sheets(
        read_sheets(xlsx(members_sheet(imported)), "xlsx"), actor=city.city_admin, write=True
    )
    assert outcome.ok
    assert client.login(username="city_admin", password=PASSWORD)
    client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "id_number", "reason": "核对档案信息"},
    )
    members = list(Member.objects.all())
    assert len(members) == 3
    text = dump()
    for m in members:
        assert m.id_number not in text
        assert m.phone not in text
        assert m.address not in text
    assert [s for s in ID_LIKE.findall(text) if idnumber.is_valid(s)] == []


def test_stored_values_are_ciphertext_and_read_back_plain(city):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address, id_number_hash FROM members_member")
        stored = cursor.fetchall()
    assert all(crypto.is_encrypted(v) for row in stored for v in row[:3])
    m = Member.objects.get(pk=city.member_a1.pk)
    assert idnumber.is_valid(m.id_number) and m.phone == "13812345678"


def test_exact_id_search_and_uniqueness_use_the_keyed_hash(city):
    from jiceng.members.selectors import search_q

    found = Member.objects.filter(search_q(city.member_a1.id_number.lower()))
    assert list(found) == [city.member_a1]
    with pytest.raises(ValidationError) as refused:
        make_member(city.branch_a2, id_number=city.member_a1.id_number)
    assert "already registered" in str(refused.value)


def test_looking_up_an_encrypted_column_fails_loudly():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Member.objects.filter(id_number="11010519491231002X"))


def test_changing_the_id_number_moves_its_hash(city):
    m = city.member_a1
    new = idnumber.make("440802", m.birth_date, 11)
    services.member_update(actor=None, member=m, id_number=new)
    m.refresh_from_db()
    assert m.id_number == new and m.id_number_hash == crypto.lookup_hash(new)
