"""Fixtures for the dataset tests: no network, and a scratch copy of the course's datasets/."""

import shutil
import socket

import pytest

from healthpath.data import registry


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a dataset tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A course root in tmp_path holding a copy of datasets/SHA256SUMS; copy more with ``.add(rel)``.

    ``HEALTHPATH_ROOT`` points at the copy for the test; ``.source`` is the real ``datasets/``.
    """
    original = registry.datasets_dir()
    (tmp_path / "datasets").mkdir()
    shutil.copy2(original / "SHA256SUMS", tmp_path / "datasets" / "SHA256SUMS")
    monkeypatch.setenv("HEALTHPATH_ROOT", str(tmp_path))

    class Copy:
        root = tmp_path / "datasets"
        source = original

        @staticmethod
        def add(rel: str):
            """Copy ``datasets/<rel>`` (a file or folder) into the scratch course; its new path."""
            source, target = original / rel, tmp_path / "datasets" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
            return target

    return Copy
