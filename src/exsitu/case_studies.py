"""Real case studies of ex situ management across taxa, with their sources.

Each case is summarised from the course's domain brief (``shared/domain/case-studies.md``), which cites
the sources named in ``sources``. Red List categories are as those sources give them; check the live
Red List before relying on one. The threat codes in ``threat_codes`` are this course's own coding of the
threats described in the sources into the IUCN Threats Classification Scheme v3.3 (a teaching mapping,
not an official Red List coding).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from exsitu.validation import InvalidInputError


@dataclass(frozen=True)
class CaseStudy:
    """One species (or group) whose ex situ management is documented."""

    key: str
    common_name: str
    scientific_name: str
    organism: str  # 'vertebrate', 'invertebrate', 'plant', 'fungus'
    red_list: str
    main_threats: tuple[str, ...]
    threat_codes: tuple[str, ...]
    ex_situ_roles: tuple[str, ...]
    living_or_samples: str  # 'living', 'bio-samples', 'both'
    founders: str
    outcome: str
    eca_lesson: str
    sources: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


CASE_STUDIES: tuple[CaseStudy, ...] = (
    CaseStudy(
        key="california-condor", common_name="California condor", scientific_name="Gymnogyps californianus",
        organism="vertebrate", red_list="CR C2a(i); D (BirdLife 2020 assessment; 93 mature individuals already meet EN, but the five-year rule keeps it CR — downlisting warranted in 2024 if the increase continues)",
        main_threats=("secondary lead poisoning from ammunition", "shooting", "microtrash", "habitat loss"),
        threat_codes=("9.4", "5.1", "1.1"),
        ex_situ_roles=("insurance population", "source for reintroduction", "demographic manipulation"),
        living_or_samples="living",
        founders="27 birds in 1987 when the last wild condor was captured; 14 genetic founders in 3 clans",
        outcome="Releases since 1991–92; about 500 birds, about half in the wild; lead is still not removed",
        eca_lesson="Ex situ breeding bought time, but the primary threat (lead) was not removed, so wild "
                   "flocks still depend on management.",
        sources=("BL-condor", "Ralls04", "Ralls00", "Condor"),
    ),
    CaseStudy(
        key="black-footed-ferret", common_name="Black-footed ferret", scientific_name="Mustela nigripes",
        organism="vertebrate", red_list="EN C1+2a(i); D (assessed 2015)",
        main_threats=("loss of prairie dog prey and habitat", "sylvatic plague", "canine distemper"),
        threat_codes=("2.3", "8.1", "8.2"),
        ex_situ_roles=("insurance population", "source for reintroduction", "long-term preservation of genetic material"),
        living_or_samples="both",
        founders="18 animals captured 1985–87; only 7 left descendants, plus Willa through clones (2024)",
        outcome="First release 1991 (Shirley Basin, Wyoming); a clone of a 1988 biobanked female bred in 2024",
        eca_lesson="A tissue sample stored in the 1980s later served a genetic-rescue role.",
        sources=("RL-ferret", "Ferret-clone", "Ferret"),
    ),
    CaseStudy(
        key="przewalskis-horse", common_name="Przewalski's horse", scientific_name="Equus ferus przewalskii",
        organism="vertebrate", red_list="EN (D) under Equus ferus (2015); EW until the 1996 assessment",
        main_threats=("hunting", "competition with livestock", "hybridisation", "harsh winters"),
        threat_codes=("5.1", "2.3", "8.3", "11.3"),
        ex_situ_roles=("insurance population", "source for reintroduction", "long-term preservation of genetic material"),
        living_or_samples="both",
        founders="All living horses descend from 12 wild-caught ancestors; about 2,000 individuals",
        outcome="Reintroduced to Mongolia and China; clone 'Kurt' (2020) from cells frozen in 1980",
        eca_lesson="A bio-sample role (cryopreserved cells) later enabled a genetic-rescue role.",
        sources=("RL-Equus", "Przewalski"),
    ),
    CaseStudy(
        key="partula-snails", common_name="Partula tree snails", scientific_name="Partula spp.",
        organism="invertebrate", red_list="several species EW or CR",
        main_threats=("introduced predatory rosy wolf snail Euglandina rosea",),
        threat_codes=("8.1",),
        ex_situ_roles=("insurance population", "source for reintroduction"),
        living_or_samples="living",
        founders="Last survivors rescued in the early 1990s; about 15 zoos; 11 species saved",
        outcome="5,522 snails of 11 species and subspecies released on Moorea and Tahiti in April 2023",
        eca_lesson="An invertebrate insurance population kept species alive until release became possible.",
        sources=("Partula",),
    ),
    CaseStudy(
        key="lord-howe-island-stick-insect", common_name="Lord Howe Island stick insect",
        scientific_name="Dryococelus australis", organism="invertebrate", red_list="CR D (assessed 2017)",
        main_threats=("introduced black rats (1918 shipwreck)",),
        threat_codes=("8.1",),
        ex_situ_roles=("insurance population", "research", "source for reintroduction", "education"),
        living_or_samples="living",
        founders="About 24 found on Ball's Pyramid in 2001; 2 pairs collected in 2003",
        outcome="About 700 individuals and 11,376 eggs by 2008 (Melbourne Zoo); rodent eradication on Lord Howe Island in 2019, declared successful in 2023 after two years without rats or mice",
        eca_lesson="Ex situ work bought time while the primary threat (rats) was removed in situ.",
        sources=("LHISI", "RL-LHISI", "LHI-rodent", "LHI-2023"),
    ),
    CaseStudy(
        key="wollemi-pine", common_name="Wollemi pine", scientific_name="Wollemia nobilis",
        organism="plant", red_list="CR B1ab(iii)+2ab(iii) (assessed 2010)",
        main_threats=("Phytophthora root rot brought by visitors", "tiny population", "fire"),
        threat_codes=("8.1", "6.1", "7.1"),
        ex_situ_roles=("insurance population", "research", "education"),
        living_or_samples="living",
        founders="Fewer than 100 mature trees at a few sites in one canyon system (about 80 mature individuals or clumps and some 300 juveniles in the 2011 Red List assessment); no detectable genetic variation",
        outcome="Hundreds planted at three secret translocation sites; propagated and sold worldwide",
        eca_lesson="For a plant, ex situ spans botanic gardens, horticulture and translocation; genetic "
                   "targets are moot when gene diversity is already near zero.",
        sources=("Wollemi", "RL-Wollemi", "NSW-Wollemi"),
    ),
    CaseStudy(
        key="wood-decay-fungi", common_name="Threatened wood-decay fungi (pine polypores)",
        scientific_name="e.g. Amylocystis lapponica", organism="fungus", red_list="national red lists (Finland)",
        main_threats=("loss of old-growth forest and dead wood through forestry",),
        threat_codes=("5.3",),
        ex_situ_roles=("long-term preservation of genetic material", "source for reintroduction"),
        living_or_samples="bio-samples",
        founders="Fruiting bodies of 23 threatened species collected in Finland (2018)",
        outcome="Inoculation established five pine-associated species in 28–60% of logs within a year",
        eca_lesson="Culture collections are the ex situ tool for fungi, and inoculation restores them.",
        sources=("Fungi",),
    ),
    CaseStudy(
        key="northern-white-rhino", common_name="Northern white rhino",
        scientific_name="Ceratotherium simum cottoni", organism="vertebrate",
        red_list="CR (Possibly Extinct in the Wild)",
        main_threats=("poaching for horn", "civil conflict"),
        threat_codes=("5.1", "6.2"),
        ex_situ_roles=("long-term preservation of genetic material", "research"),
        living_or_samples="bio-samples",
        founders="2 females left (Najin, Fatu); the last male died in 2018; cells of 12 individuals stored",
        outcome="At least 24 embryos by 2023; no northern white calf in any source seen",
        eca_lesson="Bio-samples collected decades earlier are the only genetic source left — an argument for "
                   "biobanking early.",
        sources=("NWR", "NWR-RL", "NWR-IVF"),
    ),
    CaseStudy(
        key="panamanian-golden-frog", common_name="Panamanian golden frog", scientific_name="Atelopus zeteki",
        organism="vertebrate", red_list="CR (Possibly Extinct in the Wild)",
        main_threats=("chytridiomycosis (Bd)", "pet trade", "habitat loss"),
        threat_codes=("8.1", "5.1", "1.1"),
        ex_situ_roles=("insurance population", "research", "education"),
        living_or_samples="living",
        founders="More than 1,000 adults at more than 50 institutions (AZA SSP)",
        outcome="Last wild record 2009 (2007 in some sources); reintroduction waits until Bd can be managed",
        eca_lesson="An insurance role is justified by a threat that cannot yet be mitigated in situ.",
        sources=("Golden frog", "Frog-RL"),
    ),
    CaseStudy(
        key="canadian-snakes", common_name="Canadian snakes (all species)", scientific_name="Serpentes (Canada)",
        organism="vertebrate", red_list="various (COSEWIC / Red List)",
        main_threats=("habitat loss", "roads", "persecution"),
        threat_codes=("1.1", "4.1", "5.1"),
        ex_situ_roles=("education", "training", "research"),
        living_or_samples="living",
        founders="—",
        outcome="Ex situ population management NOT recommended for most species; intensive programmes for "
                "only a few highly at-risk species",
        eca_lesson="The outcome of an ECA may be that no ex situ population is needed.",
        sources=("Snakes ICAP",),
    ),
)


def case_study(key: str) -> CaseStudy:
    """Return the case study with this key (see :func:`case_study_table`)."""
    for case in CASE_STUDIES:
        if case.key == key:
            return case
    keys = ", ".join(case.key for case in CASE_STUDIES)
    raise InvalidInputError("key", f"no case study called {key!r}", f"use one of {keys}")


def case_study_table() -> pd.DataFrame:
    """All case studies as a table (one row each) for display in a lesson."""
    rows = []
    for case in CASE_STUDIES:
        rows.append({
            "species": f"{case.common_name} ({case.scientific_name})",
            "organism": case.organism,
            "Red List": case.red_list,
            "main threats": "; ".join(case.main_threats),
            "ex situ roles": "; ".join(case.ex_situ_roles),
            "living or bio-samples": case.living_or_samples,
            "outcome": case.outcome,
        })
    return pd.DataFrame(rows, index=pd.Index([c.key for c in CASE_STUDIES], name="key"))
