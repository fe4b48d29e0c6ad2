"""kill -9 of a sync subprocess at every file-system step and mid-download: the store is
always exactly the old or the new version, and the next sync completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from feedkit import FeedServer, Publisher, item_text, random_image, stall_after, tree, wait_for

from kiosk.content.loader import load_content
from kiosk.feed.repo import FeedRepo, target_file
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed

REPO = Path(__file__).resolve().parents[2]

# The child counts calls of the os functions a sync uses to make things durable or visible
# and SIGKILLs itself at call number KILL_AT (0 = never; it then prints the count).
CHILD = r"""
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
kill_at, calls = int(os.environ["KILL_AT"]), 0
def trap(fn):
    def wrapper(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapper
for name in ("fsync", "replace", "rename", "link", "unlink", "rmdir", "mkdir", "chmod"):
    setattr(os, name, trap(getattr(os, name)))
from kiosk.feed.source import FeedSource
from kiosk.feed.store import Store
from kiosk.feed.sync import sync_feed
source = FeedSource("township", os.environ["URL"], Path(os.environ["ROOT"]), read_timeout=20.0)
sync_feed(source, Store(Path(os.environ["STATE"])))
print(calls)
"""


def child(state: Path, url: str, root: Path, kill_at: int) -> subprocess.Popen[str]:
    env = {**os.environ, "URL": url, "ROOT": str(root), "STATE": str(state), "KILL_AT": str(kill_at)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(REPO)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture
def scene(tmp_path: Path, publisher: Publisher, server: FeedServer) -> dict:
    """A screen synced at version 2 (saved as a template) and a feed at version 3."""
    base = tmp_path / "base-state"
    source = publisher.source(server.url)
    sync_feed(source, Store(base))
    old = tree(Store(base).current("township"))
    (publisher.content / "items/plan.md").write_text(item_text("plan", title="新计划"), encoding="utf-8")
    (publisher.content / "images/meeting.jpg").write_bytes(random_image("meeting-crash", 5000))
    (publisher.content / "images/extra.png").write_bytes(random_image("extra", 700))
    publisher.publish()
    reference = Store(tmp_path / "reference")
    sync_feed(source, reference)
    return {"base": base, "old": old, "new": tree(reference.current("township")), "source": source}


def assert_old_or_new(state: Path, scene: dict) -> int:
    store = Store(state)
    version = store.current_version("township")
    current = tree(store.current("township"))
    assert (version, current) in ((2, scene["old"]), (3, scene["new"])), f"mixed store in {state}"
    content = load_content(store.current("township"), feed="township")  # type: ignore[arg-type]
    assert content.errors == ()
    return version  # type: ignore[return-value]


def assert_resumes(state: Path, scene: dict) -> None:
    store = Store(state)
    sync_feed(scene["source"], store)
    assert store.current_version("township") == 3 and tree(store.current("township")) == scene["new"]
    leftovers = [p for p in state.rglob(".tmp-*")]
    assert leftovers == []


def test_kill_at_every_file_system_step(scene: dict, tmp_path: Path, server: FeedServer) -> None:
    source = scene["source"]
    probe = tmp_path / "probe"
    shutil.copytree(scene["base"], probe)
    done = child(probe, source.url, source.root_path, 0)
    out, err = done.communicate(timeout=30)
    assert done.returncode == 0, err
    steps = int(out.strip())
    assert steps > 20, steps

    def crash_at(k: int) -> int:
        state = tmp_path / f"crash-{k}"
        shutil.copytree(scene["base"], state)
        proc = child(state, source.url, source.root_path, k)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        version = assert_old_or_new(state, scene)
        assert_resumes(state, scene)
        return version

    with ThreadPoolExecutor(4) as pool:
        versions = list(pool.map(crash_at, range(1, steps + 1)))
    assert versions[0] == 2 and versions[-1] == 3  # killed before and after the switch


@pytest.mark.parametrize(("target", "sent"), [("image", 0), ("image", 2500), ("image", 4999), ("manifest", 100)])
def test_kill_while_the_server_stalls(scene: dict, tmp_path: Path, server: FeedServer, publisher: Publisher,
                                      target: str, sent: int) -> None:
    repo = FeedRepo.load(publisher.feed)
    targets = repo.targets.signed.targets
    name = "bundle.json" if target == "manifest" else next(t for t in targets if t.endswith(".jpg"))
    url = "/" + target_file(repo.targets_dir, targets[name]).relative_to(publisher.feed).as_posix()
    server.behaviours[url] = stall_after(sent)
    state = tmp_path / "stalled"
    shutil.copytree(scene["base"], state)
    proc = child(state, scene["source"].url, scene["source"].root_path, 0)
    try:
        assert wait_for(server.stalled.is_set, timeout=10)
        proc.kill()  # SIGKILL mid-download
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert assert_old_or_new(state, scene) == 2
    del server.behaviours[url]
    assert_resumes(state, scene)
