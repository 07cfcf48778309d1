"""SPEC §15: a case file's `policy:` leads only to a bundled policy or a file inside the case's own tree or
POLICYKIT_POLICY_PATH; anything else is policy-path-refused at the `policy:` line and nothing of the file is quoted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from policykit import loader
from policykit.case import case_from_data, load_case
from policykit.diagnostics import PolicykitError

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"
# a file no case may make policykit read: YAML whose keys are someone's secrets
SECRET = "root_password_hash_x9: 1\nAmina Khalid 0551234567: 2\n"
EVENTS = "events:\n  - {type: request_received, at: '2025-03-02T09:00:00+03:00', channel: phone}\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """cases/ (the case's tree), outside/ (a secret file and a valid policy nobody listed), shared/ (listed later)."""
    monkeypatch.delenv("POLICYKIT_POLICY_PATH", raising=False)
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", "off")
    loader._loaded.clear()
    for name in ("cases", "outside", "shared"):
        (tmp_path / name).mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(SECRET, encoding="utf-8")
    shutil.copy(MINI, tmp_path / "outside" / "mini.yaml")
    shutil.copy(MINI, tmp_path / "shared" / "mini.yaml")
    yield tmp_path
    loader._loaded.clear()


def _case(tree: Path, ref: str, name: str = "case.yaml") -> Path:
    path = tree / "cases" / name
    path.write_text(f"case_id: C-1\npolicy: {ref}\n{EVENTS}", encoding="utf-8")
    return path


def _refused(pk, case: Path) -> str:
    run = pk.run_cli("check", case, "--as-of", "2025-06-01")
    assert run.code == 2 and len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith(f"{case}:2:1: policy-path-refused: "), run.err
    assert "root_password" not in run.err and "Amina" not in run.err and "secret" not in run.err
    return run.err


@pytest.mark.parametrize("kind", ["absolute", "dot-dot", "symlink-out", "symlinked-dir-out"])
def test_a_policy_outside_the_case_tree_is_refused_unread(pk, tree, kind, monkeypatch):
    secret = tree / "outside" / "secret.yaml"
    if kind == "absolute":
        ref = str(secret)
    elif kind == "dot-dot":
        ref = "../outside/secret.yaml"
    elif kind == "symlink-out":
        (tree / "cases" / "link.yaml").symlink_to(secret)
        ref = "link.yaml"
    else:
        (tree / "cases" / "lib").symlink_to(tree / "outside", target_is_directory=True)
        ref = "lib/secret.yaml"
    read = []
    original = loader.load_file
    monkeypatch.setattr(loader, "load_file", lambda path, *a: read.append(str(path)) or original(path, *a))
    _refused(pk, _case(tree, ref))
    assert read == []  # refused before it is opened, not after


def test_an_absolute_path_inside_the_tree_is_refused_too(pk, tree):
    """SPEC §15 allows relative paths only."""
    shutil.copy(MINI, tree / "cases" / "mini.yaml")
    _refused(pk, _case(tree, str(tree / "cases" / "mini.yaml")))


@pytest.mark.parametrize("ref", ["mini.yaml", "sub/mini.yaml", "../cases/sub/mini.yaml", "./sub/../mini.yaml"])
def test_a_relative_path_inside_the_case_tree_is_read(tree, ref):
    (tree / "cases" / "sub").mkdir()
    shutil.copy(MINI, tree / "cases" / "mini.yaml")
    shutil.copy(MINI, tree / "cases" / "sub" / "mini.yaml")
    assert load_case(_case(tree, ref)).policy.id == "mini"


def test_a_policy_path_directory_is_searched_after_the_case_tree(pk, tree, monkeypatch):
    case = _case(tree, "mini.yaml")
    run = pk.run_cli("check", case, "--as-of", "2025-06-01")
    assert run.code == 2 and run.err_lines == [
        f"{case}:2:1: file-not-found: no such policy file in the case file's directory or POLICYKIT_POLICY_PATH "
        "(at policy)"]
    monkeypatch.setenv("POLICYKIT_POLICY_PATH", os.pathsep.join([str(tree / "nowhere"), str(tree / "shared")]))
    assert load_case(case).policy.id == "mini"
    # listing a directory does not open the rest of the disk: a `..` out of it is still refused
    _refused(pk, _case(tree, "../outside/secret.yaml", "other.yaml"))


def test_an_unknown_bundled_id_is_still_unknown_policy(pk, tree):
    case = _case(tree, "harifff")
    run = pk.run_cli("check", case, "--as-of", "2025-06-01")
    assert run.code == 2 and run.err_lines[0].startswith(f"{case}:2:1: unknown-policy: ")


def test_the_command_line_policy_is_the_operators_choice(pk, tree):
    """--policy may name any file, absolute and outside the case's tree included."""
    case = _case(tree, "../outside/secret.yaml")
    run = pk.run_cli("check", case, "--policy", tree / "outside" / "mini.yaml", "--as-of", "2025-06-01",
                     "--format", "json")
    assert run.code in (0, 1), run.err


def test_an_extends_leading_out_of_the_tree_is_refused_at_its_line(pk, tree):
    (tree / "cases" / "child.yaml").write_text("extends: ../outside/secret\nid: child\n", encoding="utf-8")
    case = _case(tree, "child.yaml")
    run = pk.run_cli("check", case, "--as-of", "2025-06-01")
    assert run.code == 2 and len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith(f"{tree / 'cases' / 'child.yaml'}:1:1: policy-path-refused: "), run.err
    assert "root_password" not in run.err and "Amina" not in run.err


def test_a_warm_cache_does_not_carry_a_policy_past_the_boundary(pk, tree, monkeypatch):
    """Loaded once by the operator (--policy, any base), the same file reached from a case is still refused."""
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tree / "cache"))
    (tree / "outside" / "base.yaml").write_text(MINI.read_text(encoding="utf-8").replace("id: mini", "id: base"),
                                                encoding="utf-8")
    (tree / "cases" / "child.yaml").write_text("extends: ../outside/base\nid: child\n", encoding="utf-8")
    case = _case(tree, "child.yaml")
    assert pk.run_cli("check", case, "--policy", tree / "cases" / "child.yaml", "--as-of", "2025-06-01").code in (0, 1)
    for same_process in (True, False):
        if not same_process:
            loader._loaded.clear()
        run = pk.run_cli("check", case, "--as-of", "2025-06-01")
        assert run.code == 2 and "policy-path-refused" in run.err, run.err


def test_data_from_no_file_may_name_only_bundled_ids_or_policy_path_files(tree, monkeypatch):
    """case_from_data (an HTTP embedding's entry): no case directory, so not even the current directory."""
    monkeypatch.chdir(tree / "outside")
    events = [{"type": "request_received", "at": "2025-03-02T09:00:00+03:00", "channel": "phone"}]
    for ref in ("mini.yaml", "./secret.yaml", str(tree / "outside" / "mini.yaml"), "../outside/mini.yaml"):
        with pytest.raises(PolicykitError) as caught:
            case_from_data({"case_id": "C", "policy": ref, "events": events})
        assert caught.value.first.code == "policy-path-refused" and caught.value.first.path == ("policy",)
        assert "root_password" not in str(caught.value)
    assert case_from_data({"case_id": "C", "policy": "harif", "events": events}).policy.id == "harif"
    monkeypatch.setenv("POLICYKIT_POLICY_PATH", str(tree / "shared"))
    assert case_from_data({"case_id": "C", "policy": "mini.yaml", "events": events}).policy.id == "mini"
    # the caller's own argument is the caller's choice
    assert case_from_data({"case_id": "C", "events": events}, str(tree / "outside" / "mini.yaml")).policy.id == "mini"


def test_keys_in_the_at_part_obey_the_not_shown_rule(pk, tree):
    """A file inside the tree that is no policy: its keys are not printed in `(at …)` either."""
    (tree / "cases" / "notes.yaml").write_text(SECRET, encoding="utf-8")
    run = pk.run_cli("check", _case(tree, "notes.yaml"), "--as-of", "2025-06-01")
    assert run.code == 2 and run.err, run.err
    assert "Amina" not in run.err and "0551234567" not in run.err
    assert "(at (key not shown))" in run.err
    # an id-like key is still named, in the message and the path alike
    assert "(at root_password_hash_x9)" in run.err
