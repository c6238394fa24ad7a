"""Red-flag gate, run before matching: messages describing an emergency get urgent-care advice.

A flag needs the visitor to describe something happening (a symptom pattern in their own
situation), not ask about the condition in general: "can it lead to a fracture?" is a question,
"I fell and my leg is bent and I can't stand" is an emergency. Patterns run on folded text
(lower case, no accents, Turkish letters mapped), so "GÖĞÜS AĞRISI" and "gogus agrisi" agree.
"""

from __future__ import annotations

import re

from .text import fold

# Each category: patterns that alone describe an emergency.
RED_FLAGS: dict[str, tuple[str, ...]] = {
    "injury": (
        r"\b(bone|bones)\b.{0,30}\b(sticking|poking|coming|popping) (out|through)",
        r"\b(leg|arm|ankle|knee|hip|wrist|foot|bone)\b.{0,25}\b(is|looks|look|seems|went|bent)\b"
        r".{0,15}\b(bent|deformed|twisted|wrong angle|out of place|crooked)\b",
        r"\b(deformed|deformity)\b.{0,40}\b(after|since|fell|fall|accident|crash)\b",
        r"\b(after|since) (the |a |my )?(fall|accident|crash|collision)\b.{0,60}"
        r"\b(cant|cannot|can not|unable to|not able to) (stand|walk|move|put (any )?weight|bear"
        r" (any )?weight)",
        r"\b(cant|cannot|can not|unable to|not able to) (stand|walk|put (any )?weight|bear (any )?"
        r"weight)\b.{0,40}\b(at all|after (the |a |my )?(fall|accident|crash))",
        r"\b(accident|crash|fell|fall)\b.{0,60}\b(cant|cannot|can not|unable to) (move|stand|"
        r"walk)\b(?! (long|far|fast|for long|very|without|properly|as|well|much|normally|the))",
        r"\b(heard|felt) (a |it )?(crack|snap|pop)\b.{0,60}\b(cant|cannot|unable|swollen|bent)\b",
        r"\b(dustum|kaza)\b.{0,50}\b(basamiyorum|yuruyemiyorum|ayaga kalkamiyorum)\b",
        r"\bkemik (disari|disarida) (cikti|cikmis)\b",
        r"\b(snapped|broke|broken|cracked)\b.{0,60}\b(cant|cannot|can not|unable to) (get up|stand"
        r"|walk|move)\b",
        r"\b(pointing|facing|bent|turned|twisted) (the )?wrong (way|direction)\b",
        r"\b(bone|bones) (is |are )?(visible|showing)\b|\bsee (the |my )?bone\b|\bopen fracture\b",
        r"\b(bacagim|kolum|ayagim|kemigim)\b.{0,20}\b(egri|kirildi|kirik|ters)\b",
    ),
    "infection": (
        r"\b(high|very high|bad) (fever|temperature)\b",
        r"\bfever\b.{0,40}\b(chills|shivering|shaking)\b",
        r"\b(fever|temperature of (39|40|41))\b.{0,60}\b(bone|joint|knee|hip|ankle|leg|back)\b"
        r".{0,20}\b(pain|hurts|swollen|red|hot)\b",
        r"\b(bone|joint|knee|hip|ankle|leg|back) (pain|hurts|is swollen|swelling)\b.{0,60}"
        r"\b(fever|temperature of (39|40|41))\b",
        r"\b(hot|red)( and)? (swollen|red|hot)\b.{0,40}\b(fever|temperature)\b",
        r"^(?=.*\b(bone|bones|joint|knee|hip|ankle|leg|back|spine)\b).*\b(fever|temperature)"
        r" (of )?(39|40|41)\b",
        r"\b(yuksek ates|atesim (var|cok|yuksek))\b",
        r"\bates\b.{0,40}\b(kemik|eklem)\b.{0,20}\bagri",
    ),
    "neuro": (
        r"\b(lost|losing|loss of|no|cant|cannot|can not) (control (of|over) )?(my )?"
        r"(bladder|bowel|bowels)( control)?\b",
        r"\b(wet|soiled|peed|pooed|pooped) myself\b",
        r"\bcant (hold|control) (my )?(urine|pee|stool|bowels?)\b",
        r"\bsaddle (numbness|anesthesia|area)\b|\bnumb(ness)? (in|around) (my )?(groin|genitals|"
        r"private parts|bottom)\b",
        r"\b(sudden|suddenly)\b.{0,30}\b(numb|numbness|weak|weakness|paralysed|paralyzed|"
        r"cant move|cannot move|cant feel)\b.{0,30}\b(leg|legs|arm|arms|foot|feet|face|side)\b",
        r"\b(legs|leg|feet|foot)\b.{0,20}\b(suddenly|all of a sudden)\b.{0,20}\b(numb|weak|"
        r"gave way|gave out|dead)\b",
        r"\b(suddenly|all of a sudden)\b.{0,30}\b(legs|leg|feet|foot)\b.{0,30}\b(numb|weak|"
        r"gave way|gave out|went dead)\b",
        r"\b(cant|cannot|can not) feel (my )?(legs|feet)\b",
        r"\bidrar(imi)? (kaciriyorum|tutamiyorum)\b|\bidrar kacir",
        r"\b(bacaklarim|bacagim)\b.{0,20}\b(uyustu|hissetmiyorum|tutmuyor)\b",
    ),
    "cardiac": (
        r"\bchest (pain|pains|tightness|pressure)\b|\bpain in (my )?chest\b|\bmy chest (hurts|is"
        r" tight)\b",
        r"\b(cant|cannot|can not|struggling to|hard to) breathe?\b|\bshort(ness)? of breath\b|"
        r"\bbreathless\b",
        r"\b(face|mouth) (is )?drooping\b|\bslurred speech\b|\bhaving a (stroke|heart attack)\b",
        r"\b(cant|cannot|can not) catch (my|her|his|their) breath\b|\bnot breathing\b",
        # A person collapsing, not a bone ("my vertebra collapsed" is a question for the FAQ).
        r"\b(i|he|she|they|someone|my (wife|husband|mother|mom|mum|father|dad|son|daughter|"
        r"friend|partner|child)) (has |have |just )?(collapsed|passed out|fainted)\b",
        r"\b(unconscious|wont wake up)\b",
        r"\bgogus agrisi\b|\bgogsumde agri\b|\bnefes alamiyorum\b|\bkalp krizi\b",
    ),
    "self-harm": (
        r"\b(kill|killing|hurt|hurting|harm|harming|end) myself\b",
        r"\bsuicid(e|al)\b",
        r"\bnot worth living\b|\bend it all\b|\bcant go on\b",
        r"\b(end|ending|take|taking) my (own )?life\b",
        r"\b(dont|do not) want to (live|be alive|wake up)\b|\bno reason to live\b|\bbetter off "
        r"dead\b|\bwant to die\b",
        r"\bintihar\b|\bkendimi (oldur|asmak|oldurmek)|\byasamak istemiyorum\b|\bolmek istiyorum\b",
    ),
}

# Negated mentions ("no fever", "I don't have chest pain") are not emergencies.
NEGATION = re.compile(r"\b(no|not|without|never|dont have|do not have|didnt have|havent had|"
                      r"no sign of|free of|denies)\s+(\w+\s+){0,2}$")

# "Can it cause chest pain?" asks about the condition; it describes no emergency.
GENERAL_QUESTION = re.compile(r"\b(can|could|does|do|will|would|is|are)\b.{0,40}\b(cause|causes|"
                              r"lead to|leads to|give|make|mean|related to|linked to|a symptom "
                              r"of)\s+(\w+\s+){0,2}$")

URGENT_CATEGORIES = tuple(RED_FLAGS)
_COMPILED = {c: [re.compile(p) for p in ps] for c, ps in RED_FLAGS.items()}


def _normalise(message: str) -> str:
    text = fold(message).replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def red_flag(message: str) -> str | None:
    """Return the emergency category a message describes, or None."""
    if not isinstance(message, str):
        return None
    text = _normalise(message)
    for category, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                before = text[: match.start()]
                if not NEGATION.search(before) and not GENERAL_QUESTION.search(before):
                    return category
    return None
