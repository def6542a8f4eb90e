"""Trains the tutorial's customer-churn model reproducibly and saves it with joblib.

Usage: python train_model.py OUTPUT_PATH

Synthetic data with the tutorial's five features, in the order of sample.json:
  tenure_months, monthly_charges, total_charges, support_calls, has_contract
A fixed seed makes the data and the fitted GradientBoostingClassifier identical on every run
with the same scikit-learn version. Run it with the environment's python (the venv built from
conda.yml), so the pickle matches the scikit-learn that will load it.
"""

import os
import sys

import joblib
import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

SEED = 20240613
N_CUSTOMERS = 2000


def synthetic_customers(rng):
    tenure = rng.integers(1, 73, N_CUSTOMERS)
    monthly = np.round(rng.uniform(18.0, 120.0, N_CUSTOMERS), 2)
    total = np.round(tenure * monthly * rng.uniform(0.9, 1.1, N_CUSTOMERS), 2)
    support_calls = rng.poisson(1.5, N_CUSTOMERS)
    has_contract = rng.integers(0, 2, N_CUSTOMERS)
    features = np.column_stack([tenure, monthly, total, support_calls, has_contract])
    # Churn is likelier for short tenure, high charges, many support calls and no contract.
    logit = (
        -0.08 * tenure
        + 0.03 * monthly
        + 0.45 * support_calls
        - 1.2 * has_contract
        - 0.5
    )
    churn = (rng.uniform(0.0, 1.0, N_CUSTOMERS) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return features, churn


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python train_model.py OUTPUT_PATH")
    output = sys.argv[1]
    rng = np.random.default_rng(SEED)
    features, churn = synthetic_customers(rng)
    model = GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=SEED)
    model.fit(features, churn)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    joblib.dump(model, output)
    print(f"trained on {N_CUSTOMERS} synthetic customers, accuracy {model.score(features, churn):.3f}; saved {output}")


if __name__ == "__main__":
    main()
