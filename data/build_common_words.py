"""Regenerate data/common_words.tsv: general English word frequencies (Zipf scale) from wordfreq.

The matcher uses them to tell everyday words ("necessary", "years") from rare, informative ones
("migraine", "covid") and to leave real words alone when correcting typos. Shipping the list as
data keeps wordfreq (and its 30 MB of tables) out of the runtime dependencies.

    pip install wordfreq && python data/build_common_words.py
"""

from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

TOP_N = 60_000

out = Path(__file__).with_name("common_words.tsv")
rows = [f"{w}\t{zipf_frequency(w, 'en'):.2f}" for w in top_n_list("en", TOP_N) if w.isalpha()]
out.write_text("# word\tzipf (wordfreq, English); regenerate with build_common_words.py\n"
               + "\n".join(rows) + "\n", encoding="utf-8")
print(f"{len(rows)} words -> {out}")
