from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from confide.errors import TaxonomyError
from confide.taxonomy import default_taxonomy, load_taxonomy

DATA = Path(__file__).resolve().parents[2] / "confide" / "taxonomy" / "data"


def test_issue_names_are_present() -> None:
    tax = default_taxonomy()
    for sector in (
        "health", "education", "law_enforcement", "labour_inspection", "social_services",
        "housing", "shelter", "humanitarian", "legal_aid", "local_government", "research",
        "immigration_enforcement",
    ):  # fmt: skip
        assert sector in tax.sectors
    for purpose in (
        "care.treatment", "care.emergency", "education.enrolment", "safeguarding.child",
        "criminal_investigation.victim_support", "criminal_investigation.serious_crime",
        "labour.inspection", "legal.advice", "research.statistics", "subject.access",
        "immigration.enforcement", "immigration.status_determination",
    ):  # fmt: skip
        assert purpose in tax.purposes
    assert tax.protected_categories() >= {
        "immigration.status",
        "immigration.nationality",
        "immigration.country_of_birth",
        "immigration.document_number",
    }


def test_parent_names_cover_their_leaves() -> None:
    tax = default_taxonomy()
    assert set(tax.leaves("category", "immigration")) == {
        "immigration.status",
        "immigration.nationality",
        "immigration.country_of_birth",
        "immigration.document_number",
    }
    assert tax.leaves("category", "contact.phone") == ("contact.phone",)
    assert "care" not in tax.leaf_purposes()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_an_unprotected_immigration_category_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    path = data / "categories.yaml"
    text = path.read_text().replace(
        "  - name: immigration.status\n    description: Immigration status, including having none.\n"
        "    protected: true\n",
        "  - name: immigration.status\n    description: Immigration status, including having none.\n",
    )
    assert text != path.read_text()
    path.write_text(text)
    with pytest.raises(TaxonomyError, match=r"immigration\.status.*protected \(I2\)"):
        load_taxonomy(data)


def test_a_name_without_its_parent_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    path = data / "roles.yaml"
    path.write_text(path.read_text() + "  - name: nurse.senior\n    description: x\n")
    with pytest.raises(TaxonomyError, match="needs its parent 'nurse'"):
        load_taxonomy(data)


def test_removing_the_enforcement_sector_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    path = data / "sectors.yaml"
    text = path.read_text()
    cut = text.index("  - name: immigration_enforcement")
    path.write_text(text[:cut])
    with pytest.raises(TaxonomyError, match="immigration_enforcement"):
        load_taxonomy(data)


def test_unknown_keys_in_a_data_file_are_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    path = data / "offences.yaml"
    path.write_text(path.read_text().replace("    serious: true\n", "    serius: true\n", 1))
    with pytest.raises(TaxonomyError, match="malformed"):
        load_taxonomy(data)
