"""MpdPlayer against a real MPD: a small generated library, a null audio output.

The fixture needs the `mpd` and `sox` binaries (Debian packages `mpd` and `sox`); without
them these tests fail rather than skip, because CI installs both.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from mpd import MPDClient  # type: ignore[import-untyped]

from hausgeist.media.mpd import MpdPlayer
from hausgeist.media.player import PlayerError, Track
from hausgeist.skills.base import Turn
from hausgeist.skills.media import MediaSkill

# (artist, album, genre, title), two tracks per album.
LIBRARY = [
    ("Nina Hagen", "Nina Hagen Band", "Punk", "TV-Glotzer"),
    ("Nina Hagen", "Nina Hagen Band", "Punk", "Naturträne"),
    ("Kraftwerk", "Die Mensch-Maschine", "Elektronik", "Die Roboter"),
    ("Kraftwerk", "Die Mensch-Maschine", "Elektronik", "Das Model"),
    ("Fleetwood Mac", "Rumours", "Rock", "Dreams"),
    ("Fleetwood Mac", "Rumours", "Rock", "Go Your Own Way"),
    ("Miles Davis", "Kind of Blue", "Jazz", "So What"),
    ("Miles Davis", "Kind of Blue", "Jazz", "Blue in Green"),
]
# Long enough that no track ends during a test (the null output plays in real time), and
# silent 8 kHz mono so each file is about 80 kB. Not lower: at 1 kHz MPD 0.23 deadlocks now
# and then on `next` right after `play`.
SECONDS = 60
SOX_FORMAT = ["-r", "8000", "-c", "1", "-b", "16"]
START_TIMEOUT = 10.0


def _require(binary: str, package: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(
            f"`{binary}` not found: install the Debian package `{package}` to run the MPD tests"
        )
    return path


def _sox_argv(sox: str, music: Path, n: int) -> list[str]:
    """The sox command writing the n-th library track as Artist/Album/NN Title.flac."""
    artist, album, genre, title = LIBRARY[n]
    number = n % 2 + 1
    folder = music / artist / album
    folder.mkdir(parents=True, exist_ok=True)
    tags = {"ARTIST": artist, "ALBUM": album, "GENRE": genre, "TITLE": title, "TRACKNUMBER": number}
    comments = [arg for key, value in tags.items() for arg in ("--add-comment", f"{key}={value}")]
    out = folder / f"{number:02d} {title}.flac"
    return [sox, "-n", *SOX_FORMAT, *comments, str(out), "trim", "0", str(SECONDS)]


def _make_library(music: Path) -> None:
    """Tagged, silent FLAC files, written by parallel sox processes."""
    sox = _require("sox", "sox")
    jobs = [subprocess.Popen(_sox_argv(sox, music, n)) for n in range(len(LIBRARY))]
    for track, job in zip(LIBRARY, jobs, strict=True):
        if job.wait(timeout=10) != 0:
            pytest.fail(f"sox failed with exit code {job.returncode} writing {track}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _write_conf(root: Path, port: int) -> Path:
    conf = root / "mpd.conf"
    conf.write_text(
        f'music_directory "{root / "music"}"\n'
        f'playlist_directory "{root / "playlists"}"\n'
        f'db_file "{root / "database"}"\n'
        f'log_file "{root / "mpd.log"}"\n'
        'bind_to_address "127.0.0.1"\n'
        f'port "{port}"\n'
        'auto_update "no"\n'
        'zeroconf_enabled "no"\n'
        'audio_output {\n  type "null"\n  name "null"\n  mixer_type "software"\n}\n',
        encoding="utf-8",
    )
    (root / "playlists").mkdir()
    return conf


def _connect(port: int, server: subprocess.Popen[bytes], root: Path) -> MPDClient:
    """A client connected as soon as MPD accepts, or a failure with MPD's log."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            logs = [root / "mpd.stderr", root / "mpd.log"]
            output = "".join(log.read_text(errors="replace") for log in logs if log.exists())
            pytest.fail(f"mpd exited with {server.returncode}:\n{output}")
        client = MPDClient()
        client.timeout = 2
        try:
            client.connect("127.0.0.1", port)
            return client
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"mpd did not listen within {START_TIMEOUT} s")
            time.sleep(0.02)


def _update_database(client: MPDClient) -> None:
    """Scan the music directory and wait until MPD knows every song."""
    client.idletimeout = START_TIMEOUT
    client.update()
    while "updating_db" in client.status() or int(client.stats()["songs"]) < len(LIBRARY):
        try:
            client.idle("database", "update")  # MPD reports events since the last idle at once
        except OSError:
            pytest.fail(f"MPD did not find all {len(LIBRARY)} songs within {START_TIMEOUT} s")


@pytest.fixture(scope="module")
def mpd_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private MPD on a free local port with the generated library in its database."""
    binary = _require("mpd", "mpd")
    root = tmp_path_factory.mktemp("mpd")
    _make_library(root / "music")
    port = _free_port()
    conf = _write_conf(root, port)
    with (root / "mpd.stderr").open("wb") as stderr:
        server = subprocess.Popen(
            [binary, "--no-daemon", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        client = _connect(port, server, root)
        _update_database(client)
        client.disconnect()
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def player(mpd_port: int) -> Iterator[MpdPlayer]:
    """An MpdPlayer on a stopped, empty queue at volume 50."""
    client = MPDClient()
    client.timeout = 2
    client.connect("127.0.0.1", mpd_port)
    client.stop()
    client.clear()
    client.setvol(50)
    client.disconnect()
    yield MpdPlayer("127.0.0.1", mpd_port, timeout=2.0)


def titles(tracks: list[Track]) -> list[str]:
    return [track.title for track in tracks]


def test_search_by_artist_finds_all_their_tracks_with_tags(player: MpdPlayer) -> None:
    tracks = player.search("Nina Hagen", "artist")
    assert titles(tracks) == ["TV-Glotzer", "Naturträne"]
    assert tracks[1] == Track(
        "Naturträne",
        "Nina Hagen",
        "Nina Hagen Band",
        "Punk",
        "Nina Hagen/Nina Hagen Band/02 Naturträne.flac",
    )


def test_search_falls_back_to_case_insensitive_substrings(player: MpdPlayer) -> None:
    assert titles(player.search("kraftwerk", "artist")) == ["Die Roboter", "Das Model"]
    assert titles(player.search("hagen", "artist")) == ["TV-Glotzer", "Naturträne"]


def test_search_by_album(player: MpdPlayer) -> None:
    assert titles(player.search("Rumours", "album")) == ["Dreams", "Go Your Own Way"]


def test_search_by_title(player: MpdPlayer) -> None:
    (track,) = player.search("So What", "track")
    assert (track.artist, track.album) == ("Miles Davis", "Kind of Blue")


def test_search_by_genre(player: MpdPlayer) -> None:
    assert titles(player.search("Jazz", "genre")) == ["So What", "Blue in Green"]


def test_search_without_a_class_looks_at_every_tag(player: MpdPlayer) -> None:
    assert titles(player.search("Blue", None)) == ["So What", "Blue in Green"]
    assert titles(player.search("Elektronik", "playlist")) == ["Die Roboter", "Das Model"]


def test_search_for_something_missing_finds_nothing(player: MpdPlayer) -> None:
    assert player.search("Helene Fischer", "artist") == []


def test_an_empty_search_finds_the_whole_library(player: MpdPlayer) -> None:
    assert len(player.search("", None)) == len(LIBRARY)


def test_play_starts_the_first_track(player: MpdPlayer) -> None:
    tracks = player.search("Rumours", "album")
    player.play(tracks)
    assert player.status() == "playing"
    assert player.now_playing() == tracks[0]


def test_nothing_plays_on_a_fresh_queue(player: MpdPlayer) -> None:
    assert (player.status(), player.now_playing()) == ("stopped", None)


def test_pause_and_resume(player: MpdPlayer) -> None:
    tracks = player.search("Rumours", "album")
    player.play(tracks)
    player.pause()
    assert (player.status(), player.now_playing()) == ("paused", tracks[0])
    player.resume()
    assert (player.status(), player.now_playing()) == ("playing", tracks[0])


def test_resume_starts_a_stopped_queue_and_pause_leaves_it_alone(player: MpdPlayer) -> None:
    player.pause()
    assert player.status() == "stopped"
    player.resume()
    assert player.status() == "stopped"  # an empty queue has nothing to resume
    tracks = player.search("Dreams", "track")
    player.play(tracks)
    player.next()
    assert player.status() == "stopped"
    player.resume()
    assert (player.status(), player.now_playing()) == ("playing", tracks[0])


def test_next_and_previous(player: MpdPlayer) -> None:
    first, second = player.search("Kind of Blue", "album")
    player.play([first, second])
    player.next()
    assert player.now_playing() == second
    player.previous()
    assert player.now_playing() == first
    player.previous()
    assert player.now_playing() == first
    player.next()
    player.next()
    assert (player.status(), player.now_playing()) == ("stopped", None)


def test_set_volume(player: MpdPlayer) -> None:
    player.set_volume(30)
    assert player.volume() == 30
    with pytest.raises(ValueError):
        player.set_volume(101)
    assert player.volume() == 30


def test_mute_remembers_the_volume_and_unmute_restores_it(player: MpdPlayer) -> None:
    player.set_volume(40)
    player.mute()
    assert player.volume() == 0
    player.unmute()
    assert player.volume() == 40


def test_unmute_of_a_player_silenced_elsewhere_comes_back_audible(player: MpdPlayer) -> None:
    player.set_volume(0)
    player.unmute()
    assert player.volume() == 50


def test_the_skill_steps_the_volume_and_plays_on_mpd(player: MpdPlayer) -> None:
    skill = MediaSkill(player)
    now = datetime(2026, 11, 25, 9, 30)
    louder = skill.handle(Turn("HassSetVolumeRelative", {"volume_step": "up"}, "lauter", now, "c"))
    assert (louder.reply, player.volume()) == ("Lautstärke auf 60 Prozent.", 60)
    quieter = skill.handle(Turn("HassSetVolumeRelative", {"volume_step": -20}, "leiser", now, "c"))
    assert (quieter.reply, player.volume()) == ("Lautstärke auf 40 Prozent.", 40)
    slots = {"search_query": "Kraftwerk", "media_class": "artist"}
    played = skill.handle(Turn("HassMediaSearchAndPlay", slots, "spiel Kraftwerk", now, "c"))
    assert played.reply == "Ich spiele Musik von Kraftwerk."
    assert played.actions[0].target == "media:mpd"
    assert played.actions[0].state == {"status": "playing", "volume": 40, "title": "Die Roboter"}


def test_a_closed_port_is_a_player_error_at_once() -> None:
    player = MpdPlayer("127.0.0.1", _free_port(), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(PlayerError) as caught:
        player.status()
    assert caught.value.code == "player_unreachable"
    assert time.monotonic() - started < 0.5


def test_a_server_that_never_answers_is_a_player_error_after_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
        player = MpdPlayer("127.0.0.1", silent.getsockname()[1], timeout=0.3)
        started = time.monotonic()
        with pytest.raises(PlayerError):
            player.search("Jazz", "genre")
        assert time.monotonic() - started < 1.5
        for conn in accepted:
            conn.close()
