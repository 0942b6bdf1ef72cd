"""Validation of the application record: every rule, all errors at once, never a crash."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station import i18n
from station.checks import id_number_problem, make_id_number, uscc_problem
from station.errors import ValidationError
from station.profile.demo import demo_profile
from station.samples import sample_record, synthetic_record
from station.validation import (
    MESSAGES,
    check_application,
    eligibility,
    validate_application,
    validate_person,
)

TODAY = dt.date(2026, 11, 24)
DEMO = demo_profile("4501")  # the demo table as the station profile


def codes_of(record, **kw):
    kw.setdefault("profile", DEMO)
    return {(e.field, e.code) for e in validate_application(record, today=TODAY, **kw)}


def test_sample_and_synthetic_records_are_valid():
    assert validate_application(sample_record(), today=TODAY, profile=DEMO) == []
    rng = random.Random(0)
    for _ in range(500):
        assert validate_application(synthetic_record(rng, TODAY), today=TODAY, profile=DEMO) == []


def test_without_a_profile_the_community_is_refused_with_what_to_do():
    found = codes_of(sample_record(), profile=None, city="4501")
    assert found == {("residence.community", "profile_missing")}
    errors = validate_application(sample_record(), today=TODAY)
    assert "station profile import" in errors[0].message
    # the central service without a table for the city checks the district only
    assert codes_of(sample_record(), profile=None, unchecked_communities=True) == set()
    rec = sample_record()
    rec["residence"]["division_code"] = "999999"
    assert ("residence.division_code", "division_not_in_city") in codes_of(
        rec, profile=None, unchecked_communities=True
    )


def test_the_profile_decides_district_and_community():
    """A Xi'an profile: a Nanning district is outside the city; a Xi'an community of another
    district, or one of the demo table, is not in the district's table."""
    from station.profile.check import parse_document

    xian = parse_document(
        {
            "format": "station-profile",
            "version": "1",
            "city": "6101",
            "streets": [{"code": "610113002", "name": "小寨路街道"}],
            "communities": [{"code": "610113002001", "name": "长延堡社区"}],
        }
    )
    rec = sample_record()
    assert ("residence.division_code", "division_not_in_city") in codes_of(rec, profile=xian)
    rec["residence"].update(division_code="610113", community="长延堡社区")
    assert codes_of(rec, profile=xian) == set()
    rec["residence"]["community"] = DEMO.communities_of("450103")[0].name
    assert ("residence.community", "community_unknown") in codes_of(rec, profile=xian)
    rec["residence"].update(division_code="610104", community="长延堡社区")
    assert ("residence.community", "community_unknown") in codes_of(rec, profile=xian)


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "11010519491231002x", "360426199101010071"]
)
def test_spec_id_examples_valid(value):
    assert id_number_problem(value) is None


@pytest.mark.parametrize(
    "value,code",
    [
        ("110105194912310021", "id_check_digit"),
        ("11010519491231002", "id_format"),
        ("00010519491231002X", "id_province"),
        ("110105194902300021", "id_birth_date"),
        ("11010519491231002Y", "id_format"),
        ("１１010519491231002X", "id_format"),
    ],
)
def test_id_number_problems(value, code):
    assert id_number_problem(value) == code


def test_uscc_example_and_errors():
    assert uscc_problem("91110000600037341L") is None
    assert uscc_problem("91110000600037341M") == "uscc_check_char"
    assert uscc_problem("9111000060003734IL") == "uscc_format"


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("person.id_number", "110105194912310021", ("person.id_number", "id_check_digit")),
        ("person.birth_date", "1991-01-02", ("person.birth_date", "birth_date_mismatch")),
        ("person.sex", "2", ("person.sex", "sex_mismatch")),
        ("person.ethnic", "77", ("person.ethnic", "code_unknown")),
        ("person.phone", "1380000000", ("person.phone", "phone")),
        ("person.phone", "0771-5550000", None),
        ("person.id_valid_to", "2020-01-01", ("person.id_valid_to", "id_expired")),
        ("person.id_valid_to", "长期", None),
        ("person.birth_date", "1991/01/01", ("person.birth_date", "date_format")),
        ("person.name", "测试1", ("person.name", "name_chars")),
        ("person.name", "阿依古丽·测试", None),
        ("residence.division_code", "610113", ("residence.division_code", "division_not_in_city")),
        ("residence.community", "不存在社区", ("residence.community", "community_unknown")),
        ("residence.arrival_date", "2027-01-01", ("residence.arrival_date", "date_in_future")),
        ("residence.intended_months", 5, ("residence.intended_months", "stay_too_short")),
        ("residence.intended_months", "12", ("residence.intended_months", "type")),
        ("residence.intended_months", True, ("residence.intended_months", "type")),
        ("residence.reason", "99", ("residence.reason", "code_unknown")),
        ("employer.uscc", "91110000600037341M", ("employer.uscc", "uscc_check_char")),
        ("dwelling.type", "castle", ("dwelling.type", "code_unknown")),
        (
            "dwelling.landlord.id_number",
            "110105194912310021",
            ("dwelling.landlord.id_number", "id_check_digit"),
        ),
        ("kind", "visa", ("kind", "kind")),
    ],
)
def test_single_rules(field, value, expected):
    rec = sample_record()
    target = rec
    parts = field.split(".")
    for p in parts[:-1]:
        target = target[p]
    target[parts[-1]] = value
    found = codes_of(rec, city="4501")
    if expected is None:
        assert found == set()
    else:
        assert expected in found


def test_all_errors_at_once_and_unknown_keys_everywhere():
    rec = sample_record()
    rec["extra"] = 1
    rec["person"]["nickname"] = "x"
    rec["residence"]["floor"] = 3
    rec["person"]["phone"] = "123"
    rec["employer"]["uscc"] = "bad"
    found = codes_of(rec)
    assert {
        ("extra", "unknown_field"),
        ("person.nickname", "unknown_field"),
        ("residence.floor", "unknown_field"),
        ("person.phone", "phone"),
        ("employer.uscc", "uscc_format"),
    } <= found


def test_eligibility_rules():
    rec = sample_record()
    rec["employer"] = None
    assert ("employer", "employer_required") in codes_of(rec)
    rec = sample_record()
    rec["dwelling"] = {"type": "rented"}
    assert ("dwelling.landlord", "landlord_required") in codes_of(rec)
    child = sample_record()
    birth = dt.date(2015, 6, 1)
    child["person"].update(
        id_number=make_id_number("360426", birth, 7), birth_date=birth.isoformat(), sex="1"
    )
    assert ("guardian", "under_16_needs_guardian") in codes_of(child)
    child["guardian"] = {
        "name": "测试监护",
        "id_number": "11010519491231002X",
        "relation": "parent",
        "phone": "13800000009",
    }
    assert codes_of(child) == set()
    info = eligibility(child, TODAY)
    assert info["eligible"] and info["age"] == 11 and info["guardian"]


def test_hong_kong_and_foreign_numbers_refused():
    rec = sample_record()
    hk = make_id_number("810000", dt.date(1991, 1, 1), 7)
    rec["person"]["id_number"] = hk
    assert ("person.id_number", "card_type_not_eligible") in codes_of(rec)


def test_kinds_need_different_sections():
    dereg = {"kind": "deregistration", "person": sample_record()["person"]}
    assert codes_of(dereg) == set()
    change = {"kind": "change", "person": sample_record()["person"]}
    assert ("residence", "required") in codes_of(change)


def test_check_application_normalizes_and_raises():
    rec = sample_record()
    rec["person"]["id_number"] = "  11010519491231002x "
    rec["person"].update(birth_date="1949-12-31", sex="2")
    out = check_application(rec, today=TODAY, profile=DEMO)
    assert out["person"]["id_number"] == "11010519491231002X"
    with pytest.raises(ValidationError) as exc:
        check_application({"kind": "new"}, today=TODAY)
    assert {"person", "residence", "dwelling"} <= {e.field for e in exc.value.errors}


def test_validate_person_alone():
    person = sample_record()["person"]
    assert validate_person(person, today=TODAY) == []
    person["id_number"] = "110105194912310021"
    assert validate_person(person, today=TODAY)[0].code == "id_check_digit"


def test_messages_exist_in_chinese_and_english():
    for lang in ("zh_CN", "en"):
        i18n.set_language(lang)
        try:
            for code, msg in MESSAGES.items():
                text = i18n._(msg, n=5)
                assert text
                if lang == "zh_CN":
                    assert text != msg, code
        finally:
            i18n.set_language("zh_CN")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


@given(json_values)
def test_fuzz_never_raises(value):
    errors = validate_application(value, today=TODAY)
    assert errors
    for e in errors:
        assert isinstance(e.field, str) and isinstance(e.code, str) and e.message


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "person",
                "residence",
                "dwelling",
                "employer",
                "guardian",
                "members",
                "services",
                "kind",
            ]
        ),
        json_values,
        max_size=8,
    )
)
def test_fuzz_sections(value):
    rec = sample_record()
    rec.update(value)
    for e in validate_application(rec, today=TODAY, profile=DEMO):
        assert (
            e.field == ""
            or e.field.split(".")[0] in rec
            or e.field in ("guardian", "employer", "dwelling.landlord")
        )


@given(st.integers(0, 16), st.sampled_from("0123456789X"))
def test_any_single_change_breaks_the_id_check(pos, char):
    good = "360426199101010071"
    if good[pos] == char:
        return
    bad = good[:pos] + char + good[pos + 1 :]
    assert id_number_problem(bad) is not None


def test_deeply_nested_input_does_not_crash():
    deep: object = "x"
    for _ in range(5000):
        deep = {"person": deep}
    assert validate_application(deep, today=TODAY)
