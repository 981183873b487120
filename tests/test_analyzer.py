"""The Polish analyzer: lemmas, folded forms and BM25 weights."""

from indexer.text.analyzer import Bm25Weights, fold, is_known_word, terms


def test_inflected_and_base_forms_share_terms():
    assert {"polityka", "lokalowy"} <= set(terms("polityki lokalowej")) & set(terms("polityka lokalowa"))


def test_query_without_polish_letters_meets_the_document_form():
    doc = set(terms("działalności pożytku publicznego"))
    assert "dzialalnosc" in set(terms("dzialalnosc")) & doc
    assert "dzialalnosci" in set(terms("dzialalnosci")) & doc


def test_fold_strips_diacritics_including_l_stroke():
    assert fold("Działalność ŁĄKA") == "dzialalnosc laka"


def test_stopwords_are_dropped():
    assert terms("i w na się oraz") == []


def test_dictionary_knows_real_words_only():
    assert is_known_word("działalności")
    assert not is_known_word("dziatalno")


def test_bm25_saturates_and_normalises_by_length():
    weights = Bm25Weights(avg_len=10)
    once = dict(zip(*_pair(weights.document("senior"))))
    many = dict(zip(*_pair(weights.document("senior senior senior senior"))))
    key = next(iter(once))
    assert once[key] < many[key] < 2.2 * once[key]  # grows with frequency, but saturates
    query = weights.query("senior seniorzy")
    assert all(v >= 1.0 for v in query.values)


def _pair(sparse):
    return sparse.indices, sparse.values
