"""Population viability analysis (PVA): stochastic projection of a population, vectorised over replicates.

Two models, both run for all replicates at once with numpy (a Python loop runs over years only):

``model="stage"`` — a two-sex, age-structured model in the spirit of Vortex (Lacy 1993, Wildlife Research
20:45–65; Vortex 10 manual, Lacy, Miller & Traylor-Holzer 2015), simplified to juvenile ages 0 … A−1 and one
adult class (age ≥ A, constant adult survival, no maximum age). Each year, in an order like Vortex's:

1. environmental variation (EV): this year's juvenile survival, adult survival and breeding probability are
   drawn per replicate from beta distributions with the given mean and SD (independent among rates — a
   simplification: good and bad years often move several rates together, which raises extinction risk);
   carrying capacity from a normal distribution (truncated at 0);
2. catastrophes: each strikes a replicate with its annual probability and multiplies survival by
   (1 − survival_severity) and the breeding probability by (1 − fecundity_severity);
3. breeding: each adult female breeds with the year's probability (binomial) if at least one adult male is
   present (``polygynous``) or if she can be paired with one (``monogamous``: breeders ≤ adult males); the
   number of offspring is Poisson with mean ``mean_offspring`` per breeder; sex is binomial with
   ``sex_ratio_at_birth``;
4. mortality (binomial with the year's rates) and age increment; survivors of age A − 1 become adults;
5. removals from the wild (e.g. to found an ex situ population) — adults, by sex, up to those present;
6. releases (supplementation) of adults by sex from an ex situ source, each surviving with
   ``release_survival`` (binomial); the source is assumed able to supply them and is not modelled itself;
7. carrying capacity: if N > K, individuals are removed at random across all ages and sexes (sampling without
   replacement, multivariate hypergeometric) until N = K;
8. census. The population is **extinct** when one sex is absent (Vortex's definition); it is then set to 0 and
   can only be re-founded by later releases. **Quasi-extinction** is N ≤ ``quasi_extinction_threshold``.

``model="diffusion"`` — the stochastic-exponential model behind the diffusion approximation (Dennis,
Munholland & Scott 1991, Ecological Monographs 61:115–143): log N changes by μ + σ·Z each year. With
``demographic_stochasticity=True`` this is the domain file's minimal teaching model (§8):
N_{t+1} = Poisson(N_t · exp(μ + ε_t)), ε_t ~ Normal(0, σ²). With ``demographic_stochasticity=False`` N is
continuous and follows a Wiener process in log N (optionally in ``steps_per_year`` sub-steps); first passage
below a threshold within a step is caught by the Brownian-bridge crossing probability
exp(−2·(x₀ − b)(x₁ − b)/(σ²·h)) (``continuous_monitoring``), so that the simulated quasi-extinction
probability
matches :func:`dennis_quasi_extinction_probability` without discretisation bias (without catastrophes,
management or a ceiling, which the diffusion approximation does not include). A continuous population is
extinct below 1 individual. Catastrophes multiply N by (1 − survival_severity); removals and releases are
counts (females + males).

Genetics (both models): expected heterozygosity (gene diversity) per replicate decays each year as
H ← H·(1 − 1/(2·Ne_t))^(1/L), with Ne_t = ``ne_to_n_ratio`` × adults at the census (all individuals in the
diffusion model) and L the generation time — per generation this is the drift formula of
``shared/domain/genetics-demography.md`` §1; the factor is floored at 0 when Ne_t < 0.5. Released individuals
carry ``release_gene_diversity`` and are mixed in by numbers: H ← (H·N_wild + H_rel·N_released)/(N_wild +
N_released). This ignores differentiation between the wild and ex situ populations (which would add diversity
when they mix) and inbreeding depression — approximations to state when teaching. Results report the mean H
over replicates that are extant.

Speed: replicates are simulated together in blocks of :data:`BLOCK_SIZE`, each block with its own random
streams; blocks can run in parallel threads (numpy's generators release the GIL), and the result depends only
on the seed and the number of replicates, not on the number of threads.

``deterministic=True`` (in :func:`run_pva`) turns every source of randomness off: mean vital rates, expected
numbers instead of binomial/Poisson draws, catastrophes as their expected effect (each rate × Π(1 − p·severity)),
K without variation; one replicate is run. For the stage model it then equals the projection with
:func:`projection_matrix` until the ceiling binds; for the diffusion model it is N₀·e^(μt).
"""

from __future__ import annotations

import dataclasses
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from exsitu.validation import InvalidInputError, require_choice, require_number, require_text

__all__ = [
    "BLOCK_SIZE",
    "Catastrophe",
    "PVAParameters",
    "PVAResult",
    "compare_scenarios",
    "dennis_quasi_extinction_probability",
    "deterministic_growth_rate",
    "projection_matrix",
    "run_pva",
    "run_scenarios",
    "stable_stage_distribution",
]

MODELS = ("stage", "diffusion")
MATING_SYSTEMS = ("polygynous", "monogamous")
INITIAL_DISTRIBUTIONS = ("stable", "adults")
DEFAULT_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
#: Replicates are simulated in blocks of this many, each block with its own random streams (see run_pva).
BLOCK_SIZE = 5000


# ----------------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Catastrophe:
    """A catastrophe (e.g. epidemic, fire, severe winter) that can strike in any year.

    probability: chance per year, 0–1 (e.g. 0.05 = once in 20 years on average).
    survival_severity: proportional reduction in survival in a year it strikes, 0–1 (0.3 → survival × 0.7).
    fecundity_severity: proportional reduction in the breeding probability in such a year, 0–1.
    name: a label.
    """

    probability: float
    survival_severity: float = 0.0
    fecundity_severity: float = 0.0
    name: str = "catastrophe"

    def __post_init__(self) -> None:
        object.__setattr__(self, "probability", require_number(self.probability, "catastrophes.probability",
                                                               minimum=0, maximum=1))
        for name in ("survival_severity", "fecundity_severity"):
            object.__setattr__(self, name, require_number(getattr(self, name), f"catastrophes.{name}",
                                                          minimum=0, maximum=1))
        object.__setattr__(self, "name", require_text(self.name, "catastrophes.name"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Catastrophe":
        return cls(**dict(data))


@dataclass(frozen=True)
class PVAParameters:
    """Everything a PVA run needs (units in brackets). Change one field with ``dataclasses.replace``.

    Model and start
        model: ``"stage"`` (two-sex, age-structured) or ``"diffusion"`` (log-normal growth; see module doc).
        initial_size: individuals at year 0 (whole number for the stage model; > 0).
        initial_proportion_male: share of males at year 0 [0–1]. For exact counts use
            :meth:`from_counts`.
        initial_age_distribution: ``"stable"`` (the stable age distribution of the mean rates, whole numbers by
            largest remainder) or ``"adults"`` (everyone starts as an adult).
    Life history (stage model)
        age_at_first_breeding: A [years, whole ≥ 1]; ages 0 … A−1 are juveniles.
        juvenile_survival: annual survival of juveniles [0–1]: one value for every juvenile age, or one per age
            0 … A−1 (age 0 = first year of life).
        adult_survival: annual survival of adults [0–1].
        breeding_probability: share of adult females that breed in a year [0–1].
        mean_offspring: mean offspring per breeding female per year [≥ 0] (Poisson).
        sex_ratio_at_birth: proportion of offspring that are male [0–1].
        mating_system: ``"polygynous"`` (one adult male suffices) or ``"monogamous"`` (one male per breeder).
    Environmental variation (stage model) — standard deviations on the probability scale, beta draws
        juvenile_survival_sd, adult_survival_sd, breeding_probability_sd [≥ 0; SD² < mean·(1 − mean)].
    Diffusion model
        mu: mean annual change in ln N [per year]; sigma2: its variance [per year, ≥ 0].
        steps_per_year: sub-steps per year for the continuous diffusion [whole ≥ 1].
        continuous_monitoring: catch threshold crossings between sub-steps (Brownian bridge).
    Both models
        demographic_stochasticity: binomial/Poisson chance in births and deaths (False: expected numbers;
            the diffusion model is then continuous).
        carrying_capacity: ceiling K on total N [individuals] or None for no ceiling;
            carrying_capacity_sd [individuals, ≥ 0] year-to-year variation in K.
        catastrophes: tuple of :class:`Catastrophe`.
        quasi_extinction_threshold: N at or below which a replicate counts as quasi-extinct [individuals ≥ 0].
    Genetics
        ne_to_n_ratio: Ne/N [0–1] (Frankham 1995: comprehensive wild estimates average 0.10–0.11);
            N = adults (stage) or all individuals (diffusion).
        generation_time: L [years] used to turn per-generation drift into per-year loss; None → for the stage
            model A + s_a/(1 − s_a) (mean age of parents in a cohort: first breeding at A, constant adult
            survival s_a), for the diffusion model 1.
        initial_gene_diversity: H at year 0 relative to the source population [0–1].
    Management (years count from 1 = the first simulated year)
        removal_years, removal_females, removal_males: adults taken from the wild in each of those years
            (e.g. founders for an ex situ population) [individuals per year].
        release_years, release_females, release_males: adults released in each of those years [individuals
            per year]; release_survival: chance a released individual survives to join the population [0–1];
            release_gene_diversity: H of released individuals relative to the wild source [0–1]; None → the
            wild population's initial_gene_diversity (e.g. use :func:`exsitu.genetics.founder_gene_diversity`).
    """

    model: str = "stage"
    initial_size: float = 50
    initial_proportion_male: float = 0.5
    initial_age_distribution: str = "stable"
    age_at_first_breeding: int = 1
    juvenile_survival: float | tuple[float, ...] = 0.5
    adult_survival: float = 0.8
    breeding_probability: float = 0.5
    mean_offspring: float = 1.0
    sex_ratio_at_birth: float = 0.5
    mating_system: str = "polygynous"
    juvenile_survival_sd: float = 0.0
    adult_survival_sd: float = 0.0
    breeding_probability_sd: float = 0.0
    mu: float = 0.0
    sigma2: float = 0.0
    steps_per_year: int = 1
    continuous_monitoring: bool = True
    demographic_stochasticity: bool = True
    carrying_capacity: float | None = None
    carrying_capacity_sd: float = 0.0
    catastrophes: tuple[Catastrophe, ...] = ()
    quasi_extinction_threshold: float = 0.0
    ne_to_n_ratio: float = 0.1
    generation_time: float | None = None
    initial_gene_diversity: float = 1.0
    removal_years: tuple[int, ...] = ()
    removal_females: int = 0
    removal_males: int = 0
    release_years: tuple[int, ...] = ()
    release_females: int = 0
    release_males: int = 0
    release_survival: float = 1.0
    release_gene_diversity: float | None = None

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:  # noqa: C901 - one check per field, in field order
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        def number(name: str, **bounds: Any) -> float:
            value = require_number(getattr(self, name), name, **bounds)
            put(name, value)
            return value

        def flag(name: str) -> None:
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise InvalidInputError(name, f"expected True or False, got {value!r}", "use True or False")
            put(name, bool(value))

        require_choice(self.model, "model", MODELS)
        stage = self.model == "stage"
        number("initial_size", minimum=1, integer=stage, unit="individuals")
        number("initial_proportion_male", minimum=0, maximum=1)
        if stage:
            put("initial_size", int(self.initial_size))
            males = int(round(self.initial_size * self.initial_proportion_male))
            if males == 0 or males == self.initial_size:
                raise InvalidInputError(
                    "initial_proportion_male", f"gives {males} males among {self.initial_size} individuals, so "
                    "one sex is missing and the population is extinct from the start",
                    "start with both sexes present")
        require_choice(self.initial_age_distribution, "initial_age_distribution", INITIAL_DISTRIBUTIONS)
        put("age_at_first_breeding", int(number("age_at_first_breeding", minimum=1, integer=True, unit="years")))
        juvenile = self.juvenile_survival
        if isinstance(juvenile, (list, tuple, np.ndarray)):
            values = tuple(require_number(v, "juvenile_survival", minimum=0, maximum=1) for v in juvenile)
            if len(values) != self.age_at_first_breeding:
                raise InvalidInputError(
                    "juvenile_survival",
                    f"has {len(values)} values but age_at_first_breeding is {self.age_at_first_breeding}",
                    "give one survival rate per juvenile age (0 … A−1), or a single value for all")
            put("juvenile_survival", values[0] if len(values) == 1 else values)
        else:
            number("juvenile_survival", minimum=0, maximum=1)
        number("adult_survival", minimum=0, maximum=1)
        number("breeding_probability", minimum=0, maximum=1)
        number("mean_offspring", minimum=0, unit="offspring per breeding female per year")
        number("sex_ratio_at_birth", minimum=0, maximum=1)
        require_choice(self.mating_system, "mating_system", MATING_SYSTEMS)
        for name, mean_name in (("juvenile_survival_sd", "juvenile_survival"), ("adult_survival_sd",
                                                                                 "adult_survival"),
                                ("breeding_probability_sd", "breeding_probability")):
            sd = number(name, minimum=0)
            means = getattr(self, mean_name)
            for mean in (means if isinstance(means, tuple) else (means,)):
                if sd > 0 and sd ** 2 >= mean * (1 - mean):
                    raise InvalidInputError(
                        name, f"SD {sd:g} is too large for a rate with mean {mean:g} (SD² must be below "
                        f"mean·(1 − mean) = {mean * (1 - mean):.4g})", "enter a smaller SD")
        number("mu", unit="per year")
        number("sigma2", minimum=0, unit="per year")
        put("steps_per_year", int(number("steps_per_year", minimum=1, integer=True)))
        flag("continuous_monitoring")
        flag("demographic_stochasticity")
        if self.model == "diffusion" and self.demographic_stochasticity and self.steps_per_year != 1:
            raise InvalidInputError("steps_per_year", "sub-steps need a continuous diffusion",
                                    "set demographic_stochasticity=False or steps_per_year=1")
        if self.carrying_capacity is not None:
            number("carrying_capacity", minimum=0, inclusive_minimum=False, unit="individuals")
        number("carrying_capacity_sd", minimum=0, unit="individuals")
        if self.carrying_capacity is None and self.carrying_capacity_sd > 0:
            raise InvalidInputError("carrying_capacity_sd", "is set but there is no carrying_capacity",
                                    "enter a carrying_capacity or set carrying_capacity_sd=0")
        catastrophes = self.catastrophes
        if isinstance(catastrophes, (Catastrophe, Mapping)) or not isinstance(catastrophes, Iterable):
            raise InvalidInputError("catastrophes", f"expected a list of catastrophes, got {catastrophes!r}",
                                    "wrap it in a list: [Catastrophe(probability=…, …)]")
        items = []
        for item in catastrophes:
            if isinstance(item, Mapping):
                item = Catastrophe.from_dict(item)
            if not isinstance(item, Catastrophe):
                raise InvalidInputError("catastrophes", f"expected Catastrophe entries, got {item!r}",
                                        "use Catastrophe(probability=…, survival_severity=…)")
            if self.model == "diffusion" and item.fecundity_severity > 0:
                raise InvalidInputError("catastrophes", f"{item.name!r} has a fecundity_severity, which the "
                                        "diffusion model cannot apply", "express its effect as "
                                        "survival_severity (proportional loss of N)")
            items.append(item)
        put("catastrophes", tuple(items))
        number("quasi_extinction_threshold", minimum=0, unit="individuals")
        number("ne_to_n_ratio", minimum=0, maximum=1, inclusive_minimum=False)
        if self.generation_time is not None:
            number("generation_time", minimum=0, inclusive_minimum=False, unit="years")
        elif stage and self.adult_survival >= 1:
            raise InvalidInputError("generation_time", "cannot be derived when adult_survival is 1",
                                    "enter the generation time in years")
        number("initial_gene_diversity", minimum=0, maximum=1)
        for kind in ("removal", "release"):
            years = getattr(self, f"{kind}_years")
            if isinstance(years, (int, float, np.integer)) and not isinstance(years, bool):
                years = (years,)
            try:
                values = tuple(int(require_number(y, f"{kind}_years", minimum=1, integer=True)) for y in years)
            except TypeError:
                raise InvalidInputError(f"{kind}_years", f"expected a list of years, got {years!r}",
                                        "enter years as a list, e.g. [1, 2, 3]") from None
            if len(set(values)) != len(values):
                raise InvalidInputError(f"{kind}_years", "lists a year twice", "list each year once")
            put(f"{kind}_years", tuple(sorted(values)))
            for sex in ("females", "males"):
                put(f"{kind}_{sex}", int(number(f"{kind}_{sex}", minimum=0, integer=True, unit="individuals")))
        number("release_survival", minimum=0, maximum=1)
        if self.release_gene_diversity is not None:
            number("release_gene_diversity", minimum=0, maximum=1)

    # ------------------------------------------------------------------ helpers
    @classmethod
    def from_counts(cls, females: int, males: int, **fields: Any) -> "PVAParameters":
        """Parameters starting from exact numbers of females and males (whole, not both 0)."""
        f = int(require_number(females, "females", minimum=0, integer=True))
        m = int(require_number(males, "males", minimum=0, integer=True))
        if f + m == 0:
            raise InvalidInputError("females", "females and males are both 0", "start with at least 1 individual")
        return cls(initial_size=f + m, initial_proportion_male=m / (f + m), **fields)

    @property
    def juvenile_survival_by_age(self) -> tuple[float, ...]:
        """Juvenile survival for ages 0 … A−1."""
        if isinstance(self.juvenile_survival, tuple):
            return self.juvenile_survival
        return (float(self.juvenile_survival),) * self.age_at_first_breeding

    @property
    def effective_generation_time(self) -> float:
        """Generation time used for genetics, years (``generation_time`` or the default described above)."""
        if self.generation_time is not None:
            return float(self.generation_time)
        if self.model == "diffusion":
            return 1.0
        s = self.adult_survival
        return self.age_at_first_breeding + s / (1.0 - s)

    @property
    def effective_release_gene_diversity(self) -> float:
        return self.initial_gene_diversity if self.release_gene_diversity is None else self.release_gene_diversity

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        data = dataclasses.asdict(self)
        data["catastrophes"] = [c.to_dict() for c in self.catastrophes]
        for name in ("juvenile_survival", "removal_years", "release_years"):
            value = getattr(self, name)
            data[name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PVAParameters":
        """Rebuild from :meth:`to_dict` output."""
        fields = dict(data)
        fields["catastrophes"] = tuple(Catastrophe.from_dict(c) for c in fields.get("catastrophes", ()))
        if isinstance(fields.get("juvenile_survival"), list):
            fields["juvenile_survival"] = tuple(fields["juvenile_survival"])
        for name in ("removal_years", "release_years"):
            if name in fields:
                fields[name] = tuple(fields[name])
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise InvalidInputError(unknown[0], "is not a PVA parameter", "remove it or check the spelling")
        return cls(**fields)


# ------------------------------------------------------------------------------------- deterministic analysis
def _catastrophe_multipliers(params: PVAParameters) -> tuple[float, float]:
    """Expected multipliers of survival and breeding from all catastrophes: Π(1 − p·severity)."""
    survival = math.prod(1 - c.probability * c.survival_severity for c in params.catastrophes)
    fecundity = math.prod(1 - c.probability * c.fecundity_severity for c in params.catastrophes)
    return survival, fecundity


def projection_matrix(params: PVAParameters, include_catastrophes: bool = True) -> np.ndarray:
    """Two-sex projection matrix of the stage model with mean rates (polygynous, males present).

    Classes (rows/columns): females aged 1 … A−1, adult females, males aged 1 … A−1, adult males — the census
    classes after Vortex's yearly order (breed, then survive and age). n_{t+1} = M · n_t.
    With ``include_catastrophes`` the rates carry the expected catastrophe effect Π(1 − p·severity).
    """
    if params.model != "stage":
        raise InvalidInputError("model", "a projection matrix exists only for the stage model",
                                "use model='stage'")
    a = params.age_at_first_breeding
    sj = np.array(params.juvenile_survival_by_age, dtype=float)
    sa = params.adult_survival
    b = params.breeding_probability
    if include_catastrophes:
        ms, mf = _catastrophe_multipliers(params)
        sj, sa, b = sj * ms, sa * ms, b * mf
    recruits = b * params.mean_offspring * sj[0]  # surviving offspring per adult female
    block = np.zeros((a, a))
    for k in range(a - 1):  # class k = age k+1 → class k+1, survival of age k+1
        block[k + 1, k] = sj[k + 1]
    block[a - 1, a - 1] += sa
    matrix = np.zeros((2 * a, 2 * a))
    matrix[:a, :a] = block
    matrix[a:, a:] = block
    matrix[0, a - 1] += recruits * (1 - params.sex_ratio_at_birth)
    matrix[a, a - 1] += recruits * params.sex_ratio_at_birth
    return matrix


def deterministic_growth_rate(params: PVAParameters, include_catastrophes: bool = True) -> float:
    """λ of the mean rates: dominant eigenvalue of :func:`projection_matrix` (stage) or e^μ (diffusion).

    For the diffusion model λ = e^μ is the growth of the median path (μ is the mean of ln growth).
    """
    if params.model == "diffusion":
        ms, _ = _catastrophe_multipliers(params) if include_catastrophes else (1.0, 1.0)
        return float(math.exp(params.mu) * ms)
    matrix = projection_matrix(params, include_catastrophes)
    a = params.age_at_first_breeding
    # Females drive growth (males are a copy fed by them), so λ is the female block's dominant eigenvalue.
    return float(np.max(np.abs(np.linalg.eigvals(matrix[:a, :a]))))


def stable_stage_distribution(params: PVAParameters) -> np.ndarray:
    """Proportions in each class of :func:`projection_matrix` at the stable age distribution (sums to 1)."""
    matrix = projection_matrix(params)
    values, vectors = np.linalg.eig(matrix)
    a = params.age_at_first_breeding
    female_lambda = deterministic_growth_rate(params)
    candidates = [i for i in range(values.size) if abs(values[i] - female_lambda) < 1e-9 * max(1, female_lambda)]
    best = None
    for i in candidates:
        vector = np.real(vectors[:, i])
        if np.all(vector >= -1e-12) or np.all(vector <= 1e-12):
            vector = np.abs(vector)
            if vector[:a].sum() > 0 and vector[a:].sum() > 0:
                best = vector
                break
    if best is None:  # degenerate rates (e.g. no recruitment): everyone an adult, split by sex ratio
        best = np.zeros(2 * a)
        best[a - 1] = 1 - params.sex_ratio_at_birth
        best[2 * a - 1] = params.sex_ratio_at_birth
    return best / best.sum()


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    raw = total * shares / shares.sum()
    whole = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - whole), kind="stable")
    whole[order[: total - int(whole.sum())]] += 1
    return whole


def _initial_classes(params: PVAParameters) -> tuple[np.ndarray, np.ndarray]:
    """Initial females and males per class (length A each), whole numbers."""
    a = params.age_at_first_breeding
    n = int(params.initial_size)
    males_total = int(round(n * params.initial_proportion_male))
    females_total = n - males_total
    if params.initial_age_distribution == "adults" or a == 1:
        females = np.zeros(a, dtype=np.int64)
        males = np.zeros(a, dtype=np.int64)
        females[-1], males[-1] = females_total, males_total
        return females, males
    shares = stable_stage_distribution(params)
    return _largest_remainder(females_total, shares[:a]), _largest_remainder(males_total, shares[a:])


# ----------------------------------------------------------------------------------------- Dennis et al.
def dennis_quasi_extinction_probability(mu: float, sigma2: float, n0: float, threshold: float,
                                        t: float | np.ndarray) -> float | np.ndarray:
    """Probability that a diffusion population first falls to ``threshold`` within ``t`` years.

    Inverse-Gaussian first-passage CDF of Dennis, Munholland & Scott (1991, Ecological Monographs 61:115–143):
    G(T) = Φ((−d − μT)/√(σ²T)) + exp(−2μd/σ²)·Φ((−d + μT)/√(σ²T)), d = ln(N₀/N_c).

    Parameters: ``mu`` mean of ln(N_{t+1}/N_t) per year; ``sigma2`` its variance per year (> 0);
    ``n0`` initial size and ``threshold`` N_c (individuals, > 0); ``t`` years (≥ 0, scalar or array).
    Computed in log space so that exp(−2μd/σ²) cannot overflow. Returns 1 when n0 ≤ threshold.
    """
    m = require_number(mu, "mu", unit="per year")
    s2 = require_number(sigma2, "sigma2", minimum=0, inclusive_minimum=False, unit="per year")
    start = require_number(n0, "n0", minimum=0, inclusive_minimum=False, unit="individuals")
    nc = require_number(threshold, "threshold", minimum=0, inclusive_minimum=False, unit="individuals")
    times = np.asarray(t, dtype=float)
    if times.size == 0 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise InvalidInputError("t", f"expected years ≥ 0, got {t!r}", "enter non-negative numbers of years")
    d = math.log(start / nc)
    if d <= 0:
        result = np.ones_like(times)
    else:
        from scipy.special import log_ndtr  # imported here: scipy.special costs ~1 s at import (apps start faster)

        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(s2 * times)
            first = log_ndtr((-d - m * times) / root)
            second = -2 * m * d / s2 + log_ndtr((-d + m * times) / root)
            result = np.where(times > 0, np.exp(first) + np.exp(second), 0.0)
        result = np.clip(result, 0.0, 1.0)
    return float(result) if result.ndim == 0 else result


# -------------------------------------------------------------------------------------------------- results
def _array_to_list(values: np.ndarray) -> list:
    """Array → nested list with NaN as None (JSON has no NaN)."""
    array = np.asarray(values)
    if array.dtype.kind == "f":
        obj = array.astype(object)
        obj[np.isnan(array)] = None
        return obj.tolist()
    return array.tolist()


def _list_to_array(values: Any, dtype: Any = float) -> np.ndarray:
    if dtype is float:
        return np.array(values, dtype=object).astype(float) if len(values) else np.array([], dtype=float)
    return np.asarray(values, dtype=dtype)


@dataclass(frozen=True, eq=False)
class PVAResult:
    """Outcome of :func:`run_pva`. Year 0 is the start; arrays have one entry per year 0 … ``years``.

    Attributes
    ----------
    parameters: the :class:`PVAParameters` run.
    replicates, years, seed, deterministic: how it was run (a deterministic run has 1 replicate).
    percentile_levels: the percentiles (0–100) in ``size_percentiles``.
    extinction_counts: replicates that went extinct for the first time in each year.
    quasi_extinction_counts: replicates that first fell to ≤ the quasi-extinction threshold in each year.
    size_percentiles: N percentiles over all replicates (extinct ones count as 0), shape (levels, years + 1).
    mean_size: mean N over all replicates; mean_size_extant: over extant replicates (NaN if none).
    gene_diversity_mean: mean expected heterozygosity H over extant replicates (NaN if none).
    mean_removed, mean_released: mean individuals taken from / added to (surviving releases) the wild per year.
    stochastic_growth_rate, stochastic_growth_rate_sd: mean and SD of ln(N_t/N_{t−1}) over years and
        replicates while extant (Vortex's stoch-r), NaN if undefined.
    deterministic_growth_rate: λ of the mean rates (see :func:`deterministic_growth_rate`).
    final_size: summary of N in the last year — mean, sd, median, p5, p95, mean_extant, extant_share.
    trajectories: N per replicate and year (replicates × years + 1) if ``keep_trajectories``, else None.
    """

    parameters: PVAParameters
    replicates: int
    years: int
    seed: int | None
    deterministic: bool
    percentile_levels: tuple[float, ...]
    extinction_counts: np.ndarray
    quasi_extinction_counts: np.ndarray
    size_percentiles: np.ndarray
    mean_size: np.ndarray
    mean_size_extant: np.ndarray
    gene_diversity_mean: np.ndarray
    mean_removed: np.ndarray
    mean_released: np.ndarray
    stochastic_growth_rate: float
    stochastic_growth_rate_sd: float
    deterministic_growth_rate: float
    final_size: dict[str, float]
    trajectories: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ derived
    @property
    def year(self) -> np.ndarray:
        return np.arange(self.years + 1)

    @property
    def extinction_probability(self) -> np.ndarray:
        """P(extinct at least once by year t), cumulative over years."""
        return np.cumsum(self.extinction_counts) / self.replicates

    @property
    def quasi_extinction_probability(self) -> np.ndarray:
        """P(N ≤ threshold at least once by year t), cumulative over years."""
        return np.cumsum(self.quasi_extinction_counts) / self.replicates

    def percentile(self, level: float) -> np.ndarray:
        """The N trajectory at one of the stored percentile levels (e.g. 50 for the median)."""
        levels = list(self.percentile_levels)
        if float(level) not in levels:
            raise InvalidInputError("level", f"{level!r} is not a stored percentile",
                                    f"use one of {', '.join(f'{x:g}' for x in levels)}")
        return self.size_percentiles[levels.index(float(level))]

    def _times(self, counts: np.ndarray) -> np.ndarray:
        return np.repeat(np.arange(counts.size), counts)

    @property
    def median_time_to_extinction(self) -> float | None:
        """Median year of first extinction among replicates that went extinct (None if none did)."""
        times = self._times(self.extinction_counts)
        return float(np.median(times)) if times.size else None

    @property
    def mean_time_to_extinction(self) -> float | None:
        """Mean year of first extinction among replicates that went extinct (None if none did)."""
        times = self._times(self.extinction_counts)
        return float(np.mean(times)) if times.size else None

    def time_to_extinction(self) -> pd.DataFrame:
        """Distribution of the year of first extinction: year, count, share of all replicates, cumulative."""
        return pd.DataFrame({
            "year": self.year,
            "extinctions": self.extinction_counts,
            "share": self.extinction_counts / self.replicates,
            "cumulative": self.extinction_probability,
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per year: probabilities, percentiles of N, means and gene diversity."""
        data: dict[str, Any] = {
            "year": self.year,
            "extinction_probability": self.extinction_probability,
            "quasi_extinction_probability": self.quasi_extinction_probability,
        }
        for level, row in zip(self.percentile_levels, self.size_percentiles):
            data[f"n_p{level:g}"] = row
        data.update(mean_size=self.mean_size, mean_size_extant=self.mean_size_extant,
                    gene_diversity=self.gene_diversity_mean, removed=self.mean_removed,
                    released=self.mean_released)
        return pd.DataFrame(data)

    def summary(self) -> dict[str, Any]:
        """Headline numbers for the final year (JSON-able; NaN as None)."""
        def clean(value: float | None) -> float | None:
            return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

        return {
            "extinction_probability": float(self.extinction_probability[-1]),
            "quasi_extinction_probability": float(self.quasi_extinction_probability[-1]),
            "median_time_to_extinction": self.median_time_to_extinction,
            "median_final_size": clean(self.final_size["median"]),
            "mean_final_size": clean(self.final_size["mean"]),
            "mean_final_size_extant": clean(self.final_size["mean_extant"]),
            "final_gene_diversity": clean(float(self.gene_diversity_mean[-1])),
            "stochastic_growth_rate": clean(self.stochastic_growth_rate),
            "deterministic_growth_rate": clean(self.deterministic_growth_rate),
            "total_removed": float(np.sum(self.mean_removed)),
            "total_released": float(np.sum(self.mean_released)),
        }

    # ------------------------------------------------------------------ serialisation
    _ARRAYS = ("size_percentiles", "mean_size", "mean_size_extant", "gene_diversity_mean", "mean_removed",
               "mean_released")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (arrays as lists, NaN as None)."""
        data: dict[str, Any] = {
            "parameters": self.parameters.to_dict(),
            "replicates": self.replicates,
            "years": self.years,
            "seed": self.seed,
            "deterministic": self.deterministic,
            "percentile_levels": list(self.percentile_levels),
            "extinction_counts": _array_to_list(self.extinction_counts),
            "quasi_extinction_counts": _array_to_list(self.quasi_extinction_counts),
        }
        for name in self._ARRAYS:
            data[name] = _array_to_list(getattr(self, name))
        for name in ("stochastic_growth_rate", "stochastic_growth_rate_sd", "deterministic_growth_rate"):
            value = float(getattr(self, name))
            data[name] = None if math.isnan(value) else value
        data["final_size"] = {k: (None if math.isnan(v) else float(v)) for k, v in self.final_size.items()}
        data["trajectories"] = None if self.trajectories is None else _array_to_list(self.trajectories)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PVAResult":
        """Rebuild from :meth:`to_dict` output."""
        def number(value: Any) -> float:
            return math.nan if value is None else float(value)

        trajectories = data.get("trajectories")
        return cls(
            parameters=PVAParameters.from_dict(data["parameters"]),
            replicates=int(data["replicates"]),
            years=int(data["years"]),
            seed=None if data.get("seed") is None else int(data["seed"]),
            deterministic=bool(data["deterministic"]),
            percentile_levels=tuple(float(x) for x in data["percentile_levels"]),
            extinction_counts=np.asarray(data["extinction_counts"], dtype=np.int64),
            quasi_extinction_counts=np.asarray(data["quasi_extinction_counts"], dtype=np.int64),
            size_percentiles=np.array(data["size_percentiles"], dtype=object).astype(float),
            mean_size=_list_to_array(data["mean_size"]),
            mean_size_extant=_list_to_array(data["mean_size_extant"]),
            gene_diversity_mean=_list_to_array(data["gene_diversity_mean"]),
            mean_removed=_list_to_array(data["mean_removed"]),
            mean_released=_list_to_array(data["mean_released"]),
            stochastic_growth_rate=number(data["stochastic_growth_rate"]),
            stochastic_growth_rate_sd=number(data["stochastic_growth_rate_sd"]),
            deterministic_growth_rate=number(data["deterministic_growth_rate"]),
            final_size={k: number(v) for k, v in data["final_size"].items()},
            trajectories=None if trajectories is None else np.array(trajectories, dtype=object).astype(float),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PVAResult):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


# ------------------------------------------------------------------------------------------------ simulation
class _Streams:
    """Independent random streams per source of chance, so scenarios share environment and catastrophes
    (common random numbers) even when management changes how many demographic draws are made."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        children = seed.spawn(5)
        self.environment, self.catastrophe, self.demography, self.management, self.capacity = (
            np.random.Generator(np.random.PCG64(child)) for child in children)


def _beta_parameters(mean: float, sd: float) -> tuple[float, float]:
    k = mean * (1 - mean) / sd ** 2 - 1
    return mean * k, (1 - mean) * k


def _rate(rng: np.random.Generator, mean: float, sd: float, size: int, random_ev: bool) -> np.ndarray | float:
    """This year's rate per replicate: a beta draw with the given mean and SD, or the mean."""
    if not random_ev or sd == 0 or mean in (0.0, 1.0):
        return mean
    a, b = _beta_parameters(mean, sd)
    return rng.beta(a, b, size)


class _Tracker:
    """Bookkeeping shared by both models: census, extinction, quasi-extinction, genetics, growth rate."""

    def __init__(self, params: PVAParameters, replicates: int, years: int, keep: bool) -> None:
        self.params = params
        self.r = replicates
        self.n = np.zeros((replicates, years + 1))
        self.extinct_year = np.full(replicates, -1, dtype=np.int64)
        self.quasi_year = np.full(replicates, -1, dtype=np.int64)
        self.h = np.full(replicates, params.initial_gene_diversity, dtype=float)
        self.h_sum = np.zeros(years + 1)
        self.h_count = np.zeros(years + 1)
        self.removed = np.zeros(years + 1)  # totals over this tracker's replicates
        self.released = np.zeros(years + 1)
        self.growth_sum = 0.0
        self.growth_sq = 0.0
        self.growth_count = 0
        self.per_year_loss_exponent = 1.0 / params.effective_generation_time
        self.keep = keep

    def census(self, t: int, total: np.ndarray, adults: np.ndarray, quasi_crossed: np.ndarray | None = None) -> None:
        threshold = self.params.quasi_extinction_threshold
        self.n[:, t] = total
        if t > 0:
            previous = self.n[:, t - 1]
            alive = (previous > 0) & (total > 0)
            if np.any(alive):
                step = np.log(total[alive] / previous[alive])
                self.growth_sum += float(step.sum())
                self.growth_sq += float(np.square(step).sum())
                self.growth_count += int(step.size)
            # genetic drift over the year, from this census's Ne
            ne = self.params.ne_to_n_ratio * adults
            with np.errstate(divide="ignore"):
                factor = np.clip(1.0 - 1.0 / (2.0 * ne), 0.0, 1.0)
            self.h = self.h * factor ** self.per_year_loss_exponent
        quasi = total <= threshold
        if quasi_crossed is not None:
            quasi = quasi | quasi_crossed
        self.quasi_year[(self.quasi_year < 0) & quasi] = t
        extant = total > 0
        self.h = np.where(extant, self.h, np.nan)
        if np.any(extant):
            self.h_sum[t] = float(np.sum(self.h[extant]))
            self.h_count[t] = float(np.count_nonzero(extant))

    @classmethod
    def merge(cls, parts: list["_Tracker"]) -> "_Tracker":
        """Combine the trackers of consecutive blocks of replicates into one."""
        if len(parts) == 1:
            return parts[0]
        merged = parts[0]
        merged.n = np.concatenate([p.n for p in parts])
        merged.r = int(merged.n.shape[0])
        for name in ("extinct_year", "quasi_year", "h"):
            setattr(merged, name, np.concatenate([getattr(p, name) for p in parts]))
        for name in ("h_sum", "h_count", "removed", "released", "growth_sum", "growth_sq", "growth_count"):
            setattr(merged, name, sum(getattr(p, name) for p in parts))
        return merged

    def mark_extinct(self, t: int, extinct: np.ndarray) -> None:
        self.extinct_year[(self.extinct_year < 0) & extinct] = t

    def mix_releases(self, wild: np.ndarray, added: np.ndarray) -> None:
        h_release = self.params.effective_release_gene_diversity
        total = wild + added
        wild_part = np.where(wild > 0, np.nan_to_num(self.h) * wild, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mixed = (wild_part + h_release * added) / total
        self.h = np.where(total > 0, mixed, self.h)


def _simulate_stage(params: PVAParameters, replicates: int, years: int, streams: _Streams,
                    deterministic: bool, tracker: _Tracker) -> None:
    a = params.age_at_first_breeding
    demographic = params.demographic_stochasticity and not deterministic
    random_ev = not deterministic
    dtype = np.int64 if demographic else float
    r = replicates
    f0, m0 = _initial_classes(params)
    females = np.tile(f0, (r, 1)).astype(dtype)
    males = np.tile(m0, (r, 1)).astype(dtype)
    sj_mean = params.juvenile_survival_by_age
    survival_mult_expected, fecundity_mult_expected = _catastrophe_multipliers(params)
    cats = params.catastrophes
    cat_p = np.array([c.probability for c in cats])
    cat_s = np.array([1 - c.survival_severity for c in cats])
    cat_f = np.array([1 - c.fecundity_severity for c in cats])
    removal_years = set(params.removal_years)
    release_years = set(params.release_years)
    rng_d, rng_m = streams.demography, streams.management
    ones = np.ones(r)

    tracker.census(0, (_row_sum(females) + _row_sum(males)).astype(float),
                   (females[:, -1] + males[:, -1]).astype(float))

    for t in range(1, years + 1):
        # 1. environmental variation and catastrophes
        sj = [_rate(streams.environment, s, params.juvenile_survival_sd, r, random_ev) for s in sj_mean]
        sa = _rate(streams.environment, params.adult_survival, params.adult_survival_sd, r, random_ev)
        bp = _rate(streams.environment, params.breeding_probability, params.breeding_probability_sd, r, random_ev)
        if deterministic:
            surv_mult, fec_mult = survival_mult_expected, fecundity_mult_expected
        elif cats:
            surv_mult, fec_mult = _catastrophe_draw(streams.catastrophe, r, cat_p, cat_s, cat_f)
        else:
            surv_mult, fec_mult = ones, ones
        capacity = _capacity(params, streams, r, deterministic)

        # 2. breeding
        adult_f, adult_m = females[:, -1], males[:, -1]
        p_breed = bp * fec_mult * ones  # both factors lie in [0, 1]
        breeders = rng_d.binomial(adult_f, p_breed) if demographic else adult_f * p_breed
        if params.mating_system == "polygynous":
            breeders = np.where(adult_m > 0, breeders, 0)
        else:
            breeders = np.minimum(breeders, adult_m)
        # 3. mortality and ageing. Offspring that survive their first year, by sex: Poisson births split by
        # a binomial sex ratio and thinned by binomial first-year survival are, by the splitting and thinning
        # properties of the Poisson distribution, exactly two independent Poisson counts with means
        # breeders·f·(1 − sr)·s0 and breeders·f·sr·s0 — two draws instead of four.
        recruits = breeders * params.mean_offspring * (sj[0] * surv_mult)
        survival = np.empty((r, a))
        for k in range(a - 1):
            survival[:, k] = sj[k + 1] * surv_mult
        survival[:, a - 1] = sa * surv_mult
        if demographic:
            born_f = rng_d.poisson(recruits * (1.0 - params.sex_ratio_at_birth))
            born_m = rng_d.poisson(recruits * params.sex_ratio_at_birth)
            surv_f, surv_m = rng_d.binomial(females, survival), rng_d.binomial(males, survival)
        else:
            born_f = recruits * (1.0 - params.sex_ratio_at_birth)
            born_m = recruits * params.sex_ratio_at_birth
            surv_f, surv_m = females * survival, males * survival
        females = _age(surv_f, born_f)
        males = _age(surv_m, born_m)

        # 4. removals (founders for an ex situ population) and 5. releases
        if t in removal_years:
            take_f = np.minimum(females[:, -1], params.removal_females)
            take_m = np.minimum(males[:, -1], params.removal_males)
            females[:, -1] -= take_f
            males[:, -1] -= take_m
            tracker.removed[t] = float(np.sum(take_f + take_m))
        if t in release_years:
            wild_adults = (females[:, -1] + males[:, -1]).astype(float)
            if demographic:
                add_f = rng_m.binomial(params.release_females, params.release_survival, r)
                add_m = rng_m.binomial(params.release_males, params.release_survival, r)
            else:
                add_f = np.full(r, params.release_females * params.release_survival)
                add_m = np.full(r, params.release_males * params.release_survival)
            females[:, -1] += add_f
            males[:, -1] += add_m
            tracker.released[t] = float(np.sum(add_f + add_m))
            tracker.mix_releases(wild_adults, (add_f + add_m).astype(float))

        # 6. carrying capacity
        if capacity is not None:
            females, males = _apply_ceiling(females, males, capacity, rng_d, demographic)

        # 7. census and extinction
        n_f, n_m = _row_sum(females), _row_sum(males)
        total = (n_f + n_m).astype(float)
        extinct = (n_f == 0) | (n_m == 0) if demographic else total < 1.0
        if np.any(extinct & (total > 0)):
            females[extinct] = 0
            males[extinct] = 0
            total = np.where(extinct, 0.0, total)
        tracker.mark_extinct(t, extinct)
        tracker.census(t, total, (females[:, -1] + males[:, -1]).astype(float))


def _row_sum(classes: np.ndarray) -> np.ndarray:
    """Sum over the (few) class columns. Adding columns is ~20× faster than ``sum(axis=1)`` on (R, 2–5) arrays."""
    total = classes[:, 0].copy()
    for k in range(1, classes.shape[1]):
        total += classes[:, k]
    return total


def _catastrophe_draw(rng: np.random.Generator, r: int, p: np.ndarray, survival: np.ndarray,
                      fecundity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """This year's survival and breeding multipliers per replicate from independent catastrophes."""
    hits = rng.random((p.size, r)) < p[:, None]
    surv_mult = np.ones(r)
    fec_mult = np.ones(r)
    for c in range(p.size):
        if survival[c] != 1.0:
            surv_mult = np.where(hits[c], surv_mult * survival[c], surv_mult)
        if fecundity[c] != 1.0:
            fec_mult = np.where(hits[c], fec_mult * fecundity[c], fec_mult)
    return surv_mult, fec_mult


def _age(survivors: np.ndarray, born: np.ndarray) -> np.ndarray:
    """Move survivors of class k (age k+1) to class k+1; adults stay; surviving newborns enter class 0."""
    aged = np.zeros_like(survivors)
    aged[:, 1:] = survivors[:, :-1]
    aged[:, -1] += survivors[:, -1]
    aged[:, 0] += born
    return aged


def _capacity(params: PVAParameters, streams: _Streams, r: int, deterministic: bool) -> np.ndarray | None:
    if params.carrying_capacity is None:
        return None
    if params.carrying_capacity_sd > 0 and not deterministic:
        k = streams.capacity.normal(params.carrying_capacity, params.carrying_capacity_sd, r)
        return np.maximum(k, 0.0)
    return np.full(r, float(params.carrying_capacity))


def _apply_ceiling(females: np.ndarray, males: np.ndarray, capacity: np.ndarray, rng: np.random.Generator,
                   demographic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Truncate N to K: random removal without replacement across all classes (sequential hypergeometric)."""
    total = _row_sum(females) + _row_sum(males)
    over = total > capacity
    if not np.any(over):
        return females, males
    if not demographic:
        scale = np.where(over, capacity / np.where(total > 0, total, 1), 1.0)
        return females * scale[:, None], males * scale[:, None]
    rows = np.nonzero(over)[0]
    cells = np.concatenate([females[rows], males[rows]], axis=1)
    keep_left = np.floor(capacity[rows]).astype(np.int64)
    remaining = cells.sum(1)
    kept = np.zeros_like(cells)
    # Multivariate hypergeometric draw done cell by cell, vectorised over replicates (numpy's
    # multivariate_hypergeometric takes a single colour vector, so it cannot be applied per row at once).
    for c in range(cells.shape[1] - 1):
        others = remaining - cells[:, c]
        take = rng.hypergeometric(cells[:, c], others, keep_left)
        kept[:, c] = take
        keep_left -= take
        remaining = others
    kept[:, -1] = keep_left
    a = females.shape[1]
    females, males = females.copy(), males.copy()
    females[rows], males[rows] = kept[:, :a], kept[:, a:]
    return females, males


def _simulate_diffusion(params: PVAParameters, replicates: int, years: int, streams: _Streams,
                        deterministic: bool, tracker: _Tracker) -> None:
    r = replicates
    demographic = params.demographic_stochasticity and not deterministic
    sigma = math.sqrt(params.sigma2)
    steps = 1 if (demographic or deterministic) else params.steps_per_year
    h = 1.0 / steps
    survival_mult_expected, _ = _catastrophe_multipliers(params)
    cats = params.catastrophes
    cat_p = np.array([c.probability for c in cats])
    cat_s = np.array([1 - c.survival_severity for c in cats])
    removal_years, release_years = set(params.removal_years), set(params.release_years)
    threshold = params.quasi_extinction_threshold
    bridge = (params.continuous_monitoring and not demographic and not deterministic and sigma > 0)
    log_quasi = math.log(threshold) if threshold > 0 else -math.inf
    extinction_level = 1.0  # a continuous population below one individual is extinct

    n = np.full(r, float(params.initial_size))
    if demographic:
        n = np.round(n)
    tracker.census(0, n.copy(), n.copy())

    for t in range(1, years + 1):
        crossed_quasi = np.zeros(r, dtype=bool)
        crossed_extinct = np.zeros(r, dtype=bool)
        capacity = _capacity(params, streams, r, deterministic)
        alive = n > 0
        if deterministic:
            n = n * math.exp(params.mu)
        elif demographic:
            growth = np.exp(params.mu + sigma * streams.environment.standard_normal(r))
            n = _poisson_float(streams.demography, n * growth)
        else:
            x = np.log(np.where(alive, n, 1.0))
            for _ in range(steps):
                x_new = x + params.mu * h + sigma * math.sqrt(h) * streams.environment.standard_normal(r)
                if bridge:
                    u = streams.demography.random(r)
                    crossed_quasi |= _bridge_crossed(x, x_new, log_quasi, params.sigma2 * h, u)
                    crossed_extinct |= _bridge_crossed(x, x_new, math.log(extinction_level),
                                                       params.sigma2 * h, u)
                else:
                    crossed_quasi |= x_new <= log_quasi
                    crossed_extinct |= x_new < math.log(extinction_level)
                x = x_new
            n = np.where(alive, np.exp(x), 0.0)
        # catastrophes
        if deterministic:
            n = n * survival_mult_expected
        elif cats:
            mult, _ = _catastrophe_draw(streams.catastrophe, r, cat_p, cat_s, np.ones(len(cats)))
            n = _binomial_or_scale(streams.demography, n, mult, demographic)
        if t in removal_years:
            take = np.minimum(n, params.removal_females + params.removal_males)
            n = n - take
            tracker.removed[t] = float(np.sum(take))
        if t in release_years:
            wanted = params.release_females + params.release_males
            if demographic:
                added = streams.management.binomial(wanted, params.release_survival, r).astype(float)
            else:
                added = np.full(r, wanted * params.release_survival)
            tracker.mix_releases(n.copy(), added)
            n = n + added
            tracker.released[t] = float(np.sum(added))
        if capacity is not None:
            n = np.minimum(n, np.floor(capacity) if demographic else capacity)
        if demographic:
            extinct = n <= 0
        else:
            extinct = (n < extinction_level) | (crossed_extinct & alive)
            n = np.where(extinct, 0.0, n)
        tracker.mark_extinct(t, extinct & alive)
        tracker.census(t, n.copy(), n.copy(), crossed_quasi & alive)


def _poisson_float(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    return rng.poisson(mean).astype(float)


def _binomial_or_scale(rng: np.random.Generator, n: np.ndarray, p: np.ndarray, demographic: bool) -> np.ndarray:
    if demographic:
        return rng.binomial(n.astype(np.int64), p).astype(float)
    return n * p


def _bridge_crossed(x0: np.ndarray, x1: np.ndarray, barrier: float, variance: float, u: np.ndarray) -> np.ndarray:
    """Did a Brownian path from x0 to x1 (variance ``variance`` over the step) touch ``barrier``?

    Exact for a Wiener process: P(min ≤ b | x0, x1 > b) = exp(−2(x0 − b)(x1 − b)/variance).
    """
    if barrier == -math.inf:
        return np.zeros(x0.shape, dtype=bool)
    below = (x0 <= barrier) | (x1 <= barrier)
    with np.errstate(over="ignore"):
        p = np.exp(-2.0 * (x0 - barrier) * (x1 - barrier) / variance)
    return below | (u < p)


def run_pva(params: PVAParameters, replicates: int = 1000, years: int = 100, seed: int | None = None, *,
            deterministic: bool = False, keep_trajectories: bool = False,
            percentile_levels: Iterable[float] = DEFAULT_PERCENTILES, workers: int | None = None) -> PVAResult:
    """Project ``params`` for ``years`` years in ``replicates`` replicates (vectorised over replicates).

    Parameters
    ----------
    params: a :class:`PVAParameters`.
    replicates: number of stochastic replicates (whole ≥ 1); ignored (1) when ``deterministic``.
    years: years to project (whole ≥ 1); management years must fall within it.
    seed: whole number ≥ 0 for reproducible results (same seed → identical result), None for fresh chance.
    deterministic: turn every source of chance off (see module doc).
    keep_trajectories: also return every replicate's N per year.
    percentile_levels: percentiles of N to report (0–100), default 5, 25, 50, 75, 95.
    workers: threads to run blocks of :data:`BLOCK_SIZE` replicates in parallel (None → one per CPU core).
        Results are identical for any number of workers.
    """
    if not isinstance(params, PVAParameters):
        raise InvalidInputError("params", f"expected PVAParameters, got {type(params).__name__}",
                                "build one with PVAParameters(...)")
    reps = int(require_number(replicates, "replicates", minimum=1, integer=True))
    span = int(require_number(years, "years", minimum=1, integer=True, unit="years"))
    if seed is not None:
        seed = int(require_number(seed, "seed", minimum=0, integer=True))
    levels = tuple(float(require_number(x, "percentile_levels", minimum=0, maximum=100))
                   for x in percentile_levels)
    if not levels:
        raise InvalidInputError("percentile_levels", "is empty", "give at least one percentile, e.g. [50]")
    for name in ("removal_years", "release_years"):
        late = [y for y in getattr(params, name) if y > span]
        if late:
            raise InvalidInputError(name, f"year {late[0]} is after the last simulated year {span}",
                                    "remove it or simulate more years")
    if workers is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    else:
        threads = int(require_number(workers, "workers", minimum=1, integer=True))
    if deterministic:
        reps = 1
    # Replicates run in fixed blocks, each with its own random streams, so the result depends only on the seed
    # and the number of replicates — never on how many threads ran the blocks.
    sizes = [min(BLOCK_SIZE, reps - start) for start in range(0, reps, BLOCK_SIZE)]
    block_seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    simulate = _simulate_stage if params.model == "stage" else _simulate_diffusion

    def run_block(index: int) -> _Tracker:
        tracker = _Tracker(params, sizes[index], span, keep_trajectories)
        simulate(params, sizes[index], span, _Streams(block_seeds[index]), deterministic, tracker)
        return tracker

    threads = min(threads, len(sizes))
    if threads == 1:
        parts = [run_block(i) for i in range(len(sizes))]
    else:  # numpy's random generators release the GIL while filling arrays, so blocks run in parallel
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(run_block, range(len(sizes))))
    return _result(params, reps, span, seed, deterministic, levels, _Tracker.merge(parts))


def _counts(first_year: np.ndarray, years: int) -> np.ndarray:
    hits = first_year[first_year >= 0]
    return np.bincount(hits, minlength=years + 1).astype(np.int64)


def _result(params: PVAParameters, reps: int, years: int, seed: int | None, deterministic: bool,
            levels: tuple[float, ...], tracker: _Tracker) -> PVAResult:
    n = tracker.n
    extant = n > 0
    extant_count = extant.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_extant = np.where(extant_count > 0, np.where(extant, n, 0).sum(0) / extant_count, np.nan)
        gene_diversity = np.where(tracker.h_count > 0, tracker.h_sum / np.maximum(tracker.h_count, 1), np.nan)
    final = n[:, -1]
    final_extant = final[final > 0]
    if tracker.growth_count:
        mean_r = tracker.growth_sum / tracker.growth_count
        var_r = max(tracker.growth_sq / tracker.growth_count - mean_r ** 2, 0.0)
        sd_r = math.sqrt(var_r * tracker.growth_count / (tracker.growth_count - 1)) if tracker.growth_count > 1 \
            else math.nan
    else:
        mean_r, sd_r = math.nan, math.nan
    return PVAResult(
        parameters=params,
        replicates=reps,
        years=years,
        seed=seed,
        deterministic=deterministic,
        percentile_levels=levels,
        extinction_counts=_counts(tracker.extinct_year, years),
        quasi_extinction_counts=_counts(tracker.quasi_year, years),
        size_percentiles=np.percentile(n, levels, axis=0),
        mean_size=n.mean(0),
        mean_size_extant=mean_extant,
        gene_diversity_mean=gene_diversity,
        mean_removed=tracker.removed / reps,
        mean_released=tracker.released / reps,
        stochastic_growth_rate=mean_r,
        stochastic_growth_rate_sd=sd_r,
        deterministic_growth_rate=deterministic_growth_rate(params),
        final_size={
            "mean": float(final.mean()),
            "sd": float(final.std(ddof=1)) if final.size > 1 else 0.0,
            "median": float(np.median(final)),
            "p5": float(np.percentile(final, 5)),
            "p95": float(np.percentile(final, 95)),
            "mean_extant": float(final_extant.mean()) if final_extant.size else math.nan,
            "extant_share": float(final_extant.size / final.size),
        },
        trajectories=n.copy() if tracker.keep else None,
    )


# --------------------------------------------------------------------------------------------- scenarios
def run_scenarios(scenarios: Mapping[str, PVAParameters], replicates: int = 1000, years: int = 100,
                  seed: int | None = None, **options: Any) -> dict[str, PVAResult]:
    """Run several scenarios with **common random numbers**: every scenario gets the same seed, and each
    source of chance (environment, catastrophes, demography, management, K) has its own stream, so the same
    good and bad years and the same catastrophes hit every scenario. ``seed=None`` draws one seed for all.
    Other keyword arguments go to :func:`run_pva`.
    """
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise InvalidInputError("scenarios", "expected a non-empty mapping of name → PVAParameters",
                                "e.g. {'wild only': params, 'wild + releases': params_with_releases}")
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    results = {}
    for name, params in scenarios.items():
        label = require_text(name, "scenarios")
        if not isinstance(params, PVAParameters):
            raise InvalidInputError("scenarios", f"{label!r} is a {type(params).__name__}, not PVAParameters",
                                    "give PVAParameters for every scenario")
        results[label] = run_pva(params, replicates, years, seed, **options)
    return results


def compare_scenarios(scenarios: Mapping[str, PVAParameters | PVAResult], replicates: int = 1000,
                      years: int = 100, seed: int | None = None, **options: Any) -> pd.DataFrame:
    """Headline results of several scenarios side by side, one row per scenario (index ``scenario``).

    ``scenarios`` maps names to :class:`PVAParameters` (run here with common random numbers, see
    :func:`run_scenarios`) or to results already run. Columns are those of :meth:`PVAResult.summary`.
    """
    if isinstance(scenarios, Mapping) and scenarios and all(isinstance(v, PVAResult) for v in scenarios.values()):
        results = dict(scenarios)
    else:
        results = run_scenarios(scenarios, replicates, years, seed, **options)  # type: ignore[arg-type]
    table = pd.DataFrame([{"scenario": name, **result.summary()} for name, result in results.items()])
    return table.set_index("scenario")
