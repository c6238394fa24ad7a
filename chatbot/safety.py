"""Red-flag gate, run before FAQ matching: a message describing an emergency gets urgent care.

The gate is for someone describing an emergency happening now, not for questions about the
condition: "can it lead to a fracture?" is a question, "I fell, my leg is bent and I can't stand"
is an emergency. A flag needs a symptom pattern that is
  - not negated ("no fever", "I don't have chest pain"),
  - not framed as a general or hypothetical question ("can it cause numbness?", "what if I fall
    and can't walk?"), unless the visitor also says it is theirs ("is it normal that my chest
    hurts?" is flagged),
  - for the weaker patterns (fever with joint pain, shortness of breath...), said about someone:
    a first-person or present-situation cue ("I", "my son", "now", "since this morning").
"Is this an emergency?" alone describes no symptom and is left to the FAQ (which says when to
seek care), so it is not flagged.

Patterns run on folded text: lower case, accents stripped, Turkish ı/İ mapped to i, apostrophes
dropped ("can't" -> "cant"), punctuation removed. So "GÖĞÜS AĞRISI" and "gogus agrisi" agree.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

# Categories, most important first: the first category that matches wins, and self-harm comes
# first because its reply adds a crisis line.
URGENT_CATEGORIES = ("self-harm", "cardiac", "neuro", "infection", "injury")

# Shared vocabulary, spliced into the patterns below wherever <name> appears.
TERMS = {
    "cant": r"(?:cant|cannot|can not|cnt|unable to|not able to|couldnt|could not|wont)",
    "event": r"(?:fell|fall|fallen|falling|slipped|tripped|accident|crash|crashed|collision|"
             r"collided|hit by|knocked (?:down|over)|tackled|landed|snapped|broke|cracked)",
    "limb": r"(?:leg|legs|arm|arms|ankle|ankles|knee|knees|hip|hips|wrist|wrists|foot|feet|shin|"
            r"thigh|shoulder|elbow|finger|fingers|toe|toes|bone|femur|tibia|kneecap|heel|hand)",
    # After "can't stand/walk": words that make it a limit, not an inability ("for long", "far").
    "limit": r"(?:long|far|fast|very|without|properly|as|well|much|normally|like|for|straight|too|"
             r"the pain|it|this|that|more|up ?stairs|on (?:tip ?toe|my toes|one))",
    "fever": r"(?:fever|fevers|feverish|febrile|fevr|feaver|fevor|burning up|high temp\w*"
             r"|(?:a|high|bad|running a) temp(?:erature)?"
             r"|temp(?:erature)? (?:of |is |at |over |around )?(?:3[89]|4[0-2]|10[0-5])"
             r"|ates|atesim|atesi|atesli|yuksek ates\w*)",
    "part": r"(?:bone|bones|joint|joints|knee|knees|hip|hips|ankle|ankles|leg|legs|back|spine|"
            r"shoulder|shoulders|elbow|wrist|heel|foot|feet|shin|thigh|arm|"
            r"kemik\w*|eklem\w*|diz\w*|kalca\w*|bel(?:im|in|de|ime)?|bacag\w*|bacak\w*|ayag\w*|"
            r"omuz\w*|dirseg\w*|bileg\w*|topug\w*)",
    "hurt": r"(?:pain|pains|painful|hurts|hurt|hurting|aches|aching|ache|sore|swollen|swelling|"
            r"swelled|throbbing|killing me|agony|red|hot|agri\w*|sis\w*|kizar\w*|kirmizi|sicak)",
    "numb": r"(?:numb|numbness|weak|weakness|paralysed|paralyzed|gave way|gave out|went dead|dead"
            r"|cant move|cannot move|cant feel|cannot feel|lost (?:all )?(?:feeling|sensation|"
            r"strength))",
    "someone": r"(?:i|he|she|they|someone|my (?:wife|husband|mother|mom|mum|father|dad|son|"
               r"daughter|friend|partner|child|grandmother|grandfather|grandma|grandpa|brother|"
               r"sister))",
}

# Patterns that describe an emergency on their own. A tuple means "all of these, anywhere".
EMERGENCY: dict[str, tuple] = {
    "self-harm": (
        r"\b(?:kill|killing|end|ending) myself\b",
        r"\b(?:want|wanna|going|gonna|plan|planning|thinking|thought|think|feel like|urge)"
        r" (?:to |of |about )?(?:hurt|hurting|harm|harming|cut|cutting) myself\b",
        r"\bsuicid(?:e|al)\b|\bself ?harm(?:ing)?\b",
        r"\b(?:end|ending|take|taking) (?:my|his|her) (?:own )?life\b|\bend it all\b"
        r"|\b(?:end|ending) everything\b"
        r"|\b(?:want|wanna|going|gonna|plan|planning|thinking|think|how) to end it\b"
        r"|\bbetter off without me\b",
        r"\b(?:took|taken|swallowed) (?:all|a whole|the whole|a bottle|a packet)(?: of)?"
        r" (?:my |the |his |her )?(?:pills|tablets|painkillers|medicine)\b|\boverdosed?\b",
        r"\b(?:dont|do not|no longer) want to (?:live|be alive|be here|exist|wake up)\b"
        r"(?! (?:with|in|on|near|there|here|alone|far)\b)",  # "...to live with this pain" is not
        r"\b(?:want|wanna|wish i could) (?:to )?die\b|\bwish i (?:was|were) dead\b"
        r"|\bbetter off dead\b|\brather be dead\b",
        r"\b(?:no|dont see any|cant see any|cant find any) (?:point|reason) (?:in |to )?(?:living"
        r"|live|going on)\b|\b(?:not|isnt|is not) worth living\b"
        r"|\bcant go on (?:anymore|any more|living)\b",
        r"\bintihar\w*|\bkendimi (?:oldur\w*|as\w*|kes\w*)|\bkendime zarar\b"
        r"|\byasamak istemiyorum\b|\bolmek istiyorum\b|\bhayatima son\b",
    ),
    "cardiac": (
        r"\bchest (?:pain|pains|tightness|pressure|discomfort|is tight|feels tight|hurts|is hurting"
        r"|is killing me|feels heavy)\b|\bpain in (?:my |the )?chest\b(?! (?:bone|bones|wall|"
        r"muscle|muscles|x ?ray))|\btight chest\b|\b(?:elephant|weight|pressure|something heavy)"
        r" (?:sitting |pressing |pushing )?on my chest\b|\bsuffocating\b",
        r"\b<cant> (?:breathe?|brethe|get (?:enough )?air|catch (?:my|her|his|their) breath)\b"
        r"(?! (?:through|thru|with) (?:my|the) nose)"
        r"|\b(?:struggling|hard|difficult|trouble|difficulty) (?:to )?breath(?:e|ing)?\b"
        r"|\bgasping for (?:air|breath)\b|\bnot breathing\b",
        r"\b(?:having|is having|am having|im having) a (?:stroke|heart attack)\b"
        r"|\bslurred speech\b|\b(?:speech|words) (?:is |are )?slurred\b|\bslurring\b"
        r"|\b(?:face|mouth|smile) (?:is |has )?(?:drooping|droops|drooped|dropped|fallen)\b",
        r"\b(?:arm|face|one side)\b.{0,30}\b(?:sudden|suddenly)\b.{0,20}\b<numb>\b"
        r"|\b(?:sudden|suddenly)\b.{0,20}\b<numb>\b.{0,20}\b(?:arm|face|one side)\b",
        r"\b<someone> (?:has |have |just )*(?:collapsed|passed out|fainted|blacked out)\b"
        r"|\bunconscious\b|\bunresponsive\b|\bwont wake up\b",
        r"\bgogus agri\w*|\bgogsum(?:de)? (?:agri\w*|sikis\w*|baski|yan\w*)"
        r"|\bnefes (?:alamiyor\w*|darligi)|\bnefesim daral\w*"
        r"|\b(?:kalp krizi|felc|inme) geciriyor\w*|\bkalp krizi\b(?! gecir(?:dim|di|mis))",
    ),
    "neuro": (
        r"\b(?:lost|losing|loss of|lose|no|<cant>) (?:control (?:of|over) )?(?:my )?(?:bladder|"
        r"bowel|bowels|urine|pee|stool)(?: control)?\b|\b<cant> (?:hold|control) (?:my )?(?:urine"
        r"|pee|wee|stool|poo|bladder|bowels?)\b",
        r"\b(?:wet|soiled|peed|pooed|pooped|wetting|peeing) myself\b",
        r"\bsaddle (?:numbness|anesthesia|anaesthesia|area|region)\b|\bnumb\w* (?:in|around|"
        r"between) (?:my )?(?:groin|genitals|private parts|privates|bottom|buttocks|bum|crotch|"
        r"inner thighs|legs)\b|\b<cant> feel (?:my )?(?:bottom|groin|privates|private parts|bum)\b",
        r"\b(?:sudden|suddenly|all of a sudden|out of nowhere)\b.{0,30}\b<numb>\b.{0,30}"
        r"\b(?:leg|legs|foot|feet)\b|\b(?:sudden|suddenly|all of a sudden)\b.{0,30}"
        r"\b(?:leg|legs|foot|feet)\b.{0,30}\b<numb>\b"
        r"|\b(?:leg|legs|foot|feet)\b.{0,20}\b(?:suddenly|all of a sudden)\b.{0,20}\b<numb>\b",
        r"\b<cant> (?:feel|move) (?:my |both |his |her )?(?:legs|feet)\b"
        r"|\blost (?:all )?(?:feeling|sensation) in (?:my |both )*(?:legs|feet)\b",
        r"\bidrar\w* (?:kacir\w*|tutamiyor\w*)|\b(?:diski|kaka\w*|gaita\w*) kacir\w*"
        r"|\b(?:bacaklarim|bacagim|ayaklarim)\w* (?:\w+ )?(?:uyus\w*|hissetmiyorum|tutmuyor\w*)"
        r"|\b(?:kasik\w*|genital\w*|ic bacak\w*|makat\w*) (?:\w+ )?uyus\w*",
    ),
    "infection": (),
    "injury": (
        r"\bbone(?! marrow)\b.{0,20}\b(?:sticking|poking|coming|popping|protruding|jutting|"
        r"pushing|showing) (?:out|through)\b|\bbone (?:is |was )?(?:visible|showing|exposed)\b"
        r"|\b(?:see|seeing) (?:the |my |his |her )?bone\b|\b(?:open|compound) fracture\b",
        r"\b<limb>\b (?:\w+ ){0,3}?(?:looks?|looking|seems|went|has gone|is now|now)"
        r" (?:\w+ ){0,2}?(?:bent|deformed|crooked|misshapen|out of place|wrong)\b",
        r"\b(?:pointing|facing|bent|turned|twisted|sticking out) (?:the )?wrong (?:way|direction)\b"
        r"|\bat an? (?:weird|strange|funny|odd|wrong|awkward|unnatural) angle\b"
        r"|\b(?:bent|twisted|facing|pointing|turned) (?:sideways|backwards)\b"
        r"|\btwisted out of place\b"
        r"|\b(?:bent|twisted) in an? (?:weird|strange|funny|odd|wrong|awkward|unnatural) way\b",
        r"\b(?:deformed|deformity|misshapen)\b.{0,60}\b<event>\b"
        r"|\b<event>\b.{0,60}\b(?:deformed|deformity|misshapen|out of place|crooked)\b",
        r"\b<event>\b.{0,60}\b<cant> (?:even )?(?:stand(?: up)?|walk|get up|move(?: it| my \w+)?"
        r"|put (?:any )?weight|bear (?:any )?weight)\b(?! <limit>\b)",
        r"\b<cant> (?:even )?(?:stand(?: up)?|walk|get up|move|put (?:any )?weight|bear (?:any )?"
        r"weight)\b(?! <limit>\b).{0,40}\b(?:after|since)\b.{0,20}\b<event>\b",
        r"\b(?:heard|felt) (?:a |it )?(?:loud )?(?:crack|snap|crunch)\b.{0,60}"
        r"\b(?:<cant>|bent|deformed|crooked|out of place)\b",
        r"\b(?:i think|think i|i just|pretty sure|i might have|i may have) (?:i )?(?:just )?"
        r"(?:broke|broken|fractured|snapped|dislocated) (?:my|his|her)\b",
        r"\b(?:my|his|her) <limb> (?:is|looks|feels) (?:\w+ )?(?:broken|smashed|shattered|crushed"
        r"|dislocated)\b|\b(?:popped|came|come|went|is) out of (?:place|joint|its socket)\b",
        r"\b(?:dustum|dustu|kaza\w*|kaydim|carpti\w*|merdivenden)\b.{0,50}\b(?:basamiyor\w*|"
        r"yuruyemiyor\w*|ayaga kalkamiyor\w*|kalkamiyor\w*|kipirdatamiyor\w*)",
        r"\bkemi\w* (?:disari\w*|gorunuyor)|\b(?:bacag|kolum|ayag|bileg|dizim)\w* (?:\w+ )?"
        r"(?:egri|egildi|ters|yamuk|sekilsiz|kirildi)\b",
    ),
}

# Patterns that are an emergency only when said about someone ("fever and joint pain?" may be a
# question about the condition; "I have a fever and my knee is swollen" is not).
IF_HAPPENING: dict[str, tuple] = {
    "self-harm": (),
    "cardiac": (
        r"\bshort(?:ness)? of breath\b|\bbreathless\b",
    ),
    "neuro": (
        # Incontinence can be old and unrelated; with back pain or a sudden start it is not.
        r"\bincontinen\w*\b.{0,60}\b(?:back|spine|spinal|sudden|suddenly|today|now|numb\w*)\b"
        r"|\b(?:back|spine|spinal|sudden|suddenly|today|now)\b.{0,60}\bincontinen\w*",
        r"\b(?:both legs|legs|feet) (?:are|went|have gone|has gone) (?:completely |totally )?"
        r"(?:numb|dead|paralysed|paralyzed)\b",
    ),
    "infection": (
        # Fever together with a painful, swollen or hot bone or joint, in either order.
        (r"\b<fever>\b", r"\b<part>\b (?:\w+ ){0,3}?<hurt>\b|\b<hurt> (?:\w+ ){0,2}?<part>\b"),
        (r"\b<fever>\b", r"\b(?:chills|shivering|shivers|shaking|rigors|titreme\w*)\b",
         r"\b<part>\b"),
    ),
    "injury": (
        r"\b<cant> (?:even )?(?:stand(?: up)?|walk|get up|put (?:any )?weight on (?:it|my \w+)"
        r"|bear (?:any )?weight)\b(?! <limit>\b).{0,40}\bat all\b",
        r"\b<cant> (?:put|bear) any weight\b|\bno weight at all\b",
    ),
}

# Context around a match. Negation is read in the same clause, the rest in the same sentence.
NEGATION = re.compile(  # "no fever", "I don't have chest pain", "not suicidal"
    r"\b(?:no|not|never|without|nor|neither|free of|denies|deny|(?:do|does|did|have|has|had|is|"
    r"was|are|were)(?:nt| not))\b(?: (?!(?:but|and|or|so|because|though|however|yet|my|now|then)"
    r"\b)\w+){0,3}$")
NEGATION_AFTER = re.compile(r"^(?:is not|isnt|are not|arent|was not|wasnt)\b"
                            r"|^(?:\w+ )?(?:yok|degil|olmadi)\b")  # "intihar dusuncesi yok"
# Hypothetical or causal: never an emergency, even with "my" ("can it make my legs weak?").
HYPOTHETICAL = re.compile(
    r"\b(?:if|what if|in case|whether|suppose|imagine|causes|caused|causing|lead to|leads to|"
    r"leading to|led to|result in|results in|make you|makes you|make your|make my|makes my|"
    r"make it|give you|gives you|risk of|chance of|chances of|prevent|avoid|signs? of|"
    r"symptoms? of)\b|\b(?:it|this|that|edema|oedema|bme|they|does|do|can|could|will|would|may|"
    r"might|to|also|ever) cause\b")
# A question about the condition ("is chest pain a symptom?") unless it is about the visitor.
QUESTION = re.compile(
    r"^(?:(?:and|also|so|but|hi|hello|hey|ok|okay|please|doctor|dr|quick question|question) )*"
    r"(?:can|could|does|do|did|will|would|is|are|was|were|should|shall|may|might|how|why|what|"
    r"whats|which|who|when|where|any)\b(?! not\b)")  # "can not walk" is no question
QUESTION_AFTER = re.compile(
    r"^(?:(?:is|are|can be|could be|also) )?(?:(?:a|an|one of the|also a) )?(?:symptom|symptoms|"
    r"sign|signs|complication|side effect)\b|^(?:\w+ ){0,2}(?:yapar|olur|olabilir|belirtisi\w*|"
    r"olursa|varsa|olsa|normal mi|ne demek)\b|^(?:\w+ ){0,3}(?:mi|mu|midir|mudur)$")
# Something in the past is history, not an emergency ("I had chest pain last year") unless the
# visitor says it is still going on.
HISTORY = re.compile(
    r"\b(?:last (?:year|month|week|summer|winter|spring|autumn|time)|(?:years?|months?|weeks?)"
    r" ago|in the past|used to|as a (?:child|kid)|when i was (?:young|little|a))\b")
STILL = re.compile(r"\b(?:now|today|tonight|still|currently|since|this morning|at the moment)\b")
PERSONAL = re.compile(
    r"\b(?:my|im|ive|i have|i am|i feel|i got|i had|i cant|i cannot|i just|i suddenly|i think|"
    r"me|hes|shes|he has|she has|he is|she is|he cant|she cant|his|her|our|we have|they have|"
    r"theyre)\b")
# Someone, now: needed by the IF_HAPPENING patterns. Turkish says "I" in the verb ending.
SITUATION = re.compile(
    r"\b(?:i|im|ive|id|me|my|mine|we|our|us|he|she|his|her|hes|shes|him|they|their|them|now|"
    r"today|tonight|yesterday|since|currently|suddenly|just|this morning|var|simdi|bugun|birden|"
    r"dun)\b|\b\w+(?:iyorum|uyorum|iyor|uyor|im|um|dim|dum|tim|tum)\b"
    r"|\b(?:3[89]|4[0-2])\b")  # a measured temperature is someone's fever


def _compile(pattern: str) -> re.Pattern:
    return re.compile(re.sub(r"<(\w+)>", lambda m: TERMS[m.group(1)], pattern))


def _rules(table: dict[str, tuple]) -> dict[str, list[tuple[re.Pattern, ...]]]:
    return {c: [tuple(map(_compile, p if isinstance(p, tuple) else (p,))) for p in table[c]]
            for c in URGENT_CATEGORIES}


_EMERGENCY = _rules(EMERGENCY)
_IF_HAPPENING = _rules(IF_HAPPENING)
_LETTERS = str.maketrans({"ı": "i", "İ": "i", "’": "'", "‘": "'", "`": "'", "ʼ": "'"})
_TOKEN = re.compile(r"[a-z0-9]+|[.!?;\n]|,")
CONTEXT = 200  # characters of context read around a match: keeps long messages linear


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("'", "")
    return re.sub(r"(?<=\d)[.,:](?=\d)", " ", text)  # "39.5" is a number, not two sentences


class _Message:
    """Folded words joined by spaces, and where the sentences and clauses begin."""

    def __init__(self, text: str):
        words: list[str] = []
        self.sentences, self.clauses = [0], [0]
        at = 0
        for token in _TOKEN.findall(_fold(text)):
            if token[0].isalnum():
                words.append(token)
                at += len(token) + 1
            else:
                self.clauses.append(at)
                if token != ",":
                    self.sentences.append(at)
        self.text = " ".join(words)

    def describes(self, match: re.Match, history_counts: bool = True) -> bool:
        """Tell whether a match is said about a real, present situation (see module doc)."""
        start, end = match.start(), match.end()
        clause_at = self.clauses[bisect.bisect_right(self.clauses, start) - 1]
        sentence_at = self.sentences[bisect.bisect_right(self.sentences, start) - 1]
        clause = self.text[max(clause_at, start - CONTEXT):start]
        sentence = self.text[max(sentence_at, start - CONTEXT):start] + match.group()
        following = bisect.bisect_right(self.sentences, start)
        stop = self.sentences[following] if following < len(self.sentences) else len(self.text)
        stop = min(stop, end + CONTEXT)
        after = self.text[end:stop].strip()
        if NEGATION.search(clause.strip()) or NEGATION_AFTER.search(after):
            return False
        if HYPOTHETICAL.search(sentence):
            return False
        whole = sentence + " " + after
        if history_counts and HISTORY.search(whole) and not STILL.search(whole):
            return False
        general = QUESTION.search(sentence.lstrip()) or QUESTION_AFTER.search(after)
        return not general or bool(PERSONAL.search(sentence))


def red_flag(text: str) -> str | None:
    """Return the emergency category a message describes, or None."""
    if not isinstance(text, str):
        return None
    message = _Message(text)
    situation = SITUATION.search(message.text)
    for category in URGENT_CATEGORIES:
        rules = _EMERGENCY[category] + (_IF_HAPPENING[category] if situation else [])
        for parts in rules:
            # A past suicide attempt still gets the crisis line; a past fall does not.
            if all(any(message.describes(m, category != "self-harm")
                       for m in part.finditer(message.text))
                   for part in parts):
                return category
    return None
