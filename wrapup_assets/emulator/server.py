"""The HTTP side: a loopback HTTP/1.1 server (keep-alive, Content-Length) routing to the endpoints."""

from __future__ import annotations

import json
import re
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wrapup_assets.emulator.access import AccessControl, OAuthError
from wrapup_assets.emulator.aggregates import aggregates_query
from wrapup_assets.emulator.catalog import page_parameters, paged_listing, wrapup_code_listing
from wrapup_assets.emulator.config import EmulatorConfig
from wrapup_assets.emulator.conversation_json import json_bytes
from wrapup_assets.emulator.conversation_source import ConversationSource
from wrapup_assets.emulator.details_query import details_query
from wrapup_assets.emulator.directory import USER_STATES, directory_for_seed
from wrapup_assets.emulator.errors import ApiError, error_body, rate_limit_error
from wrapup_assets.emulator.faults import DETAILS_QUERY_FAULTS, Fault, FaultPlan, faults_named
from wrapup_assets.emulator.instants import HOUR_MS, to_ms
from wrapup_assets.emulator.jobs import JobStore
from wrapup_assets.emulator.oracle import expected_rows
from wrapup_assets.emulator.rendering import render_conversation, with_unknown_and_missing_fields
from wrapup_assets.emulator.selection import Selector

DETAILS = "/api/v2/analytics/conversations/details"
NOT_JSON_BODY = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
DROPPED_STATUS = 0


@dataclass(frozen=True)
class LoggedRequest:
    """A request the emulator received; status is 0 when the connection was dropped by a fault.

    `fault` names the fault the request got (see `Fault.name`), None when it was served normally.
    """

    method: str
    path: str
    query: str
    status: int
    at: datetime
    fault: str | None = None


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    match: re.Match[str]
    fault: Fault | None = None


@dataclass(frozen=True)
class _Response:
    """`payload` is encoded as JSON, unless it is bytes: the JSON already (the details pages)."""

    status: int
    payload: Any = None
    headers: tuple[tuple[str, str], ...] = ()


Endpoint = Callable[["GenesysEmulator", _Request], _Response]


def _json_body(request: _Request) -> dict[str, Any]:
    if not isinstance(request.body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return request.body


def _query_details(emulator: GenesysEmulator, request: _Request) -> _Response:
    body = _json_body(request)
    kind = request.fault.kind if request.fault else None
    page_shift = emulator._page_shift(str(body.get("interval")), grow=kind == "page_shift")
    page = details_query(
        emulator._selector,
        body,
        result_cap=emulator.config.pagination_result_cap,
        page_shift=page_shift,
        total_hits_drift=request.fault.delta if kind == "total_hits_drift" else 0,
    )
    return _Response(
        200, with_unknown_and_missing_fields(json.loads(page)) if kind == "malformed_conversation" else page
    )


def _submit_job(emulator: GenesysEmulator, request: _Request) -> _Response:
    return _Response(202, emulator._jobs.submit(_json_body(request)))


def _job_availability(emulator: GenesysEmulator, request: _Request) -> _Response:
    return _Response(200, emulator._jobs.availability())


def _job_status(emulator: GenesysEmulator, request: _Request) -> _Response:
    if request.fault is not None and request.fault.job_state is not None:
        emulator._jobs.end_job(request.match["job_id"], request.fault.job_state)
    return _Response(200, emulator._jobs.status(request.match["job_id"]))


def _delete_job(emulator: GenesysEmulator, request: _Request) -> _Response:
    emulator._jobs.delete(request.match["job_id"])
    return _Response(204)


def _job_results(emulator: GenesysEmulator, request: _Request) -> _Response:
    results = emulator._jobs.results(
        request.match["job_id"], request.params.get("cursor"), request.params.get("pageSize")
    )
    return _Response(200, results)


def _query_aggregates(emulator: GenesysEmulator, request: _Request) -> _Response:
    return _Response(200, aggregates_query(emulator._source, _json_body(request)))


def _list_wrapup_codes(emulator: GenesysEmulator, request: _Request) -> _Response:
    return _Response(200, wrapup_code_listing(emulator._source.organization, request.path, request.params))


def _listing(request: _Request, entities: list[dict[str, Any]], *repeated: str) -> _Response:
    page_size, page_number = page_parameters(request.params)
    extra = {name: request.params[name] for name in repeated if name in request.params}
    return _Response(200, paged_listing(entities, request.path, page_size, page_number, extra))


def _list_divisions(emulator: GenesysEmulator, request: _Request) -> _Response:
    deleted = request.path.endswith("/deleted")
    return _listing(request, emulator._directory.division_entities(emulator._source.now_ms(), deleted=deleted))


def _list_queues(emulator: GenesysEmulator, request: _Request) -> _Response:
    return _listing(request, emulator._directory.queue_entities(emulator._source.now_ms()))


def _list_users(emulator: GenesysEmulator, request: _Request) -> _Response:
    state = request.params.get("state", "active")
    if state not in USER_STATES:
        raise ApiError(400, f"state must be one of {', '.join(USER_STATES)}, got {state!r}")
    return _listing(request, emulator._directory.user_entities(emulator._source.now_ms(), state), "state")


def _list_queue_wrapup_codes(emulator: GenesysEmulator, request: _Request) -> _Response:
    queue_id = request.match["queue_id"]
    codes = emulator._directory.queue_code_entities(queue_id, emulator._source.now_ms())
    if codes is None:
        raise ApiError(404, f"Queue {queue_id} not found", code="not.found")
    return _listing(request, codes)


JOB_STATUS_PATH = re.compile(rf"^{DETAILS}/jobs/(?P<job_id>[^/]+)$")
ROUTES: tuple[tuple[str, re.Pattern[str], Endpoint], ...] = (
    ("POST", re.compile(rf"^{DETAILS}/query$"), _query_details),
    ("POST", re.compile(rf"^{DETAILS}/jobs$"), _submit_job),
    ("GET", re.compile(rf"^{DETAILS}/jobs/availability$"), _job_availability),
    ("GET", JOB_STATUS_PATH, _job_status),
    ("DELETE", re.compile(rf"^{DETAILS}/jobs/(?P<job_id>[^/]+)$"), _delete_job),
    ("GET", re.compile(rf"^{DETAILS}/jobs/(?P<job_id>[^/]+)/results$"), _job_results),
    ("POST", re.compile(r"^/api/v2/analytics/conversations/aggregates/query$"), _query_aggregates),
    ("GET", re.compile(r"^/api/v2/routing/wrapupcodes(/divisionviews)?$"), _list_wrapup_codes),
    ("GET", re.compile(r"^/api/v2/authorization/divisions(/deleted)?$"), _list_divisions),
    ("GET", re.compile(r"^/api/v2/routing/queues$"), _list_queues),
    ("GET", re.compile(r"^/api/v2/routing/queues/(?P<queue_id>[^/]+)/wrapupcodes$"), _list_queue_wrapup_codes),
    ("GET", re.compile(r"^/api/v2/users$"), _list_users),
)


class GenesysEmulator:
    """A Genesys Cloud CX API emulator over real HTTP on loopback, with deterministic synthetic data.

    Used as the embedded default of the demo and `dagster dev` and by every test: the exporter
    talks to it exactly as to Genesys, and `expected_records` says what it must have exported.
    """

    def __init__(
        self,
        config: EmulatorConfig = EmulatorConfig(),
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.faults = FaultPlan()
        if config.fault_rate:
            self.faults.inject_random(config.fault_rate, faults_named(config.fault_kinds), seed=config.fault_seed)
        self._host = host
        self._port = port
        self._tls = tls
        self._page_shifts: dict[str, int] = {}
        self._page_shifts_lock = threading.Lock()
        self._source = ConversationSource(config)
        self._access = AccessControl(config)
        self._selector = Selector(self._source)
        self._directory = directory_for_seed(config.seed)
        self._jobs = JobStore(self._selector)
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> GenesysEmulator:
        """Serves in a daemon thread; port 0 picks a free port (see api_url)."""
        if self._server is not None:
            raise RuntimeError(f"the emulator is already serving on {self.api_url}")
        server = _EmulatorServer((self._host, self._port), _RequestHandler)
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() fast: shutdown() waits for the loop's next poll.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="genesys-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and frees the port; idempotent."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> GenesysEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """Scheme, host and port of the API (the client appends /api/v2/...)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started: call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls is not None else 'http'}://{host}:{port}"

    @property
    def login_url(self) -> str:
        """Scheme, host and port of the login service (the same server serves /oauth/token)."""
        return self.api_url

    @property
    def request_log(self) -> list[LoggedRequest]:
        """A snapshot of every request received so far."""
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        """Forgets the requests received so far."""
        with self._log_lock:
            self._log.clear()

    def expire_tokens(self) -> None:
        """Every issued token becomes invalid: the next call with one gets a 401."""
        self._access.expire_tokens()

    def issued_tokens(self) -> list[str]:
        """Every access token issued so far, for tests that scan for leaked credentials."""
        return self._access.issued_tokens()

    def _page_shift(self, interval: str, grow: bool) -> int:
        """Conversations that arrived ahead of this interval's later pages so far (see Fault.page_shift)."""
        with self._page_shifts_lock:
            if grow:
                self._page_shifts[interval] = self._page_shifts.get(interval, 0) + 1
            return self._page_shifts.get(interval, 0)

    def conversations_for_hour(self, hour_start: datetime) -> list[dict[str, Any]]:
        """The conversations that start in the hour as the API shows them now, open ones included."""
        start_ms = _hour_ms(hour_start)
        now_ms = self._source.now_ms()
        return [
            render_conversation(plan, now_ms)
            for plan in self._source.started_between(start_ms, start_ms + HOUR_MS, now_ms)
        ]

    def expected_records(self, hour_start: datetime) -> list[dict[str, Any]]:
        """The record-contract rows the hour must export (ended conversations that started in it)."""
        start_ms = _hour_ms(hour_start)
        now_ms = self._source.now_ms()
        labels = self._source.code_labels()
        return [
            row
            for plan in self._source.started_between(start_ms, start_ms + HOUR_MS, now_ms)
            if plan.end_ms <= now_ms
            for row in expected_rows(plan, labels)
        ]

    def wrapup_code_labels(self) -> dict[str, str]:
        """Code id -> name of the current catalog, active and deleted codes."""
        return self._source.code_labels()

    def _log_request(self, method: str, path: str, query: str, status: int, fault: Fault | None) -> None:
        entry = LoggedRequest(method, path, query, status, datetime.now(UTC), fault.name if fault else None)
        with self._log_lock:
            self._log.append(entry)


def _hour_ms(hour_start: datetime) -> int:
    start_ms = to_ms(hour_start)
    if start_ms % HOUR_MS:
        raise ValueError(f"{hour_start.isoformat()} is not the start of a UTC hour")
    return start_ms


class _EmulatorServer(ThreadingHTTPServer):
    """The HTTP server, quiet about clients that hang up: after a stall fault the client has timed
    out and closed the socket before the late answer is written, which is the point."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _fault_applies(fault: Fault, method: str, path: str) -> bool:
    if fault.kind in DETAILS_QUERY_FAULTS:
        return method == "POST" and path == f"{DETAILS}/query"
    if fault.job_state is not None:
        return method == "GET" and JOB_STATUS_PATH.match(path) is not None and not path.endswith("/availability")
    return True


class _RequestHandler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 so clients keep it alive between requests."""

    protocol_version = "HTTP/1.1"
    server_version = "GenesysEmulator/1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    @property
    def _emulator(self) -> GenesysEmulator:
        return self.server.emulator  # type: ignore[attr-defined]

    def _handle(self) -> None:
        url = urlsplit(self.path)
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._url = url
        fault = self._emulator.faults.take(url.path)
        if fault is not None and not _fault_applies(fault, self.command, url.path):
            fault = None  # a data or job fault elsewhere is no fault: serve the request as it is
        self._fault = fault
        self._respond(url.path, url.query, raw_body, fault)

    def _record(self, status: int) -> None:
        """Logs the request before answering, so a client that got its answer sees it in the log."""
        self._emulator._log_request(self.command, self._url.path, self._url.query, status, self._fault)

    def _respond(self, path: str, query: str, raw_body: bytes, fault: Fault | None) -> None:
        kind = fault.kind if fault else None
        if kind == "drop_connection":
            self._record(DROPPED_STATUS)
            self.close_connection = True
            return
        if fault is not None and kind == "status":
            error = (
                rate_limit_error(fault.retry_after)
                if fault.status_code == 429
                else ApiError(fault.status_code or 500, retry_after=fault.retry_after)
            )
            self._send_error(error)
            return
        if kind == "invalid_json":
            self._send(200, NOT_JSON_BODY, content_type="application/json")
            return
        if fault is not None and kind == "delay":
            time.sleep(fault.seconds)
        if fault is not None and fault.gate is not None:
            fault.gate.wait(fault.seconds)
        if kind == "expire_token":
            self._emulator.expire_tokens()
        if kind == "revoke_token":
            self._emulator._access.revoke(self.headers.get("Authorization"))
        if path == "/oauth/token":
            self._token(raw_body, truncate=kind == "truncated_body")
            return
        try:
            response = self._dispatch(path, query, raw_body, fault)
        except ApiError as error:
            self._send_error(error)
            return
        if response.payload is None:
            body = b""
        elif isinstance(response.payload, bytes):
            body = response.payload
        else:
            body = json_bytes(response.payload)
        self._send(
            response.status,
            body,
            headers=response.headers,
            truncate=kind == "truncated_body",
        )

    def _token(self, raw_body: bytes, truncate: bool) -> None:
        if self.command != "POST":
            self._send_error(ApiError(404))
            return
        form = parse_qs(raw_body.decode("utf-8", "replace"))
        try:
            token = self._emulator._access.issue_token(self.headers.get("Authorization"), form)
        except OAuthError as error:
            self._send(error.status, json_bytes({"error": error.error, "description": error.description}))
            return
        self._send(200, json_bytes(token), truncate=truncate)

    def _dispatch(self, path: str, query: str, raw_body: bytes, fault: Fault | None) -> _Response:
        route = next(
            (
                (endpoint, match)
                for method, pattern, endpoint in ROUTES
                if method == self.command and (match := pattern.match(path))
            ),
            None,
        )
        if route is None:
            raise ApiError(404, f"No resource at {self.command} {path}", code="not.found")
        self._emulator._access.admit(self.headers.get("Authorization"))
        try:
            body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON") from None
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        endpoint, match = route
        return endpoint(self._emulator, _Request(self.command, path, params, body, match, fault))

    def _send_error(self, error: ApiError) -> None:
        body = error_body(error)
        headers = [("ININ-Correlation-Id", body["contextId"])]
        if error.retry_after is not None:
            headers.append(("Retry-After", str(error.retry_after)))
        self._send(error.status, json_bytes(body), headers=tuple(headers))

    def _send(
        self,
        status: int,
        body: bytes,
        headers: tuple[tuple[str, str], ...] = (),
        content_type: str = "application/json",
        truncate: bool = False,
    ) -> None:
        self._record(status)
        self.send_response(status)
        if body or status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(body)


def serve(
    config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0, announce: Callable[[str], None] = print
) -> None:
    """Runs an emulator in the foreground until KeyboardInterrupt (the `emulator` command)."""
    emulator = GenesysEmulator(config, host, port).start()
    never_set = threading.Event()
    try:
        announce(
            f"Genesys emulator listening on {emulator.api_url} "
            f"(client id {config.client_id}, secret {config.client_secret})"
        )
        while not never_set.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
