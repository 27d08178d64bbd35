"""Tests for exsitu.genetics — worked examples from shared/domain/genetics-demography.md with exact numbers."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from exsitu.genetics import (
    LAWRENCE_1995_SAMPLE_SIZE,
    PopulationTarget,
    allele_capture_probability,
    census_size,
    effective_size_from_sex_ratio,
    expected_alleles_captured,
    founder_gene_diversity,
    founders_needed,
    gene_diversity_retained,
    gene_diversity_trajectory,
    harmonic_mean_effective_size,
    inbreeding_after,
    loss_per_generation,
    population_target,
    required_effective_size,
    required_effective_size_exact,
    samples_to_capture_allele,
)
from exsitu.validation import InvalidInputError


# ---------------------------------------------------------------- §1 drift (T1–T3)
def test_t1_gene_diversity_after_ten_generations():
    assert gene_diversity_retained(50, 10, 1) == pytest.approx(0.904382, abs=5e-7)
    # years and generation time: 100 years at L = 10 is the same 10 generations
    assert gene_diversity_retained(50, 100, 10) == pytest.approx(0.99 ** 10, rel=1e-14)


def test_t2_and_t3():
    assert gene_diversity_retained(25, 20, 1) == pytest.approx(0.667608, abs=5e-7)
    assert loss_per_generation(500) == pytest.approx(0.001, rel=1e-14)


def test_gene_diversity_retained_scales_initial_and_vectorises_over_years():
    years = np.arange(0, 101)
    values = gene_diversity_retained(40, years, 8, initial_gene_diversity=0.975)
    assert isinstance(values, np.ndarray) and values.shape == (101,)
    expected = [0.975 * (1 - 1 / 80) ** (y / 8) for y in range(101)]
    np.testing.assert_allclose(values, expected, rtol=1e-14)
    assert values[0] == 0.975
    assert np.all(np.diff(values) < 0)
    assert isinstance(gene_diversity_retained(40, 10, 8), float)


def test_inbreeding_is_complement():
    assert inbreeding_after(50, 10, 1) == pytest.approx(1 - 0.99 ** 10, rel=1e-13)


@pytest.mark.parametrize("kwargs, field", [
    (dict(effective_size=0.2, years=10, generation_time=1), "effective_size"),
    (dict(effective_size=50, years=-1, generation_time=1), "years"),
    (dict(effective_size=50, years=10, generation_time=0), "generation_time"),
    (dict(effective_size=50, years=10, generation_time=1, initial_gene_diversity=1.2), "initial_gene_diversity"),
    (dict(effective_size="many", years=10, generation_time=1), "effective_size"),
    (dict(effective_size=[50, 100], years=[1, 2, 3], generation_time=1), "years"),
])
def test_gene_diversity_retained_bad_input_names_field(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        gene_diversity_retained(**kwargs)


# ---------------------------------------------------------------- §5 target sizes (T6–T9)
@pytest.mark.parametrize("generation_time, exact, whole, n_01, n_03", [
    (5, 95.16, 96, 952, 318),   # T6
    (10, 47.71, 48, 478, 160),  # T7
    (20, 23.98, 24, 240, 80),   # T8
])
def test_t6_t8_target_sizes(generation_time, exact, whole, n_01, n_03):
    assert required_effective_size_exact(0.9, 100, generation_time) == pytest.approx(exact, abs=0.005)
    ne = required_effective_size(0.9, 100, generation_time=generation_time)
    assert ne == whole and isinstance(ne, int)
    # Ne meets the goal and Ne − 1 does not
    assert gene_diversity_retained(ne, 100, generation_time) >= 0.9
    assert gene_diversity_retained(ne - 1, 100, generation_time) < 0.9
    assert population_target(0.9, 100, generation_time, 0.1).census_size == n_01
    assert population_target(0.9, 100, generation_time, 0.3).census_size == n_03


def test_t9_founder_deficit():
    gd0 = founder_gene_diversity(20)
    assert gd0 == pytest.approx(0.975, rel=1e-15)
    assert required_effective_size_exact(0.9, 100, 10, gd0) == pytest.approx(62.7, abs=0.05)
    assert required_effective_size(0.9, 100, 10, gd0) == 63
    target = population_target(0.9, 100, 10, 0.1, founders=20)
    assert target.initial_gene_diversity == pytest.approx(0.975)
    assert target.effective_size == 63
    assert target.census_size == 628  # 62.717 / 0.1 rounded up
    assert target.final_gene_diversity >= 0.9
    assert target.founders == 20 and isinstance(target.founders, int)


def test_required_effective_size_is_minimal_against_brute_force():
    # independent check: search every whole Ne from 1 upwards with the forward formula
    for target, years, length, gd0 in [(0.9, 100, 7.3, 1.0), (0.95, 50, 3, 0.99), (0.8, 200, 25, 0.9),
                                       (0.5, 10, 1, 1.0), (0.999, 100, 12, 1.0)]:
        brute = next(n for n in range(1, 10 ** 6)
                     if gd0 * (1 - 1 / (2 * n)) ** (years / length) >= target)
        assert required_effective_size(target, years, length, gd0) == brute


def test_required_effective_size_exact_boundary_is_not_pushed_up():
    # a target that is exactly met by Ne = 48 must give 48, not 49 (floating-point noise)
    target = (1 - 1 / 96) ** 10
    assert required_effective_size(target, 100, 10) == 48


def test_required_effective_size_errors():
    with pytest.raises(InvalidInputError, match="^generation_time: .*required"):
        required_effective_size(0.9, 100)
    with pytest.raises(InvalidInputError, match="^target_gene_diversity: "):
        required_effective_size(0.98, 100, 10, initial_gene_diversity=0.975)
    with pytest.raises(InvalidInputError, match="^target_gene_diversity: "):
        required_effective_size(1.0, 100, 10)
    with pytest.raises(InvalidInputError, match="^years: "):
        required_effective_size(0.9, 0, 10)
    with pytest.raises(InvalidInputError, match="^generation_time: "):
        required_effective_size(0.9, 100, -2)
    with pytest.raises(InvalidInputError, match="^initial_gene_diversity: "):
        required_effective_size(0.9, 100, 10, initial_gene_diversity=0)


# ---------------------------------------------------------------- §2–§3 effective and census size
def test_t4_sex_ratio_and_t5_harmonic_mean():
    assert effective_size_from_sex_ratio(10, 40) == 32
    assert effective_size_from_sex_ratio(25, 25) == 50
    np.testing.assert_allclose(effective_size_from_sex_ratio(np.array([10, 1]), np.array([40, 99])), [32, 3.96])
    assert harmonic_mean_effective_size([100, 10, 100]) == pytest.approx(25, rel=1e-14)
    assert harmonic_mean_effective_size(np.array([50.0])) == 50


def test_census_size_rounds_up_to_whole_individuals():
    assert census_size(100, 0.1) == 1000
    assert census_size(1000, 0.1) == 10000
    assert census_size(95.16, 0.1) == 952
    assert census_size(47.71, 0.3) == 160
    assert census_size(96, 0.1) == 960
    assert isinstance(census_size(100, 0.1), int)
    np.testing.assert_array_equal(census_size(np.array([100, 95.16]), 0.1), [1000, 952])


@pytest.mark.parametrize("call, field", [
    (lambda: effective_size_from_sex_ratio(-1, 5), "males"),
    (lambda: effective_size_from_sex_ratio(0, 0), "males"),
    (lambda: effective_size_from_sex_ratio(3, "x"), "females"),
    (lambda: harmonic_mean_effective_size([10, -1]), "sizes"),
    (lambda: harmonic_mean_effective_size([10, "x"]), "sizes"),
    (lambda: harmonic_mean_effective_size([]), "sizes"),
    (lambda: census_size(100, 0), "ne_to_n_ratio"),
    (lambda: census_size(100, 2.5), "ne_to_n_ratio"),
    (lambda: census_size(100, -0.1), "ne_to_n_ratio"),
    (lambda: census_size(-5, 0.1), "effective_size"),
])
def test_effective_size_bad_input(call, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        call()


# ---------------------------------------------------------------- §4 founders, bio-samples
@pytest.mark.parametrize("founders, gd", [(5, 0.9), (10, 0.95), (20, 0.975), (25, 0.98), (30, 0.98333),
                                          (50, 0.99)])
def test_founder_table(founders, gd):
    assert founder_gene_diversity(founders) == pytest.approx(gd, abs=5e-6)


def test_founders_needed_inverts_table():
    assert founders_needed(0.95) == 10  # 1/(2·0.05) is 10.000000000000002 in floating point
    assert founders_needed(0.975) == 20
    assert founders_needed(0.9) == 5
    assert founders_needed(0.3) == 1
    assert founders_needed(0.97) == 17  # 1 − 1/32 = 0.96875 < 0.97 ≤ 1 − 1/34
    with pytest.raises(InvalidInputError, match="^target_gene_diversity: "):
        founders_needed(1.0)
    with pytest.raises(InvalidInputError, match="^founders: "):
        founder_gene_diversity(0)


def test_allele_capture_probability_against_binomial_enumeration():
    # independent check: P(no copy) in 2n draws, by exact binomial probability of zero successes
    p, n = 0.05, 30
    zero = math.comb(2 * n, 0) * (1 - p) ** (2 * n)
    assert allele_capture_probability(p, n) == pytest.approx(1 - zero, rel=1e-14)
    assert allele_capture_probability(0.05, 30, ploidy=1) == pytest.approx(1 - 0.95 ** 30)
    np.testing.assert_allclose(allele_capture_probability(0.1, np.array([0, 1, 10])),
                               [0, 1 - 0.81, 1 - 0.9 ** 20])


def test_marshall_brown_basic_strategy():
    # 95 % certainty of an allele at frequency 0.05: ln(0.05)/ln(0.95) = 58.4 → 59 gene copies
    assert samples_to_capture_allele(0.05, 0.95, ploidy=1) == 59
    assert samples_to_capture_allele(0.05, 0.95, ploidy=2) == 30
    assert allele_capture_probability(0.05, 29) < 0.95 <= allele_capture_probability(0.05, 30)
    assert samples_to_capture_allele(0.01, 0.95) == 150  # ln(0.05)/ln(0.99) = 298.1 → 299 copies → 150
    assert LAWRENCE_1995_SAMPLE_SIZE == 172
    assert allele_capture_probability(0.05, LAWRENCE_1995_SAMPLE_SIZE) > 0.9999


def test_expected_alleles_captured_and_errors():
    freqs = [0.7, 0.2, 0.05, 0.05]
    expected = sum(1 - (1 - q) ** 20 for q in freqs)
    assert expected_alleles_captured(freqs, 10) == pytest.approx(expected, rel=1e-14)
    with pytest.raises(InvalidInputError, match="^allele_frequencies: "):
        expected_alleles_captured([0.5, 1.5], 10)
    with pytest.raises(InvalidInputError, match="^samples: "):
        allele_capture_probability(0.1, -1)
    with pytest.raises(InvalidInputError, match="^ploidy: "):
        allele_capture_probability(0.1, 5, ploidy=0)
    with pytest.raises(InvalidInputError, match="^probability: "):
        samples_to_capture_allele(0.05, 1.0)
    with pytest.raises(InvalidInputError, match="^allele_frequency: "):
        samples_to_capture_allele(0, 0.95)


# ---------------------------------------------------------------- trajectory table and target object
def test_gene_diversity_trajectory_table():
    table = gene_diversity_trajectory([25, 100], years=50, generation_time=5, initial_gene_diversity=0.95)
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["effective_size", "year", "generations", "gene_diversity"]
    assert len(table) == 2 * 51
    row = table[(table.effective_size == 25) & (table.year == 50)].iloc[0]
    assert row.generations == 10
    assert row.gene_diversity == pytest.approx(0.95 * (1 - 1 / 50) ** 10, rel=1e-14)
    stepped = gene_diversity_trajectory(50, years=25, generation_time=10, step=10)
    assert stepped["year"].tolist() == [0, 10, 20, 25]
    with pytest.raises(InvalidInputError, match="^generation_time: "):
        gene_diversity_trajectory(50, 100)
    with pytest.raises(InvalidInputError, match="^effective_sizes: "):
        gene_diversity_trajectory([50, 0.1], 100, 10)


def test_population_target_round_trip_through_json():
    for target in (population_target(0.9, 100, 5, 0.3), population_target(0.9, 100, 10, 0.1, founders=20),
                   population_target(0.85, 60, 2.5, 0.25, founders=12.5)):
        data = json.loads(json.dumps(target.to_dict()))
        assert PopulationTarget.from_dict(data) == target
    plain = population_target(0.9, 100, 5, 0.3)
    assert plain.founders is None and plain.initial_gene_diversity == 1.0
    assert plain.effective_size == 96 and plain.generations == 20


def test_population_target_errors():
    with pytest.raises(InvalidInputError, match="^founders: .*at least 51 founders"):
        population_target(0.99, 100, 10, 0.1, founders=20)
    with pytest.raises(InvalidInputError, match="^founders: "):
        population_target(0.9, 100, 10, 0.1, founders=0)
    with pytest.raises(InvalidInputError, match="^ne_to_n_ratio: "):
        population_target(0.9, 100, 10, 0)
    with pytest.raises(InvalidInputError, match="^generation_time: "):
        population_target(0.9, 100, None, 0.1)


# ---------------------------------------------------------------- reference audit (independent of the code)
def test_harmonic_mean_against_scipy_and_with_a_zero_generation():
    from scipy.stats import hmean

    for sizes in ([100, 10, 100], [7.5, 40, 1000, 3], [50]):
        assert harmonic_mean_effective_size(sizes) == pytest.approx(float(hmean(sizes)), rel=1e-14)
    # a generation of size 0: 1/0 → ∞, so Ne = 0 (scipy.stats.hmean gives 0 too)
    assert harmonic_mean_effective_size([100, 0, 100]) == 0.0 == float(hmean([100, 0, 100]))


def test_sex_ratio_with_one_sex_absent_is_zero_and_symmetric():
    # Wright: Ne = 4·Nm·Nf/(Nm + Nf); no males (or no females) → no breeding → Ne = 0
    assert effective_size_from_sex_ratio(0, 12) == 0.0
    assert effective_size_from_sex_ratio(12, 0) == 0.0
    assert effective_size_from_sex_ratio(1, 9) == pytest.approx(3.6, rel=1e-15)  # one male, nine females
    assert effective_size_from_sex_ratio(40, 10) == effective_size_from_sex_ratio(10, 40) == 32


@pytest.mark.parametrize("years, generation_time, expected", [
    (10, 1, 0.99 ** 10),        # T1 (Ne = 50, 10 generations) = 0.904382
    (100, 10, 0.99 ** 10),      # the same 10 generations counted in years
    (0, 10, 1.0),
])
def test_gene_diversity_retained_is_the_power_law(years, generation_time, expected):
    assert gene_diversity_retained(50, years, generation_time) == pytest.approx(expected, rel=1e-14)
    assert gene_diversity_retained(50, 10, 1) == pytest.approx(0.904382, abs=5e-7)


def test_zoo_goal_90_percent_for_100_years_by_brute_force_search():
    # domain §5: smallest whole Ne with (1 − 1/(2Ne))^(100/L) ≥ 0.9, found by walking Ne = 1, 2, 3, ...
    for length, expected in [(5, 96), (10, 48), (20, 24)]:
        brute = next(ne for ne in range(1, 10_000) if (1 - 1 / (2 * ne)) ** (100 / length) >= 0.9)
        assert brute == expected == required_effective_size(0.9, 100, length)
        assert isinstance(required_effective_size(0.9, 100, generation_time=length), int)
    # defaults: target 0.9 and 100 years
    assert required_effective_size(generation_time=5) == 96
    # founder deficit (T9): 20 founders capture 0.975, so need (1 − 1/(2Ne))^10 ≥ 0.9/0.975 → Ne ≥ 62.7 → 63
    assert required_effective_size(0.9, 100, 10, initial_gene_diversity=founder_gene_diversity(20)) == 63


def test_founder_gene_diversity_formula():
    for n in (1, 2, 5, 10, 20, 25, 30, 50, 7.5):
        assert founder_gene_diversity(n) == pytest.approx(1 - 1 / (2 * n), rel=1e-15)


def test_census_size_allows_ne_above_n_with_equalised_family_sizes():
    # domain §2: Vk = 0 gives Ne ≈ 2N − 1, so Ne/N can exceed 1 (but not reach 2 for N ≥ 1)
    n = 20
    ratio = (2 * n - 1) / n
    assert census_size(2 * n - 1, ratio) == n
    assert census_size(100, 1.0) == 100
    assert population_target(0.9, 100, 10, ne_to_n_ratio=1.5).census_size == 32  # 47.71 / 1.5 → 31.8 → 32
