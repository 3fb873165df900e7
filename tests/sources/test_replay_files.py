"""Every replay file is read one way: a missing file names EDGE_REPLAY_DIR whichever asset reads
it, and a value that does not parse names the file, the line and the value."""

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from edge_dagster.core.clock import EASTERN
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.kalshi_markets import ReplayKalshiMarkets
from edge_dagster.sources.replay_files import ReplayDataError, read_replay_csv
from edge_dagster.sources.tsa import ReplayTsaSource

AS_OF = datetime(2026, 4, 20, 12, tzinfo=EASTERN)


@pytest.fixture
def replay_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "replay"
    shutil.copytree(DEFAULT_REPLAY_DIR, folder)
    return folder


def _replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n")


READERS = {
    "tsa_checkpoint_daily.csv": lambda folder: ReplayTsaSource(folder).daily_figures(
        date(2026, 4, 13), date(2026, 4, 19), AS_OF
    ),
    "kalshi_tsaw_markets_2026.csv": lambda folder: ReplayKalshiMarkets(folder).event_markets(
        "KXTSAW-26APR19"
    ),
    "kalshi_tsaw_markets_2022_2025.csv": lambda folder: ReplayKalshiMarkets(folder).event_markets(
        "KXTSAW-25DEC28"
    ),
    "kalshi_tsaw_daily_candles_2026.csv": lambda folder: ReplayKalshiMarkets(folder).candles(
        ["KXTSAW-26APR19-A2.45"]
    ),
    "kalshi_tsaw_friday_quotes_2022_2026.csv": lambda folder: ReplayKalshiMarkets(
        folder
    ).quote_bars(["KXTSAW-26APR19-A2.45"]),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_missing_replay_file_names_the_folder_variable(replay_copy, name):
    (replay_copy / name).unlink()
    with pytest.raises(ReplayDataError) as raised:
        READERS[name](replay_copy)
    assert str(raised.value) == (
        f"{replay_copy / name}: replay file missing; EDGE_REPLAY_DIR={replay_copy} must hold "
        f"{name} (named and shaped like replay_data/)"
    )


def test_a_corrupted_count_names_file_line_and_value(replay_copy):
    path = replay_copy / "tsa_checkpoint_daily.csv"
    _replace_line(path, 58, "2019-02-26,22x4225")
    with pytest.raises(ReplayDataError) as raised:
        READERS["tsa_checkpoint_daily.csv"](replay_copy)
    assert str(raised.value) == (
        f"{path} line 58: travelers='22x4225' is not an int (EDGE_REPLAY_DIR={replay_copy})"
    )


def test_a_corrupted_date_and_a_blank_line_keep_line_numbers_true(replay_copy):
    path = replay_copy / "tsa_checkpoint_daily.csv"
    _replace_line(path, 10, "")
    _replace_line(path, 11, "2019-13-10,2000000")
    with pytest.raises(ReplayDataError) as raised:
        read_replay_csv(replay_copy, path.name, {"travelers": "int?", "date": "date"})
    assert str(raised.value) == (
        f"{path} line 10: date='' is not a date (EDGE_REPLAY_DIR={replay_copy})"
    )
    _replace_line(path, 10, "2019-01-09,2000000")
    with pytest.raises(ReplayDataError, match=r"line 11: date='2019-13-10' is not a date"):
        read_replay_csv(replay_copy, path.name, {"date": "date"})


def test_a_fractional_count_is_not_an_int(replay_copy):
    path = replay_copy / "tsa_checkpoint_daily.csv"
    _replace_line(path, 2, "2019-01-01,2201765.5")
    with pytest.raises(ReplayDataError, match=r"line 2: travelers='2201765.5' is not an int"):
        read_replay_csv(replay_copy, path.name, {"travelers": "int"})


def test_a_corrupted_candle_price_names_its_column(replay_copy):
    path = replay_copy / "kalshi_tsaw_daily_candles_2026.csv"
    header, first = path.read_text().splitlines()[:2]
    cells = first.split(",")
    cells[header.split(",").index("yes_ask_low")] = "4O"
    _replace_line(path, 2, ",".join(cells))
    with pytest.raises(ReplayDataError) as raised:
        ReplayKalshiMarkets(replay_copy).candles(["KXTSAW-26MAR22-A1.80"])
    assert str(raised.value) == (
        f"{path} line 2: yes_ask_low='4O' is not an empty value or a float "
        f"(EDGE_REPLAY_DIR={replay_copy})"
    )


def test_a_file_without_a_needed_column_says_which(replay_copy):
    path = replay_copy / "tsa_checkpoint_daily.csv"
    _replace_line(path, 1, "day,travelers")
    with pytest.raises(ReplayDataError) as raised:
        READERS["tsa_checkpoint_daily.csv"](replay_copy)
    assert str(raised.value) == (
        f"{path}: no column date (EDGE_REPLAY_DIR={replay_copy}; the header has day, travelers)"
    )


def test_the_shipped_files_parse_to_their_kinds():
    frame = read_replay_csv(DEFAULT_REPLAY_DIR, "tsa_checkpoint_daily.csv", {
        "date": "date", "travelers": "int",
    })  # fmt: skip
    assert str(frame["travelers"].dtype) == "int64"
    assert (frame["date"].iloc[0], frame["travelers"].iloc[0]) == (
        datetime(2019, 1, 1),
        2201765,
    )
