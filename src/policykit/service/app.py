"""The FastAPI application: the endpoints of SPEC §11 over the library, nothing judged here."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import anyio
from fastapi import FastAPI, Query, Request
from starlette.responses import Response

from .. import __version__
from ..diagnostics import PolicykitError
from ..lint import LintFinding
from . import api_docs, checking, errors, export_options, live_ops, models, openapi, page, policies
from .bodies import StrictJSONRoute
from .decisions import DecisionLog
from .errors import ServiceError
from .guard import Guard
from .jobs import JobRunner, audit_report_html, format_of
from .responses import JSON, RawJSON
from .sessions import SessionHub

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
from .settings import ServiceSettings

# bodies up to this size are judged on the event loop: at most some 200 events, a few milliseconds, well inside
# any time limit; larger ones go to a worker thread under the time limit
INLINE_BYTES = 16 * 1024
ERRORS = {status: {"model": models.Errors, "description": text} for status, text in (
    (401, "no token, or not a configured one"),
    (403, "with no token configured: a host name that is not loopback's, or another site's page posting"),
    (404, "unknown id in the path"),
    (413, "the body is larger than the limit"), (422, "invalid input, located"),
    (503, "the request took longer than the time limit, or the service's storage failed it (store-unavailable, "
          "store-write-failed, output-unwritable, ...): not acknowledged; send it again after Retry-After seconds "
          "(an event already stored is answered as a duplicate)"))}
ERRORS[503]["headers"] = {"Retry-After": {"description": "seconds to wait before sending the request again",
                                          "schema": {"type": "integer"}}}
AS_OF = Query(None, description="judge as things stood at T (ISO 8601, a date, or Hijri as 1446-09-29H); "
                                "default: now", examples=["2025-04-15"])
READING = Query(None, pattern="^(intended|literal)$", description="reading of ambiguous deadlines")
CASE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/CaseBody"}, "example": models.EXAMPLE_CASE},
    "application/yaml": {"schema": {"type": "string"}}}}}
CHECK_EXTRA = {**CASE_BODY, "parameters": [
    {"name": "as_of", "in": "query", "required": False, "description": AS_OF.description,
     "schema": {"type": "string"}, "examples": {"date": {"value": "2025-04-15"}}},
    {"name": "reading", "in": "query", "required": False, "description": READING.description,
     "schema": {"type": "string", "enum": ["intended", "literal"]}}]}
EXPORT_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "string", "format": "binary"}} for media in (
        "text/csv", "application/jsonl", "application/vnd.apache.parquet", "application/xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream")}}}


class Service:
    """The state one app holds: settings, decision log, live sessions, batch jobs."""

    def __init__(self, settings: ServiceSettings) -> None:
        from .. import limits
        from ..config import load_settings

        self.settings = settings
        self.evaluation = load_settings()  # reading and at-risk window: read once, not on every request
        # the bounds (POLICYKIT_MAX_*) are read where they apply; a bad one is the operator's, told at start, not
        # answered to every request as its input's fault (422 invalid-limit)
        limits.current()
        # first: a jobs folder refused leaves nothing opened
        self.jobs = JobRunner(settings.jobs_dir, start=False, settings=self.evaluation)
        try:
            self.log = DecisionLog(settings.decision_log)
            try:
                self.sessions = SessionHub(settings.store, self.evaluation)
            except BaseException:
                self.log.close()
                raise
        except BaseException:
            self.jobs.close()  # its temporary folder, if it made one, goes
            raise
        self.jobs.start()  # the jobs left on the folder are taken up once the service is whole

    async def work(self, function, *args):
        """`function(*args)` in a worker thread, within the time limit (503 past it)."""
        try:
            with anyio.fail_after(self.settings.time_limit_s):
                return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True)
        except TimeoutError:
            raise self.timeout() from None

    async def in_session(self, held, function, *args):
        """`function(held, *args)` under the session's lock, in a worker thread within the time limit. The thread
        of a request answered 503 at the limit goes on; it waits for the lock, and works under it, only until the
        limit too, so that it does not hold the session (and its next requests) long after its answer."""
        deadline = time.monotonic() + self.settings.time_limit_s
        return await self.work(locked, held, deadline, self.timeout, function, *args)

    def timeout(self) -> ServiceError:
        """The 503 of a request past the time limit."""
        return ServiceError.of(503, "timeout", f"the request took longer than the limit of "
                               f"{self.settings.time_limit_s:g} s")

    def close(self) -> None:
        """Release the stores, the log and the jobs' files."""
        self.sessions.close()
        self.jobs.close()
        self.log.close()


def create_app(settings: ServiceSettings | None = None) -> Any:
    """The ASGI app: FastAPI behind the token and body-size guard."""
    settings = settings or ServiceSettings()
    service = Service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        service.close()

    app = FastAPI(title="policykit decision service", version=__version__, lifespan=lifespan,
                  default_response_class=JSON, docs_url=None, redoc_url=None,
                  description="Checks cases against associations' service policies. Every /v1/ "
                              "request needs `Authorization: Bearer <token>`. Errors are "
                              "`{\"errors\": [{code, message, path, line, col}]}`; no personal value is ever "
                              "echoed.")
    app.router.route_class = StrictJSONRoute  # JSON bodies: a key given twice is an error, not last-one-wins
    app.state.service = service
    errors.install(app)
    routes(app, service)
    page.routes(app, service)
    api_docs.routes(app)
    app.openapi = lambda: openapi.schema_of(app)
    return Guard(app, settings.tokens, settings.max_body_bytes, settings.max_concurrent)


def routes(app: FastAPI, service: Service) -> None:
    """The /healthz and /v1/ endpoints."""

    @app.get("/healthz", response_model=models.Health, tags=["service"])
    async def healthz():
        """Liveness; needs no token."""
        return JSON({"status": "ok", "version": __version__})

    @app.get("/v1/policies", response_model=list[models.PolicySummary], responses=ERRORS, tags=["policies"])
    async def list_policies():
        """The bundled policies."""
        from ..commands.policies import list_rows

        return JSON(await service.work(list_rows))

    @app.get("/v1/policies/{policy_id}", response_model=dict[str, Any], responses=ERRORS, tags=["policies"])
    async def show_policy(policy_id: str):
        """One bundled policy, every version, as JSON."""
        if not policies.is_known(policy_id):
            raise ServiceError.of(404, "unknown-policy", "no bundled policy with this id")
        return JSON(policies.policy(policy_id).model_dump(mode="json"))

    @app.post("/v1/check", response_model=models.DecidedVerdict, responses=ERRORS, openapi_extra=CHECK_EXTRA,
              tags=["check"])
    async def check(request: Request):
        """Judge one case (a case file as JSON or YAML): the verdict with `decision_id` and `provenance`."""
        # the query is read here rather than declared as parameters: FastAPI's parameter solving is a third of
        # this endpoint's own time (the parameters are documented in CHECK_EXTRA all the same)
        query = request.query_params
        as_of, reading = query.get("as_of"), query.get("reading")
        raw = await request.body()
        if len(raw) <= INLINE_BYTES:  # a small case is judged in a millisecond or two: no thread hop for it
            decision = checking.check(raw, as_of, reading, service.log, service.evaluation)
        else:
            decision = await service.work(checking.check, raw, as_of, reading, service.log, service.evaluation)
        return RawJSON(decision.to_json())

    @app.post("/v1/compare", response_model=models.Matrix, responses=ERRORS, tags=["policies"])
    async def compare(body: models.CompareBody):
        """The comparison matrix of bundled policies."""
        from ..compare import compare as matrix

        chosen = [policies.policy(pid, ("policies", i)) for i, pid in enumerate(body.policies)]
        return JSON((await service.work(matrix, chosen)).to_json())

    @app.post("/v1/diff", response_model=models.PolicyDiff, responses=ERRORS, tags=["policies"])
    async def diff(body: models.DiffBody):
        """What policy `b` adds, removes and changes relative to `a` (`ID` or `ID@VERSION`)."""
        from ..diff import diff as policy_diff

        a, b = version_of(body.a, "a"), version_of(body.b, "b")
        return JSON((await service.work(policy_diff, a, b)).to_json())

    @app.get("/v1/lint", response_model=list[LintFinding], responses=ERRORS, tags=["policies"])
    async def lint():
        """Lint findings of every bundled policy."""
        from ..lint import lint_policies

        return JSON([finding.to_json() for finding in await service.work(lint_policies, [])])

    @app.put("/v1/sessions/{name}", response_model=models.Session, responses={**ERRORS, 201: {
        "model": models.Session, "description": "created"}}, tags=["live"])
    async def put_session(name: str, body: models.SessionBody):
        """A live session judging one policy: created (201), or the existing one (200)."""
        held, created = await service.work(service.sessions.put, name, body.policy)
        return JSON(await service.in_session(held, live_ops.describe), status_code=201 if created else 200)

    @app.get("/v1/sessions/{name}", response_model=models.Session, responses=ERRORS, tags=["live"])
    async def get_session(name: str):
        """A live session's description, as its PUT answers it: policy, clock, cases held; 404 when unknown."""
        held = await service.work(service.sessions.get, name)
        return JSON(await service.in_session(held, live_ops.describe))

    @app.post("/v1/sessions/{name}/events", response_model=list[models.EventAnswer], responses=ERRORS,
              tags=["live"])
    async def post_events(name: str, body: models.EventsBody):
        """Post events (one acknowledgement: answered once stored); what changed, one entry per event."""
        held = await service.work(service.sessions.get, name)
        # an `id` of null is no id; any other null (`"channel": null`) goes to the session, which reads it as check
        # reads it (policykit.values: absent), never dropped unseen here
        events = [event.model_dump(exclude={"id"} if event.id is None else None) for event in body.events]
        return JSON(await service.in_session(held, live_ops.post_events, events))

    @app.post("/v1/sessions/{name}/advance", response_model=list[models.Passed], responses=ERRORS,
              tags=["live"])
    async def advance(name: str, body: models.AdvanceBody):
        """Move the session's clock to `now`; the deadlines that passed, per case."""
        held = await service.work(service.sessions.get, name)
        passed = await service.in_session(held, live_ops.advance, body.now)
        await service.work(service.sessions.save_clock, held)
        return JSON(passed)

    # `:path`: a case id may hold a slash (2025/42, sent as %2F, which the server decodes before routing)
    @app.get("/v1/sessions/{name}/cases/{case_id:path}", response_model=models.DecidedVerdict, responses=ERRORS,
             tags=["live"])
    async def case_verdict(name: str, case_id: str):
        """The verdict of an open case now (the session's clock)."""
        held = await service.work(service.sessions.get, name)
        decision = await service.in_session(held, live_ops.case_verdict, case_id, service.log)
        return RawJSON(decision.to_json())

    @app.get("/v1/sessions/{name}/actions", response_model=list[models.CaseAction], responses=ERRORS,
             tags=["live"])
    async def actions(name: str, due_before: str | None = Query(
            None, description="only actions due at or before T (a date: its whole local day); actions without a "
                              "due only when absent")):
        """Required actions across open cases: overdue first, then by due."""
        held = await service.work(service.sessions.get, name)
        return JSON(await service.in_session(held, live_ops.actions, due_before))

    @app.post("/v1/batch", status_code=202, response_model=models.JobAccepted, responses=ERRORS,
              openapi_extra=EXPORT_BODY, tags=["batch"])
    async def batch(request: Request, policy: str = Query(..., examples=["harif"]), as_of: str | None = AS_OF,
                    reading: str | None = READING, format: str | None = Query(
                        None, description="csv, jsonl, parquet, xes or xlsx; default: from the media type or "
                                          "the first bytes"),
                    encoding: str | None = Query(None, description="a CSV export's text encoding, e.g. cp1256 "
                                                 "(Arabic Windows); default: UTF-8, or what its BOM says"),
                    sheet: str | None = Query(None, description="the sheet of an XLSX export; default: the first"),
                    date_format: str | None = Query(None, description="the form of dates that are neither ISO "
                                                    "8601 nor Hijri, e.g. %d/%m/%Y %H:%M (never guessed)"),
                    column: list[str] = Query([], description="NAME=HEADER, repeatable: the export's header "
                                              "read as policykit's column, e.g. case_id=رقم الطلب")):
        """Judge an export (one row per event) in the background: 202 and the job id."""
        chosen = policies.policy(policy, ("policy",))
        when = checking.instant(as_of, chosen, "as_of")
        options = export_options.checked(encoding, sheet, date_format, column)
        raw = await request.body()
        if not raw:
            raise PolicykitError.single("empty-body", "the export is empty")
        fmt = format_of(format, request.headers.get("content-type"), raw[:64])
        job = await service.work(service.jobs.submit, raw, fmt, policy, when, reading, options)
        return JSON({"job": job.id}, status_code=202)

    @app.get("/v1/batch/{job}", response_model=models.JobState, responses=ERRORS, tags=["batch"])
    async def batch_job(job: str):
        """A job's progress; once done its summary and verdict rows (the JSONL rows of `batch`)."""
        # in a worker thread: a done job's verdicts may be hundreds of megabytes, not to be read on the event loop
        return RawJSON(await service.work(lambda: service.jobs.get(job).to_json()))

    @app.get("/v1/batch/{job}/rejects", response_model=list[models.RejectedRow], responses=ERRORS, tags=["batch"])
    async def batch_rejects(job: str):
        """The rows of a finished job's export that were rejected, with why (`line` as the batch command counts
        it); empty when none was; 404 until the job is done."""
        found = service.jobs.get(job)
        if found.state != "done":
            raise ServiceError.of(404, "not-available", "no rejected rows for this job (not done)")
        return JSON(found.rejects)

    @app.get("/v1/batch/{job}/verdicts.xlsx", responses={**ERRORS, 200: {"content": {XLSX: {}},
                                                                         "description": "the Excel verdicts"}},
             tags=["batch"], response_class=JSON)
    async def batch_workbook(job: str, lang: str = Query("ar", pattern="^(ar|en)$")):
        """The Excel verdicts of a finished job: one row per case and one per finding, labels in `lang`; 404
        until the job is done."""
        data = await service.work(service.jobs.workbook, service.jobs.get(job), lang)
        if data is None:
            raise ServiceError.of(404, "not-available", "no Excel verdicts for this job (not done)")
        return Response(data, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="verdicts-{job[:8]}.xlsx"'})

    @app.get("/v1/batch/{job}/report", responses={**ERRORS, 200: {"content": {"text/html": {}},
                                                                  "description": "the audit report"}},
             tags=["batch"], response_class=JSON)
    async def batch_report(job: str, lang: str = Query("ar", pattern="^(ar|en)$")):
        """The audit report of a finished job; 404 until the job is done or while policykit has no
        audit renderer."""
        from starlette.responses import HTMLResponse

        html = await service.work(lambda: audit_report_html(service.jobs.get(job), lang))
        if html is None:
            raise ServiceError.of(404, "not-available", "no audit report for this job (not done, or this "
                                  "policykit has no audit report renderer)")
        return HTMLResponse(html, headers={"Content-Security-Policy": page.CSP})  # it runs nothing, fetches nothing


def locked(held, deadline: float, timeout, function, *args):
    """`function(held, *args)` with the session's lock held, taken before `deadline` (time.monotonic()) or not at
    all (`timeout()` raised); the work reads `held.deadline` to stop past it."""
    if not held.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise timeout()
    try:
        held.deadline = deadline
        return function(held, *args)
    finally:
        held.deadline = None
        held.lock.release()


def version_of(ref: str, field: str):
    """`ID` or `ID@VERSION` of a bundled policy: the id is what precedes the first `@`, and nothing of `ref` is
    ever read as a path (`harif@/x.yaml@1` is no version of harif); a version that is not one is not echoed."""
    from ..commands.diff import version_in, versions_of

    base, _, version = ref.partition("@")
    found = version_in(policies.policy(base, (field,)), version)
    if found is None:
        raise PolicykitError.single("unknown-policy", "this bundled policy has no such version", path=(field,),
                                    hint=f"versions: {versions_of(policies.policy(base))}")
    return found

