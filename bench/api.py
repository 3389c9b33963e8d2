"""Guarded reads per second through ``confide serve`` vs. a bare FastAPI endpoint (issue 6).

One run, the same database and the same server settings for both contenders. From the
repository root::

    .venv/bin/python bench/api.py                  # SQLite and PostgreSQL, 2,000 requests a pass
    .venv/bin/python bench/api.py --quick          # 300 requests a pass, 3 passes
    .venv/bin/python bench/api.py --no-postgres    # SQLite only
    .venv/bin/python bench/api.py --json api.json  # also write the results as JSON

What is measured, per database:

* **Confide**: ``GET /v1/records/{id}?purpose=care.treatment`` against a real
  ``confide serve`` subprocess (1 worker, loopback), with a bearer token of
  ``st-marys-clinic`` (purposes ``care``, role ``clinician``). Each request is a token check,
  a decision, a transparency-log append in the read's transaction (committed before the
  answer), a key unwrap and the decryption of the four released fields.
* **Bare**: a tiny FastAPI app (below) served by uvicorn in a subprocess with the same
  settings (1 worker, same host, same uvicorn options as ``confide serve``). Its endpoint
  selects the same record's ``fields`` rows (the sealed envelopes, base64) from the same
  database through the same engine settings, with one SQLAlchemy Core ``SELECT``: no token,
  no decision, no decryption, no log.

Both are driven from a separate client process (``bench/api.py _client``): one httpx
keep-alive connection, requests one after another, cycling over the same records. Passes
are interleaved (Confide, bare, bare, Confide, ...). Rates are requests per second of each
pass; latencies are per request as the client sees them, over every timed request.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_DSN = os.environ.get("CONFIDE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
HOLDER = "st-marys-clinic"
PURPOSE = "care.treatment"
RECORDS = 20
CONDITIONS = tuple(f"synthetic-condition-{c}" for c in "abcdefgh")
NOTE = "Synthetic bench note; it describes no real person and no real case. " * 6
#: Untimed requests at the start of every client run (connection set-up, caches).
WARMUP = 50
#: A client run stops after this many seconds even if its requests are not all done.
MAX_SECONDS = 120.0
#: The uvicorn options ``confide serve`` uses (confide/cli/serve.py), for the bare app too.
UVICORN_OPTIONS: dict[str, Any] = {
    "workers": 1,
    "access_log": False,
    "server_header": False,
    "proxy_headers": False,
    "timeout_keep_alive": 5,
    "limit_concurrency": 512,
}


def payload(i: int) -> dict[str, str]:
    """Record ``i``'s four synthetic field values."""
    return {
        "identity.name": f"Synthetic Person {i:07d}",
        "contact.phone": f"+00 0000 {i:07d}",
        "health.condition": CONDITIONS[i % len(CONDITIONS)],
        "health.notes": NOTE[: 40 + (i * 37) % 200],
    }


# -- the bare peer ----------------------------------------------------------------------------


def bare_app(database_url: str) -> Any:
    """The peer: read a record's sealed field rows, nothing else."""
    from fastapi import FastAPI, HTTPException  # noqa: PLC0415
    from sqlalchemy import select  # noqa: PLC0415

    from confide.storage import Database  # noqa: PLC0415
    from confide.storage.tables import fields, records  # noqa: PLC0415

    db = Database(database_url)
    app = FastAPI()
    same_record = (records.c.subject == fields.c.subject) & (records.c.id == fields.c.record_id)
    query = select(fields.c.category, fields.c.envelope).join(records, same_record)

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bare/records/{record_id}")
    def read(record_id: str) -> dict[str, Any]:
        with db.connect() as conn:
            rows = conn.execute(
                query.where(records.c.id == record_id, records.c.holder == HOLDER)
            ).all()
        if not rows:
            raise HTTPException(status_code=404)
        return {
            "record": record_id,
            "fields": {str(c): base64.b64encode(e).decode("ascii") for c, e in rows},
        }

    return app


def serve_bare(port: int, database_url: str) -> None:
    import uvicorn  # noqa: PLC0415

    uvicorn.run(bare_app(database_url), host="127.0.0.1", port=port, **UVICORN_OPTIONS)


# -- the client (its own process) -------------------------------------------------------------


def client(url: str, token: str, paths: list[str], requests: int) -> dict[str, Any]:
    """Send ``requests`` GETs one after another on one keep-alive connection."""
    import httpx  # noqa: PLC0415

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[int] = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        for i in range(WARMUP):
            http.get(paths[i % len(paths)]).raise_for_status()
        deadline = time.monotonic() + MAX_SECONDS
        start = time.perf_counter_ns()
        for i in range(requests):
            t0 = time.perf_counter_ns()
            response = http.get(paths[i % len(paths)])
            latencies.append(time.perf_counter_ns() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{paths[i % len(paths)]}: HTTP {response.status_code}")
            if time.monotonic() > deadline:
                break
        elapsed = time.perf_counter_ns() - start
    return {"requests": len(latencies), "seconds": elapsed / 1e9, "latencies_ns": latencies}


def run_client(url: str, token: str, paths: list[str], requests: int) -> dict[str, Any]:
    spec = json.dumps({"url": url, "token": token, "paths": paths, "requests": requests})
    done = subprocess.run(
        [sys.executable, __file__, "_client"],
        input=spec.encode(),
        capture_output=True,
        timeout=MAX_SECONDS + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("client failed:\n" + done.stderr.decode(errors="replace"))
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(command: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """Start a server on a free loopback port; yield its base URL once /readyz answers."""
    import httpx  # noqa: PLC0415

    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:4]} did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- one database -----------------------------------------------------------------------------


@dataclass
class Contender:
    name: str
    rates: list[float] = field(default_factory=list)
    latencies_ns: list[int] = field(default_factory=list)
    requests: int = 0

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies_ns)
        return {
            "best_rps": max(self.rates),
            "median_rps": statistics.median(self.rates),
            "p50_ms": lat[len(lat) // 2] / 1e6,
            "p95_ms": lat[min(len(lat) - 1, int(len(lat) * 0.95))] / 1e6,
            "requests": float(self.requests),
        }


def bench_database(
    dialect: str, folder: Path, requests: int, passes: int
) -> dict[str, dict[str, float]]:
    import httpx  # noqa: PLC0415
    import psycopg  # noqa: PLC0415

    from confide.runtime import Confide, init  # noqa: PLC0415
    from confide.service import tokens  # noqa: PLC0415
    from confide.storage import Settings  # noqa: PLC0415

    schema = None
    home = folder / dialect
    if dialect == "sqlite":
        url = f"sqlite:///{home / 'confide.db'}"
    else:
        schema = f"bench_api_{secrets.token_hex(5)}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    try:
        settings = Settings.resolve(home=home, database_url=url)
        init(settings)
        confide = Confide.open(settings)
        try:
            ids = [
                confide.vault.put(
                    holder=HOLDER,
                    subject=f"bench-subject-{i:04d}",
                    purpose=PURPOSE,
                    values=payload(i),
                )
                for i in range(RECORDS)
            ]
            token, _ = tokens.issue(
                confide.db,
                confide.policy,
                HOLDER,
                "bench",
                ["care"],
                ["clinician"],
                dt.timedelta(days=1),
                "bench",
            )
        finally:
            confide.close()
        env = {
            **os.environ,
            "CONFIDE_HOME": str(settings.home),
            "CONFIDE_DATABASE_URL": url,
            "CONFIDE_RATE_LIMIT": "10000000",
        }
        confide_cmd = [sys.executable, "-m", "confide", "serve", "--host", "127.0.0.1",
                       "--home", str(settings.home), "--database-url", url]  # fmt: skip
        bare_cmd = [sys.executable, __file__, "_bare", "--database-url", url]
        guarded_paths = [f"/v1/records/{i}?purpose={PURPOSE}" for i in ids]
        bare_paths = [f"/bare/records/{i}" for i in ids]
        with (
            server(confide_cmd, env, folder / f"{dialect}-confide.log") as confide_url,
            server(bare_cmd, env, folder / f"{dialect}-bare.log") as bare_url,
        ):
            # Check once, untimed, that both answer what they should.
            answer = httpx.get(
                confide_url + guarded_paths[0], headers={"Authorization": f"Bearer {token}"}
            ).json()
            assert answer["values"] == payload(0), answer
            bare = httpx.get(bare_url + bare_paths[0]).json()
            assert sorted(bare["fields"]) == sorted(payload(0)), bare
            contenders = {"confide": Contender("confide"), "bare": Contender("bare")}
            runs = {
                "confide": (confide_url, token, guarded_paths),
                "bare": (bare_url, "", bare_paths),
            }
            for p in range(passes):
                order = ["confide", "bare"] if p % 2 == 0 else ["bare", "confide"]
                for name in order:
                    base, tok, paths = runs[name]
                    result = run_client(base, tok, paths, requests)
                    c = contenders[name]
                    c.rates.append(result["requests"] / result["seconds"])
                    c.latencies_ns.extend(result["latencies_ns"])
                    c.requests += result["requests"]
                    print(
                        f"  {dialect} pass {p + 1}/{passes} {name:8} {c.rates[-1]:9.0f} req/s",
                        flush=True,
                    )
        return {name: c.summary() for name, c in contenders.items()}
    finally:
        if schema is not None:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- report -----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cpus": str(os.cpu_count()),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def report(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print()
    print(f"{'database':10} {'server':8} {'best/s':>8} {'median/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for dialect, rows in results.items():
        for name, s in rows.items():
            print(
                f"{dialect:10} {name:8} {s['best_rps']:8.0f} {s['median_rps']:9.0f} "
                f"{s['p50_ms']:8.2f} {s['p95_ms']:8.2f}"
            )
        ratio = rows["confide"]["median_rps"] / rows["bare"]["median_rps"]
        verdict = "met" if ratio >= 0.5 else "NOT met"
        print(f"{dialect:10} confide / bare (median rates) = {ratio:.2f}x: goal >= 0.5x {verdict}")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["_client"]:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(client(spec["url"], spec["token"], spec["paths"], spec["requests"])))
        return 0
    if args[:1] == ["_bare"]:
        sub = argparse.ArgumentParser()
        sub.add_argument("--database-url", required=True)
        sub.add_argument("--port", type=int, required=True)
        opts = sub.parse_args(args[1:])
        serve_bare(opts.port, opts.database_url)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="300 requests a pass, 3 passes")
    parser.add_argument("--requests", type=int, help="timed requests per pass (default 2000)")
    parser.add_argument("--passes", type=int, help="interleaved passes (default 5)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--json", type=Path, help="also write the results here")
    opts = parser.parse_args(args)
    requests = opts.requests or (300 if opts.quick else 2000)
    passes = opts.passes or (3 if opts.quick else 5)
    info = machine()
    print(f"{info}; {requests} requests x {passes} passes per contender", flush=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="confide-bench-api-") as tmp:
        for dialect in ["sqlite"] if opts.no_postgres else ["sqlite", "postgresql"]:
            results[dialect] = bench_database(dialect, Path(tmp), requests, passes)
    report(results)
    if opts.json is not None:
        out = {"machine": info, "requests": requests, "passes": passes, "results": results}
        opts.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
