"""Regenerate the screenshots in docs/img from a running ``make serve``.

Usage: ``make serve`` in one terminal, then ``.venv/bin/python docs/make_screenshots.py``.
Needs Chromium and chromedriver (``make browser``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains

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
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
