"""The window fits the screen it opens on (issue "The screen never lies", item 2): never wider or taller than the
screen's available area, on a first start (1400×860 wanted) and when a geometry saved on a bigger monitor is
restored. The small screen is a real one: the offscreen platform's, configured to 1280×720."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QRect

from app.look.screen import fit_into

ROOT = Path(__file__).resolve().parents[1]

SHOW = """
import json, sys
from PySide6.QtWidgets import QApplication
from app.main_window import create
w = create(home=sys.argv[1])
w.show()
QApplication.processEvents()
if len(sys.argv) > 2:  # the user makes it big on this (big) screen; closing saves it
    w.setGeometry(*map(int, sys.argv[2].split(",")))
    QApplication.processEvents()
r, a = w.frameGeometry(), w.screen().availableGeometry()
print(json.dumps({"frame": [r.x(), r.y(), r.width(), r.height()], "available": [a.x(), a.y(), a.width(), a.height()],
                  "size": [w.width(), w.height()]}))
w.leaving = "keep"
w.close()
w.store.close()
w.help.close()
"""


def show_window(tmp_path, home, width, height, geometry=None) -> dict:
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    args = [sys.executable, "-c", SHOW, str(home)] + ([geometry] if geometry else [])
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def inside(frame, available) -> bool:
    return QRect(*available).contains(QRect(*frame))


def test_the_first_start_on_a_1280_by_720_screen_fits_it(tmp_path):
    seen = show_window(tmp_path, tmp_path / "home", 1280, 720)
    assert seen["available"] == [0, 0, 1280, 720]
    assert inside(seen["frame"], seen["available"]), seen


def test_a_geometry_saved_on_a_bigger_monitor_is_brought_into_the_small_one(tmp_path):
    home = tmp_path / "home"
    big = show_window(tmp_path, home, 2560, 1440, geometry="100,80,2300,1300")
    assert big["frame"][2] >= 2300 and inside(big["frame"], big["available"]), big
    small = show_window(tmp_path, home, 1280, 720)
    assert inside(small["frame"], small["available"]), small


def test_on_a_big_screen_the_first_start_is_its_own_size_and_a_smaller_saved_size_comes_back(tmp_path):
    home = tmp_path / "home"
    first = show_window(tmp_path, home, 2560, 1440)
    assert first["size"] == [1400, 860], first
    show_window(tmp_path, home, 2560, 1440, geometry="50,60,1100,700")  # made smaller, then closed
    again = show_window(tmp_path, home, 2560, 1440)
    assert again["size"] == [1100, 700], again


def test_the_real_window_fits_the_screen_it_is_on(window):
    assert window.screen().availableGeometry().contains(window.frameGeometry()), (
        window.frameGeometry(), window.screen().availableGeometry())


def test_fit_into_shrinks_then_moves_a_rectangle_into_the_available_area():
    available = QRect(0, 30, 1280, 690)  # a panel at the top
    assert fit_into(QRect(0, 0, 1400, 860), available) == QRect(0, 30, 1280, 690)
    assert fit_into(QRect(2000, 900, 800, 600), available) == QRect(480, 120, 800, 600)
    assert fit_into(QRect(100, 100, 800, 500), available) == QRect(100, 100, 800, 500)
    assert fit_into(QRect(-50, 40, 800, 500), available) == QRect(0, 40, 800, 500)
