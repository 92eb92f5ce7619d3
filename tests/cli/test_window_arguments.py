"""``refman [--db URL] [--smoke-test] [FILE...]`` beside the sub-commands."""

from __future__ import annotations

import pytest

from refman.cli.main import parse_arguments
from tests.conftest import SEED_FILES


def test_no_arguments_open_the_window() -> None:
    args = parse_arguments([])
    assert (args.command, args.files, args.smoke_test, args.db) == (None, [], False, None)


def test_sub_commands_keep_working() -> None:
    args = parse_arguments(["--db", "lib.sqlite", "import", str(SEED_FILES[0])])
    assert (args.command, args.files, args.db) == ("import", [], "lib.sqlite")
    assert args.paths == [SEED_FILES[0]]
    assert parse_arguments(["list"]).command == "list"


def test_files_without_a_command_open_the_window_to_import_them() -> None:
    first, second = map(str, SEED_FILES[:2])
    args = parse_arguments(["--db", "lib.sqlite", first, second])
    assert (args.command, args.files, args.db) == (None, [first, second], "lib.sqlite")
    args = parse_arguments([first, "--db=lib.sqlite"])
    assert (args.files, args.db) == ([first], "lib.sqlite")


def test_a_file_named_like_an_option_follows_double_dash() -> None:
    args = parse_arguments(["--", "-odd.bib"])
    assert (args.command, args.files) == (None, ["-odd.bib"])


def test_a_mistyped_command_is_a_usage_error_not_a_missing_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_arguments(["lsit"])
    assert exited.value.code == 2
    assert "invalid choice: 'lsit' (no such file either; choose from " in capsys.readouterr().err


def test_smoke_test_is_a_window_option(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_arguments(["--smoke-test", "--db", "lib.sqlite"])
    assert (args.command, args.smoke_test, args.db) == (None, True, "lib.sqlite")
    for argv in (["--smoke-test", "list"], ["--smoke-test", str(SEED_FILES[0])]):
        with pytest.raises(SystemExit) as exited:
            parse_arguments(argv)
        assert exited.value.code == 2
        assert "--smoke-test takes no command and no files" in capsys.readouterr().err


def test_help_names_both_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["--help"])
    out = capsys.readouterr().out
    assert "[--smoke-test] [FILE ...]" in out
    assert "refman [--db URL] COMMAND" in out
