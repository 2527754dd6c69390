"""Offline evaluation of the recommendation algorithms on a `user item [timestamp]` file.

    manage.py recommendations_evaluate --dataset PATH [--sample-users N --seed S] [--json]

Runs the leave-last-out, full-ranking protocol of recommendations/evaluation.py (the README there has
the commands and figures) and prints HR@10, NDCG@10, HR@20, coverage@10 and the fit time of each
algorithm beside popularity; `--json` prints one JSON object instead, for-you under `for_you`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations import evaluation


class Command(BaseCommand):
    help = "Evaluate the recommendation algorithms offline (leave-last-out, full ranking)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dataset", required=True, help="file of 'user item [timestamp]' lines"
        )
        parser.add_argument(
            "--sample-users", type=int, default=None, help="evaluate a random N of the users"
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of --sample-users")
        parser.add_argument(
            "--validation",
            action="store_true",
            help="tuning split: drop each user's last item and predict the one before",
        )
        parser.add_argument(
            "--algorithms", default="", help="comma-separated subset (default: all)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sample_users"] is not None and options["sample_users"] < 1:
            raise CommandError("--sample-users must be at least 1")
        try:
            users, items, stamps = evaluation.read_interactions(options["dataset"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not users:
            raise CommandError("the dataset has no interactions")
        split, _, _ = evaluation.leave_last_out(
            users,
            items,
            stamps,
            sample_users=options["sample_users"],
            seed=options["seed"],
            validation=options["validation"],
        )
        if len(split.eval_users) == 0:
            raise CommandError(
                f"no user has at least {evaluation.MIN_INTERACTIONS} interactions to evaluate"
            )
        candidates = evaluation.default_candidates()
        if options["algorithms"]:
            wanted = {a.strip() for a in options["algorithms"].split(",") if a.strip()}
            if not wanted:
                raise CommandError("--algorithms names no algorithm")
            unknown = wanted - {c.name for c in candidates}
            if unknown:
                raise CommandError(f"unknown algorithm(s): {', '.join(sorted(unknown))}")
            candidates = [c for c in candidates if c.name in wanted]

        no_progress = bool(options["no_progress"])

        def progress(it: Iterable[int], total: int, label: str) -> Iterator[int]:
            yield from tqdm(
                it, total=total, desc=label, unit="batch", file=sys.stderr, disable=no_progress
            )

        if not options["json"]:
            self.stderr.write(
                f"{split.n_users} users, {split.n_items} items, "
                f"{split.train.nnz} training interactions, {len(split.eval_users)} users evaluated"
            )
        results = evaluation.run(split, candidates, progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(results))
            return
        cols = ["HR@10", "NDCG@10", "HR@20", "coverage@10", "fit_seconds"]
        self.stdout.write(f"{'algorithm':<14}" + "".join(f"{c:>13}" for c in cols))
        for name, row in results.items():
            self.stdout.write(f"{name:<14}" + "".join(f"{row[c]:>13}" for c in cols))
