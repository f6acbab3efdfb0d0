import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import idnumber
from jiceng.core.masking import mask_address, mask_id_number, mask_phone


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_standards_own_examples_are_valid(number):
    assert idnumber.parse(number).number == number


def test_full_width_digits_and_lowercase_x_are_normalised():
    info = idnumber.parse("１１０１０５１９４９１２３１００２x ")
    assert info.number == "11010519491231002X"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "2"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "check character"),
        ("110105194902300028", "not a real date"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100X2", "18 characters"),
    ],
)
def test_bad_numbers_say_why(raw, reason):
    with pytest.raises(idnumber.IDNumberError, match=reason):
        idnumber.parse(raw)


def test_a_future_birth_date_is_refused():
    number = idnumber.make("440802", date(2030, 1, 1), 11)
    with pytest.raises(idnumber.IDNumberError, match="future"):
        idnumber.parse(number, today=date(2026, 11, 29))


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2008, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_made_numbers_round_trip(born, sequence):
    number = idnumber.make("440882", born, sequence)
    info = idnumber.parse(number)
    assert info.birth_date == born
    assert info.sex == ("1" if sequence % 2 else "2")
    assert info.address_code == "440882"
    masked = mask_id_number(number)
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert f"{born:%Y%m%d}" not in masked


@given(st.text(max_size=25))
def test_parse_never_crashes_on_junk(raw):
    with contextlib.suppress(idnumber.IDNumberError):
        idnumber.parse(raw)


def test_phone_and_address_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0759-2223333") == "********3333"
    assert mask_address("湛江市赤坎区中山路88号") == "湛江市赤坎区****"
    assert mask_address("湛江") == "湛****"
    assert mask_phone("") == mask_address("") == mask_id_number("") == ""


@given(
    st.lists(
        st.one_of(
            st.builds(
                idnumber.make,
                st.sampled_from(["440882", "110105", "440524"]),
                st.dates(min_value=date(1870, 1, 1), max_value=date(2030, 12, 31)),
                st.integers(min_value=0, max_value=999),
            ),
            st.text(alphabet="0123456789X", min_size=17, max_size=19),
            st.just(""),
        ),
        max_size=30,
    )
)
def test_birth_and_sex_many_reads_what_parse_reads(numbers):
    """The column-wise reading (bulk imports) agrees with `parse` on every number, valid or
    not: the same birth date and sex, None where parse refuses."""
    today = date(2026, 11, 29)
    expected = []
    for number in numbers:
        try:
            info = idnumber.parse(number, today=today)
        except idnumber.IDNumberError:
            expected.append(None)
        else:
            expected.append((info.birth_date, info.sex))
    assert idnumber.birth_and_sex_many(numbers, today=today) == expected
