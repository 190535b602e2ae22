"""Synthetic case locations on a district map: outbreaks of known centre and extent over sporadic cases.

Four outbreaks with different sizes, densities and shapes (a dense point source, a diffuse school
catchment, cases strung along a meandering river, a tight care-home cluster) sit on a uniform
background of sporadic cases. Each case keeps the outbreak that produced it (``truth_outbreak``,
-1 for sporadic) and the Bayes-optimal label given the generative model (``truth_bayes_outbreak``),
so that both the truth and the best any method could do are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthpath.data.registry import Dataset
from healthpath.data.synthetic.tables import committed, load_tables, write_tables

WIDTH_KM, HEIGHT_KM = 40.0, 30.0  # the district map: x east, y north, origin at the south-west corner
YEAR = pd.Timestamp("2024-01-01")
RIVER_LENGTH_KM, RIVER_AMPLITUDE_KM, RIVER_WAVELENGTH_KM = 22.0, 2.0, 11.0
SEPARATION_SD = 3.0  # outbreaks' cores stay this many spreads (sd) apart, plus GAP_KM
GAP_KM = 2.0
TABLES = ("cases", "outbreaks")


@dataclass(frozen=True)
class Outbreak:
    """One outbreak's template: its source, shape, case count, spread (sd, km), duration and ages."""

    source: str
    shape: str  # "round" (2-D normal around a centre) or "linear" (along the river)
    n_cases: int
    sd_km: float
    duration_days: int
    age_mean: float
    age_sd: float
    age_min: int
    age_max: int


OUTBREAKS = (
    Outbreak("cooling tower", "round", 120, 0.7, 21, 62, 12, 18, 95),
    Outbreak("school", "round", 150, 1.8, 10, 8, 2, 4, 12),
    Outbreak("river", "linear", 180, 0.35, 40, 35, 18, 0, 90),
    Outbreak("care home", "round", 40, 0.3, 14, 84, 6, 65, 100),
)
SPORADIC_AGE = (40, 22, 0, 95)  # mean, sd, min, max (years)
CASE_COLUMNS = ["case_id", "x_km", "y_km", "onset_date", "report_date", "age_years", "truth_outbreak",
                "truth_bayes_outbreak"]


def _ages(rng, n, mean, sd, low, high) -> np.ndarray:
    return np.clip(rng.normal(mean, sd, n), low, high).round().astype(int)


def _river(rng, spread: float) -> np.ndarray:
    """A meandering polyline (1,000 points, km) inside the map, at a random place and angle."""
    margin = 2 * spread + 1
    along = np.linspace(-RIVER_LENGTH_KM / 2, RIVER_LENGTH_KM / 2, 1000)
    for _ in range(1000):
        angle = rng.uniform(0, np.pi)
        centre = rng.uniform([margin, margin], [WIDTH_KM - margin, HEIGHT_KM - margin])
        phase = rng.uniform(0, 2 * np.pi)
        across = RIVER_AMPLITUDE_KM * np.sin(2 * np.pi * along / RIVER_WAVELENGTH_KM + phase)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        line = centre + np.column_stack([along, across]) @ rotation.T
        if _inside(line, margin).all():
            return line
    raise ValueError("the river does not fit in the map; use a smaller spread")


def _inside(points: np.ndarray, margin: float = 0.0) -> np.ndarray:
    x, y = points[:, 0], points[:, 1]
    return (x >= margin) & (x <= WIDTH_KM - margin) & (y >= margin) & (y <= HEIGHT_KM - margin)


def _distance_to(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance (km) from each point to the nearest vertex of a densely sampled polyline."""
    return np.sqrt(((points[:, None, :] - line[None, ::5, :]) ** 2).sum(-1)).min(1)


def _centres(rng, spread: float, river: np.ndarray, river_sd: float) -> list[np.ndarray] | None:
    """A centre for each round outbreak, clear of the map's edge, of the river and of each other (or None)."""
    centres: list[tuple[np.ndarray, float]] = []
    for template in OUTBREAKS:
        if template.shape != "round":
            continue
        sd = template.sd_km * spread
        margin = 3 * sd + 0.5
        for _ in range(200):
            centre = rng.uniform([margin, margin], [WIDTH_KM - margin, HEIGHT_KM - margin])
            clear_of_river = _distance_to(centre[None], river)[0] > SEPARATION_SD * (sd + river_sd) + GAP_KM
            clear_of_others = all(np.hypot(*(centre - c)) > SEPARATION_SD * (sd + s) + GAP_KM
                                  for c, s in centres)
            if clear_of_river and clear_of_others:
                centres.append((centre, sd))
                break
        else:
            return None
    return [c for c, _ in centres]


def _layout(rng, spread: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """The river and the round outbreaks' centres, drawn again until they all fit apart."""
    river_sd = next(t.sd_km for t in OUTBREAKS if t.shape == "linear") * spread
    for _ in range(100):
        river = _river(rng, river_sd)
        centres = _centres(rng, spread, river, river_sd)
        if centres is not None:
            return river, centres
    raise ValueError(f"the outbreaks do not fit apart in the map with spread={spread}; use a smaller spread")


def _draw_inside(rng, n: int, draw) -> np.ndarray:
    """``n`` points from ``draw(rng, k)``, redrawing any that fall outside the map."""
    points = draw(rng, n)
    while (outside := ~_inside(points)).any():
        points[outside] = draw(rng, int(outside.sum()))
    return points


def generate(seed: int = 0, n_sporadic: int = 900, outbreak_size: float = 1.0, spread: float = 1.0
             ) -> dict[str, pd.DataFrame]:
    """``cases`` (one row per case, with truth) and ``outbreaks`` (centre and extent of each); see the card.

    ``outbreak_size`` multiplies every outbreak's number of cases, ``spread`` every outbreak's extent.
    """
    if n_sporadic < 0 or outbreak_size <= 0 or not 0.2 <= spread <= 1.5:
        raise ValueError("need n_sporadic >= 0, outbreak_size > 0 and 0.2 <= spread <= 1.5")
    rng = np.random.default_rng(seed)
    river, centres = _layout(rng, spread)
    centres = iter(centres)
    steps = np.hypot(*np.diff(river, axis=0).T)
    arc = np.concatenate([[0], np.cumsum(steps)])
    frames, rows, densities = [], [], []
    for number, template in enumerate(OUTBREAKS, start=1):
        n, sd = max(1, round(template.n_cases * outbreak_size)), template.sd_km * spread
        if template.shape == "round":
            centre = next(centres)
            points = _draw_inside(rng, n, lambda r, k, c=centre, s=sd: r.normal(c, s, (k, 2)))
            length = 0.0

            def density(p, c=centre, s=sd, k=n):
                return k * np.exp(-((p - c) ** 2).sum(1) / (2 * s * s)) / (2 * np.pi * s * s)
        else:
            centre, length = river[len(river) // 2], float(arc[-1])

            def draw(r, k, s=sd):
                at = r.uniform(0, arc[-1], k)
                base = np.column_stack([np.interp(at, arc, river[:, 0]), np.interp(at, arc, river[:, 1])])
                return base + r.normal(0, s, (k, 2))

            points = _draw_inside(rng, n, draw)

            def density(p, s=sd, k=n, total=length):
                d = _distance_to(p, river)
                return k / total * np.exp(-d * d / (2 * s * s)) / (np.sqrt(2 * np.pi) * s)
        densities.append(density)
        start = YEAR + pd.Timedelta(days=int(rng.integers(30, 300)))
        onset = start + pd.to_timedelta(rng.gamma(2.0, template.duration_days / 4, n).round(), unit="D")
        frames.append(pd.DataFrame({
            "x_km": points[:, 0], "y_km": points[:, 1], "onset_date": onset,
            "age_years": _ages(rng, n, template.age_mean, template.age_sd, template.age_min,
                               template.age_max),
            "truth_outbreak": number,
        }))
        rows.append({"outbreak_id": number, "source": template.source, "pattern": template.shape,
                     "centre_x_km": round(float(centre[0]), 3), "centre_y_km": round(float(centre[1]), 3),
                     "sd_km": round(sd, 3), "length_km": round(length, 3), "n_cases": n,
                     "first_onset": onset.min(), "last_onset": onset.max()})
    sporadic = rng.uniform([0, 0], [WIDTH_KM, HEIGHT_KM], (n_sporadic, 2))
    frames.append(pd.DataFrame({
        "x_km": sporadic[:, 0], "y_km": sporadic[:, 1],
        "onset_date": YEAR + pd.to_timedelta(rng.integers(0, 366, n_sporadic), unit="D"),
        "age_years": _ages(rng, n_sporadic, *SPORADIC_AGE), "truth_outbreak": -1,
    }))
    cases = pd.concat(frames, ignore_index=True)
    cases["x_km"], cases["y_km"] = cases["x_km"].round(3), cases["y_km"].round(3)
    cases["report_date"] = cases["onset_date"] + pd.to_timedelta(1 + rng.poisson(3, len(cases)), unit="D")
    where = cases[["x_km", "y_km"]].to_numpy()
    weight = np.column_stack([np.full(len(cases), n_sporadic / (WIDTH_KM * HEIGHT_KM))]
                             + [density(where) for density in densities])
    cases["truth_bayes_outbreak"] = np.where(weight.argmax(1) == 0, -1, weight.argmax(1))
    cases = cases.sample(frac=1, random_state=rng)
    cases = cases.sort_values("report_date", kind="stable", ignore_index=True)
    cases["case_id"] = [f"K{k:05d}" for k in range(1, len(cases) + 1)]
    return {"cases": cases[CASE_COLUMNS], "outbreaks": pd.DataFrame(rows)}


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write ``folder/outbreaks/cases.csv`` and ``outbreaks.csv``."""
    return write_tables(generate(seed), Path(folder) / "outbreaks")


def load() -> dict[str, pd.DataFrame]:
    """The committed map (seed 0): ``cases`` and ``outbreaks``."""
    dates = {"cases": ("onset_date", "report_date"), "outbreaks": ("first_onset", "last_onset")}
    return load_tables("outbreaks", TABLES, dates)


DATASETS = [
    Dataset(
        name="outbreaks",
        kind="synthetic",
        summary="Case locations (km) on a district map: 4 outbreaks of known centre and extent (dense, "
                "diffuse, along a river, tight) over sporadic cases; truth and Bayes-optimal labels.",
        licence="CC0-1.0 (synthetic data, no real patients)",
        returns="dict of DataFrames",
        load=load,
        generate=generate,
        write=write,
        files=committed("outbreaks", TABLES),
    ),
]
