"""The synthetic omics datasets: gene sequences with variants, and an expression matrix."""

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
