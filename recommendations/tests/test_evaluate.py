"""The offline evaluator on a tiny file whose popularity figures are worked out by hand, and the
command's --json shape."""

import json
import math

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations import algorithms as alg
from recommendations import evaluation


def tiny_lines():
    """Items I0..I11 get their popularity from one-interaction users (never evaluated):
    I0..I9 have 30, 28, ..., 12; I10 and I11 are tied at 5. X is only ever a test item (0).

    Evaluated users (3 interactions; the last by timestamp is the test item, the others are history,
    so I0 and I1 are excluded for everyone):
    - U1 I0 I1 -> I2:  the most popular item left, rank 0: hit, NDCG 1
    - U2 I0 I1 -> I11: 8 items (I2..I9) above, tied with I10: expected rank 8 + 1/2 = 8.5
    - U3 (lines out of time order) I1 I0 -> I9: 7 items above (I2..I8), rank 7
    - U4 I0 I1 -> X:   10 items above (I2..I11): rank 10, a miss at 10 and a hit at 20
    """
    lines = []
    counts = [30 - 2 * j for j in range(10)] + [5, 5]
    for j, c in enumerate(counts):
        lines += [f"f{j}_{r} I{j} {r}" for r in range(c)]
    lines += ["U1 I0 1", "U1 I1 2", "U1 I2 3"]
    lines += ["U2 I0 1", "U2 I1 2", "U2 I11 3"]
    lines += ["U3 I9 300", "U3 I1 100", "U3 I0 200"]
    lines += ["U4 I0 1", "U4 I1 2", "U4 X 3"]
    return lines


HR10 = 3 / 4
HR20 = 4 / 4
NDCG10 = (1 + 1 / math.log2(8.5 + 2) + 1 / math.log2(7 + 2) + 0) / 4
COVERAGE10 = 10 / 13  # every user's top 10 is I2..I11, of 13 items


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(tiny_lines()) + "\n")
    return path


def test_expected_rank_puts_a_tied_target_in_the_middle_of_its_ties():
    scores = np.array([[5, 3, 3, 3, 1], [5, 3, 3, 3, 1], [2, 2, 2, 2, 2]], dtype=np.float32)
    ranks = evaluation.expected_ranks(scores, np.array([0, 2, 4]))
    # row 0: best; row 1: one above, three tied -> 1 + (3 - 1) / 2; row 2: all five tied -> 2
    assert ranks.tolist() == [0.0, 2.0, 2.0]


def test_split_orders_by_timestamp_and_keeps_short_users_in_training(tiny_file):
    split, users, items = evaluation.leave_last_out(*evaluation.read_interactions(tiny_file))
    evaluated = {users[u]: items[t] for u, t in zip(split.eval_users, split.targets, strict=True)}
    assert evaluated == {"U1": "I2", "U2": "I11", "U3": "I9", "U4": "X"}
    assert split.n_items == 13
    # training = every line but the four test ones
    assert split.train.nnz == len(tiny_lines()) - 4
    i9 = items.index("I9")
    assert split.train[:, i9].sum() == 12  # U3's I9 is its test item, not training


def test_popularity_figures_on_the_tiny_file(tiny_file):
    split, _, _ = evaluation.leave_last_out(*evaluation.read_interactions(tiny_file))
    result = evaluation.run(split, [evaluation.Candidate("popularity", alg.fit_popularity)])
    pop = result["popularity"]
    assert pop["HR@10"] == pytest.approx(HR10, abs=1e-4)
    assert pop["HR@20"] == pytest.approx(HR20, abs=1e-4)
    assert pop["NDCG@10"] == pytest.approx(NDCG10, abs=1e-4)
    assert pop["coverage@10"] == pytest.approx(COVERAGE10, abs=1e-4)


def test_validation_split_predicts_the_item_before_the_last(tiny_file):
    split, users, items = evaluation.leave_last_out(
        *evaluation.read_interactions(tiny_file), validation=True
    )
    evaluated = {users[u]: items[t] for u, t in zip(split.eval_users, split.targets, strict=True)}
    assert evaluated == {"U1": "I1", "U2": "I1", "U3": "I0", "U4": "I1"}


def test_file_order_without_timestamps_and_string_ids(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("alice b\nalice a\nalice c\nbob a\n")
    split, users, items = evaluation.leave_last_out(*evaluation.read_interactions(path))
    assert [users[u] for u in split.eval_users] == ["alice"]
    assert [items[t] for t in split.targets] == ["c"]


def test_sample_users_is_reproducible(tiny_file):
    data = evaluation.read_interactions(tiny_file)
    a, _, _ = evaluation.leave_last_out(*data, sample_users=2, seed=3)
    b, _, _ = evaluation.leave_last_out(*data, sample_users=2, seed=3)
    assert len(a.eval_users) == 2
    assert a.eval_users.tolist() == b.eval_users.tolist()


def test_command_json_shape(tiny_file, capsys):
    call_command("recommendations_evaluate", dataset=str(tiny_file), json=True, no_progress=True)
    out = json.loads(capsys.readouterr().out)
    assert {"popularity", "for_you"} <= set(out)
    for figures in out.values():
        assert set(figures) == {"HR@10", "NDCG@10", "HR@20", "coverage@10", "fit_seconds"}
        assert all(isinstance(v, float | int) for v in figures.values())
    assert out["popularity"]["HR@10"] == pytest.approx(HR10, abs=1e-4)
    assert out["popularity"]["NDCG@10"] == pytest.approx(NDCG10, abs=1e-4)


def test_command_table_and_errors(tiny_file, tmp_path, capsys):
    call_command(
        "recommendations_evaluate",
        dataset=str(tiny_file),
        algorithms="popularity",
        no_progress=True,
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "algorithm",
        "HR@10",
        "NDCG@10",
        "HR@20",
        "coverage@10",
        "fit_seconds",
    ]
    assert out.splitlines()[1].split()[:2] == ["popularity", "0.75"]
    with pytest.raises(CommandError):
        call_command("recommendations_evaluate", dataset=str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError):
        call_command("recommendations_evaluate", dataset=str(tiny_file), algorithms="nope")
    short = tmp_path / "short.txt"
    short.write_text("a x\na y\n")
    with pytest.raises(CommandError):
        call_command("recommendations_evaluate", dataset=str(short))
