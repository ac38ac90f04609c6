"""The tickets' text: phrase templates per class and the two ways a ticket is written
(pasted from an email, or typed in a hurry)."""

from __future__ import annotations

import random
import re

from .scenarios import CLASSES, SHIFT_CLASS

CONFUSER_SHARE = 0.5  # pasted tickets that also mention another class's topic
TYPO_RATE = 0.3  # typed words (of four letters or more) with a typo

# Words the generator makes characteristic of each class: they occur in that class's
# phrases only (other tickets see them only when they borrow a phrase of the class).
CLASS_KEYWORDS = {
    "billing": ["invoice", "refund", "subscription", "receipt", "overcharged", "vat"],
    "technical": ["error", "crashing", "loading", "bug", "timeout", "install"],
    "account": ["password", "login", "username", "profile", "verification", "locked"],
    "shipping": ["delivery", "package", "tracking", "courier", "parcel", "delayed"],
    "fraud": ["unauthorized", "stolen", "suspicious", "scam", "phishing", "hacked"],
}

# Sentences typical of each class. Shared support words (order, account, payment, card,
# help, please) appear across classes, which is what makes the router's job non-trivial.
CLASS_PHRASES = {
    "billing": [
        "I was charged twice for my {plan} subscription.",
        "The invoice for {month} shows the wrong amount.",
        "I am still waiting for a refund of {amount}.",
        "Could you send me a receipt for my last payment?",
        "My card was overcharged by {amount} this month.",
        "I want to cancel my subscription before the next renewal.",
        "The VAT on invoice {ref} is not correct.",
        "Why did the price of my {plan} plan go up without notice?",
        "The payment for order {ref} was taken in the wrong currency.",
        "I need a refund for the {plan} plan, I never used it.",
    ],
    "technical": [
        "The app shows an error when I open the {page} page.",
        "Since the last update the app keeps crashing.",
        "The {page} page is stuck on loading for minutes.",
        "I get a timeout every time I try to upload a file.",
        "There seems to be a bug on the {page} screen.",
        "I cannot install the latest version on my {device}.",
        "The checkout button does nothing when I click it.",
        "Error code {code} appears when I try to pay.",
        "The app is very slow on my {device} since {when}.",
        "Notifications stopped working after the update on my {device}.",
    ],
    "account": [
        "I forgot my password and the reset link does not work.",
        "I cannot login to my account since {when}.",
        "Please change the email address on my profile.",
        "How do I close my account and remove my data?",
        "My username was changed and I cannot find the setting.",
        "The verification code never arrives on my {device}.",
        "My account is locked after too many login attempts.",
        "I want to merge my two accounts into one.",
        "Please update my profile, my name is misspelled.",
        "Two factor verification keeps failing for my account.",
    ],
    "shipping": [
        "My package has not arrived yet and the tracking says {status}.",
        "The delivery for order {ref} is delayed by {days} days.",
        "The courier left the parcel at the wrong address.",
        "The tracking number {ref} shows no update since {when}.",
        "Can I change the delivery address for my order?",
        "The parcel arrived damaged and some items are missing.",
        "I was not home and the courier did not leave a note.",
        "When will my order {ref} be shipped?",
        "The order was marked as delivered but I have no package.",
        "Delivery to {country} takes much longer than promised.",
    ],
    "fraud": [
        "There is a payment of {amount} on my card that I do not recognise.",
        "I think my account was hacked, someone changed my email.",
        "I received a suspicious email asking for my card details.",
        "Someone placed an unauthorized order of {amount} on my account.",
        "My card was stolen and used on your site.",
        "This looks like a phishing scam using your logo.",
        "I want to dispute a charge of {amount} that I did not make.",
        "Someone in {country} keeps trying to get into my account.",
        "A seller asked me to pay outside the platform, is this a scam?",
        "Unauthorized payments appeared on my statement {when}.",
    ],
}

# Sentences that carry no class information.
SHARED_PHRASES = [
    "Please help me as soon as possible.",
    "This is urgent.",
    "I have been a customer for {years} years.",
    "I already contacted support {when}.",
    "My order number is {ref}.",
    "Please check my account and let me know.",
    "I tried again {when} and it is the same.",
    "Can someone please call me back?",
    "I need this fixed before my next payment.",
    "Your help page did not answer my question.",
]
GREETINGS = ["Hello,", "Hi,", "Hi team,", "Dear support,", "Good morning,", ""]
SIGN_OFFS = ["Thanks.", "Thank you for your help.", "Best regards.", "Kind regards.", ""]
# Typed tickets drop most of these and abbreviate a few words.
FILLER_WORDS = {"the", "a", "an", "my", "i", "is", "am", "to", "for", "on", "and", "of", "was", "it", "your"}
TYPED_SHORTHANDS = {"please": "pls", "you": "u"}


def _pick(options):
    return lambda rnd: rnd.choice(options)


SLOT_FILLERS = {
    "plan": _pick(["Basic", "Plus", "Pro", "Team", "annual"]),
    "month": _pick(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    ),
    "amount": lambda rnd: f"${rnd.randint(5, 499)}.{rnd.randint(0, 99):02d}",
    "ref": lambda rnd: f"#{rnd.randint(100000, 999999)}",
    "code": lambda rnd: str(rnd.randint(400, 599)),
    "page": _pick(["checkout", "settings", "orders", "search", "home", "cart"]),
    "device": _pick(["iPhone", "Android phone", "laptop", "tablet", "Mac"]),
    "when": _pick(["yesterday", "this morning", "last week", "two days ago", "Monday"]),
    "status": _pick(["in transit", "label created", "out for delivery", "pending"]),
    "days": lambda rnd: str(rnd.randint(2, 14)),
    "country": _pick(["Germany", "France", "India", "the UK", "Brazil", "Russia"]),
    "years": lambda rnd: str(rnd.randint(2, 12)),
}


def pasted_ticket(rnd: random.Random, cls: str) -> str:
    """A ticket as pasted from an email: greeting, class and filler sentences, sign-off.

    Half the tickets also mention another class's topic, and many have a single sentence
    of their own class: those are the ones the router gets wrong.
    """
    # Fraud reports are explicit and other tickets rarely sound like fraud, so the router
    # recognises fraud reliably: a change in its share shows in the predicted class mix.
    explicit = cls == SHIFT_CLASS
    body = rnd.sample(CLASS_PHRASES[cls], rnd.choice([2, 3] if explicit else [1, 1, 1, 2, 2, 3]))
    if not explicit and rnd.random() < CONFUSER_SHARE:
        other = rnd.choice([c for c in CLASSES if c not in (cls, SHIFT_CLASS)])
        body.append(rnd.choice(CLASS_PHRASES[other]))
    body += rnd.sample(SHARED_PHRASES, rnd.choice([0, 1, 1, 2]))
    rnd.shuffle(body)
    lines = [rnd.choice(GREETINGS), " ".join(_fill(s, rnd) for s in body), rnd.choice(SIGN_OFFS)]
    return "\n".join(line for line in lines if line)


def typed_ticket(rnd: random.Random, cls: str) -> str:
    """A ticket typed in a hurry: lower case, shorthand, typos, a few words of a sentence
    of its class and often of another topic too."""
    fragments = [_fragment(rnd, rnd.choice(CLASS_PHRASES[cls]))]
    if rnd.random() < CONFUSER_SHARE:
        other = rnd.choice([c for c in CLASSES if c != cls])
        fragments.append(_fragment(rnd, rnd.choice(CLASS_PHRASES[other] + SHARED_PHRASES)))
    words = [TYPED_SHORTHANDS.get(w, w) for w in " ".join(fragments).split()]
    return " ".join(_typo(rnd, w) if len(w) > 3 and rnd.random() < TYPO_RATE else w for w in words)


def _fragment(rnd: random.Random, template: str) -> str:
    """The first few words of a sentence, lower case, without punctuation or most filler words."""
    words = re.findall(r"[\w$]+", _fill(template, rnd).lower())
    words = [w for w in words if w not in FILLER_WORDS or rnd.random() < 0.4]
    return " ".join(words[: rnd.randint(3, 6)])


def _typo(rnd: random.Random, word: str) -> str:
    """Swap two neighbouring letters or drop one."""
    i = rnd.randrange(len(word) - 1)
    if rnd.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def _fill(template: str, rnd: random.Random) -> str:
    return template.format_map(_Slots(rnd))


class _Slots(dict):
    """Fills a template's slots on demand, so only the slots it uses draw random values."""

    def __init__(self, rnd: random.Random):
        super().__init__()
        self.rnd = rnd

    def __missing__(self, name: str) -> str:
        return SLOT_FILLERS[name](self.rnd)
