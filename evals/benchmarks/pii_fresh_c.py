"""Set "c" of the fresh PII set (:mod:`crewline.evals.benchmarks.pii_fresh`): its own wording and shapes.

Written (session of the ``pii2`` helper) and committed before any detector change it measures, never
tuned on. Positives sit where a support crew meets them and sets a and b do not put them: JSON fields,
CSV rows, markdown tables, HTML list items, ``tel:`` links, headers, numbers split over a line break;
IBANs of countries a and b lack (and one typed in lower case); phone numbers of other countries and
plans (toll-free, ``(0)`` trunk prefixes). Dates of birth, street addresses and passport numbers are
marked with their own types: scored only once the detector covers the type (a detection of an
uncovered type counts as a false positive). Hard negatives: meeting ids, kernel and package versions,
dimensions, sort codes, CVE and RFC numbers, tariff codes, counters with thousands separators, parcel
numbers, score tables and error codes.

Every card number passes Luhn and every IBAN mod-97, bodies drawn at random (none is a real account).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIRST_RUN_C", "NEGATIVE_C", "POSITIVE_C"]

# ``python -m crewline.evals.benchmarks.pii_fresh --set c`` at the commit that added this set
# (52b0fe0), before any change: missed a lower-case IBAN; six hard negatives read as phone numbers
# (a meeting id, a range, an invoice and a lot number, a parcel number, a row of small numbers).
# Dates of birth and the passport number were not scored then (no detector covered the types).
FIRST_RUN_C: dict[str, Any] = {"recall": 0.9783, "precision": 0.8824, "hard_negative_fpr": 0.1765}

# ``[[TYPE|value]]`` marks a gold span (read by ``pii_fresh._row``).
POSITIVE_C = (
    # cards
    '{"customer": "D. Okafor", "pan": "[[CREDIT_CARD|4914585630740774]]", "exp": "07/27"}',
    "Okafor,Dana,[[CREDIT_CARD|4526846332142655]],07/27,gold",
    "| Visa | [[CREDIT_CARD|4109 3680 0608 7988]] | expired |",
    "the card (number [[CREDIT_CARD|5380 7032 9488 8837]]) was declined twice",
    "Mastercard 2-series: [[CREDIT_CARD|2300-4813-7181-1618]]",
    "amex [[CREDIT_CARD|374767620029001]] - please remove it from my profile",
    "Discover ****? no, the whole thing: [[CREDIT_CARD|6011 4317 5715 1023]]",
    "JCB card [[CREDIT_CARD|3530 0192 0773 2630]] from my trip to Osaka",
    "old 13-digit visa [[CREDIT_CARD|4695712735839]]",
    "UnionPay: [[CREDIT_CARD|6203 7696 8639 8928]].",
    "<li>Card: [[CREDIT_CARD|5576 5055 5488 8587]]</li>",
    "pay with [[CREDIT_CARD|348577971892607]]!",
    # IBANs
    "Danish IBAN [[IBAN_CODE|DK14 8887 6319 1151 91]]",
    "λογαριασμός [[IBAN_CODE|GR51 4322 4299 3502 1957 3779 148]]",
    "számlaszám: [[IBAN_CODE|HU08 3700 2790 2544 2998 1455 1159]]",
    "cont bancar [[IBAN_CODE|RO74 DYDW 1438 3154 9560 1521]]",
    '"iban": "[[IBAN_CODE|SI31014839834533035]]"',
    "Slovak account [[IBAN_CODE|SK85 5930 8289 8880 0813 1245]] for the refund",
    "LT: [[IBAN_CODE|LT77 9688 7831 2816 3424]]",
    "my Estonian account is [[IBAN_CODE|EE81 4399 2481 5296 3037]], thanks",
    "Bulgarian IBAN [[IBAN_CODE|BG93VXEO64685740057997]]",
    "UAE account: [[IBAN_CODE|AE98 1301 1169 5990 1459 316]]",
    "Israeli IBAN [[IBAN_CODE|IL48 4387 9416 1911 9054 919]]",
    "i typed it small: [[IBAN_CODE|gb30akml11218553530915]]",
    # phones
    "Amsterdam office [[PHONE_NUMBER|+31 20 123 4567]]",
    "Roma: [[PHONE_NUMBER|+39 06 1234 5678]]",
    "call us free on [[PHONE_NUMBER|1-800-555-0199]]",
    '<a href="tel:[[PHONE_NUMBER|+14155550132]]">call</a>',
    "München [[PHONE_NUMBER|+49 (0)89 1234567]]",
    "Auckland mobile [[PHONE_NUMBER|+64 21 123 4567]]",
    "Johannesburg: [[PHONE_NUMBER|+27 82 123 4567]]",
    "Dubai desk [[PHONE_NUMBER|+971 4 123 4567]]",
    "(02) is Sydney: [[PHONE_NUMBER|(02) 9876 5432]]",
    "Phone: [[PHONE_NUMBER|(212) 555 0142]]",
    "landline [[PHONE_NUMBER|+44 (0) 20 7946 0000]], ask for accounts",
    # e-mail addresses
    '{"email": "[[EMAIL_ADDRESS|ana.lima@example.com.br]]", "plan": "pro"}',
    "<li>[[EMAIL_ADDRESS|firstname.lastname@dept.example.ac.uk]]</li>",
    "send it to [[EMAIL_ADDRESS|user_name-99@example.travel]] pls",
    "mail: [[EMAIL_ADDRESS|ana(at)example(dot)com]]",
    "the address is [[EMAIL_ADDRESS|kim dot park at example dot kr]]",
    # SSNs
    "SSN: [[US_SSN|501-84-2293]]",
    "my social is [[US_SSN|287 65 4321]], last name Ortiz",
    # IP addresses
    "login from [[IP_ADDRESS|192.0.2.44]]:51234 at 03:12",
    "X-Forwarded-For: [[IP_ADDRESS|203.0.113.9]], [[IP_ADDRESS|198.51.100.2]]",
    "listen on [[IP_ADDRESS|2001:db8::1]] port 8443",
    # dates of birth, addresses, passports: scored once covered
    "Date of birth: [[DATE_OF_BIRTH|14/02/1988]]",
    "patient DOB [[DATE_OF_BIRTH|02-14-1988]], allergies none",
    "I was born on [[DATE_OF_BIRTH|3 June 1975]] in Leeds",
    "D.O.B.: [[DATE_OF_BIRTH|1979-11-30]]",
    "Birthdate - [[DATE_OF_BIRTH|Nov 30, 1979]]",
    "deliver to [[STREET_ADDRESS|221B Baker Street, London NW1 6XE]]",
    "passport number: [[PASSPORT|533480127]]",
)

NEGATIVE_C = (
    "Zoom meeting ID 845 2231 9904, passcode 993184",
    "Order #A-20250301-4471 is packed",
    "reference 2025/03/01-0042 in the ledger",
    "kernel 4.19.0-26-amd64 panicked",
    "ZIP codes 94103 and 10001 are in range",
    "arn:aws:sns:eu-west-1:123456789012:alerts",
    "sprint 2025-W09 ends Friday",
    "duration P1Y2M10DT2H30M",
    "lat/long 48.8584, 2.2945",
    "tolerance 0.05 mm on 25.40 mm",
    "box is 1200 x 800 x 144 mm",
    "screen 2560 x 1440 at 144 Hz",
    "a budget of 2 750 000 kr for next year",
    "sort code 20-00-00",
    "free range 10000-19999 for the agents",
    "ports 5432, 6379 and 27017 are open",
    "CVE-2024-3094 in xz",
    "RFC 7519, section 4.1.4",
    "HS code 8471.30.0100 applies",
    "Jira ABC-12345 blocks the release",
    "invoice no. 2025-000417-01",
    "elapsed 00:45:12.500",
    "stamp 20250301T101500Z",
    "1,234,567 views in a week",
    "bitrate 128000 bps, sample rate 44100 Hz",
    "error code 0x80070005 on install",
    "git tag v2025.03.01-1",
    "DPD parcel 0150 2345 6789 12",
    "scores: 98 - 87 - 91 - 76",
    "numbers 3 14 15 92 65 35 89 79",
    "the old gift card 1774 3033 7373 3733 was void",
    "GB00 NWBK 6016 1331 9268 19 fails the check",
    "the field accepts 7 to 15 digits",
    "lot 2025-0301-77812 recalled",
)
