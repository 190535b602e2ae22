"""Writing and reading the CSV tables of the synthetic datasets, byte for byte and with clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthpath.data.registry import DatasetError, verified


def write_csv(frame: pd.DataFrame, file: Path) -> Path:
    """Write ``frame`` to ``file`` the one way every committed CSV is written (no index, ``\\n`` lines)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(file, index=False, lineterminator="\n")
    return file


def read_csv(file: Path, dataset: str, dates: tuple[str, ...] = (), dtype: dict | None = None
             ) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv`; a truncated or malformed file raises DatasetError.

    Only empty fields are missing values (a family name "NA" stays a name), and floats are parsed
    so that they round-trip exactly.
    """
    fix = "Restore it from the repository or regenerate it with `healthpath data regenerate`."
    raw = Path(file).read_bytes()
    if not raw.endswith(b"\n"):
        raise DatasetError(f"Dataset {dataset!r}: {file} ends in the middle of a line (truncated?). {fix}")
    try:
        frame = pd.read_csv(file, keep_default_na=False, na_values=[""], float_precision="round_trip",
                            dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        raise DatasetError(
            f"Dataset {dataset!r}: {file} is not a valid CSV table ({error}). {fix}") from error
    missing = [column for column in dates if column not in frame.columns]
    if missing:
        raise DatasetError(f"Dataset {dataset!r}: {file} lacks the column(s) {missing}. {fix}")
    for column in dates:
        try:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601")
        except (ValueError, TypeError) as error:
            raise DatasetError(
                f"Dataset {dataset!r}: column {column!r} of {file} holds a value that is not a date "
                f"({error}). {fix}"
            ) from error
    return frame


def load_tables(dataset: str, tables, dates: dict, dtypes: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read the verified ``datasets/<dataset>/<table>.csv`` of each table, parsing its date columns."""
    dtypes = dtypes or {}
    return {
        table: read_csv(verified(f"{dataset}/{table}.csv", dataset), dataset, dates.get(table, ()),
                        dtypes.get(table))
        for table in tables
    }


def write_tables(frames: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each frame as ``<folder>/<table>.csv`` and return the paths."""
    return [write_csv(frame, Path(folder) / f"{table}.csv") for table, frame in frames.items()]



def committed(dataset: str, tables) -> tuple[str, ...]:
    """The committed file names of ``dataset``'s tables, relative to ``datasets/``."""
    return tuple(f"{dataset}/{table}.csv" for table in tables)

