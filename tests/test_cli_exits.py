"""The one exit-code table (``station.errors.EXIT_RULES``) against the code base and the real CLI.

- Every ``StationError`` class and code raised anywhere in station/, devices/, sync/ and ui/ is
  in the table: a class whose rules name codes names each code it is raised with, and the table
  names no code that nothing raises.
- Each rule's exit code is what the real ``station`` process returns for one reproducible case,
  and with ``--json`` the error on stdout carries that rule's class of code.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from station.errors import EXIT_RULES, ExitRule, StationError
from tests.conftest import PASSWORD, StationFixture, run_cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station", "devices", "sync", "ui")


# -- the walk --------------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _trees() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text(encoding="utf-8")))
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).rglob("*.py"))
    ]


def _error_classes(trees: list[tuple[Path, ast.Module]]) -> dict[str, type[StationError]]:
    """Every StationError subclass defined in the code base, by name."""
    import station.errors as errors

    found = {
        name: obj
        for name, obj in vars(errors).items()
        if isinstance(obj, type) and issubclass(obj, StationError)
    }
    grew = True
    while grew:
        grew = False
        for path, tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in found:
                    bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                    if bases & set(found):
                        module = importlib.import_module(_module_name(path))
                        found[node.name] = getattr(module, node.name)
                        grew = True
    return found


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.BoolOp):  # ``code or "refused"``
        return [s for v in node.values for s in _literals(v)]
    return []


def raised() -> dict[tuple[str, str | None], str]:
    """(class, code) → where, for every construction of a StationError in the code base; code
    None where it is computed (a table of codes, the service's answer)."""
    trees = _trees()
    classes = _error_classes(trees)
    fixed: dict[str, list[str]] = {"ValidationError": ["validation"]}
    for _path, tree in trees:  # subclasses that set their own code: FileLost, AlreadyEndorsed…
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in classes:
                for sub in ast.walk(node):
                    found: list[str] = []
                    if (
                        isinstance(sub, ast.Call)
                        and isinstance(sub.func, ast.Attribute)
                        and sub.func.attr == "__init__"
                        and sub.args
                    ):
                        found = _literals(sub.args[0])
                    if isinstance(sub, ast.Assign) and any(
                        isinstance(t, ast.Attribute) and t.attr == "code" for t in sub.targets
                    ):
                        found = _literals(sub.value)
                    if found:
                        fixed.setdefault(node.name, []).extend(found)
    out: dict[tuple[str, str | None], str] = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in classes:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            codes = fixed.get(name) or (_literals(node.args[0]) if node.args else [])
            for code in codes or [None]:
                out[(name, code)] = where
    return out


def _rules_of(cls: type[StationError]) -> list[ExitRule]:
    for klass in cls.__mro__:
        rules = [r for r in EXIT_RULES if r.error is klass]
        if rules:
            return rules
    raise AssertionError(cls)


def test_every_raised_class_and_code_is_in_the_table():
    classes = _error_classes(_trees())
    missing = []
    for (name, code), where in sorted(raised().items(), key=str):
        rules = _rules_of(classes[name])
        named = set().union(*(r.codes for r in rules))
        if not named:
            continue  # the class's one rule covers every code (DeviceError → 5)
        if code is None:
            missing.append(f"{where}: {name} with a computed code, under rules that name codes")
        elif code not in named:
            missing.append(f"{where}: {name}({code!r}) — add it to a rule in station/errors.py")
    assert missing == []


def test_the_table_names_no_code_that_nothing_raises():
    codes = {code for (_name, code) in raised()}
    stale = sorted(c for r in EXIT_RULES for c in r.codes if c not in codes)
    assert stale == []


def test_each_class_has_one_catch_all_or_names_codes_only():
    """A class has either one rule for every code, or rules that each name codes."""
    by_class: dict[type, list[ExitRule]] = {}
    for rule in EXIT_RULES:
        by_class.setdefault(rule.error, []).append(rule)
    for cls, rules in by_class.items():
        catch_all = [r for r in rules if not r.codes]
        assert len(rules) == 1 or not catch_all, cls
        names = [c for r in rules for c in r.codes]
        assert len(names) == len(set(names)), cls


# -- one reproducible case per rule, through the real CLI ------------------------------------
@pytest.fixture(scope="module")
def st(tmp_path_factory):
    fx = StationFixture(tmp_path_factory.mktemp("exits") / "data")
    yield fx
    fx.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _case(rule: ExitRule, st: StationFixture, tmp: Path) -> tuple[list[str], dict[str, str], str]:
    """argv, environment and the error code expected for ``rule``."""
    env = st.env()
    cls, exit_code = rule.error.__name__, rule.exit
    if cls == "ValidationError":
        bad = tmp / "bad.json"
        bad.write_text(json.dumps({"kind": "new", "person": {"id_number": "123"}}))
        return ["app", "add", str(bad)], env, "validation"
    if cls == "UsageError" and exit_code == 4:
        e = dict(env, STATION_DATA_DIR=str(tmp / "new"), STATION_PASSWORD="short")
        return ["init", "--station-code", "450103000001", "--admin", "tech"], e, "weak_password"
    if cls == "UsageError" and exit_code == 1:
        return ["init", "--station-code", "450103000001", "--admin", "tech"], env, "station_exists"
    if cls == "UsageError" and exit_code == 2:
        return ["app", "list", "--date", "yesterday"], env, "bad_date"
    if cls == "AuthError":
        return ["app", "list"], dict(env, STATION_PASSWORD="wrong-password"), "bad_credentials"
    if cls == "DeviceError":
        return (
            ["card", "read", "--port", str(tmp / "ttyNONE"), "--wait", "1"],
            env,
            "reader_missing",
        )
    if cls == "CentralError":
        url = f"http://127.0.0.1:{_free_port()}"
        return ["enrol", "--server", url, "--code", "X"], st.env("tech"), "unreachable"
    if cls == "StorageError":
        broken = tmp / "broken"
        broken.mkdir()
        (broken / "keyslots.json").write_text("{not json")
        return ["app", "list"], dict(env, STATION_DATA_DIR=str(broken)), "keyslots_damaged"
    if cls == "NotFoundError":
        return ["app", "show", "450103000099202601019999"], env, "no_application"
    if cls == "StationError":
        return ["app", "list"], dict(env, STATION_DATA_DIR=str(tmp / "empty")), "no_station"
    raise AssertionError(f"no case for the rule {rule}")


@pytest.mark.parametrize("rule", EXIT_RULES, ids=lambda r: f"{r.error.__name__}-{r.exit}")
def test_each_rule_is_what_the_cli_returns(rule, st, tmp_path):
    argv, env, code = _case(rule, st, tmp_path)
    assert not rule.codes or code in rule.codes
    out = run_cli("--json", *argv, env=env)
    assert out.returncode == rule.exit, out.stderr
    assert "Traceback" not in out.stderr
    doc = json.loads(out.stdout)
    got = doc["error"]["code"] if "error" in doc else doc["errors"][0]["code"]
    assert got == code or (rule.error.__name__ == "ValidationError" and doc["errors"])


def test_usage_errors_of_the_parser_exit_2(st):
    for argv in (["no-such-command"], ["app"], ["app", "list", "--limit", "many"]):
        out = run_cli(*argv, env=st.env())
        assert out.returncode == 2 and "Traceback" not in out.stderr


def test_the_password_is_never_in_the_output(st, tmp_path):
    out = run_cli("--json", "app", "list", env=dict(st.env(), STATION_PASSWORD="wrong-password"))
    assert "wrong-password" not in out.stdout + out.stderr and PASSWORD not in out.stderr
