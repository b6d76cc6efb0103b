"""Property-based fuzzing of the feed path and the corpus reader (tests/fuzzkit.py); `python bench/fuzz.py
--minutes 10` runs the same checks for longer."""

from __future__ import annotations

import pytest
from fuzzkit import BYTES, CORPUS_FILES, DOCUMENTS, Door
from hypothesis import HealthCheck, given, settings

EXAMPLES = settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    opened = Door(tmp_path_factory.mktemp("fuzz"))
    yield opened
    opened.close()


@EXAMPLES
@given(document=DOCUMENTS)
def test_well_formed_feeds_with_any_field_values_are_parsed_cleaned_stored_and_rendered(door, document):
    door.check_feed(*document)


@EXAMPLES
@given(document=BYTES)
def test_any_bytes_as_a_feed_are_one_line_at_worst(door, document):
    door.check_feed(*document)


@EXAMPLES
@given(data=CORPUS_FILES)
def test_any_bytes_as_a_corpus_file_are_a_document_or_one_warning(door, data):
    door.check_corpus_file(data)
