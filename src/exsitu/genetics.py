"""Gene diversity targets for an ex situ population (ECA Step 3: how many, from how many founders, for how long).

Formulas (standard population genetics; Wright/Falconer; Frankham, Ballou & Briscoe; see
``shared/domain/genetics-demography.md`` §1–§5):

* Loss of gene diversity (expected heterozygosity) by drift per generation: H_{t+1} = H_t · (1 − 1/(2Ne)),
  so after ``years`` with mean generation time L: **GD_t = GD_0 · (1 − 1/(2Ne))^(years/L)**.
* Inbreeding accumulates the complementary way: F_t = 1 − (1 − 1/(2Ne))^t.
* Unequal sex ratio (Wright): Ne = 4·Nm·Nf / (Nm + Nf). Fluctuating size: harmonic mean of N over generations.
* Census size from Ne: N = Ne / (Ne/N). Frankham (1995, Genetical Research 66:95–107): comprehensive wild
  estimates of Ne/N average only 0.10–0.11.
* Founders: N unrelated, non-inbred founders contributing equally capture GD_0 = 1 − 1/(2N) of the source
  population's gene diversity.
* The zoo goal "90 % of gene diversity for 100 years" (AZA Green SSP: ≥ 90 % GD for 100 years or 10
  generations; adapted from Soulé, Gilpin, Conway & Foose 1986, Zoo Biology 5:101–113, who proposed 90 % over
  200 years): Ne ≥ 1 / (2·(1 − (target/GD_0)^(1/t))), t = years / L.

Bio-samples (biobanks, seed banks): sampling N individuals at random from a large random-mating population
draws 2N gene copies, so

* the expected heterozygosity captured is H·(1 − 1/(2N)) (the founder formula above, applied to a sample), and
* an allele at frequency p is captured (at least one copy) with probability 1 − (1 − p)^(2N) — binomial
  sampling, the basis of the sampling strategy of Marshall & Brown (1975, "Optimum sampling strategies in
  genetic conservation", in Frankel & Hawkes (eds) *Crop Genetic Resources for Today and Tomorrow*, CUP):
  sample enough to include, with 95 % probability, alleles with frequency ≥ 0.05 (59 gene copies, i.e. 30
  outcrossed diploid individuals by this formula).
* Lawrence, Marshall & Davies (1995, Euphytica 84:89–99, "Genetics of genetic conservation. I. Sample size
  when collecting germplasm") concluded that a random sample of about **172 plants** conserves, with very high
  probability, all or nearly all alleles with frequency ≥ 0.05 whatever the breeding system
  (:data:`LAWRENCE_1995_SAMPLE_SIZE`).

Rounding convention (matches the worked examples T6–T9 in the domain file): :func:`required_effective_size`
returns the **smallest whole Ne** that meets the target (95.16 → 96), checked with the forward formula so that
Ne meets the target and Ne − 1 does not; :func:`required_effective_size_exact` gives the unrounded value
(95.16). :func:`census_size` returns the **smallest whole number of individuals** N with N·(Ne/N) ≥ Ne, so
the census target in :func:`population_target` is computed from the exact Ne (95.16 / 0.1 → 952, as in T6),
not from the rounded one (which would give 960).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from exsitu.validation import InvalidInputError, require_number

__all__ = [
    "LAWRENCE_1995_SAMPLE_SIZE",
    "PopulationTarget",
    "allele_capture_probability",
    "census_size",
    "effective_size_from_sex_ratio",
    "expected_alleles_captured",
    "founder_gene_diversity",
    "founders_needed",
    "gene_diversity_retained",
    "gene_diversity_trajectory",
    "harmonic_mean_effective_size",
    "inbreeding_after",
    "loss_per_generation",
    "population_target",
    "required_effective_size",
    "required_effective_size_exact",
    "samples_to_capture_allele",
]

#: Lawrence, Marshall & Davies (1995, Euphytica 84:89–99): a random sample of about 172 plants conserves, at a
#: very high probability, all or nearly all alleles with frequency ≥ 0.05, for selfing or outcrossing species.
LAWRENCE_1995_SAMPLE_SIZE = 172

# Largest Ne/N accepted: equalising family sizes (Vk = 0) gives Ne ≈ 2N − 1 (Wright; domain file §2), so Ne/N < 2.
_MAX_NE_TO_N = 2.0

# Relative tolerance used when checking a rounded answer with the forward formula, so that floating-point
# noise (e.g. 1/(2·0.05) = 10.000000000000002) does not push a whole-number answer up by one.
_RTOL = 1e-12


# --------------------------------------------------------------------------------------------------- helpers
def _numbers(value: Any, field: str, *, minimum: float | None = None, maximum: float | None = None,
             inclusive_minimum: bool = True, inclusive_maximum: bool = True, unit: str = "") -> np.ndarray:
    """Validate a number or an array of numbers; return a float array (0-d for a scalar)."""
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, bool):
        require_number(value, field, minimum=minimum, maximum=maximum, inclusive_minimum=inclusive_minimum,
                       inclusive_maximum=inclusive_maximum, unit=unit)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(field, f"expected a number or a list of numbers, got {value!r}",
                                "enter numbers only") from None
    if array.dtype == object or array.size == 0:
        raise InvalidInputError(field, f"expected at least one number, got {value!r}", "enter a number")
    for item in array.ravel():
        require_number(float(item), field, minimum=minimum, maximum=maximum, inclusive_minimum=inclusive_minimum,
                       inclusive_maximum=inclusive_maximum, unit=unit)
    return array


def _out(array: np.ndarray) -> float | np.ndarray:
    """Return a Python float for 0-d input, the array otherwise."""
    return float(array) if np.ndim(array) == 0 else array


def _generations(years: np.ndarray, generation_time: np.ndarray) -> np.ndarray:
    return years / generation_time


# ------------------------------------------------------------------------------------------- drift over time
def loss_per_generation(effective_size: float | np.ndarray) -> float | np.ndarray:
    """Proportion of gene diversity lost per generation, 1/(2·Ne) (domain §1, T3: Ne = 500 → 0.001)."""
    ne = _numbers(effective_size, "effective_size", minimum=0.5)
    return _out(1.0 / (2.0 * ne))


def gene_diversity_retained(effective_size: float | np.ndarray, years: float | np.ndarray,
                            generation_time: float | np.ndarray,
                            initial_gene_diversity: float | np.ndarray = 1.0) -> float | np.ndarray:
    """Gene diversity after ``years``: GD_t = GD_0 · (1 − 1/(2·Ne))^(years / generation_time).

    Parameters
    ----------
    effective_size: Ne, individuals (≥ 0.5; Ne = 0.5 loses everything in one generation).
    years: time span in years (≥ 0); may be an array, e.g. ``numpy.arange(101)`` for a plot.
    generation_time: mean age of parents at the birth of their offspring, years (> 0).
    initial_gene_diversity: GD_0 as a proportion of the source population's (0–1), e.g. from
        :func:`founder_gene_diversity`.

    Returns a float for scalar inputs, otherwise an array broadcast over the inputs.
    Source: Wright/Falconer; domain file §1 (T1: Ne = 50, 10 generations → 0.904382).
    """
    ne = _numbers(effective_size, "effective_size", minimum=0.5, unit="individuals")
    t = _numbers(years, "years", minimum=0, unit="years")
    length = _numbers(generation_time, "generation_time", minimum=0, inclusive_minimum=False, unit="years")
    gd0 = _numbers(initial_gene_diversity, "initial_gene_diversity", minimum=0, maximum=1)
    try:
        return _out(gd0 * (1.0 - 1.0 / (2.0 * ne)) ** _generations(t, length))
    except ValueError:
        raise InvalidInputError("years", f"arrays of shapes {ne.shape} (effective_size) and {t.shape} (years) "
                                "cannot be combined", "give one of them as a single number, or use "
                                "gene_diversity_trajectory for several Ne") from None


def inbreeding_after(effective_size: float | np.ndarray, years: float | np.ndarray,
                     generation_time: float | np.ndarray) -> float | np.ndarray:
    """Expected inbreeding coefficient F after ``years`` from F_0 = 0: F_t = 1 − (1 − 1/(2Ne))^(years/L).

    Units as in :func:`gene_diversity_retained`. Source: domain file §1.
    """
    return _out(1.0 - np.asarray(gene_diversity_retained(effective_size, years, generation_time, 1.0)))


def required_effective_size_exact(target_gene_diversity: float = 0.9, years: float = 100,
                                  generation_time: float | None = None,
                                  initial_gene_diversity: float = 1.0) -> float:
    """The unrounded Ne that retains exactly ``target_gene_diversity`` after ``years``.

    Ne = 1 / (2·(1 − (target/GD_0)^(1/t))), t = years / generation_time (domain §5; T6: L = 5 → 95.16).
    Arguments as in :func:`required_effective_size`.
    """
    target, t, gd0 = _target_inputs(target_gene_diversity, years, generation_time, initial_gene_diversity)
    ratio = target / gd0
    # 1 − r^(1/t) computed as −expm1(ln r / t) to keep precision when the loss per generation is tiny.
    return 1.0 / (2.0 * -math.expm1(math.log(ratio) / t))


def required_effective_size(target_gene_diversity: float = 0.9, years: float = 100,
                            generation_time: float | None = None,
                            initial_gene_diversity: float = 1.0) -> int:
    """Smallest whole Ne that keeps gene diversity at or above the target for ``years``.

    Parameters
    ----------
    target_gene_diversity: proportion of the source (wild) population's gene diversity to keep (0–1);
        0.9 is the zoo "90 % for 100 years" goal (AZA Green SSP; adapted from Soulé et al. 1986).
    years: planning horizon, years (> 0).
    generation_time: mean generation time L, years (> 0). Required — it has no sensible default.
    initial_gene_diversity: GD_0 at the start, as a proportion of the source population's (0–1]; use
        :func:`founder_gene_diversity` to include the founder deficit (domain §5, T9).

    Returns the smallest integer Ne with GD_0·(1 − 1/(2Ne))^(years/L) ≥ target (checked with that formula, so Ne
    meets the target and Ne − 1 does not). The worked examples in the domain file round up the same way:
    L = 5 → 95.16 → **96**; L = 10 → 48; L = 20 → 24; 20 founders, L = 10 → 62.7 → 63. For the unrounded
    value use :func:`required_effective_size_exact`.

    Raises InvalidInputError (field ``target_gene_diversity``) if the target is not below GD_0: no finite Ne
    can then keep it, because drift only loses diversity.
    """
    target, t, gd0 = _target_inputs(target_gene_diversity, years, generation_time, initial_gene_diversity)
    exact = required_effective_size_exact(target, years, generation_time, initial_gene_diversity)
    length = float(generation_time)  # validated above

    def meets(ne: float) -> bool:
        if ne < 0.5:
            return False
        value = gd0 * (1.0 - 1.0 / (2.0 * ne)) ** (float(years) / length)
        return value >= target * (1.0 - _RTOL)

    whole = max(1, math.ceil(exact))
    while whole > 1 and meets(whole - 1):
        whole -= 1
    while not meets(whole):
        whole += 1
    return int(whole)


def _target_inputs(target_gene_diversity: Any, years: Any, generation_time: Any,
                   initial_gene_diversity: Any) -> tuple[float, float, float]:
    if generation_time is None:
        raise InvalidInputError("generation_time", "is required (mean age of parents at offspring birth, years)",
                                "enter the generation time in years, e.g. generation_time=10")
    length = require_number(generation_time, "generation_time", minimum=0, inclusive_minimum=False, unit="years")
    span = require_number(years, "years", minimum=0, inclusive_minimum=False, unit="years")
    gd0 = require_number(initial_gene_diversity, "initial_gene_diversity", minimum=0, maximum=1,
                         inclusive_minimum=False)
    target = require_number(target_gene_diversity, "target_gene_diversity", minimum=0, maximum=1,
                            inclusive_minimum=False)
    if target >= gd0:
        raise InvalidInputError(
            "target_gene_diversity",
            f"{target:g} is not below the starting gene diversity {gd0:g}, so no population size can keep it",
            "choose a target below the starting gene diversity (or start from more founders)")
    return target, span / length, gd0


# ------------------------------------------------------------------------------------------- effective size
def census_size(effective_size: float | np.ndarray, ne_to_n_ratio: float | np.ndarray) -> int | np.ndarray:
    """Census size N needed for a given Ne: the smallest whole N with N·(Ne/N) ≥ Ne (N = Ne / ratio, rounded up).

    Parameters
    ----------
    effective_size: Ne, individuals (> 0).
    ne_to_n_ratio: Ne/N (0–2]; Frankham (1995): comprehensive wild estimates average 0.10–0.11. Above 1 is
        possible in a managed population: with equal family sizes (Vk = 0) Ne ≈ 2N − 1 (Wright; domain §2).

    Domain §3 and §5: Ne 100 at 0.1 → 1000; Ne 95.16 at 0.1 → 952; Ne 47.71 at 0.3 → 160.
    Returns an int for scalar inputs, otherwise an integer array.
    """
    ne = _numbers(effective_size, "effective_size", minimum=0, inclusive_minimum=False, unit="individuals")
    ratio = _numbers(ne_to_n_ratio, "ne_to_n_ratio", minimum=0, maximum=_MAX_NE_TO_N, inclusive_minimum=False)
    raw = ne / ratio
    # Round up, but forgive floating-point noise (100 / 0.1 or 95.16 / 0.1 = 951.5999999999999).
    whole = np.ceil(raw * (1.0 - _RTOL))
    whole = np.where(whole * ratio < ne * (1.0 - _RTOL), whole + 1, whole).astype(np.int64)
    return int(whole) if np.ndim(whole) == 0 else whole


def effective_size_from_sex_ratio(males: float | np.ndarray, females: float | np.ndarray) -> float | np.ndarray:
    """Wright's Ne for an unequal sex ratio: Ne = 4·Nm·Nf / (Nm + Nf).

    ``males`` and ``females`` are numbers of breeding adults (≥ 0, not both 0). Domain §2, T4: 10 males and
    40 females → 32.
    """
    nm = _numbers(males, "males", minimum=0, unit="individuals")
    nf = _numbers(females, "females", minimum=0, unit="individuals")
    total = nm + nf
    if np.any(total == 0):
        raise InvalidInputError("males", "males and females are both 0, so Ne is undefined",
                                "enter at least one breeding adult")
    return _out(4.0 * nm * nf / total)


def harmonic_mean_effective_size(sizes: Iterable[float]) -> float:
    """Ne of a population whose size fluctuates: 1/Ne = (1/t)·Σ 1/N_i over t generations.

    ``sizes``: the (effective) size in each generation, individuals (≥ 0). Domain §2, T5: 100, 10, 100 → 25.
    A generation of size 0 (the population died out) gives Ne = 0, the limit of the formula (1/0 → ∞), as
    ``scipy.stats.hmean`` does.
    """
    values = _numbers(list(sizes) if not isinstance(sizes, np.ndarray) else sizes, "sizes", minimum=0,
                      unit="individuals").ravel()
    if np.any(values == 0):
        return 0.0
    return float(values.size / np.sum(1.0 / values))


# --------------------------------------------------------------------------------------- founders and samples
def founder_gene_diversity(founders: float | np.ndarray) -> float | np.ndarray:
    """Proportion of source gene diversity captured by N unrelated, non-inbred founders: 1 − 1/(2N).

    ``founders``: number of (effective) founders, or of individuals sampled for a biobank/seed bank (≥ 0.5;
    founder genome equivalents may be fractional). Domain §4: 10 → 0.95, 20 → 0.975, 30 → 0.98333.
    """
    n = _numbers(founders, "founders", minimum=0.5, unit="individuals")
    return _out(1.0 - 1.0 / (2.0 * n))


def founders_needed(target_gene_diversity: float) -> int:
    """Smallest whole number of founders (or sampled individuals) with 1 − 1/(2N) ≥ target.

    ``target_gene_diversity``: proportion of source gene diversity to capture (0 ≤ target < 1).
    Domain §4: 0.95 → 10, 0.975 → 20. Checked with the forward formula (1/(2·0.05) is 10.000000000000002 in
    floating point, which must still give 10).
    """
    target = require_number(target_gene_diversity, "target_gene_diversity", minimum=0, maximum=1,
                            inclusive_maximum=False)
    if target <= 0.5:
        return 1
    whole = max(1, math.ceil(1.0 / (2.0 * (1.0 - target))))
    while whole > 1 and 1.0 - 1.0 / (2.0 * (whole - 1)) >= target * (1.0 - _RTOL):
        whole -= 1
    while 1.0 - 1.0 / (2.0 * whole) < target * (1.0 - _RTOL):
        whole += 1
    return int(whole)


def _founders_above(target: float) -> int | str:
    """Smallest whole number of founders whose GD_0 is strictly above ``target`` (for error messages)."""
    if target >= 1:
        return "infinitely many"
    whole = founders_needed(target)
    while 1.0 - 1.0 / (2.0 * whole) <= target:
        whole += 1
    return whole


def allele_capture_probability(allele_frequency: float | np.ndarray, samples: float | np.ndarray,
                               ploidy: int = 2) -> float | np.ndarray:
    """Probability that a random sample includes at least one copy of an allele: 1 − (1 − p)^(ploidy·n).

    Parameters
    ----------
    allele_frequency: p, the allele's frequency in the source population (0–1).
    samples: n, individuals sampled at random (≥ 0).
    ploidy: independent gene copies per sampled individual: 2 for an outcrossing diploid; 1 for a fully
        selfing (homozygous) plant or a haploid; a seed from an outcrossed mother also carries 2.

    Binomial sampling of ploidy·n gene copies from a large population (Marshall & Brown 1975 sampling theory).
    """
    p = _numbers(allele_frequency, "allele_frequency", minimum=0, maximum=1)
    n = _numbers(samples, "samples", minimum=0, unit="individuals")
    k = require_number(ploidy, "ploidy", minimum=1, integer=True)
    return _out(1.0 - (1.0 - p) ** (k * n))


def samples_to_capture_allele(allele_frequency: float = 0.05, probability: float = 0.95, ploidy: int = 2) -> int:
    """Smallest number of individuals to sample so an allele at frequency p is captured with the probability.

    Solves 1 − (1 − p)^(ploidy·n) ≥ probability (see :func:`allele_capture_probability`). With the basic
    strategy of Marshall & Brown (1975) — p = 0.05, probability 0.95 — this gives 59 gene copies, i.e. 30
    outcrossed diploids (``ploidy=2``) or 59 selfers (``ploidy=1``). Compare Lawrence et al. (1995), 172 plants
    for (nearly) all such alleles at many loci (:data:`LAWRENCE_1995_SAMPLE_SIZE`).
    """
    p = require_number(allele_frequency, "allele_frequency", minimum=0, maximum=1, inclusive_minimum=False,
                       inclusive_maximum=True)
    target = require_number(probability, "probability", minimum=0, maximum=1, inclusive_maximum=False)
    k = int(require_number(ploidy, "ploidy", minimum=1, integer=True))
    if target == 0:
        return 0
    if p == 1:
        return 1
    copies = math.log1p(-target) / math.log1p(-p)
    whole = max(0, math.ceil(copies / k))

    def meets(n: int) -> bool:
        return 1.0 - (1.0 - p) ** (k * n) >= target * (1.0 - _RTOL)

    while whole > 0 and meets(whole - 1):
        whole -= 1
    while not meets(whole):
        whole += 1
    return int(whole)


def expected_alleles_captured(allele_frequencies: Iterable[float], samples: float, ploidy: int = 2) -> float:
    """Expected number of a locus's alleles present in a sample: Σ_i [1 − (1 − p_i)^(ploidy·n)].

    ``allele_frequencies``: frequencies of the alleles at one locus (each 0–1; they need not sum to 1 if only
    some alleles are of interest). Divide by the number of alleles for the expected proportion captured.
    """
    values = _numbers(list(allele_frequencies) if not isinstance(allele_frequencies, np.ndarray)
                      else allele_frequencies, "allele_frequencies", minimum=0, maximum=1).ravel()
    return float(np.sum(allele_capture_probability(values, samples, ploidy)))


# ----------------------------------------------------------------------------------------- trajectories
def gene_diversity_trajectory(effective_sizes: float | Iterable[float], years: float = 100,
                              generation_time: float | None = None, initial_gene_diversity: float = 1.0,
                              step: float = 1.0) -> pd.DataFrame:
    """Gene diversity over time for one or more Ne, as a long table for plotting.

    Parameters
    ----------
    effective_sizes: one Ne or several (individuals, ≥ 0.5).
    years: horizon in years (> 0); rows run from year 0 to ``years`` inclusive every ``step`` years.
    generation_time: mean generation time, years (> 0; required).
    initial_gene_diversity: GD_0 (0–1).
    step: spacing of the rows, years (> 0).

    Returns columns ``effective_size``, ``year``, ``generations``, ``gene_diversity`` (formula of
    :func:`gene_diversity_retained`), one block of rows per Ne in the order given.
    """
    if generation_time is None:
        raise InvalidInputError("generation_time", "is required (years)", "enter the generation time in years")
    sizes = _numbers(effective_sizes, "effective_sizes", minimum=0.5, unit="individuals").ravel()
    horizon = require_number(years, "years", minimum=0, inclusive_minimum=False, unit="years")
    spacing = require_number(step, "step", minimum=0, inclusive_minimum=False, unit="years")
    length = require_number(generation_time, "generation_time", minimum=0, inclusive_minimum=False, unit="years")
    gd0 = require_number(initial_gene_diversity, "initial_gene_diversity", minimum=0, maximum=1)
    count = int(math.floor(horizon / spacing * (1 + _RTOL))) + 1
    time = np.arange(count) * spacing
    if time[-1] < horizon * (1 - _RTOL):
        time = np.append(time, horizon)
    ne = np.repeat(sizes, time.size)
    year = np.tile(time, sizes.size)
    return pd.DataFrame({
        "effective_size": ne,
        "year": year,
        "generations": year / length,
        "gene_diversity": gd0 * (1.0 - 1.0 / (2.0 * ne)) ** (year / length),
    })


# ------------------------------------------------------------------------------------------ planning target
@dataclass(frozen=True)
class PopulationTarget:
    """A Step 3 genetic target and the population it needs (see :func:`population_target`).

    Attributes
    ----------
    target_gene_diversity: GD to keep at the end, as a proportion of the source (wild) population's (0–1).
    years: planning horizon, years.
    generation_time: mean generation time, years.
    ne_to_n_ratio: Ne/N assumed for the managed population.
    founders: number of founders the plan starts from, or None (founder deficit ignored, GD_0 = 1).
    initial_gene_diversity: GD_0 = 1 − 1/(2·founders), or 1.0 when ``founders`` is None.
    generations: years / generation_time.
    effective_size_exact: unrounded Ne needed (e.g. 95.16).
    effective_size: smallest whole Ne that meets the target (e.g. 96).
    census_size: smallest whole N with N·ratio ≥ the exact Ne (e.g. 952 at ratio 0.1).
    final_gene_diversity: GD after ``years`` at the whole Ne (≥ the target).
    """

    target_gene_diversity: float
    years: float
    generation_time: float
    ne_to_n_ratio: float
    founders: int | float | None
    initial_gene_diversity: float
    generations: float
    effective_size_exact: float
    effective_size: int
    census_size: int
    final_gene_diversity: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PopulationTarget":
        """Rebuild from :meth:`to_dict` output."""
        fields = dict(data)
        founders = fields.get("founders")
        return cls(
            target_gene_diversity=float(fields["target_gene_diversity"]),
            years=float(fields["years"]),
            generation_time=float(fields["generation_time"]),
            ne_to_n_ratio=float(fields["ne_to_n_ratio"]),
            founders=None if founders is None else (int(founders) if isinstance(founders, int) else float(founders)),
            initial_gene_diversity=float(fields["initial_gene_diversity"]),
            generations=float(fields["generations"]),
            effective_size_exact=float(fields["effective_size_exact"]),
            effective_size=int(fields["effective_size"]),
            census_size=int(fields["census_size"]),
            final_gene_diversity=float(fields["final_gene_diversity"]),
        )


def population_target(target_gene_diversity: float = 0.9, years: float = 100, generation_time: float | None = None,
                      ne_to_n_ratio: float = 0.1, founders: float | None = None) -> PopulationTarget:
    """Ne and census N needed to keep ``target_gene_diversity`` of the source's GD for ``years``.

    Parameters
    ----------
    target_gene_diversity: proportion of the wild population's gene diversity to keep (0–1), e.g. 0.9.
    years: planning horizon, years (> 0), e.g. 100.
    generation_time: mean generation time, years (> 0; required).
    ne_to_n_ratio: Ne/N of the managed population (0–2]; 0.1 is Frankham's (1995) wild average — managed
        zoo populations often achieve more (an unconfirmed 0.2–0.4 is often quoted; treat it as a choice).
    founders: number of unrelated founders (≥ 1), or None to ignore the founder deficit. With founders the
        goal stays a share of **wild** GD, starting from GD_0 = 1 − 1/(2·founders) (domain §5, T9).

    Simplified as in the domain file: ignores the growth phase after founding.
    Raises InvalidInputError naming ``founders`` if the founders capture no more than the target.
    """
    if founders is None:
        gd0 = 1.0
        founder_count = None
    else:
        founder_count = require_number(founders, "founders", minimum=1, unit="individuals")
        founder_count = int(founder_count) if founder_count.is_integer() else founder_count
        gd0 = float(founder_gene_diversity(founder_count))
        target = require_number(target_gene_diversity, "target_gene_diversity", minimum=0, maximum=1,
                                inclusive_minimum=False)
        if target >= gd0:
            raise InvalidInputError(
                "founders",
                f"{founder_count:g} founders capture only {gd0:.4f} of the wild gene diversity, not more than "
                f"the target {target:g}",
                f"start from at least {_founders_above(target)} founders or lower the target")
    exact = required_effective_size_exact(target_gene_diversity, years, generation_time, gd0)
    whole = required_effective_size(target_gene_diversity, years, generation_time, gd0)
    ratio = require_number(ne_to_n_ratio, "ne_to_n_ratio", minimum=0, maximum=_MAX_NE_TO_N, inclusive_minimum=False)
    return PopulationTarget(
        target_gene_diversity=float(target_gene_diversity),
        years=float(years),
        generation_time=float(generation_time),
        ne_to_n_ratio=ratio,
        founders=founder_count,
        initial_gene_diversity=gd0,
        generations=float(years) / float(generation_time),
        effective_size_exact=exact,
        effective_size=whole,
        census_size=census_size(exact, ratio),
        final_gene_diversity=float(gene_diversity_retained(whole, years, generation_time, gd0)),
    )
