"""Start-up warns when office files, recordings and videos cannot be cleaned."""

import io
import shutil

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def checked() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("check", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_start_up_warns_without_mat2(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # a machine without Debian's mat2
    output = checked()
    assert "lanterne.W020" in output and "Debian's mat2 is not installed" in output
    assert "keep their author's name" in output


def test_start_up_warns_when_mat2_has_no_scratch_directory(settings):
    settings.LANTERNE_SCRUB_DIR = ""
    assert "LANTERNE_SCRUB_DIR is empty" in checked()


def test_no_warning_with_mat2():
    assert shutil.which("mat2"), "CI installs Debian's mat2; this test must not be skipped"
    assert "lanterne.W020" not in checked()


def test_start_up_warns_when_mat2_has_no_ffmpeg_for_videos(monkeypatch, tmp_path):
    (tmp_path / "mat2").symlink_to(shutil.which("mat2"))  # mat2 alone, no ffmpeg beside it
    monkeypatch.setenv("PATH", str(tmp_path))
    output = checked()
    assert "lanterne.W022" in output and "videos keep their hidden details" in output
    assert "lanterne.W020" not in output


def test_no_video_warning_with_ffmpeg():
    assert shutil.which("ffmpeg"), "make test installs Debian's ffmpeg; this must not be skipped"
    assert "lanterne.W022" not in checked()
