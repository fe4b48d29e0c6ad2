"""Browser-test helper: Debian's Chromium, headless, driven by Selenium through chromedriver.

``Browser(base_url, workdir)`` opens a fresh profile; ``open(path)``, ``login(user, password)``,
``fill(name, text)``, ``press(text)`` (a button or link by its visible text), ``text()``
(the page's visible text) and ``shot(name)`` (a PNG of the page; kept under
``$KIOSK_SCREENSHOTS`` when set, else in the test's temp folder).  Window 1366x768 unless
``size`` says otherwise (e.g. (820, 1180) for a tablet, (390, 844) for a phone).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN")


def _replaced(error: Exception) -> bool:
    """True when a WebDriver error only says the page was replaced under the element."""
    from selenium.common.exceptions import StaleElementReferenceException

    text = str(error)
    return isinstance(error, StaleElementReferenceException) or "does not belong to the document" in text \
        or "stale" in text.lower()


def _gone(element: WebElement) -> bool:
    """The page holding ``element`` was replaced (staleness_of, counting Chromium's inspector error)."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
    except WebDriverException as e:
        if _replaced(e):
            return True
        raise
    return False


def _retry(action, attempts: int = 20):  # noqa: ANN001, ANN202 - any callable
    """Run ``action`` again while the page is being replaced under it (stale element, inspector error)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    for n in range(attempts):
        try:
            return action()
        except StaleElementReferenceException:
            pass
        except WebDriverException as e:
            if "does not belong to the document" not in str(e) and "stale" not in str(e).lower():
                raise
        if n == attempts - 1:
            raise
        time.sleep(0.1)
    return None


class Browser:
    def __init__(self, base_url: str, workdir: Path, size: tuple[int, int] = (1366, 768),
                 prefs: dict[str, object] | None = None) -> None:
        if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
            raise RuntimeError("browser tests need Debian's chromium and chromium-driver "
                               "(apt-get install chromium chromium-driver; make test installs them as root)")
        self.base_url = base_url.rstrip("/")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.workdir / 'profile'}")
        options.add_argument(f"--window-size={size[0]},{size[1]}")
        if prefs:  # e.g. {"profile.default_content_setting_values.cookies": 2}: a browser that refuses cookies
            options.add_experimental_option("prefs", prefs)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.shots: list[Path] = []

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)
        self.wait_loaded()

    @property
    def path(self) -> str:
        url: str = self.driver.current_url
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    def login(self, username: str, password: str) -> None:
        self.open("/login/")
        self.fill("username", username)
        self.fill("password", password)
        self.press("登录")

    def field(self, name: str) -> WebElement:
        return _retry(lambda: self.driver.find_element(By.NAME, name))

    def fill(self, name: str, text: str) -> None:
        _retry(lambda: self._fill(name, text))

    def _fill(self, name: str, text: str) -> None:
        element = self.field(name)
        if element.tag_name == "select":
            from selenium.webdriver.support.select import Select

            Select(element).select_by_value(text)
            return
        if element.get_attribute("type") in ("date", "time"):  # typed keys follow the locale's own format
            self.driver.execute_script("arguments[0].value = arguments[1];", element, text)
            return
        element.clear()
        element.send_keys(text)

    def upload(self, name: str, path: Path) -> None:
        self.field(name).send_keys(str(Path(path).resolve()))

    def press(self, text: str, navigates: bool = True) -> None:
        """Click the button (or link) whose visible text is ``text``; wait for the next page to load."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.wait import WebDriverWait

        self.wait_loaded()
        for xpath in (f"//button[normalize-space()='{text}']", f"//a[normalize-space()='{text}']",
                      f"//input[@type='submit' and @value='{text}']"):
            found = _retry(lambda xpath=xpath: self.driver.find_elements(By.XPATH, xpath))
            if found:
                page = _retry(lambda: self.driver.find_element(By.TAG_NAME, "html"))
                try:
                    found[0].click()
                except WebDriverException as e:  # the click went through and the page is already leaving
                    if not _replaced(e):
                        raise
                if navigates:
                    WebDriverWait(self.driver, 60).until(lambda d, page=page: _gone(page))
                    self.wait_loaded()
                return
        raise AssertionError(f"no button or link {text!r} on {self.path}")

    def wait_loaded(self) -> None:
        from selenium.webdriver.support.wait import WebDriverWait

        WebDriverWait(self.driver, 60).until(
            lambda d: _retry(lambda: d.execute_script("return document.readyState")) == "complete")

    def text(self) -> str:
        return str(_retry(lambda: self.driver.find_element(By.TAG_NAME, "body").text))

    def shot(self, name: str) -> Path:
        keep = os.environ.get("KIOSK_SCREENSHOTS")
        folder = Path(keep) if keep else self.workdir
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / f"{name}.png"
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        width = self.driver.get_window_size()["width"]
        self.driver.set_window_size(width, max(300, min(int(height) + 140, 4000)))
        self.driver.save_screenshot(str(out))
        self.shots.append(out)
        return out

    def close(self) -> None:
        self.driver.quit()
