"""The synthetic omics datasets: gene sequences with variants, and an expression matrix."""

import numpy as np
import pandas as pd
import pytest
from Bio import SeqIO
from Bio.Seq import Seq

from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import omics


@pytest.fixture(scope="module")
def seqs():
    return omics.load_sequences()


def apply_variant(seq: str, position: int, ref: str, alt: str) -> str:
    assert seq[position - 1:position - 1 + len(ref)] == ref
    return seq[:position - 1] + alt + seq[position - 1 + len(ref):]


def test_sequences_regenerate_byte_for_byte(tmp_path):
    written = omics.write_sequences(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == list(omics.SEQUENCE_FILES)
    for p in written:
        assert p.read_bytes() == (datasets_dir() / p.relative_to(tmp_path)).read_bytes(), p.name


def test_sequences_deterministic_by_seed():
    a, b = omics.generate_sequences(7, 12), omics.generate_sequences(7, 12)
    c = omics.generate_sequences(8, 12)
    assert str(a["reference"].seq) == str(b["reference"].seq) != str(c["reference"].seq)
    pd.testing.assert_frame_equal(a["variants"], b["variants"])
    assert [str(r.seq) for r in a["patients"]] == [str(r.seq) for r in b["patients"]]
    with pytest.raises(ValueError, match="n_patients"):
        omics.generate_sequences(0, 0)


def test_genbank_features_describe_the_reference(seqs):
    gb = seqs["genbank"]
    assert str(gb.seq) == str(seqs["reference"].seq)
    cds = next(f for f in gb.features if f.type == "CDS")
    coding = cds.extract(gb.seq)
    assert coding[:3] == "ATG" and str(coding[-3:]) in ("TAA", "TAG", "TGA") and len(coding) % 3 == 0
    protein = coding.translate(to_stop=True)
    assert len(protein) == len(coding) // 3 - 1  # no premature stop
    assert cds.qualifiers["translation"] == [str(protein)]
    assert cds.qualifiers["gene"] == [omics.GENE]
    assert {f.type for f in gb.features} >= {"source", "gene", "CDS", "5'UTR", "3'UTR"}


@pytest.mark.parametrize("source", ["committed", "seed 11"])
def test_patient_sequences_carry_exactly_the_listed_variants(source, seqs):
    data = seqs if source == "committed" else omics.generate_sequences(11, 25)
    ref = str(data["reference"].seq)
    table = data["variants"]
    assert set(table["consequence"]) == set(omics.CONSEQUENCES)
    cds_start = next(f for f in data["genbank"].features if f.type == "CDS").location.start
    for record in data["patients"]:
        own = table[table["patient"] == record.id].sort_values("position", ascending=False)
        expected = ref
        for v in own.itertuples():
            expected = apply_variant(expected, v.position, v.ref, v.alt)
        assert str(record.seq) == expected, record.id
        for v in own.itertuples():
            codon_start = cds_start + 3 * (v.codon - 1)
            ref_codon = Seq(ref[codon_start:codon_start + 3])
            assert str(ref_codon) == v.ref_codon
            if v.consequence == "frameshift":
                assert abs(len(v.alt) - len(v.ref)) % 3 != 0
                continue
            alt_codon = Seq(apply_variant(ref, v.position, v.ref, v.alt)[codon_start:codon_start + 3])
            assert str(alt_codon) == v.alt_codon
            ref_aa, alt_aa = str(ref_codon.translate()), str(alt_codon.translate())
            kind = "nonsense" if alt_aa == "*" else "synonymous" if alt_aa == ref_aa else "missense"
            assert kind == v.consequence, (record.id, v.position)
    assert str(data["patients"][0].seq) == ref  # P001 is the wild-type control


def test_files_parse_with_biopython(seqs):
    folder = datasets_dir() / "sequences"
    patients = list(SeqIO.parse(folder / "patients.fasta", "fasta"))
    assert [r.id for r in patients] == [r.id for r in seqs["patients"]] == [f"P{i:03d}" for i in range(1, 11)]
    reference = seqs["reference"].seq[omics.UTR5_LEN:].translate(to_stop=True)
    truncating = seqs["variants"].query("consequence in ['nonsense', 'frameshift']")
    for v in truncating.itertuples():
        coding = next(r for r in patients if r.id == v.patient).seq[omics.UTR5_LEN:]
        protein = coding[: len(coding) // 3 * 3].translate(to_stop=True)
        if v.consequence == "nonsense":
            assert len(protein) == v.codon - 1, v.patient
        else:  # upstream SNVs are synonymous or missense: the protein changes from the frameshift on
            assert len(protein) >= v.codon - 1, v.patient
            assert protein[v.codon - 1:] != reference[v.codon - 1:], v.patient


@pytest.fixture(scope="module")
def expression():
    return omics.generate_expression(0)


def test_expression_regenerates_and_loads(expression, tmp_path):
    for p in omics.write_expression(tmp_path):
        assert p.read_bytes() == (datasets_dir() / p.relative_to(tmp_path)).read_bytes(), p.name
    loaded = omics.load_expression()
    for key in ("expression", "samples", "genes"):
        pd.testing.assert_frame_equal(loaded[key], expression[key])


def test_expression_shape_truth_and_determinism(expression):
    x, samples, genes = expression["expression"], expression["samples"], expression["genes"]
    assert x.shape == (omics.N_SAMPLES, omics.N_GENES) and x.index.name == "sample_id"
    assert list(x.columns) == list(genes["gene"]) and list(x.index) == list(samples["sample_id"])
    assert sorted(samples["subtype"].unique()) == [1, 2, 3, 4]
    assert (genes["module"].value_counts().drop(0) == omics.MODULE_SIZE).all()
    assert samples["outlier"].sum() == omics.N_SAMPLES // 50
    again = omics.generate_expression(0, n_samples=40)
    same = omics.generate_expression(0, n_samples=40)
    pd.testing.assert_frame_equal(again["expression"], same["expression"])
    assert not again["expression"].equals(omics.generate_expression(1, n_samples=40)["expression"])
    with pytest.raises(ValueError, match="n_samples"):
        omics.generate_expression(0, n_samples=2)


def test_modules_carry_the_subtypes(expression):
    x, samples, genes = expression["expression"], expression["samples"], expression["genes"]
    clean = samples["outlier"].to_numpy() == 0
    for k in range(1, 5):
        module = genes.loc[genes["module"] == k]
        inside = x.loc[clean & (samples["subtype"] == k).to_numpy(), module["gene"]].mean()
        rest = x.loc[clean & (samples["subtype"] != k).to_numpy(), module["gene"]].mean()
        observed = (inside - rest).to_numpy()
        assert np.corrcoef(observed, module["effect"])[0, 1] > 0.8


def test_outliers_stand_out_and_bayes_rule_is_near_perfect(expression):
    from sklearn.metrics import adjusted_rand_score

    x, samples = expression["expression"], expression["samples"]
    centred = x - x.median()
    distance = np.sqrt((centred**2).sum(axis=1)).to_numpy()
    top = np.argsort(distance)[-samples["outlier"].sum():]
    assert samples["outlier"].to_numpy()[top].all()
    assert adjusted_rand_score(samples["subtype"], omics.bayes_subtypes(expression)) > 0.97
