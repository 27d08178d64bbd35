"""Tests for exsitu.pva: analytic projections, the Dennis et al. (1991) diffusion approximation, an independent
pure-Python individual-based reference, seeds, common random numbers, bad input and serialisation."""

import dataclasses
import json
import math
import random

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from exsitu.pva import (
    Catastrophe,
    PVAParameters,
    PVAResult,
    _apply_ceiling,
    compare_scenarios,
    dennis_quasi_extinction_probability,
    deterministic_growth_rate,
    projection_matrix,
    run_pva,
    run_scenarios,
    stable_stage_distribution,
)
from exsitu.validation import InvalidInputError


def z_score(p1, n1, p2, n2):
    """Two-sample z for proportions (pooled variance; 0 if both are 0 or 1)."""
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 0.0 if se == 0 else (p1 - p2) / se


# --------------------------------------------------------------------------- deterministic = analytic projection
def test_deterministic_adult_only_model_is_lambda_to_the_t():
    # A = 1, everyone adult, equal sexes: each sex grows by λ = s_a + b·f·(1 − sr)·s_0 every year
    params = PVAParameters(initial_size=100, age_at_first_breeding=1, juvenile_survival=0.4, adult_survival=0.7,
                           breeding_probability=0.8, mean_offspring=2.0, sex_ratio_at_birth=0.5,
                           initial_age_distribution="adults")
    lam = 0.7 + 0.8 * 2.0 * 0.5 * 0.4
    result = run_pva(params, years=30, deterministic=True)
    np.testing.assert_allclose(result.mean_size, 100 * lam ** np.arange(31), rtol=1e-12)
    assert deterministic_growth_rate(params) == pytest.approx(lam, rel=1e-14)
    assert result.replicates == 1 and result.extinction_probability[-1] == 0


def test_deterministic_stage_model_equals_matrix_projection_until_ceiling():
    params = PVAParameters(initial_size=40, initial_proportion_male=0.4, age_at_first_breeding=3,
                           juvenile_survival=(0.5, 0.7, 0.8), adult_survival=0.85, breeding_probability=0.7,
                           mean_offspring=3.0, sex_ratio_at_birth=0.55, initial_age_distribution="adults",
                           catastrophes=(Catastrophe(0.1, 0.2, 0.5), Catastrophe(0.02, 0.5, 0.0)),
                           carrying_capacity=300)
    # matrix written out independently here (classes: F1, F2, Fadult, M1, M2, Madult)
    ms = (1 - 0.1 * 0.2) * (1 - 0.02 * 0.5)
    mf = 1 - 0.1 * 0.5
    recruits = 0.7 * mf * 3.0 * 0.5 * ms
    m = np.zeros((6, 6))
    for off in (0, 3):
        m[off + 1, off + 0] = 0.7 * ms
        m[off + 2, off + 1] = 0.8 * ms
        m[off + 2, off + 2] = 0.85 * ms
    m[0, 2] = recruits * 0.45
    m[3, 2] = recruits * 0.55
    np.testing.assert_allclose(projection_matrix(params), m, rtol=1e-14)
    state = np.array([0, 0, 24.0, 0, 0, 16.0])
    result = run_pva(params, years=60, deterministic=True)
    reached = False
    for t in range(61):
        if state.sum() > 300 or reached:
            reached = True
            assert result.mean_size[t] == pytest.approx(300, rel=1e-12)
        else:
            assert result.mean_size[t] == pytest.approx(state.sum(), rel=1e-12)
        state = m @ state
    assert reached  # the ceiling was actually tested
    lam = max(abs(np.linalg.eigvals(m)))
    assert deterministic_growth_rate(params) == pytest.approx(lam, rel=1e-12)


def test_stable_stage_distribution_is_the_dominant_eigenvector():
    params = PVAParameters(age_at_first_breeding=2, juvenile_survival=(0.3, 0.6), adult_survival=0.9,
                           breeding_probability=0.5, mean_offspring=3, sex_ratio_at_birth=0.4)
    v = stable_stage_distribution(params)
    assert v[2:].sum() / v.sum() == pytest.approx(0.4)  # stable share of males = sex ratio at birth
    lam = deterministic_growth_rate(params)
    assert v.sum() == pytest.approx(1) and np.all(v > 0)
    np.testing.assert_allclose(projection_matrix(params) @ v, lam * v, rtol=1e-10)
    # a stable start grows by λ each year (up to rounding of the initial whole numbers)
    result = run_pva(dataclasses.replace(params, initial_size=10000, initial_proportion_male=0.4), years=5,
                     deterministic=True)
    np.testing.assert_allclose(result.mean_size[1:] / result.mean_size[:-1], lam, rtol=1e-3)


def test_deterministic_diffusion_is_exponential():
    params = PVAParameters(model="diffusion", initial_size=80, mu=-0.04, sigma2=0.05)
    result = run_pva(params, years=40, deterministic=True)
    np.testing.assert_allclose(result.mean_size, 80 * np.exp(-0.04 * np.arange(41)), rtol=1e-12)


def test_stochastic_mean_matches_matrix_projection():
    # With demographic chance only and no ceiling, the model is a linear branching process (males are never
    # absent at these numbers), so E[n_t] = M^t n_0 exactly.
    params = PVAParameters(initial_size=400, age_at_first_breeding=2, juvenile_survival=(0.5, 0.7),
                           adult_survival=0.8, breeding_probability=0.6, mean_offspring=1.2,
                           initial_age_distribution="adults")
    reps, years = 4000, 10
    result = run_pva(params, reps, years, seed=11, keep_trajectories=True)
    m = projection_matrix(params)
    state = np.array([0, 200.0, 0, 200.0])
    for t in range(years + 1):
        column = result.trajectories[:, t]
        se = column.std(ddof=1) / math.sqrt(reps)
        assert abs(column.mean() - state.sum()) < 4 * se + 1e-9, t
        state = m @ state


# --------------------------------------------------------------------------- Dennis et al. (1991)
def test_dennis_formula_against_numerical_first_passage_density():
    # independent: integrate the inverse-Gaussian first-passage density of a Wiener process with drift
    mu, s2, n0, nc = -0.02, 0.06, 200, 25
    d = math.log(n0 / nc)

    def density(t):
        return d / math.sqrt(2 * math.pi * s2 * t ** 3) * math.exp(-(d + mu * t) ** 2 / (2 * s2 * t))

    for t in (5, 20, 60, 150):
        value, _ = integrate.quad(density, 0, t, limit=200)
        assert dennis_quasi_extinction_probability(mu, s2, n0, nc, t) == pytest.approx(value, abs=1e-9)


def test_dennis_formula_limits_and_vectorisation():
    # μ < 0: certain eventual passage; μ > 0: probability exp(−2μd/σ²)
    assert dennis_quasi_extinction_probability(-0.05, 0.04, 100, 10, 1e6) == pytest.approx(1, abs=1e-9)
    d = math.log(10)
    assert dennis_quasi_extinction_probability(0.05, 0.04, 100, 10, 1e7) == pytest.approx(
        math.exp(-2 * 0.05 * d / 0.04), rel=1e-9)
    values = dennis_quasi_extinction_probability(-0.01, 0.02, 50, 20, np.array([0, 10, 50, 100]))
    assert values[0] == 0 and np.all(np.diff(values) > 0)
    assert dennis_quasi_extinction_probability(-0.01, 0.02, 10, 20, 5) == 1.0
    # no overflow for a strongly declining population
    assert dennis_quasi_extinction_probability(-3.0, 0.01, 1000, 1, 3.0) == pytest.approx(1.0)
    assert dennis_quasi_extinction_probability(-3.0, 0.01, 1000, 1, 2.0) < 1e-9  # 6 < ln 1000 = 6.9


@pytest.mark.parametrize("kwargs, field", [
    (dict(mu=0, sigma2=0, n0=10, threshold=1, t=5), "sigma2"),
    (dict(mu=0, sigma2=0.1, n0=0, threshold=1, t=5), "n0"),
    (dict(mu=0, sigma2=0.1, n0=10, threshold=0, t=5), "threshold"),
    (dict(mu=0, sigma2=0.1, n0=10, threshold=1, t=-1), "t"),
    (dict(mu="x", sigma2=0.1, n0=10, threshold=1, t=1), "mu"),
])
def test_dennis_bad_input(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        dennis_quasi_extinction_probability(**kwargs)


DIFFUSION = PVAParameters(model="diffusion", initial_size=100, mu=-0.03, sigma2=0.04,
                          demographic_stochasticity=False, quasi_extinction_threshold=20)


def test_diffusion_simulation_matches_dennis_within_monte_carlo_error():
    reps = 20000
    result = run_pva(DIFFUSION, reps, 50, seed=3)
    for t in (10, 25, 50):
        exact = dennis_quasi_extinction_probability(-0.03, 0.04, 100, 20, t)
        se = math.sqrt(exact * (1 - exact) / reps)
        assert abs(result.quasi_extinction_probability[t] - exact) < 4 * se, t


def test_diffusion_matches_dennis_for_growing_population_too():
    params = dataclasses.replace(DIFFUSION, initial_size=50, mu=0.02, sigma2=0.09, quasi_extinction_threshold=10)
    reps = 20000
    result = run_pva(params, reps, 40, seed=8)
    exact = dennis_quasi_extinction_probability(0.02, 0.09, 50, 10, 40)
    assert abs(result.quasi_extinction_probability[40] - exact) < 4 * math.sqrt(exact * (1 - exact) / reps)


def test_annual_census_without_bridge_misses_crossings_so_the_comparison_can_fail():
    # Checking only at yearly censuses misses passages within the year: the estimate falls clearly below
    # Dennis's continuous-time value. This is what the Brownian-bridge correction fixes.
    reps = 20000
    result = run_pva(dataclasses.replace(DIFFUSION, continuous_monitoring=False), reps, 50, seed=3)
    exact = dennis_quasi_extinction_probability(-0.03, 0.04, 100, 20, 25)
    se = math.sqrt(exact * (1 - exact) / reps)
    assert result.quasi_extinction_probability[25] < exact - 5 * se


# --------------------------------------------------------------------------- independent pure-Python reference
def _poisson(rnd, mean):
    limit, k, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        k += 1
        product *= rnd.random()
    return k


def _binomial(rnd, n, p):
    return sum(1 for _ in range(n) if rnd.random() < p)


def _ev(rnd, mean, sd):
    if sd == 0:
        return mean
    k = mean * (1 - mean) / sd ** 2 - 1
    return rnd.betavariate(mean * k, (1 - mean) * k)


def reference_stage_model(p: PVAParameters, replicates: int, years: int, seed: int):
    """Individual-by-individual simulation of the documented yearly cycle (adults-only start, fixed K).

    Offspring are drawn one breeder at a time, sexed and survived one at a time (no Poisson thinning).
    Returns lists per replicate: extinct by the end, quasi-extinct by the end, final N, final H (or None).
    """
    rnd = random.Random(seed)
    a = p.age_at_first_breeding
    sj = p.juvenile_survival_by_age
    length = p.effective_generation_time
    h_release = p.effective_release_gene_diversity
    out = []
    for _ in range(replicates):
        males0 = round(p.initial_size * p.initial_proportion_male)
        fem, mal = [0] * a, [0] * a
        fem[-1], mal[-1] = p.initial_size - males0, males0
        h, extinct, quasi = p.initial_gene_diversity, False, False
        for t in range(1, years + 1):
            sj_t = [_ev(rnd, s, p.juvenile_survival_sd) for s in sj]
            sa_t = _ev(rnd, p.adult_survival, p.adult_survival_sd)
            bp_t = _ev(rnd, p.breeding_probability, p.breeding_probability_sd)
            sm = fm = 1.0
            for cat in p.catastrophes:
                if rnd.random() < cat.probability:
                    sm *= 1 - cat.survival_severity
                    fm *= 1 - cat.fecundity_severity
            born_f = born_m = 0
            if mal[-1] > 0:
                for _female in range(fem[-1]):
                    if rnd.random() < bp_t * fm:
                        for _young in range(_poisson(rnd, p.mean_offspring)):
                            is_male = rnd.random() < p.sex_ratio_at_birth
                            if rnd.random() < sj_t[0] * sm:
                                if is_male:
                                    born_m += 1
                                else:
                                    born_f += 1
            rates = [sj_t[k + 1] * sm for k in range(a - 1)] + [sa_t * sm]
            new = []
            for counts, born in ((fem, born_f), (mal, born_m)):
                survivors = [_binomial(rnd, counts[k], rates[k]) for k in range(a)]
                aged = [0] * a
                aged[0] += born
                for k in range(a - 1):
                    aged[k + 1] += survivors[k]
                aged[-1] += survivors[-1]
                new.append(aged)
            fem, mal = new
            if t in p.removal_years:
                fem[-1] -= min(fem[-1], p.removal_females)
                mal[-1] -= min(mal[-1], p.removal_males)
            if t in p.release_years:
                wild = fem[-1] + mal[-1]
                add_f = _binomial(rnd, p.release_females, p.release_survival)
                add_m = _binomial(rnd, p.release_males, p.release_survival)
                if wild + add_f + add_m > 0:
                    h = ((h if wild > 0 else 0.0) * wild + h_release * (add_f + add_m)) / (wild + add_f + add_m)
                fem[-1] += add_f
                mal[-1] += add_m
            total = sum(fem) + sum(mal)
            if p.carrying_capacity is not None and total > p.carrying_capacity:
                labels = [("f", k) for k in range(a) for _ in range(fem[k])] + \
                         [("m", k) for k in range(a) for _ in range(mal[k])]
                kept = rnd.sample(labels, int(p.carrying_capacity))
                fem = [sum(1 for s, k in kept if s == "f" and k == c) for c in range(a)]
                mal = [sum(1 for s, k in kept if s == "m" and k == c) for c in range(a)]
            if sum(fem) == 0 or sum(mal) == 0:
                fem, mal = [0] * a, [0] * a
                extinct = True
            total = sum(fem) + sum(mal)
            quasi = quasi or total <= p.quasi_extinction_threshold
            ne = p.ne_to_n_ratio * (fem[-1] + mal[-1])
            factor = max(0.0, 1 - 1 / (2 * ne)) if ne > 0 else 0.0
            h = h * factor ** (1 / length)
            if total == 0:
                h = float("nan")
        out.append((extinct, quasi, total, None if math.isnan(h) else h))
    return out


FULL = PVAParameters(
    initial_size=30, initial_age_distribution="adults", age_at_first_breeding=2, juvenile_survival=(0.5, 0.7),
    adult_survival=0.8, breeding_probability=0.6, mean_offspring=2.0, juvenile_survival_sd=0.1,
    adult_survival_sd=0.05, breeding_probability_sd=0.15, carrying_capacity=60,
    catastrophes=(Catastrophe(0.1, 0.3, 0.5),), quasi_extinction_threshold=10, ne_to_n_ratio=0.3,
    removal_years=(2,), removal_females=2, removal_males=2, release_years=(5, 6, 7, 8), release_females=1,
    release_males=1, release_survival=0.7, release_gene_diversity=0.9)


def test_vectorised_model_agrees_with_pure_python_reference():
    years, ref_reps, reps = 25, 1000, 20000
    reference = reference_stage_model(FULL, ref_reps, years, seed=5)
    result = run_pva(FULL, reps, years, seed=5, keep_trajectories=True)
    ref_extinct = sum(r[0] for r in reference) / ref_reps
    ref_quasi = sum(r[1] for r in reference) / ref_reps
    assert 0.1 < ref_quasi < 0.9  # an informative case
    assert abs(z_score(result.extinction_probability[-1], reps, ref_extinct, ref_reps)) < 4
    assert abs(z_score(result.quasi_extinction_probability[-1], reps, ref_quasi, ref_reps)) < 4
    ref_final = np.array([r[2] for r in reference], dtype=float)
    final = result.trajectories[:, -1]
    se = math.sqrt(final.var(ddof=1) / reps + ref_final.var(ddof=1) / ref_reps)
    assert abs(final.mean() - ref_final.mean()) < 4 * se
    ref_h = np.array([r[3] for r in reference if r[3] is not None])
    assert abs(result.gene_diversity_mean[-1] - ref_h.mean()) < 4 * ref_h.std(ddof=1) / math.sqrt(ref_h.size)
    assert np.all(result.trajectories <= 60)


def reference_teaching_model(n0, mu, sigma, cat_p, cat_s, threshold, years, replicates, seed):
    """Domain §8 recipe, one replicate at a time: N ← Poisson(N·e^(μ+ε)), catastrophe keeps each with 1 − s."""
    rnd = random.Random(seed)
    extinct = quasi = 0
    for _ in range(replicates):
        n, hit_q, hit_e = n0, False, False
        for _t in range(years):
            n = _poisson(rnd, n * math.exp(mu + rnd.gauss(0, sigma))) if n > 0 else 0
            if rnd.random() < cat_p:
                n = _binomial(rnd, n, 1 - cat_s)
            hit_q = hit_q or n <= threshold
            hit_e = hit_e or n == 0
        extinct += hit_e
        quasi += hit_q
    return extinct / replicates, quasi / replicates


def test_diffusion_with_demographic_noise_agrees_with_teaching_recipe():
    params = PVAParameters(model="diffusion", initial_size=20, mu=0.0, sigma2=0.04,
                           catastrophes=(Catastrophe(0.1, 0.4),), quasi_extinction_threshold=5)
    ref_e, ref_q = reference_teaching_model(20, 0.0, 0.2, 0.1, 0.4, 5, 30, 3000, seed=2)
    result = run_pva(params, 20000, 30, seed=2)
    assert 0.05 < ref_e < 0.95
    assert abs(z_score(result.extinction_probability[-1], 20000, ref_e, 3000)) < 4
    assert abs(z_score(result.quasi_extinction_probability[-1], 20000, ref_q, 3000)) < 4


# --------------------------------------------------------------------------- genetics
def test_deterministic_gene_diversity_follows_drift_and_release_mixing():
    params = PVAParameters(initial_size=20, age_at_first_breeding=1, juvenile_survival=0.5, adult_survival=0.6,
                           breeding_probability=0.8, mean_offspring=1.0, initial_age_distribution="adults",
                           ne_to_n_ratio=0.25, generation_time=4, initial_gene_diversity=0.95,
                           release_years=(3, 4), release_females=5, release_males=5, release_survival=0.8,
                           release_gene_diversity=0.99)
    result = run_pva(params, years=10, deterministic=True)
    lam = 0.6 + 0.8 * 1.0 * 0.5 * 0.5
    n, h = 20.0, 0.95
    for t in range(1, 11):
        n *= lam
        if t in (3, 4):
            h = (h * n + 0.99 * 8) / (n + 8)
            n += 8
        h *= (1 - 1 / (2 * 0.25 * n)) ** (1 / 4)
        assert result.mean_size[t] == pytest.approx(n, rel=1e-12)
        assert result.gene_diversity_mean[t] == pytest.approx(h, rel=1e-12)


def test_default_generation_time_and_small_ne_floor():
    params = PVAParameters(age_at_first_breeding=3, adult_survival=0.75)
    assert params.effective_generation_time == pytest.approx(3 + 0.75 / 0.25)
    assert PVAParameters(model="diffusion").effective_generation_time == 1
    # Ne < 0.5 removes all heterozygosity rather than producing a negative factor
    tiny = PVAParameters(initial_size=4, ne_to_n_ratio=0.1, adult_survival=0.99, breeding_probability=0.0)
    result = run_pva(tiny, 50, 3, seed=1)
    assert np.nanmin(result.gene_diversity_mean[1:]) == 0.0


# --------------------------------------------------------------------------- management, ceiling, catastrophes
def test_removals_and_releases_are_counted():
    params = PVAParameters(initial_size=200, adult_survival=0.95, breeding_probability=0.3, mean_offspring=1,
                           removal_years=(1, 2), removal_females=4, removal_males=3,
                           release_years=(5,), release_females=10, release_males=10, release_survival=0.5)
    result = run_pva(params, 4000, 6, seed=4)
    assert result.mean_removed[1] == 7 and result.mean_removed[2] == 7 and result.mean_removed[3] == 0
    assert abs(result.mean_released[5] - 10) < 4 * math.sqrt(20 * 0.25 / 4000)
    assert result.summary()["total_removed"] == 14


def test_removal_cannot_take_more_than_present():
    params = PVAParameters(initial_size=4, adult_survival=1.0, generation_time=5, breeding_probability=0,
                           removal_years=(1,), removal_females=10, removal_males=1)
    result = run_pva(params, 10, 2, seed=0)
    assert result.mean_removed[1] == 3  # 2 females + 1 male
    assert result.extinction_probability[1] == 1  # no females remain → extinct (one sex missing)


def test_catastrophe_that_always_kills_everyone():
    params = PVAParameters(initial_size=100, catastrophes=[{"probability": 1.0, "survival_severity": 1.0}])
    result = run_pva(params, 200, 5, seed=1)
    assert result.extinction_probability[1] == 1.0
    assert result.median_time_to_extinction == 1.0
    assert isinstance(result.parameters.catastrophes[0], Catastrophe)


def test_ceiling_never_exceeded_and_truncation_is_unbiased():
    params = PVAParameters(initial_size=50, adult_survival=0.9, breeding_probability=0.9, mean_offspring=2,
                           carrying_capacity=80)
    result = run_pva(params, 500, 30, seed=3, keep_trajectories=True)
    assert result.trajectories.max() <= 80 and result.trajectories[:, 5:].max() == 80
    rng = np.random.default_rng(0)
    females = np.tile([30, 70], (20000, 1))
    males = np.tile([60, 40], (20000, 1))
    f, m = _apply_ceiling(females, males, np.full(20000, 100.0), rng, True)
    assert np.all(f.sum(1) + m.sum(1) == 100) and np.all(f <= females) and np.all(m <= males)
    # each individual kept with probability 100/200
    np.testing.assert_allclose(f.mean(0), [15, 35], rtol=0.01)
    np.testing.assert_allclose(m.mean(0), [30, 20], rtol=0.01)


def test_monogamy_limits_breeders_to_males():
    base = dict(initial_size=20, initial_proportion_male=0.1, age_at_first_breeding=1, juvenile_survival=1.0,
                adult_survival=1.0, generation_time=5, breeding_probability=1.0, mean_offspring=1.0,
                sex_ratio_at_birth=0.5, initial_age_distribution="adults")
    poly = run_pva(PVAParameters(**base), years=1, deterministic=True)
    mono = run_pva(PVAParameters(**base, mating_system="monogamous"), years=1, deterministic=True)
    assert poly.mean_size[1] == 20 + 18  # 18 females breed
    assert mono.mean_size[1] == 20 + 2  # only 2 males to pair with


# --------------------------------------------------------------------------- seeds, scenarios, outputs
def test_same_seed_same_result_and_different_seed_differs():
    a = run_pva(FULL, 300, 20, seed=42, keep_trajectories=True)
    b = run_pva(FULL, 300, 20, seed=42, keep_trajectories=True)
    c = run_pva(FULL, 300, 20, seed=43, keep_trajectories=True)
    np.testing.assert_array_equal(a.trajectories, b.trajectories)
    assert a == b
    assert not np.array_equal(a.trajectories, c.trajectories)
    diffusion_a = run_pva(DIFFUSION, 100, 10, seed=1)
    assert diffusion_a == run_pva(DIFFUSION, 100, 10, seed=1)


def test_results_do_not_depend_on_number_of_threads():
    from exsitu.pva import BLOCK_SIZE

    reps = BLOCK_SIZE + 700  # two blocks
    one = run_pva(FULL, reps, 9, seed=12, workers=1, keep_trajectories=True)
    two = run_pva(FULL, reps, 9, seed=12, workers=2, keep_trajectories=True)
    default = run_pva(FULL, reps, 9, seed=12, keep_trajectories=True)
    assert one == two == default
    assert one.trajectories.shape == (reps, 10)
    # the blocks use different streams: the second block does not repeat the first
    assert not np.array_equal(one.trajectories[:700], one.trajectories[BLOCK_SIZE:])
    with pytest.raises(InvalidInputError, match="^workers: "):
        run_pva(FULL, 10, 9, workers=0)


def test_compare_scenarios_uses_common_random_numbers():
    wild = dataclasses.replace(FULL, removal_years=(), release_years=())
    supplemented = dataclasses.replace(wild, release_years=tuple(range(1, 21)), release_females=3, release_males=3,
                                       release_survival=0.8)
    table = compare_scenarios({"wild only": wild, "copy": wild, "wild + ex situ releases": supplemented},
                              replicates=2000, years=20, seed=9)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == ["wild only", "copy", "wild + ex situ releases"]
    assert table.loc["wild only"].equals(table.loc["copy"])
    assert table.loc["wild + ex situ releases", "quasi_extinction_probability"] < \
        table.loc["wild only", "quasi_extinction_probability"]
    assert table.loc["wild + ex situ releases", "total_released"] == pytest.approx(20 * 6 * 0.8, rel=0.05)
    # Common random numbers: with expected numbers instead of demographic draws, an adults-only model with
    # equal sexes is N_t = λ_t·N_{t−1} with λ_t set by this year's environment and catastrophes. If both
    # scenarios see the same years, a one-off release in year 3 changes N by a constant factor afterwards.
    shared = PVAParameters(initial_size=1000, age_at_first_breeding=1, juvenile_survival=0.5, adult_survival=0.7,
                           breeding_probability=0.6, mean_offspring=3.0, juvenile_survival_sd=0.1,
                           adult_survival_sd=0.1, breeding_probability_sd=0.1, initial_age_distribution="adults",
                           catastrophes=(Catastrophe(0.1, 0.3, 0.5),), demographic_stochasticity=False)
    released = dataclasses.replace(shared, release_years=(3,), release_females=4, release_males=4)
    results = run_scenarios({"a": shared, "b": released}, replicates=300, years=20, seed=3,
                            keep_trajectories=True)
    a, b = results["a"].trajectories, results["b"].trajectories
    assert a.min() > 0  # no replicate died out, so every ratio below is defined
    np.testing.assert_array_equal(a[:, :3], b[:, :3])
    ratio = b[:, 3:] / a[:, 3:]
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-10)
    assert np.all(ratio > 1)
    # without common random numbers the ratio would wander
    other = run_pva(released, 300, 20, seed=4, keep_trajectories=True).trajectories
    assert np.ptp(other[:, 3:] / a[:, 3:], axis=1).max() > 0.1
    rerun = compare_scenarios(results)
    assert list(rerun.index) == ["a", "b"]


def test_compare_scenarios_bad_input():
    with pytest.raises(InvalidInputError, match="^scenarios: "):
        compare_scenarios({})
    with pytest.raises(InvalidInputError, match="^scenarios: "):
        compare_scenarios({"x": {"initial_size": 10}}, replicates=10, years=5)


def test_result_outputs_and_percentiles():
    result = run_pva(FULL, 1000, 25, seed=7, keep_trajectories=True)
    np.testing.assert_allclose(result.size_percentiles, np.percentile(result.trajectories, [5, 25, 50, 75, 95],
                                                                      axis=0))
    np.testing.assert_allclose(result.percentile(50), np.median(result.trajectories, axis=0))
    assert np.all(np.diff(result.extinction_probability) >= 0)
    # with threshold ≥ 0 quasi-extinction happens no later than extinction
    assert np.all(result.quasi_extinction_probability >= result.extinction_probability)
    # time to extinction from trajectories: first year at 0 (no re-founding in years > 8)
    first_zero = [int(np.argmax(row == 0)) for row in result.trajectories if np.any(row == 0)]
    assert result.extinction_counts.sum() == len(first_zero)
    assert result.median_time_to_extinction == float(np.median(first_zero))
    assert result.mean_time_to_extinction == pytest.approx(np.mean(first_zero))
    distribution = result.time_to_extinction()
    assert distribution["extinctions"].sum() == len(first_zero)
    frame = result.to_frame()
    assert list(frame.columns[:4]) == ["year", "extinction_probability", "quasi_extinction_probability", "n_p5"]
    assert len(frame) == 26
    final = result.trajectories[:, -1]
    assert result.final_size["mean"] == pytest.approx(final.mean())
    assert result.final_size["extant_share"] == pytest.approx(np.mean(final > 0))
    with pytest.raises(InvalidInputError, match="^level: "):
        result.percentile(10)


def test_result_round_trips_through_json_including_nan():
    params = PVAParameters(initial_size=6, breeding_probability=0.05, adult_survival=0.5, generation_time=3)
    result = run_pva(params, 50, 15, seed=1, keep_trajectories=True)
    assert np.isnan(result.gene_diversity_mean[-1])  # all extinct: NaN
    for item in (result, run_pva(FULL, 100, 10, seed=2, percentile_levels=[10, 50, 90])):
        text = json.dumps(item.to_dict(), allow_nan=False)
        back = PVAResult.from_dict(json.loads(text))
        assert back == item
        np.testing.assert_array_equal(back.extinction_probability, item.extinction_probability)
    assert result.summary()["final_gene_diversity"] is None


def test_parameters_round_trip_and_from_counts():
    text = json.dumps(FULL.to_dict())
    assert PVAParameters.from_dict(json.loads(text)) == FULL
    p = PVAParameters.from_counts(females=15, males=10, age_at_first_breeding=1)
    assert p.initial_size == 25 and p.initial_proportion_male == pytest.approx(0.4)
    result = run_pva(p, years=1, deterministic=True)
    assert result.mean_size[0] == 25
    with pytest.raises(InvalidInputError, match="^colour: "):
        PVAParameters.from_dict({"colour": "red"})
    with pytest.raises(InvalidInputError, match="^females: "):
        PVAParameters.from_counts(0, 0)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("fields, field", [
    (dict(model="vortex"), "model"),
    (dict(initial_size=0), "initial_size"),
    (dict(initial_size=10.5), "initial_size"),
    (dict(initial_proportion_male=1.5), "initial_proportion_male"),
    (dict(initial_size=3, initial_proportion_male=0.0), "initial_proportion_male"),
    (dict(initial_age_distribution="young"), "initial_age_distribution"),
    (dict(age_at_first_breeding=0), "age_at_first_breeding"),
    (dict(age_at_first_breeding=1.5), "age_at_first_breeding"),
    (dict(juvenile_survival=1.2), "juvenile_survival"),
    (dict(age_at_first_breeding=2, juvenile_survival=(0.5, 0.6, 0.7)), "juvenile_survival"),
    (dict(adult_survival=-0.1), "adult_survival"),
    (dict(breeding_probability="often"), "breeding_probability"),
    (dict(mean_offspring=-1), "mean_offspring"),
    (dict(sex_ratio_at_birth=2), "sex_ratio_at_birth"),
    (dict(mating_system="lek"), "mating_system"),
    (dict(adult_survival_sd=0.5), "adult_survival_sd"),
    (dict(juvenile_survival_sd=-0.1), "juvenile_survival_sd"),
    (dict(breeding_probability=1.0, breeding_probability_sd=0.1), "breeding_probability_sd"),
    (dict(sigma2=-1), "sigma2"),
    (dict(mu=math.inf), "mu"),
    (dict(steps_per_year=0), "steps_per_year"),
    (dict(model="diffusion", steps_per_year=10), "steps_per_year"),
    (dict(continuous_monitoring="yes"), "continuous_monitoring"),
    (dict(demographic_stochasticity=1), "demographic_stochasticity"),
    (dict(carrying_capacity=0), "carrying_capacity"),
    (dict(carrying_capacity_sd=5), "carrying_capacity_sd"),
    (dict(catastrophes=Catastrophe(0.1)), "catastrophes"),
    (dict(catastrophes=[0.1]), "catastrophes"),
    (dict(catastrophes=[{"probability": 2}]), "catastrophes.probability"),
    (dict(catastrophes=[{"probability": 0.1, "survival_severity": -1}]), "catastrophes.survival_severity"),
    (dict(model="diffusion", catastrophes=[Catastrophe(0.1, 0.2, 0.3)]), "catastrophes"),
    (dict(quasi_extinction_threshold=-1), "quasi_extinction_threshold"),
    (dict(ne_to_n_ratio=0), "ne_to_n_ratio"),
    (dict(generation_time=0), "generation_time"),
    (dict(adult_survival=1.0), "generation_time"),
    (dict(initial_gene_diversity=1.1), "initial_gene_diversity"),
    (dict(removal_years=(0,)), "removal_years"),
    (dict(removal_years=(2, 2)), "removal_years"),
    (dict(removal_years="soon"), "removal_years"),
    (dict(removal_females=-1), "removal_females"),
    (dict(release_males=1.5), "release_males"),
    (dict(release_survival=1.5), "release_survival"),
    (dict(release_gene_diversity=-0.1), "release_gene_diversity"),
])
def test_parameters_bad_input_names_field(fields, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        PVAParameters(**fields)


@pytest.mark.parametrize("kwargs, field", [
    (dict(replicates=0), "replicates"),
    (dict(replicates=2.5), "replicates"),
    (dict(years=0), "years"),
    (dict(seed=-1), "seed"),
    (dict(percentile_levels=[50, 101]), "percentile_levels"),
    (dict(percentile_levels=[]), "percentile_levels"),
])
def test_run_pva_bad_input(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        run_pva(PVAParameters(), **kwargs)


def test_run_pva_rejects_management_after_horizon_and_wrong_params():
    with pytest.raises(InvalidInputError, match="^release_years: .*after the last simulated year 10"):
        run_pva(PVAParameters(release_years=(12,), release_females=1), years=10)
    with pytest.raises(InvalidInputError, match="^params: "):
        run_pva({"initial_size": 10})
    with pytest.raises(InvalidInputError, match="^model: "):
        projection_matrix(PVAParameters(model="diffusion"))
