"""The HTTP API of SPEC §11 against a real uvicorn server: every endpoint, its answers and its errors."""

from __future__ import annotations

import json

import os

import pytest

PERSONAL = "example applicant"  # the subject's name in the bundled example


def error_codes(response) -> list[str]:
    body = response.json()
    assert set(body) == {"errors"}, body
    for item in body["errors"]:
        assert set(item) == {"code", "message", "path", "line", "col"}, item
    return [item["code"] for item in body["errors"]]


def case(**changes) -> dict:
    base = {"case_id": "C-1", "policy": "harif", "events": [
        {"type": "request_received", "at": "2025-03-11T09:15:00+03:00", "channel": "interview"},
        {"type": "request_completed", "at": "2025-03-13"}]}
    base.update(changes)
    return base


# --- tokens ---------------------------------------------------------------------------------------------------

def test_health_needs_no_token(server):
    import httpx

    answer = httpx.get(f"{server.url}/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/docs/assets/../app.py", "/docs/assets/%2e%2e/app.py", "/docs/assets/..%2fapp.py",
                                  "/docs/assets/%2e%2e/%2e%2e/policykit/service/app.py", "/docs/assets/nothing.js"])
def test_the_docs_assets_serve_their_own_folder_only(server, path):
    import httpx

    assert httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js").status_code == 200
    answer = httpx.get(f"{server.url}{path}")
    assert answer.status_code == 404 and b"import" not in answer.content


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", "Basic {token}", "Bearer", "{token}",
                                    "Bearer {token}x"])
def test_v1_needs_a_configured_bearer_token(server, header, token):
    import httpx

    headers = {"Authorization": header.format(token=token)} if header is not None else {}
    answer = httpx.get(f"{server.url}/v1/policies", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert error_codes(answer) == ["unauthorized"]


def test_every_v1_path_is_guarded_even_unknown_ones(server):
    import httpx

    assert httpx.get(f"{server.url}/v1/nothing-here").status_code == 401
    assert httpx.get(f"{server.url}/v1/nothing-here", headers=server.auth).status_code == 404


def test_tokens_file_and_environment(tmp_path):
    from policykit.diagnostics import PolicykitError
    from policykit.service.settings import read_tokens

    file = tmp_path / "tokens"
    file.write_text("# officers\nfirst-token-0123456789\n\nsecond-token-0123456789\n", encoding="utf-8")
    assert read_tokens(str(file), {"POLICYKIT_TOKENS": "third-token-0123456789, ,"}) == (
        "first-token-0123456789", "second-token-0123456789", "third-token-0123456789")
    bom = tmp_path / "tokens-bom"  # as Notepad saves it: the first token was read with the BOM glued on
    bom.write_bytes("\ufefffirst-token-0123456789\r\nsecond-token-0123456789\r\n".encode("utf-8"))
    assert read_tokens(str(bom), {}) == ("first-token-0123456789", "second-token-0123456789")
    with pytest.raises(PolicykitError) as raised:
        read_tokens(None, {"POLICYKIT_TOKENS": "tiny-secret"})
    assert raised.value.first.code == "weak-token" and "tiny-secret" not in raised.value.render()


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_tokens_file_others_can_write_is_refused_unread(tmp_path, mode):
    """A tokens file that group or others can write was read as it was: whoever could write it could give
    themselves a token and use the API. Now tokens-file-unsafe at start, nothing of it read."""
    from policykit.diagnostics import PolicykitError
    from policykit.service.settings import read_tokens

    file = tmp_path / "tokens"
    file.write_text("first-token-0123456789\n", encoding="utf-8")
    file.chmod(mode)
    with pytest.raises(PolicykitError) as raised:
        read_tokens(str(file), {})
    assert raised.value.render() == (
        f"{file}: tokens-file-unsafe: the tokens file can be written by others than its owner, or is another "
        "user's: whoever can write it can give themselves a token; not read; make it the service user's own file: "
        "chmod 600")
    file.chmod(0o600)
    assert read_tokens(str(file), {}) == ("first-token-0123456789",)
    with pytest.raises(PolicykitError) as raised:  # a FIFO is refused, not waited on
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        read_tokens(str(fifo), {})
    assert raised.value.first.code == "file-unreadable"


# --- policies, compare, diff, lint ----------------------------------------------------------------------------

def test_policies_list_and_show(api):
    listed = api.get("/v1/policies").json()
    assert [row["id"] for row in listed] == ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]
    assert all({"id", "version", "association"} <= set(row) for row in listed)
    assert set(listed[3]["association"]) == {"ar", "en"}
    shown = api.get("/v1/policies/harif")
    assert shown.status_code == 200 and shown.json()["id"] == "harif"


@pytest.mark.parametrize("policy_id", ["nope", "..%2Fpolicies%2Fharif.yaml", "harif.yaml"])
def test_unknown_policy_in_the_path_is_404(api, policy_id):
    answer = api.get(f"/v1/policies/{policy_id}")
    assert answer.status_code == 404, answer.text


def test_compare_diff_lint(api):
    matrix = api.post("/v1/compare", json={"policies": ["harif", "saddad"]}).json()
    assert matrix["policies"] == ["harif", "saddad"] and matrix["rows"]
    changed = api.post("/v1/diff", json={"a": "saddad", "b": "harif"}).json()
    assert changed["a"] == "saddad" and changed["b"] == "harif" and changed["changes"]
    found = api.get("/v1/lint").json()
    assert found and {"policy", "code", "severity", "message", "file", "line", "source_line", "text",
                      "suggestion"} == set(found[0])
    assert all(not item["file"].startswith("/") for item in found)  # no server path


@pytest.mark.parametrize("body,code", [({"policies": ["harif", "nope"]}, "unknown-policy"),
                                       ({"policies": ["policies/harif.yaml"]}, "policy-path-refused"),
                                       ({"policies": []}, "invalid-value"),
                                       ({"policies": ["harif"], "extra": 1}, "unknown-key")])
def test_compare_refuses_unknown_ids_and_paths(api, body, code):
    answer = api.post("/v1/compare", json=body)
    assert answer.status_code == 422 and code in error_codes(answer), answer.text


def test_diff_of_an_unknown_id_is_422(api):
    answer = api.post("/v1/diff", json={"a": "harif", "b": "/etc/passwd"})
    assert answer.status_code == 422 and error_codes(answer) == ["policy-path-refused"]
    assert answer.json()["errors"][0]["path"] == "b"


def test_diff_never_reads_a_path_hidden_after_an_at_sign(api, tmp_path, monkeypatch):
    """`ID@VERSION` was split at its first `@` to check the id and at its last to load it: `harif@/p.yaml@` loaded the
    file `harif@/p.yaml` from the server's working directory. A version that is not one is not echoed either."""
    import os

    folder = tmp_path / "harif@"
    folder.mkdir()
    (folder / "p.yaml").write_text("this: [is not read\n", encoding="utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)  # the server runs in this process: its working directory holds 'harif@/'
    try:
        for ref in ("harif@/p.yaml@", "harif@/p.yaml@1", "harif@1@1", "harif@Mohammed 0555"):
            answer = api.post("/v1/diff", json={"a": ref, "b": "saddad"})
            assert answer.status_code == 422, (ref, answer.text)
            assert error_codes(answer) == ["unknown-policy"], (ref, answer.text)
            item = answer.json()["errors"][0]
            assert item["path"] == "a" and item["line"] is None, item
            assert "p.yaml" not in answer.text and "Mohammed" not in answer.text
    finally:
        os.chdir(here)
    assert api.post("/v1/diff", json={"a": "harif@1", "b": "saddad"}).status_code == 200  # a real version


# --- check ------------------------------------------------------------------------------------------------------

def test_check_the_bundled_example(server, api, example):
    answer = api.post("/v1/check", params={"as_of": "2025-04-15"}, content=example.read_bytes(),
                      headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 200, answer.text
    verdict = answer.json()
    assert verdict["status"] == "non_compliant" and verdict["case_id"] == "H-2025-0042"
    assert len(verdict["decision_id"]) == 32
    assert set(verdict["provenance"]) == {"policy_digest", "policykit_version"}
    assert verdict["provenance"]["policy_digest"].startswith("sha256:")
    assert PERSONAL not in answer.text
    logged = [json.loads(line) for line in open(server.settings.decision_log, encoding="utf-8")]
    mine = [line for line in logged if line["decision_id"] == verdict["decision_id"]]
    assert len(mine) == 1
    assert set(mine[0]) == {"decision_id", "policy_digest", "case_id", "status", "time"}
    assert mine[0]["status"] == "non_compliant" and mine[0]["case_id"] == "H-2025-0042"
    assert PERSONAL not in open(server.settings.decision_log, encoding="utf-8").read()


def test_check_matches_evaluate(api):
    from policykit import evaluate, load_policy
    from policykit.case import case_from_data

    body = case()
    answer = api.post("/v1/check", params={"as_of": "2025-04-20", "reading": "literal"}, json=body).json()
    expected = evaluate(load_policy("harif"), case_from_data(body), "2025-04-20", "literal").to_json_dict()
    assert {k: v for k, v in answer.items() if k not in ("decision_id", "provenance")} == expected


def test_each_check_has_its_own_decision_id(api):
    ids = {api.post("/v1/check", json=case()).json()["decision_id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("policy,code", [("../policies/harif.yaml", "policy-path-refused"),
                                         ("/etc/passwd", "policy-path-refused"),
                                         ("harif.yaml", "policy-path-refused"),
                                         ("nope", "unknown-policy"), (7, "unknown-policy")])
def test_a_case_names_its_policy_by_bundled_id_only(api, policy, code):
    answer = api.post("/v1/check", json=case(policy=policy))
    assert answer.status_code == 422 and error_codes(answer) == [code]
    assert answer.json()["errors"][0]["path"] == "policy"


def test_yaml_errors_are_located_by_line_and_column(api):
    body = b"case_id: X\npolicy: harif\nevents:\n  - {type: request_recieved, at: '2025-01-01'}\n"
    answer = api.post("/v1/check", content=body, headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 422
    item = answer.json()["errors"][0]
    assert (item["code"], item["path"], item["line"]) == ("unknown-event", "events[0].type", 4)
    assert "did you mean 'request_received'" in item["message"]


def test_json_errors_are_located_too(api):
    body = b'{"case_id": "X", "policy": "harif",\n "events": [{"type": "request_received", "at": "2025-13-01"}]}'
    item = api.post("/v1/check", content=body, headers={"Content-Type": "application/json"}).json()["errors"][0]
    assert (item["code"], item["path"], item["line"]) == ("invalid-date", "events[0].at", 2)


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b"{not json: [", b"\xff\xfe\x00x", b"case_id: [\n"])
def test_bad_bodies_are_422_never_5xx(api, body):
    answer = api.post("/v1/check", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    error_codes(answer)


@pytest.mark.parametrize("method,path", [("POST", "/v1/compare"), ("POST", "/v1/diff"), ("PUT", "/v1/sessions/s-json"),
                                         ("POST", "/v1/sessions/s-json/events"),
                                         ("POST", "/v1/sessions/s-json/advance")])
def test_a_body_that_is_not_json_is_invalid_json_located(api, method, path):
    """It was `invalid-value` "JSON decode error" at the path `[12]` (the character offset FastAPI reports)."""
    api.put("/v1/sessions/s-json", json={"policy": "harif"})
    answer = api.request(method, path, content=b'{"events": [\n  {"case_id": ', headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert error_codes(answer) == ["invalid-json"]
    item = answer.json()["errors"][0]
    assert (item["path"], item["line"], item["col"]) == (None, 2, 15)


BOM = "\ufeff".encode("utf-8")


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/v1/check", case()),
    ("POST", "/v1/compare", {"policies": ["harif", "saddad"]}),
    ("POST", "/v1/diff", {"a": "saddad", "b": "harif"}),
    ("PUT", "/v1/sessions/s-bom", {"policy": "harif"}),
    ("POST", "/v1/sessions/s-bom/events", {"events": [{"case_id": "B-1", "type": "request_received",
                                                       "at": "2025-03-11T09:15:00+03:00"}]}),
    ("POST", "/v1/sessions/s-bom/advance", {"now": "2025-03-12T00:00:00+03:00"})])
def test_every_json_body_reads_a_bom_alike(api, method, path, body):
    """A UTF-8 BOM is read as /v1/check reads it (policykit.source.decode) on every JSON body."""
    api.put("/v1/sessions/s-bom", json={"policy": "harif"})
    raw = json.dumps(body).encode("utf-8")
    plain = api.request(method, path, content=raw, headers={"Content-Type": "application/json"})
    marked = api.request(method, path, content=BOM + raw, headers={"Content-Type": "application/json"})
    assert marked.status_code == plain.status_code and marked.status_code < 300, marked.text
    if path.endswith("/events"):  # the same event again: its duplicate, as any repeat
        assert marked.json()[0]["duplicate"] is True
    elif path != "/v1/check":  # a check's answer has its own decision id
        assert marked.json() == plain.json()


@pytest.mark.parametrize("path", ["/v1/check", "/v1/sessions/s-dup/events", "/v1/sessions/s-dup2"])
def test_a_key_given_twice_behind_a_bom_is_still_duplicate_key(api, path):
    """The model bodies (sessions, events) behind a BOM were read by Starlette's own JSON reader, which took the
    BOM, and the key given twice silently last-one-wins (`{"policy": "saddad", "policy": "harif"}` made a harif
    session): every JSON body is now read by the one reader, BOM or not."""
    api.put("/v1/sessions/s-dup", json={"policy": "harif"})
    body = (b'{"case_id": "D-1", "policy": "saddad", "policy": "harif", "events": []}' if path == "/v1/check" else
            b'{"events": [{"case_id": "D-1", "type": "request_received", "type": "request_completed", '
            b'"at": "2025-03-01"}]}' if path.endswith("/events") else b'{"policy": "saddad", "policy": "harif"}')
    method = "PUT" if path.endswith("s-dup2") else "POST"
    for raw in (body, BOM + body):
        answer = api.request(method, path, content=raw, headers={"Content-Type": "application/json"})
        assert answer.status_code == 422, answer.text
        assert error_codes(answer) == ["duplicate-key"]
        assert answer.json()["errors"][0]["line"] == 1
    assert api.get("/v1/sessions/s-dup2/actions").status_code == 404  # no session was made


@pytest.mark.parametrize("path", ["/v1/check", "/v1/sessions/s-deep/events", "/v1/sessions/s-deep/advance"])
def test_a_body_nested_too_deep_is_too_deep_on_every_body(api, path):
    """Nested past Python's depth, a check body was `too-deep` at its line and column and an event or advance body a
    bare invalid-json: the same reader says the same everywhere."""
    api.put("/v1/sessions/s-deep", json={"policy": "harif"})
    answer = api.post(path, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert error_codes(answer) == ["too-deep"]
    assert (answer.json()["errors"][0]["line"], answer.json()["errors"][0]["col"]) == (1, 65)


@pytest.mark.parametrize("path", ["/v1/check", "/v1/sessions/s-utf/events"])
def test_bytes_that_are_not_utf8_are_invalid_utf8_on_every_body(api, path):
    """The same reader says the same of bytes that are not UTF-8: `invalid-utf8` at their line and column (the
    event bodies said `invalid-json`)."""
    api.put("/v1/sessions/s-utf", json={"policy": "harif"})
    answer = api.post(path, content=b'{"events": [\n {"case_id": "\xff"}]}',
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert error_codes(answer) == ["invalid-utf8"]
    item = answer.json()["errors"][0]
    assert (item["line"], item["col"]) == (2, 15)


def test_no_personal_value_in_errors(api):
    body = case(subject={"name": PERSONAL}, events=[{"type": "request_received", "at": "2025-01-01",
                                                     "channel": "0555 123 456"}])
    answer = api.post("/v1/check", json=body)
    assert answer.status_code == 422
    assert "0555" not in answer.text and PERSONAL not in answer.text


@pytest.mark.parametrize("method,path,body,where", [
    ("POST", "/v1/check", b'{"case_id": "A", "policy": "harif",\n "events": [{"type": "request_completed", '
                          b'"at": "2025-03-01"}],\n "events": []}', ("events", 3, 2)),
    ("POST", "/v1/check", b'{"case_id": "A", "policy": "harif", "events": [\n {"type": "request_completed", '
                          b'"at": "2025-03-01", "at": "2025-05-01"}]}', ("events[0].at", 2, 52)),
    ("POST", "/v1/sessions/s-dup/events", b'{"events": [{"case_id": "A", "type": "request_completed", '
                                          b'"at": "2025-03-01"}],\n "events": []}', ("events", 2, 2)),
    ("POST", "/v1/sessions/s-dup/events", b'{"events": [{"case_id": "A", "case_id": "B", "type": "request_completed", '
                                          b'"at": "2025-03-01"}]}', ("events[0].case_id", 1, 30)),
    ("POST", "/v1/compare", b'{"policies": ["harif"], "policies": ["saddad"]}', ("policies", 1, 25)),
    ("POST", "/v1/sessions/s-dup/advance", b'{"now": "2025-03-01", "now": "2025-04-01"}', ("now", 1, 23))])
def test_a_key_repeated_in_a_json_body_is_refused_located(api, method, path, body, where):
    """JSON bodies were read last-one-wins: a case's second `events` silently replaced its first (a verdict on part
    of the case), an event's second `at` its first; now each is a located duplicate-key, as `policykit check` says."""
    api.put("/v1/sessions/s-dup", json={"policy": "harif"})
    answer = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert error_codes(answer) == ["duplicate-key"], answer.text
    item = answer.json()["errors"][0]
    assert (item["path"], item["line"], item["col"]) == where
    assert api.get("/v1/sessions/s-dup/cases/A").status_code == 404  # nothing taken


@pytest.mark.parametrize("media", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_json_body_is_read_whatever_its_media_type(api, media):
    """`curl -d` sends a form's media type and some clients none: compare, diff and the session endpoints answered
    422 'Input should be a valid dictionary' to a valid JSON body (the check endpoint already read it)."""
    headers = {"Content-Type": media} if media else {}
    calls = [("POST", "/v1/compare", {"policies": ["harif"]}), ("POST", "/v1/diff", {"a": "harif", "b": "saddad"}),
             ("PUT", "/v1/sessions/s-media", {"policy": "harif"}),
             ("POST", "/v1/sessions/s-media/events", {"events": [dict(case()["events"][0], case_id="M")]}),
             ("POST", "/v1/sessions/s-media/advance", {"now": "2025-03-12"}), ("POST", "/v1/check", case())]
    for method, path, body in calls:
        answer = api.request(method, path, content=json.dumps(body).encode("utf-8"), headers=headers)
        assert answer.status_code in (200, 201), (path, answer.text)


def test_a_repeated_key_that_is_not_an_id_is_not_echoed(api):
    """A subject's key repeated (a name typed as a key) was quoted in the duplicate-key message."""
    body = "case_id: A\npolicy: harif\nsubject:\n  Mohammed Ali 0555: 1\n  Mohammed Ali 0555: 2\nevents: []\n"
    answer = api.post("/v1/check", content=body.encode("utf-8"), headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 422 and error_codes(answer) == ["duplicate-key"]
    assert "Mohammed" not in answer.text and "0555" not in answer.text
    assert (answer.json()["errors"][0]["line"], answer.json()["errors"][0]["col"]) == (5, 3)


@pytest.mark.parametrize("params,code", [({"as_of": "yesterday"}, "invalid-date"),
                                         ({"reading": "loose"}, "invalid-value")])
def test_bad_query_values_are_422(api, params, code):
    answer = api.post("/v1/check", params=params, json=case())
    assert answer.status_code == 422 and code in error_codes(answer)


def test_unknown_route_and_wrong_method(api):
    assert api.get("/v1/check").status_code == 405
    assert error_codes(api.get("/v1/check")) == ["method-not-allowed"]


# --- limits, internal errors, time limit ------------------------------------------------------------------------

def test_body_limit_is_413(tmp_path, serve):
    with serve(tmp_path, max_body_bytes=2000) as small, small.client() as client:
        big = json.dumps(case(facts={}, events=[{"type": "request_received", "at": "2025-01-01"}] * 100))
        answer = client.post("/v1/check", content=big, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413 and error_codes(answer) == ["body-too-large"]

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 500

        answer = client.post("/v1/check", content=chunks(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 413 and error_codes(answer) == ["body-too-large"]
        assert client.post("/v1/check", json=case()).status_code == 200


@pytest.mark.parametrize("method,path", [("POST", "/v1/compare"), ("POST", "/v1/diff"), ("PUT", "/v1/sessions/big"),
                                         ("POST", "/v1/sessions/big/events"), ("POST", "/v1/sessions/big/advance"),
                                         ("POST", "/v1/batch?policy=harif"), ("POST", "/page/check")])
def test_a_chunked_body_over_the_limit_is_413_on_every_endpoint(tmp_path, serve, method, path):
    """Without Content-Length the body is counted as it arrives; an endpoint whose body FastAPI reads itself
    answered 422 invalid-json (FastAPI turned the guard's 413 into a parse error)."""
    def chunks():
        for _ in range(10):
            yield b" " * 500

    with serve(tmp_path, max_body_bytes=2000) as small, small.client() as client:
        client.put("/v1/sessions/big", json={"policy": "harif"})
        media = "application/x-www-form-urlencoded" if path.startswith("/page/") else "application/json"
        answer = client.request(method, path, content=chunks(), headers={"Content-Type": media})
        assert answer.status_code == 413, answer.text
        assert error_codes(answer) == ["body-too-large"]


def test_an_internal_error_is_500_without_traceback_or_message(tmp_path, monkeypatch, serve):
    from policykit.service import checking

    def broken(*args, **kwargs):
        raise RuntimeError(f"secret {PERSONAL}")

    monkeypatch.setattr(checking, "evaluate", broken)
    with serve(tmp_path) as running, running.client() as client:
        answer = client.post("/v1/check", json=case())
    assert answer.status_code == 500 and error_codes(answer) == ["internal-error"]
    assert PERSONAL not in answer.text and "Traceback" not in answer.text


def test_an_internal_error_leaves_no_traceback_or_message_in_the_server_log(tmp_path, monkeypatch, serve, capfd):
    """Starlette re-raises the exception after its 500 is answered, and uvicorn printed the traceback, with the
    exception's message (which may quote input), to the server's stderr; only the type is logged now."""
    from policykit.service import checking

    def broken(*args, **kwargs):
        raise RuntimeError(f"secret {PERSONAL}")

    monkeypatch.setattr(checking, "evaluate", broken)
    with serve(tmp_path) as running, running.client() as client:
        capfd.readouterr()
        answer = client.post("/v1/check", json=case())
        again = client.post("/v1/check", json=case())  # the connection and the server carry on
    logged = capfd.readouterr()
    assert answer.status_code == again.status_code == 500
    assert PERSONAL not in logged.err + logged.out and "Traceback" not in logged.err + logged.out


def test_an_internal_error_logs_the_route_not_the_path(tmp_path, monkeypatch, serve, caplog):
    """The log line named the request's path, decoded: a case id from the path (with control or bidi characters
    reaching the terminal as they were); it names the route's template."""
    from policykit.service import live_ops

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(live_ops, "case_verdict", broken)
    with serve(tmp_path) as running, running.client() as client:
        client.put("/v1/sessions/s-log", json={"policy": "harif"})
        with caplog.at_level("ERROR", logger="policykit.service"):
            answer = client.get("/v1/sessions/s-log/cases/%1B%5B31mMohammed%E2%80%AE")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "policykit.service")
    assert answer.status_code == 500
    assert "Mohammed" not in logged and "\x1b" not in logged and "\u202e" not in logged
    assert "internal error RuntimeError on GET /v1/sessions/{name}/cases/{case_id:path}" in logged


def test_a_request_over_the_time_limit_is_answered(tmp_path, monkeypatch, serve):
    import time

    from policykit.service import checking

    real = checking.evaluate

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(checking, "evaluate", slow)
    with serve(tmp_path, time_limit_s=0.2) as running, running.client() as client:
        started = time.monotonic()
        # a body larger than the ones judged on the event loop (app.INLINE_BYTES) goes to a thread, under the limit
        answer = client.post("/v1/check", json=case(subject={"note": "x" * 20_000}))
        assert time.monotonic() - started < 1.2
    assert answer.status_code == 503 and error_codes(answer) == ["timeout"]
    assert answer.headers["retry-after"] == "5"  # a 503 says when to try again


def test_the_decision_log_can_be_turned_off(tmp_path, serve):
    with serve(tmp_path, decision_log=None) as running, running.client() as client:
        assert client.post("/v1/check", json=case()).status_code == 200
    assert not (tmp_path / "decisions.jsonl").exists()


def test_no_token_configured_serves_loopback_without_a_token(tmp_path, serve):
    import httpx

    with serve(tmp_path, tokens=()) as running:
        assert httpx.get(f"{running.url}/v1/policies").status_code == 200
        assert httpx.post(f"{running.url}/v1/check", json=case(), headers={"Origin": running.url}).status_code == 200
        # what a page elsewhere could make a local browser send: another site's POST, a rebound host name
        other_site = httpx.post(f"{running.url}/v1/check", json=case(), headers={"Origin": "https://evil.example"})
        assert other_site.status_code == 403 and error_codes(other_site) == ["cross-origin"]
        rebound = httpx.get(f"{running.url}/v1/policies", headers={"Host": "evil.example:8080"})
        assert rebound.status_code == 403 and error_codes(rebound) == ["forbidden-host"]
        # every loopback address is loopback's own name (serving on 127.0.0.2 answered nothing but 403)
        for host in ("127.0.0.2:8080", "localhost:8080", "[::1]:8080", "127.0.0.1"):
            assert httpx.get(f"{running.url}/v1/policies", headers={"Host": host}).status_code == 200, host
        for host in ("127.evil.example:8080", "[::2]:8080"):
            assert httpx.get(f"{running.url}/v1/policies", headers={"Host": host}).status_code == 403, host


# --- the page's forms, without a browser (the browser tests are in test_page_browser.py) -------------------------

def test_the_page_escapes_what_a_case_carries(api):
    hostile = case(case_id="<img src=x onerror=alert(1)>")
    answer = api.post("/page/check", data={"case_text": json.dumps(hostile), "lang": "en", "as_of": "2025-04-20"})
    assert answer.status_code == 200, answer.text
    assert "<img src=x" not in answer.text and "&lt;img src=x" in answer.text
    assert "script-src" not in answer.headers["content-security-policy"]  # no script is allowed at all


def test_the_page_needs_the_token_for_what_it_does(server):
    import httpx

    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get("/").status_code == 200
        refused = anonymous.post("/page/check", data={"case_text": json.dumps(case()), "lang": "en"})
        assert refused.status_code == 401 and "unauthorized" in refused.text
        form = {"case_text": json.dumps(case()), "token": server.settings.tokens[0]}
        allowed = anonymous.post("/page/check", data=form)
        assert allowed.status_code == 200 and 'lang="ar"' in allowed.text
        by_header = anonymous.post("/page/check", data={"case_text": json.dumps(case())}, headers=server.auth)
        assert by_header.status_code == 200


def test_an_unknown_job_page_is_404(server):
    import httpx

    assert httpx.get(f"{server.url}/page/batch/nope").status_code == 404


# --- HEAD, and a session's own description ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/", "/v1/policies", "/v1/policies/harif",
                                  "/v1/sessions/s-head", "/v1/sessions/s-head/actions",
                                  "/v1/sessions/s-head/cases/H-1"])
def test_head_answers_as_get_without_a_body(api, path):
    """HEAD on every GET route was 405 (FastAPI routes GET alone): it answers as GET does, headers and status,
    without the body."""
    api.put("/v1/sessions/s-head", json={"policy": "harif"})
    api.post("/v1/sessions/s-head/events", json={"events": [{"case_id": "H-1", "type": "request_completed",
                                                             "at": "2025-03-13"}]})
    got, head = api.get(path), api.head(path)
    assert got.status_code == head.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if path != "/v1/sessions/s-head/cases/H-1":  # a case's verdict carries its own decision id
        assert head.headers["content-length"] == got.headers["content-length"]


def test_head_of_unknown_ids_and_post_routes_answers_as_get(api):
    for path, status in (("/v1/sessions/no-such", 404), ("/v1/policies/nope", 404), ("/v1/check", 405)):
        assert api.get(path).status_code == status
        head = api.head(path)
        assert head.status_code == status and head.content == b""


def test_a_405_allows_head_where_it_allows_get(api):
    """HEAD is answered wherever GET is: the 405 of another method says so (its Allow said GET alone)."""
    refused = api.delete("/v1/policies")
    assert refused.status_code == 405 and error_codes(refused) == ["method-not-allowed"]
    assert refused.headers["allow"] == "GET, HEAD"
    assert api.get("/v1/check").headers["allow"] == "POST"


def test_a_session_is_described_by_get(api):
    """`GET /v1/sessions/{name}` was 405: it answers the session's description, as its PUT does (policy, clock,
    cases held); an unknown or malformed name is 404."""
    created = api.put("/v1/sessions/s-about", json={"policy": "saddad"}).json()
    assert api.get("/v1/sessions/s-about").json() == created == {"name": "s-about", "policy": "saddad", "now": None,
                                                                 "open_cases": 0}
    api.post("/v1/sessions/s-about/events", json={"events": [
        {"case_id": "A", "type": "request_received", "at": "2025-03-02T09:00:00+03:00"},
        {"case_id": "B", "type": "request_received", "at": "2025-03-03T09:00:00+03:00"}]})
    assert api.get("/v1/sessions/s-about").json() == {"name": "s-about", "policy": "saddad",
                                                      "now": "2025-03-03T09:00:00+03:00", "open_cases": 2}
    for name in ("no-such", "..", "a" * 65):
        answer = api.get(f"/v1/sessions/{name}")
        assert answer.status_code == 404 and error_codes(answer) in (["unknown-session"], ["not-found"])
