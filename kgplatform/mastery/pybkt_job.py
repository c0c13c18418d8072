"""Runs pyBKT 1.4.3 (the reference BKT library) on files; executed by the interpreter of .cache/pybkt-venv.

Not imported by kgplatform: `pybkt_runner` starts it as `python pybkt_job.py TRAIN TEST OUT SEED NUM_FITS`.
TRAIN and TEST are CSVs with columns row, order_id, user_id, skill_name, correct; OUT gets row,
correct_predictions for every TEST row (pyBKT's prediction before that row is observed). Only pandas and
pyBKT are imported, both from that separate environment.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    import pandas as pd
    from pyBKT.models import Model

    train_path, test_path, out_path, seed, num_fits = argv
    dtypes = {"row": "int64", "order_id": "int64", "user_id": "str", "skill_name": "str", "correct": "int64"}
    train = pd.read_csv(train_path, dtype=dtypes)
    test = pd.read_csv(test_path, dtype=dtypes)
    model = Model(seed=int(seed), num_fits=int(num_fits), parallel=False)
    model.fit(data=train)
    predicted = model.predict(data=test)
    predicted[["row", "correct_predictions"]].to_csv(out_path, index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
