"""Regenerate chatbot/data/<lang>/common_words.tsv: general word frequencies (Zipf) from wordfreq.

The matcher uses them to tell everyday words ("necessary", "years") from rare, informative ones
("migraine", "covid"), to leave real words alone when correcting typos, and to tell languages
apart. Words are stored folded as the matcher sees them ("ödem" -> "odem": visitors often type
Turkish without its letters); where folding merges words, the most frequent one's Zipf is kept.
Shipping the lists as data keeps wordfreq (and its 30 MB of tables) out of the runtime.

    pip install wordfreq && python data/build_common_words.py en tr
"""

import sys
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.text import fold  # noqa: E402

TOP_N = 60_000

for lang in sys.argv[1:] or ["en", "tr"]:
    zipf: dict[str, float] = {}
    for word in top_n_list(lang, TOP_N):
        if not word.isalpha():
            continue
        folded = fold(word)
        if folded.isascii() and folded.isalpha():
            zipf[folded] = max(zipf.get(folded, 0.0), zipf_frequency(word, lang))
    out = ROOT / "chatbot" / "data" / lang / "common_words.tsv"
    out.write_text(f"# word\tzipf (wordfreq, {lang}, folded); regenerate with "
                   "data/build_common_words.py\n"
                   + "\n".join(f"{w}\t{z:.2f}" for w, z in zipf.items()) + "\n",
                   encoding="utf-8")
    print(f"{lang}: {len(zipf)} words -> {out}")
