"""`mapapp check`: the console script's report, exit codes and the quote check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mapapp.cli import main
from tests.conftest import FIXTURE_ARTICLE, FIXTURE_DATA, edit_json, run_check


def test_console_script_passes_good_data_with_quotes():
    result = run_check("--data-dir", str(FIXTURE_DATA),
                       "--source-text", f"article={FIXTURE_ARTICLE}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("ok: 2 collections, 3 features, 3 citations; "
                             "quotes checked against article\n")


def test_console_script_refuses_broken_data(data_copy: Path):
    (data_copy / "routes.geojson").write_text("{", encoding="utf-8")
    result = run_check("--data-dir", str(data_copy))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "geodata refused: 1 problem",
        "  routes.geojson: invalid JSON at line 1, column 2: "
        "Expecting property name enclosed in double quotes",
    ]


def set_quote(data_dir: Path, quote: str, paragraph: int) -> None:
    edit_json(data_dir / "energy.geojson", lambda document: document["features"][0][
        "properties"]["citations"][0].update(quote=quote, paragraph=paragraph))


@pytest.mark.parametrize(("quote", "paragraph", "message"), [
    ("The wind farm has been completed!", 2,
     "quote is not a verbatim substring of paragraph 2: 'The wind farm has been completed!'"),
    ("The wind farm has been completed.", 3, "quote is in paragraph 2, not 3"),
    ("A quote from nowhere.", 9, "paragraph 9 does not exist (the text has 4)"),
])
def test_quote_check_refuses(data_copy: Path, capsys, quote: str, paragraph: int, message: str):
    set_quote(data_copy, quote, paragraph)
    code = main(["check", "--data-dir", str(data_copy),
                 "--source-text", f"article={FIXTURE_ARTICLE}"])
    assert code == 1
    assert capsys.readouterr().err.splitlines()[1] == (
        f"  energy.geojson: feature 'wind-farm': field 'citations[0]': {message}")


def test_quote_check_checks_the_offset_when_given(data_copy: Path, capsys):
    path = data_copy / "energy.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    citation = document["features"][0]["properties"]["citations"][0]
    citation.update(quote="The pipelines operate safely.", offset=34)
    path.write_text(json.dumps(document), encoding="utf-8")
    arguments = ["check", "--data-dir", str(data_copy),
                 "--source-text", f"article={FIXTURE_ARTICLE}"]
    assert main(arguments) == 0
    citation["offset"] = 0
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(arguments) == 1
    assert capsys.readouterr().err.splitlines()[1] == (
        "  energy.geojson: feature 'wind-farm': field 'citations[0]': "
        "quote starts at offset 34 of paragraph 2, not 0")


def test_quote_check_counts_paragraphs_as_non_empty_lines(data_copy: Path, capsys):
    set_quote(data_copy, "A campus is up and running.", 3)
    assert main(["check", "--data-dir", str(data_copy),
                 "--source-text", f"article={FIXTURE_ARTICLE}"]) == 0


def test_quote_check_needs_a_known_source(capsys):
    code = main(["check", "--data-dir", str(FIXTURE_DATA),
                 "--source-text", f"other={FIXTURE_ARTICLE}"])
    assert code == 1
    assert "no source 'other' in sources.json" in capsys.readouterr().err


def test_source_text_argument_must_be_id_equals_path(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check", "--source-text", "article"])
    assert caught.value.code == 2
    assert "expected ID=PATH, got 'article'" in capsys.readouterr().err
