"""Sentence splitting of the article: the count and the known traps are pinned."""

from hypothesis import given
from hypothesis import strategies as st

from cstrdf.sentences import paragraphs, split_sentences


def test_the_article_has_46_sentences_in_12_paragraphs(source_text):
    sentences = split_sentences(source_text)
    assert len(sentences) == 46
    assert len(paragraphs(source_text)) == 12
    assert [s.index for s in sentences] == list(range(1, 47))
    assert sentences[-1].paragraph == 12


def test_offsets_are_code_points_of_the_text(source_text):
    for sentence in split_sentences(source_text):
        assert source_text[sentence.start:sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()


def test_the_header_line_is_a_sentence_of_its_own(source_text):
    first = split_sentences(source_text)[0]
    assert (first.index, first.paragraph, first.start, first.end) == (1, 1, 0, 40)
    assert first.text == "Publication: Monitor Volume: 8 Issue: 95"


def _containing(sentences, fragment):
    hits = [s for s in sentences if fragment in s.text]
    assert len(hits) == 1, fragment
    return hits[0]


def test_known_boundaries(source_text):
    sentences = split_sentences(source_text)
    # "U.S. summits": a lowercase word follows, no boundary
    us = _containing(sentences, "U.S. summits")
    assert us.text.startswith("In the run up to NATO’s Reykjavik meeting")
    assert us.text.endswith("on their relations with Russia.")
    # a period inside closing quotes ends the sentence after the quote
    bloc = _containing(sentences, "Eastern Bloc")
    assert bloc.text.endswith("the “Eastern Bloc.”")
    assert sentences[bloc.index].text.startswith("The CST countries, Putin argued")  # the next one
    # a closing bracket before the period, at the end of a paragraph
    cited = _containing(sentences, "Armenpress")
    assert cited.text.startswith("This last decision suggests")
    assert cited.text.endswith("(Interfax, RIA, ORT Television, Armenpress, May 13-14; see the Monitor, April 23-24, May 1, 9).")
    # the last line has no stop and no newline
    last = sentences[-1]
    assert last.text == "Copyright (c) 1983-2002 The Jamestown Foundation Site Maintenance by Johnny Flash Productions"
    assert last.end == len(source_text)
    # a question ends a sentence and its paragraph
    question = _containing(sentences, "Afghanistan")
    assert question.text.endswith("to that of Afghanistan?")
    # dashes and a comma after a quote do not split
    _containing(sentences, "“between Portugal and Spain,” as has been said")


def test_synthetic_boundaries():
    text = "He said “Go.” Then he left. It was 9 p.m. and late! 3 people stayed.\n\nNo stop here"
    assert [s.text for s in split_sentences(text)] == [
        "He said “Go.”",
        "Then he left.",
        "It was 9 p.m. and late!",
        "3 people stayed.",
        "No stop here",
    ]
    assert [s.paragraph for s in split_sentences(text)] == [1, 1, 1, 1, 2]


def test_blank_lines_with_spaces_separate_paragraphs():
    text = "  One.\n \t\nTwo.\n\n\n\nThree.  "
    sentences = split_sentences(text)
    assert [(s.text, s.paragraph) for s in sentences] == [("One.", 1), ("Two.", 2), ("Three.", 3)]
    assert [text[s.start:s.end] for s in sentences] == ["One.", "Two.", "Three."]


def test_empty_text_has_no_sentences():
    assert split_sentences("") == []
    assert split_sentences("\n\n  \n") == []


@given(st.text(alphabet=st.sampled_from(list("ab A.?!“”() \n\t9")), max_size=200))
def test_sentences_tile_the_text(text):
    sentences = split_sentences(text)
    position = 0
    for sentence in sentences:
        assert text[sentence.start:sentence.end] == sentence.text
        assert sentence.start >= position
        assert text[position:sentence.start].strip() == ""  # only whitespace between sentences
        position = sentence.end
    assert text[position:].strip() == ""
