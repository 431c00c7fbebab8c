"""The rendered report in a real browser: headless Debian Chromium, network blocked.

Every request that is not a ``file://`` URL is aborted and recorded as a
failure, so a report that reaches for a CDN, a web font or an arXiv thumbnail
fails here. Skipped only when Chromium is not installed (CI installs it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
)


class Visit:
    """A page whose console errors and failed or blocked requests are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.route("**/*", self._only_local)

    def _only_local(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.failed.append(route.request.url)
            route.abort()

    def open(self, path: Path) -> Page:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.Plotly !== undefined")
        self.wait_for_charts()
        return self.page

    def wait_for_charts(self) -> None:
        self.page.wait_for_function(
            "[...document.querySelectorAll('[data-chart]')]"
            ".every(d => d.querySelector('.main-svg') && d.data && d.data.length > 0)"
        )

    def assert_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.failed == [], f"failed or blocked requests: {self.failed}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    yield Visit(context.new_page())
    context.close()


def report_pages(run_dir: Path) -> list[Path]:
    return [
        run_dir / "index.html",
        *sorted(run_dir.glob("themes/*.html")),
        *sorted(run_dir.glob("topics/*.html")),
        *sorted(run_dir.glob("papers/*.html")),
    ]


def test_browser_every_page_draws_and_links_resolve(rendered: Path, visit: Visit) -> None:
    """Charts drawn on every page, and every internal href/src names an existing file."""
    checked = 0
    for path in report_pages(rendered):
        page = visit.open(path)
        charts = page.locator("[data-chart]").count()
        assert charts >= (0 if path.parent.name == "papers" else 1), path
        assert page.locator("[data-chart] .main-svg").count() >= charts, path
        assert page.locator(".chart-missing").count() == 0
        urls = page.evaluate(
            "[...document.querySelectorAll('a[href], link[href], script[src]')]"
            ".map(n => n.href || n.src)"
        )
        for url in urls:
            parsed = urlparse(url)
            if parsed.scheme == "https":
                assert parsed.netloc in {"arxiv.org", "doi.org"}, url
                continue
            assert parsed.scheme == "file", url
            target = Path(unquote(parsed.path))
            assert target.exists(), f"{path.name}: {url}"
            if parsed.fragment and target == path.resolve():
                assert page.locator(f"[id='{parsed.fragment}']").count() == 1, url
            checked += 1
    assert checked > 100
    visit.assert_clean()


def test_browser_index_has_sparklines_trends_and_map(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "index.html")
    assert page.locator(".sparkline .main-svg").count() >= 3
    n_traces = page.evaluate(
        "[...document.querySelectorAll('#trends [data-chart]')].map(d => d.data.length)"
    )
    assert n_traces == [3, 3, 3]  # one panel per theme: band edges and share
    assert int(page.locator("#topics-table tbody tr").count()) == 5
    visit.assert_clean()


def test_browser_tables_sort_and_search(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "themes" / "adversarial-robustness.html")
    rows = page.locator("#papers tbody tr")
    assert rows.count() == 11
    page.locator("#papers thead th", has_text="Year").click()
    years = [c for c in page.locator("#papers tbody tr td:nth-child(2)").all_inner_texts() if c]
    assert years == sorted(years, reverse=True)  # numbers sort descending first
    page.locator("#papers thead th", has_text="Year").click()
    years = [c for c in page.locator("#papers tbody tr td:nth-child(2)").all_inner_texts() if c]
    assert years == sorted(years)
    page.locator("#papers thead th", has_text="Title").click()
    titles = page.locator("#papers tbody tr td:first-child").all_inner_texts()
    assert titles == sorted(titles, key=str.lower)

    page.locator('input.table-search[data-table="papers"]').fill("robustness neural")
    page.wait_for_function(
        "document.querySelector('.table-count[data-table=papers]').textContent.includes(' of ')"
    )
    visible = page.locator("#papers tbody tr:not([hidden])")
    assert visible.count() == 1
    assert "Towards Evaluating the Robustness of Neural Networks" in visible.inner_text()
    assert page.locator('.table-count[data-table="papers"]').inner_text() == "1 of 11 rows"
    page.locator('input.table-search[data-table="papers"]').fill("")
    page.wait_for_function(
        "document.querySelector('.table-count[data-table=papers]').textContent === '11 rows'"
    )
    visit.assert_clean()


def test_browser_share_count_toggle(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "topics" / "1.html")
    chart = page.locator("[data-chart]").first
    state = (
        "d => [d.layout.yaxis.title.text, d.data.map(t => t.visible === undefined ? true : "
        "t.visible)]"
    )
    assert chart.evaluate(state) == ["Share of papers", [True, True, True, False]]
    chart.locator(".updatemenu-button", has_text="Count").click()
    assert chart.evaluate(state) == ["Papers", [False, False, False, True]]
    chart.locator(".updatemenu-button", has_text="Share").click()
    assert chart.evaluate(state)[0] == "Share of papers"
    visit.assert_clean()


def test_browser_map_colour_toggle(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "index.html")
    chart = page.locator("#topics [data-chart]").first
    legend = "() => [...document.querySelectorAll('#topics .legendtext')].map(n => n.textContent)"
    assert "0: adversarial attacks robustness" in page.evaluate(legend)
    chart.locator(".updatemenu-button", has_text="Colour by theme").click()
    page.wait_for_function(
        "[...document.querySelectorAll('#topics .legendtext')]"
        ".some(n => n.textContent === 'continual learning')"
    )
    assert set(page.evaluate(legend)) == {
        "adversarial robustness",
        "continual learning",
        "graph neural networks",
        "no theme",
    }
    visit.assert_clean()


def test_browser_click_through_index_theme_topic(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "index.html")
    page.locator("table.glance a", has_text="continual learning").click()
    visit.wait_for_charts()
    assert page.locator("h1").inner_text().startswith("continual learning")
    page.locator("#feeding + table a, h2#feeding ~ table a").first.click()
    visit.wait_for_charts()
    assert page.locator("h1").inner_text().startswith("Topic 1: continual forgetting tasks")
    page.locator("#feeds ~ table a", has_text="continual learning").click()
    visit.wait_for_charts()
    assert page.url.endswith("/themes/continual-learning.html")
    page.locator(".crumbs a", has_text="Overview").click()
    assert page.url.endswith("/index.html")
    visit.assert_clean()


def test_browser_xss_probe_is_inert_text(
    rendered: Path, visit: Visit, xss_probe: str, breakout_title: str
) -> None:
    page = visit.open(rendered / "themes" / "adversarial-robustness.html")
    assert page.get_by_text(xss_probe, exact=True).count() == 1
    assert page.evaluate("window.__xss") is None
    page.locator('input.table-search[data-table="papers"]').fill("window.__xss")
    page.wait_for_function(
        "document.querySelectorAll('#papers tbody tr:not([hidden])').length == 1"
    )
    assert page.evaluate("window.__xss") is None

    page = visit.open(rendered / "topics" / "-1.html")
    assert page.get_by_text(xss_probe, exact=True).count() >= 1
    assert page.locator("#papers td", has_text="window.__xss=3").count() == 1
    assert breakout_title.split("\u2028")[0] in page.locator("#papers").inner_text()

    page = visit.open(rendered / "index.html")
    chart = page.locator("#topics [data-chart]").first
    trace, point = chart.evaluate(
        "d => { for (const [i, t] of d.data.entries()) { const j = (t.hovertext || [])"
        ".findIndex(h => h.includes('__xss=1')); if (j >= 0) return [i, j]; } }"
    )
    chart.evaluate(f"d => Plotly.Fx.hover(d, [{{curveNumber: {trace}, pointNumber: {point}}}])")
    hover = chart.locator(".hoverlayer .hovertext")
    hover.wait_for()
    # The tooltip wraps long lines, so compare without the white space it breaks at.
    assert xss_probe.replace(" ", "") in hover.text_content().replace(" ", "")
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    visit.assert_clean()


def test_browser_print_hides_controls(rendered: Path, visit: Visit) -> None:
    page = visit.open(rendered / "themes" / "continual-learning.html")
    page.set_viewport_size({"width": 1600, "height": 900})  # wider than any paper
    page.emulate_media(media="print")
    hidden = (
        "s => [...document.querySelectorAll(s)].every(n => getComputedStyle(n).display === 'none')"
    )
    for selector in (".topbar", ".table-tools", ".modebar-container", ".updatemenu-container"):
        assert page.locator(selector).count() >= 1, selector
        assert page.evaluate(hidden, selector), selector
    assert (
        page.evaluate("getComputedStyle(document.querySelector('figure.chart-box')).breakInside")
        == "avoid"
    )
    fits = (
        "() => { const f = document.querySelector('figure.chart-box');"
        " return f.querySelector('.main-svg').getBoundingClientRect().width <= f.clientWidth; }"
    )
    page.wait_for_function(fits)  # charts are redrawn to the width of the paper
    page.emulate_media(media="screen")
    page.wait_for_function(fits)
    visit.assert_clean()


def test_browser_evaluation_section_sorts_links_and_stays_inert(
    rendered: Path, visit: Visit, xss_probe: str
) -> None:
    page = visit.open(rendered / "index.html")
    page.locator(".topbar a", has_text="Evaluation").click()
    assert page.url.endswith("#evaluation")
    section = page.locator("#evaluation")
    assert section.is_visible()
    assert "0.186" not in section.locator(".cards").inner_text()  # cards use 2 decimals
    assert "0.19" in section.locator(".cards").inner_text()
    page.locator("#coherence thead th", has_text="NPMI").click()
    values = page.locator("#coherence tbody td:nth-child(3)").all_inner_texts()
    assert values == ["0.421", "0.188", "-0.052", "–"]  # descending, undefined last
    assert page.get_by_text(xss_probe, exact=True).count() == 1  # a label row, as text
    assert page.evaluate("window.__xss") is None
    page.locator("#theme-scores a", has_text="continual learning").click()
    visit.wait_for_charts()
    assert page.url.endswith("/themes/continual-learning.html")
    visit.assert_clean()


def test_browser_capped_theme_page_links_its_full_csv(
    tmp_path: Path, build_run, visit: Visit
) -> None:
    from topics.report import ReportOptions, render_report

    run_dir = build_run(tmp_path / "run")
    render_report(run_dir, options=ReportOptions(max_papers=3))
    page = visit.open(run_dir / "themes" / "adversarial-robustness.html")
    assert page.locator("#papers tbody tr").count() == 3
    link = page.locator("a[download]", has_text="adversarial-robustness.csv")
    assert link.count() == 1
    target = Path(unquote(urlparse(link.evaluate("a => a.href")).path))
    assert target.is_file()
    visit.assert_clean()


@pytest.mark.parametrize("width", [1400, 400])
def test_browser_every_page_fits_the_screen(rendered: Path, browser: Browser, width: int) -> None:
    """At 1400 px and at phone width no page is wider than the screen, and charts draw."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    visit = Visit(context.new_page())
    try:
        for path in report_pages(rendered):
            page = visit.open(path)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{path.name} is {overflow} px wide at {width} px"
            for box in page.locator("[data-chart] .main-svg").all()[:3]:
                assert box.bounding_box()["width"] <= width, path.name
        visit.assert_clean()
    finally:
        context.close()


def test_browser_map_theme_legend_fades_a_theme(rendered: Path, visit: Visit) -> None:
    """In theme colours a legend click fades that theme's papers; switching back resets."""
    page = visit.open(rendered / "index.html")
    chart = page.locator("#topics [data-chart]").first
    chart.locator(".updatemenu-button", has_text="Colour by theme").click()
    page.wait_for_function(
        "[...document.querySelectorAll('#topics .legendtext')]"
        ".some(n => n.textContent === 'continual learning')"
    )
    faded = (
        "d => d.data.filter(t => t.meta && t.meta.themes).flatMap(t => t.meta.themes.map("
        "(k, i) => [k, Array.isArray(t.marker.opacity) ? t.marker.opacity[i] : t.marker.opacity]))"
    )
    entry = page.locator("#topics g.traces", has=page.get_by_text("continual learning", exact=True))
    entry.locator("rect.legendtoggle").click()
    page.wait_for_function(
        "document.querySelector('#topics [data-chart]').data.some(t => t.meta && t.meta.themes"
        " && Array.isArray(t.marker.opacity) && t.marker.opacity.includes(0.04))"
    )
    pairs = chart.evaluate(faded)
    assert {k for k, o in pairs if o < 0.1} == {1}  # continual learning is the second theme
    assert all(o == 0.75 for k, o in pairs if k != 1)
    assert chart.evaluate("d => d.data.filter(t => t.visible === false).length") == 0
    chart.locator(".updatemenu-button", has_text="Colour by topic").click()
    assert all(o == 0.75 for _, o in chart.evaluate(faded))
    labels = chart.evaluate("d => d.layout.annotations.map(a => a.text)")
    assert "1: continual forgetting tasks" in labels
    hover = chart.evaluate("d => d.data[0].hovertext[0]")
    assert hover.startswith("<b>")
    assert "<i>We study" in hover
    visit.assert_clean()


_NO_NETWORK_SCHEMES = ("file:", "data:", "blob:", "about:")


def test_browser_every_modebar_button_stays_offline(rendered: Path, browser: Browser) -> None:
    """Click every toolbar button of every chart on every page with the network blocked.

    plotly.js 4 adds a "Share chart..." button by default that posts the figure
    (the map: every title) to Plotly Cloud. No button may upload or link out,
    and no click may send a request anywhere, from the page or a popup.
    """
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    visit = Visit(context.new_page())
    clicked, titles = 0, set()
    for path in report_pages(rendered):
        page = visit.open(path)
        # Small multiples and term bars have no toolbar; the search page has no chart.
        charts = page.locator("[data-chart]:not(.sparkline):not(.multiple)")
        assert charts.count() >= (0 if path.parent.name == "papers" else 1), path
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            chart.hover()
            buttons = chart.locator(".modebar-btn")
            assert chart.locator(".modebar a[href]").count() == 0, f"{path.name}: a link button"
            assert buttons.count() >= 4, f"{path.name} chart {i}: no toolbar"
            for j in range(buttons.count()):
                button = buttons.nth(j)
                title = button.get_attribute("data-title") or ""
                titles.add(title)
                assert not re.search(r"cloud|share|studio|link|plotly", title, re.I), title
                assert button.get_attribute("data-attr") != "sendChartToCloud"
                chart.hover()
                button.click()
                clicked += 1
            page.wait_for_timeout(200)  # a late upload or popup would show up now
    context.close()
    outside = [u for u in requests if not u.startswith(_NO_NETWORK_SCHEMES)]
    assert outside == [], f"requests left the machine: {outside}"
    assert visit.failed == [], visit.failed
    assert clicked > 20
    assert {"Download plot as a PNG", "Zoom", "Pan", "Reset axes"} <= titles


def test_browser_search_finds_papers_across_the_corpus(
    rendered: Path, visit: Visit, xss_probe: str
) -> None:
    page = visit.open(rendered / "papers" / "search.html")
    results = page.locator("#search-results > li")
    assert results.count() == 30
    assert page.locator("#search-count").inner_text() == "All 30 papers"
    page.locator("#search-query").fill("catastrophic neural")
    page.wait_for_function("document.querySelectorAll('#search-results > li').length === 1")
    assert "Overcoming catastrophic forgetting in neural networks" in results.inner_text()
    assert page.locator("#search-count").inner_text() == "1 of 30 papers match"
    page.locator("#search-query").fill("")
    page.locator("#search-theme").select_option(label="graph neural networks")
    page.locator("#search-from").select_option("2018")
    page.wait_for_function("document.querySelectorAll('#search-results > li').length === 3")
    page.locator("#search-theme").select_option("")
    page.locator("#search-from").select_option("")
    page.locator("#search-query").fill("window.__xss")
    page.wait_for_function("document.querySelectorAll('#search-results > li').length === 2")
    assert page.get_by_text(xss_probe, exact=True).count() == 1  # shown as text
    assert page.evaluate("window.__xss") is None
    assert page.locator("#search-results img").count() == 0
    page.locator("#search-results a", has_text="topic -1").first.click()
    assert page.url.endswith("/topics/-1.html")
    visit.assert_clean()


def test_browser_structure_page_draws_hierarchy_heat_map_and_terms(
    rendered: Path, visit: Visit
) -> None:
    page = visit.open(rendered / "topics" / "index.html")
    kinds = page.evaluate("[...document.querySelectorAll('[data-chart]')].map(d => d.data[0].type)")
    assert kinds == ["scatter", "heatmap", "bar", "bar", "bar", "bar"]
    ticks = page.evaluate(
        "document.querySelector('#hierarchy ~ figure [data-chart]').layout.yaxis.ticktext"
    )
    order = [t.split(":")[0] for t in ticks]
    assert sorted(order) == ["0", "1", "2", "3"]
    assert abs(order.index("0") - order.index("3")) == 1  # the closest pair sit together
    visit.assert_clean()


# -- the payloads on every page ---------------------------------------

_JSON_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
# What the report itself writes that a handler check would otherwise flag.
_OWN_HANDLERS = {("FORM", "search-form", "onsubmit", "return false")}
_INJECTED = """() => ({
    handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
        .filter(a => a.name.startsWith('on')).map(a => [el.tagName, el.id, a.name, a.value])),
    images: document.querySelectorAll('img[src="x"], image[href="x"]').length,
    javascriptLinks: [...document.querySelectorAll('a')].filter(a => /^\\s*javascript:/i
        .test(a.getAttribute('href') || a.getAttribute('xlink:href') || '')).length,
    inlineScripts: [...document.scripts].filter(s => !s.src && s.type !== 'application/json')
        .length,
    xss: window.__xss,
})"""


def every_page(run_dir: Path) -> list[Path]:
    """Every HTML file of the report, wherever it is (a new kind of page is included)."""
    return sorted(p for p in run_dir.rglob("*.html") if "assets" not in p.parts)


def test_browser_hostile_payloads_run_on_no_page(
    hostile_rendered: Path, browser: Browser, hostile: dict[str, str]
) -> None:
    """Titles, abstracts and a theme name and description of HTML: shown, never run.

    Every page is opened, its charts drawn, its tables searched for the payload
    and the map hovered and recoloured by theme; any ``alert`` the payloads call
    would open a dialog, which is recorded (and dismissed).
    """
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    dialogs: list[str] = []
    visit = Visit(context.new_page())
    context.on("page", lambda p: dialogs.append(f"popup {p.url}"))  # window.open
    visit.page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    shown: dict[str, int] = {"title": 0, "theme": 0, "description": 0}
    pages = every_page(hostile_rendered)
    assert len(pages) == 12  # index, 3 themes, 5 topics and their overview, search, changes
    try:
        for path in pages:
            page = visit.open(path)
            for search in page.locator("input.table-search:visible").all():
                search.fill("alert")
            if path.name == "search.html":
                page.locator("#search-query").fill("alert")
                page.wait_for_function("document.querySelectorAll('#search-results > li').length")
            if path == hostile_rendered / "index.html":
                chart = page.locator("#topics [data-chart]").first
                chart.evaluate("d => Plotly.Fx.hover(d, [{curveNumber: 0, pointNumber: 0}])")
                chart.locator(".updatemenu-button", has_text="Colour by theme").click()
                page.wait_for_timeout(300)
            text = page.locator("body").inner_text()
            for what in shown:
                shown[what] += text.count(hostile[what])
            found = page.evaluate(_INJECTED)
            handlers = {tuple(h) for h in found.pop("handlers")}
            assert handlers <= _OWN_HANDLERS, f"{path.name}: {handlers}"
            assert found == {"images": 0, "javascriptLinks": 0, "inlineScripts": 0, "xss": None}, (
                path.name
            )
            assert dialogs == [], f"{path.name}: {dialogs}"
        visit.assert_clean()
    finally:
        context.close()
    # The payloads did reach the pages, as text.
    assert shown["title"] >= 2, shown
    assert shown["theme"] >= 5, shown
    assert shown["description"] >= 1, shown


def test_browser_embedded_json_carries_the_payloads_without_closing_its_block(
    hostile_rendered: Path, visit: Visit, hostile: dict[str, str]
) -> None:
    """Chart data and the search index: no raw '<' in any block, every block parses.

    A ``</script>`` inside JSON would end the block early: the browser would
    then see more (or fewer) script elements than the file has script tags,
    and the rest of the data would not parse.
    """
    decoded: list[str] = []
    for path in every_page(hostile_rendered):
        html = path.read_text(encoding="utf-8")
        blocks = _JSON_BLOCK.findall(html)
        for block_id, raw in blocks:
            assert "<" not in raw, f"{path.name} #{block_id}"
            assert "\u2028" not in raw, f"{path.name} #{block_id}"
            decoded.append(json.dumps(json.loads(raw), ensure_ascii=False))
        page = visit.open(path)
        parsed = page.evaluate(
            "[...document.querySelectorAll('script[type=\"application/json\"]')]"
            ".map(s => { try { JSON.parse(s.textContent); return s.id; }"
            " catch (e) { return null; } })"
        )
        assert parsed == [block_id for block_id, _ in blocks], path.name
        assert page.evaluate("document.scripts.length") == html.count("<script"), path.name
    everything = "\n".join(decoded)
    # The data holds the payloads themselves (the search index, as text) or
    # HTML-escaped for plotly's labels: present either way, inert either way.
    assert hostile["title"] in everything
    assert hostile["abstract"].split(" Our")[0] in everything
    theme = hostile["theme"]
    assert theme in everything or theme.replace("<", "&lt;").replace(">", "&gt;") in everything
    visit.assert_clean()


def test_browser_structure_page_reads_on_a_phone(rendered: Path, browser: Browser) -> None:
    """Issue 15: at 400 px the tree's 44-character names left it a sliver of the width.

    On a narrow screen the hierarchy names its topics by their first words and
    the heat map its rows by number (square cells); widening the window
    brings the full names back.
    """
    context = browser.new_context(viewport={"width": 400, "height": 900})
    visit = Visit(context.new_page())
    try:
        page = visit.open(rendered / "topics" / "index.html")
        tree = "document.querySelector('#hierarchy ~ figure [data-chart]')"
        heat = "document.querySelectorAll('#similarity ~ figure [data-chart]')[0]"
        plot_share = f"{tree}._fullLayout.xaxis._length / {tree}._fullLayout.width"
        assert page.evaluate(plot_share) > 0.4
        ticks = page.evaluate(f"{tree}.layout.yaxis.ticktext")
        assert all(len(t) <= 22 for t in ticks)
        rows = page.evaluate(f"{heat}.layout.yaxis.ticktext")
        assert sorted(rows) == ["0", "1", "2", "3"]
        height, width = page.evaluate(f"[{heat}.layout.height, {heat}.clientWidth]")
        assert height < 1.5 * width
        page.set_viewport_size({"width": 1400, "height": 900})
        page.wait_for_function(f"{tree}.layout.yaxis.ticktext.some(t => t.length > 22)")
        assert page.evaluate(f"{heat}.layout.yaxis.ticktext") is None
        visit.assert_clean()
    finally:
        context.close()


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory, build_run, xss_probe: str) -> Path:
    """The fixture run with a "What changed" page against an earlier run without the probe paper.

    The probe's paper is then a new paper, listed by title on the page.
    """
    import pandas as pd

    from topics.changes import write_changes
    from topics.report import render_report

    root = tmp_path_factory.mktemp("changed")
    old = build_run(root / "old")
    papers = pd.read_csv(old / "data" / "papers.csv", dtype=str, keep_default_na=False)
    papers.loc[papers["title"] != xss_probe].to_csv(old / "data" / "papers.csv", index=False)
    render_report(old)
    new = build_run(root / "new")
    write_changes(old, new, kind="run", old_link="../old")
    render_report(new)
    return new


@pytest.mark.parametrize("width", [1366, 400])
def test_browser_changes_page_fits_draws_links_and_stays_inert(
    changed: Path, browser: Browser, xss_probe: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    visit = Visit(context.new_page())
    try:
        page = visit.open(changed / "changes.html")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator("[data-chart]").count() == 1  # new papers per theme
        assert page.locator("[data-chart] .main-svg").count() >= 1
        assert page.get_by_text(xss_probe, exact=True).count() == 1  # the one new paper
        assert page.evaluate("window.__xss") is None
        assert page.locator("img[src='x']").count() == 0
        link = page.locator("a", has_text="previous run's report")
        target = Path(unquote(urlparse(link.evaluate("a => a.href")).path))
        assert target == (changed.parent / "old" / "index.html").resolve()
        link.click()
        visit.wait_for_charts()
        assert page.url.endswith("/old/index.html")
        page.locator(".topbar a", has_text="What changed").click()
        assert "Nothing to compare with yet" in page.locator("main").inner_text()
        visit.assert_clean()
    finally:
        context.close()
