"""Synthetic physiological signals with known ground truth: bedside vital signs.

``vitals`` holds vital-sign series of ward stays, some of which end in a deterioration event preceded
by a gradual physiological drift, with probe-off and spike artefacts, a units slip and missing
readings. The event, drift onset and artefact flags are the ground truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthpath.data.registry import Dataset, verified

N_STAYS = 200
HOURS = 48
STEP_H = 0.25
VITALS = ["heart_rate", "spo2", "resp_rate", "sbp", "dbp", "temperature"]
#            baseline mean, baseline SD, AR(1) noise SD, drift toward deterioration (low, high)
_MODEL = {
    "heart_rate": (80.0, 10.0, 3.0, (20.0, 40.0)),
    "spo2": (96.5, 1.2, 0.6, (-8.0, -3.0)),
    "resp_rate": (16.0, 2.0, 1.0, (6.0, 12.0)),
    "sbp": (125.0, 14.0, 5.0, (-40.0, -20.0)),
    "dbp": (75.0, 9.0, 3.5, (-20.0, -10.0)),
    "temperature": (36.8, 0.3, 0.08, (0.5, 1.8)),
}
_LIMITS = {"heart_rate": (30, 200), "spo2": (70, 100), "resp_rate": (6, 45), "sbp": (60, 220),
           "dbp": (30, 130), "temperature": (34.0, 41.5)}
ARTEFACTS = ("spo2_probe_off", "hr_spike", "temp_fahrenheit")
FILES = ("vitals/vitals.csv", "vitals/stays.csv")


def _stay(rng: np.random.Generator, stay_id: int, patient_id: str, admit: pd.Timestamp) -> tuple:
    """One stay's readings (DataFrame) and its truth row (dict)."""
    event = rng.random() < 0.3
    event_time = float(np.round(rng.uniform(14, HOURS), 2)) if event else np.nan
    onset_time = float(np.round(event_time - rng.uniform(4, 12), 2)) if event else np.nan
    end = event_time if event else HOURS
    time = np.arange(0, end + 1e-9, STEP_H)
    clock = (admit.hour + admit.minute / 60 + time) % 24
    progress = np.clip((time - onset_time) / (event_time - onset_time), 0, 1) ** 1.5 if event else 0 * time
    # a benign episode in some stays without an event (fever or pain that settles): false alarms
    benign = np.zeros_like(time)
    if not event and rng.random() < 0.25:
        start, length = rng.uniform(4, HOURS - 8), rng.uniform(3, 6)
        benign = np.clip(1 - np.abs(time - start - length / 2) / (length / 2), 0, 1)
    frame = {"stay_id": stay_id, "patient_id": patient_id, "time": time,
             "charttime": admit + pd.to_timedelta(time, unit="h")}
    for name, (mean, sd, noise_sd, drift) in _MODEL.items():
        base = rng.normal(mean, sd)
        if name == "spo2":
            base = min(base, 99.0)
        noise = np.zeros_like(time)
        shocks = rng.normal(0, noise_sd * np.sqrt(1 - 0.9**2), len(time))
        for i in range(1, len(time)):  # AR(1): slow wandering around the baseline
            noise[i] = 0.9 * noise[i - 1] + shocks[i]
        circadian = {"heart_rate": 4.0, "temperature": 0.25, "sbp": 5.0}.get(name, 0.0)
        value = base + noise + circadian * np.sin(2 * np.pi * (clock - 10) / 24)
        value += rng.uniform(*drift) * progress
        value += {"heart_rate": 15.0, "temperature": 1.0, "resp_rate": 3.0}.get(name, 0.0) * benign
        frame[name] = np.clip(value, *_LIMITS[name])
    frame = pd.DataFrame(frame)
    artefact = np.full(len(time), "", dtype=object)
    for kind, rate, column, values in (("spo2_probe_off", 0.012, "spo2", (50, 82)),
                                       ("hr_spike", 0.006, "heart_rate", (165, 230)),
                                       ("temp_fahrenheit", 0.003, "temperature", None)):
        hit = (rng.random(len(time)) < rate) & (artefact == "")
        if values is None:  # temperature typed in Fahrenheit
            frame.loc[hit, column] = frame.loc[hit, column] * 9 / 5 + 32
        else:
            frame.loc[hit, column] = rng.uniform(*values, hit.sum())
        artefact[hit] = kind
    for name in VITALS:  # missing readings: skipped at random, blood pressure more often
        missing = rng.random(len(time)) < (0.1 if name in ("sbp", "dbp") else 0.04)
        missing &= ~((artefact != "") & _artefact_column(artefact, name))
        frame.loc[missing, name] = np.nan
    if rng.random() < 0.3:  # off the ward (scan, theatre) for 1-3 hours: nothing recorded
        start = rng.uniform(2, max(end - 4, 2.5))
        away = (time >= start) & (time < start + rng.uniform(1, 3)) & (artefact == "")
        frame.loc[away, VITALS] = np.nan
    frame["artefact"] = artefact
    for name in ("heart_rate", "spo2", "resp_rate", "sbp", "dbp"):
        frame[name] = frame[name].round().astype("Int64")
    frame["temperature"] = frame["temperature"].round(1)
    truth = {"stay_id": stay_id, "patient_id": patient_id, "admit_time": admit,
             "event": int(event), "event_time": event_time, "onset_time": onset_time,
             "benign_episode": int(benign.any())}
    return frame, truth


def _artefact_column(artefact: np.ndarray, name: str) -> np.ndarray:
    """Whether each row's artefact is in vital ``name`` (artefact readings are never blanked)."""
    column = {"spo2_probe_off": "spo2", "hr_spike": "heart_rate", "temp_fahrenheit": "temperature"}
    return np.array([column.get(a) == name for a in artefact])


def generate_vitals(seed: int = 0, n_stays: int = N_STAYS) -> dict:
    """Vital signs every 15 minutes for up to 48 hours of ``n_stays`` ward stays.

    Returns ``{"vitals": DataFrame (long format, one row per stay and time), "stays": DataFrame
    (one row per stay: event, event_time, onset_time in hours since admission)}``. A stay with an
    event ends at the event (transfer to intensive care).
    """
    if n_stays < 1:
        raise ValueError(f"n_stays must be at least 1 (got {n_stays}).")
    rng = np.random.default_rng(seed)
    frames, truths, patient = [], [], 0
    for stay in range(1, n_stays + 1):
        if stay == 1 or rng.random() > 0.15:  # 15% of stays are readmissions of an earlier patient
            patient += 1
            pid = f"V{patient:04d}"
        else:
            pid = f"V{int(rng.integers(1, patient + 1)):04d}"
        admit = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=15 * int(rng.integers(0, 365 * 96)))
        frame, truth = _stay(rng, 1000 + stay, pid, admit)
        frames.append(frame)
        truths.append(truth)
    vitals = pd.concat(frames, ignore_index=True)
    stays = pd.DataFrame(truths)
    return {"vitals": vitals, "stays": stays}


def write_vitals(folder: Path, seed: int = 0) -> list[Path]:
    """Write ``folder/vitals/vitals.csv`` and ``stays.csv``."""
    data = generate_vitals(seed)
    paths = []
    for rel, table in zip(FILES, (data["vitals"], data["stays"])):
        file = Path(folder) / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(file, index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M")
        paths.append(file)
    return paths


def load_vitals() -> dict:
    """The committed vitals (seed 0), verified: the same dict as :func:`generate_vitals`."""
    vitals_file, stays_file = (verified(rel, "vitals") for rel in FILES)
    vitals = pd.read_csv(vitals_file, keep_default_na=False, na_values={v: [""] for v in VITALS},
                         parse_dates=["charttime"], float_precision="round_trip",
                         dtype={v: "Int64" for v in VITALS if v != "temperature"})
    stays = pd.read_csv(stays_file, parse_dates=["admit_time"], float_precision="round_trip")
    return {"vitals": vitals, "stays": stays}


DATASETS = [
    Dataset(
        name="vitals",
        kind="synthetic",
        summary="Ward vital signs every 15 min for 200 stays (48 h), with deterioration events preceded "
                "by physiological drift, artefacts, missing readings and the truth for each.",
        licence="CC0-1.0",
        returns="dict: vitals (long DataFrame), stays (truth DataFrame)",
        load=load_vitals,
        generate=generate_vitals,
        write=write_vitals,
        files=FILES,
    ),
]
