"""Synthetic insurance claims with injected fraud patterns and outliers, each marked in truth columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthpath.data.synthetic.tables import load_tables, write_tables

# Service catalogue (course-made codes): code -> (description, specialty, minutes, standard price USD)
SERVICES = {
    "OV1": ("Office visit, level 1 (minimal)", "general practice", 10, 45.0),
    "OV2": ("Office visit, level 2 (low)", "general practice", 15, 75.0),
    "OV3": ("Office visit, level 3 (moderate)", "general practice", 25, 110.0),
    "OV4": ("Office visit, level 4 (high)", "general practice", 40, 165.0),
    "OV5": ("Office visit, level 5 (comprehensive)", "general practice", 60, 225.0),
    "ECG": ("12-lead electrocardiogram", "cardiology", 10, 60.0),
    "ECHO": ("Transthoracic echocardiogram", "cardiology", 40, 400.0),
    "XR_CHEST": ("Chest X-ray, two views", "radiology", 15, 120.0),
    "MRI_KNEE": ("MRI of the knee", "radiology", 45, 950.0),
    "PT_SESSION": ("Physiotherapy session", "physiotherapy", 45, 95.0),
}
DIAGNOSES = {
    "general practice": ("I10", "E11.9", "J06.9", "M54.5", "J44.9"),
    "cardiology": ("I50.9", "I48.9", "R07.4"),
    "radiology": ("J18.9", "M17.1", "S83.2"),
    "physiotherapy": ("M54.5", "M17.1", "S83.2"),
}
SPECIALTIES = {"general practice": 24, "cardiology": 6, "radiology": 5, "physiotherapy": 5}
YEAR = pd.Timestamp("2023-01-01")
FRAUD = {
    "upcoding_providers": 3,
    "upcoding_share": 0.6,
    "phantom_claims": 40,
    "duplicate_share": 0.015,
    "volume_days": 6,
    "volume_visits_per_day": 45,
    "outlier_share": 0.005,
}
COLUMNS = (
    "claim_id",
    "submitted_date",
    "service_date",
    "provider_id",
    "provider_specialty",
    "member_id",
    "member_age",
    "member_sex",
    "member_date_of_death",
    "service_code",
    "service_description",
    "icd10_code",
    "units",
    "billed_amount_usd",
    "truth_is_fraud",
    "truth_fraud_type",
    "truth_is_outlier",
)


def _members(rng, n: int) -> pd.DataFrame:
    age = np.clip(rng.normal(52, 19, n), 18, 95).astype(int)
    dies = rng.random(n) < 0.01 + 0.04 * (age >= 75)
    death = YEAR + pd.to_timedelta(rng.integers(30, 300, n), unit="D")
    return pd.DataFrame(
        {
            "member_id": [f"M{v:06d}" for v in rng.choice(1_000_000, n, replace=False)],
            "member_age": age,
            "member_sex": rng.choice(["F", "M"], n),
            "member_date_of_death": pd.Series(death).where(dies),
            "severity": rng.beta(2, 5, n) + 0.3 * (age >= 70),
        }
    )


def _claim(rng, provider, specialty, member, day, code=None):
    if code is None:
        if specialty == "general practice":
            level = int(np.clip(round(1 + 4 * member.severity + rng.normal(0, 0.7)), 1, 5))
            code = f"OV{level}"
        else:
            code = str(rng.choice([c for c, s in SERVICES.items() if s[1] == specialty]))
    units = int(rng.integers(1, 4)) if code == "PT_SESSION" else 1
    return {
        "service_date": day,
        "provider_id": provider,
        "provider_specialty": specialty,
        "member_id": member.member_id,
        "member_age": member.member_age,
        "member_sex": member.member_sex,
        "member_date_of_death": member.member_date_of_death,
        "service_code": code,
        "icd10_code": str(rng.choice(DIAGNOSES[specialty])),
        "units": units,
        "truth_fraud_type": None,
    }


def generate(seed: int = 0, n_members: int = 1500, claims_per_member: float = 3.0) -> pd.DataFrame:
    """One row per claim; ``truth_*`` columns mark the injected fraud and outliers (see the card)."""
    rng = np.random.default_rng(seed)
    members = _members(rng, n_members)
    providers = [
        (f"PRV{k:03d}", s)
        for k, s in enumerate((s for s, count in SPECIALTIES.items() for _ in range(count)), start=101)
    ]
    rows = []
    for member in members.itertuples(index=False):
        end = (
            member.member_date_of_death
            if pd.notna(member.member_date_of_death)
            else YEAR + pd.Timedelta(days=364)
        )
        for _ in range(rng.poisson(claims_per_member * (0.5 + member.severity))):
            provider, specialty = providers[int(rng.integers(len(providers)))]
            day = YEAR + pd.Timedelta(days=int(rng.integers(0, (end - YEAR).days + 1)))
            rows.append(_claim(rng, provider, specialty, member, day))
    claims = pd.DataFrame(rows)
    gp = [p for p, s in providers if s == "general practice"]
    upcoders = rng.choice(gp, FRAUD["upcoding_providers"], replace=False)
    visits = claims["provider_id"].isin(upcoders) & claims["service_code"].isin(["OV1", "OV2", "OV3"])
    raised = visits & (rng.random(len(claims)) < FRAUD["upcoding_share"])
    claims.loc[raised, "service_code"] = rng.choice(["OV4", "OV5"], raised.sum())
    claims.loc[raised, "truth_fraud_type"] = "upcoding"
    extra = []
    dead = members[members["member_date_of_death"].notna()]
    for _ in range(FRAUD["phantom_claims"]):  # services billed after the member died
        member = dead.iloc[int(rng.integers(len(dead)))]
        provider, specialty = providers[int(rng.integers(len(providers)))]
        day = member.member_date_of_death + pd.Timedelta(days=int(rng.integers(3, 60)))
        extra.append({**_claim(rng, provider, specialty, member, day), "truth_fraud_type": "phantom_billing"})
    mill = str(rng.choice([p for p in gp if p not in upcoders]))  # one provider with impossible volume
    for offset in rng.choice(364, FRAUD["volume_days"], replace=False):
        day = YEAR + pd.Timedelta(days=int(offset))
        alive = members[~(members["member_date_of_death"] < day)]
        for member in alive.sample(FRAUD["volume_visits_per_day"], random_state=rng).itertuples(index=False):
            extra.append(
                {
                    **_claim(rng, mill, "general practice", member, day, "OV4"),
                    "truth_fraud_type": "impossible_volume",
                }
            )
    claims = pd.concat([claims, pd.DataFrame(extra)], ignore_index=True)
    claims["submitted_date"] = claims["service_date"] + pd.to_timedelta(rng.integers(1, 45, len(claims)), "D")
    dup_rows = rng.choice(len(claims), int(FRAUD["duplicate_share"] * len(claims)), replace=False)
    dups = claims.iloc[dup_rows].copy()
    dups["submitted_date"] += pd.to_timedelta(rng.integers(5, 60, len(dups)), "D")
    dups["truth_fraud_type"] = "duplicate_claim"
    claims = pd.concat([claims, dups], ignore_index=True)
    price = claims["service_code"].map(lambda c: SERVICES[c][3])
    claims["billed_amount_usd"] = (price * claims["units"] * rng.lognormal(0, 0.08, len(claims))).round(2)
    outliers = rng.random(len(claims)) < FRAUD["outlier_share"]
    claims.loc[outliers, "billed_amount_usd"] = (
        claims.loc[outliers, "billed_amount_usd"] * rng.uniform(5, 12, outliers.sum())
    ).round(2)
    claims["truth_is_outlier"] = outliers
    claims["truth_is_fraud"] = claims["truth_fraud_type"].notna()
    claims["service_description"] = claims["service_code"].map(lambda c: SERVICES[c][0])
    claims = claims.sort_values(
        ["submitted_date", "provider_id", "member_id"], kind="stable", ignore_index=True
    )
    claims["claim_id"] = [f"C{k:07d}" for k in range(1, len(claims) + 1)]
    claims["truth_fraud_type"] = claims["truth_fraud_type"].fillna(np.nan)
    return claims[list(COLUMNS)]


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write ``folder/claims/claims.csv``."""
    return write_tables({"claims": generate(seed)}, Path(folder) / "claims")


def load() -> pd.DataFrame:
    """The committed claims (seed 0)."""
    dates = {"claims": ("submitted_date", "service_date", "member_date_of_death")}
    return load_tables("claims", ["claims"], dates)["claims"]
