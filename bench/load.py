"""The load generator the HTTP benches share, and the servers they drive.

Two generators, one plan format:

* wrk (Debian: `apt-get install wrk`), when it is on PATH: C, a couple of threads, cheap
  enough on a 2-core machine to leave the CPU to the servers;
* otherwise a built-in one: a few processes, each an asyncio loop of raw-socket HTTP/1.1
  keep-alive connections (no HTTP library: it parses the status line and Content-Length).

Both send the same requests: a `Plan` names a method, a path template, an optional body
template and the ids that `{id}` cycles through; request number k (unique across threads
and processes) fills `{id}` with ids[k % len(ids)], and `{uscc}` and `{n}` in the body with a
valid, run-unique USCC and k, so that writes never collide. Everything targets 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT
from app.enterprises.uscc import check_character

HOST = "127.0.0.1"
WRK_HINT = "wrk is not on PATH (Debian/Ubuntu: apt-get install wrk); using the built-in client"


@dataclass(frozen=True)
class Plan:
    method: str
    path: str
    body: str | None = None
    ids: Sequence[str] = ()
    headers: dict[str, str] = field(default_factory=dict)
    # Where this drive's request numbers start: past every number an earlier drive used.
    first: int = 0

    def request(self, k: int) -> tuple[str, str | None]:
        path = self.path.replace("{id}", self.ids[k % len(self.ids)]) if self.ids else self.path
        if self.body is None:
            return path, None
        return path, self.body.replace("{uscc}", uscc(k)).replace("{n}", str(k))


def uscc(k: int) -> str:
    """A valid USCC, unique for k, in a region code (110000, Beijing) no seeded one uses."""
    first17 = f"91110000B{k % 10**8:08d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    bad_status: int  # answers other than 2xx and 3xx
    errors: int  # connection errors and timeouts

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def clean(self) -> bool:
        return self.bad_status == 0 and self.errors == 0


@dataclass
class Generator:
    """`kind` is "wrk" or "builtin"; `workers` its threads (wrk) or processes (built-in)."""

    kind: str
    connections: int
    workers: int
    # Request numbers handed out so far (each worker numbers its own with stride `workers`).
    used: int = 0

    @staticmethod
    def choose(wanted: str, connections: int) -> Generator:
        have_wrk = shutil.which("wrk") is not None
        if wanted == "wrk" and not have_wrk:
            raise SystemExit("--client wrk: " + WRK_HINT.split(";")[0])
        if wanted == "auto" and not have_wrk:
            print(WRK_HINT)
        kind = "wrk" if wanted == "wrk" or (wanted == "auto" and have_wrk) else "builtin"
        return Generator(kind, connections, min(2, connections))

    def describe(self) -> str:
        unit = "threads" if self.kind == "wrk" else "processes"
        return f"{self.kind}, {self.connections} connections, {self.workers} {unit}"

    def drive(self, port: int, plan: Plan, seconds: float) -> Result:
        plan = replace(plan, first=self.used)
        if self.kind == "wrk":
            result = _wrk(port, plan, seconds, self.connections, self.workers)
        else:
            result = _builtin(port, plan, seconds, self.connections, self.workers)
        # A worker may have sent all of them, plus the ones in flight at the deadline.
        self.used += self.workers * (result.requests + self.connections) + result.errors
        return result


# --- wrk: the plan becomes a Lua script ---------------------------------------------------

LUA = """
local ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
local WEIGHTS = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
local function uscc(k)
  local first = string.format("91110000B%08d", k % 100000000)
  local total = 0
  for i = 1, 17 do
    total = total + (string.find(ALPHABET, string.sub(first, i, i), 1, true) - 1) * WEIGHTS[i]
  end
  local check = 31 - total % 31
  if check == 31 then check = 0 end
  return first .. string.sub(ALPHABET, check + 1, check + 1)
end
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
local k = nil
request = function()
  if k == nil then k = FIRST + thread_id else k = k + THREADS end
  local path = PATH
  if #IDS > 0 then path = string.gsub(PATH, "{id}", IDS[(k % #IDS) + 1], 1) end
  local body = nil
  if BODY ~= nil then
    body = string.gsub(string.gsub(BODY, "{uscc}", uscc(k), 1), "{n}", tostring(k))
  end
  return wrk.format(METHOD, path, HEADERS, body)
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(plan: Plan, threads: int) -> str:
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in plan.headers.items())
    ids = ", ".join(_lua_string(i) for i in plan.ids)
    body = "nil" if plan.body is None else _lua_string(plan.body)
    return (
        f"FIRST = {plan.first}\nTHREADS = {threads}\n"
        f"METHOD = {_lua_string(plan.method)}\nPATH = {_lua_string(plan.path)}\n"
        f"BODY = {body}\nHEADERS = {{{headers}}}\nIDS = {{{ids}}}\n" + LUA
    )


WRK_RATE = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
WRK_BAD = re.compile(r"Non-2xx or 3xx responses: (\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk(port: int, plan: Plan, seconds: float, connections: int, threads: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "plan.lua"
        script.write_text(lua_script(plan, threads))
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://{HOST}:{port}",
        ]
        out = subprocess.run(  # noqa: S603 - our own arguments, loopback only
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    rate = WRK_RATE.search(out)
    if rate is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    bad = WRK_BAD.search(out)
    errors = WRK_ERRORS.search(out)
    return Result(
        requests=int(rate.group(1)),
        seconds=float(rate.group(2)) * UNITS[rate.group(3)],
        bad_status=int(bad.group(1)) if bad else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


# --- the built-in client ------------------------------------------------------------------


def _raw_request(plan: Plan, k: int) -> bytes:
    path, body = plan.request(k)
    payload = b"" if body is None else body.encode()
    lines = [f"{plan.method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in plan.headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _connection(
    port: int, plan: Plan, numbers: Iterator[int], deadline: float, counts: list[int]
) -> None:
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        counts[2] += 1
        return
    try:
        while time.perf_counter() < deadline:
            writer.write(_raw_request(plan, next(numbers)))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            await reader.readexactly(length)
            if time.perf_counter() <= deadline:
                counts[0] += 1
                counts[1] += not 200 <= status < 400
    except (OSError, asyncio.IncompleteReadError, ValueError):
        counts[2] += 1
    finally:
        writer.close()


def _process(
    port: int,
    plan: Plan,
    seconds: float,
    connections: int,
    index: int,
    processes: int,
    queue: multiprocessing.Queue[tuple[int, int, int, float]],
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        pass

    async def run() -> tuple[int, int, int, float]:
        counts = [0, 0, 0]
        # One loop, so the process's connections share one counter without a lock; the
        # processes interleave theirs (p, p + processes, ...), like wrk's threads.
        numbers = itertools.count(plan.first + index, processes)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_connection(port, plan, numbers, deadline, counts) for _ in range(connections))
        )
        return counts[0], counts[1], counts[2], min(seconds, time.perf_counter() - started)

    queue.put(asyncio.run(run()))


def _builtin(port: int, plan: Plan, seconds: float, connections: int, processes: int) -> Result:
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[tuple[int, int, int, float]] = context.Queue()
    shares = [connections // processes + (n < connections % processes) for n in range(processes)]
    jobs = [
        context.Process(target=_process, args=(port, plan, seconds, share, n, processes, queue))
        for n, share in enumerate(shares)
    ]
    for job in jobs:
        job.start()
    results = [queue.get(timeout=seconds + 60) for _ in jobs]
    for job in jobs:
        job.join(timeout=10)
    return Result(
        requests=sum(r[0] for r in results),
        bad_status=sum(r[1] for r in results),
        errors=sum(r[2] for r in results),
        seconds=max(r[3] for r in results),
    )


# --- the servers --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces, so the parent is read after its closing bracket.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def serving_processes(pid: int) -> int:
    """uvicorn with several workers is a supervisor and its children; alone, one process."""
    workers = 0
    for child in _children(pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        # multiprocessing's resource tracker is a child too, but serves nothing.
        workers += b"python" in command and b"resource_tracker" not in command
    return workers or 1


@contextmanager
def server(
    command: Sequence[str], env: dict[str, str], port: int, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until /health/live answers, stop it at the end."""
    process = subprocess.Popen(  # noqa: S603 - our own command line
        list(command),
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} before answering")
            try:
                if httpx.get(f"http://{HOST}:{port}/health/live", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer /health/live in 120 s")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def service_command(launcher: str, port: int, workers: int) -> list[str]:
    """`cli`: what production runs (`python -m app.cli serve`, which reads WEB_CONCURRENCY
    itself, or not); `uvicorn`: uvicorn's own command line on the app factory, with
    `--workers`, to compare worker counts whatever app.cli does."""
    if launcher == "cli":
        return [sys.executable, "-m", "app.cli", "serve"]
    return [
        *uvicorn_command("app.main:create_app", port, workers),
        "--factory",
        "--proxy-headers",
        "--timeout-graceful-shutdown",
        "20",
    ]


def uvicorn_command(target: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def floor_command(port: int, workers: int) -> list[str]:
    return uvicorn_command("bench.floor:app", port, workers)
