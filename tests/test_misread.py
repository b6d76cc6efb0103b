"""The single-letter misreading rule: it repairs "d'Ítre" and never touches a real word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wordfreq import top_n_list

from newsletter.sources.misread import LANGUAGES, MISREAD, repair_misreadings
from newsletter.sources.text import clean


def _as_mac_roman(text: str) -> str:
    """`text` saved as Latin-1 and read back as Mac Roman: the misreading the rule undoes."""
    return text.encode("latin-1").decode("mac_roman")


def _as_cp1252(text: str) -> str:
    """`text` saved as Mac Roman and read back as cp1252."""
    return text.encode("mac_roman").decode("cp1252")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("raison d'Ítre", "raison d'être"),
        (_as_mac_roman("a résumé and a café"), "a résumé and a café"),
        (_as_mac_roman("crème brûlée"), "crème brûlée"),
        (_as_mac_roman("the façade of the naïve"), "the façade of the naïve"),
        (_as_mac_roman("die Brücke"), "die Brücke"),
        (_as_cp1252("a café"), "a café"),
        ("cafÈ, cafÈ!", "café, café!"),
    ],
)
def test_misread_letters_are_repaired(written, meant):
    assert written != meant
    assert repair_misreadings(written) == meant


def test_the_seed_phrase_is_repaired_with_the_rest_of_cleaning():
    assert clean("A raison d'Ítre.  Nothing elaborate.") == "A raison d'être. Nothing elaborate."


# Real words with accents, in every language the rule checks: the reader meets them as
# they are, Capitalised (where "Île", "Índia", "Ángel" hold a suspect character), in
# CAPITALS, and after an elision.
_ACCENTED_WORDS = sorted({w for lang in LANGUAGES for w in top_n_list(lang, 5000) if not w.isascii() and w.isalpha()})
_SUSPECT_FORMS = sorted({
    form(w) for w in _ACCENTED_WORDS for form in (str.capitalize, str.upper) if any(c in MISREAD for c in form(w))
})  # fmt: skip


def test_every_common_word_with_a_suspect_letter_is_left_alone():
    assert len(_ACCENTED_WORDS) > 500 and len(_SUSPECT_FORMS) > 50
    assert {"Île", "Índia", "Ótimo"} <= set(_SUSPECT_FORMS)
    changed = [w for w in _SUSPECT_FORMS for text in (w, f"l'{w}", f"d’{w}.") if repair_misreadings(text) != text]
    assert changed == []


@settings(max_examples=400, deadline=None)
@given(
    word=st.sampled_from(_ACCENTED_WORDS),
    form=st.sampled_from([str.lower, str.capitalize, str.upper]),
    before=st.sampled_from(["", "l'", "d'", "qu’", "The "]),
    after=st.sampled_from(["", ".", ", and more", "s"]),
)
def test_real_words_are_never_changed(word, form, before, after):
    text = before + form(word) + after
    assert repair_misreadings(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="".join(MISREAD)), max_size=200))
def test_text_without_a_suspect_character_is_returned_as_is(text):
    assert repair_misreadings(text) is text
