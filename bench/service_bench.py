"""Throughput of the decision service: `POST /v1/check` from 16 concurrent clients, on 127.0.0.1 only.

    python bench/service_bench.py [--requests 20000] [--clients 16] [--url http://127.0.0.1:PORT]

Without --url it starts `policykit serve` itself on a free loopback port (a token, the decision log on) and also
reports the server's CPU time per check, which the rest of the machine's load moves far less than the wall time.
Every client keeps one HTTP/1.1 connection alive and posts the bundled example case (JSON) back to back; the count
is bounded. Prints requests/s, the p50/p90/p99 latency and the machine's load before and after (it is shared)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "harif" / "late_decision.yaml"
TOKEN = "bench-token-0123456789abcdef"


def request_bytes(host: str, port: int) -> bytes:
    """One keep-alive `POST /v1/check` of the example case."""
    body = json.dumps(yaml.safe_load(CASE.read_text(encoding="utf-8")), ensure_ascii=False,
                      default=str).encode("utf-8")
    head = (f"POST /v1/check?as_of=2025-04-15 HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def client(host: str, port: int, payload: bytes, count: int, latencies: list[float]) -> None:
    """Post `count` checks on one connection, one after the other."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(payload)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise SystemExit(f"unexpected status {status}")
    finally:
        writer.close()


async def run(host: str, port: int, clients: int, requests: int) -> tuple[float, list[float]]:
    """(seconds, latencies) of `requests` checks spread over `clients` connections."""
    payload = request_bytes(host, port)
    latencies: list[float] = []
    per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client(host, port, payload, n, latencies) for n in per_client))
    return time.perf_counter() - started, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(scratch: str) -> tuple[subprocess.Popen, int]:
    """`policykit serve` on a free loopback port, once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "policykit", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--decision-log", os.path.join(scratch, "decisions.jsonl")]
    env = {**os.environ, "POLICYKIT_TOKENS": TOKEN}
    process = subprocess.Popen(command, cwd=scratch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None:
                raise SystemExit(process.stderr.read().decode("utf-8", "replace"))
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the service did not start")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--url", help="a running service on loopback (its token: POLICYKIT_BENCH_TOKEN)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.clients <= 256:
        raise SystemExit("--requests must be 1..1,000,000 and --clients 1..256")
    global TOKEN
    process = None
    with tempfile.TemporaryDirectory(prefix="policykit-service-bench-") as scratch:
        if args.url:
            parts = urlsplit(args.url)
            if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise SystemExit("the benchmark only talks to a loopback address")
            host, port = parts.hostname, parts.port or 80
            TOKEN = os.environ.get("POLICYKIT_BENCH_TOKEN", TOKEN)
        else:
            process, port = start_server(scratch)
            host = "127.0.0.1"
        try:
            load_before = os.getloadavg()
            asyncio.run(run(host, port, args.clients, args.warmup))
            cpu_before = cpu_seconds(process.pid) if process else None
            seconds, latencies = asyncio.run(run(host, port, args.clients, args.requests))
            cpu_used = cpu_seconds(process.pid) - cpu_before if process else None
            load_after = os.getloadavg()
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    figures = {"requests": args.requests, "clients": args.clients,
               "seconds": round(seconds, 3), "requests_per_second": round(args.requests / seconds),
               "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
               "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
               "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
               "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
               # the server's own CPU per check: what an idle core would give, whatever else the machine runs
               "server_cpu_ms_per_request": round(cpu_used / args.requests * 1000, 3) if cpu_used else None,
               "requests_per_server_cpu_second": round(args.requests / cpu_used) if cpu_used else None,
               "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
               "cpus": os.cpu_count()}
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
