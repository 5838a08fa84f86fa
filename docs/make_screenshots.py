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
        paint_background(driver)
        classify(driver)
        probability_maps(driver)
        fit(driver)
        seeds_and_autotrace(driver)
        curate(driver)
    finally:
        driver.quit()


def open_panel(driver, element_id):
    """Open the side panel that holds ``element_id`` (left open if it is)."""
    driver.execute_script(f"document.getElementById('{element_id}').closest('details').open = true;")
    time.sleep(0.5)


def shoot(driver, name, element_id, settle=0.0):
    """Save ``docs/img/<name>`` after ``settle`` seconds, the side panels (not the page: the views stay in the
    shot) scrolled to centre ``element_id``."""
    driver.execute_script(
        f"var el = document.getElementById('{element_id}'), side = el.closest('.snt-sidebar');"
        " side.scrollTop += el.getBoundingClientRect().top - side.getBoundingClientRect().top"
        " - side.clientHeight / 2;")
    time.sleep(0.5 + settle)
    driver.save_screenshot(str(OUT / name))


def _offset(driver, drag, plane, h, v):
    """Pixels from the centre of a view's drag area to physical plane coordinates ``(h, v)``."""
    px, py = driver.execute_script(
        f"var fl = document.querySelector('#view-{plane} .js-plotly-plot')._fullLayout;"
        f" return [fl.xaxis.l2p({h}), fl.yaxis.l2p({v})];"
    )
    return round(px - drag.size["width"] / 2), round(py - drag.size["height"] / 2)


def click_view(driver, plane, h, v, alt=False):
    """Click a slice view at physical plane coordinates ``(h, v)``."""
    drag = driver.find_element("css selector", f"#view-{plane} .nsewdrag")
    chain = ActionChains(driver).move_to_element(drag).move_by_offset(*_offset(driver, drag, plane, h, v))
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
    shoot(driver, "jobs.png", "jobs-list", settle=2.5)


def wait_for_job(driver, kind, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        first = driver.execute_script("var r = document.querySelector('.snt-job');"
                                      " return r ? [r.innerText, r.dataset.state] : null;")
        if first and kind in first[0] and first[1] in ("done", "failed"):
            return
        time.sleep(0.5)


def drag_view(driver, plane, points):
    """Drag across a slice view through physical plane coordinates ``[(h, v), ...]``."""
    drag = driver.find_element("css selector", f"#view-{plane} .nsewdrag")
    chain = ActionChains(driver).move_to_element(drag)
    at = (0, 0)
    for k, (h, v) in enumerate(points):
        target = _offset(driver, drag, plane, h, v)
        chain.move_by_offset(target[0] - at[0], target[1] - at[1])
        if k == 0:
            chain.click_and_hold()
        at = target
    chain.release().perform()
    time.sleep(2)


def paint_background(driver):
    """Paint one background stroke across the top of the XY slice (Classifier panel, paint background)."""
    open_panel(driver, "classifier-train")
    driver.find_element("css selector", "#classifier-paint input").click()
    time.sleep(1)
    width = driver.execute_script("return document.querySelector('#view-xy .js-plotly-plot')._fullLayout"
                                  ".xaxis.range[1];")
    drag_view(driver, "xy", [(f * width, 0.08 * width) for f in (0.1, 0.25, 0.4, 0.55)])
    shoot(driver, "paint-background.png", "classifier-paint")
    driver.find_element("css selector", "#classifier-paint input").click()


def fit(driver):
    """Fit the traced path's radii (path manager, Fit) and show the node circles and the 3D tube."""
    # The path traced above: the newest one that is not a background mark.
    driver.execute_script("var api = dash_ag_grid.getApi('path-table'); var last = null;"
                          " api.forEachNode(n => { if (n.data.name.indexOf('Background') < 0"
                          " && (!last || n.data.id > last.data.id)) last = n; }); last.setSelected(true);")
    time.sleep(1)
    driver.find_element("css selector", "#paths-fit").click()
    time.sleep(4)
    shoot(driver, "fit.png", "paths-fit", settle=2)


def seeds_and_autotrace(driver):
    """Add three seeds on neurites by clicking, then autotrace one tree per seed."""
    open_panel(driver, "seeds-upload")
    nodes = driver.execute_script(
        "var gd = document.querySelector('#view-3d .js-plotly-plot'); var out = [];"
        " gd.data.filter(d => d.name === 'paths').forEach(t => t.x.forEach((x, i) =>"
        "   { if (x !== null) out.push([x, t.y[i], t.z[i]]); }));"
        " return out;")
    for xyz in nodes[:: max(1, len(nodes) // 3)][:3]:
        driver.find_element("css selector", "#trace-mode input[value=navigate]").click()
        click_view(driver, "xz", xyz[0], xyz[2])  # to the seed's plane
        driver.find_element("css selector", "#seeds-add-mode input").click()
        click_view(driver, "xy", xyz[0], xyz[1])
        driver.find_element("css selector", "#seeds-add-mode input").click()
    driver.find_element("css selector", "#seeds-autotrace").click()
    time.sleep(1)
    wait_for_job(driver, "autotrace")
    time.sleep(3)
    shoot(driver, "seeds-autotrace.png", "seeds-autotrace", settle=1)


def classify(driver):
    """Train on the traced path, apply, show the neurite probability over the slices."""
    open_panel(driver, "classifier-train")
    driver.find_element("css selector", "#classifier-train").click()
    time.sleep(1)
    wait_for_job(driver, "train-classifier")
    driver.find_element("css selector", "#classifier-preview").click()
    driver.find_element("css selector", "#classifier-apply").click()
    time.sleep(1)
    wait_for_job(driver, "apply-classifier")
    open_panel(driver, "map-upload")
    for _ in range(20):  # the map arrives with the next version poll
        driver.find_element("css selector", "#overlay-map").click()
        options = [o for o in driver.find_elements("css selector", "[role=option]") if "classifier" in o.text]
        if options:
            options[0].click()
            break
        driver.find_element("css selector", "body").click()
        time.sleep(1)
    shoot(driver, "classifier.png", "classifier-info", settle=3)


def probability_maps(driver):
    """Lay the classifier map's other class over the first, fainter (a second row); then show neither, so that
    the later shots show the image."""
    driver.find_element("css selector", "#overlay-map").click()
    next(o for o in driver.find_elements("css selector", ".dash-dropdown-option") if "background" in o.text).click()
    time.sleep(2)
    driver.execute_script("window.dash_clientside.set_props({type: 'overlay-opacity', index: 1}, {value: 0.2});")
    shoot(driver, "probability-maps.png", "overlay-layers", settle=3)
    for _ in range(2):
        driver.find_element("css selector", "#overlay-layers button[id*=overlay-remove]").click()
        time.sleep(1.5)


def curate(driver):
    """Run the Curation Assistant's full scan and fly to the first warning."""
    open_panel(driver, "curation-scan")
    driver.find_element("css selector", "#curation-scan").click()
    time.sleep(3)
    cells = driver.find_elements("css selector", "#warnings-table .ag-center-cols-container .ag-cell[col-id=message]")
    if cells:
        cells[0].click()
    shoot(driver, "curation.png", "curation-histogram", settle=3)


if __name__ == "__main__":
    main()
