"""`reelbot demo` as a new user runs it: piped commands, offline, files on disk."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from tests.media import image_bytes, is_mp4, is_png


def test_piped_demo_saves_a_png_and_an_mp4_and_charges_both(tmp_path):
    commands = "/image a red fox\n/video a cat surfing\n/quota\n"
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input=commands, text=True,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    paths = [Path(p) for p in re.findall(r"is ready: (\S+)", proc.stdout)]
    assert sorted(p.suffix for p in paths) == [".mp4", ".png"]
    assert is_png(next(p for p in paths if p.suffix == ".png").read_bytes())
    assert is_mp4(next(p for p in paths if p.suffix == ".mp4").read_bytes())
    assert "used 6 of 50" in proc.stdout
    assert all(tmp_path in p.parents for p in paths)


def test_console_refuses_bad_input_without_charging(tmp_path):
    commands = "/video\n/animate /no/such/file.png\n/bogus\n/quota\n"
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input=commands, text=True,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    assert "Describe what you want after /video" in proc.stdout
    assert "No image file at /no/such/file.png" in proc.stdout
    assert "Unknown command '/bogus'" in proc.stdout
    assert "used 0 of 50" in proc.stdout


def test_the_console_speaks_the_language_its_locale_names(tmp_path):
    commands = "/image 一只红狐狸\n/video\n/bogus\n/quota\n"
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input=commands, text=True,
                          encoding="utf-8", capture_output=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1]),
                               "LANG": "zh_CN.UTF-8"})
    assert proc.returncode == 0, proc.stderr
    assert "已将你的图片加入队列，使用 " in proc.stdout
    [path] = [Path(p) for p in re.findall(r"你的图片已生成：(\S+)", proc.stdout)]
    assert is_png(path.read_bytes())
    assert "抱歉：请在 /video 后描述你想要的内容" in proc.stdout
    assert "未知命令 '/bogus'。请输入 /help 查看帮助。" in proc.stdout
    assert "你今天还剩 49 积分（已用 1，共 50）" in proc.stdout
    assert "Queued" not in proc.stdout and "credits" not in proc.stdout


def test_a_second_process_on_the_same_data_directory_refuses_to_start_until_the_first_dies(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])}
    first = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "demo"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, env=env)
    lock = tmp_path / "reelbot-data" / "demo.db.lock"
    try:
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text() == str(first.pid)):  # it holds the lock
            assert time.monotonic() < deadline and first.poll() is None, "the first demo never started"
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input="/quota\n", text=True,
                                capture_output=True, cwd=tmp_path, timeout=60, env=env)
        assert second.returncode == 2
        assert f"another reelbot (pid {first.pid})" in second.stderr
    finally:
        first.kill()  # SIGKILL: the kernel drops its lock with it
        first.communicate()
    third = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input="/quota\n", text=True,
                           capture_output=True, cwd=tmp_path, timeout=60, env=env)
    assert third.returncode == 0, third.stderr


def test_console_image_redraws_a_picture_given_by_its_path(tmp_path):
    (tmp_path / "street.jpg").write_bytes(image_bytes(640, 480, "JPEG"))
    commands = "/image --image=street.jpg --neg=cars at night\n/quota\n"
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo"], input=commands, text=True,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    [path] = [Path(p) for p in re.findall(r"is ready: (\S+)", proc.stdout)]
    assert is_png(path.read_bytes())
    assert "stable-sd3-i2i" in proc.stdout and "used 1 of 50" in proc.stdout


def test_the_tour_makes_a_video_with_one_of_302ais_unified_models_and_names_it(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "entrypoints.cli", "demo", "--tour", "--video-seconds", "0.5"],
                          text=True, capture_output=True, cwd=tmp_path, timeout=60, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("reelbot> /video --model=")]
    model = line.removeprefix("reelbot> /video --model=").split()[0]
    assert model.startswith("kling-")
    [job] = re.findall(rf"\[(\w+)\] Queued your video with {re.escape(model)}: it costs", proc.stdout)
    [path] = [Path(p) for p in re.findall(rf"\[{job}\] Your video is ready: (\S+)", proc.stdout)]
    assert is_mp4(path.read_bytes())
    assert len(re.findall(r"is ready: (\S+)", proc.stdout)) == 3  # the image and the MiniMax video too
    assert re.search(r"\(used \d+ of 50\)", proc.stdout)


def test_the_interactive_demo_suggests_a_unified_model_on_its_first_screen(tmp_path):
    import os
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "demo"], stdin=slave,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path, text=True,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1])})
        os.write(master, b"/quit\n")
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0
    assert re.search(r"302\.AI's unified video models work too, e\.g\. /video --model=kling-\S+ a fox", out)
