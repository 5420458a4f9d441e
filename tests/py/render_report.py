"""Render a `floe report --html` page in headless Chromium (Selenium with the system chromedriver)
and print what a reader would see, as one JSON document:

    {"title", "console": [{level, message}], "resources": [url, ...],
     "charts": [{"id", "title", "texts": [...], "width", "height", "marks"}],
     "sections": [heading text, ...], "screenshot"}

`charts` lists every `<figure data-chart>` with its inline SVG's text elements in document
order, so the test can check the numbers a reader sees; `resources` is every URL the page
loaded besides itself (it must load nothing). Usage:

    render_report.py --html REPORT.html --screenshot OUT.png [--chromium PATH] [--chromedriver PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

# The machine may have no network: without these Chromium waits on update, sync and QUIC
# connections it can never make.
QUIET_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,2000",
]

CHARTS_JS = """
return Array.from(document.querySelectorAll('figure[data-chart]')).map(function (fig) {
  var svg = fig.querySelector('svg');
  var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  var caption = fig.querySelector('figcaption');
  return {
    id: fig.getAttribute('data-chart'),
    title: caption ? caption.textContent.trim() : null,
    texts: svg ? Array.from(svg.querySelectorAll('text')).map(function (t) {
      return t.textContent.trim();
    }) : [],
    marks: svg ? svg.querySelectorAll('rect, circle, polyline, path').length : 0,
    width: box.width,
    height: box.height
  };
});
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--html", required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    # Selenium Manager would try to download a browser or driver; both are given here.
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="floe-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in QUIET_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=args.chromedriver))
    try:
        driver.set_page_load_timeout(60)
        driver.get(pathlib.Path(args.html).resolve().as_uri())
        charts = driver.execute_script(CHARTS_JS)
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });"
        )
        sections = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h2")]
        # The whole page, not just the first screenful.
        height = driver.execute_script("return document.documentElement.scrollHeight;")
        driver.set_window_size(1280, max(800, min(int(height) + 40, 12000)))
        driver.save_screenshot(args.screenshot)
        console = [
            {"level": entry.get("level"), "message": entry.get("message")}
            for entry in driver.get_log("browser")
        ]
        json.dump(
            {
                "title": driver.title,
                "console": console,
                "resources": resources,
                "charts": charts,
                "sections": sections,
                "screenshot": args.screenshot,
            },
            sys.stdout,
        )
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
