"""The HTML reports in a real headless Chromium: rendered text, computed direction, a non-blank page, A4 print."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policykit.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "harif" / "late_decision.yaml")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]
PROBE = """<script>
const body = document.body, svg = document.querySelector('svg');
const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
const out = document.createElement('pre'); out.id = 'probe';
out.textContent = JSON.stringify({direction: getComputedStyle(body).direction, lang: document.documentElement.lang,
  svgWidth: box.width, svgHeight: box.height, text: body.innerText});
body.appendChild(out);
</script>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def rendered(tmp_path: Path, page: str) -> dict:
    """The page's computed direction, language, SVG box and visible text, as Chromium lays it out."""
    import json

    probe_file = tmp_path / "probe.html"
    probe_file.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", probe_file.as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, result.stderr[-2000:]
    import html

    return json.loads(html.unescape(match.group(1)))


def screenshot_colours(tmp_path: Path, page_file: Path) -> tuple[int, float]:
    """Distinct colours and the share of non-white pixels of an A4-sized screenshot."""
    from PIL import Image

    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1240,1754", page_file.as_uri())
    assert shot.exists() and shot.stat().st_size > 0
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 22) or []
    white = sum(count for count, rgb in colours if min(rgb) >= 250)
    return len(colours), 1 - white / (image.width * image.height)


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert code in (0, 1), err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def arabic_report() -> str:
    return cli("check", EXAMPLE, "--format", "html", "--lang", "ar",
               "--as-of", "2025-04-15")


def test_arabic_report_renders_right_to_left_with_its_content(tmp_path, arabic_report):
    probe = rendered(tmp_path, arabic_report)
    assert probe["direction"] == "rtl" and probe["lang"] == "ar"
    assert "تقرير التحقق من الالتزام بالسياسة" in probe["text"]
    assert "غير ملتزمة" in probe["text"]
    assert "لا تتجاوز (١٥) يوم عمل" in probe["text"]  # the clause, quoted verbatim
    assert "شوال 1446هـ" in probe["text"]  # Hijri dates next to the Gregorian ones
    assert "example applicant" not in probe["text"]  # the case's subject is never shown
    assert probe["svgWidth"] > 400 and probe["svgHeight"] > 100


def test_english_report_is_left_to_right(tmp_path):
    page = cli("check", EXAMPLE, "--format", "html", "--lang", "en",
               "--as-of", "2025-04-15")
    probe = rendered(tmp_path, page)
    assert probe["direction"] == "ltr" and "non-compliant" in probe["text"]


def test_report_screenshot_is_not_blank(tmp_path, arabic_report):
    page_file = tmp_path / "report.html"
    page_file.write_text(arabic_report, encoding="utf-8")
    colours, inked = screenshot_colours(tmp_path, page_file)
    assert colours > 200 and inked > 0.03


def test_report_prints_on_a4(tmp_path, arabic_report):
    page_file = tmp_path / "report.html"
    page_file.write_text(arabic_report, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page_file.as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in boxes)


def test_comparison_renders_in_the_browser(tmp_path):
    page = cli("compare", "--format", "html", "--lang", "ar")
    probe = rendered(tmp_path, page)
    assert probe["direction"] == "rtl"
    assert "harif" in probe["text"] and "قنوات التواصل" in probe["text"] and "✓" in probe["text"]
    page_file = tmp_path / "compare.html"
    page_file.write_text(page, encoding="utf-8")
    colours, inked = screenshot_colours(tmp_path, page_file)
    assert colours > 100 and inked > 0.02
