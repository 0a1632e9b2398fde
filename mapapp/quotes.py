"""Checking quotes against the text they cite: verbatim, and in the right paragraph.

A paragraph is a non-empty line of the source text, counted from 0, as in the data;
a citation's optional `offset` is where its quote starts in that paragraph (in
characters, from 0), which puts sentences of one paragraph in article order.
"""

from __future__ import annotations

from pathlib import Path

from mapapp.catalogue import Catalogue
from mapapp.problems import Problem


def paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def check_quotes(catalogue: Catalogue, source_id: str, text_path: Path) -> list[Problem]:
    """Every citation of `source_id` must quote its paragraph of `text_path` verbatim."""
    if source_id not in catalogue.sources:
        return [Problem(str(text_path), f"no source {source_id!r} in sources.json")]
    try:
        text = Path(text_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [Problem(str(text_path), f"cannot read the source text: {error}")]
    body = paragraphs(text)
    problems: list[Problem] = []
    for collection in catalogue.collections:
        for feature in collection.features:
            for index, citation in enumerate(feature["properties"]["citations"]):
                if citation["source"] != source_id:
                    continue
                message = _quote_problem(citation["quote"], citation["paragraph"], body,
                                         citation.get("offset"))
                if message:
                    problems.append(Problem(collection.file, message, feature["id"],
                                            f"citations[{index}]"))
    return problems


def _quote_problem(quote: str, paragraph: int, body: list[str],
                   offset: int | None = None) -> str | None:
    if paragraph < len(body) and quote in body[paragraph]:
        found = body[paragraph].find(quote)
        if offset is not None and body[paragraph][offset:offset + len(quote)] != quote:
            return f"quote starts at offset {found} of paragraph {paragraph}, not {offset}"
        return None
    elsewhere = [index for index, line in enumerate(body) if quote in line]
    if elsewhere:
        return f"quote is in paragraph {elsewhere[0]}, not {paragraph}"
    if paragraph >= len(body):
        return f"paragraph {paragraph} does not exist (the text has {len(body)})"
    return f"quote is not a verbatim substring of paragraph {paragraph}: {quote[:80]!r}"
