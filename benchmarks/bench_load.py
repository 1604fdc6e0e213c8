"""The portal under load (`make bench-load`): 200 simultaneous users on a production-like stack.

gunicorn (``BENCH_LOAD_WORKERS`` gthread workers of ``BENCH_LOAD_THREADS`` threads) on loopback,
PostgreSQL, Redis (cache and broker) and a real Celery worker; locust, headless, brings 200 users
in at ``BENCH_LOAD_SPAWN_RATE`` (20) a second, lets them settle for 5 s, then measures
``BENCH_LOAD_SECONDS`` (60) of steady state: school contacts filing receipts and uploading rosters
(.xlsx) through the pages the UI uses, learners' lesson heartbeats, certificate PDF downloads,
anonymous verification lookups, and a baseline user on /healthz/ (the minimal Django view: one
SELECT 1) timed under the same load (benchmarks/load/locustfile.py).

The world is built with the portal's services and demo loader (benchmarks/load/world.py); every
simulated user holds a session signed in beforehand. Verification is limited to 30 lookups a
minute per address: the settings trust one proxy (locust), which says in X-Forwarded-For which
address each visitor comes from, and no visitor looks up more than 30 a minute, so no lookup is
refused and none is let through that the limit would refuse.

Targets (issue 11): in the steady state, the p95 of the application's requests at most 5x the
baseline's p95 (the whole run, arrival included, is printed beside it: while 200 users arrive
and open their first pages, every request queues, the baseline's fewer ones less often); zero
errors and zero lost writes over the whole run: afterwards, the database holds every receipt,
submission and roster the portal answered as saved and every heartbeat's credited time, and the
worker ran every task it was sent without an error.

Needs PostgreSQL and Redis: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_load,
created when missing) and REDIS_URL (default redis://127.0.0.1:6379/0). Files (media, the
development signing pair) go to .bench/load/<database>/; logs of the run to .bench/load/logs/.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

BASE = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "200"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
SPAWN_RATE = float(os.environ.get("BENCH_LOAD_SPAWN_RATE", "20"))
# The steady state begins once every user has arrived and opened her first page.
WARMUP = USERS / SPAWN_RATE + 5
P95_LIMIT = 5.0


def fail(message: str) -> bool:
    print(f"bench-load: {message}", file=sys.stderr)
    for target, limit in (("load_p95", P95_LIMIT), ("load_errors", 0), ("load_lost_writes", 0)):
        print(f"BENCH {target} ratio=nan limit={limit} FAIL")
    return False


def database_ready(url: str) -> str | None:
    """None when the database answers (created if missing), else why not."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or not name:
        return f"DATABASE_URL must name a PostgreSQL database, not {parts.scheme!r}"
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 - our own name
                print(f"created database {name}")
    except psycopg.Error as error:
        return f"PostgreSQL does not answer at {parts.hostname}:{parts.port or 5432}: {error}"
    return None


def redis_ready(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis does not answer at {url}: {error}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The server processes of the run, each in its own process group, all stopped at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=env, cwd=BASE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def stop(self, name: str) -> None:
        for entry in [e for e in self.running if e[0] == name]:
            _, process = entry
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            self.running.remove(entry)

    def stop_all(self) -> None:
        for name, _ in list(reversed(self.running)):
            self.stop(name)

    def log(self, name: str, tail: int | None = 3000) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace")
        return text if tail is None else text[-tail:]


def wait_for(check, seconds: float, what: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early")
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def main() -> bool:
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    problem = database_ready(database_url) or redis_ready(redis_url)
    if problem:
        return fail(
            f"{problem} (the load benchmark needs PostgreSQL and Redis: set DATABASE_URL, REDIS_URL)"
        )
    database = urlparse(database_url).path.lstrip("/")
    work = BASE / ".bench" / "load" / database
    logs = BASE / ".bench" / "load" / "logs"
    for directory in (work / "media", work / "signing", logs):
        directory.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(work / "media"),
        "PDF_SIGNING_DIR": str(work / "signing"),
        "PDF_SIGNING_KEY_FILE": str(work / "signing" / "signing-key.pem"),
        "PDF_SIGNING_CERT_FILE": str(work / "signing" / "signing-cert.pem"),
        "PDF_SIGNING_CHAIN_FILE": str(work / "signing" / "ca-cert.pem"),
        "PYTHONPATH": str(BASE),
    }
    runs = work / "runs"  # each run files people of its own (benchmarks/load/locustfile.py)
    run = int(runs.read_text()) + 1 if runs.exists() else 0
    runs.write_text(str(run))
    config, results = logs / "world.json", logs / "results.json"
    results.unlink(missing_ok=True)
    python = sys.executable

    began = time.monotonic()
    prepared = subprocess.run(  # noqa: S603
        [python, "-m", "benchmarks.load.world", "prepare", str(config)],
        env=env,
        cwd=BASE,
        capture_output=True,
        text=True,
    )
    if prepared.returncode:
        return fail(
            f"preparing the world failed:\n{prepared.stdout[-3000:]}{prepared.stderr[-5000:]}"
        )
    print(prepared.stdout.strip(), f"(prepared in {time.monotonic() - began:.0f} s)")

    processes = Processes(logs)
    port = free_port()
    hostname = f"bench-load-{os.getpid()}@%h"
    try:
        worker = processes.start(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--hostname={hostname}",
            ],
            env,
        )
        wait_for(
            lambda: " ready." in processes.log("worker", tail=None), 60, "the Celery worker", worker
        )
        web = processes.start(
            "gunicorn",
            [
                python,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={WORKERS}",
                "--worker-class=gthread",
                f"--threads={THREADS}",
                "--backlog=2048",
                # Longer than any user's pause (a proxy in front keeps its connections open):
                # otherwise a request may go out on a connection the server is just closing.
                "--keep-alive=30",
                "--graceful-timeout=20",
                "--timeout=120",
            ],
            env,
        )
        host = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{host}/healthz/"), 60, "gunicorn", web)
        print(
            f"load: {USERS} users, {SECONDS} s measured, on gunicorn ({WORKERS} workers x {THREADS} "
            f"threads), PostgreSQL {database}, Redis {redis_url}, a Celery worker"
        )
        load = subprocess.run(  # noqa: S603
            [
                python,
                "-m",
                "locust",
                "-f",
                str(BASE / "benchmarks" / "load" / "locustfile.py"),
                "--headless",
                f"--users={USERS}",
                f"--spawn-rate={SPAWN_RATE}",
                f"--run-time={round(WARMUP + SECONDS)}s",
                f"--host={host}",
                "--only-summary",
                "--stop-timeout=30",
                "--loglevel=WARNING",
            ],
            env={
                **env,
                "BENCH_LOAD_CONFIG": str(config),
                "BENCH_LOAD_OUT": str(results),
                "BENCH_LOAD_RUN": str(run),
                "BENCH_LOAD_WARMUP": str(WARMUP),
            },
            cwd=BASE,
            capture_output=True,
            text=True,
            timeout=WARMUP + SECONDS + 180,
        )
        (logs / "locust.log").write_text(load.stdout + load.stderr)
        processes.stop("gunicorn")  # every answered request has finished writing
        drained = queue_drained(redis_url, 120)
        processes.stop("worker")
        worker_log = (logs / "worker.log").read_text(errors="replace")
        tasks = {
            "succeeded": worker_log.count(" succeeded in "),
            "failed": worker_log.count(" raised ") + worker_log.count("ERROR/"),
            "drained": drained,
        }
        if not results.exists():
            return fail(f"locust did not finish:\n{(load.stdout + load.stderr)[-3000:]}")
        checked = subprocess.run(  # noqa: S603
            [python, "-m", "benchmarks.load.world", "check", str(config), str(results)],
            env=env,
            cwd=BASE,
            capture_output=True,
            text=True,
        )
        if checked.returncode:
            return fail(f"checking the writes failed:\n{checked.stderr[-3000:]}")
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        for name, _ in processes.running:
            print(f"--- {name} log ---\n{processes.log(name)}", file=sys.stderr)
        return fail(str(error))
    finally:
        processes.stop_all()
    return report(json.loads(results.read_text()), checked.stdout, tasks)


def queue_drained(url: str, seconds: float) -> bool:
    """Wait until the worker has taken every task sent during the run off the queue."""
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.llen("celery") == 0:
            time.sleep(2)  # the last one taken finishes
            return True
        time.sleep(0.5)
    return False


def report(results: dict, checked: str, tasks: dict) -> bool:
    steady = results["steady"]
    print(
        f"{'request':<32}{'whole run:':>10}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'steady state:':>15}{'p50 ms':>8}{'p95 ms':>8}"
    )
    rows = [(name, row, steady["stats"][name]) for name, row in sorted(results["stats"].items())]
    rows += [
        ("application (all but baseline)", results["app"], steady["app"]),
        ("baseline /healthz/", results["baseline"], steady["baseline"]),
    ]
    for name, row, calm in rows:
        print(
            f"{name:<32}{row['count']:>10}{row['failures']:>8}{row['p50']:>8.0f}{row['p95']:>8.0f}"
            f"{calm['count']:>15}{calm['p50']:>8.0f}{calm['p95']:>8.0f}"
        )
    print(
        f"(steady state: the last {steady['seconds']:.0f} s, after the {USERS} users arrived at "
        f"{SPAWN_RATE:g}/s and 5 s more; the whole run includes their arrival)"
    )
    for error in results["errors"][:10]:
        print(f"  ERROR x{error['occurrences']} {error['name']}: {error['error']}")
    print(checked.strip())
    print(
        f"Celery worker: {tasks['succeeded']} tasks succeeded, {tasks['failed']} failed"
        + ("" if tasks["drained"] else ", queue NOT drained within 120 s")
    )
    lost = int(checked.strip().rsplit("lost writes:", 1)[-1]) + (0 if tasks["drained"] else 1)
    errors = results["failures"] + tasks["failed"]
    app, baseline = steady["app"]["p95"], steady["baseline"]["p95"]
    ratio = app / max(baseline, 1.0)
    whole = results["app"]["p95"] / max(results["baseline"]["p95"], 1.0)
    requests = results["app"]["count"] + results["baseline"]["count"]
    print(
        f"{requests} requests, {errors} errors, {lost} lost writes; p95 application/baseline "
        f"{app:.0f}/{baseline:.0f} ms = {ratio:.2f} in the steady state "
        f"({results['app']['p95']:.0f}/{results['baseline']['p95']:.0f} ms = {whole:.2f} "
        f"over the whole run)"
    )
    verdicts = []
    for target, measured, limit, ok in (
        (
            "load_p95",
            f"{ratio:.3f}",
            f"{P95_LIMIT:.3f}",
            ratio <= P95_LIMIT and steady["baseline"]["count"] > 0,
        ),
        ("load_errors", str(errors), "0", errors == 0),
        ("load_lost_writes", str(lost), "0", lost == 0),
    ):
        verdicts.append(ok)
        print(f"BENCH {target} ratio={measured} limit={limit} {'PASS' if ok else 'FAIL'}")
    return all(verdicts)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
