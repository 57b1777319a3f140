"""The built book in a real browser: headless Debian Chromium driven by Selenium.

Run with ``make browser-test`` after ``make book`` (it sets ``SRTUTOR_BROWSER_TEST=1``, which
turns a missing ``_build/html`` or a missing Chromium into a failure). In a plain ``make test``
these tests are skipped unless the book has been built and Chromium is installed
(``apt-get install chromium chromium-driver``).

For every page of ``_toc.yml``: it loads; the console shows no error; every request goes to
the local server (no CDN, no fonts, no analytics); images are loaded and visible (at least as
many as the executed notebook has image outputs); each precomputed demo changes its image
when its slider moves. The search page finds "psnr". Screenshots go to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socketserver
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "_build" / "html"
EXECUTED = REPO / "_build" / "executed"
SHOTS = REPO / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRED = os.environ.get("SRTUTOR_BROWSER_TEST") == "1"


def _missing() -> str | None:
    if not (HTML / "index.html").exists():
        return f"no built book at {HTML} (run `make book`)"
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return "Chromium not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed"
    return None


_why = _missing()
if _why and REQUIRED:
    raise RuntimeError(f"browser test requested but cannot run: {_why}")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_why is not None, reason=_why or "")]


def _toc_pages() -> list[str]:
    """Pages of the book in toc order, as paths relative to the HTML root (``book/x.html``)."""
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) + ".html" for f in files]


PAGES = _toc_pages() if (REPO / "_toc.yml").exists() else []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="srtutor-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(options=opts, service=Service(str(CHROMEDRIVER)))
    drv.set_page_load_timeout(60)
    # a fresh Chromium may try a start-up navigation of its own (a failed "Document" request
    # to a name it cannot resolve offline): let it happen and drop it before any page test
    drv.get("about:blank")
    time.sleep(1.0)
    _drain(drv)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _drain(drv):
    """Console messages and network events since the last call."""
    console = drv.get_log("browser")
    requests, failures = [], []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            failures.append(f"{params.get('errorText')} ({params.get('type')})")
        elif method == "Network.responseReceived":
            status = params["response"]["status"]
            if status >= 400:
                failures.append(f"HTTP {status} {params['response']['url']}")
    return console, requests, failures


def _wait_ready(drv, timeout=30.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        state = drv.execute_script(
            "return document.readyState === 'complete' && "
            "(!window.MathJax || !MathJax.startup || !MathJax.startup.promise || window.__mjdone === true);"
        )
        if state:
            return
        drv.execute_script(
            "if (window.MathJax && MathJax.startup && MathJax.startup.promise && !window.__mjwait) {"
            " window.__mjwait = true; MathJax.startup.promise.then(function(){ window.__mjdone = true; }); }"
        )
        time.sleep(0.2)
    raise AssertionError(f"page not ready after {timeout} s: {drv.current_url}")


def _png_outputs(page: str) -> int:
    nb = EXECUTED / Path(page).with_suffix(".ipynb")
    if not nb.exists():
        return 0
    data = json.loads(nb.read_text())
    n = 0
    for cell in data.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if any(t in tags for t in ("remove-output", "remove-cell")):
            continue
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                n += 1
    return n


_IMAGES_JS = """
const out = [];
for (const img of document.querySelectorAll('article img')) {  // the page's content, not the theme's menus
  const hidden = img.closest('details:not([open]), .toggle-hidden, [hidden], .cell.tag_hide-output, .dropdown-menu');
  out.push({src: img.currentSrc.slice(0, 80), complete: img.complete, w: img.naturalWidth,
            shown: img.offsetWidth > 0 && img.offsetHeight > 0, expected: !hidden});
}
return out;
"""


def _is_local(url: str, base: str) -> bool:
    u = urlparse(url)
    if u.scheme in ("data", "blob", "about", "chrome", "devtools"):
        return True
    return f"{u.scheme}://{u.netloc}" == base


@pytest.mark.parametrize("page", PAGES)
def test_page(page, server, driver):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _drain(driver)
    driver.get(f"{server}/{page}")
    _wait_ready(driver)
    time.sleep(0.3)  # let late requests (fonts) be logged

    # images: all loaded, the visible ones displayed, at least as many as the notebook produced
    images = driver.execute_script(_IMAGES_JS)
    broken = [im["src"] for im in images if not (im["complete"] and im["w"] > 0)]
    assert not broken, f"{page}: images not loaded: {broken}"
    invisible = [im["src"] for im in images if im["expected"] and not im["shown"]]
    assert not invisible, f"{page}: images not displayed: {invisible}"
    expected = _png_outputs(page)
    assert len(images) >= expected, f"{page}: {len(images)} images on the page, the notebook has {expected} figures"

    # interactive demos (precomputed): moving a slider changes the image
    demos = driver.execute_script("return Array.from(document.querySelectorAll('.srtutor-demo')).map(d => d.id);")
    for uid in demos:
        changed = driver.execute_script(
            """
            const root = document.getElementById(arguments[0]);
            const img = document.getElementById(arguments[0] + '-img');
            const results = [];
            for (const s of root.querySelectorAll('input[type=range]')) {
              if (Number(s.max) === 0) continue;
              const before = img.src;
              s.value = (Number(s.value) === Number(s.max)) ? s.min : s.max;
              s.dispatchEvent(new Event('input', {bubbles: true}));
              results.push(img.src !== before);
            }
            return results;
            """,
            uid,
        )
        assert all(changed), f"{page}: demo {uid}: moving a slider did not change the image ({changed})"
    shot = SHOTS / (page.replace("/", "_").replace(".html", ".png"))
    driver.save_screenshot(str(shot))
    if demos:  # a second screenshot with the first demo in view
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", demos[0])
        time.sleep(0.2)
        driver.save_screenshot(str(shot.with_name(shot.stem + "-demo.png")))

    console, requests, failures = _drain(driver)
    problems = {
        "requests outside the book": sorted({u[:200] for u in requests if not _is_local(u, server)}),
        "failed requests": failures,
        "console errors": [e["message"][:300] for e in console if e["level"] == "SEVERE"],
    }
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, f"{page}: {problems}"
    assert any(u.endswith("/" + page) for u in requests)


def test_search_finds_psnr(server, driver):
    _drain(driver)
    driver.get(f"{server}/search.html?q=psnr")
    _wait_ready(driver)
    t0, n = time.time(), 0
    while time.time() - t0 < 20:
        n = driver.execute_script("return document.querySelectorAll('#search-results li, ul.search li').length;")
        if n:
            break
        time.sleep(0.25)
    driver.save_screenshot(str(SHOTS / "search_psnr.png"))
    assert n > 0, "search.html?q=psnr shows no result"
    console, requests, failures = _drain(driver)
    assert not [e for e in console if e["level"] == "SEVERE"]
    assert not [u for u in requests if not _is_local(u, server)]


def test_dark_mode_keeps_figures_readable(server, driver):
    """In the theme's dark mode the figures are still opaque (white background, not transparent)."""
    page = next((p for p in PAGES if _png_outputs(p) > 0), None)
    if page is None:
        pytest.skip("no page with figures")
    driver.get(f"{server}/{page}")
    _wait_ready(driver)
    driver.execute_script("document.documentElement.dataset.theme = 'dark';")
    alphas = driver.execute_script(
        """
        const out = [];
        const imgs = document.querySelectorAll('article .cell_output img');
        if (imgs.length) imgs[0].scrollIntoView({block: 'center'});
        for (const img of imgs) {
          const c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const ctx = c.getContext('2d');
          ctx.drawImage(img, 0, 0);
          const w = c.width - 1, h = c.height - 1;
          for (const [x, y] of [[0, 0], [w, 0], [0, h], [w, h]]) out.push(ctx.getImageData(x, y, 1, 1).data[3]);
        }
        return out;
        """
    )
    time.sleep(0.2)
    driver.save_screenshot(str(SHOTS / (page.replace("/", "_").replace(".html", "-dark.png"))))
    driver.execute_script("document.documentElement.dataset.theme = 'light';")
    assert alphas and min(alphas) == 255, f"{page}: transparent figure corners in dark mode: {alphas}"


# --------------------------------------------------------------------------------------------
# phone width (412 px): the ☰ button opens the chapter list; one top bar, one search


@pytest.fixture(scope="module")
def phone(driver):
    size = driver.get_window_size()
    driver.set_window_size(412, 915)
    yield driver
    driver.set_window_size(size["width"], size["height"])


_VISIBLE_JS = """
function visible(el) {
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none'
         && r.right > 0 && r.left < window.innerWidth && r.bottom > 0 && r.top < window.innerHeight;
}
"""


def test_phone_menu_opens_the_chapter_list(server, phone):
    page = next(p for p in PAGES if "ch01" in p)
    _drain(phone)
    phone.get(f"{server}/{page}")
    _wait_ready(phone)
    width = phone.execute_script("return window.innerWidth;")
    assert width <= 412, width
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.save_screenshot(str(SHOTS / "phone-412-closed.png"))
    # one top bar with (at most) one search: pydata-sphinx-theme's navbar_persistent made two
    bars = phone.execute_script(_VISIBLE_JS + """
      return Array.from(document.querySelectorAll('header, .bd-header, .bd-header-article, .header-article'))
        .filter(visible).map(e => e.className);""")
    searches = phone.execute_script(_VISIBLE_JS + """
      return Array.from(document.querySelectorAll(
        'header input[type=search], header .search-button, header .search-button-field, .bd-header-article .search-button, .bd-header-article .search-button-field'))
        .filter(visible).length;""")
    assert searches <= 1, f"{searches} search boxes in the top bars ({bars})"
    toggles = phone.execute_script(_VISIBLE_JS + """
      return Array.from(document.querySelectorAll('.primary-toggle, [aria-label="Site navigation"]')).filter(visible);""")
    assert toggles, "no visible ☰ (primary sidebar) button at 412 px"
    chapter_links = _VISIBLE_JS + """
      return Array.from(document.querySelectorAll('a[href$="ch02_degradation.html"]'))
        .filter(a => visible(a) && a.closest('nav, .bd-sidebar-primary, dialog')).length;"""
    links_before = phone.execute_script(chapter_links)
    assert links_before == 0, "the chapter list is already shown before tapping ☰"
    toggles[0].click()
    t0, links = time.time(), 0
    while time.time() - t0 < 5:
        links = phone.execute_script(chapter_links)
        if links > links_before:
            break
        time.sleep(0.2)
    time.sleep(0.4)  # let the slide-in finish before the screenshot
    phone.save_screenshot(str(SHOTS / "phone-412-menu-open.png"))
    assert links > links_before, "tapping ☰ at 412 px did not show the chapter list"
    console, requests, failures = _drain(phone)
    assert not [e for e in console if e["level"] == "SEVERE"], console
    assert not failures, (failures, [u for u in requests if not _is_local(u, server)])
