"""How well the assistant answers, measured on the evaluation sets in evals/: the sets and their checks
with the one definition of the answer metrics (evaluation.py), the support judge and ALCE citation scores
(judge.py), the release suite with its gate and comparison (suite.py) and its reports (reports.py).

Above the answering pipeline: nothing outside this package and the CLI imports it."""
