"""``refman fetch`` and ``refman add``: in-process with replayed responses (the client
factory replaced), and one real subprocess pointed at an unreachable address."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from refman.cli.main import main
from refman.services import lookup
from refman.services.lookup import LookupClient, LookupSettings
from tests.cli.test_cli import refman
from tests.lookup_fakes import ARXIV_API, FakeWeb, by_id_list, crossref, entry

SPMM = "2106.16128"
SPMM_TITLE = "Efficient Sparse Matrix Kernels based on Adaptive Workload-Balancing"
LISTING = (
    "We study sparse matrix kernels on GPUs and balance their workload.\n\n"
    f"arXiv:{SPMM}\nCreated: 2021-06-30\n\n"
    "A second abstract about novelty detection with contrastive learning.\n\n"
    "arXiv:2106.16064\nCreated: 2021-06-30\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A library holding two arXiv listing records (provisional titles)."""
    path = tmp_path / "library.sqlite"
    listing = tmp_path / "listing.txt"
    listing.write_text(LISTING)
    assert main(["--db", str(path), "import", str(listing)]) == 0
    return path


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    """The replayed web every ``lookup.open_client`` of the command line talks to."""
    fake = FakeWeb().on(
        ARXIV_API,
        by_id_list(
            {
                SPMM: entry(SPMM, SPMM_TITLE, ("Guyue Huang", "Guohao Dai")),
                "2106.16064": entry("2106.16064", "Novelty Detection", ("Chen Li",)),
            }
        ),
    )
    fake.on(
        "api.crossref.org/works/10.1038/nature14539", crossref("work_journal-article_nature.json")
    )

    def open_client(
        settings: LookupSettings | None = None, *, cancelled: object = None
    ) -> LookupClient:
        return fake.client(settings)

    monkeypatch.setattr(lookup, "open_client", open_client)
    return fake


def listed(db: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["--db", str(db), "list", "--json"]) == 0
    refs: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return refs


def test_fetch_dry_run_shows_the_changes_and_writes_nothing(
    db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listed(db, capsys)
    assert main(["--db", str(db), "fetch", SPMM, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"(arXiv:{SPMM}): " in out
    assert "    Title: We study sparse matrix kernels" in out
    assert "(provisional)\n" in out
    assert f"      -> {SPMM_TITLE}\n" in out
    assert "    Authors: (none)\n      -> Guyue Huang; Guohao Dai\n" in out
    assert listed(db, capsys) == before


def test_fetch_yes_writes(db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(db), "fetch", SPMM, "2106.16064", "--yes"]) == 0
    assert capsys.readouterr().out.endswith("updated 2 references\n")
    assert web.arxiv_id_lists() == [f"{SPMM},2106.16064"]
    titles = {r["arxiv_id"]: (r["title"], r["title_provisional"]) for r in listed(db, capsys)}
    assert titles[SPMM] == (SPMM_TITLE, False)
    assert titles["2106.16064"] == ("Novelty Detection", False)
    assert main(["--db", str(db), "fetch", SPMM, "--yes"]) == 0
    assert capsys.readouterr().out.endswith(": up to date\n")


def test_fetch_asks_on_a_terminal_and_refuses_elsewhere(
    db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    assert main(["--db", str(db), "fetch", SPMM]) == 1
    assert "refman: nothing written: confirm with --yes" in capsys.readouterr().err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    assert main(["--db", str(db), "fetch", SPMM]) == 0
    assert capsys.readouterr().out.endswith("nothing written\n")
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert main(["--db", str(db), "fetch", SPMM]) == 0
    assert capsys.readouterr().out.endswith("updated 1 reference\n")


def test_fetch_reports_what_cannot_be_looked_up(
    db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text("@misc{mine, title = {No identifier at all}}\n")
    assert main(["--db", str(db), "import", str(bib)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "fetch", "mine", SPMM, "--yes"]) == 1
    captured = capsys.readouterr()
    assert "mine: no arXiv id or DOI to look it up by" in captured.err
    assert captured.out.endswith("updated 1 reference\n")


def test_fetch_sends_the_contact_email(
    db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFMAN_CONTACT_EMAIL", raising=False)
    from refman.app import open_library

    library = open_library(str(db))
    library.set_contact_email("lab@uni.example")
    library.close()
    assert main(["--db", str(db), "fetch", SPMM, "--dry-run"]) == 0
    assert web.requests[-1].headers["User-Agent"].endswith("(mailto:lab@uni.example)")


@pytest.mark.parametrize("command", ["fetch", "add"])
def test_offline_exits_1_with_one_line_and_changes_nothing(
    db: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web = FakeWeb().on(ARXIV_API, httpx.ConnectError("[Errno -2] Name or service not known"))
    monkeypatch.setattr(lookup, "open_client", lambda settings=None, **_: web.client(settings))
    before = listed(db, capsys)
    args = [SPMM, "--yes"] if command == "fetch" else ["2301.00001"]
    assert main(["--db", str(db), command, *args]) == 1
    captured = capsys.readouterr()
    assert captured.err == "refman: cannot reach export.arxiv.org (name or service not known)\n"
    assert listed(db, capsys) == before


def test_add_then_again_then_unknown(
    db: Path, web: FakeWeb, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--db", str(db), "add", "https://doi.org/10.1038/nature14539"]) == 0
    assert capsys.readouterr().out == "added 3 lecun2015deep: Deep learning\n"
    assert main(["--db", str(db), "add", "10.1038/NATURE14539", f"arXiv:{SPMM}v2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "10.1038/NATURE14539: already in the library as 3 lecun2015deep"
    assert out[1].startswith(f"arXiv:{SPMM}v2: already in the library as 1 ")
    assert main(["--db", str(db), "add", "2301.99999"]) == 1
    assert capsys.readouterr().err == "refman: 2301.99999: arXiv has no paper 2301.99999\n"
    assert main(["--db", str(db), "add", "not-an-id"]) == 1
    assert "is not an arXiv id, a DOI or a link" in capsys.readouterr().err
    assert len(listed(db, capsys)) == 3


def test_the_real_command_offline(tmp_path: Path) -> None:
    """A real process, its lookups pointed at a port nobody listens on."""
    db = tmp_path / "library.sqlite"
    listing = tmp_path / "listing.txt"
    listing.write_text(LISTING)
    refman(db, "import", str(listing))
    before = refman(db, "list", "--json").stdout
    unreachable = {
        "REFMAN_ARXIV_API": "http://127.0.0.1:1/api/query",
        "REFMAN_CROSSREF_API": "http://127.0.0.1:1/works/",
    }
    for args in (
        ["fetch", SPMM, "--yes"],
        ["add", "2301.00001"],
        ["add", "10.1145/3442188.3445922"],
    ):
        result = refman(db, *args, check=False, env=unreachable)
        assert result.returncode == 1, args
        assert result.stderr.startswith("refman: cannot reach 127.0.0.1 ("), args
        assert result.stderr.count("\n") == 1, args
        assert result.stdout == ""
    assert refman(db, "list", "--json").stdout == before
