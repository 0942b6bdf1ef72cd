"""The station profile (issue 14, item 1): every rule on a profile file, all problems at
once and nothing stored on any; versioned, audited and switched in one transaction through
the real CLI and the real encrypted store; a station without one refuses communities."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.errors import UsageError, ValidationError
from station.profile import is_newer, version_key
from station.profile.check import parse_document
from station.profile.demo import demo_document, demo_profile
from station.profile.files import read_profile
from tests.conftest import PASSWORD, StationFixture, run_cli
from tests.profiles import XIAN_STATION_CODE, write_json, write_xlsx, xian_document, xian_record


def problems(doc) -> set[tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        parse_document(doc)
    return {(e.field, e.code) for e in exc.value.errors}


def test_the_example_and_the_demo_table_are_valid_profiles():
    xian = parse_document(xian_document())
    assert (xian.version, xian.city, xian.city_name) == ("2026.3", "6101", "西安市")
    assert len(xian.streets) == 10 and len(xian.communities) == 27
    assert {d["district"] for d in xian.counts()} == {"610103", "610112", "610113"}
    assert xian.find("610113", "八里村社区").street == "小寨路街道"
    assert xian.label("610113", "八里村社区") == "雁塔区 小寨路街道 八里村社区"
    demo = demo_profile("4501")
    # another city's names: none of the example's streets or communities is a demo one
    assert not {s.name for s in xian.streets} & {s.name for s in demo.streets}
    assert not {c.name for c in xian.communities} & {c.name for c in demo.communities}
    assert parse_document(demo_document("6101")).city == "6101"


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"format": "other"}, ("format", "not_profile")),
        ({"version": ""}, ("version", "required")),
        ({"version": "2026 3"}, ("version", "version_format")),
        ({"version": 2026}, ("version", "version_format")),
        ({"city": "9999"}, ("city", "city_unknown")),
        ({"city": "61011"}, ("city", "city_unknown")),
        ({"extra": 1}, ("extra", "unknown_field")),
        ({"streets": []}, ("streets", "empty")),
        ({"communities": "x"}, ("communities", "type")),
        ({"station": {"name": ""}}, ("station.name", "required")),
        ({"station": {"name": "站", "phone": "call me"}}, ("station.phone", "phone")),
        ({"station": {"name": "站", "fax": "1"}}, ("station.fax", "unknown_field")),
        ({"station": {"name": "x" * 51}}, ("station.name", "too_long")),
    ],
)
def test_top_level_rules(change, expected):
    assert expected in problems(xian_document(**change))


@pytest.mark.parametrize(
    "where,row,expected",
    [
        ("streets", {"code": "61011300", "name": "甲街道"}, "street_code_format"),
        ("streets", {"code": "610113000", "name": "甲街道"}, "code_zero"),
        ("streets", {"code": "450103009", "name": "甲街道"}, "district_not_in_city"),
        ("streets", {"code": "610121009", "name": "甲街道"}, "district_not_in_city"),  # retired
        ("streets", {"code": "610113001", "name": "甲街道"}, "duplicate_code"),
        ("streets", {"code": "610113009", "name": "小寨路街道"}, "duplicate_name"),
        ("streets", {"code": "610113009", "name": "甲\u202e街道"}, "bad_chars"),  # bidi override
        ("streets", {"code": "610113009", "name": "甲\x07街道"}, "bad_chars"),
        ("streets", {"code": "610113009", "name": "甲\u200b街道"}, "bad_chars"),  # zero width
        ("streets", {"code": "610113009", "name": "  "}, "required"),
        ("streets", {"code": "610113009", "name": "甲" * 31}, "too_long"),
        ("streets", {"code": "610113009", "name": "甲街道", "x": 1}, "unknown_field"),
        ("communities", {"code": "61011300100", "name": "甲社区"}, "community_code_format"),
        ("communities", {"code": "610113001000", "name": "甲社区"}, "code_zero"),
        ("communities", {"code": "610113009001", "name": "甲社区"}, "street_unknown"),
        ("communities", {"code": "610113001001", "name": "甲社区"}, "duplicate_code"),
        ("communities", {"code": "610113002009", "name": "八里村社区"}, "duplicate_name"),
        ("communities", {"code": "610113002009", "name": "甲\u2066社区"}, "bad_chars"),
        ("communities", {"code": "610113002009", "name": "甲" * 51}, "too_long"),
        ("communities", {"code": 610113002009.5, "name": "甲社区"}, "community_code_format"),
    ],
)
def test_row_rules_name_the_row_and_field(where, row, expected):
    doc = xian_document()
    doc[where].append(row)
    index = len(doc[where]) - 1
    found = problems(doc)
    assert any(f.startswith(f"{where}.{index}") and c == expected for f, c in found), found


def test_every_problem_at_once_and_the_same_name_in_another_district_is_fine():
    doc = xian_document()
    doc["streets"].append({"code": "610103009", "name": "小寨路街道"})  # another district
    doc["communities"].append({"code": "610103009001", "name": "八里村社区"})
    assert parse_document(doc).find("610103", "八里村社区").street_code == "610103009"
    doc["streets"].append({"code": "1", "name": ""})
    doc["communities"].append({"code": "x", "name": "\x00"})
    doc["version"] = "v 1"
    found = problems(doc)
    assert {
        ("version", "version_format"),
        ("streets.11.code", "street_code_format"),
        ("streets.11.name", "required"),
        ("communities.28.code", "community_code_format"),
        ("communities.28.name", "bad_chars"),
    } <= found


def test_problems_are_capped_with_a_last_line_saying_so():
    doc = xian_document(communities=[{"code": "1", "name": ""} for _ in range(500)])
    with pytest.raises(ValidationError) as exc:
        parse_document(doc)
    assert len(exc.value.errors) == 201 and exc.value.errors[-1].code == "too_many_errors"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_any_input_is_a_profile_or_a_list_of_problems(value):
    try:
        parse_document(value)
    except ValidationError as exc:
        assert exc.errors and all(e.code and e.message for e in exc.errors)


@given(
    st.sampled_from(["version", "city", "station", "streets", "communities"]),
    json_values,
)
def test_any_section_replaced_by_anything(section, value):
    doc = xian_document()
    doc[section] = value
    try:
        parse_document(doc)
    except ValidationError as exc:
        assert exc.errors and all(e.field and e.code for e in exc.errors)


def test_versions_compare_by_parts():
    assert is_newer("2026.10", "2026.9") and is_newer("2026.3.1", "2026.3")
    assert not is_newer("2026.3", "2026.3") and not is_newer("2025.12", "2026.1")
    assert version_key("2026-3") == version_key("2026.3")


# -- files ------------------------------------------------------------------------------------
def test_xlsx_round_trip_and_problems_by_sheet_and_row(tmp_path):
    good = write_xlsx(tmp_path / "p.xlsx", xian_document())
    assert read_profile(good) == parse_document(xian_document())
    from openpyxl import load_workbook

    wb = load_workbook(good)
    wb["社区"]["A5"] = "610113001000"  # the 4th community
    wb["街道"]["B3"] = "小寨路街道"  # the 2nd street, the 1st's name… in another district
    wb["站点"]["B3"] = "9999"  # the city
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(ValidationError) as exc:
        read_profile(tmp_path / "bad.xlsx")
    by_code = {e.code: e.to_json() for e in exc.value.errors}
    assert by_code["code_zero"]["sheet"] == "社区" and by_code["code_zero"]["row"] == 5
    assert by_code["city_unknown"]["row"] == 3 and "站点" in by_code["city_unknown"]["message"]
    wb = load_workbook(good)
    wb["社区"]["C1"] = "备注"
    wb.save(tmp_path / "col.xlsx")
    with pytest.raises(ValidationError) as exc:
        read_profile(tmp_path / "col.xlsx")
    assert exc.value.errors[0].code == "unknown_column"


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("p.txt", b"{}", "bad_format"),
        ("p.xlsx", b"PK\x03\x04 not really", "bad_file"),
        ("missing.json", None, "no_file"),
    ],
)
def test_unreadable_files_are_usage_errors(tmp_path, name, content, code):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as exc:
        read_profile(path)
    assert exc.value.code == code


def test_json_syntax_and_encoding_are_validation_errors(tmp_path):
    for content, code in ((b"{nope", "invalid_json"), (b"\xff\xfe{}", "not_utf8")):
        (tmp_path / "p.json").write_bytes(content)
        with pytest.raises(ValidationError) as exc:
            read_profile(tmp_path / "p.json")
        assert exc.value.errors[0].code == code


# -- the store ------------------------------------------------------------------------------
@pytest.fixture
def xian(tmp_path):
    """A Xi'an station without a profile yet."""
    from station.store import Station

    station = Station(tmp_path / "xian")
    station.init(XIAN_STATION_CODE, "tech", PASSWORD, "6101")
    with station.login("tech", PASSWORD) as tech:
        tech.add_operator("coord", "coordinator", PASSWORD)
    return station


def test_install_is_one_transaction(xian, monkeypatch):
    from station import audit

    with xian.login("tech", PASSWORD) as tech:
        first = parse_document(xian_document())
        tech.profiles.install(first, source="/media/usb/xian.json")
        newer = parse_document(
            xian_document(
                version="2026.4", station={"name": "新名字服务站", "phone": "029-88886666"}
            )
        )
        real = audit.append

        def broken(conn, operator, action, *a, **kw):
            if action == "profile.import":
                raise OSError("disk full")
            return real(conn, operator, action, *a, **kw)

        monkeypatch.setattr(audit, "append", broken)
        with pytest.raises(OSError):
            tech.profiles.install(newer, source="x.json")
        monkeypatch.undo()
        assert tech.station_profile().version == "2026.3"
        assert tech.config_get("station.name") == "雁塔区小寨路街道流动人口服务站"
        assert tech.conn.execute("SELECT count(*) FROM profiles").fetchone()[0] == 1
        info = tech.profiles.info()
        assert info["source"] == "xian.json" and info["origin"] == "file"  # the name, not where


def test_coordinators_may_not_import_and_the_city_is_the_profiles(xian):
    from station.errors import AuthError

    with xian.login("coord", PASSWORD) as coord, pytest.raises(AuthError):
        coord.profiles.install(parse_document(xian_document()), source="x.json")
    with xian.login("tech", PASSWORD) as tech:
        with pytest.raises(UsageError) as exc:
            tech.profiles.install(demo_profile("4501"), source="demo")
        assert exc.value.code == "profile_other_city"
        tech.profiles.install(parse_document(xian_document()), source="x.json")
        with pytest.raises(ValidationError) as refused:
            tech.config_set("station.city", "4501")
        assert refused.value.errors[0].code == "city_from_profile"
        tech.config_set("station.city", "6101")


# -- through the CLI ------------------------------------------------------------------------
def env_of(station, user: str) -> dict[str, str]:
    import os

    return dict(
        os.environ,
        STATION_DATA_DIR=str(station.data_dir),
        STATION_USER=user,
        STATION_PASSWORD=PASSWORD,
        STATION_LANG="en",
    )


def test_cli_without_a_profile_then_import_show_versions_and_audit(xian, tmp_path):
    tech, coord = env_of(xian, "tech"), env_of(xian, "coord")
    # no profile: intake refuses the community saying what to do, and doctor says it
    out = run_cli("--json", "app", "add", "-", env=coord, input=json.dumps(xian_record()))
    assert out.returncode == 4
    assert json.loads(out.stdout)["errors"] == [
        {
            "field": "residence.community",
            "code": "profile_missing",
            "message": "No station profile is loaded, so no community can be checked: a "
            "technician must import the city's profile ('station profile import FILE')",
        }
    ]
    doctor = json.loads(run_cli("--json", "doctor", env=tech).stdout)
    line = next(c for c in doctor["checks"] if c["name"] == "profile")
    assert line["status"] == "fail" and "station profile import" in line["fix"]
    shown = run_cli("--json", "profile", "show", env=tech)
    assert json.loads(shown.stdout) == {"profile": None}

    # a broken file: exit 4, every problem, nothing stored
    bad = xian_document()
    bad["communities"][3]["code"] = "610113009001"
    bad["streets"][0]["name"] = "甲\u202e"
    out = run_cli(
        "--json", "profile", "import", str(write_json(tmp_path / "b.json", bad)), env=tech
    )
    assert out.returncode == 4
    assert {(e["field"], e["code"]) for e in json.loads(out.stdout)["errors"]} >= {
        ("communities.3.code", "street_unknown"),
        ("streets.0.name", "bad_chars"),
    }
    assert json.loads(run_cli("--json", "profile", "show", env=tech).stdout) == {"profile": None}

    # --check shows what a file holds and stores nothing
    xlsx = write_xlsx(tmp_path / "xian.xlsx", xian_document())
    out = run_cli("--json", "profile", "import", "--check", str(xlsx), env=tech)
    assert out.returncode == 0 and json.loads(out.stdout)["communities"] == 27
    assert json.loads(run_cli("--json", "profile", "show", env=tech).stdout) == {"profile": None}

    # the technician imports it; a coordinator may not
    assert run_cli("profile", "import", str(xlsx), env=coord).returncode == 3
    out = run_cli("--json", "profile", "import", str(xlsx), env=tech)
    assert out.returncode == 0, out.stderr
    info = json.loads(run_cli("--json", "profile", "show", env=tech).stdout)["profile"]
    assert (info["version"], info["city"], info["communities"], info["source"]) == (
        "2026.3",
        "6101",
        27,
        "xian.xlsx",
    )
    assert info["station"]["phone"] == "029-85230000"
    assert [d["district"] for d in info["districts"]] == ["610103", "610112", "610113"]
    text = run_cli("profile", "show", env=tech).stdout
    assert "雁塔区 (610113): 5 streets, 16 communities" in text

    # the same version again is refused (exit 1) unless forced; an older one too
    again = run_cli("--json", "profile", "import", str(xlsx), env=tech)
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "profile_not_newer"
    older = write_json(tmp_path / "old.json", xian_document(version="2026.2"))
    assert run_cli("profile", "import", str(older), env=tech).returncode == 1
    assert run_cli("profile", "import", "--force", str(older), env=tech).returncode == 0
    newer = write_json(tmp_path / "new.json", xian_document(version="2026.10"))
    assert run_cli("profile", "import", str(newer), env=tech).returncode == 0

    with xian.login("tech", PASSWORD) as store:
        entries = store.conn.execute(
            "SELECT detail FROM audit WHERE action = 'profile.import' ORDER BY seq"
        ).fetchall()
        assert [json.loads(d[0])["version"] for d in entries] == ["2026.3", "2026.2", "2026.10"]
        assert json.loads(entries[1][0])["forced"] is True
        assert [h["active"] for h in store.profiles.history()] == [False, False, True]
        assert store.verify_audit().ok

    # now the same record goes in, and a demo community is not one of Xi'an's
    out = run_cli("--json", "app", "add", "-", env=coord, input=json.dumps(xian_record()))
    assert out.returncode == 0, out.stdout
    out = run_cli("--json", "app", "add", "-", env=coord, input=json.dumps(xian_record("团结社区")))
    assert json.loads(out.stdout)["errors"][0]["code"] == "community_unknown"
    doctor = json.loads(run_cli("--json", "doctor", env=tech).stdout)
    line = next(c for c in doctor["checks"] if c["name"] == "profile")
    assert line["status"] == "ok" and "2026.10" in line["detail"]


def test_cli_template_and_usage(xian, tmp_path):
    tech = env_of(xian, "tech")
    out = run_cli("profile", "import", "--template", str(tmp_path / "t.xlsx"), env=tech)
    assert out.returncode == 0 and read_profile(tmp_path / "t.xlsx").city == "6101"
    assert run_cli("profile", "import", env=tech).returncode == 2
    missing = run_cli("profile", "import", "--template", str(tmp_path / "no" / "t.xlsx"), env=tech)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert run_cli("profile", "import", str(tmp_path / "p.csv"), env=tech).returncode == 2


def test_the_fixture_station_has_the_demo_table_loaded(station):
    with station.login("tech") as tech:
        info = tech.profiles.info()
    assert info["origin"] == "demo" and info["city"] == "4501"
    bare = StationFixture(station.data_dir.parent / "bare", profile=False)
    try:
        assert bare.login("coord").station_profile() is None
    finally:
        bare.close()


# -- kill -9 while switching ----------------------------------------------------------------
SWITCHER = r"""
import json, sys
from station.profile.check import parse_document
from station.store import Station
tech = Station(sys.argv[1]).login("tech", sys.argv[2])
docs = [json.loads(open(p, encoding="utf-8").read()) for p in sys.argv[3:]]
profiles = [parse_document(d) for d in docs]
print("ready", flush=True)
i = 0
while True:
    tech.profiles.install(profiles[i % 2], source="big.json", force=True)
    i += 1
"""


def big_document(version: str, name: str) -> dict:
    """A Xi'an profile of 60 streets and 6,000 communities."""
    streets = [{"code": f"610113{i:03d}", "name": f"{name}{i}街道"} for i in range(1, 61)]
    communities = [
        {"code": f"{s['code']}{j:03d}", "name": f"{name}{i}街{j}社区"}
        for i, s in enumerate(streets, 1)
        for j in range(1, 101)
    ]
    return xian_document(
        version=version,
        station={"name": f"{name}服务站"},
        streets=streets,
        communities=communities,
    )


def test_kill_9_while_switching_leaves_one_whole_profile(xian, tmp_path):
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    docs = {"A": big_document("1", "甲"), "B": big_document("2", "乙")}
    paths = [str(write_json(tmp_path / f"{k}.json", d)) for k, d in docs.items()]
    with xian.login("tech", PASSWORD) as tech:
        tech.profiles.install(parse_document(docs["A"]), source="A.json")
    rng = random.Random(14)
    for _ in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", SWITCHER, str(xian.data_dir), PASSWORD, *paths],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        with xian.login("tech", PASSWORD) as tech:
            active = tech.conn.execute(
                "SELECT version, document FROM profiles WHERE active = 1"
            ).fetchall()
            assert len(active) == 1
            version, document = active[0]
            profile = tech.station_profile()
            assert profile.version == version and len(profile.communities) == 6_000
            assert json.loads(document)["station"]["name"] == tech.config_get("station.name")
            assert tech.config_get("station.name") == {"1": "甲服务站", "2": "乙服务站"}[version]
            assert tech.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert tech.verify_audit().ok
        # killed at any point: one whole profile active, the settings of that very one
