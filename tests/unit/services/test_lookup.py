"""The lookup client against replayed responses: arXiv batches and the corpus' recorded
answers, Crossref, retries with backoff, Retry-After, rate limiting, offline, cancelling,
PDF downloads. No test touches the network (``httpx.MockTransport``)."""

from __future__ import annotations

import email.utils
import threading
import time
from pathlib import Path

import httpx
import pytest

from refman.domain.identifiers import Identifier
from refman.domain.model import Reference
from refman.services.lookup import (
    LookupCancelledError,
    LookupSettings,
    OfflineError,
    RateLimiter,
    ServiceError,
    open_client,
)
from tests.lookup_fakes import (
    ARXIV_API,
    ARXIV_CORPUS,
    PDF_BYTES,
    FakeClock,
    FakeWeb,
    by_id_list,
    corpus_feed,
    crossref,
    entry,
    feed,
)

CROSSREF_NATURE = "api.crossref.org/works/10.1038/nature14539"
NATURE = Identifier("doi", "10.1038/nature14539")


def arxiv(value: str) -> Identifier:
    return Identifier("arxiv", value)


def gaps(web: FakeWeb) -> list[float]:
    """Seconds between consecutive requests."""
    return [b - a for a, b in zip(web.times, web.times[1:], strict=False)]


# --- arXiv ---------------------------------------------------------------------------------
def test_the_corpus_id_list_where_the_api_drops_an_id() -> None:
    web = FakeWeb().on(ARXIV_API, corpus_feed("arxivpy_idlist_one-invalid-one-valid.atom.xml"))
    with web.client() as client:
        found = client.lookup([arxiv("1707.08567"), arxiv("0808.0539")])
    paper = found[arxiv("1707.08567")]
    assert isinstance(paper, Reference)
    assert paper.title.startswith("Proceedings of Workshop AEW10")
    assert paper.authors[-2].family == "Wübben"  # the recording's double encoding repaired
    assert found[arxiv("0808.0539")] == "arXiv has no paper 0808.0539"
    (request,) = web.requests
    assert request.url.params["id_list"] == "1707.08567,0808.0539"
    assert request.url.params["max_results"] == "2"


def test_an_old_style_id() -> None:
    web = FakeWeb().on(
        ARXIV_API, corpus_feed("arxivpy_idlist_old-style-id_astro-ph-0601001.atom.xml")
    )
    with web.client() as client:
        paper = client.lookup([arxiv("astro-ph/0601001")])[arxiv("astro-ph/0601001")]
    assert isinstance(paper, Reference)
    assert paper.arxiv_id == "astro-ph/0601001"
    assert paper.year == 2006
    assert paper.extra["categories"] == "astro-ph"


def test_the_2016_format_and_entries_not_asked_for() -> None:
    web = FakeWeb().on(ARXIV_API, corpus_feed("arxivpy_2016_search_au-del_maestro.atom.xml"))
    with web.client() as client:
        found = client.arxiv_papers(["1201.4869"])
    assert list(found) == ["1201.4869"]  # the other entries of the page are not taken
    paper = found["1201.4869"]
    assert isinstance(paper, Reference)
    assert paper.title == "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores"
    assert paper.provenance[0].source.endswith("id_list=1201.4869")


def test_a_hundred_ids_in_one_request_then_the_rest_three_seconds_later() -> None:
    page = (ARXIV_CORPUS / "arxivpy_query_all-testing_100results.atom.xml").read_text("utf-8")
    first_hundred = [
        line.split("/abs/")[1].rsplit("v", 1)[0]
        for line in page.splitlines()
        if "<id>http://arxiv.org/abs/" in line
    ]
    assert len(first_hundred) == 100
    more = [f"2301.{n:05d}" for n in range(1, 31)]
    web = FakeWeb().on(
        ARXIV_API,
        corpus_feed("arxivpy_query_all-testing_100results.atom.xml"),
        feed(*(entry(i, f"Paper {i}") for i in more)),
    )
    wanted = [arxiv(i) for i in first_hundred + more]
    reports: list[tuple[int, int]] = []
    with web.client() as client:
        found = client.lookup(wanted, lambda done, total: reports.append((done, total)))
    assert all(isinstance(found[i], Reference) for i in wanted)
    assert [len(ids.split(",")) for ids in web.arxiv_id_lists()] == [100, 30]
    assert web.times[1] - web.times[0] == pytest.approx(3.0)
    assert reports == [(0, 130), (100, 130), (130, 130)]


def test_a_batch_the_api_refuses_is_asked_again_without_the_id_it_names() -> None:
    error = (ARXIV_CORPUS / "arxivpy_error_incorrect-id-format_http400.atom.xml").read_bytes()

    def api(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["id_list"].split(",")
        if "abc" in ids:
            return httpx.Response(400, content=error)
        return by_id_list({"2106.16128": entry("2106.16128", "Real")})(request)

    web = FakeWeb().on(ARXIV_API, api)
    with web.client() as client:
        found = client.arxiv_papers(["2106.16128", "abc"])
    assert found["abc"] == "arXiv refuses abc: incorrect id format for abc"
    paper = found["2106.16128"]
    assert isinstance(paper, Reference)
    assert paper.title == "Real"
    assert web.arxiv_id_lists() == ["2106.16128,abc", "abc", "2106.16128"]


def test_a_refused_batch_naming_no_id_is_halved() -> None:
    error = (ARXIV_CORPUS / "arxivpy_error_incorrect-id-format_http400.atom.xml").read_bytes()

    def api(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["id_list"].split(",")
        if "2106.00003" in ids:
            return httpx.Response(400, content=error)  # names "abc", none of ours
        return by_id_list({i: entry(i, i) for i in ids})(request)

    web = FakeWeb().on(ARXIV_API, api)
    ids = ["2106.00001", "2106.00002", "2106.00003", "2106.00004"]
    with web.client() as client:
        found = client.arxiv_papers(ids)
    assert found["2106.00003"] == "arXiv refuses 2106.00003: incorrect id format for abc"
    assert all(isinstance(found[i], Reference) for i in ids if i != "2106.00003")


def test_a_malformed_feed_is_a_service_error() -> None:
    body = (ARXIV_CORPUS / "arxivpy_idlist_old-style-id_astro-ph-0601001.atom.xml").read_bytes()
    web = FakeWeb().on(ARXIV_API, (200, body[: len(body) // 2], {}))
    with web.client() as client, pytest.raises(ServiceError, match="malformed answer"):
        client.lookup([arxiv("astro-ph/0601001")])


def test_an_html_page_instead_of_a_feed_is_a_service_error() -> None:
    web = FakeWeb().on(ARXIV_API, (200, b"<html><body>Maintenance</body></html>", {}))
    with web.client() as client, pytest.raises(ServiceError, match="not an Atom feed"):
        client.lookup([arxiv("2106.16128")])


# --- Crossref ------------------------------------------------------------------------------
def test_crossref_work_and_a_doi_it_does_not_know() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, crossref("work_journal-article_nature.json"))
    unknown = Identifier("doi", "10.9999/nothing")
    with web.client() as client:
        found = client.lookup([NATURE, unknown])
    work = found[NATURE]
    assert isinstance(work, Reference)
    assert work.title == "Deep learning"
    assert found[unknown] == "Crossref has no DOI 10.9999/nothing"
    assert web.clock.sleeps == []  # Crossref is not held to arXiv's pace


def test_dois_are_url_encoded() -> None:
    web = FakeWeb()
    with web.client() as client:
        client.crossref_work("10.1000/xyz;1#2")
    assert web.requests[0].url.raw_path == b"/works/10.1000/xyz%3B1%232"


def test_malformed_crossref_json_is_a_service_error() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, crossref("truncated_journal-article.json"))
    with web.client() as client, pytest.raises(ServiceError, match="malformed answer"):
        client.lookup([NATURE])


def test_a_server_error_is_reported() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, (500, b"oops", {}))
    with web.client() as client, pytest.raises(ServiceError, match="HTTP 500"):
        client.lookup([NATURE])


def test_polite_user_agent() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, crossref("work_journal-article_nature.json"))
    with web.client() as client:
        client.lookup([NATURE])
    with web.client(LookupSettings()) as client:
        client.lookup([NATURE])
    polite, anonymous = (r.headers["User-Agent"] for r in web.requests)
    assert polite.startswith("refman/")
    assert polite.endswith("(mailto:tests@example.org)")
    assert "mailto" not in anonymous


# --- retries -------------------------------------------------------------------------------
def test_timeouts_are_retried_with_exponential_backoff() -> None:
    web = FakeWeb().on(
        CROSSREF_NATURE,
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        crossref("work_journal-article_nature.json"),
    )
    with web.client() as client:
        assert isinstance(client.lookup([NATURE])[NATURE], Reference)
    assert len(web.requests) == 3
    assert web.times[1] - web.times[0] == pytest.approx(1.0)
    assert web.times[2] - web.times[1] == pytest.approx(2.0)


def test_timeouts_give_up_after_the_retries() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, httpx.ReadTimeout("read timed out"))
    with web.client() as client, pytest.raises(ServiceError, match="timed out 4 times"):
        client.lookup([NATURE])
    assert gaps(web) == pytest.approx([1.0, 2.0, 4.0])


@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_honour_retry_after(status: int) -> None:
    web = FakeWeb().on(
        CROSSREF_NATURE,
        (status, b"slow down", {"Retry-After": "7"}),
        crossref("work_journal-article_nature.json"),
    )
    told: list[str] = []
    with web.client() as client:
        client.status = told.append
        assert isinstance(client.lookup([NATURE])[NATURE], Reference)
    assert web.times[1] - web.times[0] == pytest.approx(7.0)
    assert told == [f"api.crossref.org is busy (HTTP {status}): trying again in 7 s…"]


def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    web = FakeWeb().on(
        CROSSREF_NATURE,
        (503, b"", {"Retry-After": when}),
        crossref("work_journal-article_nature.json"),
    )
    with web.client() as client:
        client.lookup([NATURE])
    assert 15 <= web.times[1] - web.times[0] <= 21


def test_busy_without_retry_after_backs_off_then_gives_up() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, (503, b"", {}))
    with web.client() as client, pytest.raises(ServiceError, match=r"busy \(HTTP 503\)"):
        client.lookup([NATURE])
    assert gaps(web) == pytest.approx([1.0, 2.0, 4.0])


def test_a_long_retry_after_is_not_waited_for() -> None:
    web = FakeWeb().on(CROSSREF_NATURE, (429, b"", {"Retry-After": "3600"}))
    with web.client() as client, pytest.raises(ServiceError, match="asks to wait 3600 s"):
        client.lookup([NATURE])
    assert len(web.requests) == 1
    assert web.clock.sleeps == []


def test_arxiv_retries_keep_the_rate_limit() -> None:
    web = FakeWeb().on(
        ARXIV_API,
        (503, b"", {"Retry-After": "1"}),
        feed(entry("2106.16128", "T")),
    )
    with web.client() as client:
        client.lookup([arxiv("2106.16128")])
    assert web.times[1] - web.times[0] == pytest.approx(3.0)  # not the 1 s asked for


def test_offline_fails_at_once() -> None:
    web = FakeWeb().on(
        ARXIV_API, httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    )
    with web.client() as client, pytest.raises(OfflineError) as caught:
        client.lookup([arxiv("2106.16128")])
    assert str(caught.value) == (
        "cannot reach export.arxiv.org (temporary failure in name resolution)"
    )
    assert len(web.requests) == 1
    assert web.clock.sleeps == []


def test_a_real_unreachable_address_is_offline() -> None:
    settings = LookupSettings(arxiv_api="http://127.0.0.1:1/api/query", retries=0)
    with open_client(settings) as client, pytest.raises(OfflineError, match=r"127\.0\.0\.1"):
        client.lookup([arxiv("2106.16128")])


# --- rate limiting and cancelling -----------------------------------------------------------
def test_the_limiter_gives_concurrent_callers_distinct_slots() -> None:
    clock = FakeClock()  # time stands still: every caller asks at once
    limiter = RateLimiter(3.0, clock)
    waits: list[float] = []
    lock = threading.Lock()

    def pause(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    threads = [threading.Thread(target=limiter.wait, args=(pause,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([3.0, 6.0, 9.0])  # the first goes at once
    clock.sleep(20.0)
    limiter.wait(pause)  # long after: no wait
    assert len(waits) == 3


def test_the_process_shares_one_arxiv_limiter() -> None:
    from refman.services import lookup

    with open_client() as first, open_client() as second:
        assert first.arxiv_limiter is second.arxiv_limiter is lookup.ARXIV_LIMITER
        assert lookup.ARXIV_LIMITER.interval == 3.0


def test_cancelling_during_a_wait() -> None:
    cancel = threading.Event()
    web = FakeWeb().on(CROSSREF_NATURE, (503, b"", {"Retry-After": "30"}))
    original = web.clock.sleep

    def sleep(seconds: float) -> None:
        original(seconds)
        if web.clock.slept > 5:
            cancel.set()

    web.clock.sleep = sleep  # type: ignore[method-assign]
    with web.client(cancelled=cancel.is_set) as client, pytest.raises(LookupCancelledError):
        client.lookup([NATURE])
    assert 5 < web.clock.slept < 6
    assert len(web.requests) == 1


# --- PDFs ----------------------------------------------------------------------------------
def test_pdf_download_streams_into_the_file(tmp_path: Path) -> None:
    web = FakeWeb().on(
        "arxiv.org/pdf/2106.16128",
        (
            200,
            PDF_BYTES,
            {"Content-Type": "application/pdf", "Content-Length": str(len(PDF_BYTES))},
        ),
    )
    target = tmp_path / "paper.pdf"
    reports: list[tuple[int, int]] = []
    with web.client() as client:
        size = client.download_arxiv_pdf("2106.16128", target, lambda d, t: reports.append((d, t)))
    assert size == len(PDF_BYTES)
    assert target.read_bytes() == PDF_BYTES
    assert reports[-1] == (len(PDF_BYTES), len(PDF_BYTES))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, b"<html>Access denied</html>", {}), "did not send a PDF"),
        ((404, b"", {}), "no PDF of 2106.16128"),
        ((200, b"", {}), "empty file"),
    ],
)
def test_pdf_download_refuses_what_is_not_a_pdf(
    tmp_path: Path, answer: tuple[int, bytes, dict[str, str]], message: str
) -> None:
    web = FakeWeb().on("arxiv.org/pdf/2106.16128", answer)
    target = tmp_path / "paper.pdf"
    with web.client() as client, pytest.raises(ServiceError, match=message):
        client.download_arxiv_pdf("2106.16128", target)
    assert not target.exists()


def test_settings_from_the_environment() -> None:
    settings = LookupSettings.from_environment(
        {"REFMAN_CONTACT_EMAIL": " me@lab.org ", "REFMAN_ARXIV_API": "http://mirror/api"}
    )
    assert settings.contact_email == "me@lab.org"
    assert settings.arxiv_api == "http://mirror/api"
    assert settings.crossref_api == LookupSettings().crossref_api
    assert LookupSettings.from_environment({}) == LookupSettings()
