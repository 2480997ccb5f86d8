#!/usr/bin/env python3
"""Independent reference figures for the campaign report's statistics.

Computes, for a fixed data set of experiments, every figure the report shows with other people's
code: GrowthBook's own statistics engine (`gbstats`, the sample-ratio-mismatch test and the
sequential test whose confidence sequence the report uses) and statsmodels (Wilson intervals,
Newcombe's hybrid score interval, the pooled two-proportion z-test, Holm's adjustment). Its output
is committed as test data (Tests/DuwtjeReportTests/Fixtures/report-reference.json); the Swift tests
recompute every figure and compare to 1e-6.

Run once, when the data set or the methods change:

    pip install gbstats==0.8.0 statsmodels scipy numpy
    python3 scripts/report-reference.py > Tests/DuwtjeReportTests/Fixtures/report-reference.json

The third experiment is a deliberately broken split (weights 50/50, impressions 5,210 against
4,705): its SRM p-value is far below 0.001 and must be flagged.
"""
import json
import sys

import gbstats
from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest
from gbstats.models.statistics import ProportionStatistic
from gbstats.utils import check_srm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

ALPHA = 0.05
TUNING = 5000

# Per experiment: the weights from the rules (in declaration order), the reference (holdout), and
# per variant the impressions, clicks and conversions.
EXPERIMENTS = [
    {
        "rule": "paspoort-besluit-ouders",
        "reference": "controle",
        "variants": [
            {"variant": "controle", "weight": 10, "impression": 1012, "click": 61, "conversion": 20},
            {"variant": "a", "weight": 45, "impression": 4480, "click": 322, "conversion": 101},
            {"variant": "b", "weight": 45, "impression": 4530, "click": 351, "conversion": 125},
        ],
    },
    {
        "rule": "rijbewijs-verlengen",
        "reference": "controle",
        "variants": [
            {"variant": "controle", "weight": 50, "impression": 2390, "click": 120, "conversion": 31},
            {"variant": "kort", "weight": 50, "impression": 2417, "click": 196, "conversion": 38},
        ],
    },
    {
        "rule": "verhuizing-online",
        "reference": "controle",
        "variants": [
            {"variant": "controle", "weight": 50, "impression": 5210, "click": 400, "conversion": 80},
            {"variant": "nieuw", "weight": 50, "impression": 4705, "click": 420, "conversion": 95},
        ],
    },
]


def experiment_reference(experiment):
    variants = experiment["variants"]
    reference = next(v for v in variants if v["variant"] == experiment["reference"])
    srm_p = float(check_srm([v["impression"] for v in variants], [v["weight"] for v in variants]))
    total = sum(v["impression"] for v in variants)
    weight_sum = sum(v["weight"] for v in variants)
    statistic = sum(
        (v["impression"] - total * v["weight"] / weight_sum) ** 2 / (total * v["weight"] / weight_sum)
        for v in variants
    )
    rates = []
    for v in variants:
        for rate in ("click", "conversion"):
            low, high = proportion_confint(v[rate], v["impression"], alpha=ALPHA, method="wilson")
            rates.append({"variant": v["variant"], "rate": rate, "value": v[rate] / v["impression"],
                          "low": float(low), "high": float(high)})
    comparisons = []
    for v in variants:
        if v is reference:
            continue
        for rate in ("click", "conversion"):
            x1, n1, x2, n2 = v[rate], v["impression"], reference[rate], reference["impression"]
            newcombe_low, newcombe_high = confint_proportions_2indep(
                x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA)
            z, p = proportions_ztest([x1, x2], [n1, n2])
            test = SequentialTwoSidedTTest(
                ProportionStatistic(n=n2, sum=x2),
                ProportionStatistic(n=n1, sum=x1),
                SequentialConfig(difference_type="absolute", alpha=ALPHA, sequential_tuning_parameter=TUNING),
            )
            sequence_low, sequence_high = test.confidence_interval
            comparisons.append({
                "variant": v["variant"], "rate": rate,
                "difference": x1 / n1 - x2 / n2,
                "newcombe_low": float(newcombe_low), "newcombe_high": float(newcombe_high),
                "z": float(z), "p": float(p),
                "sequence_low": float(sequence_low), "sequence_high": float(sequence_high),
                "p_anytime": float(test.p_value),
            })
    adjusted = multipletests([c["p_anytime"] for c in comparisons], method="holm")[1]
    for comparison, value in zip(comparisons, adjusted):
        comparison["p_adjusted"] = float(value)
    return {
        "rule": experiment["rule"],
        "reference": experiment["reference"],
        "variants": variants,
        "expected": {
            "srm": {"statistic": float(statistic), "degrees_of_freedom": len(variants) - 1,
                    "p": srm_p, "mismatch": srm_p < 0.001},
            "rates": rates,
            "comparisons": comparisons,
        },
    }


def main():
    import statsmodels
    out = {
        "generated_by": "scripts/report-reference.py",
        "libraries": {"gbstats": gbstats.__version__ if hasattr(gbstats, "__version__") else "0.8.0",
                      "statsmodels": statsmodels.__version__},
        "alpha": ALPHA,
        "tuning": TUNING,
        "experiments": [experiment_reference(e) for e in EXPERIMENTS],
    }
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
