"""Hidden cases: inputs the grader builds outside the sandbox, with labels the kernel never sees.

An assignment declares them in ``source/<assignment>/hidden_cases.py``: a dict ``CASES`` of case
name -> ``build(seed) -> (inputs, truth)``, where ``inputs`` is any picklable value handed to the
kernel (``check.hidden_case(name)`` returns it) and ``truth`` a dict of field -> labels, kept by the
grader for ``rules.metric(..., truth="<name>:<field>")``. Each case's seed is derived from the
course offering's private seed (:func:`offering_seed`), so changing that seed changes every hidden
case and, through :attr:`HiddenCases.digest`, regrades from scratch.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import runpy
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from healthpath import records

log = logging.getLogger(__name__)

DEFINITIONS = "hidden_cases.py"
SEED_FILE = "offering-seed"


class HiddenCaseError(RuntimeError):
    """A hidden case could not be built; the message names the file and the case."""


@dataclass(frozen=True)
class HiddenCases:
    """The hidden cases of one assignment: pickled inputs per case, labels per case and field, and a
    digest of what they were built from (the definitions and the offering's seed)."""

    digest: str
    inputs: dict[str, bytes] = field(default_factory=dict)
    truth: dict[str, dict[str, records.Record]] = field(default_factory=dict)


def offering_seed(course_root: Path) -> str:
    """The course offering's private seed, from ``<course>/offering-seed``; generated (and said
    where) the first time. Never inside source/ or release/, never visible to the sandbox."""
    path = Path(course_root) / SEED_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(16) + "\n", encoding="utf-8")
        path.chmod(0o600)
        message = (f"generated this course offering's private seed in {path}: keep it secret (it decides "
                   "every hidden case) and keep it (changing it regrades every submission from scratch)")
        log.warning(message)
    seed = path.read_text(encoding="utf-8").strip()
    if not seed:
        raise HiddenCaseError(f"{path} is empty; delete it to generate a new seed (every submission is "
                              "then regraded from scratch)")
    return seed


def case_seed(offering: str, assignment: str, name: str) -> int:
    """The seed of one hidden case (a 32-bit int derived from the offering's seed)."""
    return int(hashlib.sha256(f"{offering}/{assignment}/{name}".encode()).hexdigest()[:8], 16)


def build(course_root: Path, assignment_folder: Path) -> HiddenCases:
    """The hidden cases of the assignment in ``assignment_folder`` (none when it has no
    hidden_cases.py), built once per process for a given seed and definitions."""
    definitions = Path(assignment_folder) / DEFINITIONS
    seed = offering_seed(course_root)
    text = definitions.read_bytes() if definitions.exists() else b""
    digest = hashlib.sha256(seed.encode() + b"\0" + text).hexdigest()
    if not text:
        return HiddenCases(digest)
    return _build(str(definitions.resolve()), Path(assignment_folder).name, seed, digest)


@functools.lru_cache(maxsize=8)
def _build(definitions: str, assignment: str, seed: str, digest: str) -> HiddenCases:
    try:
        cases = runpy.run_path(definitions)["CASES"]
    except Exception as error:  # noqa: BLE001 - any failure is the file's to fix
        raise HiddenCaseError(f"{definitions}: could not be loaded ({type(error).__name__}: {error}); it "
                              "must define CASES = {name: build(seed) -> (inputs, truth)}") from error
    found = HiddenCases(digest)
    for name, make in cases.items():
        try:
            inputs, truth = make(case_seed(seed, assignment, name))
            found.inputs[name] = pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)
            found.truth[name] = {str(key): records.encode(value) for key, value in truth.items()}
        except Exception as error:  # noqa: BLE001 - any failure is the case's to fix
            raise HiddenCaseError(f"{definitions}: hidden case {name!r} could not be built "
                                  f"({type(error).__name__}: {error}); it must return (inputs, "
                                  "{field: labels})") from error
    return found

