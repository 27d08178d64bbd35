import json

import pytest

from exsitu.redlist import categorize
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError


def wollemi():
    # Wollemi pine: Red List 2011 CR B1ab(iii)+2ab(iii); NSW: EOO = AOO = 4 km²; < 100 mature trees;
    # threats: Phytophthora root rot brought by visitors, fire (domain case-studies §6). Scores SYNTHETIC.
    result = categorize(eoo_km2=4, aoo_km2=4, locations=1, continuing_decline={"iii"}, mature_individuals=80)
    threats = [
        ThreatImpact("8.1.2", "Ongoing", "Whole (>90%)", "Rapid declines", "Phytophthora cinnamomi"),
        ThreatImpact("7.1", "Future", "Whole", "Very rapid declines", "bushfire"),
        ThreatImpact("6.1", "Ongoing", "Minority", "Slow", "unauthorised visitors"),
        ThreatImpact("5.2", "Past, unlikely to return", "Minority", "Negligible declines", "collecting"),
    ]
    return StatusReview("Wollemia nobilis", "Plant", redlist=result, threats=threats, records_kept=3,
                        wild_population="one grove, no detectable genetic variation",
                        ex_situ_holdings="botanic gardens; 3 translocation sites",
                        knowledge_gaps=["effect of fire on seedlings", " pathogen spread "])


def test_fields_filled_from_the_redlist_result():
    review = wollemi()
    assert review.category == "CR" and review.criteria == "B1ab(iii)+2ab(iii)"
    assert (review.eoo_km2, review.aoo_km2, review.mature_individuals) == (4.0, 4.0, 80.0)
    assert review.taxon_group == "plant"
    assert review.knowledge_gaps == ("effect of fire on seedlings", "pathogen spread")
    assert review.is_threatened and not review.category_differs_from_evidence
    assert review.summary() == "Wollemia nobilis (plant): CR B1ab(iii)+2ab(iii); 2 major threats (8.1.2, 7.1)"


def test_major_threats_are_high_and_medium_highest_first():
    review = wollemi()
    major = review.major_threats()
    assert [(t.code, t.impact, t.score) for t in major] == [("8.1.2", "High", 8), ("7.1", "Medium", 7)]
    table = review.threats_table()
    assert list(table["code"]) == ["8.1.2", "7.1", "6.1", "5.2"]
    assert list(table["impact"]) == ["High", "Medium", "Low", "Past"]


def test_round_trip_is_lossless_through_json():
    review = wollemi()
    data = json.loads(json.dumps(review.to_dict()))
    assert StatusReview.from_dict(data) == review
    assert set(data) >= {"taxon", "taxon_group", "category", "criteria", "threats", "eoo_km2", "aoo_km2",
                         "mature_individuals", "ex_situ_holdings", "knowledge_gaps", "notes"}
    bare = StatusReview("Partula affinis", "invertebrate", category="EW", ex_situ_holdings="zoo populations")
    assert StatusReview.from_dict(json.loads(json.dumps(bare.to_dict()))) == bare
    assert bare.redlist is None and bare.major_threats() == [] and not bare.is_threatened


def test_category_may_differ_from_the_evidence_five_year_rule():
    # California condor: meets EN thresholds but stays CR (BirdLife 2020 assessment, five-year rule).
    result = categorize(mature_individuals=93)
    assert result.category == "EN"
    review = StatusReview("Gymnogyps californianus", "bird", category="CR", criteria="C2a(i); D", redlist=result)
    assert review.category == "CR" and review.criteria == "C2a(i); D"
    assert review.category_differs_from_evidence
    no_criteria = StatusReview("Gymnogyps californianus", category="cr", redlist=result)
    assert no_criteria.category == "CR" and no_criteria.criteria == ""   # EN's criteria would not fit CR


def test_defaults():
    review = StatusReview("Some fungus")
    assert review.category == "NE" and review.criteria == "" and review.threats == ()
    assert review.summary() == "Some fungus: NE; 0 major threats"
    one_threat = StatusReview("x", threats=ThreatImpact("2.1", "ongoing", "whole", "rapid"), knowledge_gaps="gap")
    assert len(one_threat.threats) == 1 and one_threat.knowledge_gaps == ("gap",)


@pytest.mark.parametrize("kwargs, field", [
    ({"taxon": ""}, "taxon"),
    ({"taxon": "x", "category": "XX"}, "category"),
    ({"taxon": "x", "redlist": {"category": "CR"}}, "redlist"),
    ({"taxon": "x", "threats": ["8.1"]}, r"threats\[0\]"),
    ({"taxon": "x", "threats": "8.1"}, "threats"),
    ({"taxon": "x", "eoo_km2": -4}, "eoo_km2"),
    ({"taxon": "x", "aoo_km2": "lots"}, "aoo_km2"),
    ({"taxon": "x", "records_kept": 2.5}, "records_kept"),
    ({"taxon": "x", "mature_individuals": -1}, "mature_individuals"),
    ({"taxon": "x", "knowledge_gaps": ["ok", ""]}, r"knowledge_gaps\[1\]"),
    ({"taxon": "x", "knowledge_gaps": 5}, "knowledge_gaps"),
    ({"taxon": "x", "ex_situ_holdings": 3}, "ex_situ_holdings"),
    ({"taxon": "x", "taxon_group": ["plant"]}, "taxon_group"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        StatusReview(**kwargs)


def test_from_dict_rejects_unknown_or_missing_fields():
    data = wollemi().to_dict()
    with pytest.raises(InvalidInputError, match="^colour: "):
        StatusReview.from_dict(dict(data, colour="green"))
    data.pop("taxon")
    with pytest.raises(InvalidInputError, match="^taxon: "):
        StatusReview.from_dict(data)
    with pytest.raises(InvalidInputError, match="^status_review: "):
        StatusReview.from_dict([1, 2])
    with pytest.raises(InvalidInputError, match="^timing: "):
        StatusReview.from_dict({"taxon": "x", "threats": [{"code": "2.1", "timing": "soon", "scope": "whole",
                                                            "severity": "rapid"}]})
