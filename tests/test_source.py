"""The article text ships byte-identical to the shared copy."""

import hashlib

import pytest

from cstrdf import resources
from conftest import REPO

SHA256 = "01db92c4cfd6215cac25cac97950d548fbfc2eff11d64a4c8b2e50a005524f57"
SHARED_COPY = REPO.parent / "shared" / "source" / "monitor-v8-i95.txt"


def test_source_text_hash():
    data = resources.source_text_path().read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA256


def test_source_text_is_in_the_checkout():
    assert resources.source_text_path() == REPO / "data" / "source" / "monitor-v8-i95.txt"


@pytest.mark.skipif(not SHARED_COPY.exists(), reason="no ../shared/source next to this clone")
def test_source_text_is_byte_identical_to_the_shared_copy():
    assert resources.source_text_path().read_bytes() == SHARED_COPY.read_bytes()


def test_source_text_decodes_as_utf8_without_bom(source_text):
    assert not source_text.startswith("\ufeff")
    assert source_text.startswith("Publication: Monitor Volume: 8 Issue: 95\n")
    assert source_text.endswith("Site Maintenance by Johnny Flash Productions")  # no final newline
