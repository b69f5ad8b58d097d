"""Set "g" of the fresh PII set (:mod:`crewline.evals.benchmarks.pii_fresh`).

Written (session of the ``pii`` helper, issue 17) before the national-id checks moved to
python-stdnum, and never tuned on: its first run is the figure on unseen data before that change.
Positives: national ids of people born on a leap day (29 February of a leap year) and since 2000
(Belgian, Finnish "A" century, Polish months plus 20), covered countries in wordings sets "d" to "f"
do not use, phone numbers written in three groups of three (a Spanish mobile after its label, an
Australian one after its country code) and other locales, three IBANs, an e-mail address. Hard
negatives: order, lot and part numbers in 3-3-3 groups and SKUs with a suffix letter that must not
read as phones, and labelled ids whose check digit passes but whose date does not exist (29
February 1901 or 1989, a 34th of June, a woman's month 52 in 1993).

Every check digit was computed for a random body (none is a real person's or account's).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIRST_RUN_G", "NEGATIVE_G", "POSITIVE_G"]

# ``python -m crewline.evals.benchmarks.pii_fresh --set g`` at the commit that added this set, its
# first run, on data no rule was written for: national ids 17 of 18 (a personnummer after "är"
# missed), phones 9 of 9, IBANs 3 of 3; eleven of sixteen negatives flagged: seven order, lot, part
# and invoice numbers and SKUs read as phone numbers, and four labelled ids on days that never were
# (29 February 1901 and 1989, 34 June, 29 February 1993) read as national ids.
FIRST_RUN_G: dict[str, Any] = {
    "recall": 0.9677,
    "precision": 0.7317,
    "hard_negative_fpr": 0.6875,
    "national_id_recall": 0.9444,
}

# ``[[TYPE|value]]`` marks a gold span (read by ``pii_fresh._row``).
POSITIVE_G = (
    # national ids: leap-day births, births since 2000, wordings sets "d" to "f" do not use
    "PESEL: [[NATIONAL_ID|00222938716]] (urodzony 29.02.2000)",
    "numer PESEL [[NATIONAL_ID|96022900655]]",
    "mitt personnummer är [[NATIONAL_ID|880229-0851]]",
    "INSZ [[NATIONAL_ID|03.07.14-444.24]]",
    "rijksregisternummer: [[NATIONAL_ID|79.11.30-995.35]]",
    "fødselsnummer: [[NATIONAL_ID|17038429795]]",
    "HETU [[NATIONAL_ID|290296-2483]]",
    "henkilötunnukseni on [[NATIONAL_ID|011005A2834]]",
    "rodné číslo: [[NATIONAL_ID|925229/2126]]",
    "AMKA: [[NATIONAL_ID|29029276044]]",
    "SA ID no. [[NATIONAL_ID|9602299726087]]",
    "주민등록번호: [[NATIONAL_ID|920229-2018901]]",
    "身份证号 [[NATIONAL_ID|110105200002293281]]",
    "CNP: [[NATIONAL_ID|2040229263462]]",
    "SIN: [[NATIONAL_ID|254 474 448]]",
    "BSN [[NATIONAL_ID|010108154]]",
    "Aadhaar no [[NATIONAL_ID|9818 3309 1397]]",
    "TCKN [[NATIONAL_ID|97579272716]]",
    # phone numbers, three groups of three among them
    "móvil [[PHONE_NUMBER|630 859 013]]",
    "llámame al [[PHONE_NUMBER|+34 630 859 013]]",
    "office [[PHONE_NUMBER|(415) 555-0132]]",
    "mobile: [[PHONE_NUMBER|+44 7700 900123]]",
    "tél. [[PHONE_NUMBER|06 12 34 56 78]]",
    "Tel. [[PHONE_NUMBER|+49 30 12345678]]",
    "WhatsApp [[PHONE_NUMBER|+1 212-555-0198]]",
    "ring me on [[PHONE_NUMBER|+61 412 345 678]]",
    "cell [[PHONE_NUMBER|917.555.0143]]",
    # IBANs and an address
    "przelew na [[IBAN_CODE|PL95 4536 7579 4561 4529 7847 6505]]",
    "IBAN: [[IBAN_CODE|IE53 SZVF 5391 2517 1886 07]]",
    "kontonummer [[IBAN_CODE|NO13 3412 7616 797]]",
    "reply to [[EMAIL_ADDRESS|m.okafor+billing@example.co.uk]]",
)

NEGATIVE_G = (
    "Order 630-859-013 shipped today",
    "SKU 630-859-013-B back in stock",
    "part no. 412-907-331-C fits the 2019 model",
    "order #771 204 395 dispatched from Leeds",
    "lot 209-114-870, expiry 2027-03",
    "ref 118-442-907/2 (warehouse B)",
    "invoice 0417-2291-88 due on Friday",
    "container MSKU 907 331 4 at berth 12",
    "PESEL 01022934553 odrzucony przez system",
    "personnummer 890229-6824 finns inte",
    "INSZ 85.06.34-116.41 ongeldig",
    "rodné číslo 935229/2213 je neplatné",
    "version 3.12.4-rc.1 released",
    "GTIN 00012345600012",
    "ISBN 978-0-306-40615-7",
    "room 630, 859 guests, 13 staff",
)
