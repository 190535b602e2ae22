"""Synthetic omics data with known ground truth: gene sequences with variants, and an expression matrix.

``sequences`` is a synthetic gene (FASTA and GenBank) plus patient sequences carrying known single
nucleotide variants and indels, for Biopython lessons. ``expression`` is a gene-expression matrix with
hidden patient subtypes, a batch effect and outlier samples, for unsupervised learning.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from Bio import SeqIO
from Bio.Data import CodonTable
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from Bio.SeqUtils import seq3

from healthpath.data.registry import Dataset, verified

# --------------------------------------------------------------------------------------------
# sequences
# --------------------------------------------------------------------------------------------

GENE = "HPG1"
UTR5_LEN, N_CODONS, UTR3_LEN = 60, 200, 90  # N_CODONS includes the start and the stop codon
CONSEQUENCES = ("synonymous", "missense", "nonsense", "frameshift")
_TABLE = CodonTable.unambiguous_dna_by_id[1]
_SENSE = sorted(_TABLE.forward_table)
_BASES = "ACGT"
SEQUENCE_FILES = ("sequences/reference.fasta", "sequences/patients.fasta", "sequences/gene.gb",
                  "sequences/variants.csv")
VARIANT_COLUMNS = ["patient", "position", "ref", "alt", "consequence", "codon", "ref_codon", "alt_codon",
                   "protein_change"]


def _reference(rng: np.random.Generator) -> str:
    """A gene-like sequence: 5' UTR with a Kozak context, an ORF of sense codons, a stop, a 3' UTR."""
    utr5 = "".join(rng.choice(list(_BASES), UTR5_LEN - 6)) + "GCCACC"
    body = "".join(rng.choice(_SENSE, N_CODONS - 2))
    utr3 = "".join(rng.choice(list(_BASES), UTR3_LEN))
    return utr5 + "ATG" + body + str(rng.choice(_TABLE.stop_codons)) + utr3


def _aa(codon: str) -> str:
    return "*" if codon in _TABLE.stop_codons else _TABLE.forward_table[codon]


def _snv(rng: np.random.Generator, ref: str, codon: int, kind: str) -> dict | None:
    """A random SNV of the given kind in 1-based ``codon`` of the CDS, or None if that codon has none."""
    start = UTR5_LEN + 3 * (codon - 1)
    ref_codon = ref[start:start + 3]
    options = []
    for offset in range(3):
        for base in _BASES:
            if base == ref_codon[offset]:
                continue
            alt_codon = ref_codon[:offset] + base + ref_codon[offset + 1:]
            ref_aa, alt_aa = _aa(ref_codon), _aa(alt_codon)
            got = ("nonsense" if alt_aa == "*" else "synonymous" if alt_aa == ref_aa else "missense")
            if got == kind:
                options.append((offset, base, alt_codon, ref_aa, alt_aa))
    if not options:
        return None
    offset, base, alt_codon, ref_aa, alt_aa = options[rng.integers(len(options))]
    change = f"p.{seq3(ref_aa)}{codon}{'=' if kind == 'synonymous' else seq3(alt_aa)}"
    return {"position": start + offset + 1, "ref": ref_codon[offset], "alt": base, "consequence": kind,
            "codon": codon, "ref_codon": ref_codon, "alt_codon": alt_codon, "protein_change": change}


def _frameshift(rng: np.random.Generator, ref: str, codon: int) -> dict | None:
    """A 1-base deletion or insertion inside ``codon``, VCF-style with the preceding base as anchor.

    None when the draw would be ambiguous (next to an identical base, so not left-aligned).
    """
    start = UTR5_LEN + 3 * (codon - 1)
    pos = start + int(rng.integers(0, 2))  # 0-based index of the anchor base, inside the codon
    ref_codon = ref[start:start + 3]
    if rng.random() < 0.5:
        ref_allele, alt_allele = ref[pos:pos + 2], ref[pos]
        if ref_allele[0] == ref_allele[1]:
            return None
    else:
        ref_allele = ref[pos]
        alt_allele = ref_allele + str(rng.choice(list(_BASES)))
        if alt_allele[1] in (ref[pos], ref[pos + 1]):
            return None
    return {"position": pos + 1, "ref": ref_allele, "alt": alt_allele, "consequence": "frameshift",
            "codon": codon, "ref_codon": ref_codon, "alt_codon": "",
            "protein_change": f"p.{seq3(_aa(ref_codon))}{codon}fs"}


def _apply(ref: str, variants: list[dict]) -> str:
    """The sequence ``ref`` with VCF-style ``variants`` applied (from the 3' end so positions hold)."""
    seq = ref
    for v in sorted(variants, key=lambda v: -v["position"]):
        i = v["position"] - 1
        if seq[i:i + len(v["ref"])] != v["ref"]:
            raise ValueError(f"variant at {v['position']} does not match the reference")
        seq = seq[:i] + v["alt"] + seq[i + len(v["ref"]):]
    return seq


def _genbank_record(ref: str) -> SeqRecord:
    cds_start, cds_end = UTR5_LEN, UTR5_LEN + 3 * N_CODONS
    protein = str(Seq(ref[cds_start:cds_end]).translate(to_stop=True))
    record = SeqRecord(Seq(ref), id="HP000001.1", name="HP000001",
                       description=f"Synthetic construct {GENE} gene, complete cds")
    record.annotations.update({
        "molecule_type": "DNA", "topology": "linear", "data_file_division": "SYN",
        "date": "15-MAR-2024", "accessions": ["HP000001"], "sequence_version": 1,
        "source": "synthetic construct", "organism": "synthetic construct",
        "taxonomy": ["other sequences", "artificial sequences"],
    })
    record.features = [
        SeqFeature(FeatureLocation(0, len(ref), strand=1), type="source",
                   qualifiers={"organism": ["synthetic construct"], "mol_type": ["other DNA"]}),
        SeqFeature(FeatureLocation(0, len(ref), strand=1), type="gene", qualifiers={"gene": [GENE]}),
        SeqFeature(FeatureLocation(0, cds_start, strand=1), type="5'UTR", qualifiers={"gene": [GENE]}),
        SeqFeature(FeatureLocation(cds_start, cds_end, strand=1), type="CDS", qualifiers={
            "gene": [GENE], "codon_start": ["1"], "transl_table": ["1"],
            "product": [f"{GENE} teaching protein"], "protein_id": ["HPP00001.1"],
            "translation": [protein]}),
        SeqFeature(FeatureLocation(cds_end, len(ref), strand=1), type="3'UTR", qualifiers={"gene": [GENE]}),
    ]
    return record


def generate_sequences(seed: int = 0, n_patients: int = 10) -> dict:
    """A synthetic gene and ``n_patients`` patient sequences with known variants.

    Returns ``{"reference": SeqRecord, "patients": [SeqRecord], "genbank": SeqRecord,
    "variants": DataFrame}``; variant positions are 1-based on the reference, indels VCF-style.
    With at least 5 patients, every consequence in ``CONSEQUENCES`` occurs; patient 1 has none.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients must be at least 1 (got {n_patients}).")
    rng = np.random.default_rng(seed)
    ref = _reference(rng)
    reference = SeqRecord(Seq(ref), id=f"{GENE}_REF", description=f"{GENE} reference sequence (synthetic)")
    patients, rows = [], []
    for i in range(n_patients):
        pid = f"P{i + 1:03d}"
        if i == 0:
            kinds = []
        else:
            kinds = [str(k) for k in rng.choice(["synonymous", "missense"], size=int(rng.integers(0, 3)))]
            last = CONSEQUENCES[i - 1] if i <= len(CONSEQUENCES) else rng.choice(CONSEQUENCES)
            kinds.append(str(last))
        # distinct codons; SNVs in the first half of the CDS, a truncating variant in the second half
        used, variants = set(), []
        for kind in kinds:
            snv = kind in ("synonymous", "missense")
            low, high = (2, N_CODONS // 2) if snv else (N_CODONS // 2, N_CODONS)
            v = None
            while v is None:  # some codons have no variant of a kind (ATG, TGG: no synonymous SNV)
                codon = int(rng.integers(low, high))
                if codon not in used:
                    v = _frameshift(rng, ref, codon) if kind == "frameshift" else _snv(rng, ref, codon, kind)
            used.add(codon)
            variants.append(v)
        variants.sort(key=lambda v: v["position"])
        rows.extend({"patient": pid, **v} for v in variants)
        patients.append(SeqRecord(Seq(_apply(ref, variants)), id=pid,
                                  description=f"{GENE} sequence of patient {pid} (synthetic)"))
    table = pd.DataFrame(rows, columns=VARIANT_COLUMNS).astype({"position": "int64", "codon": "int64"})
    return {"reference": reference, "patients": patients, "genbank": _genbank_record(ref),
            "variants": table.reset_index(drop=True)}


def _as_text(records, fmt: str) -> str:
    handle = io.StringIO()
    SeqIO.write(records, handle, fmt)
    return handle.getvalue()


def write_sequences(folder: Path, seed: int = 0) -> list[Path]:
    """Write reference.fasta, patients.fasta, gene.gb and variants.csv under ``folder/sequences``."""
    data = generate_sequences(seed)
    out = Path(folder) / "sequences"
    out.mkdir(parents=True, exist_ok=True)
    texts = {
        "reference.fasta": _as_text([data["reference"]], "fasta"),
        "patients.fasta": _as_text(data["patients"], "fasta"),
        "gene.gb": _as_text([data["genbank"]], "genbank"),
        "variants.csv": data["variants"].to_csv(index=False, lineterminator="\n"),
    }
    paths = []
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
        paths.append(out / name)
    return paths


def load_sequences() -> dict:
    """The committed sequences (seed 0), verified: the same dict as :func:`generate_sequences`."""
    ref_file, patients_file, gb_file, variants_file = (verified(rel, "sequences") for rel in SEQUENCE_FILES)
    return {
        "reference": SeqIO.read(ref_file, "fasta"),
        "patients": list(SeqIO.parse(patients_file, "fasta")),
        "genbank": SeqIO.read(gb_file, "genbank"),
        "variants": pd.read_csv(variants_file, dtype={"alt_codon": str}, keep_default_na=False),
    }


# --------------------------------------------------------------------------------------------
# expression
# --------------------------------------------------------------------------------------------

N_SAMPLES, N_GENES, MODULE_SIZE = 300, 500, 25
SUBTYPE_SHARES = (0.35, 0.3, 0.2, 0.15)
BATCHES = ("A", "B", "C")
EXPRESSION_FILES = ("expression/expression.csv", "expression/samples.csv", "expression/genes.csv")


def generate_expression(seed: int = 0, n_samples: int = N_SAMPLES) -> dict:
    """A log2 expression matrix with hidden subtypes, a batch effect and outliers.

    Returns ``{"expression": DataFrame (samples x genes, index sample_id), "samples": DataFrame
    (batch, and the truth: subtype, outlier), "genes": DataFrame (module, effect, mean, sd and the
    shift of each batch)}``. Subtype k (1-4) raises or lowers the 25 genes of module k.
    """
    if n_samples < len(SUBTYPE_SHARES):
        raise ValueError(f"n_samples must be at least {len(SUBTYPE_SHARES)} (got {n_samples}).")
    rng = np.random.default_rng(seed)
    genes = pd.DataFrame({"gene": [f"G{g + 1:03d}" for g in range(N_GENES)]})
    order = rng.permutation(N_GENES)
    genes["module"] = 0
    for k in range(len(SUBTYPE_SHARES)):
        genes.loc[order[k * MODULE_SIZE:(k + 1) * MODULE_SIZE], "module"] = k + 1
    sign = rng.choice([-1.0, 1.0], N_GENES, p=[0.3, 0.7])
    genes["effect"] = np.where(genes["module"] > 0, sign * rng.uniform(0.8, 1.6, N_GENES), 0.0)
    genes["mean"] = rng.uniform(4, 12, N_GENES)
    genes["sd"] = rng.uniform(0.3, 0.8, N_GENES)
    for b in BATCHES:
        genes[f"batch_{b}"] = 0.0 if b == "A" else rng.normal(0, 0.5, N_GENES)
    genes = genes.round(3)
    subtype = rng.choice(np.arange(1, len(SUBTYPE_SHARES) + 1), n_samples, p=SUBTYPE_SHARES)
    # batch is mildly associated with subtype (sites see different case mixes)
    batch_p = np.array([[0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.3, 0.3, 0.4], [0.2, 0.3, 0.5]])
    batch = np.array([rng.choice(BATCHES, p=batch_p[k - 1]) for k in subtype])
    x = genes["mean"].to_numpy() + rng.normal(size=(n_samples, N_GENES)) * genes["sd"].to_numpy()
    modules = genes["module"].to_numpy()
    x += (subtype[:, None] == modules[None, :]) * genes["effect"].to_numpy()
    x += np.stack([genes[f"batch_{b}"].to_numpy() for b in batch])
    outlier = np.zeros(n_samples, dtype=int)
    outlier[rng.choice(n_samples, max(1, n_samples // 50), replace=False)] = 1
    for i in np.flatnonzero(outlier):  # degraded RNA: many genes drop, extra noise
        hit = rng.random(N_GENES) < 0.4
        x[i] += hit * rng.uniform(-3, -1.5) + rng.normal(0, 1.0, N_GENES)
    ids = [f"S{i + 1:03d}" for i in range(n_samples)]
    expression = pd.DataFrame(np.round(x, 3), index=pd.Index(ids, name="sample_id"), columns=genes["gene"])
    expression.columns.name = None
    samples = pd.DataFrame({"sample_id": ids, "batch": batch, "subtype": subtype, "outlier": outlier})
    return {"expression": expression, "samples": samples, "genes": genes}


def bayes_subtypes(data: dict) -> np.ndarray:
    """The most probable subtype of each sample given the true model (genes table) and its batch.

    Its agreement with the true subtypes is the best any clustering can achieve on this data.
    """
    genes = data["genes"].set_index("gene")
    x = data["expression"].to_numpy()
    batch = data["samples"]["batch"].to_numpy()
    z = x - genes["mean"].to_numpy() - np.stack([genes[f"batch_{b}"].to_numpy() for b in batch])
    sd, effect, module = genes["sd"].to_numpy(), genes["effect"].to_numpy(), genes["module"].to_numpy()
    scores = []
    for k, share in enumerate(SUBTYPE_SHARES, start=1):
        shift = (module == k) * effect
        scores.append(np.log(share) - (((z - shift) / sd) ** 2).sum(axis=1) / 2)
    return np.argmax(np.stack(scores, axis=1), axis=1) + 1


def write_expression(folder: Path, seed: int = 0) -> list[Path]:
    """Write expression.csv, samples.csv and genes.csv under ``folder/expression``."""
    data = generate_expression(seed)
    paths = [Path(folder) / rel for rel in EXPRESSION_FILES]
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    data["expression"].to_csv(paths[0], lineterminator="\n")
    data["samples"].to_csv(paths[1], index=False, lineterminator="\n")
    data["genes"].to_csv(paths[2], index=False, lineterminator="\n")
    return paths


def load_expression() -> dict:
    """The committed expression data (seed 0), verified: the same dict as :func:`generate_expression`."""
    expression_file, samples_file, genes_file = (verified(rel, "expression") for rel in EXPRESSION_FILES)
    return {
        "expression": pd.read_csv(expression_file, index_col="sample_id", float_precision="round_trip"),
        "samples": pd.read_csv(samples_file),
        "genes": pd.read_csv(genes_file, float_precision="round_trip"),
    }


DATASETS = [
    Dataset(
        name="sequences",
        kind="synthetic",
        summary=f"A synthetic gene ({GENE}) as FASTA and GenBank, and 10 patient sequences with known "
                "synonymous, missense, nonsense and frameshift variants.",
        licence="CC0-1.0",
        returns="dict: reference, patients, genbank (SeqRecords), variants (DataFrame)",
        load=load_sequences,
        generate=generate_sequences,
        write=write_sequences,
        files=SEQUENCE_FILES,
    ),
    Dataset(
        name="expression",
        kind="synthetic",
        summary="Gene expression (log2) of 300 patients x 500 genes with 4 hidden subtypes driven by gene "
                "modules, a 3-site batch effect and degraded outlier samples; truth for each.",
        licence="CC0-1.0",
        returns="dict: expression (samples x genes DataFrame), samples, genes (DataFrames)",
        load=load_expression,
        generate=generate_expression,
        write=write_expression,
        files=EXPRESSION_FILES,
    ),
]
