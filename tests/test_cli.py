"""The command line as a product interface: JSON output and exit codes (specs/cli.md)."""

from __future__ import annotations

import json

from station.samples import sample_record
from tests.conftest import PASSWORD, run_cli


def test_init_prints_recovery_code_once(tmp_path):
    env = {
        "STATION_DATA_DIR": str(tmp_path / "d"),
        "STATION_PASSWORD": PASSWORD,
        "PATH": "/usr/bin:/bin",
        "STATION_LANG": "en",
    }
    out = run_cli("--json", "init", "--station-code", "450103000001", "--admin", "tech", env=env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["station_code"] == "450103000001"
    assert len(doc["recovery_code"].replace("-", "")) == 25
    again = run_cli("init", "--station-code", "450103000001", "--admin", "tech", env=env)
    assert again.returncode == 1  # refused by the state: the folder holds a station
    assert doc["recovery_code"] not in again.stdout + again.stderr
    bad = run_cli(
        "init",
        "--station-code",
        "12",
        "--admin",
        "t",
        env=dict(env, STATION_DATA_DIR=str(tmp_path / "e")),
    )
    assert bad.returncode == 4  # a value that would be stored breaks its rule


def test_app_add_show_search_list(station):
    env = station.env()
    rec = sample_record()
    out = run_cli("--json", "app", "add", "-", env=env, input=json.dumps(rec))
    assert out.returncode == 0, out.stderr
    saved = json.loads(out.stdout)
    assert set(saved) == {"uuid", "number"}
    shown = json.loads(run_cli("--json", "app", "show", saved["number"], env=env).stdout)
    assert shown["uuid"] == saved["uuid"]
    found = json.loads(
        run_cli("--json", "app", "search", rec["person"]["id_number"], env=env).stdout
    )
    assert [r["number"] for r in found["results"]] == [saved["number"]]
    listed = json.loads(run_cli("--json", "app", "list", env=env).stdout)
    assert listed["results"][0]["uuid"] == saved["uuid"]


def test_invalid_input_exit_4_and_nothing_stored(station):
    env = station.env()
    bad_json = run_cli("--json", "app", "add", "-", env=env, input="{not json")
    assert bad_json.returncode == 4
    assert json.loads(bad_json.stdout)["errors"][0]["code"] == "invalid_json"
    rec = sample_record()
    rec["person"]["id_number"] = rec["person"]["id_number"][:17] + (
        "0" if rec["person"]["id_number"][17] != "0" else "1"
    )
    rec["extra"] = True
    rec["residence"]["intended_months"] = "twelve"
    out = run_cli("--json", "app", "add", "-", env=env, input=json.dumps(rec))
    assert out.returncode == 4
    errors = json.loads(out.stdout)["errors"]
    fields = {e["field"] for e in errors}
    assert {"person.id_number", "extra", "residence.intended_months"} <= fields
    for e in errors:
        assert set(e) == {"field", "code", "message"}
    listed = json.loads(run_cli("--json", "app", "list", env=env).stdout)
    assert listed["results"] == []


def test_auth_failures_exit_3(station):
    wrong = dict(station.env(), STATION_PASSWORD="wrong-one")
    assert run_cli("app", "list", env=wrong).returncode == 3
    assert run_cli("app", "list", env=station.env("nobody")).returncode == 3
    assert run_cli("user", "list", env=station.env("coord")).returncode == 3
    assert run_cli("app", "search", "x", env=station.env("tech")).returncode == 3
    tech = station.env("tech")
    assert run_cli("user", "disable", "coord", env=tech).returncode == 0
    assert run_cli("app", "list", env=station.env("coord")).returncode == 3
    verify = run_cli("--json", "audit", "verify", env=tech)
    assert verify.returncode == 0
    assert json.loads(verify.stdout)["ok"] is True


def test_usage_errors_exit_2(station):
    env = station.env()
    assert run_cli("app", env=env).returncode == 2
    assert run_cli("no-such-command", env=env).returncode == 2
    assert run_cli("app", "list", "--date", "yesterday", env=env).returncode == 2
    assert run_cli("user", "add", "x", "--role", "king", env=station.env("tech")).returncode == 2


def test_help_is_translated(station):
    zh = run_cli("--help", env=dict(station.env(), STATION_LANG="zh_CN"))
    assert zh.returncode == 0
    assert "申请" in zh.stdout
    en = run_cli("--lang", "en", "--help", env=station.env())
    assert "application" in en.stdout


def test_user_and_config_commands(station):
    tech = dict(station.env("tech"), STATION_NEW_PASSWORD="another-pass")
    assert run_cli("user", "add", "wang", "--role", "coordinator", env=tech).returncode == 0
    ops = json.loads(run_cli("--json", "user", "list", env=tech).stdout)["operators"]
    assert {o["name"] for o in ops} >= {"tech", "coord", "super", "wang"}
    assert run_cli("config", "set", "retention.days", "30", env=tech).returncode == 0
    got = json.loads(run_cli("--json", "config", "get", "retention.days", env=tech).stdout)
    assert got == {"key": "retention.days", "value": "30"}
    bad = run_cli("--json", "config", "set", "retention.days", "-1", env=tech)
    assert bad.returncode == 4
    assert json.loads(bad.stdout)["errors"][0]["field"] == "config.retention.days"
    wang = dict(
        station.env("wang"), STATION_PASSWORD="another-pass", STATION_NEW_PASSWORD="third-password"
    )
    assert run_cli("passwd", env=wang).returncode == 0
