"""Choosing between the transcript and the home's commands by the recogniser's scores."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hausgeist.app import build_assistant
from hausgeist.dialog.assistant import Assistant
from hausgeist.language.parse import ParseResult
from hausgeist.language.sampling import Piece
from hausgeist.server.registry import Registry
from hausgeist.speech.nearest import Nearest
from hausgeist.speech.rescore import (
    MAX_BEHIND,
    MIN_LEAD,
    MIN_OVER,
    MIN_SCORE,
    SUPPORT,
    Proposal,
    cased,
    casing,
    contradicts,
    decide,
    fixed,
    propose,
)
from hausgeist.speech.sentences import Command, _words

ON = ("HassTurnOn", "area=Bad", "domain=light")
OFF = ("HassTurnOff", "area=Bad", "domain=light")


def _proposal(heard_meaning: tuple[str, ...], *meanings: tuple[str, ...]) -> Proposal:
    texts = tuple(f"Satz {i}." for i in range(len(meanings)))
    return Proposal("Gehört.", ("Gehört.", *texts), (heard_meaning, *meanings))


def test_a_command_nearly_as_likely_as_a_transcript_that_is_no_command_is_taken() -> None:
    choice = decide(_proposal(("",), OFF, ON), [-0.5, -0.4 - MAX_BEHIND, -2.9])
    assert choice.chosen is not None and choice.chosen.meaning == OFF
    assert choice.text == "Satz 0"


def test_a_command_far_behind_the_transcript_is_not_taken() -> None:
    choice = decide(_proposal(("",), OFF, ON), [-0.5, -0.6 - MAX_BEHIND, -2.9])
    assert choice.chosen is None and choice.text == "Gehört."


def test_a_close_race_between_two_meanings_is_no_command() -> None:
    choice = decide(_proposal(("",), OFF, ON), [-2.0, -1.5, -1.5 - MIN_LEAD / 2])
    assert choice.chosen is None


def test_two_sentences_alike_in_meaning_are_no_race() -> None:
    choice = decide(_proposal(("",), OFF, OFF), [-2.0, -1.5, -1.51])
    assert choice.chosen is not None


def test_a_command_scoring_too_low_at_all_is_not_taken() -> None:
    choice = decide(_proposal(("",), OFF, ON), [MIN_SCORE, MIN_SCORE - 0.1, MIN_SCORE - 3])
    assert choice.chosen is None


def test_a_command_transcript_stays_as_heard_when_a_candidate_doing_the_same_scores_lower() -> None:
    # The meaning leaves free text out: "Setz case auf die Einkaufsliste" means what "Setz
    # Käse auf die Einkaufsliste." means, and must not replace it when whisper likes it less.
    add = ("HassShoppingListAddItem",)
    lower = decide(_proposal(add, add, OFF), [-0.5, -0.9, -3.0])
    assert lower.chosen is None and lower.text == "Gehört." and not lower.doubted
    higher = decide(_proposal(add, add, OFF), [-0.9, -0.5, -3.0])
    assert higher.chosen is not None and higher.text == "Satz 0"
    modelled = Proposal("Gehört.", ("Gehört.", "Satz 0.", "Satz 1."), (add, add, OFF), exact=False)
    assert decide(modelled, [-0.5, -0.9, -3.0]).text == "Satz 0"  # the grammar's reading wins


def test_a_transcript_that_is_another_command_must_be_beaten() -> None:
    behind = decide(_proposal(ON, OFF), [-1.0, -1.0 + MIN_OVER / 2])
    ahead = decide(_proposal(ON, OFF), [-1.0, -1.0 + MIN_OVER * 2])
    assert behind.chosen is None and behind.text == "Gehört."
    assert ahead.chosen is not None and ahead.chosen.meaning == OFF


def test_a_transcript_only_the_statistical_model_reads_is_weighed_as_no_command() -> None:
    # "Die Schwert ist es jetzt" is to the model the weather: a guess from misheard words.
    modelled = Proposal("Gehört.", ("Gehört.", "Satz 0."), (ON, OFF), exact=False)
    choice = decide(modelled, [-1.0, -1.0 - MAX_BEHIND / 2])
    assert choice.chosen is not None and choice.chosen.meaning == OFF
    far = decide(modelled, [-1.0, -1.1 - MAX_BEHIND])
    # Not taken; and the model's reading has no support from the candidates (next tests).
    assert far.chosen is None and far.doubted


def test_commands_are_written_as_whisper_writes_german() -> None:
    nouns = casing(["Das Licht im Bad ist an.", "Der Timer läuft. Timer gestellt"])
    assert nouns == {"licht": "Licht", "bad": "Bad", "timer": "Timer"}
    assert cased("schalte das licht im bad aus", nouns, "?") == "Schalte das Licht im Bad aus?"


def test_drawn_pieces_without_a_space_between_them_are_one_word() -> None:
    pieces: list[Piece] = [("spiel", None), ("e", None), (" musik von ", None),
                           (" den beatles ", "search_query"), ("ab", None)]  # fmt: skip
    assert _words(pieces) == (["spiele", "musik", "von", "den", "beatles", "ab"],
                              [(3, 5, "search_query")])  # fmt: skip


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    data: Path = tmp_path_factory.mktemp("data")
    os.environ["HAUSGEIST_DATA"] = str(data)
    return build_assistant(Registry(data).default_household().directory)


def test_candidates_take_the_numbers_heard(assistant: Assistant) -> None:
    read = assistant.understanding.parse
    index = Nearest(
        [Command("stell einen timer auf acht minuten", "HassStartTimer", ("HassStartTimer",)),
         Command("stell die heizung auf einundzwanzig grad", "HassClimateSetTemperature",
                 ("HassClimateSetTemperature",))],
        read,
    )  # fmt: skip
    found = index.candidates("Still einen Timer auf 17 Minuten", 5)
    assert found[0] == "stell einen timer auf siebzehn minuten"


def test_the_proposal_scores_the_transcript_first_and_each_command_once(
    assistant: Assistant,
) -> None:
    read = assistant.understanding.parse
    index = Nearest(
        [Command("lösche den timer", "HassCancelTimer", ("HassCancelTimer",)),
         Command("stell einen timer auf acht minuten", "HassStartTimer", ("HassStartTimer",))],
        read,
    )  # fmt: skip
    proposal = propose("Lasschen den Timer.", index, read, {"timer": "Timer"})
    assert proposal.sentences[0] == "Lasschen den Timer."
    assert "Lösche den Timer." in proposal.sentences
    assert len(set(proposal.sentences)) == len(proposal.sentences)
    assert len(proposal.meanings) == len(proposal.sentences)


def test_a_transcript_that_is_a_command_whisper_itself_doubts_is_not_understood() -> None:
    choice = decide(_proposal(ON, OFF), [MIN_SCORE - 0.5, MIN_SCORE - 1.0])
    assert choice.doubted and choice.chosen is None and choice.text == ""


def test_a_likely_enough_command_transcript_stays_as_heard() -> None:
    choice = decide(_proposal(ON, OFF), [MIN_SCORE + 0.5, MIN_SCORE - 1.0])
    assert not choice.doubted and choice.text == "Gehört."


def test_free_text_whisper_finds_unlikely_stays_as_heard() -> None:
    choice = decide(_proposal(("",), OFF), [MIN_SCORE - 2.0, MIN_SCORE - 3.0])
    assert not choice.doubted and choice.text == "Gehört."


def test_a_doubted_command_transcript_without_candidates_is_not_understood() -> None:
    choice = decide(Proposal("Gehört.", ("Gehört.",), (ON,)), [MIN_SCORE - 0.1])
    assert choice.doubted and choice.text == ""


def test_words_written_apart_or_together_are_respelled_into_the_homes_words(
    assistant: Assistant,
) -> None:
    read = assistant.understanding.parse
    index = Nearest(
        [Command("mach kaffeemaschine aus", "HassTurnOff", ("HassTurnOff",)),
         Command("setz eier auf die einkaufsliste", "HassListAddItem", ("HassListAddItem",))],
        read,
    )  # fmt: skip
    assert index.respellings("Mach die Kaffee-Maschine aus.") == ["mach die kaffeemaschine aus"]
    assert "füge brot zur einkaufsliste" in index.respellings("Füge Brot zureinkaufsliste")
    assert index.respellings("Erzähl mir einen Witz") == []


def test_a_respelling_the_grammar_reads_is_a_candidate(assistant: Assistant) -> None:
    read = assistant.understanding.parse
    index = Nearest([Command("mach kaffeemaschine aus", "HassTurnOff", ("HassTurnOff",))], read)
    nouns = {"kaffeemaschine": "Kaffeemaschine"}
    proposal = propose("Schalte die Kaffee Maschine aus.", index, read, nouns,
                       lambda text: read(text, model=False))  # fmt: skip
    assert proposal.sentences[1] == "Schalte die Kaffeemaschine aus."
    assert proposal.meanings[1][0] == "HassTurnOff"


def test_a_command_going_the_opposite_way_of_a_word_heard_contradicts_it() -> None:
    assert contradicts("Schalte Anlichter aus", "schalte alle lichter an")
    assert contradicts("Mach den Rollladen zu", "öffne den rollladen")
    assert contradicts("Mach die Musik leiser", "mach die musik lauter")
    assert not contradicts("Schalte Anlichter aus", "schalte alle lichter aus")
    assert not contradicts("Schalte das Licht", "schalte das licht an")  # nothing heard
    assert not contradicts("Licht an und aus", "licht aus")  # both heard: no way to tell


def test_a_command_contradicting_the_transcript_is_never_proposed(assistant: Assistant) -> None:
    read = assistant.understanding.parse
    index = Nearest(
        [Command("schalte alle lichter an", "HassTurnOn", ("HassTurnOn",)),
         Command("schalte alle lichter aus", "HassTurnOff", ("HassTurnOff",))],
        read,
    )  # fmt: skip
    proposal = propose("Schalte Anlichter aus.", index, read, {"lichter": "Lichter"})
    assert "Schalte alle Lichter aus." in proposal.sentences
    assert "Schalte alle Lichter an." not in proposal.sentences


def test_the_recognisers_other_readings_bring_their_own_commands(assistant: Assistant) -> None:
    # "Mach die Musik lieber" was whisper's best reading, "leiser" in its second one.
    read = assistant.understanding.parse
    index = Nearest(
        [Command("mach die musik leiser", "HassSetVolumeRelative", ("HassSetVolumeRelative",)),
         Command("hilfe", "Help", ("Help",))],
        read,
    )  # fmt: skip
    nouns = {"musik": "Musik"}
    others = ["Mach die Musik leiser.", "Mach die Musik etwas leiser."]
    alone = propose("Mach die Musik lieber.", index, read, nouns)
    helped = propose("Mach die Musik lieber.", index, read, nouns, alternatives=others)
    assert helped.sentences[0] == "Mach die Musik lieber."
    # Not a command of the index, but the grammar reads it as it is.
    assert "Mach die Musik etwas leiser." in helped.sentences
    assert "Mach die Musik etwas leiser." not in alone.sentences
    assert len(set(helped.sentences)) == len(helped.sentences)


def test_a_model_reading_none_of_the_likeliest_commands_shares_is_not_understood() -> None:
    # "Musik fortlepsen": music to play to the model, whisper's candidates say "fortsetzen".
    play, unpause = ("HassMediaSearchAndPlay",), ("HassMediaUnpause",)
    others = [unpause] * SUPPORT + [play]
    modelled = Proposal("Gehört.", ("Gehört.", *(f"Satz {i}." for i in range(len(others)))),
                        (play, *others), exact=False)  # fmt: skip
    scores = [-1.0, *(-5.0 - i for i in range(len(others)))]  # all too far behind to be taken
    choice = decide(modelled, scores)
    assert choice.chosen is None and choice.doubted and choice.text == ""
    supported = Proposal("Gehört.", modelled.sentences, (play, play, *others[1:]), exact=False)
    kept = decide(supported, scores)
    assert not kept.doubted and kept.text == "Gehört."


def test_a_grammar_reading_needs_no_support_from_the_candidates() -> None:
    choice = decide(_proposal(ON, OFF, OFF, OFF, OFF), [-1.0, -5.0, -5.1, -5.2, -5.3])
    assert not choice.doubted and choice.text == "Gehört."


def test_a_transcript_repaired_into_the_homes_words_is_a_candidate(assistant: Assistant) -> None:
    # The index holds "ist badlicht an", not "ist das badlicht aus"; whisper wrote "padlich".
    read = assistant.understanding.parse
    index = Nearest([Command("ist badlicht an", "HassGetState", ("HassGetState",)),
                     Command("schalte das licht aus", "HassTurnOff", ("HassTurnOff",))],
                    read)  # fmt: skip
    nouns = {"badlicht": "Badlicht"}
    proposal = propose("Ist das padlich aus.", index, read, nouns,
                       lambda text: read(text, model=False))  # fmt: skip
    assert proposal.sentences[1] == "Ist das Badlicht aus."
    assert proposal.meanings[1][0] == "HassGetState"


def test_a_repair_is_a_command_without_free_text(assistant: Assistant) -> None:
    # A repair may change a command's words, never make a shopping item of misheard words.
    def grammar(text: str) -> ParseResult:
        return assistant.understanding.parse(text, model=False)

    assert fixed(grammar("ist das badlicht aus"))
    assert not fixed(grammar("setz gurken auf die einkaufsliste"))
    assert not fixed(grammar("spiele musik von udo lindenberg"))
    assert not fixed(grammar("ist das padlich aus"))


class _Asked(Nearest):
    """An index that remembers which transcripts it was asked to repair."""

    asked: list[str]

    def repairs(self, heard: str, limit: int, accept: Callable[[str], bool]) -> list[str]:
        self.asked.append(heard)
        return super().repairs(heard, limit, accept)


def test_only_a_transcript_the_grammar_does_not_read_is_repaired(assistant: Assistant) -> None:
    read = assistant.understanding.parse
    index = _Asked([Command("ist badlicht an", "HassGetState", ("HassGetState",))], read)
    index.asked = []
    grammar = lambda text: read(text, model=False)  # noqa: E731
    propose("Ist das Badlicht an.", index, read, {}, grammar)
    assert index.asked == []
    propose("Ist das padlich an.", index, read, {}, grammar)
    assert index.asked == ["Ist das padlich an"]
