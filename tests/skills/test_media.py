"""The media skill over the virtual player: each intent's reply, action and state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hausgeist.media.player import PlayerError, Track
from hausgeist.media.virtual import VirtualPlayer, demo_library
from hausgeist.skills.base import Outcome, Turn
from hausgeist.skills.media import MediaSkill

NOW = datetime(2026, 11, 25, 9, 30)


def turn(intent: str, text: str = "", **slots: Any) -> Turn:
    """A turn as the understanding stage would hand it over."""
    return Turn(intent, slots, text or intent, NOW, "c1")


@pytest.fixture
def player() -> VirtualPlayer:
    return VirtualPlayer(demo_library(), volume=50)


@pytest.fixture
def skill(player: VirtualPlayer) -> MediaSkill:
    return MediaSkill(player)


def play(skill: MediaSkill, query: str, media_class: str | None = None) -> Outcome:
    slots: dict[str, Any] = {"search_query": query}
    if media_class:
        slots["media_class"] = media_class
    return skill.handle(turn("HassMediaSearchAndPlay", **slots))


def test_the_skill_handles_every_media_intent(skill: MediaSkill) -> None:
    assert skill.name == "media"
    assert skill.intents == {
        "HassMediaSearchAndPlay",
        "HassMediaPause",
        "HassMediaUnpause",
        "HassMediaNext",
        "HassMediaPrevious",
        "HassSetVolume",
        "HassSetVolumeRelative",
        "HassMediaPlayerMute",
        "HassMediaPlayerUnmute",
        "MediaQuery",
    }


def test_music_by_an_artist_plays_all_their_tracks(
    skill: MediaSkill, player: VirtualPlayer
) -> None:
    outcome = play(skill, "Nina Hagen", "artist")
    assert outcome.reply == "Ich spiele Musik von Nina Hagen."
    assert outcome.code == "done"
    (action,) = outcome.actions
    assert action.target == "media:virtual"
    assert action.kind == "play"
    assert action.data == {"query": "Nina Hagen", "media_class": "artist", "tracks": 2}
    assert action.state == {"status": "playing", "volume": 50, "title": "TV-Glotzer"}


def test_an_artist_spoken_in_lower_case_is_announced_as_the_library_spells_it(
    skill: MediaSkill,
) -> None:
    assert play(skill, "kraftwerk", "artist").reply == "Ich spiele Musik von Kraftwerk."


@pytest.mark.parametrize(
    ("query", "media_class", "reply", "title"),
    [
        ("Rumours", "album", "Ich spiele das Album „Rumours“ von Fleetwood Mac.", "Dreams"),
        ("Take Five", "track", "Ich spiele „Take Five“ von The Dave Brubeck Quartet.", "Take Five"),
        ("Jazz", None, "Ich spiele Jazz.", "So What"),
        (
            "Bohemian Rhapsody",
            None,
            "Ich spiele „Bohemian Rhapsody“ von Queen.",
            "Bohemian Rhapsody",
        ),
        ("Fleetwood Mac", None, "Ich spiele Musik von Fleetwood Mac.", "Dreams"),
        ("Kind of Blue", None, "Ich spiele das Album „Kind of Blue“ von Miles Davis.", "So What"),
        (
            "Rumours von Fleetwood Mac",
            None,
            "Ich spiele das Album „Rumours“ von Fleetwood Mac.",
            "Dreams",
        ),
        ("Musik", None, "Ich spiele Musik.", "TV-Glotzer"),
    ],
)
def test_the_reply_names_what_was_found(
    skill: MediaSkill, query: str, media_class: str | None, reply: str, title: str
) -> None:
    outcome = play(skill, query, media_class)
    assert outcome.reply == reply
    assert outcome.actions[0].state["title"] == title


def test_nothing_found_says_so_and_does_nothing(skill: MediaSkill, player: VirtualPlayer) -> None:
    outcome = play(skill, "Immer die Radfahrer")
    assert outcome.reply == "Ich habe nichts zu „Immer die Radfahrer“ gefunden."
    assert outcome.code == "nothing"
    assert outcome.actions == ()
    assert player.status() == "stopped"


def test_pause_pauses_what_plays(skill: MediaSkill) -> None:
    play(skill, "Rumours", "album")
    outcome = skill.handle(turn("HassMediaPause"))
    assert outcome.reply == "Pausiert."
    (action,) = outcome.actions
    assert (action.kind, action.state["status"], action.state["title"]) == (
        "pause",
        "paused",
        "Dreams",
    )


def test_pause_with_nothing_playing_does_nothing(skill: MediaSkill) -> None:
    outcome = skill.handle(turn("HassMediaPause"))
    assert (outcome.reply, outcome.code, outcome.actions) == ("Gerade läuft nichts.", "nothing", ())


def test_unpause_continues_paused_music(skill: MediaSkill) -> None:
    play(skill, "Rumours", "album")
    skill.handle(turn("HassMediaPause"))
    outcome = skill.handle(turn("HassMediaUnpause"))
    assert outcome.reply == "Fortgesetzt."
    assert (outcome.actions[0].kind, outcome.actions[0].state["status"]) == ("resume", "playing")


def test_unpause_with_an_empty_queue_does_nothing(skill: MediaSkill) -> None:
    outcome = skill.handle(turn("HassMediaUnpause"))
    assert (outcome.reply, outcome.code, outcome.actions) == (
        "Es gibt nichts zum Fortsetzen.",
        "nothing",
        (),
    )


def test_unpause_while_playing_does_nothing(skill: MediaSkill) -> None:
    play(skill, "Jazz")
    outcome = skill.handle(turn("HassMediaUnpause"))
    assert (outcome.reply, outcome.code) == ("Die Musik läuft schon.", "nothing")


def test_next_and_previous_move_through_the_queue(skill: MediaSkill) -> None:
    play(skill, "Rumours", "album")
    forward = skill.handle(turn("HassMediaNext"))
    assert forward.reply == "Weiter mit „Go Your Own Way“ von Fleetwood Mac."
    assert (forward.actions[0].kind, forward.actions[0].state["title"]) == (
        "next",
        "Go Your Own Way",
    )
    back = skill.handle(turn("HassMediaPrevious"))
    assert back.reply == "Zurück zu „Dreams“ von Fleetwood Mac."
    assert (back.actions[0].kind, back.actions[0].state["title"]) == ("previous", "Dreams")


def test_next_after_the_last_track_stops(skill: MediaSkill) -> None:
    play(skill, "Take Five", "track")
    outcome = skill.handle(turn("HassMediaNext"))
    assert outcome.reply == "Das war der letzte Titel."
    assert outcome.actions[0].state == {"status": "stopped", "volume": 50, "title": None}


@pytest.mark.parametrize("intent", ["HassMediaNext", "HassMediaPrevious"])
def test_skipping_with_nothing_playing_does_nothing(skill: MediaSkill, intent: str) -> None:
    outcome = skill.handle(turn(intent))
    assert (outcome.reply, outcome.code, outcome.actions) == ("Gerade läuft nichts.", "nothing", ())


def test_set_volume_sets_the_percentage(skill: MediaSkill, player: VirtualPlayer) -> None:
    outcome = skill.handle(turn("HassSetVolume", volume_level=30))
    assert outcome.reply == "Lautstärke auf 30 Prozent."
    (action,) = outcome.actions
    assert (action.kind, action.data, action.state["volume"]) == (
        "volume",
        {"volume_level": 30},
        30,
    )
    assert player.volume() == 30


@pytest.mark.parametrize("level", [150, -5, "laut", None])
def test_a_volume_outside_0_to_100_is_refused(
    skill: MediaSkill, player: VirtualPlayer, level: object
) -> None:
    outcome = skill.handle(turn("HassSetVolume", volume_level=level))
    assert outcome.reply == "Die Lautstärke kann ich nur zwischen 0 und 100 Prozent einstellen."
    assert (outcome.code, outcome.actions) == ("refused", ())
    assert player.volume() == 50


@pytest.mark.parametrize(
    ("step", "volume"), [("up", 60), ("down", 40), (20, 70), (-20, 30), ("-20", 30)]
)
def test_relative_volume_steps_by_ten_or_the_given_amount(
    skill: MediaSkill, player: VirtualPlayer, step: object, volume: int
) -> None:
    outcome = skill.handle(turn("HassSetVolumeRelative", volume_step=step))
    assert outcome.reply == f"Lautstärke auf {volume} Prozent."
    assert outcome.actions[0].state["volume"] == volume
    assert player.volume() == volume


def test_relative_volume_stops_at_the_limits(skill: MediaSkill, player: VirtualPlayer) -> None:
    player.set_volume(95)
    assert (
        skill.handle(turn("HassSetVolumeRelative", volume_step="up")).reply
        == "Lautstärke auf 100 Prozent."
    )
    outcome = skill.handle(turn("HassSetVolumeRelative", volume_step="up"))
    assert (outcome.reply, outcome.code, outcome.actions) == (
        "Lauter geht es nicht.",
        "nothing",
        (),
    )


def test_a_relative_step_beyond_100_is_refused(skill: MediaSkill) -> None:
    outcome = skill.handle(turn("HassSetVolumeRelative", volume_step=150))
    assert (outcome.code, outcome.actions) == ("refused", ())


def test_mute_and_unmute_restore_the_volume(skill: MediaSkill, player: VirtualPlayer) -> None:
    player.set_volume(35)
    muted = skill.handle(turn("HassMediaPlayerMute"))
    assert muted.reply == "Stumm geschaltet."
    assert (muted.actions[0].kind, muted.actions[0].state["volume"]) == ("mute", 0)
    unmuted = skill.handle(turn("HassMediaPlayerUnmute"))
    assert unmuted.reply == "Stummschaltung aus."
    assert (unmuted.actions[0].kind, unmuted.actions[0].state["volume"]) == ("unmute", 35)


def test_what_is_playing_names_title_and_artist(skill: MediaSkill) -> None:
    play(skill, "Nina Hagen", "artist")
    outcome = skill.handle(turn("MediaQuery", "was läuft gerade"))
    assert outcome.reply == "Gerade läuft „TV-Glotzer“ von Nina Hagen."
    assert outcome.actions == ()


def test_what_is_playing_while_paused(skill: MediaSkill) -> None:
    play(skill, "Nina Hagen", "artist")
    skill.handle(turn("HassMediaPause"))
    assert skill.handle(turn("MediaQuery")).reply == "„TV-Glotzer“ von Nina Hagen ist pausiert."


def test_what_is_playing_with_nothing_playing(skill: MediaSkill) -> None:
    outcome = skill.handle(turn("MediaQuery"))
    assert (outcome.reply, outcome.actions) == ("Gerade läuft nichts.", ())


def test_area_and_device_slots_are_accepted(skill: MediaSkill) -> None:
    outcome = skill.handle(
        turn("HassMediaSearchAndPlay", search_query="Jazz", area="Wohnzimmer", name="TV")
    )
    assert outcome.reply == "Ich spiele Jazz."


class _Unreachable(VirtualPlayer):
    def status(self) -> str:
        raise PlayerError()


def test_an_unreachable_player_is_a_spoken_failure() -> None:
    outcome = MediaSkill(_Unreachable([Track("x")])).handle(turn("HassMediaPause"))
    assert outcome.reply == "Die Musikwiedergabe ist gerade nicht erreichbar."
    assert (outcome.code, outcome.actions) == ("failed", ())


def test_a_sentence_of_home_assistants_grammar_gets_home_assistants_words(
    skill: MediaSkill, player: VirtualPlayer
) -> None:
    slots = {"search_query": "Kraftwerk", "media_class": "artist"}
    found = skill.handle(Turn("HassMediaSearchAndPlay", slots, "", NOW, "c1", response="default"))
    assert (found.reply, player.status()) == ("Wiedergabe wird gestartet", "playing")
    missing = {"search_query": "Immer die Radfahrer"}
    nothing = skill.handle(
        Turn("HassMediaSearchAndPlay", missing, "", NOW, "c1", response="default")
    )
    assert (nothing.reply, nothing.code) == ("Keine passenden Inhalte gefunden", "nothing")
