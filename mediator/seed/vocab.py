"""Words the demo data is made of: listings, names, chat lines, evidence captions.

Drawn from the marketplace help-center articles (`seeds/`): order chat first, then a dispute with
evidence, a dispute chat, escalation after 24 hours, staff mediation. Chat lines are `str.format`
templates over the fields `Chat` fills in (`item`, `amount`, `days`, `hours`, `handle`, `n`…).
"""

from __future__ import annotations

from mediator.domain import EvidenceKind, OrderKind, Outcome, Reason

#: (title, lowest price, highest price) in US dollars, per kind of order.
LISTINGS: dict[OrderKind, tuple[tuple[str, float, float], ...]] = {
    OrderKind.GOODS: (
        ("Wireless earbuds, black", 25, 90),
        ("Mechanical keyboard, 65%", 60, 180),
        ("Gaming mouse, 8000 DPI", 20, 80),
        ("Phone case, clear", 8, 25),
        ("USB-C charging cable, 2 m", 5, 20),
        ("Controller, wireless, white", 40, 75),
        ("Capture card, 4K60", 90, 220),
        ("Steam gift card, 50 USD", 45, 52),
        ("PSN gift card, 20 GBP", 20, 28),
        ("Game key: Elden Ring (Steam)", 25, 60),
        ("Windows 11 Pro retail key", 10, 40),
        ("In-game currency: 10,000 V-Bucks", 50, 80),
        ("CS2 skin: AK-47 | Redline (Field-Tested)", 15, 45),
        ("WoW gold, 500k (EU, Horde)", 20, 60),
        ("Trading card booster box", 90, 160),
    ),
    OrderKind.ACCOUNT: (
        ("Game account, level 80, 3 rare skins", 60, 200),
        ("Valorant account, Diamond 2, 40 skins", 80, 260),
        ("Fortnite account, 120 skins, OG Renegade Raider", 150, 600),
        ("League of Legends account, Platinum, 70 champions", 40, 140),
        ("Genshin Impact AR58 account, 5 five-star characters", 60, 220),
        ("Clash of Clans TH15 max account", 90, 300),
        ("Steam account, 230 games", 120, 500),
        ("Minecraft Java account, full access", 15, 35),
        ("Rocket League account, Champion, Titanium White Octane", 50, 160),
        ("Netflix premium, 12 months", 40, 90),
    ),
    OrderKind.SERVICE: (
        ("Boosting: rank Gold to Platinum", 30, 90),
        ("Valorant boosting: Silver 3 to Gold 3", 25, 70),
        ("Coaching: 3 hours, aim training", 30, 90),
        ("Raid carry: 10 runs, loot included", 40, 120),
        ("Power leveling: 1 to 60", 35, 110),
        ("Placement matches: 5 games", 15, 40),
        ("Achievement unlock: 100% completion", 50, 150),
        ("Gold farming: 2M gold delivered in game", 30, 80),
        ("Logo design for a streaming channel", 20, 120),
    ),
}

#: Reasons that make sense for each kind of order.
REASONS_FOR: dict[Reason, tuple[OrderKind, ...]] = {
    Reason.NOT_RECEIVED: (OrderKind.GOODS, OrderKind.ACCOUNT, OrderKind.SERVICE),
    Reason.NOT_AS_DESCRIBED: (OrderKind.GOODS, OrderKind.ACCOUNT, OrderKind.SERVICE),
    Reason.DEFECTIVE: (OrderKind.GOODS, OrderKind.ACCOUNT),
    Reason.INCOMPLETE: (OrderKind.GOODS, OrderKind.SERVICE, OrderKind.ACCOUNT),
    Reason.WRONG_SPEC_OR_QUANTITY: (OrderKind.GOODS, OrderKind.SERVICE),
    Reason.LATE_DELIVERY: (OrderKind.GOODS, OrderKind.SERVICE),
    Reason.ACCOUNT_ACCESS_NOT_TRANSFERRED: (OrderKind.ACCOUNT,),
    Reason.OTHER: (OrderKind.GOODS, OrderKind.ACCOUNT, OrderKind.SERVICE),
}

#: Currency, weight, units per US dollar (rough: enough for plausible prices).
CURRENCIES: tuple[tuple[str, int, float], ...] = (
    ("USD", 40, 1.0),
    ("EUR", 20, 0.92),
    ("GBP", 9, 0.79),
    ("JPY", 7, 150.0),
    ("BRL", 6, 5.0),
    ("KWD", 3, 0.31),
    ("CAD", 4, 1.36),
    ("AUD", 3, 1.52),
    ("PLN", 3, 4.0),
    ("SEK", 2, 10.5),
    ("KRW", 2, 1350.0),
    ("BHD", 1, 0.38),
)

BUYER_FIRST = (
    "mira", "tomas", "nightowl", "lee", "ranked_rae", "pixel", "zed", "kira", "omar", "yuki",
    "lena", "diego", "ana", "sam", "noor", "ivan", "chloe", "mateo", "aiko", "femi", "jonas",
    "priya", "lucas", "sofia", "kai", "marta", "wei", "olu", "hana", "theo",
)  # fmt: skip
BUYER_SEP = ("_", ".", "", "-")
BUYER_LAST = ("k", "b", "gg", "99", "x", "pro", "fan", "main", "ttv", "07", "plays")

#: Shop names by what they sell: a seller's kind of order decides which shops can sell it.
SELLER_FIRST: dict[OrderKind, tuple[str, ...]] = {
    OrderKind.GOODS: (
        "SoundHub", "KeyCraft", "CaseWorld", "FastKeys", "GadgetBay", "GiftHub", "CardCorner",
        "SkinSmith", "LootDepot", "CoinForge",
    ),
    OrderKind.ACCOUNT: (
        "AccMarket", "EliteAccounts", "GameVault", "PixelTrade", "DropZone", "AccountArcade",
        "SmurfShop", "RareSkins",
    ),
    OrderKind.SERVICE: (
        "ProBoost", "BoostKings", "RankRush", "CarryCrew", "LevelUpLab", "CoachCorner",
        "GrindHouse",
    ),
}  # fmt: skip
SELLER_LAST = ("", "Store", "EU", "Official", "Pro", "24", "Shop", "NA", "Direct")

#: Seller trust levels, weighted towards the middle.
TRUST = (0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5)

# --- chat ------------------------------------------------------------------------------------

ORDER_CHAT_BUYER = (
    "Hi, any update on my order?",
    "Hello! When can I expect the delivery?",
    "Tracking has not moved in {days} days, any news?",
    "Just paid, please let me know when you start.",
    "I have not confirmed delivery yet, I'll check everything first.",
    "Can you check the order please? Something looks off.",
    "Is the {item} still in stock?",
    "Thanks, I'll check it tonight.",
    "ok",
    "Any news?",
)
ORDER_CHAT_SELLER: dict[OrderKind, tuple[str, ...]] = {
    OrderKind.GOODS: (
        "Thanks for your order! Delivery within {hours} hours.",
        "Shipped today, tracking number in the order details.",
        "Sent, please check and confirm delivery when everything is fine.",
        "Key sent, check the order page.",
        "Please don't confirm until you have checked everything.",
    ),
    OrderKind.ACCOUNT: (
        "Login and password sent. Email change needs 24h.",
        "Details sent, change the password first please.",
        "Did you try logging out and back in?",
        "I'll remove my phone number from the account tonight.",
    ),
    OrderKind.SERVICE: (
        "Started, I'll update you here in the order chat.",
        "Working on it, will be done today.",
        "Please don't log in while the booster is playing.",
        "Done {n} games so far, going well.",
    ),
}

_G, _A, _SV = OrderKind.GOODS, OrderKind.ACCOUNT, OrderKind.SERVICE
#: The buyer's first dispute-chat line, by reason and kind of order.
OPENING: dict[tuple[Reason, OrderKind], tuple[str, ...]] = {
    (Reason.NOT_RECEIVED, _G): (
        "Opening a dispute, the {item} never arrived.",
        "It has been {days} days and nothing was delivered.",
        "Order says shipped but I never got anything.",
    ),
    (Reason.NOT_RECEIVED, _A): (
        "No login details after {days} days.",
        "The seller never sent the account.",
    ),
    (Reason.NOT_RECEIVED, _SV): (
        "The seller never started the order.",
        "Paid {days} days ago, nobody has logged in to my account.",
    ),
    (Reason.NOT_AS_DESCRIBED, _G): (
        "This is not the {item} from the listing.",
        "The description was wrong, see the photo.",
    ),
    (Reason.NOT_AS_DESCRIBED, _A): (
        "The listing promised more skins than the account has.",
        "Not as described: the rank is lower than advertised. Screenshots attached.",
    ),
    (Reason.NOT_AS_DESCRIBED, _SV): (
        "The listing said duo queue, the booster played on my account.",
        "Not what was agreed: only {n} of the promised games were played.",
    ),
    (Reason.DEFECTIVE, _G): (
        "It stopped working after {days} days. Photo attached.",
        "Arrived broken, the {item} does not power on.",
        "The key says it was already redeemed.",
    ),
    (Reason.DEFECTIVE, _A): (
        "The account got banned the day after delivery.",
        "The account is flagged for cheating, I can't play ranked.",
    ),
    (Reason.INCOMPLETE, _G): ("I got {n} out of {q}, the rest is missing.",),
    (Reason.INCOMPLETE, _A): ("The email is mine but the seller kept the phone number.",),
    (Reason.INCOMPLETE, _SV): (
        "Marked delivered but it is not finished.",
        "Only half of the runs were done.",
    ),
    (Reason.WRONG_SPEC_OR_QUANTITY, _G): (
        "I ordered {q} but received {n}.",
        "Wrong region, this key does not work on my account.",
        "Wrong colour and wrong size.",
    ),
    (Reason.WRONG_SPEC_OR_QUANTITY, _SV): (
        "Wrong server: the boost was done on EU, I play on NA.",
        "I paid for Platinum, the booster stopped at Gold 1.",
    ),
    (Reason.LATE_DELIVERY, _G): (
        "Delivery was promised within {hours}h, it has been {days} days.",
        "Way too late, I needed it for the weekend.",
    ),
    (Reason.LATE_DELIVERY, _SV): (
        "Still not started after {days} days, I want my money back.",
        "The boost was promised in {hours}h, it has been {days} days.",
    ),
    (Reason.ACCOUNT_ACCESS_NOT_TRANSFERRED, _A): (
        "The original email is still attached, I can't change it.",
        "I got logged out, the seller recovered the account.",
        "2FA is still on the seller's phone, I can't log in.",
    ),
    **{
        (Reason.OTHER, kind): (
            "Something is wrong with this order, please help.",
            "The seller asked me to pay extra after the order.",
            "I was charged twice for the same order.",
        )
        for kind in OrderKind
    },
}

DISPUTE_BUYER = (
    "I'd accept {amount} back and keep it.",
    "Please deliver what I paid for or refund me.",
    "I attached screenshots with timestamps.",
    "I am not closing the dispute before I get the solution.",
    "Any update? It has been a day.",
    "That does not fix the problem.",
    "Fine, a replacement works for me.",
    "I want a full refund.",
    "Here is the video you asked for.",
    "still waiting",
)
DISPUTE_SELLER = (
    "We can offer {amount}, not more.",
    "Delivered as described, see the screenshot.",
    "Please give me one more day, I'll fix it.",
    "The buyer confirmed delivery already.",
    "I can send a replacement.",
    "Rank was reached, the buyer lost games afterwards.",
    "Works fine on our side, did you follow the instructions?",
    "Please close the dispute, I will send it now.",
    "Sent the missing part, please check.",
    "checking now",
)
ESCALATE_PARTY = (
    "Escalating, {amount} is not enough.",
    "No agreement after 24 hours, escalating to staff.",
    "Escalating, the seller keeps stalling.",
    "Escalating: the buyer refuses every solution.",
)
ESCALATE_SYSTEM = {
    "seller_silent": "Escalated: the seller did not respond within 24 hours.",
    "stale": "Escalated: no updates for 3 days.",
    "staff": "Escalated by staff for review.",
}
STAFF_NOTES = (
    "Requested match history from the seller (7-day window).",
    "Asked the buyer for an unboxing video (7-day window).",
    "Checked the order record: delivery marked by the seller.",
    "Seller trust level {trust}; dispute opened {gap}h after delivery.",
    "Reminded both parties to keep communication on the platform.",
    "Waiting for the seller's reply before deciding.",
    "Tracking confirms no delivery scan.",
    "Evidence reviewed, timestamps match the chat.",
)
INFO_REQUEST = (
    "Requested proof of delivery from the seller (7-day window).",
    "Requested a video of the login attempt from the buyer (7-day window).",
    "Requested the original email change confirmation from the seller (7-day window).",
)
RESOLVED_NOTE = (
    "Resolved: partial refund of {amount}.",
    "Resolved: full refund, order cancelled.",
    "Resolved in the seller's favour, delivery was complete.",
    "Resolved: compromise agreed in the dispute chat.",
)
CLOSED_BY_BUYER = (
    "Issue fixed, closing the dispute. Thanks!",
    "Got it now, all good. Closing.",
)

#: P-COMM-ONPLATFORM: attempts to move the trade off the marketplace.
OFF_PLATFORM = (
    "Add me on Discord, easier to fix there: {handle}#{n4}",
    "Message me on WhatsApp +44 7700 900{n3}",
    "Telegram me @{handle}, much faster than this chat",
    "Email me at {handle}@gmail.com and I'll sort it out",
    "Call me on +1 555 01{n2}, we can settle this by phone",
    "let's continue on discord, this chat is slow",
)
#: P-COMM-CONDUCT: insults and baseless accusations.
INSULTS = (
    "You are a scammer and a liar.",
    "Stop lying, idiot.",
    "Worst seller ever, you thief.",
    "Are you stupid? Read the listing.",
    "Clown. I'll report you everywhere.",
)

# --- evidence --------------------------------------------------------------------------------

#: Evidence captions by kind of evidence and of order (photos only exist for goods).
CAPTIONS: dict[tuple[EvidenceKind, OrderKind], tuple[str, ...]] = {
    (EvidenceKind.SCREENSHOT, _G): (
        "Carrier tracking page",
        "Error on key activation",
        "Listing description",
        "Chat with seller",
    ),
    (EvidenceKind.SCREENSHOT, _A): (
        "Account settings: email locked",
        "Login failed: wrong password",
        "Recovery email changed by seller",
        "Listing description",
    ),
    (EvidenceKind.SCREENSHOT, _SV): (
        "Rank screen after the boost",
        "Match history",
        "Progress at delivery time",
        "Chat with seller",
    ),
    (EvidenceKind.PHOTO, _G): (
        "Charging case, left slot",
        "Box as delivered",
        "Crack on the case",
        "Wrong colour received",
        "Serial number label",
    ),
    (EvidenceKind.VIDEO, _G): ("Unboxing video", "Device not powering on"),
    (EvidenceKind.VIDEO, _A): ("Login attempt recording", "Ban notice on start-up"),
    (EvidenceKind.VIDEO, _SV): ("Match replay", "Stream recording of the boosted games"),
    (EvidenceKind.DOCUMENT, _G): ("Invoice", "Carrier delivery confirmation"),
    (EvidenceKind.DOCUMENT, _A): ("Purchase receipt", "Original owner's email confirmation"),
    (EvidenceKind.DOCUMENT, _SV): ("Match history export", "Invoice"),
    (EvidenceKind.LINK, _G): ("Tracking link", "Listing snapshot"),
    (EvidenceKind.LINK, _A): ("Listing snapshot", "Seller's profile"),
    (EvidenceKind.LINK, _SV): ("Public match history", "Seller's profile"),
    **{
        (EvidenceKind.ORDER_RECORD, kind): (
            "Delivery marked by seller",
            "Order placed and paid",
            "Order details at time of purchase",
        )
        for kind in OrderKind
    },
}
FILE_SUFFIX = {
    EvidenceKind.SCREENSHOT: "png",
    EvidenceKind.PHOTO: "jpg",
    EvidenceKind.VIDEO: "mp4",
    EvidenceKind.DOCUMENT: "pdf",
}
LINK_HOSTS = ("tracking.example.net/p", "listings.example.org/s", "stats.example.com/match")

# --- decisions ---------------------------------------------------------------------------------

#: What each `RESOLVED_NOTE` above says was decided (same order): a seeded decision agrees with
#: the staff note that closes its dispute's transcript.
RESOLVED_OUTCOMES = (
    Outcome.BUYER_PARTIAL_REFUND,
    Outcome.BUYER_FULL_REFUND,
    Outcome.SELLER_FAVOUR,
    Outcome.COMPROMISE,
)
#: The agents who decide, and how busy each is (a shift has its workhorses).
AGENTS = (("ana", 30), ("bruno", 24), ("chidi", 18), ("dana", 14), ("emil", 9), ("farah", 5))
#: The supervisors who approve the few decisions the review rule caught.
SUPERVISORS = ("grace", "malik")

#: A rationale starts with what the agent found, by reason…
FOUND: dict[Reason, tuple[str, ...]] = {
    Reason.NOT_RECEIVED: (
        "The order record shows no delivery and the seller sent no proof",
        "Nothing was delivered; the seller's tracking link shows no scan after pickup",
    ),
    Reason.NOT_AS_DESCRIBED: (
        "The buyer's screenshots differ from the listing description",
        "The evidence shows the item is not what the listing promised",
    ),
    Reason.DEFECTIVE: (
        "The buyer's video shows the defect on delivery",
        "The photos show the item was faulty on arrival",
    ),
    Reason.INCOMPLETE: (
        "Only part of the order was delivered, as the order record confirms",
        "The seller admits in the dispute chat that part of the order is missing",
    ),
    Reason.WRONG_SPEC_OR_QUANTITY: (
        "The delivery does not match the ordered specification",
        "The buyer received a different quantity than ordered",
    ),
    Reason.LATE_DELIVERY: (
        "The delivery is well past the promised time",
        "The seller missed the delivery time stated in the listing",
    ),
    Reason.ACCOUNT_ACCESS_NOT_TRANSFERRED: (
        "The original email was still attached to the account",
        "The seller kept recovery access to the account",
    ),
    Reason.OTHER: (
        "Both parties' accounts of the order were checked against the chat",
        "The order record and the chat were reviewed",
    ),
}
#: …and ends with why that led to the outcome (refunds, compromises).
BECAUSE: dict[Outcome, tuple[str, ...]] = {
    Outcome.BUYER_FULL_REFUND: ("the buyer gets the whole price back.", "a full refund is due."),
    Outcome.BUYER_PARTIAL_REFUND: (
        "a partial refund covers the difference.",
        "a partial refund settles it.",
    ),
    Outcome.COMPROMISE: (
        "both parties accepted the compromise offered in the dispute chat.",
        "the parties agreed on a partial solution.",
    ),
}
#: The whole rationale when the buyer gets nothing back.
NO_REFUND_BECAUSE: dict[Outcome, tuple[str, ...]] = {
    Outcome.SELLER_FAVOUR: (
        "The order record and the seller's screenshots show delivery as described; the claim "
        "is not supported.",
        "The buyer's evidence does not show a fault on the seller's side; the order stands.",
    ),
    Outcome.SELLER_RESOLUTION: (
        "The seller fixed the problem during the dispute and the buyer confirmed it.",
        "The seller sent a replacement, which the buyer accepted in the dispute chat.",
    ),
    Outcome.COMPROMISE: (
        "The parties agreed in the dispute chat that the seller completes the order; no money "
        "is refunded.",
    ),
}
#: What the parties are told of a refund (`{refund}`, `{fee}`: amounts with their currency)…
TOLD: dict[Outcome, tuple[str, ...]] = {
    Outcome.BUYER_FULL_REFUND: (
        "The full price of {refund} is refunded to the buyer, with the service fee. "
        "The order is cancelled.",
        "We refunded {refund} and the service fee to the buyer; this dispute is closed.",
    ),
    Outcome.BUYER_PARTIAL_REFUND: (
        "{refund} is refunded to the buyer ({fee} of the service fee with it); the order stands.",
        "We refunded {refund} to the buyer. The rest of the order stands.",
    ),
    Outcome.COMPROMISE: (
        "As agreed in the dispute chat, {refund} goes back to the buyer and the order continues.",
        "Thank you both for agreeing: {refund} is refunded and the order continues.",
    ),
}
#: …and of a decision that moves no money.
TOLD_NO_REFUND: dict[Outcome, tuple[str, ...]] = {
    Outcome.SELLER_FAVOUR: (
        "The order was delivered as described; it stands and the payment goes to the seller.",
        "We found no grounds for a refund. The order stands.",
    ),
    Outcome.SELLER_RESOLUTION: (
        "The seller fixed the order; the dispute is closed.",
        "Glad this was sorted out between you. The dispute is closed.",
    ),
    Outcome.COMPROMISE: ("As agreed in the dispute chat, the order continues without a refund.",),
}
#: The rationale and the message of a decision for the seller on an order not delivered yet.
UNDELIVERED_FAVOUR = (
    "The seller showed that the order is on its way within the promised time; the claim came "
    "too early.",
    "The order is on its way within the time the listing promised; it stands.",
)
#: Added when the buyer is to send the item back.
TOLD_RETURN = " Please return the item to the seller; the refund is released once it arrives."
