"""The map's glyphs and sprites as bootstrap built them: decodable, Vietnamese letters drawn, current."""

import json
from pathlib import Path

import pytest
from PIL import Image

from portal.mapassets import build
from portal.mapassets.glyphs import BUFFER, encode_glyphs, render_font

FONTS = build.OUT / "fonts"


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(data: bytes):
    """(field number, value) pairs of one protobuf message: varints as ints, length-delimited as bytes."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            size, at = _varint(data, at)
            value, at = data[at:at + size], at + size
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        yield number, value


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def decode(pbf: bytes) -> tuple[str, str, dict[int, dict]]:
    [(number, stack)] = list(_fields(pbf))
    assert number == 1
    name = range_ = None
    glyphs = {}
    for number, value in _fields(stack):
        if number == 1:
            name = value.decode()
        elif number == 2:
            range_ = value.decode()
        elif number == 3:
            glyph = {"bitmap": b""}
            for field, item in _fields(value):
                key = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top", 7: "advance"}[field]
                glyph[key] = _unzigzag(item) if key in ("left", "top") else item
            glyphs[glyph["id"]] = glyph
    return name, range_, glyphs


@pytest.fixture(scope="module")
def built():
    assert build.OUT.is_dir(), "built/map is missing: bootstrap builds it (python -m portal.mapassets)"
    assert build.is_current(), "built/map is older than its inputs: run python -m portal.mapassets"
    return build.OUT


@pytest.mark.parametrize(("first", "letters"), [
    (0, "AaÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý"),
    (256, "ĂăĐđĨĩŨũƠơƯư"),
    (768, "\u0300\u0301\u0303\u0309\u0323"),  # the five tone marks as combining characters
    (7680, "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"),
])
@pytest.mark.parametrize("font", ["NotoSans-Regular", "NotoSans-Bold"])
def test_every_vietnamese_letter_has_a_glyph(built, font, first, letters):
    name, range_, glyphs = decode((FONTS / font / f"{first}-{first + 255}.pbf").read_bytes())
    assert (name, range_) == (font, f"{first}-{first + 255}")
    missing = [ch for ch in letters if first <= ord(ch) < first + 256 and ord(ch) not in glyphs]
    assert missing == []
    for ch in letters:
        glyph = glyphs[ord(ch)]
        if glyph["bitmap"]:
            assert len(glyph["bitmap"]) == (glyph["width"] + 2 * BUFFER) * (glyph["height"] + 2 * BUFFER)


def test_a_glyph_is_a_signed_distance_field_in_maplibre_convention(built):
    _, _, glyphs = decode((FONTS / "NotoSans-Bold" / "0-255.pbf").read_bytes())
    dot = glyphs[ord(".")]
    w, h = dot["width"] + 2 * BUFFER, dot["height"] + 2 * BUFFER
    rows = [dot["bitmap"][r * w:(r + 1) * w] for r in range(h)]
    centre = rows[h // 2][w // 2]
    corner = rows[0][0]
    assert centre > 191 > corner  # inside above the 191 edge, outside below it
    assert dot["top"] > 0 and 0 < dot["advance"] < 24
    space = glyphs[ord(" ")]
    assert space["bitmap"] == b"" and space["advance"] > 0


def test_every_range_of_the_bmp_is_served_even_if_empty(built):
    for font in build.FONTS:
        files = {path.name for path in (FONTS / font).glob("*.pbf")}
        assert len(files) == 256 and "65280-65535.pbf" in files
    name, range_, glyphs = decode((FONTS / "NotoSans-Regular" / "19968-20223.pbf").read_bytes())
    assert (name, range_, glyphs) == ("NotoSans-Regular", "19968-20223", {})


def test_the_encoder_round_trips(built):
    glyphs = render_font(build.FONTS["NotoSans-Regular"], ranges=[7680])[7680][:3]
    _, _, decoded = decode(encode_glyphs("X", 7680, glyphs))
    for glyph in glyphs:
        assert decoded[glyph.id] == {"id": glyph.id, "bitmap": glyph.bitmap, "width": glyph.width,
                                     "height": glyph.height, "left": glyph.left, "top": glyph.top,
                                     "advance": glyph.advance}


@pytest.mark.parametrize("name", list(build.SPRITES))
def test_sprites_index_every_icon_inside_the_sheet(built, name):
    for suffix, ratio in (("", 1), ("@2x", 2)):
        index = json.loads((built / "sprites" / f"{name}{suffix}.json").read_text())
        sheet = Image.open(built / "sprites" / f"{name}{suffix}.png")
        assert {"hospital", "school", "cafe", "marker", "place-of-worship"} <= set(index)
        for icon in index.values():
            assert icon["pixelRatio"] == ratio
            assert icon["x"] + icon["width"] <= sheet.width and icon["y"] + icon["height"] <= sheet.height
        hospital = index["hospital"]
        crop = sheet.crop((hospital["x"], hospital["y"], hospital["x"] + hospital["width"],
                           hospital["y"] + hospital["height"]))
        assert crop.getextrema()[3][1] == 255  # the icon is drawn, not a transparent hole


def test_a_second_build_with_nothing_changed_does_nothing(built):
    stamp = (built / ".inputs").stat().st_mtime_ns
    assert build.build(log=lambda _msg: None) is False
    assert (built / ".inputs").stat().st_mtime_ns == stamp
    assert Path(build.OUT / "manifest.json").exists()
