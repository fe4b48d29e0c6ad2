"""Hostile content: limits enforced by publish and again by the screen (one notice refused, the rest play),
and clear messages where the parsers used to raise RecursionError, OverflowError or block for ever."""

from __future__ import annotations

import os
import shutil
import struct
import sys
import threading
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "feed"))  # feedkit: a publisher with keys

from feedkit import Publisher, random_image  # noqa: E402

from kiosk.content import ContentError, load_content  # noqa: E402
from kiosk.content.images import ImageProblem, probe_image  # noqa: E402
from kiosk.content.limits import LIMITS, Limits, TooDeepError, nesting_depth, parse_json, parse_toml  # noqa: E402
from kiosk.feed.errors import FeedPublishError  # noqa: E402
from kiosk.schedule.playlist import load_playlists  # noqa: E402
from kiosk.schedule.windows import ScheduleError  # noqa: E402

DEEP = "a = " + "[" * 2000 + "]" * 2000 + "\n"  # nests past the parser's recursion limit


def notice(item_id: str, *, front: str = "", body: str = "正文。") -> str:
    return (f'+++\nid = "{item_id}"\ncategory = "decisions"\ntitle = "标题 {item_id}"\nissuer = "青禾镇"\n'
            f"date = 2026-10-08\n{front}+++\n{body}\n")


PUBLISHERS: dict[Path, Publisher] = {}


def folder(tmp_path: Path, items: dict[str, str], catalogue: str | None = None) -> Path:
    pub = Publisher(tmp_path / "pub")
    PUBLISHERS[pub.content] = pub
    for old in (pub.content / "items").glob("*.md"):
        old.unlink()
    for stem, text in items.items():
        (pub.content / "items" / f"{stem}.md").write_text(text, encoding="utf-8")
    if catalogue is not None:
        (pub.content / "catalogue.toml").write_text(catalogue, encoding="utf-8")
    return pub.content


def publish_refused(content: Path, *needles: str) -> str:
    pub = PUBLISHERS[content]
    with pytest.raises(FeedPublishError) as info:
        pub.publish()
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    return message


def only_refused(content: Path, stem: str, *needles: str) -> None:
    """The screen loads the folder: exactly ``stem`` is refused, with a message naming it."""
    loaded = load_content(content)
    assert len(loaded.errors) == 1, loaded.errors
    assert f"{stem}.md" in loaded.errors[0]
    for needle in needles:
        assert needle in loaded.errors[0], loaded.errors[0]
    assert {i.id for i in loaded.items} == {"ok"}


# ------------------------------------------------------------------ size limits


def test_a_notice_over_the_body_limit_is_refused_by_publish_and_by_the_screen(tmp_path: Path) -> None:
    huge = "公开内容。" * (LIMITS.item_bytes // 15 + 10)  # 3 bytes a character
    content = folder(tmp_path, {"ok": notice("ok"), "huge": notice("huge", body=huge)})
    only_refused(content, "huge", "size", "more than the 256 KB a screen reads")
    publish_refused(content, "huge.md: size:", "256 KB")


def test_tables_over_the_limits_are_refused_with_their_line(tmp_path: Path) -> None:
    wide = "|" + "|".join(f"列{n}" for n in range(13)) + "|\n|" + "---|" * 13 + "\n"
    long_rows = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * (LIMITS.table_rows + 1)
    big_cell = "| a | b |\n|---|---|\n| " + "字" * (LIMITS.table_cell_chars + 1) + " | 2 |\n"
    for n, (body, needle) in enumerate(((wide, "line 10: the table has 13 columns, more than the 12"),
                         (long_rows, "line 10: the table has 501 rows, more than the 500"),
                         (big_cell, "line 12: a table cell of 1001 characters"))):
        content = folder(tmp_path / str(n), {"ok": notice("ok"), "table": notice("table", body="前言\n\n" + body)})
        only_refused(content, "table", "body", needle)


def test_more_notices_than_a_screen_loads_keeps_the_first_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.setattr("kiosk.content.loader.LIMITS", Limits(items=3))
    content = folder(tmp_path, {f"n{k}": notice(f"n{k}") for k in range(5)})
    loaded = load_content(content)
    assert [i.id for i in loaded.items] == ["n0", "n1", "n2"]
    assert loaded.errors == (f"{content / 'items'}: items: 5 notices, more than the 3 a screen loads; "
                             "those after n2.md are skipped",)


def test_a_notice_with_too_many_images_is_refused(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok")})
    (content / "images" / "p.png").write_bytes(random_image("p", 200))
    body = "\n\n".join("![图](images/p.png)" for _ in range(LIMITS.item_images + 1))
    (content / "items" / "many.md").write_text(notice("many", body=body), encoding="utf-8")
    only_refused(content, "many", "51 images, more than the 50")


# ------------------------------------------------------------------ clear messages instead of tracebacks


def test_deeply_nested_front_matter_refuses_one_notice_not_the_folder(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok"), "deep": notice("deep", front=DEEP)})
    only_refused(content, "deep", "front matter: invalid TOML: tables and arrays nested more than 8 deep")
    moderately = notice("deep", front="tags = " + "[" * 20 + "]" * 20 + "\n")  # parses, but past the limit
    (content / "items" / "deep.md").write_text(moderately, encoding="utf-8")
    only_refused(content, "deep", "nested more than 8 deep")


def test_deeply_nested_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok")}, catalogue=DEEP)
    with pytest.raises(ContentError, match=r"catalogue.toml: invalid TOML: tables and arrays nested more than 8"):
        load_content(content)


def test_a_time_zone_that_overflows_local_time_refuses_the_notice(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok"),
                                "old": notice("old", front="show_from = 0001-01-01T00:00:00+14:00\n")})
    only_refused(content, "old", "show_from: 0001-01-01T00:00:00+14:00 is out of range")


def test_a_fifo_named_like_a_notice_does_not_block_loading(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok")})
    os.mkfifo(content / "items" / "x.md")
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(load_content(content)), daemon=True)
    thread.start()
    thread.join(10)
    assert done, "loading blocked on the FIFO"
    only_refused(content, "x", "not a regular file")
    publish_refused(content, "x.md: not a regular file")


def test_deeply_nested_playlists_are_refused_by_the_validator_and_by_publish(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok")})
    (content / "playlists").mkdir()
    (content / "playlists" / "a-good.toml").write_text('[[entry]]\ncategory = "decisions"\n', encoding="utf-8")
    (content / "playlists" / "deep.toml").write_text(DEEP, encoding="utf-8")
    playlists, errors = load_playlists(content / "playlists")
    assert [p.name for p in playlists] == ["a-good"]
    assert len(errors) == 1 and "deep.toml: invalid TOML: tables and arrays nested more than 8 deep" in errors[0]
    publish_refused(content, "deep.toml: invalid TOML")


def test_publish_validates_playlists_like_the_screen(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok")})
    (content / "playlists").mkdir()
    (content / "playlists" / "typo.toml").write_text('[[entry]]\ncategory = "decisons"\n', encoding="utf-8")
    (content / "playlists" / "bad.toml").write_text('[[entry]]\ncategroy = "decisions"\n', encoding="utf-8")
    publish_refused(content, "2 problem(s), nothing was published", "typo.toml: entry 1: category: 'decisons' is in "
                    "no catalogue", "bad.toml")
    (content / "playlists" / "typo.toml").unlink()
    (content / "playlists" / "bad.toml").write_text('[[entry]]\ncategory = "decisions"\n', encoding="utf-8")
    PUBLISHERS[content].publish()  # fixed: it publishes


# ------------------------------------------------------------------ images


def huge_png(path: Path, width: int, height: int) -> Path:
    """A valid 1-bit PNG of ``width`` x ``height`` (all black): a few hundred KB for 900 megapixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(height // 1000)) + packer.compress(
        row * (height % 1000)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def test_the_probe_refuses_what_the_decoder_must_not_decode(tmp_path: Path) -> None:
    big = huge_png(tmp_path / "big.png", 30000, 30000)
    assert big.stat().st_size < 1_000_000
    with pytest.raises(ImageProblem, match="the image is 900,000,000 pixels, more than screens decode"):
        probe_image(big)
    with pytest.raises(ImageProblem, match="20001x10 pixels"):
        probe_image(huge_png(tmp_path / "long.png", 20001, 10))
    (tmp_path / "text.png").write_text("not an image", encoding="utf-8")
    with pytest.raises(ImageProblem, match="not an image screens can show"):
        probe_image(tmp_path / "text.png")
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(ImageProblem, match="not a regular file"):
        probe_image(tmp_path / "pipe.png")
    with pytest.raises(ImageProblem, match="more than the 1 KB allowed"):
        probe_image(big, Limits(image_bytes=1024))
    info = probe_image(huge_png(tmp_path / "ok.png", 4000, 3000))
    assert (info.format, info.width, info.height) == ("PNG", 4000, 3000)


def test_publish_refuses_an_image_over_the_limit_naming_the_notice(tmp_path: Path) -> None:
    content = folder(tmp_path, {"ok": notice("ok"), "pic": notice("pic", front='images = ["images/big.png"]\n')})
    huge_png(content / "images" / "big.png", 30000, 30000)
    huge_png(content / "images" / "logo.png", 9000, 9000)
    with open(content / "content.toml", "a", encoding="utf-8") as f:
        f.write('logo = "images/logo.png"\n')
    publish_refused(content, f"{content / 'items' / 'pic.md'}: images: images/big.png: the image is 900,000,000 pixels",
                    f"{content / 'content.toml'}: logo: images/logo.png: the image is 9000x9000")


# ------------------------------------------------------------------ the parsers' bounds


def test_nesting_is_measured_without_recursion() -> None:
    value: object = 1
    for _ in range(100_000):
        value = [value]
    assert nesting_depth(value) == 100_000
    assert nesting_depth(value, stop_after=8) == 9
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    with pytest.raises(TooDeepError):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(TooDeepError):
        parse_toml(DEEP)
    assert parse_toml('[[category]]\nid = "a"\n') == {"category": [{"id": "a"}]}


def test_the_demo_is_within_every_limit() -> None:
    from kiosk.config import DEMO_CONTENT

    copy = load_content(DEMO_CONTENT)
    assert not copy.errors
    for path in (DEMO_CONTENT / "images").iterdir():
        if path.suffix.lower() in (".png", ".jpg"):
            probe_image(path)


def test_the_playlist_validator_refuses_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    os.mkfifo(tmp_path / "lists" / "a.toml")
    playlists, errors = load_playlists(tmp_path / "lists")
    assert playlists == [] and "not a regular file" in errors[0]
    with pytest.raises(ScheduleError):
        from kiosk.schedule.playlist import load_playlist

        load_playlist(tmp_path / "lists" / "a.toml")
    shutil.rmtree(tmp_path / "lists")


def test_one_decoder_for_every_image_the_screen_draws() -> None:
    """Logo, notice pictures, pictures in the text, touch detail, the office's uploads, phone copies and
    screens' screenshots: only kiosk.content.images opens an image (header checked against the limits
    first); the screen decodes through kiosk.render.images.load_fitted, which opens through it."""
    import re

    root = Path(__file__).resolve().parents[1] / "kiosk"
    decoders = re.compile(r"pygame\.image\.load\(|Image\.open\(|load_basic\(|image\.frombuffer\(|imread\(")
    found = {path.relative_to(root).as_posix() for path in root.rglob("*.py")
             if decoders.search(path.read_text(encoding="utf-8"))}
    assert found == {"content/images.py"}
    users = {path.relative_to(root).as_posix() for path in root.rglob("*.py")
             if "open_image(" in path.read_text(encoding="utf-8")}
    assert users == {"content/images.py", "render/images.py", "office/authoring/uploads.py",
                     "office/feedback/images.py", "office/fleet/api.py"}


def test_the_probe_reads_bytes_and_files_alike(tmp_path: Path) -> None:
    """The office checks an upload's bytes with the same rule (and the same kinds of problem) as a screen's file."""
    from kiosk.content.images import open_image

    big = huge_png(tmp_path / "big.png", 30000, 30000).read_bytes()
    with pytest.raises(ImageProblem) as info:
        probe_image(big)
    assert (info.value.kind, info.value.pixels) == ("pixels", 900_000_000)  # Pillow's own ceiling: no size given
    with pytest.raises(ImageProblem) as info:
        probe_image(huge_png(tmp_path / "long.png", 20001, 10).read_bytes())
    assert (info.value.kind, info.value.size, info.value.pixels) == ("pixels", (20001, 10), 200_010)
    with pytest.raises(ImageProblem) as info:
        probe_image(b"<html>")
    assert info.value.kind == "format"
    with pytest.raises(ImageProblem) as info:
        probe_image(big, Limits(image_bytes=1024))
    assert info.value.kind == "file-size"
    with pytest.raises(ImageProblem) as info:
        probe_image(tmp_path / "nothing.png")
    assert info.value.kind == "missing"
    ok = tmp_path / "ok.png"
    ok.write_bytes(random_image("ok", 500))
    assert probe_image(ok.read_bytes()) == probe_image(ok)
    with open_image(ok) as (image, checked):
        assert image.size == (1, 1) and checked.pixels == 1 and checked.bytes == 500
        image.load()


def test_a_huge_logo_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    """A 30000x30000 logo (a few hundred KB) took the player to 6 GB: now its header is read and refused."""
    import subprocess

    from kiosk.config import DEMO_CONTENT

    content = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, content)
    huge_png(content / "images" / "logo.png", 30000, 30000)
    measure = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "sys.stderr.write(p.stderr)")
    done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "kiosk", "play", "--content",
                           str(content), "--headless", "--frames", "1", "--screenshot", str(tmp_path / "shot.png"),
                           "--state-dir", str(tmp_path / "state")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SDL_VIDEODRIVER": "dummy"})
    code, peak_kib = (int(v) for v in done.stdout.split())
    assert code == 0, done.stderr
    assert "logo not shown" in done.stderr and "more than screens decode" in done.stderr
    assert peak_kib < 600 * 1024, f"peak {peak_kib // 1024} MB"


def test_the_header_probe_decodes_no_pixels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's getexif() on a PNG decodes the whole image to look for EXIF after the pixels: the probe (publish,
    the office, the layout's image sizes) must not, neither for a PNG within the limits nor for one over them."""
    from PIL import Image, ImageFile

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the probe decoded the image")

    small = tmp_path / "small.png"
    Image.new("RGB", (300, 200), (200, 10, 10)).save(small)
    over = huge_png(tmp_path / "over.png", 10000, 10000)  # 100 megapixels: over the limit, under Pillow's own
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    assert probe_image(small).shown_size == (300, 200)
    with pytest.raises(ImageProblem) as info:
        probe_image(over)
    assert info.value.kind == "pixels" and info.value.size == (10000, 10000)
