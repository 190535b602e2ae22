"""The course's health datasets, loaded the same way in every notebook.

>>> from healthpath import data
>>> data.catalog()                      # every dataset: name, kind, summary, licence
>>> df = data.load("breast_cancer")     # a real, offline dataset
>>> cohort = data.generate("ehr", seed=7, n_patients=200)   # a fresh synthetic cohort

Every file is verified against ``datasets/SHA256SUMS`` before it is read.
"""

from healthpath.data.registry import (
    ChecksumError,
    DatasetError,
    UnknownDatasetError,
    card,
    catalog,
    generate,
    load,
    names,
    path,
)

__all__ = [
    "ChecksumError",
    "DatasetError",
    "UnknownDatasetError",
    "card",
    "catalog",
    "generate",
    "load",
    "names",
    "path",
]
