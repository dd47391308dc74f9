"""The draft box on real files: round trip, scopes, hostile ids, corrupt files, failures of the
file system, and a writer killed at any moment never leaves half a draft."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mediator.config import drafts_dir
from mediator.domain import Actor, Outcome
from mediator.domain.drafts import Draft, FormFields
from mediator.store.base import StoreError
from mediator.store.drafts import DraftBox, DraftError

from . import draft_writer

SAVED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def a_draft(dispute_id: str = "D-10001", *, minutes: int = 0, **changes: object) -> Draft:
    fields: dict[str, object] = {
        "dispute_id": dispute_id,
        "agent": "agent.ana",
        "saved_at": SAVED + timedelta(minutes=minutes),
        "base_version": 3,
        "form": FormFields(rationale="Per E-1 [b]and[/b] M-3.\nSecond line"),
    }
    return Draft.model_validate({**fields, **changes})


@pytest.fixture
def box(tmp_path: Path) -> DraftBox:
    return DraftBox(tmp_path / "drafts", "sqlite:///team.db agent.ana")


def test_the_drafts_folder_is_in_the_data_directory(tmp_path: Path) -> None:
    assert drafts_dir({"MEDIATOR_DATA_DIR": str(tmp_path)}) == tmp_path / "drafts"


def test_a_draft_comes_back_as_it_was_saved(box: DraftBox) -> None:
    draft = a_draft(
        form=FormFields(
            outcome=Outcome.COMPROMISE,
            refund_amount="12,3x",  # not valid yet: kept as typed
            return_required=True,
            seller_agreed_return=True,
            seller_keep_pct="50%",
            seller_error=True,
            defective_or_misadvertised=True,
            rationale="Per E-1 [b]and[/b] M-3 — «ünïcödé» 🙂\n\tindented",
            message_to_parties="[@click=app.quit]hi[/]",
            acknowledged=("P-OPEN-72H", "P-INFO-7D"),
        ),
        note="a note being written",
        request_party=Actor.SELLER,
        request_message="Please send the tracking number.",
    )
    box.save(draft)
    assert box.load("D-10001") == draft
    assert draft.form.acknowledged == ("P-INFO-7D", "P-OPEN-72H"), "kept sorted"
    assert box.load("D-10002") is None


def test_drafts_lists_the_newest_first(box: DraftBox) -> None:
    assert box.drafts() == [], "no folder yet: no drafts, no error"
    for dispute_id, minutes in (("D-1", 5), ("D-2", 9), ("D-3", 1)):
        box.save(a_draft(dispute_id, minutes=minutes))
    assert [d.dispute_id for d in box.drafts()] == ["D-2", "D-1", "D-3"]
    box.save(a_draft("D-3", minutes=20, note="later"))
    assert [d.dispute_id for d in box.drafts()] == ["D-3", "D-2", "D-1"]


def test_stores_and_agents_do_not_share_drafts(tmp_path: Path) -> None:
    ana = DraftBox(tmp_path, "sqlite:///team.db agent.ana")
    bo = DraftBox(tmp_path, "sqlite:///team.db agent.bo")
    other_store = DraftBox(tmp_path, "https://api.example agent.ana")
    ana.save(a_draft(note="ana's"))
    assert bo.load("D-10001") is None and other_store.load("D-10001") is None
    assert bo.drafts() == [] and other_store.drafts() == []
    assert len({ana.directory, bo.directory, other_store.directory}) == 3
    assert ana.directory.parent == tmp_path
    again = DraftBox(tmp_path, "sqlite:///team.db agent.ana")
    loaded = again.load("D-10001")
    assert loaded is not None and loaded.note == "ana's", "the same scope finds its drafts"


def test_an_empty_draft_deletes_the_file(box: DraftBox) -> None:
    box.save(a_draft("D-1", form=FormFields()))
    assert not box.directory.exists(), "nothing typed: nothing kept"
    box.save(a_draft("D-1"))
    assert box.path("D-1").exists()
    blank = FormFields(rationale="  \n", refund_amount=" ")
    box.save(a_draft("D-1", form=blank, request_party=Actor.BUYER, request_message=" "))
    assert not box.path("D-1").exists()
    assert box.load("D-1") is None and box.drafts() == []


def test_discard_forgets_a_draft(box: DraftBox) -> None:
    box.discard("D-1")  # nothing to discard: no error
    box.save(a_draft("D-1"))
    box.save(a_draft("D-2"))
    box.discard("D-1")
    assert box.load("D-1") is None
    assert [d.dispute_id for d in box.drafts()] == ["D-2"]


@pytest.mark.parametrize(
    "hostile",
    ["..", ".", "...", "../D-1", "D-1/../../x", "/etc/passwd", "", "D 1", "D-1\x00", "D-ä",
     "x" * 65, "C:\\D-1", "D-1\n"],
)  # fmt: skip
def test_a_hostile_id_is_refused_and_touches_no_file(box: DraftBox, hostile: str) -> None:
    box.save(a_draft("D-1"))
    before = sorted(box.directory.parent.rglob("*"))
    for call in (box.load, box.discard, box.path):
        with pytest.raises(DraftError, match="dispute id"):
            call(hostile)
    assert sorted(box.directory.parent.rglob("*")) == before


def test_ids_become_safe_file_names_inside_the_box(box: DraftBox) -> None:
    ids = ["D-a:b.c_d-e", "D-abc", "D-ABC", "D-" + "9" * 62]
    for n, dispute_id in enumerate(ids):
        box.save(a_draft(dispute_id, note=f"note {n}"))
    for n, dispute_id in enumerate(ids):
        loaded = box.load(dispute_id)
        assert loaded is not None and loaded.note == f"note {n}", "ids differing by case do not mix"
    names = [p.name for p in box.directory.iterdir()]
    assert len(names) == len(ids)
    assert all(set(name.removesuffix(".json")) <= set("0123456789abcdef") for name in names)


CORRUPT = [
    pytest.param(b"{not json", "Invalid JSON", id="not-json"),
    pytest.param(b"", "Invalid JSON", id="empty"),
    pytest.param(b"\xff\xfe{}", "Invalid JSON", id="not-utf8"),
    pytest.param(b'{"dispute_id": "D-10001"}', "agent: Field required", id="wrong-shape"),
    pytest.param(
        b'{"[@click=app.quit]\\u001b]52;c;x\\u0007\\n": 1, '
        + a_draft().model_dump_json()[1:].encode(),
        "[@click=app.quit]␛]52;c;x␇ ⏎ : Extra inputs are not permitted",
        id="hostile-key",
    ),
]


@pytest.mark.parametrize(("content", "problem"), CORRUPT)
def test_a_corrupt_file_is_kept_aside_and_named(
    box: DraftBox, content: bytes, problem: str
) -> None:
    box.save(a_draft())
    path = box.path("D-10001")
    path.write_bytes(content)
    with pytest.raises(DraftError) as raised:
        box.load("D-10001")
    message = str(raised.value)
    assert isinstance(raised.value, StoreError)
    assert str(path) in message and problem in message
    assert "\n" not in message and "\x1b" not in message and "\x07" not in message
    [aside] = box.set_aside()
    assert aside.name.startswith(path.name + ".corrupt-") and aside.name in message
    assert aside.read_bytes() == content, "kept, not lost"
    assert not path.exists()
    assert box.load("D-10001") is None
    box.save(a_draft(note="again"))
    loaded = box.load("D-10001")
    assert loaded is not None and loaded.note == "again", "the next save works"
    assert box.set_aside() == [aside]


def test_a_file_holding_another_dispute_s_draft_is_not_taken_for_this_one(box: DraftBox) -> None:
    box.save(a_draft("D-2"))
    box.path("D-2").rename(box.path("D-1"))
    with pytest.raises(DraftError, match="holds the draft of D-2, not D-1"):
        box.load("D-1")


def test_listing_skips_a_corrupt_file_and_keeps_it_aside(box: DraftBox) -> None:
    box.save(a_draft("D-1"))
    box.save(a_draft("D-2"))
    box.path("D-1").write_text('{"dispute_id": ')
    assert [d.dispute_id for d in box.drafts()] == ["D-2"]
    [aside] = box.set_aside()
    assert aside.read_text() == '{"dispute_id": '


def test_a_folder_that_cannot_be_made_is_a_draft_error(tmp_path: Path) -> None:
    # Tests run as root, which ignores permissions: a file where the folder belongs fails for all.
    (tmp_path / "drafts").write_text("not a folder")
    box = DraftBox(tmp_path / "drafts", "scope")
    with pytest.raises(DraftError) as raised:
        box.save(a_draft())
    message = str(raised.value)
    assert message.startswith("could not save the draft to ")
    assert str(box.path("D-10001")) in message and "Not a directory" in message
    with pytest.raises(DraftError, match="could not discard the draft"):
        box.discard("D-10001")
    assert box.drafts() == []


def test_a_file_that_cannot_be_replaced_is_a_draft_error_and_kept_aside(box: DraftBox) -> None:
    box.save(a_draft("D-2"))
    box.path("D-1").mkdir()  # a folder where the draft file belongs: rename and read both fail
    with pytest.raises(DraftError, match=r"could not save the draft to .*: Is a directory"):
        box.save(a_draft("D-1"))
    assert [p.name for p in box.directory.iterdir() if p.name.endswith(".tmp")] == []
    with pytest.raises(DraftError, match="cannot be read"):
        box.load("D-1")
    box.save(a_draft("D-1", note="after"))
    loaded = box.load("D-1")
    assert loaded is not None and loaded.note == "after"


def test_a_save_sweeps_the_temporary_files_a_killed_writer_left(box: DraftBox) -> None:
    box.save(a_draft("D-1"))

    def temp(dispute_id: str, tag: str) -> Path:  # named as `save` names them
        return box.directory / f".{box.path(dispute_id).name}.{tag}.tmp"

    old, fresh, other = temp("D-1", "old"), temp("D-1", "fresh"), temp("D-2", "old")
    for left in (old, fresh, other):
        left.write_text("half a dra")
    hour_ago = time.time() - 3600
    for left in (old, other):
        os.utime(left, (hour_ago, hour_ago))
    box.save(a_draft("D-1", note="again"))
    assert not old.exists(), "left by a writer that died"
    assert fresh.exists(), "perhaps another console's save in flight"
    assert other.exists(), "another dispute's, swept when that one is saved"


def test_text_that_is_not_unicode_is_refused_and_the_old_draft_kept(box: DraftBox) -> None:
    box.save(a_draft(note="good"))
    with pytest.raises(DraftError, match="not Unicode"):
        box.save(a_draft(note="bad \ud800"))
    loaded = box.load("D-10001")
    assert loaded is not None and loaded.note == "good"


# ----- a writer killed at any moment ----------------------------------------------------------
class Writer:
    """`draft_writer.py` in a subprocess, its output lines read as they come."""

    def __init__(self, directory: Path, scope: str) -> None:
        script = Path(draft_writer.__file__)
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(directory), scope],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        #: The last draft known to be whole on disk.
        self.saved = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def wait_for(self, wanted: str) -> None:
        """Read lines until `wanted` (a deadline, not a pause: it returns as soon as it comes)."""
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                raise AssertionError(f"the writer never said {wanted!r}") from None
            self._note(line)
            if line == wanted:
                return

    def _note(self, line: str) -> None:
        """Keep the number of the last draft known to be saved (the one loaded, at first)."""
        if line.startswith(("loaded ", "saved ")):
            self.saved = int(line.split()[1])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._reader.join(timeout=60)
        while not self.lines.empty():  # what it said before it died
            self._note(self.lines.get())
        assert self.proc.returncode == -signal.SIGKILL, self.proc.stderr


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_writer_killed_at_any_moment_leaves_a_whole_draft(tmp_path: Path) -> None:
    """Killed just as a save starts (mid-write, most likely), just after one ends, and after a
    few in a row: each time the next process loads the last saved draft or the one being
    written, whole, and goes on from it."""
    scope = "sqlite:///crash.db agent.crash"
    box = DraftBox(tmp_path, scope)
    moments = [("writing", 1), ("saved", 1), ("writing", 2), ("writing", 3), ("saved", 4),
               ("writing", 1), ("writing", 5), ("saved", 2)]  # fmt: skip
    known = 0
    for moment, saves in moments:
        writer = Writer(tmp_path, scope)
        writer.wait_for(f"loaded {known}")
        writer.wait_for(f"{moment} {known + saves}")
        writer.kill()
        draft = box.load(draft_writer.DISPUTE)
        if draft is None:  # killed during the very first save
            assert writer.saved == known == 0
            continue
        assert draft.base_version in (writer.saved, writer.saved + 1)
        assert draft == draft_writer.numbered(draft.base_version), "whole, not a mix"
        known = draft.base_version
    # A round killed as save N starts may have kept only N - 1; every other round kept them all.
    assert known >= sum(saves for _, saves in moments) - [m for m, _ in moments].count("writing")
    assert box.set_aside() == [] and len(box.drafts()) == 1
