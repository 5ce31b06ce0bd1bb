#!/usr/bin/env python3
"""Builds Handover's passphrase word list: words.txt (one word a line) and words.rs (the same
words packed for the wasm bundle).

Source: word frequencies from the `wordfreq` package (PyPI, version 3.1.1; English, its blend of
Wikipedia, subtitles, news, books, web text, Twitter and Reddit), kept only where the same lowercase
spelling is in both Debian's `wamerican` and `wbritish` dictionaries (SCOWL), so a word read aloud
over the phone has one spelling on both sides of the Atlantic and is not a proper noun or an
abbreviation.

Filters, in order: 4 to 8 lowercase ASCII letters; in both dictionaries; not a plural or third
person form of another dictionary word (tool/tools would be confused on the phone); not a
homophone in the list below; not offensive, violent, sexual, medical, religious or political (a
temporary password lands in a welcome email, often read out by a help desk); first 2,048 by
frequency (2^11, so each word is exactly 11 bits).

Run: pip install wordfreq==3.1.1; apt-get install wamerican wbritish;
     python3 src/credential/wordlist/generate.py
"""

import os
import re

from wordfreq import top_n_list

SIZE = 2048
HERE = os.path.dirname(os.path.abspath(__file__))

# Whole words left out: unkind, alarming or awkward in a message to a new colleague.
BLOCKED = set("""
abortion abuse abused abusive addict adult adults affair alcohol anal anus arse arrest arrested
assault bastard beaten behead bible bitch bitches bleed bleeding blood bloody bomb bombing bombs
boob boobs booty breast breasts bullet bullets butt cancer casino catholic christ church cocaine
cock corpse crap crack crime crimes criminal crusade cult damn dead deadly death deaths demon
devil dick dildo disease divorce drug drugs drunk dumb dying enemy erotic evil execute fart fatal
fatty fetish fight fights fired firearm flesh fuck fucked fucker fucking gang gangs gay genocide
ghetto goddamn gore grave gross guns gunman hang hanged hate hatred heroin hitler hooker horny
hostage idiot illness islam israel jesus jihad kidnap kill killed killer killing kills knife
lesbian liar loser lust lying mafia meth militia minority moron murder murdered naked nazi nazis
nigga nipple nude nudity obese opium orgasm overdose pagan penis pervert piss poison porn
pregnant prison prisoner prostate pussy queer racism racist rape raped rapist rebel rifle satan
scam scum semen sexual sexy shit shoot shooter shooting sick sinner slave slavery slaves slut
smoke sperm stab stabbed stupid suicide tampon terror terrorist testicle thief threat tits
torture toxic trump ugly urine vagina victim victims violence violent vomit weapon weapons weed
whore wound wounded arab arabs jewish muslim muslims christian hindu sikh israeli islamic gaza
soviet nazi israel russia russian jihadi mosque temple synagogue pope pastor priest bishop
senator democrat democrats republic liberal liberals election elections vote voted voting
politics political racial prayer pray praying heaven hell satan allah lord holy sacred
breast cancer tumor tumour virus covid vaccine pandemic hospital surgery patient patients
pills drunk beer vodka whiskey wine liquor cigar tobacco nicotine bitcoin crypto casino
poker betting gamble gambling lottery debt loan loans broke poor poverty fired layoff
divorce widow orphan coffin funeral burial buried cemetery ghost zombie witch curse cursed
insane crazy lunatic psycho retard retarded cripple disabled deaf blind fatso skinny
kinky spank slave master mistress virgin bride lover lovers kiss kissing dating sexual
nasty filthy dirty stink smelly toilet poop diaper
""".split())

# Substrings that make a word unwelcome whatever surrounds them.
BLOCKED_PARTS = ("fuck", "shit", "cunt", "porn", "rape", "nigg", "fag", "slut", "whore", "kill",
                 "murder", "suicid", "terror", "nazi", "sex", "dick", "cock", "bitch", "penis",
                 "vagin", "anal", "drug", "corpse", "genocid", "bomb", "weapon", "tortur")

# Words that sound like another common word: the listener cannot know which was meant.
HOMOPHONES = set("""
ball bawl bare bear beat beet been berry bury blew blue board bored brake break buy bye
ceiling sealing cell sell cent scent sent cereal serial cheap cheep chews choose coarse course
cord chord dear deer dew due died dyed fair fare feat feet find fined flour flower flew flu
for four fore forth fourth grate great groan grown guessed guest hair hare hall haul heal heel
hear here heard herd hole whole hour ours knew new knight night knot not know no made maid
mail male main mane meat meet mind mined missed mist morning mourning none nun pain pane pair
pear pare passed past peace piece peak peek plain plane pole poll pray prey principal principle
rain reign rein rode road rowed role roll root route sail sale scene seen sea see seam seem
sew sow sole soul some sum son sun stair stare stake steak steal steel suite sweet tail tale
their there they're threw through tide tied toe tow vain vein waist waste wait weight way weigh
weak week wear where weather whether which witch whine wine wood would write right rite wright
aloud allowed bald bawled bolder boulder capital capitol counsel council cite sight site
desert dessert idle idol lead led lessen lesson marshal martial metal medal meddle pedal peddle
patience patients presence presents sight site stationary stationery tacks tax wade weighed
whose those lose loose affect effect accept except advice advise quite quiet then than
""".split())

# Words that are really names, brands, slang or prefixes: a listener would ask how to spell them.
NOT_PLAIN_WORDS = set("""
john peter mike jimmy tony harry martin roger smith miller walker frank nick matt jack ford oxford
china japan french jersey android google twitter amazon august march roman dean duke kinda gonna
wanna gotta yeah okay dude anti semi multi mini auto info tech trans vice alright whilst daddy maria josh billy robin cant bull
""".split())

# More words that are unwelcome in a welcome email: harm, crime, conflict, health, family status.
UNWELCOME = set("""
suck illegal guilty jail injured injuries injury fraud crash armed attack attacked combat battle
defeat destroy disaster damage damaged horrible horror terrible awful annoying enemies hurt harm
stolen swear shame scared anger angry mental anxiety fake trash weird smoking drink drinking
accused alleged banned penalty lawyer attorney hunting therapy marriage married marry wife
husband wedding religion saint angel mortgage military army soldier nuclear monster blame beating
shot fighting clinical medical medicine gender senate congress protest bush federal governor
minister ministry mayor police crisis suffer suffered struggle lost losing loser failure fail
failed fault fear rush strike silly stupid ugly dumb fired quit jury judge justice prison
escape victim secret hidden ethnic teen painful scary sword fighter blast bang trap
tear regret rejected deny radical hunter strip arsenal rick disorder punch romance
tissue bite burned
""".split())


def load(path):
    with open(path, encoding="utf-8") as f:
        return {line.strip() for line in f}


def main():
    american = load("/usr/share/dict/american-english")
    british = load("/usr/share/dict/british-english")
    both = american & british
    words = []
    for word in top_n_list("en", 60000):
        if not re.fullmatch(r"[a-z]{4,8}", word) or word not in both:
            continue
        if word.endswith("s") and (word[:-1] in both or (word.endswith("es") and word[:-2] in both)):
            continue
        if word in BLOCKED or word in UNWELCOME or word in NOT_PLAIN_WORDS or word in HOMOPHONES or any(p in word for p in BLOCKED_PARTS):
            continue
        words.append(word)
        if len(words) == SIZE:
            break
    assert len(words) == SIZE, len(words)
    words.sort()

    with open(os.path.join(HERE, "words.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")

    write_rs(words)


def front_coded(words):
    """Each word as the length of the prefix it shares with the word before (one digit, 0 to 7)
    and the letters after it: the sorted list shrinks by half and the digits mark where each
    word starts."""
    out = []
    prev = ""
    for word in words:
        shared = 0
        while shared < min(len(word), len(prev), 7) and word[shared] == prev[shared]:
            shared += 1
        out.append(str(shared) + word[shared:])
        prev = word
    return "".join(out)


def write_rs(words):
    coded = front_coded(words)
    lines = [coded[i:i + 96] for i in range(0, len(coded), 96)]
    with open(os.path.join(HERE, "words.rs"), "w", encoding="utf-8") as f:
        f.write("// Generated by generate.py from words.txt; do not edit by hand.\n")
        f.write("// 2,048 words, front coded: each is a digit (how many leading letters it shares\n")
        f.write("// with the word before) and the letters that follow.\n")
        f.write("pub(crate) const FRONT_CODED: &str = \"\\\n")
        # A `\` at the end of a line skips the next line's leading whitespace; there is none.
        f.write("\\\n".join(lines))
        f.write("\";\n")


if __name__ == "__main__":
    main()
