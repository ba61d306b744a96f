import pytest

from matcher.intent import kind_mentions, requested_kinds


@pytest.mark.parametrize("text, kinds", [
    ("Nous cherchons une commune bruxelloise et une ONG", {"commune", "ngo"}),
    ("We zoeken een diasporavereniging en een deskundige", {"diaspora", "expert"}),
    ("Looking for an expert in water pumps", {"expert"}),
    ("Nous cherchons un partenaire communal à Bruxelles", {"commune"}),
    ("We zoeken een gemeentelijke adviesraad", {"advisory_council"}),
    # an association may be a diaspora group or an NGO too
    ("Nous cherchons une association", {"association", "diaspora", "ngo"}),
])
def test_kinds_asked_for_in_three_languages(text: str, kinds: set[str]) -> None:
    assert requested_kinds(text) == kinds


@pytest.mark.parametrize("text", [
    "Notre commune cherche des partenaires",  # the requester itself
    "Onze vereniging zoekt vrijwilligers",
    "Une commune a financé une école.",  # no seeking word: a plain description
    "Notre conseil communal a voté un budget",
])
def test_the_requester_and_plain_descriptions_ask_for_no_kind(text: str) -> None:
    assert requested_kinds(text) == frozenset()


def test_a_profiles_needs_are_a_request_as_a_whole() -> None:
    assert requested_kinds("Un partenaire communal belge ; un appui technique",
                           seeking=True) == {"commune"}
    assert requested_kinds("Le conseil consultatif communal veut des témoins",
                           seeking=True) == {"advisory_council"}


@pytest.mark.parametrize("text", [
    "Nous cherchons une commune ; notre association connaît un conseil consultatif",
    "Quel conseil consultatif pourrait nous aider ? We zoeken een ngo.",
    "Our association works in Dakar",
    "",
])
def test_kind_mentions_reads_both_sets_as_requested_kinds_does(text: str) -> None:
    mentions = kind_mentions(text)
    assert mentions.requested == requested_kinds(text)
    assert mentions.named == requested_kinds(text, seeking=True)
    assert mentions.requested <= mentions.named
