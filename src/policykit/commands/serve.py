"""`policykit serve`: the decision service (SPEC §11) on uvicorn; refuses to listen beyond loopback without tokens."""

from __future__ import annotations


def register(subparsers, name: str) -> None:
    """Add the `serve` command."""
    parser = subparsers.add_parser(
        name, help="run the HTTP decision service and the officers' page",
        description="Serve the HTTP API (/v1/, Bearer tokens) and the officers' page (/). With no token "
                    "configured it listens on loopback only.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    parser.add_argument("--store", default=None, metavar="PATH|postgresql://…",
                        help="live sessions' store: a directory of SQLite files (default: ./policykit-sessions) "
                             "or a PostgreSQL URL")
    parser.add_argument("--tokens", metavar="FILE", help="bearer tokens, one per line (also POLICYKIT_TOKENS, "
                                                         "comma-separated)")
    parser.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                        help="largest request body (default: 10 MiB)")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="longest a request may take (default: 30 s)")
    parser.add_argument("--max-concurrent", type=int, default=None, metavar="N",
                        help="requests answered at once; one more is answered 503 overloaded (default: 1000)")
    parser.add_argument("--decision-log", default=None, metavar="FILE",
                        help="decision log, JSONL (default: ./policykit-decisions.jsonl)")
    parser.add_argument("--no-decision-log", action="store_true", help="keep no decision log")
    parser.add_argument("--jobs-dir", default=None, metavar="DIR",
                        help="where batch jobs are kept, so they outlive a restart and every process serving "
                             "from it sees them (default: ./policykit-jobs)")
    parser.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    parser.set_defaults(run=run)


def run(args, out, err) -> int:
    """Check the configuration, then serve until interrupted."""
    from ..diagnostics import PolicykitError, Span

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise PolicykitError.single("missing-dependency", "the service needs FastAPI and uvicorn",
                                    hint="pip install 'policykit[service]'") from None
    from ..service.settings import check_binding, read_tokens

    settings = settings_of(args, read_tokens(args.tokens))
    check_binding(args.host, settings.tokens)
    if not 0 <= args.port <= 65535:
        raise PolicykitError.single("invalid-value", "--port must be between 0 and 65535", Span("--port"))
    if settings.max_body_bytes < 1:  # every body would be 413
        raise PolicykitError.single("invalid-value", "--max-body must be at least 1 byte", Span("--max-body"))
    if not settings.time_limit_s > 0:  # every request would be 503 (NaN fails this test too)
        raise PolicykitError.single("invalid-value", "--time-limit must be more than 0 seconds", Span("--time-limit"))
    if settings.max_concurrent < 1:  # every request would be 503
        raise PolicykitError.single("invalid-value", "--max-concurrent must be at least 1", Span("--max-concurrent"))
    from ..atomic import check_outputs
    from ..service import create_app

    check_outputs({"--decision-log": settings.decision_log})  # a directory, a missing folder: told, not a crash
    # a port in use is told as one line, before the banner, and before the app takes up any batch job
    listening = _listening_sockets(args.host, args.port)
    try:
        app = create_app(settings)  # before the banner: a store that cannot be opened is told alone
    except BaseException:
        for made in listening:
            made.close()
        raise
    port = listening[0].getsockname()[1]  # --port 0: the one the system chose
    err.write(f"policykit serve: http://{_shown_host(args.host)}:{port}/ "
              f"({'tokens: ' + str(len(settings.tokens)) if settings.tokens else 'no token: loopback only'})\n")
    err.flush()
    # no access log: request paths carry case ids and session names; the decision log is the record kept
    config = dict(host=args.host, port=args.port, log_level=args.log_level, server_header=False, access_log=False,
                  proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                  # the app refuses a request past --max-concurrent itself, in the errors' JSON shape with
                  # Retry-After; uvicorn's own limit (a plain-text 503) stays only as a bound on connections, idle
                  # keep-alive ones included, well above the app's
                  limit_concurrency=4 * settings.max_concurrent + 64, timeout_keep_alive=5)
    uvicorn.Server(uvicorn.Config(app, **config)).run(sockets=listening)
    return 0


def _listening_sockets(host: str, port: int) -> list:
    """Sockets bound to `host`:`port`, one per address the host has (`localhost` is often ::1 and 127.0.0.1: one
    alone refuses the other family's clients), all on one port (handed to uvicorn, so nothing can take the port
    in between); an address in use or not permitted is `address-unavailable` at --port, one not of this
    machine at --host."""
    import errno
    import socket

    from ..diagnostics import PolicykitError, Span

    name = host.removeprefix("[").removesuffix("]")  # [::1], as a URL writes it
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise PolicykitError.single("address-unavailable", f"cannot listen on {host}: {_reason(exc)}",
                                    Span("--host")) from None
    addresses = list(dict.fromkeys((family, kind, proto, address[:2]) for family, kind, proto, _, address in found))
    sockets: list = []
    for family, kind, proto, address in addresses:
        listening = socket.socket(family, kind, proto)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a restart need not wait
        if family == socket.AF_INET6:  # dual stack when it is the one address; beside an IPv4 one, IPv6 only
            listening.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(len(addresses) > 1))
        try:
            # --port 0: the others take the port the system chose for the first
            listening.bind((address[0], sockets[0].getsockname()[1] if sockets else port))
        except OSError as exc:
            listening.close()
            if sockets and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                continue  # ::1 listed where IPv6 is off: the addresses already bound serve
            for made in sockets:
                made.close()
            hint = ("choose another --port, or stop what listens there" if exc.errno == errno.EADDRINUSE else
                    "ports below 1024 need privileges: choose a port of 1024 or more" if exc.errno == errno.EACCES
                    else None)
            where = "--host" if exc.errno == errno.EADDRNOTAVAIL else "--port"  # no address of this machine
            raise PolicykitError.single("address-unavailable", f"cannot listen on {_shown_host(name)}:{port}: "
                                        f"{_reason(exc)}", Span(where), hint=hint) from None
        sockets.append(listening)
    return sockets


def _reason(exc: OSError) -> str:
    """The system's reason, in its words, lower-case first."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def settings_of(args, tokens: tuple[str, ...]):
    """The service settings of the command line."""
    from ..service.settings import DEFAULT_DECISION_LOG, DEFAULT_JOBS_DIR, DEFAULT_STORE, ServiceSettings

    fields = {"tokens": tokens, "store": args.store or DEFAULT_STORE, "jobs_dir": args.jobs_dir or DEFAULT_JOBS_DIR,
              "decision_log": None if args.no_decision_log else (args.decision_log or DEFAULT_DECISION_LOG)}
    if args.max_body is not None:
        fields["max_body_bytes"] = args.max_body
    if args.time_limit is not None:
        fields["time_limit_s"] = args.time_limit
    if args.max_concurrent is not None:
        fields["max_concurrent"] = args.max_concurrent
    return ServiceSettings(**fields)


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
