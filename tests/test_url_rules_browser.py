"""The page reads its URL by the server's rules: where the server refuses a value
(mapapp/viewstate.py, with status 400), the static copy of the map, which has no
server, names the same mistake in the same words; it never drops or ignores it."""

from __future__ import annotations

import re
from html import unescape

import pytest

pytestmark = pytest.mark.browser

WRONG = [
    ("/", "?layers=pipelines,"),
    ("/", "?layers=pipelines,,rail-routes"),
    ("/", "?layers=,"),
    ("/", "?layers=pipelines,pipelines"),
    ("/", "?groups=energy,"),
    ("/", "?status=operating,,planned"),
    ("/", "?colour=red"),
    ("/", "?layers=pipelines&layers=rail-routes"),
    ("/", "?controls=0"),  # only /embed takes it
    ("/embed", "?legend=2"),
    ("/embed", "?feature=nowhere&layers=pipelines,"),  # the first mistake, as the server
]


def server_problem(real_client, path: str, query: str) -> str:
    response = real_client.get(path + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # / answers its 400 page; /embed the map with a notice over it
    found = re.search(r'<p id="problem">(.*?)</p>', html, re.S) or \
        re.search(r'<span class="mapapp-url-notice-problem">(.*?)</span>', html, re.S)
    assert found, html[:500]
    return unescape(found.group(1)).strip()


@pytest.mark.parametrize(("path", "query"), WRONG)
def test_the_static_map_names_what_the_server_refuses(static_site, real_client, visit,
                                                      path, query):
    expected = server_problem(real_client, path, query)
    page_file = "/index.html" if path == "/" else "/embed.html"
    page = visit(static_site + page_file + query, wait=False).page
    page.wait_for_selector("html[data-map-state=error]")
    assert page.get_by_role("alert").inner_text() == (
        f"This map URL has a wrong value: {expected}")


def test_an_empty_layers_list_is_still_no_layer(static_site, visit):
    page = visit(static_site + "/index.html?layers=#5/45/70").page
    assert page.locator("[data-feature-id]").count() == 0
