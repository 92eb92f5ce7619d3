"""The online lookup's network side: arXiv's API and PDFs, Crossref's works, over httpx.

:class:`LookupClient` answers "what does arXiv or Crossref know about these
identifiers?" with references read by :mod:`refman.formats.arxiv_atom` and
:mod:`refman.formats.crossref_json`, and downloads arXiv PDFs. It never touches the
library (see :mod:`refman.services.metadata`).

Manners and failures:

* Every request carries the User-Agent ``refman/<version> (mailto:<contact>)`` (the
  contact e-mail puts Crossref requests in its "polite pool"), a connect and a read
  timeout, and follows redirects.
* arXiv asks for at most one request every three seconds: every request to arXiv (API
  and PDFs) first waits its turn at :data:`ARXIV_LIMITER`, shared by the whole process.
  arXiv ids are asked for 100 at a time (``id_list``); ids the API silently leaves out
  are reported as not found, and a batch the API refuses (HTTP 400) is asked again id by
  id so one bad id does not sink the rest.
* Timeouts, dropped connections and HTTP 429, 502, 503 and 504 are retried
  (``LookupSettings.retries`` times) after ``backoff * 2**attempt`` seconds, or after
  the server's ``Retry-After`` (seconds or an HTTP date) when it gives one; a server
  asking for more than ``max_retry_after`` seconds is not waited for.
* A host that cannot be reached at all (no network, DNS failure, refused connection)
  fails at once with :class:`OfflineError`; a service that keeps failing with
  :class:`ServiceError`. Both are :class:`UserError`: one line for the user.
* ``cancelled`` (a callable) is polled between requests, during waits and while a PDF
  streams in; a cancelled lookup raises :class:`LookupCancelledError`.

The transport and the clock are injectable: tests replay recorded responses through
``httpx.MockTransport`` and count the waits on a fake clock, never touching the network.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

import httpx

from refman import __version__
from refman.domain import Reference
from refman.domain.identifiers import ARXIV, Identifier
from refman.formats.arxiv_atom import ArxivApiError, read_feed
from refman.formats.base import FormatError
from refman.formats.crossref_json import read_work
from refman.services.errors import UserError

__all__ = [
    "ARXIV_LIMITER",
    "SYSTEM_CLOCK",
    "Clock",
    "LookupCancelledError",
    "LookupClient",
    "LookupFailedError",
    "LookupSettings",
    "OfflineError",
    "RateLimiter",
    "ServiceError",
    "open_client",
]

ARXIV_INTERVAL = 3.0
"""Seconds between two requests to arXiv (its API's terms of use)."""
ARXIV_BATCH = 100
"""arXiv ids asked for in one API request."""
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_CHUNK = 64 * 1024
_PAUSE_SLICE = 0.2

Progress = Callable[[int, int], None]
"""``progress(done, total)``: lookups (identifiers) or bytes downloaded."""


class LookupFailedError(UserError):
    """An online lookup could not be done; the message says why."""


class OfflineError(LookupFailedError):
    """The service cannot be reached (no network, name not resolved, refused)."""


class ServiceError(LookupFailedError):
    """The service kept failing, or answered something that cannot be read."""


class LookupCancelledError(UserError):
    """The user cancelled the lookup."""


@dataclass(frozen=True, slots=True)
class LookupSettings:
    """Where and how to ask. ``contact_email`` goes into the User-Agent (Crossref's polite
    pool); the URLs may point at mirrors or proxies (``REFMAN_ARXIV_API``,
    ``REFMAN_ARXIV_PDF``, ``REFMAN_CROSSREF_API``)."""

    contact_email: str = ""
    arxiv_api: str = "https://export.arxiv.org/api/query"
    arxiv_pdf: str = "https://arxiv.org/pdf/"
    crossref_api: str = "https://api.crossref.org/works/"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 60.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LookupSettings:
        """Defaults overridden by ``REFMAN_CONTACT_EMAIL`` and the URL variables."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def value(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        return cls(
            contact_email=value("REFMAN_CONTACT_EMAIL", defaults.contact_email),
            arxiv_api=value("REFMAN_ARXIV_API", defaults.arxiv_api),
            arxiv_pdf=value("REFMAN_ARXIV_PDF", defaults.arxiv_pdf),
            crossref_api=value("REFMAN_CROSSREF_API", defaults.crossref_api),
        )

    @property
    def user_agent(self) -> str:
        """``refman/<version> (mailto:<contact>)``, or without the contact when unset."""
        contact = self.contact_email.strip()
        return f"refman/{__version__}" + (f" (mailto:{contact})" if contact else "")


class Clock(Protocol):
    """Time as the client sees it (a fake one in tests)."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real monotonic clock."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """``time.sleep``."""
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


class RateLimiter:
    """At most one request per ``interval`` seconds, across threads: each caller reserves
    the next free slot and waits for it."""

    def __init__(self, interval: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.interval = interval
        self.clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self, pause: Callable[[float], None]) -> None:
        """Wait (through ``pause``, which may raise to cancel) until this caller's turn."""
        with self._lock:
            now = self.clock.now()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            pause(start - now)


ARXIV_LIMITER = RateLimiter(ARXIV_INTERVAL)
"""The process' one limiter for arXiv: every client shares it."""


class LookupClient:
    """Looks identifiers up online (see the module docstring). Use as a context manager,
    or call :meth:`close`."""

    def __init__(
        self,
        settings: LookupSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = SYSTEM_CLOCK,
        arxiv_limiter: RateLimiter = ARXIV_LIMITER,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.settings = settings or LookupSettings()
        self.clock = clock
        self.arxiv_limiter = arxiv_limiter
        self.cancelled: Callable[[], bool] = cancelled or (lambda: False)
        """Polled between requests and during waits (the caller's Cancel)."""
        self.status: Callable[[str], None] = lambda _message: None
        """Told about waits the user may wonder about ("arXiv is busy: retrying in 8 s")."""
        timeout = httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout)
        self.http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": self.settings.user_agent},
            follow_redirects=True,
        )

    def __enter__(self) -> LookupClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self.http.close()

    # --- lookups ------------------------------------------------------------------------
    def lookup(
        self, identifiers: Iterable[Identifier], progress: Progress | None = None
    ) -> dict[Identifier, Reference | str]:
        """What arXiv and Crossref know of each identifier: a reference, or a message
        saying why there is none ("arXiv has no paper 2106.99999"). Network failures
        raise (:class:`OfflineError`, :class:`ServiceError`)."""
        wanted = list(dict.fromkeys(identifiers))
        arxiv = [i for i in wanted if i.kind == ARXIV]
        dois = [i for i in wanted if i.kind != ARXIV]
        total = len(wanted)
        found: dict[Identifier, Reference | str] = {}
        report = progress or (lambda _done, _total: None)
        report(0, total)
        for start in range(0, len(arxiv), ARXIV_BATCH):
            batch = arxiv[start : start + ARXIV_BATCH]
            papers = self.arxiv_papers([i.value for i in batch])
            for identifier in batch:
                paper = papers.get(identifier.value)
                found[identifier] = (
                    paper if paper is not None else f"arXiv has no paper {identifier.value}"
                )
            report(len(found), total)
        for identifier in dois:
            work = self.crossref_work(identifier.value)
            found[identifier] = (
                work if work is not None else f"Crossref has no DOI {identifier.value}"
            )
            report(len(found), total)
        return found

    def arxiv_papers(self, ids: Sequence[str]) -> dict[str, Reference | str]:
        """arXiv's papers for version-less ``ids`` (one request), by id; an id the API
        leaves out is missing from the answer, one it refuses maps to its message."""
        if not ids:
            return {}
        try:
            return dict(self._arxiv_request(ids))
        except ArxivApiError as error:
            if len(ids) == 1:
                return {ids[0]: f"arXiv refuses {ids[0]}: {error.api_message}"}
            words = set(error.api_message.split())
            named = [i for i in ids if i in words]
        # One id spoils the batch: leave out the one the API names, else halve the batch.
        if len(named) == 1:
            rest = [i for i in ids if i != named[0]]
            return {**self.arxiv_papers(named), **self.arxiv_papers(rest)}
        half = len(ids) // 2
        return {**self.arxiv_papers(ids[:half]), **self.arxiv_papers(ids[half:])}

    def _arxiv_request(self, ids: Sequence[str]) -> dict[str, Reference]:
        params = {"id_list": ",".join(ids), "start": "0", "max_results": str(len(ids))}
        url = self.settings.arxiv_api
        response = self._request(url, params=params, arxiv=True)
        if response.status_code not in (200, 400):
            raise ServiceError(f"the arXiv API answered HTTP {response.status_code}")
        try:
            papers, _total = read_feed(response.content.decode("utf-8", "replace"), url)
        except ArxivApiError:
            raise
        except FormatError as error:
            raise ServiceError(f"the arXiv API sent a malformed answer: {error.message}") from None
        if response.status_code == 400:
            raise ServiceError("the arXiv API refused the request (HTTP 400)")
        wanted = set(ids)
        found = {}
        for paper in papers:
            if paper.arxiv_id in wanted and not (paper.title_provisional and not paper.authors):
                for provenance in paper.provenance:  # each paper's own query
                    provenance.source = f"{url}?id_list={paper.arxiv_id}"
                found[paper.arxiv_id] = paper
        return found

    def crossref_work(self, doi: str) -> Reference | None:
        """Crossref's record of ``doi``; None when Crossref does not know it."""
        url = self.settings.crossref_api + quote(doi, safe="/")
        response = self._request(url)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ServiceError(f"Crossref answered HTTP {response.status_code} for {doi}")
        try:
            return read_work(response.content.decode("utf-8", "replace"), url)
        except FormatError as error:
            raise ServiceError(
                f"Crossref sent a malformed answer for {doi}: {error.message}"
            ) from None

    # --- PDFs ---------------------------------------------------------------------------
    def download_arxiv_pdf(
        self, arxiv_id: str, target: Path, progress: Progress | None = None
    ) -> int:
        """Stream arXiv's PDF of ``arxiv_id`` into ``target`` (created or replaced);
        returns its size. Raises :class:`ServiceError` when what arrives is not a PDF (a
        withdrawn paper, an error page), leaving no file behind."""
        url = self.settings.arxiv_pdf + arxiv_id
        response = self._request(url, arxiv=True, stream=True)
        try:
            if response.status_code == 404:
                raise ServiceError(f"arXiv has no PDF of {arxiv_id}")
            if response.status_code != 200:
                raise ServiceError(f"arXiv answered HTTP {response.status_code} for the PDF")
            total = int(response.headers.get("Content-Length", "0") or 0)
            done = 0
            with target.open("wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    if done == 0 and not chunk.lstrip(b"\r\n\t ").startswith(b"%PDF"):
                        raise ServiceError(f"arXiv did not send a PDF for {arxiv_id}")
                    self._check_cancelled()
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, max(total, done))
            if done == 0:
                raise ServiceError(f"arXiv sent an empty file for {arxiv_id}")
            return done
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        finally:
            response.close()

    # --- requests -----------------------------------------------------------------------
    def _request(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        arxiv: bool = False,
        stream: bool = False,
    ) -> httpx.Response:
        """GET ``url``, retrying as the module docstring says; any final status is
        returned (the caller judges it), the transport's failures raise."""
        host = urlsplit(url).hostname or url
        attempts = 1 + max(0, self.settings.retries)
        for attempt in range(attempts):
            self._check_cancelled()
            if arxiv:
                self.arxiv_limiter.wait(self._pause)
            last = attempt == attempts - 1
            try:
                request = self.http.build_request("GET", url, params=params)
                response = self.http.send(request, stream=stream)
            except httpx.ConnectError as error:
                raise OfflineError(f"cannot reach {host} ({_reason(error)})") from None
            except (httpx.TimeoutException, httpx.ReadError, httpx.RemoteProtocolError) as error:
                if last:
                    what = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
                    raise ServiceError(
                        f"{host} {what} {attempts} times ({_reason(error)}); try again later"
                    ) from None
                self._retry_pause(f"{host} did not answer", self.settings.backoff * 2**attempt)
                continue
            except httpx.HTTPError as error:
                raise OfflineError(f"cannot reach {host} ({_reason(error)})") from None
            if self.cancelled():  # cancelled while waiting for the answer: drop it
                response.close()
                raise LookupCancelledError("cancelled")
            if response.status_code not in RETRY_STATUSES:
                return response
            response.close()
            wait = _retry_after(response.headers.get("Retry-After"))
            busy = f"{host} is busy (HTTP {response.status_code})"
            if wait is not None and wait > self.settings.max_retry_after:
                raise ServiceError(f"{busy} and asks to wait {wait:.0f} s; try again later")
            if last:
                raise ServiceError(f"{busy}; try again later")
            delay = wait if wait is not None else self.settings.backoff * 2**attempt
            self._retry_pause(busy, delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_pause(self, why: str, seconds: float) -> None:
        """Tell the user why and how long, then wait."""
        self.status(f"{why}: trying again in {seconds:.0f} s…")
        self._pause(seconds)

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` in slices, giving up when cancelled."""
        end = self.clock.now() + seconds
        while (left := end - self.clock.now()) > 0:
            self._check_cancelled()
            self.clock.sleep(min(left, _PAUSE_SLICE))
        self._check_cancelled()

    def _check_cancelled(self) -> None:
        if self.cancelled():
            raise LookupCancelledError("cancelled")


def _reason(error: httpx.HTTPError) -> str:
    """A short reason for a transport error ("connection refused", "timed out")."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    text = text.split("] ", 1)[-1]  # "[Errno 111] Connection refused" -> "Connection ..."
    return text[:1].lower() + text[1:80]


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def open_client(
    settings: LookupSettings | None = None, *, cancelled: Callable[[], bool] | None = None
) -> LookupClient:
    """The client both faces use: the settings given, else the environment's (tests
    replace this function to replay recorded responses)."""
    return LookupClient(settings or LookupSettings.from_environment(), cancelled=cancelled)
