"""The site in a real headless Chromium (Debian's ``chromium`` driven by Selenium through
Debian's ``chromium-driver``; nothing is downloaded): served by ``cstrdf serve``, and opened
from ``file://``. No console errors, no failed requests, nothing fetched from outside the
server. Screenshots go to ``artifacts/`` (git-ignored).

There is no skip: without /usr/bin/chromium or /usr/bin/chromedriver these tests fail
(``scripts/setup.sh`` installs both).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1100", "--hide-scrollbars")


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    subprocess.run([sys.executable, "-m", "cstrdf", "site", "--out", str(out)], check=True,
                   capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def base_url(site_dir):
    """``cstrdf serve`` as a user runs it, on a free loopback port, serving that site."""
    process = subprocess.Popen([sys.executable, "-m", "cstrdf", "serve", "--port", "0", "--site", str(site_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = None
    for _ in range(10):
        line = process.stdout.readline()
        if line.startswith("site and linked data: "):
            url = line.split(": ", 1)[1].split(" ", 1)[0]
            break
    assert url, "cstrdf serve did not start: " + (process.stderr.read() if process.poll() is not None else "")
    yield url
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for path in (CHROMIUM, CHROMEDRIVER):
        assert Path(path).is_file(), f"{path} is missing: run scripts/setup.sh (Debian chromium, chromium-driver)"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # the browser's own start-up (its new-tab page) is not the site's business: drain its logs
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get_log("performance")
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


class Watch:
    """Console messages and network events since the last check."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.requested: list[str] = []
        self.urls: dict[str, str] = {}

    def problems(self) -> list[str]:
        found = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] in ("SEVERE", "WARNING"):
                found.append(f"console {entry['level']}: {entry['message']}")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                self.requested.append(params["request"]["url"])
                self.urls[params["requestId"]] = params["request"]["url"]
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                found.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"failed: {params.get('errorText')} ({params.get('type')}): "
                             f"{self.urls.get(params.get('requestId'), '?')}")
        return found


@pytest.fixture(scope="module")
def watch(browser):
    return Watch(browser)


def shot(driver, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def check_clean(watch: Watch, allowed_prefixes: tuple[str, ...]) -> None:
    problems = watch.problems()
    outside = [u for u in watch.requested if not u.startswith(allowed_prefixes) and u != "about:blank"]
    watch.requested.clear()
    assert not problems, "\n".join(problems)
    assert not outside, f"requests outside the site: {outside}"


def test_landing_page_then_a_link_to_an_entity(browser, watch, base_url):
    from selenium.webdriver.common.by import By

    browser.get(base_url)
    assert browser.title == "Home · cstrdf"
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("cstrdf")
    for landmark in ("header", "nav", "main", "footer"):
        assert browser.find_elements(By.TAG_NAME, landmark), landmark
    shot(browser, "landing-page")
    browser.find_element(By.LINK_TEXT, "All resources").click()
    assert browser.current_url == urllib.parse.urljoin(base_url, "resources.html")
    browser.find_element(By.LINK_TEXT, "Vladimir Putin").click()
    assert browser.current_url == urllib.parse.urljoin(base_url, "page/vladimir-putin.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Vladimir Putin"
    # the resource page's links to the data work too
    turtle = browser.find_element(By.LINK_TEXT, "Turtle").get_attribute("href")
    assert turtle == urllib.parse.urljoin(base_url, "id/vladimir-putin.ttl")
    shot(browser, "resource-page")
    check_clean(watch, (base_url,))


def test_a_highlighted_sentence_leads_to_its_node_and_back(browser, watch, base_url):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(urllib.parse.urljoin(base_url, "article.html"))
    sentence = browser.find_element(By.CSS_SELECTOR, "span.s.has-nodes#s3")
    popup = sentence.find_element(By.CSS_SELECTOR, ".pop")
    assert not popup.is_displayed()
    # hover shows the nodes
    ActionChains(browser).move_to_element(sentence).perform()
    assert popup.is_displayed()
    names = [a.text for a in popup.find_elements(By.TAG_NAME, "a")]
    assert "Putin's initiative to upgrade the CST into a CSO" in names
    assert "Armenia's membership of the CST" in names
    browser.execute_script("window.scrollTo(0, 0)")
    ActionChains(browser).move_to_element(sentence).perform()
    shot(browser, "annotated-article")
    # keyboard focus shows them too
    ActionChains(browser).move_by_offset(0, 0).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    other = browser.find_element(By.CSS_SELECTOR, "span.s.has-nodes#s6")
    other_popup = other.find_element(By.CSS_SELECTOR, ".pop")
    assert not other_popup.is_displayed()
    browser.execute_script("arguments[0].focus()", other)
    assert other_popup.is_displayed()
    # follow a node link from the pop-up, then the node page's link back to its sentence
    browser.execute_script("arguments[0].blur()", other)
    ActionChains(browser).move_to_element(sentence).perform()
    popup.find_element(By.LINK_TEXT, "Putin's initiative to upgrade the CST into a CSO").click()
    assert browser.current_url == urllib.parse.urljoin(base_url, "page/cso-upgrade-initiative.html")
    back = browser.find_element(By.CSS_SELECTOR, 'a[href="../article.html#s3"]')
    back.click()
    assert browser.current_url.endswith("article.html#s3")
    target = browser.find_element(By.CSS_SELECTOR, "span.s#s3")
    assert target.find_element(By.CSS_SELECTOR, ".pop").is_displayed()  # :target keeps it open
    # reported facts, claims and quotations look different
    colours = {kind: browser.find_element(By.CSS_SELECTOR, selector).value_of_css_property("background-color")
               for kind, selector in (("fact", "span.s.has-nodes"), ("claim", ".seg.k-claim"), ("quotation", ".seg.k-quotation"))}
    assert len(set(colours.values())) == 3, colours
    check_clean(watch, (base_url,))


@pytest.mark.parametrize("page, labels", [
    ("timeline.html", ("CST summit in Yerevan", "Meetings preparatory to the Moscow summit", "Moscow summit, first day",
                       "Moscow summit, second day", "Reykjavik", "anti-terrorist exercise", "Caspian region",
                       "The working group convenes by 1 July 2002", "The working group drafts proposals by 1 November 2002")),
    ("alliance.html", ("Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan",
                       "Western regional group of forces", "Caucasus regional group of forces",
                       "Central Asian regional group of forces", "✔ support", "✘ did not support",
                       "chair before:", "chair after:", "actual handover at the Moscow summit")),
])
def test_the_pictures_render_with_their_labels(browser, watch, base_url, page, labels):
    from selenium.webdriver.common.by import By

    browser.get(urllib.parse.urljoin(base_url, page))
    svg = browser.find_element(By.CSS_SELECTOR, "figure svg")
    size = svg.size
    assert size["width"] > 600 and size["height"] > 300, size
    texts = [t.text for t in svg.find_elements(By.TAG_NAME, "text")]
    rendered = " ".join(texts)
    for label in labels:
        assert label in rendered, label
    # every label is drawn inside the picture
    box = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", svg)
    for element in svg.find_elements(By.TAG_NAME, "text"):
        left, right = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", element)
        assert box[0] - 1 <= left and right <= box[1] + 1, element.text
    browser.execute_script("arguments[0].scrollIntoView()", svg)
    shot(browser, page.removesuffix(".html"))
    check_clean(watch, (base_url,))


def test_content_negotiation_in_the_browser_lands_on_the_page(browser, watch, base_url):
    from selenium.webdriver.common.by import By

    browser.get(urllib.parse.urljoin(base_url, "id/sergei-ivanov"))  # 303 See Other to the page
    assert browser.current_url == urllib.parse.urljoin(base_url, "page/sergei-ivanov")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sergei Ivanov"
    assert "Linked from" in browser.page_source
    check_clean(watch, (base_url,))


def test_the_site_works_from_file_urls(browser, watch, site_dir):
    from selenium.webdriver.common.by import By

    root = site_dir.resolve().as_uri() + "/"
    for page in ("index.html", "article.html", "ontology.html", "alliance.html", "page/russia.html",
                 "query/q03-stances-on-joint-command.html"):
        browser.get(root + page)
        assert browser.find_element(By.TAG_NAME, "main")
        colour = browser.find_element(By.CSS_SELECTOR, ".site-header").value_of_css_property("background-color")
        assert colour == "rgba(31, 42, 68, 1)", (page, colour)  # the style sheet loaded
    browser.find_element(By.LINK_TEXT, "Ontology").click()
    assert browser.current_url == root + "ontology.html"
    check_clean(watch, (root,))


def test_readme_screenshots_exist_after_the_run():
    for name in ("landing-page", "annotated-article", "timeline", "alliance", "resource-page"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000, name
    assert shutil.which("chromium") or Path(CHROMIUM).is_file()
