"""Helpers for the dash_duo tests: waiting, reading Plotly state, clicking."""

from __future__ import annotations

import re
import time

from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def wait_until(dash_duo, condition, timeout=10):
    WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.1).until(lambda _: condition())


def plot_js(graph_id: str) -> str:
    """A JS expression for the Plotly div inside a dcc.Graph."""
    return f"document.getElementById('{graph_id}').querySelector('.js-plotly-plot')"


def slice_source(dash_duo, graph_id: str) -> str:
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js(graph_id)}; return gd && gd.layout.images ? gd.layout.images[0].source : '';"
    )


def slice_loaded(dash_duo, graph_id) -> bool:
    """The view's layout image points at a slice URL and the browser decoded it."""
    return dash_duo.driver.execute_script(
        f"""
        var gd = {plot_js(graph_id)};
        if (!gd || !gd.layout || !gd.layout.images || !gd.layout.images[0].source) return false;
        var src = gd.layout.images[0].source;
        var img = new Image(); img.src = src;
        return src.indexOf('/slice/') === 0 && img.complete && img.naturalWidth > 0;
        """
    )


def readout_index(dash_duo, plane) -> int:
    text = dash_duo.find_element(f"#view-{plane}-readout").text
    return int(re.match(r"\w = (\d+)", text).group(1))


def start(dash_duo, app):
    """Start the app and wait until the three slice views show their slices."""
    dash_duo.start_server(app)
    dash_duo.wait_for_element("#view-xy .main-svg", timeout=20)
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: slice_loaded(dash_duo, g), timeout=20)
    wait_idle(dash_duo)


def wait_idle(dash_duo, timeout=20):
    """Until no callback is in flight (Dash marks the outputs it is waiting for)."""
    wait_until(
        dash_duo,
        lambda: not dash_duo.driver.execute_script("return document.querySelector('[data-dash-is-loading=true]');"),
        timeout=timeout,
    )


def traces_3d(dash_duo) -> list[dict]:
    """Name, type, colour, width and point count of each trace of the 3D view."""
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js('view-3d')}; if (!gd || !gd.data) return [];"
        " return gd.data.map(t => ({name: t.name, type: t.type, color: t.line ? t.line.color : t.color,"
        " width: t.line ? t.line.width : null, n: t.x ? t.x.filter(v => v !== null).length : 0}));"
    )


def view_pixel(dash_duo, plane: str, h: float, v: float) -> tuple[int, int]:
    """Viewport pixel of physical plane coordinates ``(h, v)`` on a slice view.

    Computed in the page itself (element rectangles are fractional;
    Selenium's element-centre origin is rounded), so a pointer sent there
    lands within half a pixel of the point.
    """
    target_js = (
        f"var gd = {plot_js('view-' + plane)}, fl = gd._fullLayout;"
        " var r = gd.querySelector('.nsewdrag').getBoundingClientRect();"
        f" return [Math.round(r.left + fl.xaxis.l2p({h})), Math.round(r.top + fl.yaxis.l2p({v}))];"
    )
    # Plotly may still shift the plot area by a few pixels after the first
    # draw (margins settle once tick labels are measured): aim once it is still.
    previous, target = None, dash_duo.driver.execute_script(target_js)
    deadline = time.time() + 5
    while target != previous and time.time() < deadline:
        time.sleep(0.2)
        previous, target = target, dash_duo.driver.execute_script(target_js)
    return tuple(target)


def click_view(dash_duo, plane: str, h: float, v: float, alt: bool = False):
    """A mouse click on a slice view at physical plane coordinates ``(h, v)`` (Alt held if ``alt``)."""
    chain = ActionChains(dash_duo.driver)
    chain.w3c_actions.pointer_action.move_to_location(*view_pixel(dash_duo, plane, h, v))
    if alt:
        chain.key_down(Keys.ALT).click().key_up(Keys.ALT)
    else:
        chain.click()
    chain.perform()


def drag_view(dash_duo, plane: str, points):
    """A mouse drag on a slice view through physical plane coordinates ``[(h, v), ...]``."""
    pixels = [view_pixel(dash_duo, plane, h, v) for h, v in points]
    chain = ActionChains(dash_duo.driver, duration=50)
    pointer = chain.w3c_actions.pointer_action
    pointer.move_to_location(*pixels[0])
    pointer.pointer_down()
    for x, y in pixels[1:]:
        pointer.move_to_location(x, y)
    pointer.pointer_up()
    chain.perform()


def click(dash_duo, selector: str, timeout: float = 10):
    """Click the element ``selector`` once it can be clicked.

    It is scrolled into view first (no further than needed), and the click is
    retried while something else is on top of it or the page redrew it: a
    panel above may still be growing (a figure drawing, a table filling) when
    the test gets here.
    """
    deadline = time.time() + timeout
    while True:
        try:
            element = dash_duo.find_element(selector)
            dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'});", element)
            element.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def choose(dash_duo, component_id: str, value: str | None = None, timeout: float = 10):
    """Click option ``value`` of the RadioItems/Checklist ``component_id`` (its first if None)."""
    click(dash_duo, f"#{component_id} input" + ("" if value is None else f"[value='{value}']"), timeout)
