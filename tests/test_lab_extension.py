"""The JupyterLab extension in a real JupyterLab, driven by Debian's headless Chromium through Playwright.

The run log is seeded by real calls: two to the embedded local model (one with a card number and
an email, which stay on the device), one to a cloud target with no key (never sent, though it
carries personal data the guard would have let through), and one answered by replay. The
JupyterLab under test serves the front end built in this checkout (``workbench/labextension``
beside the imported package), linked through ``JUPYTER_PATH``. The test checks the status bar,
the summary and the rows against the run log's records with the records' own rules, the palette
of ``style.json``, the masking of personal data in the detail view and its reveal, then makes
another call and waits for both to update while the page stays open. Screenshots go to
test-artifacts/lab_extension/ (docs/img/sidebar.png is a copy of sidebar.png, refreshed by hand).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench
from tests.conftest import ARTIFACTS
from tests.support.browser import chromium, lab_page
from tests.support.jupyter import JupyterProcess, running_jupyter
from workbench.records import CallRecord, Locality
from workbench.runlog.store import Store
from workbench.server.present import shown
from workbench.ui.format import count, dollars, style

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "lab_extension"
CARD = "4242 4242 4242 4242"
BUILD = Path(workbench.__file__).resolve().parent / "labextension"


@pytest.fixture
def lab(tmp_path: Path, isolated_store: Path) -> Iterator[JupyterProcess]:
    """JupyterLab over an empty folder, reading the test's run log, serving this checkout's front end."""
    chromium()  # fails before JupyterLab starts when Chromium is missing
    root = tmp_path / "root"
    root.mkdir()
    # JUPYTER_PATH comes before every other data directory, so this build wins over an installed one.
    extensions = tmp_path / "jupyter_path" / "labextensions"
    extensions.mkdir(parents=True)
    (extensions / "jupyterlab-hybrid").symlink_to(BUILD, target_is_directory=True)
    env = {"WORKBENCH_STORE": str(isolated_store), "JUPYTER_PATH": str(tmp_path / "jupyter_path")}
    with running_jupyter("lab", root, tmp_path / "jupyter", SHOTS / "jupyterlab.log", env=env) as server:
        yield server


def expected_status(store_path: Path) -> str:
    """The status bar's text, from the run log's records: replayed calls spent nothing; flagged means sent."""
    records = [r for r in Store(store_path).records() if not r.replayed]
    every = Store(store_path).records()

    def spend(rs: list[CallRecord]) -> str:
        unknown = sum(r.cost_usd is None for r in rs)
        return dollars(sum(r.cost_usd or 0.0 for r in rs)) + (f" (+{unknown} unknown)" if unknown else "")

    edge = spend([r for r in records if r.locality is not Locality.CLOUD])
    cloud = spend([r for r in records if r.locality is Locality.CLOUD])
    flagged = sum(r.flagged_off_device for r in every)
    return f"Hybrid: {count(len(every), 'call')} · edge {edge} · cloud {cloud} · ⚑ {flagged} flagged off device"


def _rgb(colour: str) -> str:
    """``#1b7f3b`` as the browser computes it: ``rgb(27, 127, 59)``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[CallRecord]:
    """Four real calls, oldest first: local, local with personal data, unsent cloud with personal data, replayed."""
    monkeypatch.chdir(tmp_path)  # no .env with a key nearby
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (first,) = workbench.run("Hi", ["local/smollm2"], max_tokens=8)
    (device,) = workbench.run(f"Say hello to ann@example.com, card {CARD}", ["local/smollm2"], max_tokens=8)
    (unsent,) = workbench.run(f"Mail bob@example.com the card {CARD}", ["openai/gpt-4o-mini"], max_tokens=8)
    (replayed,) = workbench.run("Hi", ["local/smollm2"], max_tokens=8, replay="on")
    assert first.ok and device.ok and device.response.strip()  # the detail view must show a real answer
    assert unsent.error_type == "MissingKeyError" and not unsent.sent
    assert unsent.privacy is not None and unsent.privacy.left_device and not unsent.flagged_off_device
    assert replayed.replayed
    return [first, device, unsent, replayed]


def test_sidebar_and_status_bar_show_the_run_log_truthfully(
    lab: JupyterProcess, isolated_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    first, device, unsent, replayed = _seed(tmp_path, monkeypatch)
    assert Store(isolated_store).count() == 4
    SHOTS.mkdir(parents=True, exist_ok=True)
    palette = style()["locality"]
    with lab_page(f"{lab.url}lab?token={lab.token}", width=1400, height=900) as page:
        status = page.locator("#jp-main-statusbar .jp-HybridStatus")
        # The unsent cloud call carried a card number and an email: it is not flagged off the device.
        expect(status).to_have_text(expected_status(isolated_store), timeout=120_000)
        assert "⚑ 0 flagged off device" in status.inner_text()

        # The View menu opens the palette whatever has the keyboard focus (a shortcut may be dropped).
        page.locator(".lm-MenuBar-itemLabel:text-is('View')").click()
        page.locator(".lm-Menu-itemLabel:text-is('Activate Command Palette')").click()
        page.locator(".lm-CommandPalette-input").fill("Open Hybrid runs")
        page.locator(".lm-CommandPalette-item:has-text('Open Hybrid runs')").first.click()
        panel = page.locator("#hybrid-runs")
        expect(panel).to_be_visible()
        rows = panel.locator(".jp-HybridRuns-row")
        expect(rows).to_have_count(4, timeout=30_000)
        panel.screenshot(path=str(SHOTS / "sidebar_default_width.png"))
        summary = panel.locator(".jp-HybridRuns-summary")
        expect(summary).to_contain_text("4 calls, 1 error ·")
        expect(summary).to_contain_text("0 sent flagged data off the device")
        expect(summary).to_contain_text("1 replayed (left out of spend and TTFT)")

        # Newest first; a replayed call keeps the recorded call's time, so it sits beside that call.
        seeded = [first, device, unsent, replayed]
        order = sorted(range(4), key=lambda i: (seeded[i].started_at, i), reverse=True)
        ids = [r.get_attribute("data-call-id") for r in rows.all()]
        assert ids == [seeded[i].call_id for i in order]
        by_id = {call_id: rows.nth(i) for i, call_id in enumerate(ids)}
        for record in (first, device, replayed):
            badge = by_id[record.call_id].locator(".jp-HybridRuns-badge-device")
            expect(badge).to_have_text("on device")
            assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(palette["device"])
        cloud_badge = by_id[unsent.call_id].locator(".jp-HybridRuns-badge-cloud")
        assert cloud_badge.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(palette["cloud"])
        expect(panel.locator(".jp-HybridRuns-badge-flagged")).to_have_count(0)
        expect(by_id[unsent.call_id].locator(".jp-HybridRuns-badge-unsent")).to_have_text("not sent")
        expect(by_id[unsent.call_id].locator(".jp-HybridRuns-figures")).to_have_text("TTFT - · - · -")
        expect(by_id[replayed.call_id].locator(".jp-HybridRuns-badge-replayed")).to_have_text("replayed")
        expect(by_id[first.call_id].locator(".jp-HybridRuns-badge-replayed")).to_have_count(0)
        for row in rows.all():  # masked previews: never the whole card number
            assert CARD not in row.inner_text() and "@example.com" not in row.inner_text()
        assert "•••• 4242" in by_id[device.call_id].inner_text()
        expect(panel.locator(".jp-HybridRuns-count")).to_have_text("1\u20134 of 4")
        expect(panel.locator(".jp-HybridRuns-ttft-row")).to_have_count(1)  # local/smollm2 (the replay is left out)
        expect(panel.locator(".jp-HybridRuns-ttft-target")).to_have_text("local/smollm2 (2 measured)")

        # The flagged filter finds nothing; the summary follows it, and follows the target filter.
        panel.locator(".jp-HybridRuns-flagged").check()
        expect(panel.locator(".jp-HybridRuns-count")).to_have_text("no calls match")
        expect(summary).to_contain_text("0 calls, 0 errors")
        panel.locator(".jp-HybridRuns-flagged").uncheck()
        panel.locator(".jp-HybridRuns-target").select_option("openai/gpt-4o-mini")
        expect(summary).to_contain_text("1 call, 1 error ·")
        expect(rows).to_have_count(1)
        panel.locator(".jp-HybridRuns-target").select_option("")
        expect(rows).to_have_count(4)
        panel.locator(".jp-HybridRuns-include-replayed").check()  # the user asks: the replay counts in
        expect(panel.locator(".jp-HybridRuns-ttft-target")).to_have_text("local/smollm2 (3 measured)")
        expect(summary).to_contain_text("1 replayed (counted in spend and TTFT)")
        panel.locator(".jp-HybridRuns-include-replayed").uncheck()
        expect(panel.locator(".jp-HybridRuns-ttft-target")).to_have_text("local/smollm2 (2 measured)")

        # The detail view masks the card number; this call stayed on the device, so it may be shown.
        by_id[device.call_id].click()
        answer = panel.locator(".jp-HybridRuns-answer")
        expect(answer).to_have_text(str(shown(device.response.strip())), timeout=10_000)  # masked as well
        detail = panel.locator(".jp-HybridRuns-detail")
        expect(detail.locator(".jp-HybridRuns-message").first).to_contain_text("card •••• 4242")
        assert CARD not in detail.inner_text() and "ann@example.com" not in detail.inner_text()
        panel.screenshot(path=str(SHOTS / "sidebar.png"))
        detail.locator(".jp-HybridRuns-show").click()
        expect(detail.locator(".jp-HybridRuns-message").first).to_contain_text(f"card {CARD}")
        expect(detail.locator(".jp-HybridRuns-message").first).to_contain_text("ann@example.com")
        detail.screenshot(path=str(SHOTS / "detail_revealed.png"))
        by_id[unsent.call_id].click()  # not on the device: masked, and no way to show it here
        expect(detail.locator(".jp-HybridRuns-message").first).to_contain_text("card •••• 4242")
        expect(detail.locator(".jp-HybridRuns-show")).to_have_count(0)
        by_id[replayed.call_id].click()
        expect(detail.locator("h3 .jp-HybridRuns-badge-replayed")).to_have_text("replayed")
        page.locator("#jp-main-statusbar").screenshot(path=str(SHOTS / "statusbar.png"))

        # A call made while the page is open reaches the status bar and the sidebar by polling.
        workbench.run("One more", ["local/smollm2"], max_tokens=8)
        expect(status).to_have_text(expected_status(isolated_store), timeout=20_000)
        expect(rows).to_have_count(5, timeout=20_000)
        page.screenshot(path=str(SHOTS / "lab.png"))
