# Writes tagged audio files for the library tests: each job copies a
# template file and tags it with mutagen. Reads a JSON list of jobs on stdin.
import base64
import json
import shutil
import sys

from mutagen import id3
from mutagen.flac import FLAC, Picture
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE


def picture(data):
    p = Picture()
    p.type = 3
    p.mime = "image/png"
    p.desc = "cover"
    p.data = data
    return p


def vorbis(f, t, cover):
    for key, tag in (("TITLE", "title"), ("ALBUM", "album"), ("DATE", "date"),
                     ("COMMENT", "comment"), ("TRACKNUMBER", "track"),
                     ("DISCNUMBER", "disc")):
        if t.get(tag):
            f[key] = [t[tag]]
    for key, tag in (("ARTIST", "artists"), ("ALBUMARTIST", "albumartists"),
                     ("GENRE", "genres"), ("COMPOSER", "composers"),
                     ("PERFORMER", "performers")):
        if t.get(tag):
            f[key] = t[tag]
    for key, tag in (("MUSICBRAINZ_TRACKID", "mb_track"), ("MUSICBRAINZ_ALBUMID", "mb_album"),
                     ("MUSICBRAINZ_ARTISTID", "mb_artist"),
                     ("REPLAYGAIN_TRACK_GAIN", "rg_track_gain"),
                     ("REPLAYGAIN_TRACK_PEAK", "rg_track_peak"),
                     ("REPLAYGAIN_ALBUM_GAIN", "rg_album_gain")):
        if t.get(tag):
            f[key] = [t[tag]]
    if cover is not None:
        if isinstance(f, FLAC):
            f.add_picture(picture(cover))
        else:
            f["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture(cover).write()).decode()]


def id3tags(tags, t, cover, latin1):
    enc = 0 if latin1 else 3
    def text(frame, values):
        tags.add(frame(encoding=enc, text=values))
    if t.get("title"):
        text(id3.TIT2, [t["title"]])
    if t.get("album"):
        text(id3.TALB, [t["album"]])
    if t.get("artists"):
        text(id3.TPE1, t["artists"])
    if t.get("albumartists"):
        text(id3.TPE2, t["albumartists"])
    if t.get("genres"):
        text(id3.TCON, t["genres"])
    if t.get("composers"):
        text(id3.TCOM, t["composers"])
    if t.get("track"):
        text(id3.TRCK, [t["track"]])
    if t.get("disc"):
        text(id3.TPOS, [t["disc"]])
    if t.get("date"):
        text(id3.TDRC, [t["date"]])
    if t.get("comment"):
        tags.add(id3.COMM(encoding=enc, lang="eng", desc="", text=[t["comment"]]))
    if t.get("mb_track"):
        tags.add(id3.UFID(owner="http://musicbrainz.org", data=t["mb_track"].encode()))
    for desc, tag in (("MusicBrainz Album Id", "mb_album"), ("MusicBrainz Artist Id", "mb_artist"),
                      ("REPLAYGAIN_TRACK_GAIN", "rg_track_gain"),
                      ("REPLAYGAIN_TRACK_PEAK", "rg_track_peak"),
                      ("REPLAYGAIN_ALBUM_GAIN", "rg_album_gain")):
        if t.get(tag):
            tags.add(id3.TXXX(encoding=enc, desc=desc, text=[t[tag]]))
    if cover is not None:
        tags.add(id3.APIC(encoding=3, mime="image/png", type=3, desc="cover", data=cover))


def mp4(f, t, cover):
    simple = {"title": "\xa9nam", "album": "\xa9alb", "date": "\xa9day", "comment": "\xa9cmt"}
    for tag, key in simple.items():
        if t.get(tag):
            f[key] = [t[tag]]
    multi = {"artists": "\xa9ART", "albumartists": "aART", "genres": "\xa9gen", "composers": "\xa9wrt"}
    for tag, key in multi.items():
        if t.get(tag):
            f[key] = t[tag]
    for tag, key in (("track", "trkn"), ("disc", "disk")):
        if t.get(tag):
            n, _, total = t[tag].partition("/")
            f[key] = [(int(n), int(total or 0))]
    for tag, name in (("mb_track", "MusicBrainz Track Id"), ("mb_album", "MusicBrainz Album Id"),
                      ("mb_artist", "MusicBrainz Artist Id"),
                      ("rg_track_gain", "replaygain_track_gain"),
                      ("rg_track_peak", "replaygain_track_peak"),
                      ("rg_album_gain", "replaygain_album_gain")):
        if t.get(tag):
            f["----:com.apple.iTunes:" + name] = [MP4FreeForm(t[tag].encode())]
    if cover is not None:
        f["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_PNG)]


def tag(job):
    path = job["path"].encode("latin-1") if job.get("raw_name") else job["path"]
    shutil.copyfile(job["template"], path)
    t = job.get("tags")
    if t is None:
        return
    cover = base64.b64decode(job["cover"]) if job.get("cover") else None
    fmt = job["format"]
    if fmt.startswith("mp3"):
        tags = id3.ID3()
        id3tags(tags, t, cover, job.get("latin1", False))
        tags.save(path, v2_version=3 if fmt == "mp3-id3v23" else 4)
    elif fmt == "wav":
        f = WAVE(path)
        f.add_tags()
        id3tags(f.tags, t, cover, job.get("latin1", False))
        f.save()
    elif fmt == "flac":
        f = FLAC(path)
        vorbis(f, t, cover)
        f.save()
    elif fmt == "ogg":
        f = OggVorbis(path)
        vorbis(f, t, cover)
        f.save()
    elif fmt == "opus":
        f = OggOpus(path)
        vorbis(f, t, cover)
        f.save()
    elif fmt.startswith("m4a"):
        f = MP4(path)
        mp4(f, t, cover)
        f.save()
    else:
        raise SystemExit("unknown format " + fmt)


for job in json.load(sys.stdin):
    tag(job)
