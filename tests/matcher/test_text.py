from matcher.text import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, split_passages


def test_sentences_become_passages_and_short_ones_merge():
    text = "Wij zijn een vzw. We steunen drinkwaterprojecten in Kinshasa sinds 2005. Kort."
    assert split_passages(text) == [text]
    long_one = "We steunen drinkwaterprojecten in Kinshasa sinds 2005 met lokale partners."
    other = "Daarnaast organiseren we opleidingen voor jongeren in Limete en Kalamu."
    assert split_passages(f"{long_one} {other}") == [long_one, other]
    assert all(len(p) >= MIN_PASSAGE_CHARS for p in (long_one, other))


def test_long_text_without_punctuation_is_cut_between_words():
    text = "woord " * 300
    passages = split_passages(text)
    assert all(len(p) <= MAX_PASSAGE_CHARS for p in passages)
    assert " ".join(passages).split() == text.split()


def test_passage_count_is_bounded():
    text = " ".join(f"Sentence number {i} is long enough to stand alone here." for i in range(100))
    assert len(split_passages(text, max_passages=5)) == 5


def test_empty_text():
    assert split_passages("   ") == []
