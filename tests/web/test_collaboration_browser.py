"""Two people, two browsers, one project: one edits, the other sees it; a viewer cannot edit."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from snt_web.io.reconstruction import read_reconstruction
from snt_web.store import Accounts, ProjectStore
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig


pytestmark = pytest.mark.browser


@pytest.fixture
def shared_app(tmp_path, demo_files):
    image_path, truth_path = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("Shared", project_id="shared", image_path=image_path, tree=read_reconstruction(truth_path))
    accounts = Accounts(store)
    accounts.add_user("ann", "ann-password", role="annotator")
    accounts.add_user("vic", "vic-password", role="viewer")
    return store, create_app(store, "shared", auth=AuthConfig(mode="login"))


def _browser():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


@pytest.fixture
def browsers():
    """Two independent browsers (separate cookie jars: two people)."""
    pair = [_browser(), _browser()]
    yield pair
    for driver in pair:
        driver.quit()


def _text(driver, selector):
    found = driver.find_elements("css selector", selector)
    return found[0].text if found else ""


def _wait(driver, condition, timeout=10):
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda _: condition())


def _log_in(driver, base_url, name, password):
    driver.get(base_url + "/login")
    driver.find_element("name", "username").send_keys(name)
    driver.find_element("name", "password").send_keys(password)
    driver.find_element("css selector", "form button[type=submit]").click()

    def in_app(_):
        found = driver.find_elements("css selector", "#path-summary")
        return found and "nodes" in found[0].text

    WebDriverWait(driver, 20, poll_frequency=0.2).until(in_app)


def test_one_edits_the_other_sees_it_and_a_viewer_cannot_edit(dash_thread_server, shared_app, browsers,
                                                               shared_data):
    store, app = shared_app
    dash_thread_server(app)
    ann, vic = browsers
    _log_in(ann, dash_thread_server.url, "ann", "ann-password")
    _log_in(vic, dash_thread_server.url, "vic", "vic-password")

    # Ann opens a reconstruction; Vic's open page shows it within seconds.
    ann.find_element("css selector", "#upload input[type=file]").send_keys(
        str(shared_data / "snt" / "CIL_Dataset_#701.traces"))
    _wait(ann, lambda: "83 paths" in _text(ann, "#files-message"), timeout=20)
    _wait(vic, lambda: "5308 nodes" in _text(vic, "#path-summary"), timeout=8)
    assert store.history("shared")[0].user == "ann"

    # Vic, a viewer, is refused on the server; nothing changes.
    version = store.get("shared").version
    # The new version re-renders the page's panels: wait for the upload to be back.
    _wait(vic, lambda: vic.find_elements("css selector", "#upload input[type=file]"))
    vic.find_element("css selector", "#upload input[type=file]").send_keys(str(shared_data / "snt" / "TreeV.swc"))
    _wait(vic, lambda: "Not allowed" in _text(vic, "#files-message"))
    assert "viewer" in _text(vic, "#files-message")
    assert store.get("shared").version == version
    assert "5308 nodes" in _text(ann, "#path-summary")
    for driver in (ann, vic):
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
