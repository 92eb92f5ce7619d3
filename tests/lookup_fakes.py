"""Replayed web for the online lookup's tests: no test touches the network.

``FakeWeb`` answers requests through ``httpx.MockTransport`` from recorded responses
(the arXiv API corpus, the Crossref fixtures, synthesised feeds), keyed by host and
path; ``FakeClock`` stands in for time, so the rate limiter's and the retries' waits are
counted instead of slept."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import httpx

from refman.services.lookup import LookupClient, LookupSettings, RateLimiter

DATA = Path(__file__).parent / "data"
ARXIV_CORPUS = DATA / "corpus" / "arxiv-atom"
CROSSREF = DATA / "crossref"
ARXIV_API = "export.arxiv.org/api/query"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
PDF_BYTES = (
    b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 50 + b"%%EOF\n"
)

Answer = tuple[int, bytes, dict[str, str]] | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A monotonic clock that only moves when slept on; records each sleep."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.time += seconds

    @property
    def slept(self) -> float:
        """Seconds slept in all."""
        return sum(self.sleeps)


class FakeWeb:
    """Answers per route (``host + path``): each request takes the next answer, the last
    one repeats. Unknown routes answer 404 as Crossref does."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.clock = FakeClock()

    def on(self, route: str, *answers: Answer) -> FakeWeb:
        self.routes.setdefault(route, []).extend(answers)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now())
        route = (request.url.host or "") + unquote(request.url.path)
        answers = self.routes.get(route)
        if not answers:
            return httpx.Response(404, text="Resource not found.")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        status, body, headers = answer
        return httpx.Response(status, content=body, headers=headers)

    def client(
        self,
        settings: LookupSettings | None = None,
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> LookupClient:
        """A client whose transport, clock and arXiv limiter are this fake's."""
        return LookupClient(
            settings or LookupSettings(contact_email="tests@example.org"),
            transport=httpx.MockTransport(self.handle),
            clock=self.clock,
            arxiv_limiter=RateLimiter(3.0, self.clock),
            cancelled=cancelled,
        )

    def arxiv_id_lists(self) -> list[str]:
        """The ``id_list`` of each arXiv API request, in order."""
        return [
            r.url.params.get("id_list", "") for r in self.requests if r.url.path == "/api/query"
        ]


def corpus_feed(name: str, status: int = 200) -> tuple[int, bytes, dict[str, str]]:
    """A recorded arXiv API response from the corpus."""
    return status, (ARXIV_CORPUS / name).read_bytes(), ATOM


def crossref(name: str, status: int = 200) -> tuple[int, bytes, dict[str, str]]:
    """A Crossref fixture."""
    return status, (CROSSREF / name).read_bytes(), JSON


ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v{version}</id>
    <published>{published}T17:59:59Z</published>
    <title>{title}</title>
    <summary>{abstract}</summary>
{authors}    <arxiv:primary_category term="{primary}"/>
    <category term="{primary}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
{more}  </entry>
"""


def entry(
    arxiv_id: str,
    title: str,
    authors: tuple[str, ...] = ("Jane Q. Doe", "John Roe"),
    *,
    version: int = 2,
    published: str = "2021-06-30",
    abstract: str = "An abstract.",
    primary: str = "cs.CV",
    more: str = "",
) -> str:
    """One ``<entry>`` of an arXiv API feed."""
    names = "".join(f"    <author><name>{a}</name></author>\n" for a in authors)
    return ENTRY.format(
        id=arxiv_id,
        version=version,
        published=published,
        title=title,
        abstract=abstract,
        authors=names,
        primary=primary,
        more=more,
    )


def feed(*entries: str) -> tuple[int, bytes, dict[str, str]]:
    """An arXiv API response holding ``entries``."""
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
        f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
        + "".join(entries)
        + "</feed>\n"
    )
    return 200, text.encode(), ATOM


def by_id_list(entries: dict[str, str]) -> Callable[[httpx.Request], httpx.Response]:
    """An arXiv API that answers any ``id_list`` from ``entries`` (id -> ``<entry>``),
    silently leaving out the ids it does not know, as the real API does."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get("id_list", "").split(",")
        status, body, headers = feed(*(entries[i] for i in ids if i in entries))
        return httpx.Response(status, content=body, headers=headers)

    return answer
