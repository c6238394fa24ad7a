"""Regenerate chatbot/data/<lang>/stem_zipf.tsv: each stem's family frequency (Zipf).

A language that weighs words by their stem family (`zipf_by_stem`, Turkish) needs every common
word stemmed once; shipping the result saves seconds at every start. The file records a
fingerprint of the stemming rules and the word list: when either changes, the package computes
the families itself (slowly) and tests/test_language.py asks for this script to be run.

    python data/build_stem_zipf.py tr
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot import language  # noqa: E402

for code in sys.argv[1:] or sorted(language.available()):
    spec = json.loads((language.DATA / code / "language.json").read_text(encoding="utf-8"))
    if spec.get("zipf_by_stem"):
        print(f"{code}: {language.write_stem_zipf(code)}")
