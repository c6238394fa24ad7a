"""One Chatbot answers many visitors at once (the server's threads share it): each gets the
reply they would have got alone."""

import json
import pickle
import random
import sys
import threading

from conftest import DEV_SET

THREADS = 16
PER_THREAD = 100
QUESTIONS = [json.loads(line)["query"] for line in DEV_SET.read_text().splitlines() if line]


def test_asking_leaves_the_shared_bot_unchanged(bot):
    # Whatever one message leaves on the bot, another thread can read as its own. Under the
    # GIL such a race is rare enough to slip through the test below; this check is not.
    before = pickle.dumps(bot)
    for question in QUESTIONS[::10]:
        bot.ask(question)
    assert pickle.dumps(bot) == before, "ask() changed state on the shared bot"


def test_concurrent_asks_get_the_single_threaded_replies(bot):
    alone = {q: bot.ask(q) for q in QUESTIONS}
    results: list[list] = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def visitor(n: int):
        mine = random.Random(n).sample(QUESTIONS, PER_THREAD)  # each thread its own order
        start.wait()
        results[n] = [(q, bot.ask(q)) for q in mine]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: a race shows up in a short run
    try:
        threads = [threading.Thread(target=visitor, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    answered = [(q, reply) for per_thread in results for q, reply in per_thread]
    assert len(answered) == THREADS * PER_THREAD
    wrong = [q for q, reply in answered if reply != alone[q]]
    assert not wrong, f"{len(wrong)} replies differ from the single-threaded run: {wrong[:5]}"


def test_new_words_from_many_threads_get_the_stems_one_thread_gives():
    # The stem memo hides the stemmer from words seen before; a visitor's new word reaches
    # it, from every thread at once (a load test's unique messages got an IndexError).
    import snowballstemmer

    from chatbot import language, text

    alone = snowballstemmer.stemmer("english")
    rng = random.Random(5)
    fresh = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 9)))
             + rng.choice(("ness", "ments", "ational", "izing", "fulness", "ously"))
             for _ in range(THREADS * 400)]
    english = language.load("en")
    stems: list[list] = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def visitor(n: int):
        start.wait()
        stems[n] = [(w, english.stem(w), text.stem(w)) for w in fresh[n::THREADS]]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=visitor, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    got = [row for rows in stems for row in rows]
    assert len(got) == len(fresh)        # a thread that raised left its list empty
    wrong = [w for w, a, b in got if not a == b == alone.stemWord(w)]
    assert not wrong, wrong[:5]
