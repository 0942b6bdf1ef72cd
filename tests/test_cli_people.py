"""The command line as people use it (issue 16), through the real ``station`` process: global
options anywhere, exit codes per cli.md, non-UTF-8 input, the operator's language (argparse's
words, role and kind names), the reports' --out rule, config help, demo --keep, the reference
service without its extra, and the desktop-only actions now on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from station.samples import sample_record
from tests.conftest import PASSWORD, run_cli


def zh(env: dict[str, str]) -> dict[str, str]:
    return dict(env, STATION_LANG="zh_CN")


def add(station, user="coord", record=None) -> dict[str, str]:
    out = run_cli(
        "--json",
        "app",
        "add",
        "-",
        env=station.env(user),
        input=json.dumps(record or sample_record()),
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# -- global options --------------------------------------------------------------------------
def test_global_options_before_or_after_the_command_at_any_depth(station, tmp_path):
    env = {k: v for k, v in station.env().items() if k not in ("STATION_USER", "STATION_DATA_DIR")}
    fresh = dict(env, STATION_DATA_DIR=str(tmp_path / "new"))
    out = run_cli("init", "--station-code", "450103000001", "--admin", "tech", "--json", env=fresh)
    assert out.returncode == 0 and "recovery_code" in json.loads(out.stdout)
    saved = add(station)
    data = ["--data-dir", str(station.data_dir)]
    before = run_cli("--json", "--user", "coord", *data, "app", "search", saved["number"], env=env)
    after = run_cli("app", "search", saved["number"], "--json", "--user", "coord", *data, env=env)
    mixed = run_cli("--json", "app", "search", *data, saved["number"], "--user=coord", env=env)
    assert before.returncode == after.returncode == mixed.returncode == 0, after.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout) == json.loads(mixed.stdout)
    report = run_cli(
        "report", "daily", "--date", "2026-01-05", "--format", "csv", "--out",
        str(tmp_path / "d.csv"), "--json", "--user", "super", *data, env=env,
    )  # fmt: skip
    assert report.returncode == 0 and json.loads(report.stdout)["format"] == "csv"
    en = run_cli("app", "list", "--date", "2020-01-01", "--lang", "en", env=station.env())
    cn = run_cli("app", "list", "--date", "2020-01-01", "--lang", "zh_CN", env=station.env())
    assert en.stdout.strip() == "No applications found" and cn.stdout.strip() == "没有找到申请"
    verbose = run_cli("app", "list", "-v", env=station.env())
    assert "command app" in verbose.stderr


# -- exit codes ------------------------------------------------------------------------------
def test_a_too_short_password_exits_4_and_creates_nothing(tmp_path):
    env = dict(os.environ, STATION_DATA_DIR=str(tmp_path / "d"), STATION_PASSWORD="short")
    out = run_cli("--json", "init", "--station-code", "450103000001", "--admin", "tech", env=env)
    assert out.returncode == 4 and json.loads(out.stdout)["errors"][0]["code"] == "weak_password"
    assert not (tmp_path / "d" / "keyslots.json").exists()
    tech = dict(env, STATION_PASSWORD=PASSWORD)
    assert (
        run_cli("init", "--station-code", "450103000001", "--admin", "tech", env=tech).returncode
        == 0
    )
    out = run_cli(
        "--json", "--user", "tech", "user", "add", "wang", "--role", "coordinator",
        env=dict(tech, STATION_NEW_PASSWORD="short"),
    )  # fmt: skip
    assert out.returncode == 4
    ops = json.loads(run_cli("--json", "--user", "tech", "user", "list", env=tech).stdout)
    assert [o["name"] for o in ops["operators"]] == ["tech"]


def _station_process(args: list[bytes], env: dict[bytes, bytes], stdin: bytes = b""):
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"station", *args],
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def test_non_utf8_input_exits_4_and_stores_nothing(station, tmp_path):
    env = {k.encode(): v.encode() for k, v in station.env().items()}
    record = json.dumps(sample_record(), ensure_ascii=False).encode("utf-8")
    gbk = record.decode("utf-8").encode("gb18030")
    out = _station_process([b"--json", b"app", b"add", b"-"], env, gbk)
    assert out.returncode == 4, out.stderr
    assert json.loads(out.stdout)["errors"][0]["code"] == "not_utf8"
    (tmp_path / "latin.json").write_bytes(gbk)
    out = _station_process([b"app", b"add", str(tmp_path / "latin.json").encode()], env)
    assert out.returncode == 4 and b"Traceback" not in out.stderr
    out = _station_process([b"--json", b"app", b"search", b"\xff\xfe"], env)
    assert out.returncode == 4 and json.loads(out.stdout)["errors"][0]["code"] == "not_utf8"
    for name in (b"STATION_PASSWORD", b"STATION_USER"):
        out = _station_process([b"--json", b"app", b"list"], {**env, name: b"co\xffrd-pass"})
        assert out.returncode == 4, out.stderr
        assert json.loads(out.stdout)["errors"][0]["code"] == "not_utf8"
    listed = json.loads(run_cli("--json", "app", "list", env=station.env()).stdout)
    assert listed["results"] == []


def test_malformed_json_input_is_a_typed_error(tmp_path):
    """Any bytes as an application file: a value, or a validation/usage error — never more."""
    from hypothesis import given
    from hypothesis import strategies as st

    from station.cli.context import read_json_input
    from station.errors import UsageError, ValidationError

    @given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
    def check(raw: bytes) -> None:
        path = tmp_path / "in.json"
        path.write_bytes(raw)
        try:
            read_json_input(str(path))
        except (ValidationError, UsageError) as exc:
            assert exc.exit_code in (2, 4) and exc.message

    check()


# -- the operator's language -----------------------------------------------------------------
def test_argparse_words_roles_and_kinds_are_chinese_in_the_chinese_cli(station):
    env = zh(station.env("tech"))
    bad = run_cli("user", "add", "x", "--role", "king", env=env)
    assert bad.returncode == 2
    assert "用法：" in bad.stderr and "无效的选择" in bad.stderr
    for english in ("usage:", "invalid choice", "error:"):
        assert english not in bad.stderr
    missing = run_cli("app", env=env)
    assert missing.returncode == 2 and "缺少以下必需参数" in missing.stderr
    helped = run_cli("--help", env=env)
    assert "位置参数" in helped.stdout and "选项" in helped.stdout and "退出码" in helped.stdout
    assert "positional arguments" not in helped.stdout and "options:" not in helped.stdout
    listed = run_cli("user", "list", env=env).stdout
    assert "技术员" in listed and "协管员" in listed and "站长" in listed
    assert "coordinator" not in listed and "technician" not in listed
    added = run_cli(
        "user", "add", "wang", "--role", "coordinator", env=dict(env, STATION_NEW_PASSWORD=PASSWORD)
    )
    assert added.returncode == 0 and "协管员" in added.stdout
    doctor = run_cli("doctor", env=env).stdout
    assert "数据文件夹" in doctor and "密钥槽" in doctor
    assert "data_folder" not in doctor and "key_slots" not in doctor
    saved = add(station)
    found = run_cli("app", "search", saved["number"], env=zh(station.env())).stdout
    assert "居住登记/申领" in found and " new " not in found


# -- files the commands write ----------------------------------------------------------------
def test_report_outputs_follow_one_rule_about_missing_folders(station, tmp_path):
    env = station.env("super")
    day = ["--date", "2026-01-05"]
    daily = run_cli("--json", "report", "daily", *day, "--format", "csv",
                    "--out", str(tmp_path / "nope" / "d.csv"), env=env)  # fmt: skip
    lists = run_cli("--json", "report", "referrals", *day,
                    "--out", str(tmp_path / "nope" / "lists"), env=env)  # fmt: skip
    for out in (daily, lists):
        assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "no_folder"
    assert not (tmp_path / "nope").exists()
    ok = run_cli("report", "referrals", *day, "--out", str(tmp_path / "lists"), env=env)
    assert ok.returncode == 0 and (tmp_path / "lists").is_dir()
    ok = run_cli(
        "report", "daily", *day, "--format", "csv", "--out", str(tmp_path / "d.csv"), env=env
    )
    assert ok.returncode == 0 and (tmp_path / "d.csv").exists()


def test_config_list_describes_and_an_unknown_key_points_to_a_help_that_lists_them(station):
    from station.settings import SETTINGS

    env = station.env("tech")  # English: the help texts as written
    listed = run_cli("config", "list", env=env).stdout
    for key, setting in SETTINGS.items():
        assert f"{key} = " in listed and setting.help in listed
    bad = run_cli("--json", "config", "set", "retention.dayz", "30", env=env)
    assert bad.returncode == 4
    message = json.loads(bad.stdout)["errors"][0]["message"]
    assert "station config set --help" in message and "retention.days" in message
    helped = run_cli("config", "set", "--help", env=env).stdout
    assert all(key in helped for key in SETTINGS)


def test_demo_keep_says_the_folder_stays(tmp_path):
    env = dict(os.environ, STATION_LANG="en")
    keep = tmp_path / "demo"
    out = run_cli("demo", "--keep", str(keep), "--no-window", "--no-central", "--records", "0",
                  env=env, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "kept after exit" in out.stderr and "deleted" not in out.stderr
    assert (keep / "station.db").exists()
    out = run_cli("demo", "--no-window", "--no-central", "--records", "0", env=env, timeout=120)
    assert out.returncode == 0 and "deleted on exit" in out.stderr
    assert not os.path.exists(out.stdout.strip())


def test_central_serve_without_the_extra_says_which_to_install(tmp_path):
    """The central extra uninstalled, the way Python reports it: ModuleNotFoundError."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Gone:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('starlette', 'uvicorn', 'psycopg'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _Gone())\n"
    )
    env = dict(os.environ, PYTHONPATH=str(site), STATION_LANG="en")
    out = run_cli("central", "serve", "--db", str(tmp_path / "c.db"), "--port", "0", env=env)
    assert out.returncode == 1, out.stderr
    assert "pip install 'intake-station[central]'" in out.stderr and "Traceback" not in out.stderr
    status = run_cli("--json", "central", "status", "--db", str(tmp_path / "c.db"), env=env)
    assert status.returncode == 0  # the SQLite tools need no extra


# -- change, replacement, move-out, receipt --------------------------------------------------
def test_change_replace_and_move_out_are_new_versions_of_the_record(station, tmp_path):
    saved = add(station)
    env = station.env()
    shown = json.loads(run_cli("--json", "app", "show", saved["number"], env=env).stdout)
    shown["residence"]["address"] = "民族大道200号1栋101"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(shown, ensure_ascii=False), encoding="utf-8")
    out = run_cli("--json", "app", "change", saved["number"], str(path), env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {**saved, "version": 2, "changed": True}
    now = json.loads(run_cli("--json", "app", "show", saved["number"], env=env).stdout)
    assert now["kind"] == "change" and now["residence"]["address"] == "民族大道200号1栋101"
    bad = dict(shown)
    bad.pop("residence")  # a change must say where the holder lives now
    out = run_cli("--json", "app", "change", saved["number"], "-", env=env, input=json.dumps(bad))
    assert out.returncode == 4 and any(
        e["field"].startswith("residence") for e in json.loads(out.stdout)["errors"]
    )
    out = run_cli("app", "replace", saved["number"], str(path), env=env)
    assert out.returncode == 0 and "补领" not in out.stdout  # English env
    out = run_cli("--json", "app", "move-out", saved["number"], str(path), env=env)
    assert out.returncode == 0 and json.loads(out.stdout)["version"] == 4
    history = json.loads(run_cli("--json", "app", "show", saved["number"], env=env).stdout)
    assert history["kind"] == "deregistration" and history["version"] == 4
    assert run_cli("app", "change", "450103000099209901019999", str(path), env=env).returncode == 1
    other = dict(
        station.env("tech"), STATION_NEW_PASSWORD=PASSWORD
    )  # a second coordinator may not change coord's record
    assert run_cli("user", "add", "li", "--role", "coordinator", env=other).returncode == 0
    out = run_cli("app", "change", saved["number"], str(path), env=station.env("li"))
    assert out.returncode == 3
    assert (
        json.loads(run_cli("--json", "app", "show", saved["number"], env=env).stdout)["version"]
        == 4
    )


def test_the_receipt_is_written_again_as_pdf(station, tmp_path):
    saved = add(station)
    for env, title in ((zh(station.env()), "受理回执"), (station.env(), "Application no.")):
        out = run_cli("--json", "app", "receipt", saved["number"], "--out",
                      str(tmp_path / "r.pdf"), env=env, timeout=120)  # fmt: skip
        assert out.returncode == 0, out.stderr
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert saved["number"] in text and title in text  # in the operator's language
        assert sample_record()["person"]["id_number"] not in text
    tech = run_cli("app", "receipt", saved["number"], "--out", str(tmp_path / "t.pdf"),
                   env=station.env("tech"))  # fmt: skip
    assert tech.returncode == 3 and not (tmp_path / "t.pdf").exists()
    gone = run_cli("app", "receipt", saved["number"], "--out", str(tmp_path / "x" / "r.pdf"),
                   env=station.env())  # fmt: skip
    assert gone.returncode == 1
    store = station.login("super")
    receipts = "SELECT count(*) FROM audit WHERE action = 'app.receipt'"
    assert store.conn.execute(receipts).fetchone()[0] == 2


def test_every_out_refuses_a_missing_folder_and_creates_none(station, tmp_path):
    gone = tmp_path / "usb"  # a USB stick that is not mounted
    cases = [
        (station.env("tech"), ["backup", "--folder", str(gone)]),
        (station.env("tech"), ["backup", "--out", str(gone / "b.stbk")]),
        (station.env("tech"), ["diagnostics", "--out", str(gone / "d.zip")]),
        (station.env(), ["import", "--template", str(gone / "t.xlsx")]),
        (station.env(), ["photo", "capture", "--source", "sim", "--out", str(gone / "p.jpg")]),
    ]
    for env, argv in cases:
        out = run_cli("--json", *argv, env=env)
        assert out.returncode == 1, (argv, out.stderr)
        assert json.loads(out.stdout)["error"]["code"] == "no_folder", argv
    assert not gone.exists()


def test_a_full_disk_is_a_clear_error_and_leaves_no_half_file(station, tmp_path):
    import pytest

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    usb = tmp_path / "usb"
    usb.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(usb)], check=True)
    try:
        (usb / "filler").write_bytes(b"\0" * 60_000)
        add(station)
        argv = ["report", "daily", "--date", "2026-01-05", "--format", "xlsx"]
        out = run_cli("--json", *argv, "--out", str(usb / "d.xlsx"), env=station.env("super"))
        assert out.returncode == 1 and json.loads(out.stdout)["error"]["code"] == "cannot_write"
        out = run_cli("--json", "backup", "--folder", str(usb), env=station.env("tech"))
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert sorted(p.name for p in usb.iterdir()) == ["filler"]  # no half file
    finally:
        subprocess.run(["umount", str(usb)], check=True)
