"""Commands, report formats and doctor checks come from the layers through entry points
(station/plugins.py): the core's parser holds every layer's commands without importing the
layers' heavy libraries, a package outside the station can add its own, a plugin that cannot
load is left out, and a source checkout's pyproject.toml wins over older installed metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from station import plugins
from tests.conftest import run_cli

EN = dict(os.environ, STATION_LANG="en")


def test_every_layer_adds_its_commands():
    top = run_cli("--help", env=EN).stdout
    for command in ("init", "app", "card", "photo", "enrol", "sync", "handover", "central", "gui"):
        assert f"    {command} " in top, command
    assert "receipt" in run_cli("app", "--help", env=EN).stdout
    bench = run_cli("bench", "--help", env=EN).stdout
    for name in ("store", "search", "report", "startup", "card", "camera", "sync", "ui"):
        assert f"    {name} " in bench, name
    daily = run_cli("report", "daily", "--help", env=EN).stdout
    assert "{csv,pdf,xlsx}" in daily


def test_building_the_parser_loads_no_layer_library():
    code = (
        "import sys, station.cli; station.cli.build_parser(); "
        "heavy = ('PySide6', 'cv2', 'smartcard', 'serial', 'requests', 'numpy', 'openpyxl', "
        "'station.store', 'starlette'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stderr


@pytest.fixture
def third_party(tmp_path):
    """A package installed beside the station that adds a command, a report format and a
    doctor check, and one plugin that cannot load."""
    site = tmp_path / "site"
    info = site / "hello_station-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-station\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [station.commands]
            hello = hello_plugin:register
            broken = no_such_module_here:register

            [station.report_writers]
            txt = hello_plugin:write_txt

            [station.doctor_checks]
            hello = hello_plugin:checks
            """
        )
    )
    (site / "hello_plugin.py").write_text(
        textwrap.dedent(
            """\
            from station.doctor import OK, Check

            def register(sub):
                p = sub.add_parser("hello", help="say hello")
                p.set_defaults(func=lambda ctx, args: ctx.emit({"hello": "world"}, "hello") or 0)

            def write_txt(data, path):
                path.write_text(f"{data['total']} applications\\n")

            def checks():
                return [lambda ctx: Check("hello", OK, "a province's own check")]
            """
        )
    )
    return dict(EN, PYTHONPATH=str(site))


def test_a_package_outside_the_station_adds_a_command_a_format_and_a_check(
    third_party, station, tmp_path
):
    env = dict(station.env("super"), PYTHONPATH=third_party["PYTHONPATH"])
    out = run_cli("--json", "hello", env=env)
    assert out.returncode == 0 and json.loads(out.stdout) == {"hello": "world"}
    report = tmp_path / "day.txt"
    out = run_cli("report", "daily", "--date", "2026-01-05", "--format", "txt", "--out",
                  str(report), env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert report.read_text() == "0 applications\n"
    doctor = json.loads(run_cli("--json", "doctor", env=env).stdout)
    assert {"name": "hello", "status": "ok"}.items() <= next(
        c for c in doctor["checks"] if c["name"] == "hello"
    ).items()
    assert "broken" not in run_cli("--help", env=env).stdout  # cannot load: left out


def test_the_checkout_pyproject_wins_over_installed_metadata(tmp_path, monkeypatch):
    project = tmp_path / "pyproject.toml"
    project.write_text(
        textwrap.dedent(
            """\
            [project]
            name = "intake-station"
            [project.entry-points."station.commands"]
            only = "somewhere:register"
            """
        )
    )
    monkeypatch.setattr(plugins, "_pyproject", lambda: project)
    plugins._declared_here.cache_clear()
    plugins.entries.cache_clear()
    try:
        names = plugins.names(plugins.COMMANDS)
        assert "only" in names and "devices" not in names  # the installed ones are older
        monkeypatch.setattr(plugins, "_pyproject", lambda: None)  # an installed station
        plugins._declared_here.cache_clear()
        plugins.entries.cache_clear()
        assert {"devices", "sync", "ui"} <= set(plugins.names(plugins.COMMANDS))
    finally:
        plugins._declared_here.cache_clear()
        plugins.entries.cache_clear()


def test_an_unknown_report_format_is_a_usage_error():
    from station.errors import UsageError
    from station.reports.writers import writer

    with pytest.raises(UsageError) as info:
        writer("docx")
    assert info.value.code == "unknown_format" and info.value.exit_code == 2
