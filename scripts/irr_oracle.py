#!/usr/bin/env python3
"""Independent oracle for `fieldwork agreement`.

Reads a CSV in the command's input format (columns unit, coder, code in any order; one row per
code a coder applied to a unit; an empty code means the coder saw the unit and applied none) and
prints the expected table as JSON, computed with other people's implementations:

- Krippendorff's alpha: the `krippendorff` package, nominal level;
- Cohen's kappa: scikit-learn's `cohen_kappa_score` (only when the data has exactly two coders,
  over the units both saw);
- Fleiss' kappa: statsmodels' `fleiss_kappa` on `aggregate_raters` (only when every unit seen by
  at least two coders was seen by the same number of them);
- percent agreement: plain Python.

Usage: irr_oracle.py [--exclusive] FILE.csv

Output: {"coders": N, "rows": [{"code", "units", "coders", "percent_agreement", "cohen_kappa",
"fleiss_kappa", "krippendorff_alpha"}, ...]} with one row per code in order of first appearance
and the "ALL" row last (in exclusive mode only "ALL"). Undefined figures are null: the libraries
signal them differently (krippendorff raises ValueError for a one-value domain or no pairable
unit, or returns nan; scikit-learn and statsmodels return nan), and all of those map to null.
"""

import argparse
import csv
import json
import math
import sys
import warnings

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

NONE = object()  # exclusive mode: the value of a coder who saw a unit and gave no code


def read_codings(path):
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        fields = {name.strip().lower(): name for name in reader.fieldnames or []}
        return [
            (row[fields["unit"]].strip(), row[fields["coder"]].strip(), row[fields["code"]].strip())
            for row in reader
        ]


def first_seen(items):
    return list(dict.fromkeys(items))


def defined(value):
    """A float, or None for nan / infinity / None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def alpha(units, coders):
    """units: list of {coder: value}. Reliability data is coders x units with nan for missing."""
    categories = {}
    for unit in units:
        for value in unit.values():
            categories.setdefault(value, len(categories))
    data = np.full((len(coders), len(units)), np.nan)
    for column, unit in enumerate(units):
        for row, coder in enumerate(coders):
            if coder in unit:
                data[row, column] = categories[unit[coder]]
    try:
        return defined(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # one value in the domain, or no unit with two values
        return None


def cohen(units, coders):
    if len(coders) != 2:
        return None
    first, second = coders
    both = [unit for unit in units if first in unit and second in unit]
    if not both:
        return None
    labels = {}
    for unit in both:
        for value in (unit[first], unit[second]):
            labels.setdefault(value, len(labels))
    y1 = [labels[unit[first]] for unit in both]
    y2 = [labels[unit[second]] for unit in both]
    return defined(cohen_kappa_score(y1, y2))


def fleiss(pairable):
    if not pairable or len({len(unit) for unit in pairable}) != 1:
        return None
    labels = {}
    rows = [[labels.setdefault(value, len(labels)) for value in unit.values()] for unit in pairable]
    table, _categories = aggregate_raters(np.array(rows))
    return defined(fleiss_kappa(table, method="fleiss"))


def percent_agreement(pairable):
    if not pairable:
        return None
    return sum(len(set(unit.values())) == 1 for unit in pairable) / len(pairable)


def row(code, units, coders):
    pairable = [unit for unit in units if len(unit) >= 2]
    return {
        "code": code,
        "units": len(pairable),
        "coders": len(coders),
        "percent_agreement": percent_agreement(pairable),
        "cohen_kappa": cohen(units, coders),
        "fleiss_kappa": fleiss(pairable),
        "krippendorff_alpha": alpha(units, coders),
    }


def table(codings, exclusive):
    units = first_seen(unit for unit, _, _ in codings)
    coders = first_seen(coder for _, coder, _ in codings)
    codes = first_seen(code for _, _, code in codings if code)
    seen = {unit: set() for unit in units}
    applied = {}
    for unit, coder, code in codings:
        seen[unit].add(coder)
        if code:
            applied.setdefault((unit, coder), []).append(code)

    if exclusive:
        variable = []
        for unit in units:
            values = {}
            for coder in seen[unit]:
                given = applied.get((unit, coder), [])
                if len(given) > 1:
                    sys.exit(f"unit {unit!r}: coder {coder!r} gave {len(given)} codes")
                values[coder] = given[0] if given else NONE
            variable.append(values)
        return [row("ALL", variable, coders)]

    rows, pooled = [], []
    for code in codes:
        variable = [
            {coder: int(code in applied.get((unit, coder), [])) for coder in seen[unit]}
            for unit in units
        ]
        rows.append(row(code, variable, coders))
        pooled.extend(variable)
    rows.append(row("ALL", pooled, coders))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--exclusive", action="store_true")
    args = parser.parse_args()
    codings = read_codings(args.file)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        rows = table(codings, args.exclusive)
    coders = len({coder for _, coder, _ in codings})
    json.dump({"coders": coders, "rows": rows}, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
