"""The bad-input matrix: every broken file gets one line naming it and the cause, the rest is
indexed, and the exit code tells partial success (3).

The build runs as a real subprocess (``python -m indexer build``). Tests run as root, for whom
``chmod 000`` hides nothing, so that subprocess drops the capabilities that let root read any
file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): the unreadable file and folder are then really
unreadable, exactly as for an ordinary user.
"""

from __future__ import annotations

import ctypes
import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.documents.loaders import LoadError, load
from indexer.settings import Settings
from tests.conftest import ROOT, make_pdf
from tests.test_docx_loader import _docx, _p

GOOD = "Rada Działalności Pożytku Publicznego zaopiniowała program współpracy z organizacjami pozarządowymi."
CP1250 = "Żółta łódź pływała po Wiśle; ścieżka rowerowa nad źródłem została oświetlona."
LATIN2 = "Gęś źle śpiewała przy łące, więc mieszkańcy Nowej Huty zgłosili ciszę nocną."
OPEN_PDF = "Protokół z konsultacji społecznych budżetu obywatelskiego Podgórza."
DOCX = "Stowarzyszenie z Bieżanowa zgłosiło potrzebę świetlicy dla młodzieży przy ulicy Długiej."
LIMIT = 200_000

# Expected one-line reasons, by file name (the file must be named in the line too).
EXPECTED = {
    "corrupt.pdf": "corrupt or unreadable PDF",
    "truncated.pdf": "corrupt or unreadable PDF",
    "locked.pdf": "password is required",
    "scan.pdf": "needs OCR",
    "empty.txt": "empty file (0 bytes)",
    "junk.txt": "binary content",
    "image.txt": "binary content",
    "huge.txt": "file too large",
    "kopia.zip": "unsupported file type '.zip'",
    "secret.txt": "permission denied",
    "locked-folder": "cannot list folder",
    "loop-a.txt": "symlink loop",
    "loop-b.txt": "symlink loop",
    "pipe.txt": "not a regular file",
    "broken.docx": "corrupt DOCX",
}


def _encrypted_pdf(plain: Path, out: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="wlasciciel", algorithm="AES-256")
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def _scanned_pdf(out: Path) -> Path:
    """A PDF whose only page is a picture of text (what a scanner produces): no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 300), "white")
    ImageDraw.Draw(image).text((20, 120), "Skan protokolu - tekst tylko na obrazku", fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.output(str(out))
    return out


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-corpus")
    (root / "good.txt").write_text(f"Notatka\n\n{GOOD}\n", encoding="utf-8")
    (root / "polish-cp1250.txt").write_bytes(f"Notatka\n\n{CP1250}\n".encode("cp1250"))
    (root / "polish-latin2.txt").write_bytes(f"Notatka\n\n{LATIN2}\n".encode("iso-8859-2"))
    plain = make_pdf(root / "plain-source.pdf.tmp", [OPEN_PDF])
    _encrypted_pdf(plain, root / "open-encrypted.pdf", user_password="")
    _encrypted_pdf(plain, root / "locked.pdf", user_password="sekret")
    real = make_pdf(root / "real.pdf.tmp", ["Strona pierwsza: łąka.", "Strona druga: źródło."])
    (root / "truncated.pdf").write_bytes(real.read_bytes()[: real.stat().st_size // 3])
    real.unlink()
    plain.unlink()
    (root / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n" + os.urandom(2000))
    _scanned_pdf(root / "scan.pdf")
    (root / "empty.txt").write_bytes(b"")
    rng = random.Random(3)
    (root / "junk.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(30_000)))  # no NULs
    (root / "image.txt").write_bytes(_png_bytes())
    (root / "huge.txt").write_text(GOOD * (LIMIT // len(GOOD) + 10), encoding="utf-8")
    (root / "kopia.zip").write_bytes(b"PK\x03\x04 an archive")
    (root / "notatka.docx").write_bytes(_docx(_p("Notatka", "Title") + _p(DOCX)))
    (root / "broken.docx").write_bytes(b"PK\x03\x04 not really a document")
    secret = root / "secret.txt"
    secret.write_text("Tajne: " + GOOD, encoding="utf-8")
    secret.chmod(0)
    hidden = root / "locked-folder"
    hidden.mkdir()
    (hidden / "inside.txt").write_text(GOOD, encoding="utf-8")
    hidden.chmod(0)
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    os.mkfifo(root / "pipe.txt")  # reading it would block forever
    yield root
    hidden.chmod(0o755)
    secret.chmod(0o644)


def _without_root_file_access() -> None:
    """In the child: drop the capabilities that let root ignore file permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "cannot drop capabilities")


@pytest.fixture(scope="module")
def matrix_build(bad_corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    index = tmp_path_factory.mktemp("bad-index")
    # OCR off: the scan stands for a PDF nothing can read here (tests/test_ocr.py reads scans)
    env = {**os.environ, "NGO_MAX_FILE_BYTES": str(LIMIT), "NGO_OCR": "off"}
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(bad_corpus), "--index", str(index)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        preexec_fn=_without_root_file_access,
    )
    return result, index


def test_build_names_every_bad_file_once_and_exits_3(matrix_build, bad_corpus: Path):
    result, _ = matrix_build
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    for name, reason in EXPECTED.items():
        named = [line for line in lines if f"{bad_corpus / name}:" in line]
        assert len(named) == 1, (name, lines)
        assert reason in named[0], (name, named[0])
    assert len(lines) == len(EXPECTED), lines
    assert "WARNING" not in result.stderr and "Traceback" not in result.stderr, result.stderr  # one line each, no noise
    assert "Indexed 5 documents" in result.stdout, result.stdout


def test_good_files_of_the_matrix_are_searchable(matrix_build):
    from assistant.retrieval.retriever import Retriever
    from indexer.versions import read_manifest

    _, index = matrix_build
    manifest = read_manifest(index)
    assert set(manifest.documents) == {"good.txt", "polish-cp1250.txt", "polish-latin2.txt", "open-encrypted.pdf", "notatka.docx"}
    assert manifest.documents["polish-cp1250.txt"]["encoding"] == "cp1250"
    assert manifest.documents["polish-latin2.txt"]["encoding"] == "iso-8859-2"
    assert {e["path"].rsplit("/", 1)[-1] for e in manifest.errors} == set(EXPECTED)
    retriever = Retriever(Settings.from_env(index_dir=index))
    try:
        for phrase, doc_id in ((CP1250, "polish-cp1250.txt"), (LATIN2, "polish-latin2.txt"), (OPEN_PDF, "open-encrypted.pdf"),
                               (GOOD, "good.txt"), (DOCX, "notatka.docx")):
            top = retriever.search(phrase, k=1)[0]
            assert top.doc_id == doc_id and phrase in top.text  # decoded with the right Polish letters
    finally:
        retriever.close()


def test_status_lists_the_skipped_files(matrix_build, bad_corpus: Path):
    _, index = matrix_build
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "status", "--index", str(index)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0
    assert "Documents: 5" in result.stdout
    assert f"skipped {bad_corpus / 'scan.pdf'}: PDF has no text layer (scanned document, needs OCR): OCR is off" in result.stdout


def test_nothing_indexable_exits_1(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.txt").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(tmp_path / "docs"), "--index", str(tmp_path / "idx")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1
    assert f"skipped {tmp_path / 'docs' / 'empty.txt'}: empty file (0 bytes)" in result.stderr


def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path):
    path = tmp_path / "notepad.txt"
    path.write_bytes(GOOD.encode("utf-16"))
    doc = load(path, LIMIT)
    assert doc.text == GOOD and doc.encoding == "utf-16"


def test_a_file_that_grows_past_the_limit_after_stat_is_refused(tmp_path: Path):
    from indexer.documents.loaders import read_bytes

    path = tmp_path / "growing.txt"
    path.write_text("a" * 50, encoding="utf-8")
    with pytest.raises(LoadError, match="too large"):
        read_bytes(path, 49)


def test_a_parser_stuck_on_a_file_is_given_up():
    """The guard every parse runs under (PARSE_SECONDS_LIMIT, 120 s): a stuck parser becomes a
    one-line LoadError instead of a hung build."""
    import time

    from indexer.documents.loaders import time_limit

    with pytest.raises(LoadError, match="gave up reading after"), time_limit(0.2):
        while True:  # what a parser caught in a loop by a malformed file does
            time.sleep(0.01)
    with time_limit(5):  # and a normal parse is left alone, the timer cleared after it
        pass
    time.sleep(0.3)  # no stray alarm fires later
