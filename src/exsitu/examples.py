"""Complete example assessments for the course's case studies, built with the real step functions.

Each example is a whole Ex situ Conservation Assessment (:class:`exsitu.assessment.Assessment`) made by
calling the toolkit's own Step 1–5 functions — :func:`exsitu.redlist.categorize`,
:func:`exsitu.geo.range_summary`, :class:`exsitu.threats.ThreatImpact`, :func:`exsitu.roles.suggest_roles`,
:func:`exsitu.genetics.population_target`, :func:`exsitu.pva.run_scenarios`,
:class:`exsitu.feasibility.FeasibilityAssessment` and :class:`exsitu.decision.Decision` — never written as
JSON by hand. Lessons, apps and :func:`exsitu.report.render_report` use them as worked examples.

* ``'panamanian-golden-frog'`` — amphibian; insurance and research (case-studies.md, case 9).
* ``'lord-howe-island-stick-insect'`` — invertebrate; insurance, research, reintroduction, education (case 5).
* ``'wood-decay-fungi'`` — fungus; bio-samples: culture collection and reintroduction by inoculation (case 7).
* ``'canadian-snakes'`` — ex situ population management **not recommended** (case 10; the decision is
  :func:`exsitu.decision.example_decisions`'s ``'snake_not_recommended'``).
* ``'exemplia-montana'`` — the SYNTHETIC montane shrub of ``data/occurrences/synthetic_montane_shrub.csv``
  (Step 1 lesson): range from :func:`exsitu.geo.range_summary`, category from :func:`exsitu.redlist.categorize`.

Facts come from the course's domain notes (``case-studies.md``, ``genetics-demography.md``,
``eca-process.md``); each is tagged with its source key in brackets, and every key used is in the
assessment's ``sources`` with its full citation (from ``sources.md``). **Every number the sources do not
give — threat timing/scope/severity ratings, generation times, Ne/N ratios, feasibility ratings, risk
likelihoods and consequences, PVA inputs, decision weights and scores — is ILLUSTRATIVE, made up for the
course, and labelled so where it is stored.** The participants are the course itself, not a real workshop.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

from exsitu.assessment import Assessment, Participant, PopulationNeed, Source
from exsitu.datasets import data_path
from exsitu.decision import (BASELINE_ID, Decision, Dissent, Option, Score, baseline_option, evaluate_baseline,
                             evaluate_option, example_decisions)
from exsitu.feasibility import FeasibilityAssessment
from exsitu.genetics import LAWRENCE_1995_SAMPLE_SIZE, founders_needed, population_target, samples_to_capture_allele
from exsitu.geo import range_summary
from exsitu.pva import Catastrophe, PVAParameters, run_pva, run_scenarios
from exsitu.redlist import categorize
from exsitu.roles import suggest_roles
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError

__all__ = ["EXAMPLE_DATE", "ILLUSTRATIVE", "SOURCES", "example_assessment", "example_keys"]

EXAMPLE_DATE = "2025-01-15"
"""Date written into every example (created, updated, decision record), so that reports are reproducible."""

ILLUSTRATIVE = "ILLUSTRATIVE (course-made, not from the sources or any real workshop)"
"""The label put on every invented number."""

_BY = "course example — ILLUSTRATIVE score"
_WEIGHTS = {"conservation_benefit": 0.4, "feasibility": 0.2, "risk": 0.2, "cost": 0.2}
_WEIGHTS_NOTE = ("Weights 0.4 conservation benefit, 0.2 feasibility, 0.2 risk, 0.2 cost and every score are "
                 f"{ILLUSTRATIVE}.")

#: Source key → (full citation, first URL), copied from the course's ``sources.md`` (plus the two sampling
#: papers named in :mod:`exsitu.genetics`).
SOURCES: dict[str, tuple[str, str]] = {
    "G14": ("IUCN/SSC (2014). Guidelines on the Use of Ex Situ Management for Species Conservation. Version 2.0. "
            "Gland: IUCN SSC. Approved Tallinn, 29 Aug 2014.", "https://portals.iucn.org/library/node/44952"),
    "CPSG-ECA": ("CPSG. \"Ex Situ Conservation Assessment / Ex Situ Conservation Planning\".",
                 "https://cpsg.org/our-work/what-we-do/ex-situ-conservation-assessment-0"),
    "CSI-roles": ("Canadian Species Initiative. \"Ex Situ Roles\".", "https://canadianspeciesinitiative.ca/ex-situ-roles"),
    "RL31": ("IUCN (2001; 2nd ed. 2012). IUCN Red List Categories and Criteria: Version 3.1. Approved by 51st IUCN "
             "Council, 9 Feb 2000.", "https://www.iucnredlist.org/resources/categories-and-criteria"),
    "RLG": ("IUCN Standards and Petitions Committee. Guidelines for Using the IUCN Red List Categories and Criteria. "
            "v12 (2016), v14 (Aug 2019), v15.1 (July 2022).", "https://www.iucnredlist.org/documents/RedListGuidelines.pdf"),
    "TCS": ("IUCN Red List. Threats Classification Scheme (Version 3.3) incl. threat impact scoring.",
            "https://www.iucnredlist.org/resources/threat-classification-scheme"),
    "Fr95": ("Frankham, R. (1995). Effective population size/adult population size ratios in wildlife: a review. "
             "Genetical Research 66:95–107.",
             "https://www.cambridge.org/core/journals/genetics-research/article/59D48CF3CCD19ECE47163795F6EEA89E"),
    "Sou86": ("Soulé, M., Gilpin, M., Conway, W., Foose, T. (1986). The millennium ark: how long a voyage, how many "
              "staterooms, how many passengers? Zoo Biology 5:101–113.",
              "http://onlinelibrary.wiley.com/doi/10.1002/zoo.1430050205/abstract"),
    "OKC-SSP": ("Oklahoma City Zoo blog \"Species Survival Plan\" (Green/Yellow/Red definitions).",
                "http://www.okczoo.org/blog/posts/species-survival-plan-"),
    "Vx10": ("Lacy, R.C., Miller, P.S., Traylor-Holzer, K. (2015). Vortex 10 User's Manual. IUCN SSC CBSG & Chicago "
             "Zoological Society. Program: Lacy & Pollak (2014) Vortex v10.0.",
             "https://vdocuments.net/useras-vortex-a-stochastic-simulation-of-the-extinction-process-version-100.html"),
    "Golden frog": ("Amphibian Rescue and Conservation Project (2009; species page); The Revelator.",
                    "http://amphibianrescue.org/2009/09/"),
    "Frog-RL": ("Wikipedia mirror infobox (CR, possibly extinct in the wild); Scientific American blog (last wild "
                "2007).", "https://questionai.com/knowledge/kA9sfREZ3c-panamanian-golden-frog"),
    "LHISI": ("Zoos Victoria (Melbourne Zoo) species page; ABC (2017); Honan, P. (2008) J. Insect Conservation "
              "12:399–413.", "http://www.zoo.org.au/melbourne/animals/lord-howe-island-stick-insect"),
    "RL-LHISI": ("IUCN Red List Dryococelus australis (Rudolf & Brock, CR D, assessed 28 Mar 2017).",
                 "http://www.iucnredlist.org/details/6852/0"),
    "LHI-rodent": ("Science (Pickrell, June 2019); Harper, Pahor & Birch, \"The Lord Howe Island rodent eradication: "
                   "lessons learnt from an inhabited island\"; Australian Geographic (Mar 2018).",
                   "https://www.sciencemag.org/news/2019/06/mass-rodent-poisoning-remote-australian-island-could-"
                   "bring-back-giant-stick-insect"),
    "LHI-2023": ("Christensen, S. (2023) Update on Checkpoint – Lord Howe Island officially declared rodent free. The "
                 "Lord Howe Island Signal (Lord Howe Island Board): no rats or mice for over two years (July 2023 "
                 "survey, analysed by NZ Department of Conservation); LHIB Rodent Eradication Lessons Learned report.",
                 "https://arr.news/2023/10/02/update-on-checkpoint-lord-howe-island-officially-declared-rodent-free/"),
    "Fungi": ("Abrego, N. et al. (2016) Reintroduction of threatened fungal species via inoculation. Biol. Conserv. "
              "203:120–124; Crosier, J. et al. (2025) Reintroducing threatened pine-associated fungal species in "
              "boreal forests. Environmental Management doi:10.1007/s00267-025-02166-6; Bisko, N.A. et al. (2018) "
              "Ukr. Bot. J. 75(4):338–347; Zalesky et al. (2024) Mycologia; UPM Biofore Magazine 1-2019.",
              "https://doi.org/10.1016/j.biocon.2016.09.014"),
    "Snakes ICAP": ("Wildlife Preservation Canada blogs; Greater Vancouver Zoo news; CSI further reading (Final "
                    "Report: Canadian Snakes ICAP Workshop, Dec 2021).",
                    "https://wildlifepreservation.ca/blog/collaberating-to-save-at-risk-snakes/"),
    "MB75": ("Marshall, D.R., Brown, A.H.D. (1975). Optimum sampling strategies in genetic conservation. In Frankel & "
             "Hawkes (eds) Crop Genetic Resources for Today and Tomorrow. Cambridge University Press. (As cited in "
             "exsitu.genetics.)", ""),
    "LMD95": ("Lawrence, M.J., Marshall, D.F., Davies, P. (1995). Genetics of genetic conservation. I. Sample size "
              "when collecting germplasm. Euphytica 84:89–99. (As cited in exsitu.genetics.)", ""),
}


def _sources(*keys: str) -> list[Source]:
    return [Source(key, *SOURCES[key]) for key in keys]


def _course() -> list[Participant]:
    return [Participant("exsitu course authors", organisation="exsitu course",
                        expertise="worked example for teaching; not a real workshop", role="facilitator")]


def _decision(title: str, description: str, options: list[Option],
              table: Mapping[str, Mapping[str, tuple[float, str]]]) -> Decision:
    """A decision with the course's illustrative weights and one scored, explained cell per option × criterion."""
    decision = Decision(title=title, description=description, options=tuple(options)).with_weights(_WEIGHTS)
    return decision.with_scores([Score(option_id=o, criterion_id=c, value=v, rationale=why, by=_BY, date=EXAMPLE_DATE)
                                 for o, row in table.items() for c, (v, why) in row.items()])


_BASELINE_SCORES = {
    "conservation_benefit": (0, "By definition the baseline adds nothing beyond in situ action; it is the yardstick "
                                "the ex situ options are measured against."),
    "feasibility": (10, "Nothing to set up: in situ actions continue as planned."),
    "risk": (0, "Creates no new risk (the risk of losing the species without ex situ help is judged under "
                "conservation benefit)."),
    "cost": (0, "No ex situ cost."),
}

RiskRatings = Mapping[str, "tuple[int, int, str, int, int] | str"]


def _appraise(feasibility: FeasibilityAssessment, factors: Mapping[str, tuple[str, str]], risks: RiskRatings,
              ) -> FeasibilityAssessment:
    """Rate factors (id → (rating, evidence)) and risks (id → (L, C, mitigation, residual L, residual C)).

    A risk mapped to a text is removed from the register as not applicable; the text (why) is kept in
    the assessment's notes, so nothing disappears silently.
    """
    for factor_id, (rating, evidence) in factors.items():
        feasibility.rate(factor_id, rating, evidence)
    removed = []
    for risk_id, rating in risks.items():
        if isinstance(rating, str):
            label = next(r.label for r in feasibility.risks if r.id == risk_id)
            feasibility.remove_risk(risk_id)
            removed.append(f"'{label}' ({rating})")
            continue
        likelihood, consequence, mitigation, residual_l, residual_c = rating
        feasibility.update_risk(risk_id, likelihood=likelihood, consequence=consequence, mitigation=mitigation,
                                residual_likelihood=residual_l, residual_consequence=residual_c)
    note = (f"Factor ratings, risk likelihoods and consequences (1–5) and residual ratings are {ILLUSTRATIVE}; "
            "the evidence cites the sources where they give facts.")
    if removed:
        note += " Template risks removed as not applicable: " + "; ".join(removed) + "."
    feasibility.notes = note
    return feasibility


def _wild_only(params: PVAParameters, years: int, seed: int, replicates: int = 500) -> dict:
    """Headline figures of an ILLUSTRATIVE wild-only PVA (no ex situ action), as a PopulationNeed stores them."""
    result = run_pva(params, replicates=replicates, years=years, seed=seed)
    summary = result.summary()
    return {"replicates": result.replicates, "years": result.years, "seed": result.seed,
            "p_extinction": summary["extinction_probability"],
            "p_quasi_extinction": summary["quasi_extinction_probability"],
            "quasi_extinction_threshold": params.quasi_extinction_threshold,
            "median_time_to_extinction": summary["median_time_to_extinction"],
            "median_final_size": summary["median_final_size"]}


_STEP5_NOTE = (f"Step 5 judgements (conservation value, structure, opening conditions, deferrals) are {ILLUSTRATIVE}; "
               "the weighted scores are kept only as the optional aid.")


# ------------------------------------------------------------------------------------------------------
# Panamanian golden frog (amphibian; insurance + research) — case-studies.md case 9
# ------------------------------------------------------------------------------------------------------

def _golden_frog() -> Assessment:
    review = StatusReview(
        taxon="Atelopus zeteki (Panamanian golden frog)", taxon_group="amphibian", category="CR", criteria="",
        threats=(
            ThreatImpact("8.1.2", "Ongoing", "Whole (>90%)", "Very rapid declines",
                         "Chytridiomycosis caused by Batrachochytrium dendrobatidis (Bd); Bd reached El Valle in 2006 "
                         "[Golden frog]. Timing, scope and severity are the course's ILLUSTRATIVE scoring."),
            ThreatImpact("5.1", "Ongoing", "Minority (<50%)", "Slow, significant declines",
                         "Collection for the pet trade [Golden frog]. ILLUSTRATIVE scoring."),
            ThreatImpact("1.1", "Ongoing", "Minority (<50%)", "Slow, significant declines",
                         "Habitat loss [Golden frog]; coded 1.1 as the course's teaching mapping. ILLUSTRATIVE scoring."),
        ),
        wild_population=("Endemic to central Panama (El Valle de Antón, Campana NP). Last wild record 2009 per the "
                         "Smithsonian-led Amphibian Rescue and Conservation Project, 2007 per Scientific American "
                         "[Golden frog; Frog-RL]. The listing reflects a > 80% decline over 10 years, and any surviving "
                         "wild population would have < 50 mature individuals (The Revelator) [Golden frog]."),
        ex_situ_holdings=("Project Golden Frog established a US captive population in 2000 (Baltimore Zoo), before "
                          "chytrid arrived; > 1,000 adults at > 50 US and Canadian institutions (AZA SSP), plus EVACC "
                          "in Panama [Golden frog]."),
        knowledge_gaps=("Whether any wild population survives",
                        "How Bd can be managed in the wild so that reintroduction becomes possible"),
        notes=("Red List CR (Possibly Extinct in the Wild); the assessment year and criteria were not confirmed in "
               "the sources read [Frog-RL; Golden frog], so no criteria are given here."),
    )
    roles = suggest_roles(review, situations=["very_small_population"])
    roles.accept("insurance", "Bd cannot yet be controlled in the wild, so an insurance population keeps the species "
                              "alive and future options open [Golden frog].")
    roles.accept("research", "Reintroduction needs Bd to be solved first; research on Bd and on husbandry with the "
                             "captive frogs is needed before releases [Golden frog].")
    roles.reject("reintroduction", "Reintroduction is blocked while Bd persists in the range [Golden frog].")

    target = population_target(0.9, 100, generation_time=3.0, ne_to_n_ratio=0.3)
    wild_only = _wild_only(PVAParameters(model="diffusion", initial_size=40, mu=-0.161, sigma2=0.05,
                                         quasi_extinction_threshold=10), years=50, seed=2006)
    needs = [
        PopulationNeed("insurance", form="living", target=target, duration_years=100.0,
                       pva={"wild only, Bd persists (ILLUSTRATIVE)": wild_only}, notes=(
            "Goal: 90% of wild gene diversity for 100 years (AZA Green SSP goal, adapted from Soulé et al. 1986) "
            "[OKC-SSP; Sou86]. Generation time 3 years and Ne/N 0.3 are ILLUSTRATIVE (not in the sources; managed "
            "populations often achieve more than the wild average Ne/N of 0.10–0.11 [Fr95]). The captive population "
            "of > 1,000 adults [Golden frog] is above this illustrative census target. The wild-only PVA is ILLUSTRATIVE: "
            "a diffusion model from < 50 mature individuals [Golden frog] declining as the > 80% fall in 10 years "
            "continued (mu = ln 0.2 / 10 ≈ −0.161 per year), variance 0.05, quasi-extinction at 10.")),
        PopulationNeed("research", form="living", notes=(
            "Uses frogs of the insurance population (no separate population); numbers depend on the research plan.")),
    ]

    feasibility = _appraise(FeasibilityAssessment.for_roles("Insurance population and research — living frogs",
                                                            ["insurance", "research"]), {
        "husbandry": ("available", "Bred ex situ since 2000; > 1,000 adults held [Golden frog]."),
        "facilities": ("available", "> 50 US and Canadian institutions plus EVACC in Panama [Golden frog]."),
        "staff": ("available", "AZA SSP institutions keep the species [Golden frog]."),
        "funding": ("partial", "ILLUSTRATIVE: funding for a 100-year programme is not secured."),
        "permits": ("available", "ILLUSTRATIVE: the population is already held under existing permits."),
        "founders": ("available", "Founders were collected before Bd arrived; no more need to be taken from the wild "
                                  "[Golden frog]."),
        "partners": ("available", "Project Golden Frog and the Amphibian Rescue and Conservation Project [Golden frog]."),
        "biosecurity": ("partial", "ILLUSTRATIVE: Bd-free rooms are needed at every holder."),
    }, {
        "wild_founder_removal": (1, 2, "No further founders are taken.", 1, 1),
        "wild_disease_at_release": "no releases are planned while Bd persists",
        "wild_maladapted_release": "no releases are planned while Bd persists",
        "wild_effort_diverted": (2, 3, "Keep in situ Bd research funded separately.", 2, 2),
        "exsitu_disease": (3, 5, "Quarantine and Bd testing; several institutions hold the population.", 2, 4),
        "exsitu_adaptation": (3, 3, "Keep generations few; manage by mean kinship.", 2, 3),
        "exsitu_gd_loss": (3, 3, "Studbook and mean-kinship pairing.", 2, 2),
        "exsitu_hybridisation": (1, 3, "Keep Atelopus species apart.", 1, 2),
        "exsitu_husbandry_failure": (2, 4, "Shared husbandry manual; several holders.", 1, 4),
        "other_pathogen_spillover": (2, 3, "Biosecurity between amphibian collections.", 1, 3),
        "other_escape_invasive": "no releases are planned",
        "other_resources_displaced": (2, 2, "Plan space in the regional collection plan.", 2, 2),
        "prog_funding_ends": (3, 4, "Multi-institution funding and a long-term plan.", 2, 4),
        "prog_staff_loss": (2, 3, "Train several keepers per holder.", 2, 2),
        "prog_permits": (1, 2, "Existing permits.", 1, 2),
        "prog_reputation": (2, 2, "Explain the insurance role publicly.", 1, 2),
    })

    options = [baseline_option(),
               Option(id="insurance_living", name="Insurance population — living individuals", role_ids=("insurance",),
                      form="living", description="Assurance colonies kept free of Bd."),
               Option(id="research_living", name="Research — living individuals", role_ids=("research",),
                      form="living", description="Research on Bd and husbandry with captive frogs only."),
               Option(id="combination", name="Insurance population and research", role_ids=("insurance", "research"),
                      form="living", description="Assurance colonies that also serve research.")]
    bd = "Bd cannot be controlled in the wild [Golden frog]"
    decision = _decision(
        "Panamanian golden frog — Step 5 (ILLUSTRATIVE scores)",
        f"Options for the roles retained in Step 2. {_WEIGHTS_NOTE}", options, {
            BASELINE_ID: _BASELINE_SCORES,
            "insurance_living": {
                "conservation_benefit": (9, f"Insurance is the role that fits when {bd}: it keeps the species alive."),
                "feasibility": (8, "The species has been bred ex situ since 2000 at > 50 institutions [Golden frog]."),
                "risk": (3, "No founders need to be taken; disease in captivity is managed by biosecurity."),
                "cost": (6, "Long-term husbandry at many institutions."),
            },
            "research_living": {
                "conservation_benefit": (4, "Research prepares reintroduction but does not by itself keep the "
                                            "species alive."),
                "feasibility": (7, "Needs research partners and frogs from the captive population."),
                "risk": (3, "Research animals could be lost to experiments or disease."),
                "cost": (4, "Research projects on top of husbandry."),
            },
            "combination": {
                "conservation_benefit": (10, "Keeps the species alive and works towards the conditions for "
                                             "reintroduction."),
                "feasibility": (8, "Research uses frogs the insurance population already holds."),
                "risk": (3, "As the insurance population; research uses surplus animals."),
                "cost": (7, "Insurance plus research costs."),
            },
        })
    evaluations = [
        evaluate_option(decision.option("insurance_living"), conservation_value="high", value_rationale=(
            f"{bd}: an insurance population is the role that answers the primary threat (8.1.2, chytridiomycosis) "
            "and keeps the species alive and future options open [Golden frog]."), threats_addressed=("8.1.2",),
            structure="yes", structure_rationale=(
                "> 1,000 adults at > 50 institutions [Golden frog] exceed the illustrative census target; founders "
                "were taken before Bd arrived."), need=needs[0], feasibility=feasibility),
        evaluate_option(decision.option("research_living"), conservation_value="medium", value_rationale=(
            "Research on Bd and husbandry does not keep the species alive, but it is what reintroduction waits for "
            "[Golden frog]."), threats_addressed=("8.1.2",), structure="yes",
            structure_rationale="Uses frogs of the insurance population; no separate population.", need=needs[1],
            feasibility=feasibility),
    ]
    baseline = evaluate_baseline(needs, source="Step 3 wild-only PVA (ILLUSTRATIVE inputs, see the insurance need)",
                                 notes="The last wild record is from 2009 (2007 in some sources) [Golden frog; Frog-RL].")
    record = decision.record(evaluations=evaluations, baseline=baseline, reasoning=(
        f"Since {bd}, an insurance population is justified, and research is needed before any reintroduction "
        "[Golden frog]. Reintroduction itself was not retained in Step 2 (blocked while Bd persists). "
        + _STEP5_NOTE), date=EXAMPLE_DATE, participants=["exsitu course authors"])
    return Assessment(
        taxon=review.taxon, taxon_group="amphibian", scope="Global (the species is endemic to central Panama)",
        title="Panamanian golden frog — worked ECA example", created=EXAMPLE_DATE, updated=EXAMPLE_DATE,
        participants=_course(), sources=_sources("G14", "CPSG-ECA", "CSI-roles", "TCS", "Golden frog", "Frog-RL",
                                                 "OKC-SSP", "Sou86", "Fr95"),
        status_review=review, roles=roles, population_needs=needs, feasibility=[feasibility], decision=decision,
        decision_record=record,
        notes=("Worked example built from case-studies.md case 9 with the toolkit's step functions. Facts carry their "
               f"source key in brackets; every rating, score, weight and model input not from a source is {ILLUSTRATIVE}."))


# ------------------------------------------------------------------------------------------------------
# Lord Howe Island stick insect (invertebrate) — case-studies.md case 5
# ------------------------------------------------------------------------------------------------------

def _lhisi_pva() -> dict:
    """ILLUSTRATIVE PVA of the Ball's Pyramid population, with and without the 2003 collection of 2 pairs."""
    wild = PVAParameters(
        model="stage", initial_size=35, age_at_first_breeding=1, juvenile_survival=0.4, adult_survival=0.6,
        breeding_probability=0.9, mean_offspring=4.0, juvenile_survival_sd=0.08, adult_survival_sd=0.08,
        breeding_probability_sd=0.05, carrying_capacity=40, quasi_extinction_threshold=4,
        catastrophes=(Catastrophe(probability=0.05, survival_severity=0.5, name="rock fall or drought"),))
    collected = dataclasses.replace(wild, removal_years=(1,), removal_females=2, removal_males=2)
    results = run_scenarios({"Ball's Pyramid, no collection": wild, "Ball's Pyramid, 2 pairs collected in year 1":
                             collected}, replicates=400, years=50, seed=2003)
    out = {}
    for name, result in results.items():
        summary = result.summary()
        out[name] = {"replicates": result.replicates, "years": result.years, "seed": result.seed,
                     "p_extinction": summary["extinction_probability"],
                     "p_quasi_extinction_4": summary["quasi_extinction_probability"],
                     "median_final_size": summary["median_final_size"],
                     "deterministic_growth_rate": summary["deterministic_growth_rate"]}
    return out


def _stick_insect() -> Assessment:
    evidence = categorize(mature_individuals=35)
    review = StatusReview(
        taxon="Dryococelus australis (Lord Howe Island stick insect)", taxon_group="invertebrate", category="CR",
        criteria="D", redlist=evidence, mature_individuals=35,
        threats=(ThreatImpact("8.1.2", "Ongoing", "Whole (>90%)", "Very rapid declines",
                              "Black rats (Rattus rattus) arrived on Lord Howe Island with the stranded SS Makambo in "
                              "1918 and extirpated the insect there [LHISI]. Scored as before the 2019 eradication; "
                              "timing, scope and severity are ILLUSTRATIVE."),),
        aoo_km2=None,
        wild_population=("Thought extinct; rediscovered in 2001 on Ball's Pyramid (23 km SE of Lord Howe Island): about "
                         "24 individuals under one Melaleuca howeana shrub [LHISI]. Red List 2017: maximum observed wild "
                         "population 35 individuals, AOO < 1 km² [RL-LHISI]. A 2017 DNA study confirmed the Ball's "
                         "Pyramid insects are the Lord Howe species [LHI-rodent]."),
        ex_situ_holdings=("2003: two breeding pairs collected — one to a private breeder in Sydney, one to Melbourne "
                          "Zoo. By 2008 about 700 individuals and 11,376 eggs; 20 returned to a special enclosure on "
                          "Lord Howe Island [LHISI]. Insurance populations also in Canada and the UK (2018) [LHI-rodent]."),
        knowledge_gaps=("Threats to the single Ball's Pyramid site are not documented in the sources read",
                        "Whether the planned rodent eradication would succeed (as of the 2017 assessment; it was carried out in 2019 "
                        "and declared successful in 2023 [LHI-2023])",
                        "Effect of the inbreeding seen in the 4th captive generation (Honan 2008) [LHISI]"),
        notes=("Category CR D (assessed 28 Mar 2017) [RL-LHISI]; categorize() with the 35 individuals, taken as mature "
               "for illustration, gives the same CR D."),
    )
    roles = suggest_roles(review, controllable_threats=["8.1.2"], situations=["genetic_erosion", "extirpated_locally"])
    roles.accept("insurance", "A single tiny wild population on one sea stack; an insurance population was the Melbourne "
                              "Zoo aim [LHISI].")
    roles.accept("research", "Husbandry had to be worked out for a species never kept before; Honan (2008) documented it "
                             "[LHISI].")
    roles.accept("reintroduction", "Rats were judged eradicable; the 2019 eradication [LHI-rodent] was declared "
                                   "successful in 2023 [LHI-2023]; "
                                   "supplementation/reintroduction once rats are gone was a Melbourne Zoo aim [LHISI].")
    roles.accept("education", "Awareness was a Melbourne Zoo aim [LHISI]; public support mattered for a rodent "
                              "eradication on an inhabited island [LHI-rodent].")

    insurance_target = population_target(0.8, 50, generation_time=1.0, ne_to_n_ratio=0.1, founders=4)
    needs = [
        PopulationNeed("insurance", form="living", target=insurance_target, founders_available=4, duration_years=50.0,
                       pva=_lhisi_pva(), notes=(
                           "Founded by 2 pairs (2003) [LHISI]: 4 founders capture only 1 − 1/8 = 0.875 of wild gene "
                           "diversity, below the usual 90% goal, so the goal here is 80% of wild gene diversity for 50 "
                           "years (ILLUSTRATIVE). Generation time 1 year and Ne/N 0.1 [Fr95] are ILLUSTRATIVE. The PVA "
                           "of the Ball's Pyramid population (start 35 [RL-LHISI], ceiling 40, rates and catastrophe) "
                           "is ILLUSTRATIVE: it asks whether taking 2 pairs harms the wild population (Step 4 risk).")),
        PopulationNeed("research", form="living", notes="Uses the insurance population; husbandry research [LHISI]."),
        PopulationNeed("reintroduction", form="living", duration_years=10.0, notes=(
            "Releases to Lord Howe Island after the 2019 rodent eradication [LHI-rodent]; the release numbers would "
            "come from a PVA of the release plan (not done in this example).")),
        PopulationNeed("education", form="living", notes="Display animals from the insurance population [LHISI]."),
    ]

    feasibility = _appraise(FeasibilityAssessment.for_roles(
        "Insurance, research, reintroduction and education — living insects",
        ["insurance", "research", "reintroduction", "education"]), {
        "husbandry": ("available", "About 700 individuals and 11,376 eggs by 2008 at Melbourne Zoo [LHISI]."),
        "facilities": ("available", "Melbourne Zoo, an on-island enclosure, Canada and the UK [LHISI; LHI-rodent]."),
        "staff": ("available", "Melbourne Zoo husbandry team (Honan 2008) [LHISI]."),
        "funding": ("partial", "ILLUSTRATIVE: long-term funding not secured."),
        "permits": ("available", "ILLUSTRATIVE: collection in 2003 was permitted."),
        "founders": ("partial", "Only 2 pairs could be taken from about 24 insects [LHISI]."),
        "partners": ("available", "Zoos Victoria and the Lord Howe Island rodent eradication partners [LHISI; "
                                  "LHI-rodent]."),
        "biosecurity": ("partial", "ILLUSTRATIVE: disease screening before any release is still to be set up."),
    }, {
        "wild_founder_removal": (3, 5, "Take only 2 pairs; see the PVA.", 2, 5),
        "wild_disease_at_release": (2, 4, "Health screening before release.", 1, 4),
        "wild_maladapted_release": (3, 3, "Few generations in captivity before release.", 2, 3),
        "wild_effort_diverted": (2, 3, "Rodent eradication funded separately [LHI-rodent].", 1, 3),
        "exsitu_disease": (3, 4, "Several holders (Melbourne, Lord Howe Island, Canada, UK).", 2, 3),
        "exsitu_adaptation": (3, 3, "Release early generations.", 2, 3),
        "exsitu_gd_loss": (5, 4, "Only 4 founders; signs of inbreeding in the 4th captive generation [LHISI]. "
                                 "Manage pairings; consider further founders.", 4, 4),
        "exsitu_hybridisation": "no related phasmid is held with it",
        "exsitu_husbandry_failure": (2, 4, "Husbandry documented (Honan 2008) [LHISI].", 1, 4),
        "other_pathogen_spillover": (2, 2, "Quarantine.", 1, 2),
        "other_escape_invasive": (1, 2, "Releases only within the native range.", 1, 2),
        "other_resources_displaced": (2, 2, "Space for invertebrates is small.", 2, 2),
        "prog_funding_ends": (3, 4, "Several partner institutions.", 2, 4),
        "prog_staff_loss": (2, 3, "Husbandry manual [LHISI].", 2, 2),
        "prog_permits": (2, 3, "Early contact with the island authorities.", 1, 3),
        "prog_reputation": (3, 3, "The eradication faced legal challenges on an inhabited island [LHI-rodent]; "
                                  "engage residents.", 2, 3),
    })

    options = [baseline_option(),
               Option(id="insurance_living", name="Insurance population — living individuals", role_ids=("insurance",)),
               Option(id="research_living", name="Research — living individuals", role_ids=("research",)),
               Option(id="reintroduction_living", name="Reintroduction — living individuals",
                      role_ids=("reintroduction",)),
               Option(id="education_living", name="Education — living individuals", role_ids=("education",)),
               Option(id="combination", name="Insurance, research, reintroduction and education",
                      role_ids=("insurance", "research", "reintroduction", "education"),
                      description="One programme serving the four roles in sequence.")]
    decision = _decision(
        "Lord Howe Island stick insect — Step 5 (ILLUSTRATIVE scores)",
        f"Options for the roles retained in Step 2. {_WEIGHTS_NOTE}", options, {
            BASELINE_ID: _BASELINE_SCORES,
            "insurance_living": {
                "conservation_benefit": (8, "Guards against the loss of the only wild population (about 24 insects) "
                                            "[LHISI]."),
                "feasibility": (8, "Bred to about 700 individuals and 11,376 eggs by 2008 [LHISI]."),
                "risk": (4, "Founder removal from a tiny population; inbreeding [LHISI]."),
                "cost": (5, "Long-term husbandry at a few zoos."),
            },
            "research_living": {
                "conservation_benefit": (3, "Husbandry knowledge alone does not secure the species."),
                "feasibility": (8, "Done at Melbourne Zoo [LHISI]."),
                "risk": (2, "Low, using captive-bred insects."),
                "cost": (3, "Small."),
            },
            "reintroduction_living": {
                "conservation_benefit": (7, "Would restore the species to Lord Howe Island once rats are gone "
                                            "[LHI-rodent]."),
                "feasibility": (5, "Depends on the eradication's success, not yet confirmed when this ECA is set "
                                   "(declared in 2023 [LHI-2023])."),
                "risk": (5, "Disease or maladapted insects at release; rats could return."),
                "cost": (6, "Breeding, releases and monitoring."),
            },
            "education_living": {
                "conservation_benefit": (2, "Builds support, but keeps no population for the species."),
                "feasibility": (9, "Display animals are easy to provide."),
                "risk": (1, "Very low."),
                "cost": (2, "Small."),
            },
            "combination": {
                "conservation_benefit": (10, "Secures the species, learns how to keep it, and returns it to Lord Howe "
                                             "Island."),
                "feasibility": (7, "Each part was under way at Melbourne Zoo [LHISI]."),
                "risk": (4, "The risks of founder removal and release, managed in sequence."),
                "cost": (6, "One programme serves all four roles."),
            },
        })
    evaluations = [
        evaluate_option(decision.option("insurance_living"), conservation_value="high", value_rationale=(
            "Guards against the loss of the only wild population, about 24 insects on one sea stack [LHISI]; the "
            "primary threat (rats, 8.1.2) kept the species off Lord Howe Island."), threats_addressed=("8.1.2",),
            structure="with conditions", structure_rationale=(
                "4 founders capture only 0.875 of wild gene diversity and inbreeding appeared in the 4th captive "
                "generation [LHISI]: manage pairings and add founders from Ball's Pyramid if the PVA shows the wild "
                "population can spare them."), need=needs[0], feasibility=feasibility),
        evaluate_option(decision.option("research_living"), conservation_value="medium", value_rationale=(
            "Husbandry had to be worked out for a species never kept before (Honan 2008) [LHISI]; it serves the "
            "other roles."), structure="yes", structure_rationale="Uses the insurance population.", need=needs[1],
            feasibility=feasibility),
        evaluate_option(decision.option("reintroduction_living"), conservation_value="high", value_rationale=(
            "Would return the species to Lord Howe Island, where rats (8.1.2) were its primary threat "
            "[LHISI; LHI-rodent]."), threats_addressed=("8.1.2",), structure="unknown", structure_rationale=(
                "Release numbers and sites were not worked out (no PVA of a release plan)."), need=needs[2],
            feasibility=feasibility, deferral_evidence=(
                "confirmation that the 2019 rodent eradication succeeded [LHI-rodent] (it came in 2023, after this "
                "ECA: two years without rats or mice [LHI-2023])",)),
        evaluate_option(decision.option("education_living"), conservation_value="medium", value_rationale=(
            "Awareness was a Melbourne Zoo aim [LHISI]; public support mattered for a rodent eradication on an "
            "inhabited island [LHI-rodent]."), structure="yes",
            structure_rationale="Display animals from the insurance population.", need=needs[3],
            feasibility=feasibility),
    ]
    baseline = evaluate_baseline(needs[0].pva, scenario="Ball's Pyramid, no collection",
                                 source="Step 3 PVA of the Ball's Pyramid population (ILLUSTRATIVE inputs)")
    record = decision.record(evaluations=evaluations, baseline=baseline, reasoning=(
        "The only wild population is tiny and on one sea stack, the primary threat (rats) could be removed in situ, and "
        "husbandry was proven: ex situ work buys time while the threat is removed [LHISI; LHI-rodent]. Reintroduction "
        "is deferred until the eradication is confirmed and a release plan is modelled. " + _STEP5_NOTE),
        dissent=[Dissent(text="ILLUSTRATIVE: release a trial group on Lord Howe Island now, inside the on-island "
                              "enclosure, rather than wait for confirmation of the eradication.",
                         by="ILLUSTRATIVE participant (in situ manager)", option_id="reintroduction_living")],
        date=EXAMPLE_DATE, participants=["exsitu course authors"])
    return Assessment(
        taxon=review.taxon, taxon_group="invertebrate", scope="Global (Lord Howe Island group, Australia)",
        title="Lord Howe Island stick insect — worked ECA example", created=EXAMPLE_DATE, updated=EXAMPLE_DATE,
        participants=_course(), sources=_sources("G14", "CPSG-ECA", "RL31", "TCS", "LHISI", "RL-LHISI", "LHI-rodent", "LHI-2023",
                                                 "Fr95", "Vx10"),
        status_review=review, roles=roles, population_needs=needs, feasibility=[feasibility], decision=decision,
        decision_record=record,
        notes=("Worked example built from case-studies.md case 5 with the toolkit's step functions. Facts carry their "
               f"source key in brackets; every rating, score, weight and model input not from a source is {ILLUSTRATIVE}."))


# ------------------------------------------------------------------------------------------------------
# Wood-decay fungi (bio-samples) — case-studies.md case 7
# ------------------------------------------------------------------------------------------------------

def _fungi() -> Assessment:
    review = StatusReview(
        taxon="Amylocystis lapponica (a threatened pine polypore)", taxon_group="fungus", category="NE",
        threats=(ThreatImpact("5.3", "Ongoing", "Majority (50–90%)", "Slow, significant declines",
                              "Loss of old-growth forest and dead wood through forestry [Fungi]. ILLUSTRATIVE scoring."),),
        wild_population=("Threatened on the national red list of Finland; about 41% of Finland's 250 polypores are "
                         "threatened or near threatened [Fungi]."),
        ex_situ_holdings=("Culture collections are the key ex situ tool for fungi (e.g. Ukraine's IBK and FCKU "
                          "collections hold red-listed species; Bisko et al. 2018); cryopreservation works across many "
                          "genera (Zalesky et al. 2024: 61 genera). In 2018 a Finnish project (Luke, Univ. Helsinki, UPM, "
                          "Metsähallitus, City of Helsinki) collected fruiting bodies of 23 threatened polypores, "
                          "including A. lapponica [Fungi]."),
        knowledge_gaps=("Global Red List status (the sources give national red lists only)",
                        "Long-term survival of inoculated populations"),
        notes=("Global IUCN category not evaluated in the sources read (NE here); the species is threatened "
               "nationally in Finland [Fungi]. The example stands for the red-listed wood-decay fungi of case 7."),
    )
    roles = suggest_roles(review, can_hold_living=False)
    roles.accept("biobank", "Fungi are held ex situ as cultures; cryopreserved culture collections preserve red-listed "
                            "species [Fungi].")
    roles.accept("reintroduction", "Inoculating cultures into logs re-establishes red-listed wood-decay fungi: five "
                                   "pine-associated species established in 28–60% of inoculated logs within a year "
                                   "(Crosier et al. 2025; Abrego et al. 2016) [Fungi].")

    per_individual = samples_to_capture_allele(0.05, 0.95, ploidy=1)
    needs = [
        PopulationNeed("biobank", form="bio-samples", samples=per_individual, duration_years=50.0, notes=(
            f"{per_individual} fruiting bodies (one culture each) capture an allele at frequency 0.05 with "
            "probability 0.95, treating each culture as one gene copy (ploidy 1, a cautious course assumption) — "
            f"the basic strategy of Marshall & Brown (1975) [MB75]; {founders_needed(0.95)} unrelated individuals "
            "capture 95% of gene diversity (1 − 1/(2N)); Lawrence et al. (1995) advise about "
            f"{LAWRENCE_1995_SAMPLE_SIZE} for nearly all alleles at frequency ≥ 0.05 [LMD95]. Duration is ILLUSTRATIVE.")),
        PopulationNeed("reintroduction", form="bio-samples", duration_years=10.0, pva={
            "inoculation trial (Crosier et al. 2025) [Fungi]": {"share_of_logs_established_low": 0.28,
                                                                "share_of_logs_established_high": 0.60,
                                                                "species": 5, "months": 12}},
            notes=("Cultures from the collection are inoculated into logs; 28–60% of logs were colonised within a year "
                   "for five pine-associated species [Fungi]. At the lower rate about 36 logs are needed for 10 "
                   "established logs on average (ILLUSTRATIVE planning figure).")),
    ]

    feasibility = _appraise(FeasibilityAssessment.for_roles("Culture collection and reintroduction by inoculation",
                                                            ["biobank", "reintroduction"]), {
        "husbandry": ("available", "Cryopreservation works across 61 genera (Zalesky et al. 2024); inoculation methods "
                                   "published (Abrego et al. 2016; Crosier et al. 2025) [Fungi]."),
        "facilities": ("available", "Culture collections exist (e.g. IBK, FCKU; Bisko et al. 2018) [Fungi]."),
        "staff": ("available", "Luke and University of Helsinki mycologists [Fungi]."),
        "funding": ("partial", "ILLUSTRATIVE: project funding, not long-term storage funding."),
        "permits": ("available", "ILLUSTRATIVE: partners include the state forest manager (Metsähallitus) [Fungi]."),
        "founders": ("available", "Fruiting bodies of 23 threatened species were collected in 2018 [Fungi]; sampling "
                                  "a fruiting body does not kill the mycelium (ILLUSTRATIVE judgement)."),
        "partners": ("available", "Luke, Univ. Helsinki, UPM, Metsähallitus, City of Helsinki [Fungi]."),
        "biosecurity": ("partial", "ILLUSTRATIVE: cultures must be checked for contaminants before inoculation."),
    }, {
        "wild_founder_removal": (1, 2, "Sample a part of each fruiting body.", 1, 1),
        "wild_disease_at_release": (2, 3, "Check cultures for contaminants.", 1, 3),
        "wild_maladapted_release": (2, 3, "Use local strains for each forest.", 1, 3),
        "wild_effort_diverted": (2, 4, "Dead-wood retention in forestry remains the main action.", 2, 3),
        "exsitu_disease": (2, 3, "Contamination of cultures: sterile technique.", 1, 3),
        "exsitu_adaptation": (3, 3, "Cryopreserve early; limit serial subculturing.", 2, 2),
        "exsitu_gd_loss": (2, 3, "Sample many fruiting bodies (Step 3).", 1, 3),
        "exsitu_hybridisation": "cultures are kept as separate strains",
        "exsitu_husbandry_failure": "cultures are not bred; culture loss is covered by 'Sample loss'",
        "biobank_storage_loss": (2, 5, "Duplicate collections at two sites.", 1, 5),
        "biobank_not_viable": (2, 4, "Test revival of stored cultures.", 1, 4),
        "other_pathogen_spillover": (1, 2, "Inoculate only into logs at the target site.", 1, 2),
        "other_escape_invasive": (1, 2, "Native species within their range.", 1, 1),
        "other_resources_displaced": (1, 2, "Small storage needs.", 1, 2),
        "prog_funding_ends": (3, 4, "Partner with a permanent culture collection.", 2, 4),
        "prog_staff_loss": (2, 3, "Document methods.", 2, 2),
        "prog_permits": (1, 2, "State forest partner [Fungi].", 1, 2),
        "prog_reputation": (1, 2, "Publish results.", 1, 1),
    })

    options = [baseline_option(),
               Option(id="culture_collection", name="Culture collection (cryopreserved)", role_ids=("biobank",),
                      form="bio-samples", description="Cultures from fruiting bodies, stored long term."),
               Option(id="culture_and_inoculation", name="Culture collection and reintroduction by inoculation",
                      role_ids=("biobank", "reintroduction"), form="bio-samples",
                      description="Cultures stored and inoculated into logs in suitable forests.")]
    decision = _decision(
        "Threatened wood-decay fungi — Step 5 (ILLUSTRATIVE scores)",
        f"Bio-sample options: fungi are held as cultures, not as whole organisms. {_WEIGHTS_NOTE}", options, {
            BASELINE_ID: _BASELINE_SCORES,
            "culture_collection": {
                "conservation_benefit": (5, "Keeps genetic material of red-listed species, but adds no wild "
                                            "populations."),
                "feasibility": (8, "Cryopreservation works across 61 genera (Zalesky et al. 2024) [Fungi]."),
                "risk": (2, "Sampling fruiting bodies is low-impact; stored cultures could be lost."),
                "cost": (3, "Storage is cheap."),
            },
            "culture_and_inoculation": {
                "conservation_benefit": (8, "Adds populations in suitable dead wood: 28–60% of inoculated logs "
                                            "colonised [Fungi]."),
                "feasibility": (7, "Inoculation tested in Finland over about 10 years (Abrego et al. 2016) [Fungi]."),
                "risk": (3, "Contaminated or maladapted strains at release."),
                "cost": (4, "Storage plus inoculation and monitoring."),
            },
        })
    evaluations = [
        evaluate_option(decision.option("culture_collection"), conservation_value="medium", value_rationale=(
            "Keeps genetic material of red-listed species (buys time), but does not reduce the loss of old-growth "
            "and dead wood (5.3) or add wild populations [Fungi]."), threats_addressed=("5.3",), structure="yes",
            structure_rationale=f"{per_individual} fruiting bodies can be sampled; 23 species were collected in 2018 "
                                "[Fungi].", need=needs[0], feasibility=feasibility),
        evaluate_option(decision.option("culture_and_inoculation"), conservation_value="high", value_rationale=(
            "Adds populations in suitable dead wood: 28–60% of inoculated logs colonised within a year [Fungi]; "
            "offsets the effect of dead-wood loss (5.3) where wood is retained."), threats_addressed=("5.3",),
            structure="yes", structure_rationale="Cultures from the collection; logs at partner forests [Fungi].",
            need=list(needs), feasibility=feasibility),
    ]
    baseline = evaluate_baseline(None, notes=(
        "No population projection exists for these fungi in the sources read; about 41% of Finland's 250 polypores "
        "are threatened or near threatened [Fungi]."))
    record = decision.record(evaluations=evaluations, baseline=baseline, reasoning=(
        "Culture collections are the ex situ tool for fungi, and inoculation restores them [Fungi]; dead-wood "
        "retention in forestry stays the main in situ action. " + _STEP5_NOTE), date=EXAMPLE_DATE,
        participants=["exsitu course authors"])
    return Assessment(
        taxon=review.taxon, taxon_group="fungus", scope="Finland (national red list); stands for red-listed pine "
        "polypores", title="Threatened wood-decay fungi — worked ECA example (bio-samples)", created=EXAMPLE_DATE,
        updated=EXAMPLE_DATE, participants=_course(),
        sources=_sources("G14", "CPSG-ECA", "TCS", "Fungi", "MB75", "LMD95"),
        status_review=review, roles=roles, population_needs=needs, feasibility=[feasibility], decision=decision,
        decision_record=record,
        notes=("Worked example built from case-studies.md case 7 with the toolkit's step functions. Facts carry their "
               f"source key in brackets; every rating, score, weight and model input not from a source is {ILLUSTRATIVE}."))


# ------------------------------------------------------------------------------------------------------
# Canadian snakes — ex situ population management NOT recommended — case-studies.md case 10
# ------------------------------------------------------------------------------------------------------

def _snakes() -> Assessment:
    review = StatusReview(
        taxon="Canadian snakes (Serpentes) — one illustrative species-level record", taxon_group="reptile",
        category="NE",
        threats=(
            ThreatImpact("1.1", "Ongoing", "Majority (50–90%)", "Slow, significant declines",
                         "Habitat loss [Snakes ICAP]; coded 1.1 as the course's teaching mapping. ILLUSTRATIVE scoring."),
            ThreatImpact("4.1", "Ongoing", "Majority (50–90%)", "Slow, significant declines",
                         "Road mortality [Snakes ICAP]. ILLUSTRATIVE scoring."),
            ThreatImpact("5.1", "Ongoing", "Minority (<50%)", "Slow, significant declines",
                         "Persecution [Snakes ICAP]. ILLUSTRATIVE scoring."),
        ),
        wild_population=("The 2021 Canadian snakes ICAP assessed all Canadian snake species, one by one; the "
                         "species-level lists were not read for this course [Snakes ICAP]."),
        ex_situ_holdings="Snakes held by zoos in Canada (details not in the sources read).",
        knowledge_gaps=("Species-level outcomes of the ICAP (final report not read)",),
        notes=("COSEWIC and Red List statuses vary among the species [Snakes ICAP]; one category does not apply to "
               "this condensed record (NE here). The record stands for the many species for which the first Canadian "
               "Integrated Collection Assessment and Planning workshop (virtual, March 2021, about 60 experts, "
               "facilitated by the Canadian Species Initiative and CPSG) did not recommend ex situ population "
               "management [Snakes ICAP]."),
    )
    roles = suggest_roles(review, capacity_gaps=["Handling and health assessment of snakes by field staff "
                                                 "(ILLUSTRATIVE)"])
    roles.accept("education", "Education was prioritised for almost all Canadian snakes; persecution is a threat "
                              "[Snakes ICAP]. Uses snakes already held, with no managed population.")
    roles.accept("training", "Training was prioritised for almost all species [Snakes ICAP]; uses snakes already held.")
    roles.accept("research", "Research was prioritised for almost all species [Snakes ICAP]; uses snakes already held.")
    roles.accept("insurance", "Appraised in Steps 3–5 as the main population-management option; the ICAP kept such "
                              "programmes for only a few highly at-risk species [Snakes ICAP].")
    roles.accept("reintroduction", "Reinforcement appraised in Steps 3–5 (the ICAP named it for only several highly "
                                   "at-risk species) [Snakes ICAP].")

    needs = [
        PopulationNeed("insurance", form="living", target=population_target(0.9, 100, generation_time=10.0),
                       duration_years=100.0, pva={"wild only (ILLUSTRATIVE)": _wild_only(PVAParameters(
                           model="diffusion", initial_size=1000, mu=-0.01, sigma2=0.02, quasi_extinction_threshold=50),
                           years=100, seed=2021)}, notes=(
                           "90% of wild gene diversity for 100 years [OKC-SSP; Sou86] with an ILLUSTRATIVE generation "
                           "time of 10 years and Ne/N 0.1 [Fr95]: Ne 48, N 478 (genetics-demography.md test T7). The wild-only PVA "
                           "is ILLUSTRATIVE (1,000 snakes declining 1% a year, variance 0.02, quasi-extinction at 50).")),
        PopulationNeed("reintroduction", form="living", duration_years=20.0, notes=(
            "Reinforcement would need the insurance population plus releases each year; numbers not worked out "
            "because the option was not retained.")),
        PopulationNeed("education", form="living", notes="Snakes already held; no managed population."),
    ]

    feasibility = _appraise(FeasibilityAssessment.for_roles("Insurance population and reinforcement — living snakes",
                                                            ["insurance", "reintroduction"]), {
        "husbandry": ("available", "ILLUSTRATIVE: snakes of this kind are kept and bred in zoos."),
        "facilities": ("partial", "ILLUSTRATIVE: space for a population of several hundred is not available."),
        "staff": ("available", "ILLUSTRATIVE."),
        "funding": ("gap", "ILLUSTRATIVE: no funding for a century-long programme of about 480 snakes."),
        "permits": ("partial", "ILLUSTRATIVE: collection from declining wild populations needs permits."),
        "founders": ("partial", "ILLUSTRATIVE: founders would be taken from a declining wild population."),
        "partners": ("available", "Zoos, governments, First Nations and academics took part in the ICAP "
                                  "[Snakes ICAP]."),
        "biosecurity": ("partial", "ILLUSTRATIVE: snake disease screening before release is needed."),
    }, {
        "wild_founder_removal": (3, 4, "Collect eggs or neonates rather than adults.", 2, 4),
        "wild_disease_at_release": (3, 4, "Health screening before release.", 2, 4),
        "wild_maladapted_release": (3, 3, "Short time in captivity.", 2, 3),
        "wild_effort_diverted": (4, 4, "Ring-fence road-mitigation and habitat funds.", 3, 4),
        "exsitu_disease": (3, 3, "Quarantine.", 2, 3),
        "exsitu_adaptation": (3, 3, "Few generations before release.", 2, 3),
        "exsitu_gd_loss": (3, 3, "Mean-kinship management.", 2, 3),
        "exsitu_hybridisation": (1, 3, "Keep subspecies and populations apart.", 1, 2),
        "exsitu_husbandry_failure": (2, 3, "Husbandry manual.", 1, 3),
        "other_pathogen_spillover": (2, 3, "Biosecurity between collections.", 2, 2),
        "other_escape_invasive": (1, 2, "Native species, within its range.", 1, 2),
        "other_resources_displaced": (3, 3, "Regional collection plan.", 3, 3),
        "prog_funding_ends": (4, 4, "No long-term funder identified.", 4, 4),
        "prog_staff_loss": (3, 3, "Train several keepers.", 2, 3),
        "prog_permits": (3, 3, "Early permit applications.", 2, 3),
        "prog_reputation": (3, 3, "Public concern about releasing snakes; explain the programme.", 2, 3),
    })

    decision = example_decisions()["snake_not_recommended"]
    low = ("The threats (habitat loss 1.1, roads 4.1, persecution 5.1) act on the wild population and holding snakes "
           "does not reduce them [Snakes ICAP]")
    evaluations = [
        evaluate_option(decision.option("insurance_living"), conservation_value="low", value_rationale=(
            f"{low}; the wild population is not judged close to extinction (see the wild-only PVA), so an insurance "
            "population buys time the species does not yet need."), threats_addressed=("1.1", "4.1", "5.1"),
            structure="with conditions", structure_rationale="About 480 snakes for 100 years; space is not available.",
            need=needs[0], feasibility=feasibility),
        evaluate_option(decision.option("reinforcement_living"), conservation_value="low", value_rationale=(
            f"{low}; released snakes would meet the same roads and habitat loss."),
            threats_addressed=("1.1", "4.1", "5.1"), structure="unknown",
            structure_rationale="Release numbers not worked out.", need=needs[1], feasibility=feasibility),
    ]
    baseline = evaluate_baseline(needs, source="Step 3 wild-only PVA (ILLUSTRATIVE inputs, see the insurance need)",
                                 notes="Re-assess if a new COSEWIC or Red List assessment shows a steep decline.")
    record = decision.record(evaluations=evaluations, baseline=baseline, reasoning=(
        "No ex situ population-management option has the conservation value to be retained: the threats (habitat "
        "loss, roads, persecution) act on the wild population and are not reduced by holding snakes, and the funding "
        "gap would close the feasibility gate anyway. As at the 2021 Canadian snakes ICAP, education, training and "
        "research with snakes already held continue, and intensive ex situ programmes are kept for a few highly "
        "at-risk species [Snakes ICAP]. " + _STEP5_NOTE), dissent=(
        "ILLUSTRATIVE: one participant asked to re-assess if the wild population falls below a few hundred adults.",),
        date=EXAMPLE_DATE, participants=["exsitu course authors"])
    return Assessment(
        taxon=review.taxon, taxon_group="reptile", scope="Canada; condenses the multispecies ICAP (2021) outcome for "
        "most species", title="Canadian snakes — ex situ population management not recommended (worked ECA example)",
        created=EXAMPLE_DATE, updated=EXAMPLE_DATE, participants=_course(),
        sources=_sources("G14", "CPSG-ECA", "CSI-roles", "TCS", "Snakes ICAP", "OKC-SSP", "Sou86", "Fr95"),
        status_review=review, roles=roles, population_needs=needs, feasibility=[feasibility], decision=decision,
        decision_record=record,
        notes=("Worked example built from case-studies.md case 10 with the toolkit's step functions. The decision is "
               "exsitu.decision.example_decisions()['snake_not_recommended'] (ILLUSTRATIVE scores and weights). Facts "
               f"carry their source key in brackets; every rating, score, weight and model input not from a source is "
               f"{ILLUSTRATIVE}."))


# ------------------------------------------------------------------------------------------------------
# Exemplia montana — the SYNTHETIC montane shrub of the Step 1 lesson
# ------------------------------------------------------------------------------------------------------

def _exemplia() -> Assessment:
    summary = range_summary(data_path("occurrences/synthetic_montane_shrub.csv"))
    evidence = categorize(eoo_km2=summary.eoo_km2, aoo_km2=summary.aoo_km2, locations=3,
                          continuing_decline={"iii", "iv"})
    review = StatusReview(
        taxon="Exemplia montana (SYNTHETIC montane shrub)", taxon_group="plant", redlist=evidence,
        eoo_km2=summary.eoo_km2, aoo_km2=summary.aoo_km2, records_kept=summary.n_records_kept,
        threats=(
            ThreatImpact("7.1", "Ongoing", "Majority (50–90%)", "Rapid declines",
                         "SYNTHETIC: more frequent fires on the ridges."),
            ThreatImpact("2.3", "Ongoing", "Minority (<50%)", "Slow, significant declines",
                         "SYNTHETIC: livestock grazing of seedlings."),
        ),
        wild_population=("SYNTHETIC: four clusters of records (North ridge, Central valley, South plateau, East spur); "
                         "East spur has records only from 1978–1992 and is taken as lost, leaving 3 locations."),
        ex_situ_holdings="SYNTHETIC: none.",
        knowledge_gaps=("Population size (no counts, only occurrence records)", "Whether East spur still holds plants"),
        notes=("SYNTHETIC species and data (data/occurrences/synthetic_montane_shrub.csv). EOO and AOO from "
               "exsitu.geo.range_summary (2 × 2 km grid, RLG) and the category from exsitu.redlist.categorize with "
               "3 locations and continuing decline in habitat quality (iii) and locations (iv), both SYNTHETIC [RL31; RLG]."),
    )
    roles = suggest_roles(review, situations=["extirpated_locally"])
    roles.accept("biobank", "SYNTHETIC: seed banking keeps the species' genetic material safe from fire.")
    roles.accept("reintroduction", "SYNTHETIC: plants grown from banked seed could restore East spur once grazing is "
                                   "fenced out.")
    roles.reject("temporary_rescue", "SYNTHETIC: fires are frequent but plants cannot be moved and returned; seed "
                                     "banking covers the role.")

    seed_mothers = samples_to_capture_allele(0.05, 0.95, ploidy=2)
    needs = [
        PopulationNeed("biobank", form="bio-samples", samples=seed_mothers * 3, duration_years=100.0, notes=(
            f"Seed from {seed_mothers} outcrossed mother plants per location captures an allele at frequency 0.05 with "
            f"probability 0.95 (Marshall & Brown 1975) [MB75]; × 3 locations = {seed_mothers * 3}. Lawrence et al. "
            f"(1995): about {LAWRENCE_1995_SAMPLE_SIZE} plants for nearly all such alleles [LMD95].")),
        PopulationNeed("reintroduction", form="living", founders_available=30, duration_years=100.0,
                       target=population_target(0.9, 100, generation_time=15.0, ne_to_n_ratio=0.2, founders=30),
                       notes=("Reintroduced East spur population grown from seed of 30 mothers; generation time 15 "
                              "years and Ne/N 0.2 are SYNTHETIC.")),
    ]

    feasibility = _appraise(FeasibilityAssessment.for_roles("Seed bank and reintroduction to East spur",
                                                            ["biobank", "reintroduction"]), {
        "husbandry": ("partial", "SYNTHETIC: seed storage behaviour of the species not yet tested."),
        "facilities": ("available", "SYNTHETIC: a national seed bank can store the seed."),
        "staff": ("available", "SYNTHETIC."),
        "funding": ("partial", "SYNTHETIC: collection funded, reintroduction not yet."),
        "permits": ("available", "SYNTHETIC."),
        "founders": ("available", "SYNTHETIC: seed collection takes a small share of each plant's seed."),
        "partners": ("available", "SYNTHETIC: local botanic garden."),
        "biosecurity": ("available", "SYNTHETIC: nursery hygiene protocol."),
    }, {
        "wild_founder_removal": (2, 2, "Collect at most a small share of each plant's seed (SYNTHETIC).", 1, 2),
        "wild_disease_at_release": (2, 3, "Nursery hygiene.", 1, 3),
        "wild_maladapted_release": (2, 3, "Use seed from the nearest locations.", 1, 3),
        "wild_effort_diverted": (2, 3, "Fire management stays the main action.", 2, 2),
        "exsitu_disease": (2, 2, "Nursery hygiene.", 1, 2),
        "exsitu_adaptation": (2, 3, "Grow one generation only before planting.", 1, 3),
        "exsitu_gd_loss": (2, 3, "Sample many mothers (Step 3).", 1, 3),
        "exsitu_hybridisation": (1, 3, "No congeners in the nursery.", 1, 2),
        "exsitu_husbandry_failure": (3, 3, "Test germination first.", 2, 3),
        "biobank_storage_loss": (2, 4, "Duplicate at a second seed bank.", 1, 4),
        "biobank_not_viable": (3, 4, "Test seed storage behaviour first.", 2, 4),
        "other_pathogen_spillover": (1, 2, "Nursery hygiene.", 1, 2),
        "other_escape_invasive": (1, 1, "Native species in its range.", 1, 1),
        "other_resources_displaced": (1, 2, "Small.", 1, 2),
        "prog_funding_ends": (3, 3, "Seed bank long-term agreement.", 2, 3),
        "prog_staff_loss": (2, 2, "Protocols written down.", 1, 2),
        "prog_permits": (1, 2, "Early applications.", 1, 2),
        "prog_reputation": (1, 2, "Community involvement.", 1, 1),
    })
    feasibility.notes = feasibility.notes.replace(ILLUSTRATIVE, "SYNTHETIC (invented for the course)")

    options = [baseline_option(),
               Option(id="seed_bank", name="Seed bank — bio-samples", role_ids=("biobank",), form="bio-samples"),
               Option(id="reintroduction_living", name="Reintroduction to East spur — living plants",
                      role_ids=("reintroduction",)),
               Option(id="combination", name="Seed bank and reintroduction", role_ids=("biobank", "reintroduction"),
                      form="living+bio-samples")]
    decision = _decision(
        "Exemplia montana (SYNTHETIC) — Step 5",
        f"SYNTHETIC species; the weights and every score are invented for the course. {_WEIGHTS_NOTE}", options, {
            BASELINE_ID: _BASELINE_SCORES,
            "seed_bank": {
                "conservation_benefit": (6, "SYNTHETIC: secures genetic material against a large fire."),
                "feasibility": (7, "SYNTHETIC: storage behaviour still to test."),
                "risk": (2, "SYNTHETIC: little seed is taken."),
                "cost": (2, "SYNTHETIC: cheap."),
            },
            "reintroduction_living": {
                "conservation_benefit": (5, "SYNTHETIC: restores a fourth location, but without a seed bank no "
                                            "back-up."),
                "feasibility": (5, "SYNTHETIC: nursery methods untested."),
                "risk": (4, "SYNTHETIC: plants may fail if grazing is not fenced out."),
                "cost": (5, "SYNTHETIC: nursery, planting and fencing."),
            },
            "combination": {
                "conservation_benefit": (9, "SYNTHETIC: back-up plus a restored location."),
                "feasibility": (6, "SYNTHETIC: both activities at once."),
                "risk": (3, "SYNTHETIC: risks of both, each small."),
                "cost": (5, "SYNTHETIC: seed bank plus reintroduction."),
            },
        })
    evaluations = [
        evaluate_option(decision.option("seed_bank"), conservation_value="high", value_rationale=(
            "SYNTHETIC: secures the species' genetic material against a large fire, the main threat (7.1)."),
            threats_addressed=("7.1",), structure="yes", structure_rationale=(
                f"SYNTHETIC: seed from {seed_mothers} mothers at each of 3 locations can be collected."),
            need=needs[0], feasibility=feasibility),
        evaluate_option(decision.option("reintroduction_living"), conservation_value="medium", value_rationale=(
            "SYNTHETIC: restores a fourth location (East spur), but grazing (2.3) would kill seedlings until fenced "
            "out."), threats_addressed=("2.3",), structure="with conditions", structure_rationale=(
                "SYNTHETIC: 30 seed mothers for the founders, grown in the nursery."), need=needs[1],
            feasibility=feasibility, defer=True, deferral_evidence=(
                "SYNTHETIC: grazing fenced out of East spur",
                "SYNTHETIC: a germination and nursery trial showing the seed can be grown on")),
    ]
    baseline = evaluate_baseline(None, notes="SYNTHETIC: no population counts, so no PVA; one of four clusters "
                                             "(East spur) is already taken as lost.")
    record = decision.record(evaluations=evaluations, baseline=baseline, reasoning=(
        "SYNTHETIC: bank seed now and reintroduce to East spur once grazing is fenced out. "
        + _STEP5_NOTE.replace(ILLUSTRATIVE, "SYNTHETIC")), date=EXAMPLE_DATE, participants=["exsitu course authors"])
    return Assessment(
        taxon=review.taxon, taxon_group="plant", scope="Global (SYNTHETIC range in four clusters)",
        title="Exemplia montana — SYNTHETIC worked ECA example", created=EXAMPLE_DATE, updated=EXAMPLE_DATE,
        participants=_course(), sources=_sources("G14", "CPSG-ECA", "RL31", "RLG", "TCS", "MB75", "LMD95", "Fr95"),
        status_review=review, range_summary=summary, roles=roles, population_needs=needs, feasibility=[feasibility],
        decision=decision, decision_record=record,
        notes=("SYNTHETIC: the species, its records, threats and every rating, score and weight are invented for the "
               "course; only the methods and the cited formulas are real."))


_BUILDERS: dict[str, Callable[[], Assessment]] = {
    "panamanian-golden-frog": _golden_frog,
    "lord-howe-island-stick-insect": _stick_insect,
    "wood-decay-fungi": _fungi,
    "canadian-snakes": _snakes,
    "exemplia-montana": _exemplia,
}


def example_keys() -> tuple[str, ...]:
    """Keys of the example assessments, e.g. ``'panamanian-golden-frog'`` (see the module docstring)."""
    return tuple(_BUILDERS)


def example_assessment(key: str) -> Assessment:
    """A complete, newly built example assessment (all five steps done); ``key`` is one of :func:`example_keys`.

    Built each time from the step functions (a PVA with a fixed seed for the stick insect), so changing the
    returned object never changes the next one. Invented numbers are labelled ILLUSTRATIVE or SYNTHETIC.
    """
    if key not in _BUILDERS:
        raise InvalidInputError("key", f"no example assessment called {key!r}",
                                "use one of " + ", ".join(example_keys()))
    return _BUILDERS[key]()
