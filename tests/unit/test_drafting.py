"""Drafting events from an article: each rule of service/lexicon.toml on sentences written for these tests.

The article tests/fixtures/drafting/harbourside-2025-06-02.txt is ours (invented countries' words); the short
articles inline are too. Every draft must fit the vocabulary and quote its sentence verbatim.
"""

from __future__ import annotations

from datetime import date

import pytest

from events import parse_event, source_text
from service.drafting import UNDATED, Draft, draft_text, load_lexicon, mark_known, split_sentences
from tests.support import FIXTURES

ARTICLE = FIXTURES / "drafting" / "harbourside-2025-06-02.txt"
PUBLISHED = date(2025, 6, 2)  # a Monday
SOURCE = "hg-2025-06-02"


def drafts_of(text: str, published: date = PUBLISHED) -> list[Draft]:
    return draft_text(text, published)


def pairs(text: str) -> set[tuple[str | None, str]]:
    return {(made.actor, made.type) for made in drafts_of(text)}


def only(text: str, type_name: str) -> list[Draft]:
    return [made for made in drafts_of(text) if made.type == type_name]


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def article_drafts(article: str) -> list[Draft]:
    return draft_text(article, PUBLISHED)


# -- the whole article ------------------------------------------------------------------------------------------------


def test_every_draft_of_the_article_fits_the_vocabulary(article_drafts):
    assert article_drafts
    for made in article_drafts:
        parse_event(made.to_json(SOURCE, "grain-corridor"), "grain-corridor")


def test_every_quote_is_a_verbatim_sentence_of_the_article(article, article_drafts):
    text = source_text(article)
    for made in article_drafts:
        assert made.quote in article
        assert text.contains(made.quote)


def test_the_article_gives_what_its_sentences_say_and_nothing_else(article_drafts):
    assert {(made.actor, made.type) for made in article_drafts} == {
        ("NL", "pledge.made"),
        ("PT", "pledge.made"),
        ("GR", "pledge.made"),
        ("AT", "pledge.made"),
        ("HU", "position.declined"),
        ("SK", "position.considering"),
        ("SI", "position.undecided"),
        ("CY", "position.undecided"),
        ("LV", "position.considering"),
        ("LT", "position.considering"),
        ("EE", "position.considering"),
        ("MT", "position.considering"),
        ("MT", "condition.stated"),
        ("CA", "meeting.convened"),
        ("IT", "meeting.scheduled"),
        ("JP", "position.in_talks"),
        ("KR", "position.in_talks"),
        ("IS", "position.in_talks"),
        ("IE", "position.in_talks"),
        ("GR", "condition.stated"),
        ("IT", "count.reported"),
        ("FR", "count.reported"),
        ("NATO", "meeting.convened"),
    }


def test_drafting_twice_gives_the_same_drafts(article):
    first = [made.to_json(SOURCE) for made in draft_text(article, PUBLISHED)]
    assert first == [made.to_json(SOURCE) for made in draft_text(article, PUBLISHED)]


def test_ids_name_the_source_sentence_actor_and_type_and_are_unique(article_drafts):
    ids = [made.draft_id(SOURCE) for made in article_drafts]
    assert len(set(ids)) == len(ids)
    hungary = next(made for made in article_drafts if made.actor == "HU")
    assert hungary.draft_id(SOURCE) == f"draft-{SOURCE}-s{hungary.sentence:02d}-hu-position.declined"


def test_a_long_source_id_still_gives_an_id_of_at_most_128_characters(article_drafts):
    assert all(len(made.draft_id("x" * 128)) <= 128 for made in article_drafts)


def test_each_draft_names_the_rule_that_fired(article_drafts):
    hungary = next(made for made in article_drafts if made.actor == "HU")
    assert "declined: to take part" in hungary.to_json(SOURCE)["note"]


# -- sentences --------------------------------------------------------------------------------------------------------


def test_sentences_are_verbatim_spans_and_a_line_break_ends_one():
    text = "A headline without a full stop\nDr. Smith met officials in Paris. They spoke at length."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "A headline without a full stop",
        "Dr. Smith met officials in Paris.",
        "They spoke at length.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


# -- pledges ----------------------------------------------------------------------------------------------------------


def test_has_offered_is_a_pledge_with_the_capabilities_named():
    (made,) = only("The Dutch government has offered two minesweepers and naval staff.", "pledge.made")
    assert (made.actor, made.data) == ("NL", {"offers": ["naval"]})


def test_ruling_out_after_an_offer_is_kept_as_ruled_out():
    (made,) = only("Austria has offered logistics support despite ruling out sending soldiers.", "pledge.made")
    assert made.data == {"offers": ["logistics"], "ruled_out": ["troops"]}


def test_ready_to_send_troops_is_a_pledge_of_troops_by_each_actor_of_the_list():
    drafted = only("Spain, Portugal and Greece have signalled they are ready to send troops.", "pledge.made")
    assert [(made.actor, made.data) for made in drafted] == [
        (actor, {"offers": ["troops"]}) for actor in ("ES", "PT", "GR")
    ]


def test_willing_to_contribute_forces_is_a_tentative_pledge():
    (made,) = only("Finland said it would be willing to contribute forces to a patrol.", "pledge.made")
    assert made.data == {"offers": ["troops"], "firmness": "tentative"}


def test_an_offer_naming_no_capability_is_unspecified():
    (made,) = only("Mexico has offered to help.", "pledge.made")
    assert made.data == {"offers": ["unspecified"]}


@pytest.mark.parametrize(
    "sentence",
    [
        "Sweden will offer troops next month.",  # future
        "If Spain offered troops, the mission would grow.",  # hypothetical
        "Spain has not offered troops to the mission.",  # negated
        "Spain may be ready to send troops later.",  # hedged by may
        "Officials wait to see if Spain and Italy are ready to send troops.",  # someone else's question
    ],
)
def test_future_hypothetical_and_negated_offers_are_not_pledges(sentence):
    assert only(sentence, "pledge.made") == []


# -- declines, undecided, considering, in talks -----------------------------------------------------------------------


def test_has_declined_to_take_part_is_a_decline_of_participation():
    (made,) = only("Hungary has declined to take part in the mission.", "position.declined")
    assert (made.actor, made.data) == ("HU", {"scope": "participation"})


def test_refusing_to_offer_a_capability_declines_that_capability():
    (made,) = only("The US has so far refused to offer air cover to the mission.", "position.declined")
    assert (made.actor, made.data) == ("US", {"scope": "air_cover"})


@pytest.mark.parametrize(
    "sentence",
    [
        "Slovakia refused to rule out joining the mission.",
        "Italy's decision to decline was criticised by France.",
        "Italy’s decision to decline was criticised by France on Sunday.",
        "If Bulgaria declined to participate, the mission would lose a port.",
        "Norway is expected to decline.",
        "Croatia will decide next week whether to send troops.",
    ],
)
def test_sentences_that_are_not_a_decline_draft_none(sentence):
    assert only(sentence, "position.declined") == []


def test_a_possessive_decision_to_decline_is_not_the_critics_decline_either():
    assert pairs("Italy's decision to decline was criticised by France.") == set()


def test_refusing_to_rule_out_is_considering():
    assert pairs("Slovakia refused to rule out joining the mission.") == {("SK", "position.considering")}


def test_too_early_to_say_is_undecided_with_the_reason():
    drafted = only("Slovenia and Cyprus have said it is too early to say.", "position.undecided")
    assert [(made.actor, made.data) for made in drafted] == [
        ("SI", {"reason": "too early to say"}),
        ("CY", {"reason": "too early to say"}),
    ]


def test_a_decline_and_an_undecided_in_one_sentence_each_keep_their_subject():
    assert pairs("Italy has declined to participate while Germany and Spain have said it is too early to say.") == {
        ("IT", "position.declined"),
        ("DE", "position.undecided"),
        ("ES", "position.undecided"),
    }


def test_can_imagine_taking_part_is_considering_for_each_actor_of_the_list():
    drafted = pairs("Latvia, Lithuania and Estonia have said they can imagine taking part if necessary.")
    assert drafted == {(actor, "position.considering") for actor in ("LV", "LT", "EE")}


def test_not_ruled_out_depending_on_is_considering_with_conditions_each_stated():
    drafted = drafts_of("Malta has not ruled out contributing, depending on a UN mandate and its legal basis.")
    considering = [made for made in drafted if made.type == "position.considering"]
    assert [made.data for made in considering] == [{"conditions": ["un_mandate", "legal_basis"]}]
    stated = sorted(made.data["condition"] for made in drafted if made.type == "condition.stated")
    assert stated == ["legal_basis", "un_mandate"]


def test_a_commitment_to_consider_is_the_actor_nearest_the_cue():
    text = "Downing Street said Starmer welcomed Prime Minister Carney's commitment to consider contributing."
    assert pairs(text) == {("CA", "position.considering")}


def test_active_in_the_discussions_is_in_talks():
    text = "Countries bordering Russia such as Estonia and Latvia have been active in the discussions."
    assert pairs(text) == {("EE", "position.in_talks"), ("LV", "position.in_talks")}


def test_they_also_include_takes_the_actors_after_the_cue():
    text = "Most are European, but they also include Chile, Japan and New Zealand."
    assert pairs(text) == {(actor, "position.in_talks") for actor in ("CL", "JP", "NZ")}


# -- conditions -------------------------------------------------------------------------------------------------------


def test_only_if_states_a_condition_of_the_speaker_not_of_who_the_condition_names():
    (made,) = drafts_of("Greece has said the mission could only succeed if the US provides a military backstop.")
    assert (made.actor, made.type) == ("GR", "condition.stated")
    assert made.data == {"condition": "us_backstop", "description": "the US provides a military backstop"}


def test_a_clause_opening_with_all_takes_the_actors_of_the_clause_before():
    text = (
        "Chile and Peru are ready to send troops, but all have warned that peace could only hold if a backstop exists."
    )
    conditions = only(text, "condition.stated")
    assert [made.actor for made in conditions] == ["CL", "PE"]


# -- meetings ---------------------------------------------------------------------------------------------------------


def test_a_meeting_announced_is_scheduled_forwards_and_hosted_where_it_is_held():
    (made,) = drafts_of("Naval chiefs will meet in Rome on Thursday to plan the first patrols.")
    assert (made.actor, made.type, made.occurred) == ("IT", "meeting.scheduled", "2025-06-02")
    assert made.data["scheduled_for"] == "2025-06-05"  # the coming Thursday, not the one before
    assert made.data["location"] == "Rome"


def test_a_meeting_announced_without_a_day_is_scheduled_for_the_week_of_publication():
    (made,) = drafts_of("Poland will host a summit of the coalition's leaders.")
    assert made.data["scheduled_for"] == "2025-06-02/2025-06-08"
    assert "week of publication" in made.occurred_text


def test_a_meeting_held_is_convened_with_the_participants_and_its_date():
    (made,) = drafts_of("The Canadian prime minister spoke with Macron at the weekend.")
    assert (made.actor, made.type, made.occurred) == ("CA", "meeting.convened", "2025-05-31/2025-06-01")
    assert made.data["participants"] == ["CA", "FR"]


def test_a_meeting_of_an_organisation_is_hosted_by_it():
    (made,) = drafts_of("A meeting of Nato defence ministers last week discussed the plan.")
    assert (made.actor, made.type, made.occurred_text) == ("NATO", "meeting.convened", "last week")


def test_the_european_commission_is_the_eu():
    (made,) = drafts_of("The European Commission held talks with Norway on Tuesday.")
    assert (made.actor, made.data.get("participants")) == ("EU", ["EU", "NO"])


def test_a_meeting_to_come_is_not_a_meeting_held():
    assert only("Starmer will on Saturday convene a meeting of leaders.", "meeting.convened") == []


# -- size claims ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "comparator", "amount", "subject"),
    [
        ("British officials said that “about 20” countries were in talks.", "~", 20, "participants"),
        ("Downing Street expects “more than 30” countries to join.", ">", 30, "participants"),
        ("British officials said the force could comprise up to 30,000 troops.", "<=", 30000, "troops"),
        ("French officials said around 25 leaders would join the call.", "~", 25, "participants"),
        ("Italian officials said over 30 countries had been invited.", ">", 30, "participants"),
        ("German officials said at least 12 nations would send ships.", ">=", 12, "participants"),
    ],
)
def test_a_size_claim_keeps_its_comparator_amount_subject_and_who_said_it(sentence, comparator, amount, subject):
    (made,) = only(sentence, "count.reported")
    assert (made.data["comparator"], made.data["amount"], made.data["subject"]) == (comparator, amount, subject)
    assert made.data["attributed_to"].endswith("officials") or made.data["attributed_to"] == "Downing Street"


def test_a_size_claim_is_said_by_the_actor_before_it():
    (made,) = only("French officials said around 25 leaders would join the call.", "count.reported")
    assert (made.actor, made.data["attributed_to"], made.data["raw"]) == ("FR", "French officials", "around 25")


# -- dates ------------------------------------------------------------------------------------------------------------


def test_a_date_phrase_is_resolved_against_the_publication_day_and_kept():
    (made,) = only("Italian officials said on Friday that “around 14” countries would take part.", "count.reported")
    assert (made.occurred, made.occurred_text) == ("2025-05-30", "on Friday")


def test_a_sentence_without_a_date_is_dated_the_publication_day_and_says_so():
    (made,) = drafts_of("Hungary has declined to take part in the mission.")
    assert (made.occurred, made.occurred_text) == ("2025-06-02", UNDATED)


def test_no_draft_is_dated_after_the_publication(article_drafts):
    from events import edtf_bounds

    assert all(edtf_bounds(made.occurred)[0] <= PUBLISHED for made in article_drafts)


# -- actors -----------------------------------------------------------------------------------------------------------


def test_a_capital_stands_for_its_government():
    assert pairs("Warsaw has offered logistics support.") == {("PL", "pledge.made")}


def test_the_pronoun_us_is_not_the_united_states():
    assert pairs("Nobody has offered us anything.") == set()


# -- marking what the log holds ---------------------------------------------------------------------------------------


class _Held:
    def __init__(self, id, type, actor, occurred, quote=None):
        self.id, self.type, self.actor, self.occurred = id, type, actor, occurred
        self.sources = ((SOURCE, quote),) if quote else ()


def test_a_draft_the_log_holds_by_type_actor_and_date_is_marked():
    drafted = drafts_of("Hungary has declined to take part in the mission.")
    (marked,) = mark_known(drafted, SOURCE, [_Held("hu-out", "position.declined", "HU", "2025-05-26/2025-06-02")])
    assert marked.known == ("hu-out",)
    assert "the log already holds it: hu-out" in marked.to_json(SOURCE)["note"]


def test_a_draft_of_another_actor_or_date_is_not_marked():
    drafted = drafts_of("Hungary has declined to take part in the mission.")
    held = [
        _Held("it-out", "position.declined", "IT", "2025-06-02"),
        _Held("hu-old", "position.declined", "HU", "2024-01-01"),
    ]
    assert mark_known(drafted, SOURCE, held)[0].known == ()


def test_the_shipped_lexicon_loads():
    lexicon = load_lexicon()
    assert lexicon.rules
    assert lexicon.actors["Downing Street"] == "GB"
