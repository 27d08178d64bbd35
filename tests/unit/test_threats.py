import itertools
import json

import pandas as pd
import pytest

from exsitu.threats import (
    IMPACTS, SCOPES, SEVERITIES, TIMINGS, ThreatImpact, impact_from_score, impact_score, major_threats,
    threat_classification, threat_name, threats_table, validate_threat_code,
)
from exsitu.validation import InvalidInputError

# A literal copy of the table in the course's domain notes (redlist-threats.md §3), kept here so that the
# test does not depend on files outside the repository.
DOMAIN_TABLE = """
| 1 | Residential & commercial development | 1.1 Housing & urban areas; 1.2 Commercial & industrial areas; 1.3 Tourism & recreation areas |
| 2 | Agriculture & aquaculture | 2.1 Annual & perennial non-timber crops; 2.2 Wood & pulp plantations; 2.3 Livestock farming & ranching; 2.4 Marine & freshwater aquaculture |
| 3 | Energy production & mining | 3.1 Oil & gas drilling; 3.2 Mining & quarrying; 3.3 Renewable energy |
| 4 | Transportation & service corridors | 4.1 Roads & railroads; 4.2 Utility & service lines; 4.3 Shipping lanes; 4.4 Flight paths |
| 5 | Biological resource use | 5.1 Hunting & collecting terrestrial animals; 5.2 Gathering terrestrial plants; 5.3 Logging & wood harvesting; 5.4 Fishing & harvesting aquatic resources |
| 6 | Human intrusions & disturbance | 6.1 Recreational activities; 6.2 War, civil unrest & military exercises; 6.3 Work & other activities |
| 7 | Natural system modifications | 7.1 Fire & fire suppression; 7.2 Dams & water management/use; 7.3 Other ecosystem modifications |
| 8 | Invasive & other problematic species, genes & diseases | 8.1 Invasive non-native/alien species/diseases; 8.2 Problematic native species/diseases; 8.3 Introduced genetic material; 8.4 Problematic species/diseases of unknown origin; 8.5 Viral/prion-induced diseases; 8.6 Diseases of unknown cause |
| 9 | Pollution | 9.1 Domestic & urban waste water; 9.2 Industrial & military effluents; 9.3 Agricultural & forestry effluents; 9.4 Garbage & solid waste; 9.5 Air-borne pollutants; 9.6 Excess energy |
| 10 | Geological events | 10.1 Volcanoes; 10.2 Earthquakes/tsunamis; 10.3 Avalanches/landslides |
| 11 | Climate change & severe weather | 11.1 Habitat shifting & alteration; 11.2 Droughts; 11.3 Temperature extremes; 11.4 Storms & flooding; 11.5 Other impacts |
| 12 | Other options | 12.1 Other threat |
"""


def domain_codes():
    codes = {}
    for line in DOMAIN_TABLE.strip().splitlines():
        _, code, name, children, _ = (cell.strip() for cell in line.split("|"))
        codes[code] = (1, name, None)
        for child in children.split("; "):
            child_code, child_name = child.split(" ", 1)
            codes[child_code] = (2, child_name, code)
    return codes


def test_every_level_1_and_level_2_code_is_present_with_its_domain_name():
    expected = domain_codes()
    table = threat_classification()
    assert len(expected) == 57
    got = {row.code: (row.level, row.name, None if pd.isna(row.parent) else row.parent)
           for row in table.itertuples()}
    assert got == expected
    assert (table["level"] == 1).sum() == 12
    assert list(table.columns) == ["code", "level", "name", "parent"]
    assert "3.3" in table.attrs["version"] and "Threats Classification Scheme" in table.attrs["source"]
    for code, (_, name, _) in expected.items():
        assert threat_name(code) == name


def test_classification_is_in_natural_code_order_and_levels_option():
    codes = list(threat_classification()["code"])
    assert codes.index("2") < codes.index("10") and codes.index("1.3") < codes.index("2")
    assert list(threat_classification(levels=1)["code"]) == [str(i) for i in range(1, 13)]
    level3 = threat_classification(levels=3)
    assert {"8.1.1", "8.1.2", "8.4.2", "8.5.1"} <= set(level3["code"])
    assert "note" in level3.columns
    assert level3.set_index("code").loc["8.2.1", "note"].startswith("assumed")
    assert threat_name("8.1.2") == "Named species"
    with pytest.raises(InvalidInputError, match="^levels: "):
        threat_classification(levels=4)


@pytest.mark.parametrize("code, text", [(5, "5"), (2.1, "2.1"), (10.1, "10.1"), (" 4.1 ", "4.1"), (1.0, "1")])
def test_codes_given_as_numbers_or_padded_text(code, text):
    assert validate_threat_code(code) == text


@pytest.mark.parametrize("bad, suggestion", [
    ("2.5", "2.4 Marine & freshwater aquaculture"),
    ("13", "Energy production"),
    ("1.1.1", "1.1 Housing & urban areas"),
    ("8.3.1", "8.3 Introduced genetic material"),
    ("roads", "4.1 Roads & railroads"),
    ("fire", "7.1 Fire & fire suppression"),
])
def test_unknown_codes_raise_naming_the_field_and_nearest_codes(bad, suggestion):
    with pytest.raises(InvalidInputError, match="^code: ") as error:
        validate_threat_code(bad)
    assert suggestion in str(error.value)
    with pytest.raises(InvalidInputError, match="^code: "):
        ThreatImpact(bad, "Ongoing", "Whole (>90%)", "Rapid declines")


@pytest.mark.parametrize("bad", [None, True, ["2.1"]])
def test_codes_of_the_wrong_type(bad):
    with pytest.raises(InvalidInputError, match="^code: "):
        threat_name(bad)


# The domain's five test cases.
@pytest.mark.parametrize("timing, scope, severity, score, impact", [
    ("Ongoing", "Whole (>90%)", "Very rapid declines", 9, "High"),
    ("Ongoing", "Minority (<50%)", "Slow, significant declines", 5, "Low"),
    ("Future", "Whole (>90%)", "Very rapid declines", 7, "Medium"),
    ("Ongoing", "Majority (50–90%)", "Rapid declines", 7, "Medium"),
    ("Ongoing", "Minority (<50%)", "No decline", 4, "Low"),
])
def test_domain_cases(timing, scope, severity, score, impact):
    assert impact_score(timing, scope, severity) == (score, impact)
    threat = ThreatImpact("2.1", timing, scope, severity)
    assert (threat.score, threat.impact) == (score, impact)
    assert threat.is_major == (impact in ("High", "Medium"))


def sis_reference(timing, scope, severity):
    """Independent re-implementation of SIS `determineImpact` with its list-box codes."""
    t = {"Ongoing": 3, "Future": 1, "Past, unlikely to return": 30, "Past, likely to return": 20,
         "Unknown": -10}[timing]
    s = {"Whole (>90%)": 3, "Majority (50–90%)": 2, "Minority (<50%)": 1, "Unknown": -10}[scope]
    v = {"Very rapid declines": 3, "Rapid declines": 2, "Slow, significant declines": 1,
         "Causing/could cause fluctuations": 1, "Negligible declines": 0, "No decline": 0, "Unknown": -10}[severity]
    total = t + s + v
    if total < 0:
        return None, "Unknown"
    if total <= 2:
        return total, "No/negligible"
    if total <= 5:
        return total, "Low"
    if total <= 7:
        return total, "Medium"
    if total <= 9:
        return total, "High"
    return None, "Past"


def test_every_combination_matches_the_sis_widget_except_its_documented_corner():
    combos = list(itertools.product(TIMINGS, SCOPES, SEVERITIES))
    assert len(combos) == 5 * 4 * 7
    for timing, scope, severity in combos:
        got = impact_score(timing, scope, severity)
        if (timing, scope, severity) == ("Past, likely to return", "Unknown", "Unknown"):
            assert sis_reference(timing, scope, severity) == (0, "No/negligible")  # SIS arithmetic artefact
            assert got == (None, "Past")
            continue
        assert got == sis_reference(timing, scope, severity), (timing, scope, severity)


def test_past_timings_give_past_and_unknown_components_give_unknown():
    for timing in ("Past, unlikely to return", "Past, likely to return", "past likely", "PAST, UNLIKELY"):
        assert impact_score(timing, "Whole (>90%)", "Very rapid declines") == (None, "Past")
        assert ThreatImpact("1.1", timing, "whole", "unknown").impact == "Past"
    assert impact_score("Unknown", "Whole (>90%)", "Very rapid declines") == (None, "Unknown")
    assert impact_score("Ongoing", "Unknown", "Very rapid declines") == (None, "Unknown")
    assert impact_score("Ongoing", "Whole (>90%)", "Unknown") == (None, "Unknown")
    threat = ThreatImpact("1.1", "ongoing", "unknown", "rapid")
    assert threat.score is None and not threat.is_major


def test_score_bands():
    assert [impact_from_score(s) for s in range(10)] == (
        ["No/negligible"] * 3 + ["Low"] * 3 + ["Medium"] * 2 + ["High"] * 2)
    assert impact_score("Future", "Minority (<50%)", "Negligible declines") == (2, "No/negligible")
    assert impact_score("Future", "Majority", "No decline") == (3, "Low")
    assert impact_score("Ongoing", "Whole", "Causing/could cause fluctuations") == (7, "Medium")
    assert impact_score("Ongoing", "Whole", "Rapid declines") == (8, "High")
    for bad in (-1, 10, 2.5, True):
        with pytest.raises(InvalidInputError, match="^score: "):
            impact_from_score(bad)


def test_labels_accept_case_short_forms_and_either_dash():
    threat = ThreatImpact("11.2", "ONGOING", "majority (50-90%)", "slow")
    assert (threat.timing, threat.scope, threat.severity) == (
        "Ongoing", "Majority (50–90%)", "Slow, significant declines")
    assert ThreatImpact("11.2", "Future", "Whole", "very rapid").score == 7
    assert ThreatImpact("11.2", "future", "minority", "fluctuations").severity == "Causing/could cause fluctuations"
    assert ThreatImpact("11.2", "future", "minority", "none").severity == "No decline"


@pytest.mark.parametrize("field, args", [
    ("timing", ("sometimes", "whole", "rapid")),
    ("scope", ("ongoing", "all of it", "rapid")),
    ("severity", ("ongoing", "whole", "catastrophic")),
    ("severity", ("ongoing", "whole", 3)),
])
def test_bad_labels_name_the_field_and_list_the_allowed_values(field, args):
    with pytest.raises(InvalidInputError, match=f"^{field}: ") as error:
        impact_score(*args)
    allowed = {"timing": TIMINGS, "scope": SCOPES, "severity": SEVERITIES}[field]
    assert all(label in str(error.value) for label in allowed)
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        ThreatImpact("2.1", *args)


def test_notes_must_be_text():
    assert ThreatImpact("2.1", "ongoing", "whole", "rapid", None).notes == ""
    with pytest.raises(InvalidInputError, match="^notes: "):
        ThreatImpact("2.1", "ongoing", "whole", "rapid", 5)


def test_threat_impact_round_trip_and_frozen():
    threat = ThreatImpact("8.1.2", "ongoing", "whole", "very rapid", "Batrachochytrium dendrobatidis")
    data = json.loads(json.dumps(threat.to_dict()))
    assert ThreatImpact.from_dict(data) == threat
    assert data["timing"] == "Ongoing" and data["code"] == "8.1.2"
    assert threat.name == "Named species"
    with pytest.raises(AttributeError):
        threat.code = "2.1"
    with pytest.raises(InvalidInputError, match="^severity: "):
        ThreatImpact.from_dict({"code": "2.1", "timing": "Ongoing", "scope": "Whole"})
    with pytest.raises(InvalidInputError, match="^threat: "):
        ThreatImpact.from_dict(["2.1"])


def test_threats_table_sorted_by_impact_and_keeps_everything():
    threats = [
        ThreatImpact("7.1", "Past, unlikely to return", "Whole", "Rapid declines"),
        ThreatImpact("9.3", "Future", "Minority", "Slow"),                       # 3 Low
        ThreatImpact("2.3", "Unknown", "Whole", "Rapid declines"),               # Unknown
        ThreatImpact("8.1", "Ongoing", "Whole", "Very rapid declines", "chytrid"),  # 9 High
        ThreatImpact("5.1", "Future", "Whole", "Very rapid declines"),           # 7 Medium
        ThreatImpact("1.1", "Ongoing", "Minority", "Slow"),                      # 5 Low
        ThreatImpact("6.1", "Future", "Minority", "No decline"),                 # 2 No/negligible
        ThreatImpact("5.1", "Future", "Whole", "Very rapid declines"),           # duplicate kept
    ]
    table = threats_table(threats)
    assert len(table) == len(threats)
    assert list(table["code"]) == ["8.1", "5.1", "5.1", "1.1", "9.3", "2.3", "6.1", "7.1"]
    assert list(table["impact"]) == ["High", "Medium", "Medium", "Low", "Low", "Unknown", "No/negligible", "Past"]
    assert [IMPACTS.index(i) for i in table["impact"]] == sorted(IMPACTS.index(i) for i in table["impact"])
    assert table["score"].dtype == "Int64" and pd.isna(table.loc[5, "score"]) and table.loc[0, "score"] == 9
    assert list(table["major"]) == [True, True, True, False, False, False, False, False]
    assert table.loc[0, "category"] == "Invasive & other problematic species, genes & diseases"
    assert table.loc[0, "threat"] == "Invasive non-native/alien species/diseases"
    assert [t.code for t in major_threats(threats)] == ["8.1", "5.1", "5.1"]
    empty = threats_table([])
    assert len(empty) == 0 and "impact" in empty.columns
    with pytest.raises(InvalidInputError, match=r"^threats\[1\]: "):
        threats_table([threats[0], "8.1"])
