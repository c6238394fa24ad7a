"""Regenerate chatbot/data/names/{en,tr}.txt: given names and surnames the redactor knows.

Sources (install them first; they are build tools, not runtime dependencies):
- English given names and surnames: the 1990 US Census name lists (public domain), as shipped
  in the `names` package (MIT): `pip install names`.
- Turkish given names: the Turkey column of Jörg Michael's nam_dict.txt (GNU Free Documentation
  License 1.2 or later), as shipped in the `gender-guesser` package: `pip install gender-guesser`.
- Turkish surnames: the curated list below (the most common surnames in Turkey).
- Given names of visitors from abroad: the other countries' columns of the same nam_dict.txt.
- Which names are also ordinary words ("Can", "Deniz", "Umut", "Will", "Mark"): a name is marked
  `word` when its lowercase form is a lowercase entry of the Turkish hunspell dictionary or of
  the English word lists in /usr/share/dict (`apt-get install hunspell-tr wamerican wbritish`).
  Such names are blanked only where context says they are names.

    python data/build_names.py
"""

from __future__ import annotations

import codecs
from pathlib import Path

import gender_guesser
import names

OUT = Path(__file__).resolve().parent.parent / "chatbot" / "data" / "names"
HUNSPELL_TR = Path("/usr/share/hunspell/tr_TR.dic")
ENGLISH_WORDS = [Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english")]
EN_SURNAMES = 3000  # the Census list is ordered by frequency; the tail is rare
# Rare given names (the Census tail past this cumulative percentage, or a Turkish frequency of 1-2
# out of 13) are blanked only when capitalised or after a cue: typed in lowercase they are more
# often a typo ("lon") or an acronym ("ai") than a name.
RARE_PERCENT = 85.0
INTL_FREQUENCY = 3
# Capitalised English words that are not names here although the Census lists them.
NOT_NAMES = set("""
german french english irish scottish welsh dutch italian spanish russian polish greek arabic
persian kurdish turkish american african asian indian chinese japanese korean christian muslim
jewish catholic british european swiss swedish danish norwegian finnish austrian belgian
""".split())

# Turkish names that are everyday Turkish words. The Turkish dictionary also lists hundreds of
# rare loanwords that are names first (Murat, Kemal, Onur's neighbours), so for Turkish names its
# verdict is narrowed to this list; English names take the dictionary's word for it.
EVERYDAY_TR = set("""
can deniz umut gül su ay yıldız bahar ümit nur hayat dünya barış güneş toprak bulut yağmur çiçek
sevgi kader derya demir kaya aslan ceylan doğan ırmak damla lale melek ekin ufuk ipek inci fidan
filiz mine ilke tan harika yeter cuma hanım eylül kasım ramazan bayram savaş onur özlem sevinç
emek mutlu neşe gönül dilek duygu özgür güven şükran nazik temel çelik ateş bilgi bilge alev
berrak cesur doğa doğu güney kuzey bilek nokta hediye elmas mercan yakut zümrüt petek pembe kiraz
yaprak yonca gonca nergis menekşe reyhan sedef seda sevda vicdan kudret hikmet hürriyet devrim
evrim uzay nehir pınar kartal şahin baran kurban cennet meydan liman gurbet hasret direnç diren
engin olgun yaman yalın yavuz mert güçlü kibar sabit adalet adil asil aziz emin rahim hayati onay
önder oruç nadir metin tutku zarif çağdaş erdem asker başak çimen coşkun dede gazi hacı meltem
sultan uğur ülkü yaşar yiğit zeki ışık ışın kıymet rüya şafak serin şeref ömür netice akın eser
gündüz han duru ege ela evren kurtuluş oğul öykü saray sefer sever şiir ulaş alem azim dönüş
ergen sara sabır seviye sezgi müjde nezaket imdat doruk kahraman muhtar simge yıldırım huzur
döndü döne durmuş dursun yaşar güler sever uçar yener gözde kara uzun keskin korkmaz sönmez
durmaz solmaz coşar gülümser candan ayda aydan ata hale halim suna etkin esen aslı saniye
""".split())
# Verb forms and case forms are not in the dictionary as entries; the last lines above were
# found with `hunspell -d tr_TR -m` (an analysis with another stem) and picked by hand.

TR_SURNAMES = """
Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan
Çetin Kara Koç Kurt Özkan Şimşek Polat Özer Korkmaz Çakır Erdoğan Yavuz Can Acar Güneş Aktaş
Bulut Keskin Ünal Tekin Güler Karataş Bozkurt Kaplan Işık Sarı Özcan Turan Avcı Tunç Coşkun
Uçar Yalçın Gündoğdu Altun Akın Kocabıyık Köse Bayram Duman Kahraman Gül Uysal Karaca Tuncer
Sönmez Ateş Eren Erdem Akbulut Yüksel Özgür Güven Temel Çiftçi Toprak Aksoy Bilgin Yücel
Akgül Çınar Altıntaş Kalkan Ekinci Şen Türk Oral Yiğit Ergün Soylu Baş Karakaya Özbek Tekin
Gök Ay Çolak Ceylan Kılınç Yazıcı Durmaz Savaş Akyüz Özkaya Başaran Taş Yurt Dağ Özyurt Kurtuluş
Akdeniz Karakuş Tan Sevim Metin Orhan Uzun Genç Yaman Sezer Önal Altay Bozdağ Demirci Gündüz
Güler Aydoğan Ertürk Sağlam Taşdemir Kurtoğlu Yıldırımoğlu Karaoğlu Kocaman Atalay Türkmen
Ekici Yazgan Bakır Büyük Küçük Akdoğan Sevinç Ünlü Akkaya Tatlı Elmas Bektaş Erol Çam Kalender
Özsoy Aksu Duran Er Arı Sarıkaya Ateşoğlu Karabulut Tezcan Dinç Balcı Bilgiç Gürbüz Yurtseven
Özkök Kocaer Çağlar Alkan Aktürk Ersoy Parlak Sarıoğlu Kandemir Yalın Güngör Eroğlu Eker Akpınar
Demirel Ekşi Şener Tuna Aydemir Özgün Kırmızı Öz Çakmak Başer Tosun Alp Kocabaş Esen Akman
Taştan Karakaş Demirtaş Aydoğdu Akbaş Kılıçarslan Yurdakul Kaçar Aslantaş Yılmazer Işıklı Özbay
Tunca Arıkan Tuncel Kocatürk Özçelik Baysal Tokgöz Ağca Kahveci Demirkol Altınkaya Akyol
""".split()


def fold(word: str) -> str:
    """Lowercase with Turkish dotted/dotless i, then drop diacritics (as chatbot.redact does)."""
    from chatbot.redact import fold as redact_fold
    return redact_fold(word)


def dictionary_words() -> tuple[set[str], set[str]]:
    """Lowercase entries (folded) of the English word lists and of the Turkish dictionary."""
    english, turkish = set(), set()
    for line in HUNSPELL_TR.read_text(encoding="utf-8").splitlines()[1:]:
        stem = line.split("/", 1)[0]
        if stem and stem[0].islower() and "'" not in stem:
            turkish.add(fold(stem))
    for path in ENGLISH_WORDS:
        for word in path.read_text(encoding="utf-8").splitlines():
            if word and word[0].islower() and "'" not in word:
                english.add(fold(word))
    return english, turkish


def census(filename: str, limit: int | None = None) -> tuple[list[str], set[str]]:
    """Names from a Census list, and the rare ones (past RARE_PERCENT of the population)."""
    path = Path(names.__file__).with_name(filename)
    rows = [row.split() for row in path.read_text(encoding="utf-8").splitlines()[:limit] if row]
    found = [row[0].capitalize() for row in rows]
    return found, {row[0].capitalize() for row in rows if float(row[2]) > RARE_PERCENT}


def international_given_names() -> list[str]:
    """Given names common (3 or more of 13) in any country of nam_dict.txt: visitors from abroad."""
    found = []
    path = Path(gender_guesser.__file__).with_name("data") / "nam_dict.txt"
    with codecs.open(str(path), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#=":
                continue
            values = [int(c, 16) for c in line[30:-1] if c in "0123456789ABCDEF"]
            if values and max(values) >= INTL_FREQUENCY:
                name = line.split()[1]
                found += [name.replace("+", sep) for sep in ("", " ", "-")] if "+" in name \
                    else [name]
    return [n for n in found if " " not in n and len(n) > 2]


def turkish_given_names() -> tuple[list[str], set[str]]:
    from gender_guesser.detector import Detector

    turkey = Detector.COUNTRIES.index("turkey")
    found, rare = [], set()
    path = Path(gender_guesser.__file__).with_name("data") / "nam_dict.txt"
    with codecs.open(str(path), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#=":
                continue
            countries = line[30:-1]
            if len(countries) > turkey and countries[turkey].strip():
                name = line.split()[1]
                spelled = [name.replace("+", sep) for sep in ("", " ")] if "+" in name else [name]
                found += spelled
                if int(countries[turkey], 16) <= 2:
                    rare.update(spelled)
    return [n for n in found if " " not in n], rare


def write(lang: str, header: str, first: list[str], last: list[str], rare: set[str],
          words: tuple[set[str], set[str]], turkish_names: set[str] = frozenset()) -> None:
    everyday = {fold(w) for w in EVERYDAY_TR}
    kinds: dict[str, list[str]] = {}
    for kind, group in (("first", first), ("last", last)):
        for name in group:
            key = fold(name)
            entry = kinds.setdefault(key, [name])
            if kind not in entry:
                entry.append(kind)
    lines = []
    for key in sorted(kinds):
        if key in NOT_NAMES:
            continue
        name, *flags = kinds[key]
        english, turkish = words
        # A Turkish given name is a word in Turkish only if EVERYDAY_TR says so, whichever list
        # it is found in ("Ceren" is no word; "Ben", "Adam", "Kim" are).
        turkish_name = lang == "tr" or key in turkish_names
        if key in english or key in everyday or (key in turkish and not turkish_name):
            flags.append("word")
        if key in english:
            flags.append("enword")  # an English word: "I'm done." is no introduction
        if name in rare and "last" not in flags:
            flags.append("rare")
        lines.append(f"{name}\t{' '.join(flags)}")
    (OUT / f"{lang}.txt").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{lang}: {len(lines)} names, {sum('word' in x for x in lines)} also words")


HEADERS = {
    "en": f"""English given names and surnames (1990 US Census, public domain; surnames: the
{EN_SURNAMES} most common).""",
    "tr": """Turkish given names: the Turkey column of nam_dict.txt by Jörg Michael (via the
gender-guesser package), GNU Free Documentation License 1.2 or later; this file is a modified
extract under the same licence. Surnames: a curated list of the most common in Turkey.""",
    "intl": f"""Given names common in other countries (visitors from abroad): nam_dict.txt by
Jörg Michael (via the gender-guesser package), GNU Free Documentation License 1.2 or later; this
file is a modified extract under the same licence. Names with a frequency of {INTL_FREQUENCY}+
(of 13) in some country, all 'rare'.""",
}
COLUMNS = """Columns: name, kinds (first, last; 'word' = also an ordinary word, blanked only in
context, 'enword' = an English one; 'rare' = blanked only when capitalised or in context).
Regenerate: data/build_names.py"""


def header(lang: str) -> str:
    return "".join(f"# {line}\n" for line in (HEADERS[lang] + "\n" + COLUMNS).splitlines())


def main() -> None:
    words = dictionary_words()
    male, male_rare = census("dist.male.first")
    female, female_rare = census("dist.female.first")
    # Rare only if rare in both lists: "Peter" is a rare woman's name and a common man's.
    rare = (male_rare | female_rare) - (set(male) - male_rare) - (set(female) - female_rare)
    turkish, turkish_rare = turkish_given_names()
    write("en", header("en"), male + female, census("dist.all.last", EN_SURNAMES)[0], rare,
          words, {fold(n) for n in turkish})
    write("tr", header("tr"), turkish, TR_SURNAMES, turkish_rare, words)
    intl = international_given_names()
    write("intl", header("intl"), intl, [], set(intl), words, {fold(n) for n in turkish})


if __name__ == "__main__":
    main()
