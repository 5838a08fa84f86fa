"""Regenerate the screenshots in docs/img from a running ``make serve``.

Usage: ``make serve`` in one terminal (on a fresh data directory: the tracing
shots add paths), then ``.venv/bin/python docs/make_screenshots.py``.
Needs Chromium and chromedriver (``make browser``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050"
OUT = Path(__file__).with_name("img")


def main() -> None:
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1600,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    try:
        driver.get(URL)
        time.sleep(6)
        driver.save_screenshot(str(OUT / "overview.png"))
        # Click a point on a neurite in XY, colour 3D by type, show the isosurface.
        drag = driver.find_element("css selector", "#view-xy .nsewdrag")
        ActionChains(driver).move_to_element(drag).move_by_offset(-60, -80).click().perform()
        driver.find_element("css selector", "#view-3d-color input[value=type]").click()
        driver.find_element("css selector", "#view-3d-surface input").click()
        time.sleep(5)
        driver.save_screenshot(str(OUT / "linked-views-isosurface.png"))
        driver.find_element("css selector", "#view-3d-surface input").click()
        trace_and_edit(driver)
        compute_layer(driver)
        classify(driver)
    finally:
        driver.quit()


def click_view(driver, plane, h, v, alt=False):
    """Click a slice view at physical plane coordinates ``(h, v)``."""
    drag = driver.find_element("css selector", f"#view-{plane} .nsewdrag")
    px, py = driver.execute_script(
        f"var fl = document.querySelector('#view-{plane} .js-plotly-plot')._fullLayout;"
        f" return [fl.xaxis.l2p({h}), fl.yaxis.l2p({v})];"
    )
    chain = ActionChains(driver).move_to_element(drag).move_by_offset(
        round(px - drag.size["width"] / 2), round(py - drag.size["height"] / 2))
    (chain.key_down(Keys.ALT).click().key_up(Keys.ALT) if alt else chain.click()).perform()
    time.sleep(1.5)


def trace_at(driver, xyz):
    """Show the XY slice through ``xyz`` (a navigation click in XZ), then a Trace click there."""
    driver.find_element("css selector", "#trace-mode input[value=navigate]").click()
    click_view(driver, "xz", xyz[0], xyz[2])
    driver.find_element("css selector", "#trace-mode input[value=trace]").click()
    click_view(driver, "xy", xyz[0], xyz[1])


def trace_and_edit(driver):
    """Trace along the demo neuron's longest path, keep, then pick a node in Edit mode."""
    nodes = driver.execute_script(
        "var gd = document.querySelector('#view-3d .js-plotly-plot');"
        " var runs = [[]];"
        " gd.data.filter(d => d.name === 'paths').forEach(t => t.x.forEach((x, i) =>"
        "   x === null ? runs.push([]) : runs[runs.length - 1].push([x, t.y[i], t.z[i]])));"
        " return runs.reduce((a, b) => b.length > a.length ? b : a);"
    )
    trace_at(driver, nodes[len(nodes) // 5])
    trace_at(driver, nodes[3 * len(nodes) // 4])
    time.sleep(2)
    driver.save_screenshot(str(OUT / "tracing-candidate.png"))
    driver.find_element("css selector", "body").send_keys("y")
    time.sleep(2)
    driver.find_element("css selector", "body").send_keys("f")
    driver.find_element("css selector", "#trace-mode input[value=edit]").click()
    middle = nodes[len(nodes) // 2]
    click_view(driver, "xy", middle[0], middle[1])
    time.sleep(2)
    driver.save_screenshot(str(OUT / "edit-mode.png"))


def compute_layer(driver):
    """Start a tubeness job from the Tracing panel; shoot the Jobs panel while it runs."""
    driver.find_element("css selector", "#trace-mode input[value=navigate]").click()
    driver.find_element("css selector", "#trace-layer").click()
    next(o for o in driver.find_elements("css selector", "[role=option]") if o.text.startswith("tubeness")).click()
    scales = driver.find_element("css selector", "#trace-scales")
    scales.send_keys("0.3,0.45,0.6,0.75,0.9,1.05,1.2", Keys.TAB)
    driver.find_element("css selector", "#trace-compute").click()
    driver.execute_script("document.getElementById('jobs-list').scrollIntoView({block: 'center'});")
    time.sleep(2.5)
    driver.save_screenshot(str(OUT / "jobs.png"))


def wait_for_job(driver, kind, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        first = driver.execute_script("var r = document.querySelector('.snt-job');"
                                      " return r ? [r.innerText, r.dataset.state] : null;")
        if first and kind in first[0] and first[1] in ("done", "failed"):
            return
        time.sleep(0.5)


def classify(driver):
    """Train on the traced path, apply, show the neurite probability over the slices."""
    panel = driver.find_element("css selector", "#classifier-train").find_element("xpath", "ancestor::details")
    panel.find_element("css selector", "summary").click()
    driver.find_element("css selector", "#classifier-train").click()
    time.sleep(1)
    wait_for_job(driver, "train-classifier")
    driver.find_element("css selector", "#classifier-preview").click()
    driver.find_element("css selector", "#classifier-apply").click()
    time.sleep(1)
    wait_for_job(driver, "apply-classifier")
    maps = driver.find_element("css selector", "#map-upload").find_element("xpath", "ancestor::details")
    maps.find_element("css selector", "summary").click()
    for _ in range(20):  # the map arrives with the next version poll
        driver.find_element("css selector", "#overlay-map").click()
        options = [o for o in driver.find_elements("css selector", "[role=option]") if "classifier" in o.text]
        if options:
            options[0].click()
            break
        driver.find_element("css selector", "body").click()
        time.sleep(1)
    driver.execute_script("document.getElementById('classifier-info').scrollIntoView({block: 'center'});")
    time.sleep(3)
    driver.save_screenshot(str(OUT / "classifier.png"))


if __name__ == "__main__":
    main()
