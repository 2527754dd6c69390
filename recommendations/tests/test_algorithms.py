"""recommendations.algorithms on small hand-made matrices; every expected number is worked out here."""

import math

import numpy as np
import pytest

from recommendations import algorithms as alg


def matrix(rows, n_items):
    users = [u for u, items in enumerate(rows) for _ in items]
    items = [i for row in rows for i in row]
    return alg.interaction_matrix(users, items, shape=(len(rows), n_items))


# users: u0 {0, 1}, u1 {0, 1}, u2 {0, 2}  ->  n0 = 3, n1 = 2, n2 = 1; c01 = 2, c02 = 1, c12 = 0
SMALL = [[0, 1], [0, 1], [0, 2]]


def test_interaction_matrix_adds_repeated_pairs():
    m = alg.interaction_matrix([0, 0, 1], [2, 2, 0], [1.0, 3.0, 5.0], shape=(2, 3))
    assert m.dtype == np.float32
    assert m.toarray().tolist() == [[0, 0, 4], [5, 0, 0]]


def test_popularity_counts_users_not_events():
    m = alg.interaction_matrix([0, 0, 1, 2], [1, 1, 1, 0], shape=(3, 3))
    assert alg.fit_popularity(m).scores.tolist() == [1, 2, 0]


def test_recency_weights_halve_every_half_life_back():
    assert alg.recency_weights(3, half_life=1).tolist() == [0.25, 0.5, 1.0]
    assert alg.recency_weights(2, half_life=0).tolist() == [1.0, 1.0]
    assert alg.recency_weights(0).tolist() == []


def test_item_knn_cosine_without_shrink():
    nb = alg.fit_item_knn(matrix(SMALL, 3), k=5, shrink=0.0)
    (i1, s1), (i2, s2) = nb.neighbours(0)
    assert (i1, i2) == (1, 2)
    assert s1 == pytest.approx(2 / math.sqrt(3 * 2))
    assert s2 == pytest.approx(1 / math.sqrt(3 * 1))
    assert nb.neighbours(1) == [(0, pytest.approx(2 / math.sqrt(6)))]
    assert nb.neighbours(2) == [(0, pytest.approx(1 / math.sqrt(3)))]
    # items 1 and 2 never meet: not neighbours, padded with -1
    assert nb.indices[1].tolist() == [0, -1, -1, -1, -1]


def test_item_knn_shrink_pulls_down_pairs_resting_on_few_users():
    nb = alg.fit_item_knn(matrix(SMALL, 3), k=5, shrink=1.0)
    scores = dict(nb.neighbours(0))
    assert scores[1] == pytest.approx(2 / (math.sqrt(6) + 1))
    assert scores[2] == pytest.approx(1 / (math.sqrt(3) + 1))


def test_item_knn_alpha_zero_divides_by_the_neighbours_popularity():
    nb = alg.fit_item_knn(matrix(SMALL, 3), k=5, shrink=0.0, alpha=0.0)
    assert dict(nb.neighbours(0)) == {1: pytest.approx(2 / 2), 2: pytest.approx(1 / 1)}
    assert dict(nb.neighbours(1)) == {0: pytest.approx(2 / 3)}


def test_item_knn_keeps_the_k_best():
    nb = alg.fit_item_knn(matrix(SMALL, 3), k=1, shrink=0.0)
    assert nb.indices[:, 0].tolist() == [1, 0, 0]


def test_ease_two_items_closed_form():
    # u0 {0, 1}, u1 {0}: X'X = [[2, 1], [1, 1]]; with l2 = 1, G = [[3, 1], [1, 2]], P = G^-1 =
    # [[2, -1], [-1, 3]] / 5, B_ij = -P_ij / P_jj: B_01 = (1/5) / (3/5) = 1/3, B_10 = (1/5) / (2/5) = 1/2
    model = alg.fit_ease(matrix([[0, 1], [0]], 2), l2=1.0, min_users=1)
    assert model.items.tolist() == [0, 1]
    assert np.asarray(model.weights).tolist() == [
        [0.0, pytest.approx(1 / 3)],
        [pytest.approx(1 / 2), 0.0],
    ]


def test_ease_matches_the_formula_on_three_items():
    x = matrix([[0, 1], [1, 2], [0, 1, 2], [2]], 3)
    model = alg.fit_ease(x, l2=2.0, min_users=1)
    g = (x.T @ x).toarray().astype(np.float64) + 2.0 * np.eye(3)
    p = np.linalg.inv(g)
    expected = -p / np.diag(p)[np.newaxis, :]
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(np.asarray(model.weights), expected, rtol=1e-5, atol=1e-6)


def test_ease_covers_only_the_most_frequent_items():
    # item 1 has 3 users, item 0 two, item 2 one (below min_users=2)
    x = matrix([[0, 1], [0, 1], [1, 2]], 3)
    assert alg.fit_ease(x, l2=1.0).items.tolist() == [0, 1]
    one = alg.fit_ease(x, l2=1.0, max_items=1)
    assert one.items.tolist() == [1]
    assert alg.score_users(one, x).shape == (3, 3)


def test_trending_decays_and_rewards_growth():
    # window 10 ending at now = 20, half-life 10, prior 3
    items = [0, 0, 1, 1, 1, 1, 1, 2, 2]
    stamps = [
        15,
        20,
        5,
        5,
        5,
        5,
        20,
        21,
        10,
    ]  # 21 is in the future; t=10 is age 10 = previous window
    t = alg.fit_trending(items, stamps, n_items=3, now=20, window=10, half_life=10, prior=3)
    # item 0: decayed 0.5**0.5 + 1, growth (2 + 3) / (0 + 3)
    assert t.growth[0] == pytest.approx(5 / 3)
    assert t.scores[0] == pytest.approx((math.sqrt(0.5) + 1) * math.sqrt(5 / 3))
    # item 1: decayed 1, growth (1 + 3) / (4 + 3)
    assert t.growth[1] == pytest.approx(4 / 7)
    assert t.scores[1] == pytest.approx(math.sqrt(4 / 7))
    # item 2: nothing in the current window
    assert t.scores[2] == 0
    assert t.top(5) == [0, 1]


def test_tokenize_words_and_chinese_bigrams():
    assert alg.tokenize("Red 红色手机 phone") == [
        "red",
        "红",
        "色",
        "手",
        "机",
        "红色",
        "色手",
        "手机",
        "phone",
    ]
    assert alg.tokenize("iPhone15手机") == ["iphone15", "手", "机", "手机"]


def test_tfidf_weights_rare_terms_up():
    m = alg.tfidf_matrix(["apple banana", "apple", ""]).toarray()
    # vocabulary in order of appearance: apple (df 2), banana (df 1); N = 3
    idf_apple = math.log(4 / 3) + 1
    idf_banana = math.log(4 / 2) + 1
    norm = math.hypot(idf_apple, idf_banana)
    assert m[0].tolist() == [pytest.approx(idf_apple / norm), pytest.approx(idf_banana / norm)]
    assert m[1].tolist() == [pytest.approx(1.0), 0.0]
    assert m[2].tolist() == [0.0, 0.0]


def features(**over):
    base = dict(
        # 0, 1, 2 in leaf 11 (under root 1); 3 in leaf 12 (under root 1); 4 in leaf 21 (root 2)
        category_paths=[[1, 11], [1, 11], [1, 11], [1, 12], [2, 21]],
        brands=["acme", "acme", None, "acme", None],
        prices=[100.0, 110.0, 900.0, 100.0, float("nan")],
        attributes=[["colour=red"], ["colour=red"], [], ["colour=red"], []],
        texts=[
            "red phone 红色手机",
            "red phone case 手机壳",
            "tablet 平板",
            "red phone",
            "sofa 沙发",
        ],
        popularity=[5, 1, 9, 3, 0],
    )
    base.update(over)
    return alg.ItemFeatures(**base)


def test_similar_ranks_shared_leaf_brand_price_and_text_first():
    nb = alg.fit_similar(features(), k=4)
    order = [i for i, _ in nb.neighbours(0)]
    # item 1 shares everything but part of the text; item 3 shares all but the leaf category
    assert order[0] == 1
    assert order.index(3) < order.index(2)
    assert 0 not in order


def test_similar_never_empty_when_the_category_has_other_items():
    # nothing in common but the category: no text, brand, price or attributes
    f = alg.ItemFeatures(
        category_paths=[[7], [7], [7], [8]],
        brands=[None] * 4,
        prices=[float("nan")] * 4,
        attributes=[[], [], [], []],
        texts=["", "", "", ""],
        popularity=[0, 1, 5, 9],
    )
    nb = alg.fit_similar(f, k=5, weights={"category": 0.0})
    # fallback: same category by popularity
    assert [i for i, _ in nb.neighbours(0)] == [2, 1]
    assert [i for i, _ in nb.neighbours(3)] == []


def test_similar_blends_behaviour_in():
    beh = alg.ItemNeighbours(
        indices=np.array([[4], [-1], [-1], [-1], [0]], dtype=np.int32),
        scores=np.array([[0.9], [0], [0], [0], [0.9]], dtype=np.float32),
    )
    plain = [i for i, _ in alg.fit_similar(features(), k=4).neighbours(0)]
    assert 4 not in plain[:1]
    blended = alg.fit_similar(features(), k=4, behaviour=beh, behaviour_weight=0.9)
    assert blended.neighbours(0)[0][0] == 4


def test_recommend_with_neighbours_gives_the_reason_item():
    # item 3's neighbours: 0 (0.9), 1 (0.2); item 4's: 1 (0.5), 2 (0.1)
    nb = alg.ItemNeighbours(
        indices=np.array([[-1, -1], [-1, -1], [-1, -1], [0, 1], [1, 2]], dtype=np.int32),
        scores=np.array([[0, 0], [0, 0], [0, 0], [0.9, 0.2], [0.5, 0.1]], dtype=np.float32),
    )
    recs = alg.recommend(nb, [3, 4], n=5)
    # scores: 0 -> 0.9 (from 3), 1 -> 0.2 + 0.5 = 0.7 (mostly from 4), 2 -> 0.1 (from 4)
    assert [(r.item, r.reason) for r in recs] == [(0, 3), (1, 4), (2, 4)]
    assert recs[1].score == pytest.approx(0.7)
    assert [r.item for r in alg.recommend(nb, [3, 4], n=5, exclude=[0])] == [1, 2]


def test_for_you_new_user_gets_the_fallback_without_reason():
    x = matrix(SMALL, 3)
    model = alg.fit_for_you(x, ease_l2=1.0, knn_k=5, fallback=np.array([1, 3, 2], np.float32))
    recs = alg.recommend(model, [], n=2)
    assert [(r.item, r.reason) for r in recs] == [(1, -1), (2, -1)]
    assert [r.item for r in alg.recommend(model, [], n=5, exclude=[1])] == [2, 0]


def test_for_you_excludes_history_and_bought_and_explains():
    # two taste groups: {0, 1, 2} and {3, 4, 5}
    rows = [[0, 1, 2], [0, 1], [1, 2], [0, 2], [3, 4, 5], [3, 4], [4, 5], [3, 5]]
    model = alg.fit_for_you(matrix(rows, 6), ease_l2=1.0, knn_k=5)
    recs = alg.recommend(model, [0, 3], n=6, exclude=[1])
    items = [r.item for r in recs]
    assert 0 not in items and 3 not in items and 1 not in items
    reasons = {r.item: r.reason for r in recs}
    assert reasons[2] == 0
    assert reasons[4] == 3 and reasons[5] == 3
    # the newest history item weighs more: 3 is newer than 0, so its group comes first
    assert items[0] in (4, 5)


def test_similar_is_the_same_whatever_the_block_size():
    whole = alg.fit_similar(features(), k=4)
    blocks = alg.fit_similar(features(), k=4, block=2)
    assert whole.indices.tolist() == blocks.indices.tolist()
    np.testing.assert_allclose(whole.scores, blocks.scores)


def test_recommend_with_ease_scores_and_explains():
    # the two-item model above: B_01 = 1/3, B_10 = 1/2; item 2 is used by nobody else
    x = matrix([[0, 1], [0], [2]], 3)
    model = alg.fit_ease(x, l2=1.0, min_users=1)
    recs = alg.recommend(model, [0], n=3)
    assert [(r.item, r.reason) for r in recs] == [(1, 0)]
    assert recs[0].score == pytest.approx(1 / 3)
