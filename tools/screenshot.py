"""Render an HTML page in headless Chromium at A4 width: check it, screenshot it, print it to PDF.

    python tools/screenshot.py reports/vi/summary.html [--out DIR] [--width 794] [--pdf]

Checks, in a real browser (Debian's /usr/bin/chromium):

* no horizontal overflow at A4 width (794 CSS pixels = 210 mm at 96 dpi),
  and with ``--pdf`` at the printed text width too (680 px = 180 mm):
  the page is not wider than the window and no element sticks out of it
  (the offenders are listed);
* every image loaded (``<img>`` complete with a non-zero natural size) and
  every inline ``<svg>`` has a size.

The page itself is not modified: a copy with a small checking script is
rendered from a temporary folder. With ``--out`` a full-page screenshot
(``<name>.png``) is written, and with ``--pdf`` the page printed to A4
(``<name>.pdf``; with poppler's ``pdftoppm`` installed, one PNG per page too).
Exit status 0 when the page passes, 1 when it does not, 2 when Chromium is
missing. Install Chromium with ``apt-get install -y chromium``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: A4 width in CSS pixels (210 mm at 96 px per inch).
A4_WIDTH_PX = 794
#: The printed text width of A4 with the page's 15 mm margins (180 mm), CSS pixels: what fits it fits the paper.
A4_TEXT_PX = 680
CHROMIUM = "/usr/bin/chromium"
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
          "--disable-extensions", "--disable-dev-shm-usage", "--force-device-scale-factor=1"]
_MARK = "simlib-page-check"
# Runs after load; writes its findings as JSON into a <pre> that --dump-dom prints.
_CHECK_JS = """
<script>
window.addEventListener("load", function () {
  var root = document.documentElement, width = root.clientWidth, out = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") { return; }
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
      out.push({tag: el.tagName.toLowerCase(), left: Math.round(r.left), right: Math.round(r.right),
                text: (el.textContent || "").trim().slice(0, 60)});
    }
  });
  var imgs = Array.from(document.images).map(function (im) {
    return {alt: im.alt, complete: im.complete, width: im.naturalWidth, height: im.naturalHeight};
  });
  var svgs = Array.from(document.querySelectorAll("svg")).map(function (s) {
    var r = s.getBoundingClientRect(); return {width: Math.round(r.width), height: Math.round(r.height)};
  });
  var pre = document.createElement("pre");
  pre.id = "%MARK%";
  pre.textContent = JSON.stringify({window_width: width, scroll_width: root.scrollWidth,
    scroll_height: root.scrollHeight, overflowing: out, images: imgs, svgs: svgs});
  document.body.appendChild(pre);
});
</script>
""".replace("%MARK%", _MARK)


class ChromiumMissing(RuntimeError):
    """Chromium is not installed where expected."""


def find_chromium(path: str | None = None) -> str:
    """Path of the Chromium binary (``path``, /usr/bin/chromium, or chromium on PATH)."""
    for cand in (path, CHROMIUM, shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).exists():
            return str(cand)
    raise ChromiumMissing("Chromium not found; install it with: apt-get install -y chromium")


def _run(chromium: str, args: list[str], profile: Path, timeout: float) -> subprocess.CompletedProcess:
    cmd = [chromium, *_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def check_page(page: str | Path, *, width: int = A4_WIDTH_PX, chromium: str | None = None,
               screenshot: str | Path | None = None, pdf: str | Path | None = None,
               timeout: float = 120.0) -> dict:
    """Render ``page`` in headless Chromium at ``width`` CSS pixels and report what the browser saw.

    Parameters
    ----------
    page : path
        An HTML file (self-contained: images inlined).
    width : int
        Window width in CSS pixels (default A4, 794).
    chromium : str, optional
        Path of the browser (default /usr/bin/chromium).
    screenshot : path, optional
        Write a full-page PNG screenshot there.
    pdf : path, optional
        Print the page to an A4 PDF there (the page's own ``@page`` rules apply).
    timeout : float
        Seconds per browser run.

    Returns
    -------
    dict
        ``window_width``, ``scroll_width``, ``scroll_height`` (CSS pixels),
        ``overflowing`` (elements sticking out: tag, left, right, text),
        ``images`` (alt, complete, natural size), ``svgs`` (rendered sizes),
        ``broken_images`` (alts of images that did not load), ``ok`` (no
        overflow and every image and SVG with a size).

    Raises
    ------
    ChromiumMissing
        If the browser is not installed.
    RuntimeError
        If the browser fails or prints no result.
    """
    chromium = find_chromium(chromium)
    page = Path(page).resolve()
    text = page.read_text(encoding="utf-8")
    if "</body>" not in text:
        raise RuntimeError(f"{page}: no </body> to attach the check to")
    with tempfile.TemporaryDirectory(prefix="simlib-shot-") as tmp:
        tmp = Path(tmp)
        probe = tmp / page.name
        probe.write_text(text.replace("</body>", _CHECK_JS + "</body>", 1), encoding="utf-8")
        profile = tmp / "profile"
        profile.mkdir()
        res = _run(chromium, [f"--window-size={width},1123", "--virtual-time-budget=10000", "--dump-dom",
                              probe.as_uri()], profile, timeout)
        m = re.search(rf'<pre id="{_MARK}">(.*?)</pre>', res.stdout, re.S)
        if not m:
            raise RuntimeError(f"Chromium printed no check result (exit {res.returncode}): {res.stderr[-800:]}")
        report = json.loads(html.unescape(m.group(1)))
        if screenshot is not None:
            height = min(max(int(report["scroll_height"]), 200), 30000)
            shot = Path(screenshot).resolve()
            shot.parent.mkdir(parents=True, exist_ok=True)
            res = _run(chromium, [f"--window-size={width},{height}", "--virtual-time-budget=10000",
                                  f"--screenshot={shot}", page.as_uri()], profile, timeout)
            if not shot.exists():
                raise RuntimeError(f"Chromium wrote no screenshot (exit {res.returncode}): {res.stderr[-800:]}")
        if pdf is not None:
            out = Path(pdf).resolve()
            out.parent.mkdir(parents=True, exist_ok=True)
            res = _run(chromium, ["--virtual-time-budget=10000", "--no-pdf-header-footer",
                                  f"--print-to-pdf={out}", page.as_uri()], profile, timeout)
            if not out.exists():
                raise RuntimeError(f"Chromium wrote no PDF (exit {res.returncode}): {res.stderr[-800:]}")
    report["broken_images"] = [im["alt"] for im in report["images"]
                               if not im["complete"] or im["width"] == 0 or im["height"] == 0]
    report["empty_svgs"] = sum(1 for s in report["svgs"] if s["width"] == 0 or s["height"] == 0)
    report["ok"] = (report["scroll_width"] <= report["window_width"] and not report["overflowing"]
                    and not report["broken_images"] and not report["empty_svgs"])
    return report


def pdf_pages_to_png(pdf: Path, dpi: int = 60) -> list[Path]:
    """Render each page of ``pdf`` to PNG with poppler's ``pdftoppm`` (empty list when it is not installed)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return []
    prefix = pdf.with_suffix("")
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, capture_output=True)
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+", type=Path, help="HTML files")
    ap.add_argument("--out", type=Path, help="folder for screenshots (and PDFs with --pdf)")
    ap.add_argument("--width", type=int, default=A4_WIDTH_PX, help="window width in CSS pixels (default A4: 794)")
    ap.add_argument("--pdf", action="store_true", help="also print each page to an A4 PDF (needs --out)")
    ap.add_argument("--chromium", help="path of the browser (default /usr/bin/chromium)")
    a = ap.parse_args(argv)
    status = 0
    for page in a.pages:
        stem = f"{page.parent.name}_{page.stem}" if page.parent.name else page.stem
        shot = a.out / f"{stem}.png" if a.out else None
        pdf = a.out / f"{stem}.pdf" if a.out and a.pdf else None
        try:
            rep = check_page(page, width=a.width, chromium=a.chromium, screenshot=shot, pdf=pdf)
        except ChromiumMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        pages = pdf_pages_to_png(pdf) if pdf else []
        if pdf:  # the printed page: the text width of A4 (180 mm) must hold every element too
            printed = check_page(page, width=A4_TEXT_PX, chromium=a.chromium)
            if printed["overflowing"] or printed["scroll_width"] > printed["window_width"]:
                rep["ok"] = False
                rep["overflowing"] = rep["overflowing"] + [dict(el, tag=f"print:{el['tag']}")
                                                          for el in printed["overflowing"]]
                print(f"{page}: the A4 text width ({A4_TEXT_PX} px) is exceeded: {printed['scroll_width']} px")
        verdict = "ok" if rep["ok"] else "FAILED"
        print(f"{page}: {verdict}: width {rep['scroll_width']}/{rep['window_width']} px, "
              f"{len(rep['images'])} images ({len(rep['broken_images'])} broken), {len(rep['svgs'])} svg, "
              f"{len(rep['overflowing'])} overflowing element(s)"
              + (f"; screenshot {shot}" if shot else "") + (f"; PDF {pdf} ({len(pages)} pages)" if pdf else ""))
        for el in rep["overflowing"][:10]:
            print(f"  overflow: <{el['tag']}> {el['left']}..{el['right']} px: {el['text']!r}")
        if not rep["ok"]:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
