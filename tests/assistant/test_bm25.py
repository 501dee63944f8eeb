"""The sparse BM25 assembled from per-document parts scores exactly as bm25s (Lucene BM25) does."""

from __future__ import annotations

import bm25s
import numpy as np

from assistant.bm25 import EncodedRows, SparseBM25, Vocabulary

ROWS = [
    ["voucher", "dimission", "protett", "voucher"],
    ["assistent", "sociale", "comun"],
    ["voucher", "anzian", "domicil", "assistent", "assistent"],
    ["_"],
    ["isee", "soglia", "15000", "voucher"],
]


def _reference(rows: list[list[str]], query: list[str]) -> np.ndarray:
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(rows, show_progress=False)
    known = [t for t in query if t in model.vocab_dict]
    if not known:
        return np.zeros(len(rows), dtype=np.float32)
    return np.asarray(model.get_scores(known), dtype=np.float32)


def test_scores_equal_bm25s_whatever_the_parts() -> None:
    vocab = Vocabulary()
    vocab.ids(["sconosciuto"])  # a term of a removed document: still in the vocabulary, df 0
    parts = [EncodedRows.encode(ROWS[:2], vocab), EncodedRows.encode(ROWS[2:], vocab)]
    index = SparseBM25(EncodedRows.concat(parts), vocab)
    for query in (["voucher"], ["assistent", "voucher"], ["voucher", "voucher"], ["isee", "mai"], ["sconosciuto"]):
        assert np.allclose(index.scores(query), _reference(ROWS, query), atol=1e-5), query
    assert index.scores(["mai"]).tolist() == [0.0] * len(ROWS)


def test_removing_a_part_changes_document_frequencies() -> None:
    vocab = Vocabulary()
    first, second = EncodedRows.encode(ROWS[:2], vocab), EncodedRows.encode(ROWS[2:], vocab)
    both = SparseBM25(EncodedRows.concat([first, second]), vocab)
    alone = SparseBM25(EncodedRows.concat([second]), vocab)
    assert alone.n == 3 and np.allclose(alone.scores(["voucher"]), _reference(ROWS[2:], ["voucher"]), atol=1e-5)
    assert not np.allclose(both.scores(["voucher"])[2:], alone.scores(["voucher"]))
