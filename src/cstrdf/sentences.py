"""Split the article into paragraphs and sentences, with code-point offsets into the text.

Rules (tuned on the Monitor text, documented so the coverage table can be trusted):

* paragraphs are separated by one or more blank lines;
* a sentence ends after ``.``, ``?`` or ``!``, optionally followed by closing quotes or
  brackets (``” ’ " )``), when whitespace and then an uppercase letter, a digit or an opening
  quote or bracket (``“ " ‘ (``) follow — so "U.S. summits" stays one sentence, and
  "…the “Eastern Bloc.” The CST…" splits after the closing quote;
* the end of a paragraph ends a sentence, with or without a final stop (the closing
  "Copyright (c) 1983-2002 …" line has none). The first line, "Publication: Monitor Volume: 8
  Issue: 95", is a paragraph and so a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_BOUNDARY = re.compile(r"[.?!][”’\")\]]*(?=\s+[A-Z0-9“\"‘(])")


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == source[start:end]`` (code points, end exclusive)."""

    index: int  # 1-based, over the whole text
    paragraph: int  # 1-based
    start: int
    end: int
    text: str


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, surrounding whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[position:end]
        stripped = chunk.strip()
        if stripped:
            start = position + (len(chunk) - len(chunk.lstrip()))
            spans.append((start, start + len(stripped)))
        if match:
            position = match.end()
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """All sentences of ``text`` in order.

    >>> [s.text for s in split_sentences("The U.S. summit met. It ended.\\n\\nCopyright (c) 2002")]
    ['The U.S. summit met.', 'It ended.', 'Copyright (c) 2002']
    """
    sentences: list[Sentence] = []
    for number, (p_start, p_end) in enumerate(paragraphs(text), start=1):
        body = text[p_start:p_end]
        cut = 0
        ends = [m.end() for m in _BOUNDARY.finditer(body)] + [len(body)]
        for end in ends:
            piece = body[cut:end]
            lead = len(piece) - len(piece.lstrip())
            stripped = piece.strip()
            if stripped:
                start = p_start + cut + lead
                sentences.append(
                    Sentence(
                        index=len(sentences) + 1,
                        paragraph=number,
                        start=start,
                        end=start + len(stripped),
                        text=stripped,
                    )
                )
            cut = end
    return sentences
