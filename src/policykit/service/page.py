"""The officers' page (GET /, no token to load it): check a case, audit an export, compare the policies.

Server-rendered with the report templates' Jinja2 environment (autoescape on); what a form does needs the token,
from its field or the Authorization header."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..diagnostics import PolicykitError
from ..report.templating import render_template
from ..vocabulary import CHANNELS, EVENTS
from . import checking, export_options, policies
from .errors import ServiceError, error_body, for_client, status_for
from .guard import bearer_ok
from .jobs import audit_report_html, format_of
from .page_words import words

EVENT_ROWS = 8
SHOWN_VERDICTS = 500
CHANNEL_EVENTS = ("request_received", "decision_notified", "complaint_received")


def lang_of(value: str | None) -> str:
    """`ar` (the default) or `en`."""
    return "en" if value == "en" else "ar"


def page(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page template rendered in `lang`."""
    from ..report.html import stylesheet

    html = render_template(f"service/{name}.html.j2", lang=lang, direction="rtl" if lang == "ar" else "ltr",
                           other="en" if lang == "ar" else "ar", w=words(lang), css=stylesheet(), **context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP})


# no script, no remote resource: the page works with forms alone
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-src 'self'; " \
      "frame-ancestors 'self'; base-uri 'none'"


def routes(app: FastAPI, service) -> None:
    """GET /, GET /compare and the forms' endpoints under /page/."""
    tokens = tuple(token.encode("utf-8") for token in service.settings.tokens)

    def authorised(request: Request, form) -> bool:
        if not tokens:
            return True
        field = str(form.get("token") or "").strip()
        return bearer_ok(tokens, request.headers.get("authorization", "").encode("utf-8")) or (
            bool(field) and bearer_ok(tokens, b"Bearer " + field.encode("utf-8")))

    async def refused(form, error: PolicykitError, status: int) -> HTMLResponse:
        return page("problem", lang_of(form.get("lang")), status, errors=error_body(error)["errors"])

    async def guarded(request: Request, action):
        form = await request.form(max_files=2, max_fields=200)
        try:
            if not authorised(request, form):
                raise ServiceError.of(401, "unauthorized", "a valid access token is required")
            return await action(form)
        except ServiceError as exc:
            return await refused(form, exc.error, exc.status)
        except PolicykitError as exc:
            return await refused(form, for_client(exc, request), status_for(exc))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(lang: str | None = None):
        return page("index", lang_of(lang), policies=policy_choices(lang_of(lang)), events=event_choices(
            lang_of(lang)), channels=channel_choices(lang_of(lang)), rows=range(EVENT_ROWS))

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def comparison(lang: str | None = None):
        from ..compare import compare
        from ..report.matrix import render_matrix

        chosen = [policies.policy(pid) for pid in policies.known_ids()]
        return HTMLResponse(render_matrix(await service.work(compare, chosen), "html", lang_of(lang)),
                            headers={"Content-Security-Policy": CSP})

    @app.post("/page/check", response_class=HTMLResponse, include_in_schema=False)
    async def check_case(request: Request):
        async def action(form):
            upload = form.get("case_file")
            raw = await upload.read() if isinstance(upload, UploadFile) else b""
            if not raw.strip():
                raw = str(form.get("case_text") or "").encode("utf-8")
            if not raw.strip():
                raise PolicykitError.single("empty-body", "choose a case file or paste a case", path=("case_file",))
            return await report(raw, form)
        return await guarded(request, action)

    @app.post("/page/check-events", response_class=HTMLResponse, include_in_schema=False)
    async def check_events(request: Request):
        async def action(form):
            return await report(json.dumps(case_of_form(form), ensure_ascii=False).encode("utf-8"), form)
        return await guarded(request, action)

    async def report(raw: bytes, form) -> HTMLResponse:
        from ..report import render_verdict

        lang = lang_of(form.get("lang"))
        decision = await service.work(checking.check, raw, str(form.get("as_of") or "") or None, None,
                                      service.log, service.evaluation)
        html = await service.work(render_verdict, decision.verdict, decision.case.policy, "html", lang,
                                  decision.case)
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})

    @app.post("/page/batch", include_in_schema=False)
    async def batch(request: Request):
        async def action(form):
            lang = lang_of(form.get("lang"))
            chosen = policies.policy(str(form.get("batch_policy") or ""), ("batch_policy",))
            upload = form.get("export_file")
            raw = await upload.read() if isinstance(upload, UploadFile) else b""
            if not raw:
                raise PolicykitError.single("empty-body", "choose an export file", path=("export_file",))
            name = (upload.filename or "").lower()
            suffix = name.rsplit(".", 1)[-1] if "." in name else None
            fmt = format_of(suffix if suffix in ("csv", "jsonl", "parquet", "xes", "xlsx") else None,
                            None, raw[:64])
            when = checking.instant(str(form.get("as_of") or "") or None, chosen, "as_of")
            columns = [line.strip() for line in str(form.get("columns") or "").splitlines() if line.strip()]
            options = export_options.checked(str(form.get("encoding") or "") or None, None,
                                             str(form.get("date_format") or "") or None, columns)
            job = await service.work(service.jobs.submit, raw, fmt, chosen.id, when, None, options)
            return RedirectResponse(f"/page/batch/{job.id}?lang={lang}", status_code=303)
        return await guarded(request, action)

    # a job's page is reached by its id, a random 128-bit capability handed to whoever submitted the export
    @app.get("/page/batch/{job}", response_class=HTMLResponse, include_in_schema=False)
    async def batch_page(job: str, lang: str | None = None):
        try:  # in a worker thread: a done job's verdicts are read whole
            found, state = await service.work(_job_read, service, job, "to_dict")
        except ServiceError as exc:
            return page("problem", lang_of(lang), 404, errors=error_body(exc.error)["errors"])
        from ..report.labels import status

        lang = lang_of(lang)
        return page("job", lang, job=state, status_label=lambda value: status(value, lang),
                    verdicts=verdict_rows(state.get("verdicts") or [], lang),
                    audit=found.state == "done")

    @app.get("/page/batch/{job}/verdicts.jsonl", include_in_schema=False)
    async def batch_verdicts(job: str):
        try:  # in a worker thread: a done job's verdicts are read whole
            found, rows = await service.work(_job_read, service, job, "jsonl")
        except ServiceError as exc:
            return Response(json.dumps(error_body(exc.error)), status_code=404, media_type="application/json")
        return Response(rows, media_type="application/jsonl", headers={
            "Content-Disposition": f'attachment; filename="verdicts-{found.id[:8]}.jsonl"'})

    @app.get("/page/batch/{job}/verdicts.xlsx", include_in_schema=False)
    async def batch_workbook(job: str, lang: str | None = None):
        try:
            found = service.jobs.get(job)
        except ServiceError as exc:
            return Response(json.dumps(error_body(exc.error)), status_code=404, media_type="application/json")
        data = await service.work(service.jobs.workbook, found, lang_of(lang))
        if data is None:
            return page("problem", lang_of(lang), 404, errors=[{"code": "not-available", "message": words(
                lang_of(lang))["audit_missing"], "path": None, "line": None, "col": None}])
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="verdicts-{found.id[:8]}.xlsx"'})

    @app.get("/page/batch/{job}/report", response_class=HTMLResponse, include_in_schema=False)
    async def batch_audit(job: str, lang: str | None = None):
        html = await service.work(lambda: audit_report_html(service.jobs.get(job), lang_of(lang)))
        if html is None:
            return page("problem", lang_of(lang), 404, errors=[{"code": "not-available", "message": words(
                lang_of(lang))["audit_missing"], "path": None, "line": None, "col": None}])
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


def verdict_rows(verdicts: list[dict], lang: str) -> list[dict]:
    """The first SHOWN_VERDICTS verdicts as table rows: case id, status (and its label), breached rules."""
    from ..report.labels import status

    return [{"case_id": v.get("case_id"), "status": v.get("status"), "label": status(v.get("status"), lang),
             "breached": ", ".join(f["rule"] for f in v.get("findings", []) if f.get("status") == "breached")}
            for v in verdicts[:SHOWN_VERDICTS]]


def case_of_form(form) -> dict:
    """The case of the events form: rows with a type become events (their empty fields left out)."""
    events = []
    for row in range(EVENT_ROWS):
        kind = str(form.get(f"type_{row}") or "")
        if not kind:
            continue
        event: dict[str, str] = {"type": kind, "at": str(form.get(f"at_{row}") or "")}
        for name in ("channel", "outcome"):
            value = str(form.get(f"{name}_{row}") or "")
            if value:
                event[name] = value
        events.append(event)
    return {"case_id": str(form.get("case_id") or "") or "form-case", "policy": str(form.get("policy") or ""),
            "events": events}


def policy_choices(lang: str) -> list[dict]:
    """The bundled policies for a select: id and association name."""
    out = []
    for pid in policies.known_ids():
        out.append({"id": pid, "name": policies.policy(pid).association.name.model_dump()[lang]})
    return out


def event_choices(lang: str) -> list[dict]:
    """The canonical event types for a select."""
    return [{"id": key, "name": names[lang]} for key, names in EVENTS.items()]


def channel_choices(lang: str) -> list[dict]:
    """The canonical channels for a select."""
    return [{"id": key, "name": names[lang]} for key, names in CHANNELS.items()]


def _job_read(service, job_id: str, read: str):
    """The job and what its method `read` gives (the page's reads of a job, made in a worker thread)."""
    found = service.jobs.get(job_id)
    return found, getattr(found, read)()
