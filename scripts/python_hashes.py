"""Prints azure-ai-ml's hashes for the fixture folder that tests/storage_hash_compat.rs builds.

Run with a Python that has azure-ai-ml installed (e.g. build/pyvenv):
    build/pyvenv/bin/python scripts/python_hashes.py
and paste the values into the test when the fixture changes. Keep the layout below identical
to `build_fixture` in the test.
"""
import os
import sys
import tempfile
from pathlib import Path

from azure.ai.ml._utils._asset_utils import (
    get_content_hash,
    get_ignore_file,
    get_object_hash,
)


def build_fixture(root: Path) -> Path:
    code = root / "code"
    files = {
        ".amlignore": "*.log\n/build\n!keep.log\nsecret/\n# comment\n",
        "score.py": "print('hi')\n",
        "Score_Utils.py": "UTILS = 1\n",
        "a.log": "ignored\n",
        "keep.log": "kept\n",
        "build/out.bin": "\x00\x01\x02",
        "src/build/x.txt": "not anchored\n",
        "src/Helper.py": "def helper():\n    return 2\n",
        "src/sub/deep.txt": "deep\n" * 1000,
        "empty.txt": "",
        "secret/key.txt": "s3cr3t\n",
        "\u00fcn\u00efcode.txt": "unicode name\n",
        "B.txt": "upper b\n",
        "a.txt": "lower a\n",
    }
    for rel, content in files.items():
        p = code / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode("utf-8"))
    (code / "emptydir").mkdir()
    os.symlink("score.py", code / "link_to_score.py")
    os.symlink("src/sub", code / "linkdir")
    git = root / "gitonly"
    (git / "pkg").mkdir(parents=True)
    (git / ".gitignore").write_text("__pycache__/\n*.pyc\n")
    (git / "pkg" / "mod.py").write_text("x = 1\n")
    (git / "pkg" / "mod.pyc").write_bytes(b"\x00compiled")
    (git / "__pycache__").mkdir()
    (git / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\x00cache")
    model = root / "model.pkl"
    model.write_bytes(bytes(range(256)) * 40)
    return code


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        code = build_fixture(root)
        git = root / "gitonly"
        model = root / "model.pkl"
        out = {
            "code_content": get_content_hash(code, get_ignore_file(code)),
            "code_object": get_object_hash(code, get_ignore_file(code)),
            "gitonly_content": get_content_hash(git, get_ignore_file(git)),
            "gitonly_object": get_object_hash(git, get_ignore_file(git)),
            "model_object": get_object_hash(model, get_ignore_file(model)),
            "model_content": get_content_hash(model, get_ignore_file(model)),
        }
        for key, value in out.items():
            print(f"{key} = {value}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
