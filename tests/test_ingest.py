"""Ingest: every supported encoding decodes to the same text; everything else is refused clearly."""
from __future__ import annotations

import codecs

import pytest

import pipeline
from pipeline import errors
from pipeline.stages.ingest import decode_bytes, read_document

SAMPLE = "湘江县委统战部召开全体会议3次，研究部署民族宗教工作。\n“同心”品牌建设稳步推进。\n"


@pytest.mark.parametrize("encoding, prefix, expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ("gbk", b"", "gb18030"),
    ("gb18030", b"", "gb18030"),
])
def test_supported_encodings_decode_to_the_same_text(encoding, prefix, expected):
    text, detected = decode_bytes(prefix + SAMPLE.encode(encoding), "sample")
    assert text == SAMPLE
    assert detected == expected


def test_gbk_copy_gives_the_same_report_as_utf8(tmp_path, seed_path):
    text = seed_path.read_text("utf-8")
    utf8, gbk = tmp_path / "r.txt", tmp_path / "r_gbk.txt"
    utf8.write_bytes(text.encode("utf-8"))
    gbk.write_bytes(text.encode("gbk"))
    a, b = pipeline.process_file(utf8).to_dict(), pipeline.process_file(gbk).to_dict()
    assert b["document"].pop("encoding") == "gb18030"
    assert a["document"].pop("encoding") == "utf-8"
    for data in (a, b):
        data["document"].pop("sha256")
        data["document"].pop("source")
        data["document"].pop("doc_id")
    assert a == b


@pytest.mark.parametrize("data, error, fragment", [
    (b"", errors.EmptyInput, "empty"),
    (b"  \n\t \r\n", errors.EmptyInput, "empty"),
    ("   ".encode("utf-16"), errors.EmptyInput, "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), errors.BinaryInput, "PNG"),
    (b"PK\x03\x04" + bytes(40), errors.BinaryInput, "ZIP"),
    (SAMPLE.encode("utf-8")[:-2], errors.UndecodableInput, "truncated"),
    (SAMPLE.encode("utf-8") + SAMPLE.encode("gbk"), errors.UndecodableInput, "mixed"),
    (b"abc\x00\x00\x00\x01\x02" * 50, errors.BinaryInput, "control"),
])
def test_bad_bytes_are_refused_with_a_reason(tmp_path, data, error, fragment):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        read_document(path)
    message = str(caught.value)
    assert str(path) in message
    assert fragment in message
    assert caught.value.code.startswith("E1")


def test_mixed_encoding_names_the_first_bad_byte(tmp_path):
    good = SAMPLE.encode("utf-8")
    path = tmp_path / "mixed.txt"
    path.write_bytes(good + "部".encode("gbk"))  # B2 BF: a UTF-8 continuation byte first
    with pytest.raises(errors.UndecodableInput, match=f"byte {len(good)}, then"):
        read_document(path)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(errors.FileNotReadable, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(errors.FileNotReadable, match="directory"):
        read_document(tmp_path)


def test_sha256_is_of_the_bytes(tmp_path):
    import hashlib

    data = SAMPLE.encode("gbk")
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    assert read_document(path).sha256 == hashlib.sha256(data).hexdigest()
